// Outputs in closed loop through the twin (docs/active-house.md, docs/scenarios.md): a compressed
// PV day on the grid clamp, a water heater (out1, with its own clamp) and a pool pump (out2)
// switched by the release firmware's rules, their loads fed back into the clamps' currents. The
// switch times, on-times and the diverted energy come from tools/ref-output-twin.py, which reads
// only the scenario file; the firmware's guarantees are checked on their own too.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseScenario } from "../../host/sim/scenario.js";
import { Twin } from "../../host/sim/twin.js";
import { projectRoot } from "./support/asc-compile.js";

const rules = {
  out1: { on_w: 2100, off_w: 100, on_delay_s: 30, off_delay_s: 20, min_on_s: 120, min_off_s: 120, max_on_s_per_day: 86400 },
  out2: { on_w: 1100, off_w: 100, on_delay_s: 30, off_delay_s: 20, min_on_s: 120, min_off_s: 120, max_on_s_per_day: 600 },
};
/** 460 W of house load, PV rising to 3 and 4.2 kW with a cloud and a haze (cloud edges of a few seconds). */
const pvProfile = [[0, 0], [300.25, 0], [305.75, -3000], [600.25, -3000], [604.25, -4200], [900, -4200], [904, -1200], [1200.25, -1200],
  [1206.25, -4200], [1800.5, -4200], [1805.5, -2200], [2400.75, -2200], [2404.75, 0]];
const LOAD_W = { out1: 2000, out2: 1000 };
const scenario = {
  format: "activemeter-scenario/1", board: "test/boards/active-house.json", seconds: 3000.5, seed: 3,
  mains: { vrms: 230, hz: 50 },
  ct: { ct1: { irms: 2, phi_deg: 0, noise_a: 0.02, profile_w: pvProfile } },
  outputs: { out1: { load_w: LOAD_W.out1 }, out2: { load_w: LOAD_W.out2 } },
  console: ["unlock 0000", ...Object.entries(rules).flatMap(([o, r]) => Object.entries(r).map(([k, v]) => `set ${o}.${k} ${v}`)), "lock"],
};

interface Reference { events: [number, number, number][]; on_s: number[]; switches: number[]; diverted_wh: (number | null)[]; margin_w: number }

function reference(file: string): Reference {
  const r = spawnSync("/usr/bin/python3", [path.join(projectRoot, "tools", "ref-output-twin.py"), file], { cwd: projectRoot, encoding: "utf8" });
  assert.equal(r.status, 0, `the reference program needs /usr/bin/python3: ${r.error?.message ?? r.stderr}`);
  return JSON.parse(r.stdout) as Reference;
}

/** [second of the evaluation, output index, new state] from the twin's record of fw_output_state. */
function switchEvents(t: Twin): [number, number, number][] {
  const events: [number, number, number][] = [];
  let mask = 0;
  for (const [us, now] of t.outputChanges) {
    for (let i = 0; i < 4; i++) if (((now ^ mask) >> i) & 1) events.push([Math.floor(us / 1e6), i, (now >> i) & 1]);
    mask = now;
  }
  return events;
}

test("a PV day through the twin: every switch at the second the reference computes from the scenario, min times and the daily limit kept, diverted energy as its integral", (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "am-outputs-"));
  const file = path.join(dir, "pv-day.json");
  fs.writeFileSync(file, JSON.stringify(scenario));
  const want = reference(file);
  // Exact seconds need every second's power clear of every threshold by more than the metering error.
  assert.ok(want.margin_w >= 50, `scenario not well-posed: a second's power is only ${want.margin_w} W from a threshold`);
  assert.ok(want.events.length >= 6, `the day switches several times (${want.events.length})`);
  const twin = new Twin(parseScenario(fs.readFileSync(file, "utf8"), file));
  twin.runToEnd();
  assert.doesNotMatch(twin.consoleText, /error/);
  const got = switchEvents(twin);
  assert.deepEqual(got, want.events);
  const reg = twin.registers();
  assert.deepEqual([reg["out1.on_s"], reg["out2.on_s"]], want.on_s);
  assert.deepEqual([reg["out1.switches"], reg["out2.switches"]], want.switches);
  // The guarantees on their own: minimum on and off times, the daily limit (out2: 600 s, reached).
  (["out1", "out2"] as const).forEach((name, i) => {
    const mine = got.filter((e) => e[1] === i);
    for (let k = 1; k < mine.length; k++) {
      const gap = mine[k][0] - mine[k - 1][0];
      const min = mine[k][2] ? rules[name].min_off_s : rules[name].min_on_s;
      assert.ok(gap >= min, `${name} switched ${mine[k][2] ? "on" : "off"} ${gap} s after its last switch (minimum ${min} s)`);
    }
  });
  // out2 stops for the day once less than its minimum on-time is left of its daily limit.
  assert.ok(reg["out2.on_s"] <= rules.out2.max_on_s_per_day && reg["out2.on_s"] > rules.out2.max_on_s_per_day - rules.out2.min_on_s,
    `out2 on ${reg["out2.on_s"]} s of its daily ${rules.out2.max_on_s_per_day} s`);
  // Energy through the water heater's own clamp while on: the load's integral within 0.5 %.
  const analytic = want.diverted_wh[0]!;
  assert.ok(analytic > 400, `the water heater ran (${analytic} Wh)`);
  assert.ok(Math.abs(reg["out1.diverted_wh"] - analytic) <= 0.005 * analytic, `diverted ${reg["out1.diverted_wh"]} Wh, integral ${analytic.toFixed(3)} Wh`);
  assert.equal(reg["out1.state"] + reg["out2.state"], 0, "evening: both off");
  t.diagnostic(`switches ${JSON.stringify(got)}; on ${want.on_s} s; margin ${want.margin_w} W; diverted ${reg["out1.diverted_wh"].toFixed(3)} Wh vs ${analytic.toFixed(3)} Wh`);
});

