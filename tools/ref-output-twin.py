#!/usr/bin/env python3
"""Reference switch times of a twin scenario with outputs, from the scenario's definition alone
(docs/scenarios.md "Outputs", docs/active-house.md "Output rules"), not from the firmware or the
twin's code. usage: ref-output-twin.py SCENARIO.json   (board paths relative to the project root)

What it computes, per second t of the run (the CT window [t-1, t) that the firmware's rules see
at the evaluation of second t):
  power(t) = Vrms * irms * cos(phi) of the rule clamp's steady load
           + the mean over [t-1, t) of its profile_w (exact integral of the piecewise-linear profile)
           + each output's load_w (through that clamp) while on; an output switched at the
             evaluation of second s carries its new state from s + 0.01 s (the twin's 10 ms step).
The rule parameters come from the scenario's console lines `set outN.<name> <value>` (defaults
as documented otherwise). The rules themselves are tools/ref-output-rules.py.
Prints JSON: events [[t, output index, state]], on_s, switches, diverted_wh (analytic: load_w
times the load's time on inside the counted windows, for outputs with a load clamp), margin_w
(the smallest distance of any second's power from any threshold, and of |power| from 0: a
scenario is only well-posed for exact times when measurement error stays below it)."""
import importlib.util
import json
import math
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STEP_S = 0.01
DEFAULTS = {"on_w": 1500, "off_w": 100, "on_delay_s": 60, "off_delay_s": 30, "min_on_s": 300, "min_off_s": 300, "max_on_s_per_day": 86400}

spec_loader = importlib.util.spec_from_file_location("ref_rules", os.path.join(ROOT, "tools", "ref-output-rules.py"))
ref_rules = importlib.util.module_from_spec(spec_loader)
spec_loader.loader.exec_module(ref_rules)


def profile_integral(points, a, b):
    """Integral of the piecewise-linear profile (constant beyond its ends) over [a, b]."""
    def value(t):
        if t <= points[0][0]:
            return points[0][1]
        for (t0, w0), (t1, w1) in zip(points, points[1:]):
            if t <= t1:
                return w0 + (w1 - w0) * (t - t0) / (t1 - t0)
        return points[-1][1]
    cuts = [a] + [t for t, _ in points if a < t < b] + [b]
    return sum((value(x) + value(y)) / 2 * (y - x) for x, y in zip(cuts, cuts[1:]))


def main(path):
    scenario = json.load(open(path))
    board_name = scenario["board"]
    board_file = board_name if board_name.endswith(".json") else os.path.join("boards", board_name + ".json")
    board = json.load(open(os.path.join(ROOT, board_file)))
    outs = sorted(board.get("outputs", []), key=lambda o: o["name"])
    clamp = outs[0]["clamp"]
    assert all(o["clamp"] == clamp for o in outs), "this reference models outputs watching one clamp"
    params = [dict(DEFAULTS) for _ in outs]
    for line in scenario.get("console", []):
        m = re.fullmatch(r"set out([1-4])\.(\w+) (\d+)", line.strip())
        if m:
            params[int(m.group(1)) - 1][m.group(2)] = int(m.group(3))
        assert not line.strip().startswith("out "), "overrides are not modelled here"
    vrms = scenario["mains"]["vrms"]
    ct = scenario.get("ct", {}).get(clamp, {})
    steady = vrms * ct.get("irms", 0) * math.cos(math.radians(ct.get("phi_deg", 0)))
    seconds = int(scenario["seconds"])
    profile = ct.get("profile_w")
    base = [steady + (profile_integral(profile, t - 1, t) if profile else 0) for t in range(1, seconds + 1)]
    loads = []
    for o in outs:
        spec = scenario.get("outputs", {}).get(o["name"], {"load_w": 0})
        through = spec.get("clamps", [o["clamp"]] + ([o["load_clamp"]] if "load_clamp" in o else []))
        loads.append(spec["load_w"] if clamp in through else 0)
    rules_in = {"seconds": seconds, "base_w": base, "switch_delay_s": STEP_S, "report_power": True,
                "outputs": [dict(p, load_w=w) for p, w in zip(params, loads)]}
    result = ref_rules.run(rules_in)
    margin = math.inf
    for p in result["power_w"][2:]:  # the first windows of a start-up are not exact (no cycle before them)
        margin = min(margin, abs(p))
        for q in params:
            margin = min(margin, abs(-p - q["on_w"]), abs(p - q["off_w"]))
    diverted = []
    for i, o in enumerate(outs):
        if "load_clamp" not in o:
            diverted.append(None)
            continue
        load_w = scenario.get("outputs", {}).get(o["name"], {"load_w": 0})["load_w"]
        # On from s_on + d to s_off + d; the counted windows cover [s_on, s_off): the load ran
        # s_off - s_on - d of them (a period still on at the end: up to the last whole second).
        total, since = 0.0, None
        for t, k, state in result["events"]:
            if k != i:
                continue
            if state:
                since = t
            else:
                total += t - since - STEP_S
                since = None
        if since is not None:
            total += seconds - since - STEP_S
        diverted.append(load_w * total / 3600)
    del result["power_w"]
    result.update(diverted_wh=diverted, margin_w=margin)
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
