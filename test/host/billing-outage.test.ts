// Outages across billing boundaries and damaged history records: no snapshot is lost or
// duplicated silently. A boundary passed while the power was off is recorded at the restart
// (flagged late, with what was metered before the cut, as the independent Python reference
// computes); a damaged record is reported (store_corrupt, a store-damage event) and a damaged
// newest billing-date record is recreated, flagged late.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readScenario } from "../../host/sim/scenario.js";
import { Twin } from "../../host/sim/twin.js";
import { writeScenario, pythonReference, parseLog, loadSteps } from "./support/billing.js";

const SECONDS = 75 * 86400;
const START = Date.UTC(2026, 2, 28) / 1000;
const monthlyAt = [Date.UTC(2026, 2, 31, 22) / 1000, Date.UTC(2026, 3, 30, 22) / 1000, Date.UTC(2026, 4, 31, 22) / 1000]; // 1st of Apr, May, Jun 00:00 CEST

function logOf(twin: Twin, what: string) {
  const before = twin.consoleText.length;
  twin.typeLines([`log ${what}`]);
  return parseLog(twin.consoleText.slice(before)).reverse();
}

/** Newest monthly record in the image, by an independent scan for the AMH1 magic (docs/billing.md). */
function newestMonthlyOffset(image: Uint8Array): number {
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  let best = -1, bestSeq = -1;
  for (let at = 0; at + 32 <= image.length; at += 32) {
    if (view.getUint32(at, true) !== 0x31484d41 || image[at + 12] !== 1) continue;
    const seq = view.getUint32(at + 4, true);
    if (seq > bestSeq) { bestSeq = seq; best = at; }
  }
  return best;
}

test("outages across a daily and a billing-date boundary, then a damaged newest billing-date record", () => {
  // Off from 2026-04-30 20:00 UTC for 5 h (over the May billing date at 22:00 UTC and the daily boundary with it).
  const outageAt = Date.UTC(2026, 3, 30, 20) / 1000 - START;
  const scenario = {
    format: "activemeter-scenario/1", board: "test/boards/billing-s0.json", seconds: SECONDS, start_utc: START, step_ms: 600_000,
    pulse: { pulse1: { hz: 10 / 3600, start_s: 1.5, steps: loadSteps(SECONDS, 6 * 3600, [0, 4, 9, 15, 22, 30], 3) }, pulse2: { hz: 1 / 3600, start_s: 1.5 } },
    outages: [{ at_s: outageAt, off_s: 5 * 3600 }, { at_s: Date.UTC(2026, 4, 10, 21, 30) / 1000 - START, off_s: 2700 }],
  };
  const file = writeScenario(scenario);
  const twin = new Twin(readScenario(file));
  twin.runToEnd();
  const ref = pythonReference(file, { wh_per_pulse: { pulse1: 100, pulse2: 100 }, zone: "Europe/Stockholm", day: 1, hour: 0, peak_hours: 3 });
  const monthly = logOf(twin, "monthly");
  assert.deepEqual(monthly.map((m) => m.at), monthlyAt, "each billing date recorded once");
  assert.deepEqual(monthly.map((m) => m.seq), [1, 2, 3]);
  ref.monthly.forEach((r, i) => assert.deepEqual(monthly[i].values, r.values, `billing date ${i}`));
  assert.deepEqual(monthly[1].flags, ["late"], "the May record was taken at the restart");
  assert.equal(monthly[1].taken, START + outageAt + 5 * 3600, "taken at the restart");
  const daily = logOf(twin, "daily 62");
  assert.equal(daily.length, 62);
  const refDaily = ref.daily.slice(-62);
  refDaily.forEach((r, i) => {
    assert.equal(daily[i].at, r.at, "one record per day, none twice");
    assert.deepEqual(daily[i].values, r.values, `daily ${new Date(r.at * 1000).toISOString()}`);
  });
  for (let i = 1; i < daily.length; i++) assert.equal(daily[i].seq, daily[i - 1].seq + 1);
  const lateDays = daily.filter((d) => d.flags.includes("late")).map((d) => d.at);
  assert.deepEqual(lateDays, [Date.UTC(2026, 3, 30, 22) / 1000, Date.UTC(2026, 4, 10, 22) / 1000], "the two boundaries inside outages, flagged late");
  assert.equal(twin.status() & (1 << 4), 0, "outages are not damage");

  // Damage the newest billing-date record (June) and start the unit again on July 2.
  const image = new Uint8Array(twin.flash.data);
  const at = newestMonthlyOffset(image);
  assert.ok(at >= 0);
  image[at + 40] ^= 0x10;
  const later = writeScenario({ format: "activemeter-scenario/1", board: "test/boards/billing-s0.json", seconds: 3600, start_utc: Date.UTC(2026, 6, 2) / 1000, step_ms: 600_000 });
  const again = new Twin(readScenario(later), undefined, {}, { flashImage: image });
  again.runToEnd();
  assert.notEqual(again.status() & (1 << 4), 0, "store_corrupt: the damage is reported");
  again.typeLines(["log 5"]);
  assert.match(again.consoleText, /store damage/i, "a store-damage event in the log");
  const after = logOf(again, "monthly");
  // June's record is recreated at the restart (flagged late), then July's boundary follows in order.
  assert.deepEqual(after.map((m) => m.at), [...monthlyAt.slice(0, 2), monthlyAt[2], Date.UTC(2026, 5, 30, 22) / 1000]);
  assert.deepEqual(after[2].flags, ["late"]);
  assert.ok(after[2].seq > after[1].seq && after[3].seq > after[2].seq);
});
