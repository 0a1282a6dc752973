// The output rule engine (assembly/outputs/rules.ts) over two PV days, closed loop (each output's
// load changes the clamp's power it watches), against tools/ref-output-rules.py, a separate
// program written from docs/active-house.md. Also the guarantees on their own: never faster
// than the minimum times, never over the daily limit, shed and overrides obeyed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { compileHarness, projectRoot } from "./support/asc-compile.js";

const harness = compileHarness("test/harness/outputs.ts");
const DAY = 86400;
const MODES: Record<string, number> = { off: 0, on: 1, auto: 2 };
const DR: Record<string, number> = { normal: 0, reduce: 1, shed: 2 };

interface OutputSpec { on_w: number; off_w: number; on_delay_s: number; off_delay_s: number; min_on_s: number; min_off_s: number; max_on_s_per_day: number; load_w: number }
interface Spec { seconds: number; base_w: number[]; outputs: OutputSpec[]; dr?: [number, string, number][]; override?: [number, number, string, number][] }

/** Net power of a house without the controlled loads: 350 W base, kettles, PV with clouds (W, + import). */
function pvDays(days: number, peakW: number, seed: number): number[] {
  let x = seed >>> 0;
  const rand = () => { x = (Math.imul(x, 1664525) + 1013904223) >>> 0; return x / 2 ** 32; };
  const out: number[] = [];
  let cloud = 1;
  for (let t = 1; t <= days * DAY; t++) {
    const tod = t % DAY;
    if (t % 120 === 0) cloud = rand() < 0.25 ? 0.3 + 0.4 * rand() : 1; // a passing cloud now and then
    const sun = tod > 6 * 3600 && tod < 18 * 3600 ? Math.sin(Math.PI * (tod - 6 * 3600) / (12 * 3600)) : 0;
    const kettle = tod % 10_800 < 180 ? 2000 : 0; // 3 min every 3 h
    out.push(Math.round(350 + kettle - peakW * sun * cloud));
  }
  return out;
}

