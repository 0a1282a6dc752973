// The reject tally's bound (docs/gateway.md, flood): at most 200 rows per minute, "other" rows
// included, whatever mix of sources and verdicts a flood brings; every input still counted.
import test from "node:test";
import assert from "node:assert/strict";
import { RejectTally, MAX_REJECT_ROWS_PER_MINUTE } from "../../host/gateway/rejects.js";
import { REJECTIONS } from "../../host/gateway/gateway.js";
import type { Outcome } from "../../host/gateway/gateway.js";

test("reject tally: 1 000 sources × every verdict in one minute -> at most 200 rows, every input counted", () => {
  const tally = new RejectTally();
  const verdicts = [...REJECTIONS, "duplicate"];
  let inputs = 0;
  for (let s = 0; s < 1000; s++) {
    for (const verdict of verdicts) {
      const outcome = { verdict, source: `udp:10.0.${s >> 8}.${s & 255}:4000`, received: `2026-12-02T07:40:${String(s % 60).padStart(2, "0")}.000Z`,
        raw: new Uint8Array([1, 2, 3]), events: [] } as unknown as Outcome;
      tally.add(outcome);
      inputs++;
    }
  }
  const rows = tally.take();
  assert.ok(rows.length <= MAX_REJECT_ROWS_PER_MINUTE, `${rows.length} rows in one minute`);
  assert.equal(rows.reduce((a, r) => a + r.count, 0), inputs, "nothing lost: the rest counts under 'other'");
  assert.equal(new Set(rows.filter((r) => r.source === "other").map((r) => r.verdict)).size, verdicts.length, "one 'other' row per verdict");
});
