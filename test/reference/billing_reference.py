#!/usr/bin/python3
"""Independent reference for the billing tests (test/host/billing-history.test.ts).

Reads a scenario file (docs/scenarios.md: pulse trains with optional load steps) and the billing
settings, and computes from the scenario's definition alone -- pulse rise times, the Python
standard library's zoneinfo for local time -- what the meter must record:
  * every daily boundary (each local day at the billing hour) and billing date (the billing day
    at that hour) after the start, as the first UTC instant whose local time is at or after it;
  * every pulse channel's energy at each boundary (pulses that rose before it x Wh per pulse);
  * per month, the hourly energies of whole UTC hours, the highest (the peak) and the mean of
    the top N on distinct local days.
Usage: billing_reference.py SCENARIO.json '{"wh_per_pulse": {...}, "zone": "Europe/Stockholm",
       "day": 15, "hour": 2, "peak_hours": 3}'   -> JSON on stdout.
"""
import bisect
import json
import math
import sys
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo


def parse_start(v):
    if isinstance(v, (int, float)):
        return int(v)
    return int(datetime.strptime(v, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp())


def segments(spec, seconds):
    stop = spec.get("stop_s", seconds)
    starts = [(spec.get("start_s", 0.0), spec["hz"])] + [tuple(s) for s in spec.get("steps", [])]
    out = []
    for i, (a, hz) in enumerate(starts):
        end = min(stop, starts[i + 1][0] if i + 1 < len(starts) else math.inf)
        out.append((a, hz, end))
    return out


def count_in(seg, t):
    a, hz, end = seg
    lim = min(end, t)
    return math.ceil((lim - a) * hz - 1e-9) if hz > 0 and lim > a else 0


def rises_before(segs, t):
    """Pulses whose rise is before scenario second t: whole segments before t, then a part of one."""
    cum = CUMULATIVE.get(id(segs))
    if cum is None:
        cum = [0]
        for seg in segs:
            cum.append(cum[-1] + count_in(seg, math.inf))
        CUMULATIVE[id(segs)] = cum
    i = bisect.bisect_right([s[0] for s in segs], t) - 1 if id(segs) not in STARTS else bisect.bisect_right(STARTS[id(segs)], t) - 1
    STARTS.setdefault(id(segs), [s[0] for s in segs])
    if i < 0:
        return 0
    return cum[i] + count_in(segs[i], t)


CUMULATIVE = {}
STARTS = {}


def first_utc_at_or_after(zone, naive):
    """First UTC second whose local wall time is at or after `naive`."""
    best = None
    for fold in (0, 1):
        u = int(naive.replace(tzinfo=zone, fold=fold).timestamp())
        if datetime.fromtimestamp(u, zone).replace(tzinfo=None) == naive and (best is None or u < best):
            best = u
    if best is not None:
        return best
    u = int(naive.replace(tzinfo=zone, fold=0).timestamp())  # in a gap: go back to the jump
    while datetime.fromtimestamp(u - 60, zone).replace(tzinfo=None) >= naive:
        u -= 60
    return u


def main():
    scenario = json.load(open(sys.argv[1]))
    cfg = json.loads(sys.argv[2])
    zone = ZoneInfo(cfg["zone"])
    start = parse_start(scenario["start_utc"])
    seconds = scenario["seconds"]
    end = start + seconds
    chans = {name: segments(spec, seconds) for name, spec in scenario.get("pulse", {}).items()}
    wh = cfg["wh_per_pulse"]

    outages = [(o["at_s"], o["at_s"] + o["off_s"]) for o in scenario.get("outages", [])]

    def metered(segs, t):
        """Rises before t that the meter saw: none while the power was off."""
        n = rises_before(segs, t)
        for a, b in outages:
            if t > a:
                n -= rises_before(segs, min(b, t)) - rises_before(segs, a)
        return n

    def values(u):
        # A boundary inside an outage is recorded at the restart: what was metered before the cut.
        for a, b in outages:
            if start + a <= u < start + b:
                u = start + b
        return {f"{name}.wh": metered(segs, u - start) * wh[name] for name, segs in chans.items()}

    local_start = datetime.fromtimestamp(start, zone).replace(tzinfo=None)
    daily, monthly = [], []
    d = local_start.date() - timedelta(days=1)
    while True:
        u = first_utc_at_or_after(zone, datetime(d.year, d.month, d.day, cfg["hour"]))
        d += timedelta(days=1)
        if u <= start:
            continue
        if u > end:
            break
        daily.append(u)
    y, m = local_start.year, local_start.month - 1
    while True:
        if m < 1:
            y, m = y - 1, 12
        u = first_utc_at_or_after(zone, datetime(y, m, cfg["day"], cfg["hour"]))
        m += 1
        if m > 12:
            y, m = y + 1, 1
        if u <= start:
            continue
        if u > end:
            break
        monthly.append(u)

    def peaks(frm, to):
        out = {}
        for name, segs in chans.items():
            by_day = {}
            h = frm - frm % 3600
            if h < frm:
                h += 3600
            while h + 3600 <= to:
                mw = (rises_before(segs, h + 3600 - start) - rises_before(segs, h - start)) * wh[name] * 1000
                day = datetime.fromtimestamp(h, zone).date()
                if mw > 0 and (day not in by_day or mw > by_day[day][0]):
                    by_day[day] = (mw, h)
                h += 3600
            top = sorted(by_day.values(), key=lambda e: -e[0])[: cfg["peak_hours"]]
            if not top:
                continue
            best = top[0][0]
            out[name] = {"peak_mw": best, "mean_mw": sum(e[0] for e in top) // len(top),
                         "peak_at": top[0][1], "unique": sum(1 for e in by_day.values() if e[0] == best) == 1}
        return out

    result = {"daily": [{"at": u, "values": values(u), "on_s": u - start} for u in daily], "monthly": []}
    prev = start
    for u in monthly:
        result["monthly"].append({"at": u, "values": values(u), "on_s": u - start, "peaks": peaks(prev, u)})
        prev = u
    json.dump(result, sys.stdout)


main()
