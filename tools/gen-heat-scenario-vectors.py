#!/usr/bin/python3
"""Reference heat coefficients for the whole-scenario heat tests (test/host/heat-metering.test.ts).

Run with Debian's interpreter (python3-iapws):  /usr/bin/python3 tools/gen-heat-scenario-vectors.py

Writes test/vectors/heat-scenarios-if97.json: for every (supply, return, pressure, flow-sensor pipe)
operating point the scenarios use, k = (h(supply) - h(return)) / (v * (supply - return)) in kWh/(m3*K)
straight from IAPWS-IF97, so a test computes the expected energy as N pulses * k * dT * litres.
Independent of the firmware's tables and of tools/gen-heat-tables.py.
"""
import json
import os

from iapws import IAPWS97, __version__ as IAPWS_VERSION

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "test/vectors/heat-scenarios-if97.json")

# (supply °C, return °C, bar, pipe of the flow sensor)
POINTS = [
    (70.0, 40.0, 16, "return"),   # examples/heat-70-40.json, district heating
    (80.0, 60.0, 16, "return"),
    (70.0, 40.0, 16, "supply"),   # supply-pipe board variant
    (90.0, 70.0, 6, "return"),    # second circuit of the test board, 6 bar
    (12.0, 18.0, 16, "return"),   # cooling: return warmer
    (45.0, 43.5, 16, "return"),   # ΔΘ = 1.5 K < 3 K
    (35.0, 34.7, 16, "return"),   # ΔΘ = 0.3 K, just above the default cut-off
    (55.0, 25.0, 10, "supply"),
]


def k(supply_c, return_c, bar, pipe):
    f = IAPWS97(T=supply_c + 273.15, P=bar / 10.0)
    r = IAPWS97(T=return_c + 273.15, P=bar / 10.0)
    assert f.region == 1 and r.region == 1
    v = f.v if pipe == "supply" else r.v  # m3/kg at the flow sensor
    return (f.h - r.h) / (v * (supply_c - return_c)) / 3600.0  # kJ/(m3*K) -> kWh/(m3*K)


def main():
    points = [{"supply_c": s, "return_c": r, "pressure_bar": bar, "flow_sensor_pipe": pipe, "k": round(k(s, r, bar, pipe), 10)}
              for s, r, bar, pipe in POINTS]
    doc = {
        "generator": "/usr/bin/python3 tools/gen-heat-scenario-vectors.py",
        "source": f"IAPWS-IF97 region 1 via python3-iapws {IAPWS_VERSION}",
        "units": {"temperature": "°C", "pressure": "bar (absolute)", "k": "kWh/(m3*K)"},
        "points": points,
    }
    with open(OUT, "w") as out:
        json.dump(doc, out, indent=1, ensure_ascii=False)
        out.write("\n")
    print(f"{OUT}: {len(points)} points")


if __name__ == "__main__":
    main()
