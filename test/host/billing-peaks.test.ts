// Peak demand and heat maxima against the scenario's own load profile: a CT load (profile_w) that steps
// every whole hour across a local midnight (so two local days), with heat flowing throughout.
// Expected values are analytic: P = V·I (PF 1) per hour; heat power = flow × ΔΘ × k with k
// from the IAPWS-IF97 vectors (test/vectors/heat-scenarios-if97.json); flow = the scenario's.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { readScenario } from "../../host/sim/scenario.js";
import { Twin } from "../../host/sim/twin.js";
import { projectRoot } from "./support/asc-compile.js";
import { writeScenario } from "./support/billing.js";

const START = Date.UTC(2026, 6, 1, 21) / 1000; // 23:00 CEST on 1 July: the next hours are on 2 July
const AMPS = [10, 14, 13];
const V = 230;

test("CT peak demand per hour across local midnight: the highest hour, its time, the mean of the top hours on distinct days; heat maxima", () => {
  const dir = path.dirname(writeScenario({}));
  const board = JSON.parse(fs.readFileSync(path.join(projectRoot, "boards/esp32-devkitc.json"), "utf8"));
  board.name = "devkitc-ideal";
  board.adc.ideal = true;
  delete board.$schema;
  const boardFile = path.join(dir, "devkitc-ideal.json");
  fs.writeFileSync(boardFile, JSON.stringify(board));
  const file = writeScenario({
    format: "activemeter-scenario/1", board: boardFile, seconds: 3 * 3600 + 5, start_utc: START,
    mains: { vrms: V, hz: 50 },
    // Load steps as a power profile (PF 1): each hour's power, stepping within 10 ms at the hour.
    ct: { ct1: { profile_w: [[0, AMPS[0] * V], [3599.99, AMPS[0] * V], [3600, AMPS[1] * V], [7199.99, AMPS[1] * V], [7200, AMPS[2] * V]] } },
    heat: { heat1: { flow_m3h: 0.6, supply_c: 70, return_c: 40 } },
  });
  const twin = new Twin(readScenario(file));
  twin.runToEnd();
  const r = twin.registers();
  const watts = AMPS.map((a) => a * V);
  const near = (got: number, want: number, rel: number, what: string) =>
    assert.ok(Math.abs(got - want) <= rel * want, `${what}: ${got} vs ${want} (±${rel * 100} %)`);
  near(r["ct1.peak_w"], watts[1], 0.005, "ct1 peak");
  assert.equal(r["ct1.peak_utc_s"], START + 3600, "the peak hour starts at 22:00 UTC");
  // Top 3 on distinct local days: 2 July's best (14 A) and 1 July's only hour (10 A); 13 A shares 2 July.
  near(r["ct1.peak_mean_w"], (watts[1] + watts[0]) / 2, 0.005, "ct1 mean of the top hours on distinct days");
  assert.equal(r["ct2.peak_w"], 0, "no load on ct2: no peak");
  const k = (JSON.parse(fs.readFileSync(path.join(projectRoot, "test/vectors/heat-scenarios-if97.json"), "utf8")).points as { supply_c: number; return_c: number; pressure_bar: number; flow_sensor_pipe: string; k: number }[])
    .find((p) => p.supply_c === 70 && p.return_c === 40 && p.pressure_bar === 16 && p.flow_sensor_pipe === "return")!.k;
  near(r["heat1.max_power_w"], 0.6 * 30 * k * 1000, 0.003, "heat1 maximum hourly power");
  assert.equal(r["heat1.max_flow_lh"], 600, "heat1 maximum hourly flow: 600 L in a whole hour");
  assert.equal(r["meter.info"], 0, "no info code in a clean run");
  assert.equal(r["meter.error_s"], 0);
  assert.equal(r["meter.on_s"], 3 * 3600 + 5);
});
