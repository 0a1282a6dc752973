// Bit-error campaign (issue 13): 10 000 single-bit flips and 2 000 bursts of 1–64 random bytes
// in flash images written by real scenarios, each followed by a second scenario on the damaged
// image. No frame counter is reused, no register rises above the truth, every loss beyond the
// power-cut bound is flagged (store_corrupt and an event), and every start-up succeeds.
import { test } from "node:test";
import assert from "node:assert/strict";
import { runBitErrorCampaign } from "./support/bit-errors.js";
import type { Outcomes } from "./support/bit-errors.js";

function check(board: string, o: Outcomes): void {
  console.log(JSON.stringify({ board, ...o, failures: undefined }));
  assert.deepEqual(o.failures, [], o.failures.join("\n"));
  assert.equal(o.bootFailures, 0);
  assert.equal(o.counterReuse, 0);
  assert.equal(o.aboveTruth, 0);
  assert.equal(o.unflaggedLoss, 0);
  assert.equal(o.configLostUnflagged, 0);
  // The campaign must reach the cases it is about.
  assert.ok(o.repairedFlagged + o.lostFlagged > o.runs / 50, `only ${o.repairedFlagged + o.lostFlagged} runs found damage`);
}

test("bit errors on an esp32-devkitc image (supply monitor, commits): 5 000 flips, 1 000 bursts", () => {
  check("esp32-devkitc", runBitErrorCampaign("esp32-devkitc", 5000, 1000, 1301));
});

test("bit errors on an esp32c3-mini image (no supply monitor): 5 000 flips, 1 000 bursts", () => {
  check("esp32c3-mini", runBitErrorCampaign("esp32c3-mini", 5000, 1000, 1302));
});
