#!/usr/bin/python3
"""Generate the EN 1434 heat-coefficient reference vectors and the firmware's IF97 tables.

Run with Debian's interpreter (python3-iapws):  /usr/bin/python3 tools/gen-heat-tables.py

Writes
  test/vectors/heat-k-if97.json   reference k in kWh/(m3*K) from IAPWS-IF97 (the tests read it)
  assembly/heat/if97-tables.ts    Hermite node tables (integers) that assembly/heat/coefficient.ts interpolates

k = (h(Tf) - h(Tr)) / (v * (Tf - Tr)), v = specific volume at the temperature of the pipe holding the flow
sensor, all at the same nominal pressure (EN 1434-1 / OIML R 75 definition).
"""
import json
import os
import sys

from iapws import IAPWS97, __version__ as IAPWS_VERSION

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Device grid: nodes every 2^13 m°C = 8.192 K from 2 °C, so the index is a shift and the fraction a mask.
T0_MILLIC = 2000
STEP_SHIFT = 13
STEP_MILLIC = 1 << STEP_SHIFT
T_MAX_MILLIC = 150000
NODES = (T_MAX_MILLIC - T0_MILLIC + STEP_MILLIC - 1) // STEP_MILLIC + 1  # last node is past 150 °C
# Two table pressures; the device interpolates linearly in pressure between them (checked at 10 and 16 bar).
TABLE_KPA = (600, 2500)
VECTOR_BAR = (6, 10, 16, 25)

# Published values (EN 1434 / OIML R 75 examples, 16 bar); the generator refuses to run if IF97 disagrees.
PUBLISHED = [
    {"supply_mC": 70000, "return_mC": 40000, "pressure_bar": 16, "k_return": 1.15237, "k_supply": 1.13561},
    {"supply_mC": 80000, "return_mC": 60000, "pressure_bar": 16, "k_return": 1.14378, "k_supply": 1.13054},
]

_cache = {}


def state(milli_c, bar):
    key = (milli_c, bar)
    if key not in _cache:
        s = IAPWS97(T=milli_c / 1000.0 + 273.15, P=bar / 10.0)  # P in MPa
        if s.region != 1:
            sys.exit(f"IF97 region {s.region} (not liquid) at {milli_c} m°C, {bar} bar")
        _cache[key] = s
    return _cache[key]


def k_ref(supply_mc, return_mc, bar, flow_in_supply):
    f, r = state(supply_mc, bar), state(return_mc, bar)
    v = f.v if flow_in_supply else r.v  # m3/kg
    return (f.h - r.h) / (v * (supply_mc - return_mc) / 1000.0) / 3600.0  # kJ/m3/K -> kWh/(m3*K)


def vector_pairs():
    pairs = set()
    # All heating pairs on an irregular 2..150 °C grid (off the device's 8.192 K nodes on purpose).
    grid = [2000, 3300, 5000, 8100] + list(range(11700, 150000, 6850)) + [150000]
    for a in grid:
        for b in grid:
            if a > b:
                pairs.add((a, b))
    # Small ΔΘ across the range: the cut-off is a few tenths of a kelvin, so k must hold there too.
    for base in range(2000, 147001, 4900):
        for d in (200, 500, 1000, 3000):
            if base + d <= T_MAX_MILLIC:
                pairs.add((base + d, base))
    # Cooling (return warmer than supply): chilled-water and ground-loop ranges.
    for s in (2000, 6000, 7000, 10000, 12000, 16000, 18000, 22000):
        for d in (300, 1000, 5000, 10000):
            pairs.add((s, s + d))
    # Typical operating points quoted in docs/heat.md.
    pairs.update([(70000, 40000), (80000, 60000), (45000, 35000), (10000, 15000), (90000, 70000), (55000, 25000),
                  (150000, 2000), (2000, 150000)])
    return sorted(pairs)


