// Info codes (docs/billing.md): each raised by a scenario made for it, current and latched
// bits in meter.info (current | latched << 16); none in a clean run.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readScenario } from "../../host/sim/scenario.js";
import { Twin } from "../../host/sim/twin.js";
import { writeScenario } from "./support/billing.js";

const SWAP = 1, NO_FLOW = 2, LEAK = 4, OVER_RANGE = 8, VOLTAGE = 16, SENSOR_FAULT = 64;
const H = 3600;

function run(s: object): Record<string, number> {
  const twin = new Twin(readScenario(writeScenario({ format: "activemeter-scenario/1", start_utc: "2026-09-01T00:00:00Z", ...s })));
  twin.runToEnd();
  return { ...twin.registers(), status: twin.status() };
}
const heatRun = (seconds: number, heat: object) => run({ board: "test/boards/heat-supply.json", seconds, step_ms: 1000, heat });

test("clean heat run (flow stops after 12 h, small ΔΘ on a circuit without flow): no info code", () => {
  const r = heatRun(26 * H, { heat1: { flow_m3h: 0.6, supply_c: 70, return_c: 40, stop_s: 12 * H }, heat2: { flow_m3h: 0, supply_c: 50, return_c: 48 } });
  assert.equal(r["meter.info"], 0);
  assert.equal(r.status & (1 << 12), 0);
  assert.equal(r["meter.error_s"], 0);
});

test("sensor swap suspected: return 30 K warmer than supply for 2 h", () => {
  const r = heatRun(2 * H, { heat1: { flow_m3h: 0.3, supply_c: 40, return_c: 70 } });
  assert.equal(r["meter.info"], SWAP | SWAP << 16);
  assert.notEqual(r.status & (1 << 12), 0, "status info_code");
});

test("no flow: 25 h without a flow pulse while supply is 30 K above return", () => {
  const r = heatRun(25 * H, { heat1: { flow_m3h: 0, supply_c: 70, return_c: 40 } });
  assert.equal(r["meter.info"], NO_FLOW | NO_FLOW << 16);
});

test("continuous flow (leak): flow in every one of 24 hours", () => {
  const r = heatRun(25 * H, { heat1: { flow_m3h: 0.05, supply_c: 70, return_c: 40 } });
  assert.equal(r["meter.info"], LEAK | LEAK << 16);
});

test("sensor fault: an open PT1000 for an hour, counted as error time", () => {
  const r = heatRun(H, { heat1: { flow_m3h: 0.3, supply_c: 200, return_c: 40 } });
  assert.equal(r["meter.info"], SENSOR_FAULT | SENSOR_FAULT << 16);
  assert.ok(r["meter.error_s"] >= H - 2 && r["meter.error_s"] <= H, `error time ${r["meter.error_s"]} s`);
});

test("over-range (75 A on a 30 A clamp) and voltage absent (10 V mains): latched after they end", () => {
  const over = run({ board: "esp32-devkitc", seconds: 30, mains: { vrms: 230, hz: 50 }, ct: { ct1: { irms: 75, phi_deg: 0 } } });
  assert.equal(over["meter.info"] & (OVER_RANGE | OVER_RANGE << 16), OVER_RANGE | OVER_RANGE << 16);
  const low = run({ board: "esp32-devkitc", seconds: 30, mains: { vrms: 10, hz: 50 }, ct: { ct1: { irms: 5, phi_deg: 0 } } });
  assert.equal(low["meter.info"] & (VOLTAGE | VOLTAGE << 16), VOLTAGE | VOLTAGE << 16);
  assert.equal(low["meter.info"] & (OVER_RANGE << 16), 0, "only the condition played");
  const clean = run({ board: "esp32-devkitc", seconds: 30, mains: { vrms: 230, hz: 50 }, ct: { ct1: { irms: 5, phi_deg: 0 } } });
  assert.equal(clean["meter.info"], 0, "a clean CT run raises none");
});

test("clock: unknown time is a status flag and writes no record; a step of more than 5 s is an event and flags the next records", () => {
  const base = { format: "activemeter-scenario/1", board: "test/boards/billing-s0.json", seconds: 2 * 86400, step_ms: 600_000, pulse: { pulse1: { hz: 2 / 3600, start_s: 1.5 } } };
  const blind = new Twin(readScenario(writeScenario(base)));
  blind.runToEnd();
  assert.notEqual(blind.status() & (1 << 11), 0, "time_unknown without a clock");
  blind.typeLines(["log daily", "status"]);
  assert.match(blind.consoleText, /daily records, newest first \(0 written\):\r\n\(none yet\)/);
  assert.match(blind.consoleText, /clock: unknown/);
  assert.equal(blind.registers()["clock.utc_s"], 0);

  const twin = new Twin(readScenario(writeScenario({ ...base, start_utc: "2026-09-01T00:00:00Z" })));
  while (twin.clockUs < 30 * 3600e6) twin.step();
  const fw = (twin as unknown as { firmware: { setTimeUtc(s: number): boolean } }).firmware;
  const now = Date.UTC(2026, 8, 1) / 1000 + 30 * 3600;
  assert.equal(fw.setTimeUtc(now + 3), true, "a 3 s correction");
  assert.equal(fw.setTimeUtc(now + 120), true, "a 2 min step");
  assert.equal(fw.setTimeUtc(1_000), false, "1970 is refused");
  twin.runToEnd();
  twin.typeLines(["log 3", "log daily 3"]);
  assert.match(twin.consoleText, /clock stepped from 2026-09-02T08:00\+02:00 to 2026-09-02T08:02\+02:00/);
  assert.equal((twin.consoleText.match(/clock stepped/g) ?? []).length, 1, "the 3 s correction is not an event");
  // (late as well: after the 2-min step the twin's 10-min ticks fall 2 min after the boundary)
  assert.match(twin.consoleText, /#2 at=2026-09-03T00:00\+02:00 taken=\S+ flags=(late,)?clock-step,/);
  assert.match(twin.consoleText, /#1 at=2026-09-02T00:00\+02:00 taken=\S+ flags=first, /);
});
