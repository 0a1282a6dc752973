// Wear budget (issue 5): 10 kW on every channel of an esp32-devkitc at the default 10 Wh step.
import { test } from "node:test";
import assert from "node:assert/strict";
import { measureWear } from "../../host/bench/wear.js";

test("the most-erased journal sector stays under 10 % of 100 000 cycles in 20 years at 10 kW", () => {
  const wear = measureWear(3);
  // The arithmetic of docs/storage.md: 11 journalled registers share 4096 - 512 - 64 - 32 bytes,
  // so 316 bytes each; a quarter (rounded down to even) fine: 78; coarse 238 bytes = 952
  // pair-coded 10 Wh steps; at 10 kW a step takes 3.6 s, so a sector fills in 3427.2 s.
  assert.ok(Math.abs(wear.secondsPerRoll - 3427.2) <= 5, `a sector lasts ${wear.secondsPerRoll} s`);
  const expectedPer20Years = (20 * 365.25 * 86400) / 3427.2 / 60;
  assert.ok(Math.abs(wear.erasesPer20Years - expectedPer20Years) / expectedPer20Years < 0.01);
  assert.ok(wear.percentOfEndurance < 10, `${wear.percentOfEndurance} % of the erase endurance`);
});
