#!/usr/bin/env python3
"""Reference for the output rules of docs/active-house.md ("Output rules"), written from that
text, not from the firmware. Reads one JSON object on stdin:
  {"seconds": N, "base_w": [net power of the clamp without our loads, per second 1..N],
   "outputs": [{"on_w", "off_w", "on_delay_s", "off_delay_s", "min_on_s", "min_off_s",
                "max_on_s_per_day", "load_w"}],       # all on clamp 0
   "dr": [[t, level, until]], "override": [[t, output, mode, until]],   (optional)
   "switch_delay_s": d}   (optional, default 0)
Every output starts off, as if switched off at second 0 (a restart never shortens min_off_s).
Demand-response levels are "normal", "reduce" and "shed". The clamp's power in second t is
base_w[t-1] plus the load of every output on during it: an output switched at the evaluation of
second t-1 changes its load d seconds later (the twin: one 10 ms main-loop step), so in second t
it counts (1-d) of its new state and d of its old one.
Prints {"events": [[t, output, state]], "on_s": [...], "switches": [...]} as JSON (with
"report_power": true in the input also "power_w", the clamp's power of every second).
Importable: tools/ref-output-twin.py runs it on a twin scenario."""
import json
import sys

NEVER = None


def run(spec):
    outs = spec["outputs"]
    n = len(outs)
    on = [False] * n
    mode = ["auto"] * n
    mode_until = [0] * n
    last_switch = [0] * n  # start-up counts as a switch-off at second 0 (min_off_s holds from it)
    surplus_since = [NEVER] * n
    import_since = [NEVER] * n
    on_today = [0] * n
    on_total = [0] * n
    switches = [0] * n
    dr, dr_until = "normal", 0
    day = -1
    events = []
    powers = []  # the clamp's mean power of every second (with "report_power")
    dr_cmds = {t: (lvl, until) for t, lvl, until in spec.get("dr", [])}
    ov_cmds = {}
    for t, i, m, until in spec.get("override", []):
        ov_cmds.setdefault(t, []).append((i, m, until))
    d = spec.get("switch_delay_s", 0)
    on_during = list(on)  # which outputs were on after the evaluation that started this second
    on_before = list(on)  # ... and after the one before it (still on for the first d seconds)
    for t in range(1, spec["seconds"] + 1):
        # the second (t-1, t] ran with the outputs as they were at its start (after d seconds)
        power = spec["base_w"][t - 1] + sum(o["load_w"] * ((1 - d) * x + d * y) for o, x, y in zip(outs, on_during, on_before))
        powers.append(power)
        # commands that arrived during the second take effect now (before the rules run)
        if t in dr_cmds:
            dr, dr_until = dr_cmds[t]
        for i, m, until in ov_cmds.get(t, []):
            mode[i], mode_until[i] = m, (0 if m == "auto" else until)
        # 2. accounting
        if t // 86400 != day:
            day = t // 86400
            on_today = [0] * n
        for i in range(n):
            if on[i]:
                on_today[i] += 1
                on_total[i] += 1
        # 3. expiries
        if dr != "normal" and dr_until > 0 and t >= dr_until:
            dr, dr_until = "normal", 0
        for i in range(n):
            if mode[i] != "auto" and mode_until[i] > 0 and t >= mode_until[i]:
                mode[i], mode_until[i] = "auto", 0
        # 4. timers
        for i, o in enumerate(outs):
            if -power >= o["on_w"]:
                if surplus_since[i] is NEVER:
                    surplus_since[i] = t - 1
            else:
                surplus_since[i] = NEVER
            if power > o["off_w"]:
                if import_since[i] is NEVER:
                    import_since[i] = t - 1
            else:
                import_since[i] = NEVER
        # 5. decisions
        forced = []
        auto_off = auto_on = None
        for i, o in enumerate(outs):
            since = t - last_switch[i]
            day_full = on_today[i] >= o["max_on_s_per_day"]
            # room left today for a whole minimum on-time
            may_on = (not on[i]) and on_today[i] + o["min_on_s"] <= o["max_on_s_per_day"] and since >= o["min_off_s"]
            want = on[i]
            if mode[i] == "on":
                want = True
            elif mode[i] == "off" or dr == "shed" or (on[i] and day_full):
                want = False
            if want != on[i]:
                forced.append(i)
                continue
            if mode[i] != "auto":
                continue
            may_on = may_on and dr == "normal"  # "reduce": nothing switches on by itself
            s_for = 0 if surplus_since[i] is NEVER else t - surplus_since[i]
            i_for = 0 if import_since[i] is NEVER else t - import_since[i]
            if on[i] and i_for > 0 and i_for >= o["off_delay_s"] and since >= o["min_on_s"]:
                auto_off = i
            if may_on and s_for > 0 and s_for >= o["on_delay_s"] and auto_on is None:
                auto_on = i

        def switch(i, state):
            on[i] = state
            last_switch[i] = t
            switches[i] += 1
            events.append([t, i, 1 if state else 0])
            for j in range(n):  # 7. one clamp for all outputs here
                surplus_since[j] = NEVER
                import_since[j] = NEVER

        # 6. action
        if forced:
            for i in forced:
                switch(i, not on[i])
        elif auto_off is not None:
            switch(auto_off, False)
        elif auto_on is not None:
            switch(auto_on, True)
        on_before = on_during
        on_during = list(on)
    out = {"events": events, "on_s": on_total, "switches": switches}
    if spec.get("report_power"):
        out["power_w"] = powers
    return out


if __name__ == "__main__":
    json.dump(run(json.load(sys.stdin)), sys.stdout)
    sys.stdout.write("\n")