function reference(spec: Spec) {
  const r = spawnSync("/usr/bin/python3", [path.join(projectRoot, "tools", "ref-output-rules.py")], { input: JSON.stringify(spec), encoding: "utf8", maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `the reference program needs /usr/bin/python3: ${r.error?.message ?? r.stderr}`);
  return JSON.parse(r.stdout) as { events: [number, number, number][]; on_s: number[]; switches: number[] };
}

async function firmware(spec: Spec) {
  const { exports: fw } = await harness;
  fw.outputsReset();
  spec.outputs.forEach((o, i) => assert.ok(fw.outputConfigure(i, 0, -1, o.on_w, o.off_w, o.on_delay_s, o.off_delay_s, o.min_on_s, o.min_off_s, o.max_on_s_per_day)));
  fw.outputsBoot(0n); // start-up: every output off since second 0
  const dr = new Map((spec.dr ?? []).map(([t, level, until]) => [t, [level, until] as const]));
  const overrides = new Map<number, [number, number, string, number][]>();
  for (const o of spec.override ?? []) overrides.set(o[0], [...(overrides.get(o[0]) ?? []), o]);
  const events: [number, number, number][] = [];
  let mask = 0;
  for (let t = 1; t <= spec.seconds; t++) {
    const power = spec.base_w[t - 1] + spec.outputs.reduce((s, o, i) => s + ((mask >> i) & 1 ? o.load_w : 0), 0);
    fw.outputsClampSecond(0, power, BigInt(Math.max(0, power)) * 1_000_000n / 3600n);
    const d = dr.get(t);
    if (d) assert.ok(fw.outputsDemandResponse(DR[d[0]], BigInt(d[1])));
    for (const [, i, m, until] of overrides.get(t) ?? []) assert.ok(fw.outputOverride(i, MODES[m], BigInt(until)));
    fw.outputsSecond(BigInt(t), BigInt(Math.floor(t / DAY)));
    const now = fw.outputsMask() >>> 0;
    for (let i = 0; i < spec.outputs.length; i++) if (((now ^ mask) >> i) & 1) events.push([t, i, (now >> i) & 1]);
    mask = now;
  }
  return { events, on_s: spec.outputs.map((_, i) => Number(fw.outputOnTotalS(i))), switches: spec.outputs.map((_, i) => Number(fw.outputSwitches(i))) };
}

const waterHeater: OutputSpec = { on_w: 2100, off_w: 100, on_delay_s: 60, off_delay_s: 30, min_on_s: 300, min_off_s: 300, max_on_s_per_day: 4 * 3600, load_w: 2000 };
const poolPump: OutputSpec = { on_w: 1100, off_w: 50, on_delay_s: 120, off_delay_s: 60, min_on_s: 600, min_off_s: 600, max_on_s_per_day: 3 * 3600, load_w: 1000 };

function checkGuarantees(spec: Spec, events: [number, number, number][]): void {
  spec.outputs.forEach((o, i) => {
    const mine = events.filter((e) => e[1] === i);
    let onToday = 0; let day = 0; let since = -Infinity; let state = 0;
    for (const [t, , s] of mine) {
      if (s === state) assert.fail(`output ${i} switched to its own state at ${t}`);
      // Outside demand response and overrides (none in the plain run), minimum times hold.
      if (!spec.dr && !spec.override) assert.ok(t - since >= (s ? o.min_off_s : o.min_on_s), `output ${i} switched ${s ? "on" : "off"} ${t - since} s after its last switch at ${t}`);
      if (!s) { if (Math.floor(since / DAY) !== day) { day = Math.floor(t / DAY); onToday = 0; } onToday += t - since; }
      since = t; state = s;
    }
    assert.ok(onToday <= o.max_on_s_per_day + 1, `output ${i} on ${onToday} s in a day`);
  });
}

test("two PV days, water heater and pool pump on one grid clamp: every switch at the second the reference says", async () => {
  const spec: Spec = { seconds: 2 * DAY, base_w: pvDays(2, 5200, 7), outputs: [waterHeater, poolPump] };
  const want = reference(spec);
  const got = await firmware(spec);
  assert.ok(want.events.length >= 10, `a realistic day switches several times (${want.events.length})`);
  assert.deepEqual(got.events, want.events);
  assert.deepEqual(got.on_s, want.on_s);
  assert.deepEqual(got.switches, want.switches);
  checkGuarantees(spec, got.events);
  // The water heater reaches its daily limit on the sunny days.
  assert.ok(got.on_s[0] >= 2 * 3.5 * 3600 && got.on_s[0] <= 2 * 4 * 3600, `water heater on ${got.on_s[0]} s in two days`);
});

test("demand response and manual overrides: reduce, shed and expiry, as the reference says", async () => {
  const spec: Spec = {
    seconds: DAY, base_w: pvDays(1, 5200, 11), outputs: [waterHeater, poolPump],
    dr: [[10 * 3600, "reduce", 11 * 3600], [12 * 3600, "shed", 13 * 3600]],
    override: [[8 * 3600, 1, "on", 8 * 3600 + 900], [14 * 3600, 0, "off", 0], [15 * 3600, 0, "auto", 0]],
  };
  const want = reference(spec);
  const got = await firmware(spec);
  assert.deepEqual(got.events, want.events);
  assert.deepEqual(got.on_s, want.on_s);
  const stateAt = (t: number, i: number) => got.events.filter((e) => e[1] === i && e[0] <= t).at(-1)?.[2] ?? 0;
  // During reduce nothing switches on by itself; during shed nothing is on.
  assert.equal(got.events.filter(([t, , s]) => s === 1 && t > 10 * 3600 && t < 11 * 3600).length, 0, "no switch-on while reduced");
  for (const t of [12 * 3600, 12 * 3600 + 1800, 13 * 3600 - 1]) assert.equal(stateAt(t, 0) + stateAt(t, 1), 0, `shed at ${t}`);
  assert.ok(got.events.some(([t, , s]) => s === 1 && t > 11 * 3600 && t < 12 * 3600), "after reduce the surplus switches again");
  assert.equal(stateAt(8 * 3600 + 1, 1), 1, "manual on at 08:00");
  assert.equal(stateAt(14 * 3600 + 1800, 0), 0, "manual off at 14:00");
});

test("bad rule parameters are refused and leave the output undeclared", async () => {
  const { exports: fw } = await harness;
  fw.outputsReset();
  assert.equal(fw.outputConfigure(4, 0, -1, 1, 1, 1, 1, 1, 1, 1), 0, "output index");
  assert.equal(fw.outputConfigure(0, 4, -1, 1, 1, 1, 1, 1, 1, 1), 0, "clamp index");
  assert.equal(fw.outputConfigure(0, 0, -1, -5, 1, 1, 1, 1, 1, 1), 0, "negative threshold");
  assert.equal(fw.outputConfigure(0, 0, -1, 1, 1, 1, 1, 1, 1, 90000), 0, "more than a day per day");
  assert.equal(fw.outputOverride(0, 1, 0n), 0, "an undeclared output takes no override");
  assert.equal(fw.outputsDemandResponse(3, 0n), 0, "no demand-response level 3");
  assert.equal(fw.outputsMask(), 0);
});