/** Type one line and return what the terminal shows for it (echo, answer, prompt). */
function type(t: Twin, line: string): string {
  const before = t.consoleText.length;
  t.typeLines([line]);
  return t.consoleText.slice(before);
}

function runUntil(t: Twin, seconds: number): void {
  while (t.clockUs < seconds * 1e6) t.step();
}

test("manual override on the console: needs unlock, acts at the next second, ends on time, logged, status bit 13", () => {
  const twin = new Twin(parseScenario(JSON.stringify({
    format: "activemeter-scenario/1", board: "test/boards/active-house.json", seconds: 300,
    mains: { vrms: 230, hz: 50 }, ct: { ct1: { irms: 2, phi_deg: 0 } }, outputs: { out1: { load_w: 2000 } },
  })));
  runUntil(twin, 10.5);
  assert.match(type(twin, "out 1 on 2"), /error: out is protected: unlock first/);
  assert.match(type(twin, "set out1.min_on_s 10"), /error: outN settings is protected/);
  type(twin, "unlock 0000");
  assert.match(type(twin, "set out1.min_on_s 10"), /\r\nok\r\n/);
  assert.match(type(twin, "out 5 on"), /error: usage: out, or out <N>/);
  assert.match(type(twin, "out 1 toggle"), /error: usage/);
  assert.match(type(twin, "out 1 on 2"), /ok: out1 on for 2 min \(from the next second; logged\)/);
  const typedS = twin.clockUs / 1e6; // 10.5 s: the override ends at 130.5 s, i.e. at the evaluation of second 131
  runUntil(twin, 60);
  assert.ok((twin.status() & (1 << 13)) !== 0, "status output_override while the override lasts");
  assert.match(type(twin, "out"), /out1 \(relay, gpio 23\): on, manual on for 7\d s more; clamp ct1, load ct2; switches 1/);
  runUntil(twin, 140);
  assert.equal(twin.status() & (1 << 13), 0, "override over");
  // On at the first evaluation after the command; off when it ended: its rule sees 460 W of import.
  assert.deepEqual(twin.outputChanges.map(([us, m]) => [Math.floor(us / 1e6), m]), [[Math.floor(typedS) + 1, 1], [131, 0]]);
  assert.match(type(twin, "out 2 off"), /ok: out2 off until out N auto/);
  assert.match(type(twin, "out 2 auto"), /ok: out2 follows its rule again/);
  const log = type(twin, "log 4");
  assert.match(log, /: out2 back to auto\r\n.*: out2 manual off\r\n.*: out1 manual on until up 131 s\r\n.*: setting out1\.min_on_s 300 -> 10\r\n/s);
  // Not legally relevant: nothing of it in the metrological log.
  assert.doesNotMatch(type(twin, "metrolog 5"), /out[12]/);
  // Rule parameters are settings: saved, they survive a reboot (which also ends every override).
  assert.match(type(twin, "save"), /ok: settings saved/);
  type(twin, "reboot");
  assert.match(type(twin, "config"), /\r\nout1\.min_on_s = 10\r\nout1\.min_off_s = 300\r\n/);
});
