// 400 days of billing from 2026-03-28 (the DST change of March 2026, the one of October and the
// next March): every monthly and daily record the meter keeps equals what an independent Python
// program (zoneinfo Europe/Stockholm, pulse rise times from the scenario) computes at each local
// boundary, at the configured billing hour, with the month's peak demand and top-3 mean.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readScenario } from "../../host/sim/scenario.js";
import { Twin } from "../../host/sim/twin.js";
import { writeScenario, pythonReference, parseLog, loadSteps } from "./support/billing.js";

const DAYS = 400;
const SECONDS = DAYS * 86400;
const RATES = [0, 3, 5, 7, 9, 12, 14, 17, 20, 23, 26, 29, 31, 34, 36]; // pulses (100 Wh) per hour

test("400 days: monthly and daily records equal the register at each local boundary (billing day 15, 02:00, both DST changes)", (t) => {
  const scenario = {
    format: "activemeter-scenario/1", board: "test/boards/billing-s0.json", seconds: SECONDS,
    start_utc: "2026-03-28T00:00:00Z", step_ms: 600_000,
    console: ["unlock 0000", "set billing.day 15", "set billing.hour 2", "save", "lock"],
    pulse: {
      pulse1: { hz: 10 / 3600, start_s: 1.5, steps: loadSteps(SECONDS, 6 * 3600, RATES, 7) },
      pulse2: { hz: 4 / 3600, start_s: 1.5, steps: loadSteps(SECONDS, 5 * 3600, RATES, 11) },
    },
  };
  const file = writeScenario(scenario);
  const started = Date.now();
  const twin = new Twin(readScenario(file));
  twin.runToEnd();
  const runMs = Date.now() - started;
  assert.match(twin.consoleText, /set billing.hour 2\r\nok/);
  twin.typeLines(["log monthly", "log daily 62"]);
  const text = twin.consoleText.slice(twin.consoleText.lastIndexOf("am> log monthly"));
  const monthlyText = text.slice(0, text.indexOf("am> log daily"));
  const monthly = parseLog(monthlyText).reverse();
  const daily = parseLog(text.slice(text.indexOf("am> log daily"))).reverse();
  const ref = pythonReference(file, { wh_per_pulse: { pulse1: 100, pulse2: 100 }, zone: "Europe/Stockholm", day: 15, hour: 2, peak_hours: 3 });
  t.diagnostic(`twin ${runMs} ms for ${DAYS} days; ${monthly.length} monthly, ${daily.length} daily records shown; reference ${ref.monthly.length} / ${ref.daily.length}`);

  assert.equal(monthly.length, ref.monthly.length, "every billing date has its record");
  ref.monthly.forEach((r, i) => {
    const m = monthly[i];
    assert.equal(m.at, r.at, `billing date ${i}: ${new Date(r.at * 1000).toISOString()}`);
    assert.equal(m.taken, r.at, `taken at its boundary ${i}`);
    assert.deepEqual(m.flags, i === 0 ? ["first"] : [], `flags of monthly ${i}`);
    assert.deepEqual(m.values, r.values, `register values at billing date ${i}`);
    assert.equal(Math.round(m.onH * 3600), r.on_s, `operating time at billing date ${i}`);
    for (const [name, p] of Object.entries(r.peaks!)) {
      assert.equal(Math.round(m.peaks[`${name}.wh`].w * 1000), p.peak_mw, `${name} peak of month ${i}`);
      assert.equal(Math.round(m.peaks[`${name}.wh`].mean * 1000), p.mean_mw, `${name} top-3 mean of month ${i}`);
      if (p.unique) assert.equal(m.peaks[`${name}.wh`].at, p.peak_at, `${name} peak hour of month ${i}`);
    }
  });
  for (let i = 1; i < monthly.length; i++) assert.equal(monthly[i].seq, monthly[i - 1].seq + 1, "no monthly record lost or duplicated");
  // Local hour of every billing date: 02:00 (summer and winter time alike).
  const hours = new Set(monthly.map((m) => new Date((m.at + (m.at > 0 ? 0 : 0)) * 1000).toLocaleString("sv-SE", { timeZone: "Europe/Stockholm", hour: "2-digit", minute: "2-digit" })));
  assert.deepEqual([...hours], ["02:00"]);

  assert.equal(daily.length, 62, "the newest 62 daily records are kept");
  const refDaily = ref.daily.slice(-62);
  refDaily.forEach((r, i) => {
    assert.equal(daily[i].at, r.at, `daily boundary ${new Date(r.at * 1000).toISOString()}`);
    assert.deepEqual(daily[i].values, r.values, `daily values at ${new Date(r.at * 1000).toISOString()}`);
  });
  for (let i = 1; i < daily.length; i++) assert.equal(daily[i].seq, daily[i - 1].seq + 1, "no daily record lost or duplicated");
  assert.equal(daily[daily.length - 1].seq, ref.daily.length, "one daily record per local day, all 400");
  // The two DST days of the run: 2026-03-29 (02:00 does not exist: 03:00 CEST) and 2026-10-25 (02:00 twice: the first).
  const dst = ref.daily.filter((r) => [Date.UTC(2026, 2, 29, 1) / 1000, Date.UTC(2026, 9, 25, 0) / 1000].includes(r.at * 1));
  assert.equal(dst.length, 2, "the reference places the DST-day boundaries at 01:00 UTC (Mar 29) and 00:00 UTC (Oct 25)");
  assert.equal(twin.status() & (1 << 11), 0, "the clock is known");
  assert.equal(twin.status() & (1 << 12), 0, "no info code in a clean run");
});
