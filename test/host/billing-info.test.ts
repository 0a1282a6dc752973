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