def write_vectors():
    points = []
    for s, r in vector_pairs():
        points.append({
            "supply_mC": s,
            "return_mC": r,
            "k_return": [round(k_ref(s, r, bar, False), 9) for bar in VECTOR_BAR],
            "k_supply": [round(k_ref(s, r, bar, True), 9) for bar in VECTOR_BAR],
        })
    for p in PUBLISHED:
        for pos, flag in (("k_return", False), ("k_supply", True)):
            k = k_ref(p["supply_mC"], p["return_mC"], p["pressure_bar"], flag)
            if abs(k - p[pos]) > 0.6e-5:
                sys.exit(f"IF97 gives {k:.6f}, published {p[pos]} for {p}")
    doc = {
        "generator": "/usr/bin/python3 tools/gen-heat-tables.py",
        "source": f"IAPWS-IF97 region 1 via python3-iapws {IAPWS_VERSION}",
        "definition": "k = (h(supply) - h(return)) / (v * (supply - return)); v at the flow-sensor pipe temperature",
        "units": {"temperature": "m°C", "k": "kWh/(m3*K)", "pressure": "bar (absolute, as IAPWS97 P)"},
        "pressures_bar": list(VECTOR_BAR),
        "published": PUBLISHED,
        "points": points,
    }
    path = os.path.join(ROOT, "test/vectors/heat-k-if97.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as out:
        out.write("{\n")
        head = [k for k in doc if k != "points"]
        for k in head:
            out.write(f"  {json.dumps(k)}: {json.dumps(doc[k], ensure_ascii=False)},\n")
        out.write('  "points": [\n')
        out.write(",\n".join("    " + json.dumps(p) for p in points))
        out.write("\n  ]\n}\n")
    return len(points)


def node_row(i, kpa):
    """One Hermite node: h (mJ/kg), h slope per grid step, density (mg/m3), density slope per grid step."""
    s = state(T0_MILLIC + i * STEP_MILLIC, kpa / 100.0)
    step_k = STEP_MILLIC / 1000.0
    return [
        round(s.h * 1e6),                        # kJ/kg -> mJ/kg
        round(s.cp * 1e6 * step_k),               # dh/dT (kJ/kg/K) * step -> mJ/kg per step
        round(s.rho * 1e6),                       # kg/m3 -> mg/m3
        round(-s.rho * s.alfav * 1e6 * step_k),   # drho/dT = -rho*alpha_v -> mg/m3 per step
    ]


def write_tables():
    lines = [
        "// generated by tools/gen-heat-tables.py, do not edit (run: /usr/bin/python3 tools/gen-heat-tables.py)",
        f"// IAPWS-IF97 region 1 via python3-iapws {IAPWS_VERSION}. Cubic Hermite nodes for specific enthalpy and",
        "// density of water; see docs/heat.md for the layout and the measured error.",
        "",
        "/** First node temperature. */",
        f"export const HEAT_T0_MILLIC: i32 = {T0_MILLIC};",
        "/** Node spacing is 1 << HEAT_STEP_SHIFT m°C (8.192 K), so index and fraction are a shift and a mask. */",
        f"export const HEAT_STEP_SHIFT: i32 = {STEP_SHIFT};",
        f"export const HEAT_NODES: i32 = {NODES};",
        "/** i32 values per node: h mJ/kg, h slope mJ/kg per step, density mg/m3, density slope mg/m3 per step. */",
        "export const HEAT_NODE_WORDS: i32 = 4;",
        f"export const HEAT_TABLE_LOW_KPA: i32 = {TABLE_KPA[0]};",
        f"export const HEAT_TABLE_HIGH_KPA: i32 = {TABLE_KPA[1]};",
        "",
    ]
    total = 0
    for name, kpa in (("HEAT_TABLE_LOW", TABLE_KPA[0]), ("HEAT_TABLE_HIGH", TABLE_KPA[1])):
        lines.append(f"/** Nodes at {kpa} kPa, {NODES} x {{h, h slope, rho, rho slope}}, static data (no allocation). */")
        lines.append(f"export const {name}: usize = memory.data<i32>([")
        for i in range(NODES):
            row = node_row(i, kpa)
            assert all(-2**31 <= x < 2**31 for x in row)
            t = (T0_MILLIC + i * STEP_MILLIC) / 1000.0
            lines.append("  " + ", ".join(str(x) for x in row) + f",  // {t:.3f} °C")
            total += 16
        lines.append("]);")
        lines.append("")
    lines.append(f"/** Bytes of table data above. */")
    lines.append(f"export const HEAT_TABLE_BYTES: i32 = {total};")
    path = os.path.join(ROOT, "assembly/heat/if97-tables.ts")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as out:
        out.write("\n".join(lines) + "\n")
    return total


if __name__ == "__main__":
    n = write_vectors()
    b = write_tables()
    print(f"test/vectors/heat-k-if97.json: {n} pairs x {len(VECTOR_BAR)} pressures x 2 positions")
    print(f"assembly/heat/if97-tables.ts: {NODES} nodes x 2 pressures, {b} bytes")
