// Scenario -> twin -> release firmware -> registers and frames, for pulse inputs. Expected
// values come from the scenario's own definition (pulse k starts at start_s + k/hz while it is
// before stop_s), computed here, never from what the firmware printed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseScenario } from "../../host/sim/scenario.js";
import { Twin } from "../../host/sim/twin.js";
import { decodeFrame } from "../../host/frame/codec.js";
import { TestKeys } from "../../host/frame/keyring.js";

interface PulseDef { hz: number; on_ms?: number; bounce_ms?: number; start_s?: number; stop_s?: number; ghost_prob?: number }

function scenario(seconds: number, pulse: Record<string, PulseDef>, consoleLines: string[] = [], seed = 5) {
  return parseScenario(JSON.stringify({ format: "activemeter-scenario/1", board: "esp32-devkitc", seconds, seed, console: consoleLines, pulse }));
}

/** Pulses the definition produces before `untilS`: k = 0, 1, … with start_s + k/hz < min(stop_s, untilS). */
function definedPulses(p: PulseDef, seconds: number, untilS = seconds): number {
  const stop = Math.min(p.stop_s ?? seconds, untilS);
  let n = 0;
  while ((p.start_s ?? 0) + n / p.hz < stop) n++;
  return n;
}

function run(s: ReturnType<typeof scenario>) {
  const twin = new Twin(s);
  twin.runToEnd();
  return twin;
}

test("compliant S0 train at the limit (16.6 Hz, 30 ms on, >30 ms off) with 5 ms bounce: exact count", () => {
  const p = { hz: 16.6, on_ms: 30, bounce_ms: 5, stop_s: 119 };
  const twin = run(scenario(120, { pulse1: p }));
  const expected = definedPulses(p, 120);
  assert.equal(expected, 1976);
  assert.equal(twin.registers()["pulse1.count"], expected);
  assert.equal(twin.registers()["pulse1.wh"], expected * 1);
});

test("bounce on both edges and ghost edges on half of them: no pulse lost, none doubled", () => {
  for (const seed of [1, 2, 3]) {
    const p1 = { hz: 2, on_ms: 40, bounce_ms: 5, ghost_prob: 0.5, stop_s: 299 };
    const p2 = { hz: 7.3, on_ms: 35, bounce_ms: 4.5, ghost_prob: 0.9, start_s: 0.013, stop_s: 299 };
    const twin = run(scenario(300, { pulse1: p1, pulse2: p2 }, [], seed));
    assert.equal(twin.registers()["pulse1.count"], definedPulses(p1, 300), `seed ${seed} pulse1`);
    assert.equal(twin.registers()["pulse2.count"], definedPulses(p2, 300), `seed ${seed} pulse2`);
  }
});

test("clean trains up to the filter's documented limit (on and off >= filter time) count exactly", () => {
  // default filter 10 ms: 48 Hz with 10.4 ms on leaves 10.43 ms off
  const fast = { hz: 48, on_ms: 10.4, stop_s: 59 };
  const twin = run(scenario(60, { pulse1: fast }));
  assert.equal(twin.registers()["pulse1.count"], definedPulses(fast, 60));
});

test("pulses shorter than the filter time are not counted", () => {
  const twin = run(scenario(30, { pulse1: { hz: 5, on_ms: 8 } }));
  assert.equal(twin.registers()["pulse1.count"], 0);
});

test("a changed filter time applies: 2 ms filter counts 5 ms pulses", () => {
  const p = { hz: 50, on_ms: 5, stop_s: 29 };
  const twin = run(scenario(30, { pulse1: p }, ["unlock 0000", "set pulse1.filter_ms 2"]));
  assert.equal(twin.registers()["pulse1.count"], definedPulses(p, 30));
});

test("energy is exact for 800 and 375 imp/kWh (remainders carried, no rounding drift)", () => {
  const p = { hz: 16, on_ms: 30, stop_s: 599 };
  const twin = run(scenario(600, { pulse1: p, pulse2: p }, ["unlock 0000", "set pulse1.pulses_per_kwh 800", "set pulse2.pulses_per_kwh 375"]));
  const n = BigInt(definedPulses(p, 600));
  const regs = twin.registers();
  assert.equal(regs["pulse1.count"], Number(n));
  // exact: n · 10^9 / 800 µWh and floor(n · 10^9 / 375) µWh
  assert.equal(regs["pulse1.wh"], Number((n * 1_000_000_000n) / 800n) / 1e6);
  assert.equal(regs["pulse2.wh"], Number((n * 1_000_000_000n) / 375n) / 1e6);
});

test("power follows the pulse rate, shows no spike from bounce, decays and times out", () => {
  const p = { hz: 1, on_ms: 40, bounce_ms: 5, stop_s: 60.5 };
  const twin = new Twin(scenario(400, { pulse1: p }));
  let maxPowerW = 0;
  while (twin.clockUs < 59e6) {
    twin.step();
    if (twin.clockUs > 2e6) maxPowerW = Math.max(maxPowerW, twin.registers()["pulse1.power_w"]);
  }
  const power = twin.registers()["pulse1.power_w"];
  assert.ok(Math.abs(power - 3600) / 3600 < 0.01, `power ${power} W, expected 3600 W ± 1 %`);
  assert.ok(maxPowerW < 3600 * 1.01, `power spiked to ${maxPowerW} W`);
  while (twin.clockUs < 70e6) twin.step();
  const decayed = twin.registers()["pulse1.power_w"];
  assert.ok(decayed <= 3600 / 9.9 && decayed > 0, `power 10 s after the last pulse: ${decayed} W (<= 1 Wh / 9.9 s)`);
  twin.runToEnd();
  assert.equal(twin.registers()["pulse1.power_w"], 0, "power after the 300 s timeout");
});

test("frames: one per report interval, consecutive counters, the persisted energy (whole journal steps)", () => {
  // docs/storage.md: on esp32-devkitc (pulse inputs rated 20 kW) pulseN.wh is journalled in 70 Wh steps.
  const stepWh = 70;
  const p = { hz: 1, on_ms: 40, bounce_ms: 3 };
  const twin = run(scenario(100, { pulse1: p }));
  assert.equal(twin.frames.length, 10);
  twin.frames.forEach((bytes, i) => {
    const frame = decodeFrame(bytes, { keys: new TestKeys(), requireAuthentication: true });
    assert.equal(frame.authenticated, true);
    assert.equal(frame.counter, i + 1);
    assert.equal(frame.node, 4097);
    assert.ok(!frame.status_flags.includes("volatile_registers"), "the store persists the registers");
    // frame i leaves at (i+1)·10 s; pulses starting up to 10 ms before have not been accepted yet.
    // Frames carry the persisted value: whole journal steps (docs/storage.md).
    const expectedWh = Math.floor(definedPulses(p, 100, (i + 1) * 10 - 0.011) / stepWh) * stepWh;
    assert.equal(frame.registers["pulse1.wh"] ?? 0, expectedWh, `frame ${i + 1}`);
  });
});

test("same file and seed give a bit-identical report; another seed changes only the bounce", () => {
  const p = { hz: 3, on_ms: 40, bounce_ms: 4, ghost_prob: 0.3 };
  const a = JSON.stringify(run(scenario(60, { pulse1: p }, [], 9)).report());
  const b = JSON.stringify(run(scenario(60, { pulse1: p }, [], 9)).report());
  assert.equal(a, b);
  const c = run(scenario(60, { pulse1: p }, [], 10)).report();
  assert.equal(c.registers["pulse1.count"], JSON.parse(a).registers["pulse1.count"]);
});
