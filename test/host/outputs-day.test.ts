// The daily runtime limit and the minimum off-time across restarts (docs/active-house.md, "Daily
// limit"): a power cut, a `reboot`, a damaged day record, the local calendar day. The on-times
// are measured from the relay states the twin saw (fw_output_state), clipped at each power cut
// (the relay drops with the supply), not read from the firmware's registers.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseScenario } from "../../host/sim/scenario.js";
import { Twin } from "../../host/sim/twin.js";
import type { TwinOptions } from "../../host/sim/twin.js";

const rules = {
  out1: { on_w: 2100, off_w: 100, on_delay_s: 30, off_delay_s: 20, min_on_s: 120, min_off_s: 120, max_on_s_per_day: 86400 },
  out2: { on_w: 1100, off_w: 100, on_delay_s: 30, off_delay_s: 20, min_on_s: 120, min_off_s: 120, max_on_s_per_day: 600 },
};
const MAX2 = rules.out2.max_on_s_per_day;
/** 460 W of house load, PV from 300 s: without restarts out2 runs 333 → 921 s (588 s) and stops for the day. */
const pvProfile = [[0, 0], [300.25, 0], [305.75, -3000], [600.25, -3000], [604.25, -4200], [900, -4200], [904, -1200], [1200.25, -1200],
  [1206.25, -4200], [1800.5, -4200], [1805.5, -2200], [2400.75, -2200], [2404.75, 0]];
const settings = ["unlock 0000", ...Object.entries(rules).flatMap(([o, r]) => Object.entries(r).map(([k, v]) => `set ${o}.${k} ${v}`)), "save", "lock"];

function scenario(extra: Record<string, unknown>): string {
  return JSON.stringify({
    format: "activemeter-scenario/1", board: "test/boards/active-house.json", seconds: 3000.5, seed: 3,
    mains: { vrms: 230, hz: 50 }, ct: { ct1: { irms: 2, phi_deg: 0, noise_a: 0.02, profile_w: pvProfile } },
    outputs: { out1: { load_w: 2000 }, out2: { load_w: 1000 } }, console: settings, ...extra,
  });
}

/** Output i's on periods [from, to) in s, ended at a power cut (`cutsS`) or at `endS`. */
function onPeriods(t: Twin, i: number, cutsS: number[], endS: number): [number, number][] {
  const periods: [number, number][] = [];
  let since: number | null = null;
  const close = (at: number): void => {
    if (since === null) return;
    const cut = cutsS.find((c) => c > since! && c < at);
    periods.push([since, cut ?? at]);
    since = null;
  };
  for (const [us, mask] of t.outputChanges) {
    const on = ((mask >> i) & 1) === 1;
    if (on && since === null) since = us / 1e6;
    else if (!on) close(us / 1e6);
  }
  close(endS);
  return periods;
}

const total = (p: [number, number][]): number => p.reduce((s, [a, b]) => s + b - a, 0);

function checkRestart(t: Twin, restartS: number, cutS: number): void {
  for (const [name, i] of [["out1", 0], ["out2", 1]] as const) {
    const after = onPeriods(t, i, [cutS], 3000.5).find(([a]) => a > restartS - 0.5);
    // Off since the cut: the next switch-on keeps the minimum off-time from the restart on.
    if (after) assert.ok(after[0] - restartS >= rules[name].min_off_s, `${name} on ${after[0]} s, ${after[0] - restartS} s after the restart`);
  }
  const out2 = total(onPeriods(t, 1, [cutS], 3000.5));
  assert.ok(out2 <= MAX2, `out2 ran ${out2.toFixed(2)} s in the day, over its ${MAX2} s`);
  // What a restart may cost: the minute counted on at the restart, and a run shorter than min_on_s left.
  assert.ok(out2 >= MAX2 - 60 - rules.out2.min_on_s, `out2 ran only ${out2.toFixed(2)} s of its ${MAX2} s`);
}

test("a power cut while an output runs: its daily limit and the minimum off-time hold across the restart", () => {
  // The cut at 600 s, out2 on for 267 s by then; before the day record out2 ran 837 s that day.
  const twin = new Twin(parseScenario(scenario({ outages: [{ at_s: 600, off_s: 3 }] })));
  twin.runToEnd();
  assert.equal(twin.powerCuts, 1);
  checkRestart(twin, 603, 600);
});

test("`reboot` on the console while an output runs: the same limits hold", () => {
  const twin = new Twin(parseScenario(scenario({})));
  while (twin.clockUs < 500e6) twin.step();
  assert.ok((twin.outputChanges.at(-1)![1] & 2) !== 0, "out2 runs at 500 s");
  twin.typeLines(["reboot"]);
  assert.equal(twin.reboots, 1);
  const restartS = twin.clockUs / 1e6;
  twin.runToEnd();
  checkRestart(twin, restartS, restartS);
});

/** Offsets of the valid-looking AMO1 records in a flash image (4-byte magic at 48-byte slots). */
function dayRecords(image: Uint8Array, sectorBytes: number, sectors: number): number[] {
  const magic = Buffer.from("AMO1", "latin1");
  const found: number[] = [];
  for (let s = 0; s < sectors; s++) {
    for (let at = s * sectorBytes; at + 48 <= (s + 1) * sectorBytes; at += 48) {
      if (Buffer.from(image.subarray(at, at + 4)).equals(magic)) found.push(at);
    }
  }
  return found;
}

test("a damaged day record: limits under 24 h count as used for the day, the others run, the log says why", () => {
  const first = new Twin(parseScenario(scenario({ seconds: 500 })));
  first.runToEnd();
  const image = first.flash.data.slice();
  const records = dayRecords(image, 4096, 64);
  assert.ok(records.length >= 3, `out2's switch and its minutes on were recorded (${records.length} records)`);
  // Two sectors just before the billing history: 64 − 6 tail − 16 history − 2.
  for (const at of records) assert.ok(at >= 40 * 4096 && at < 42 * 4096, `record at ${at} outside sectors 40, 41`);
  image[records[records.length - 1] + 22] ^= 0x10; // one bit of the newest record's out2 on-time
  const options: TwinOptions = { flashImage: image };
  const second = new Twin(parseScenario(scenario({ console: ["log 3"] })), undefined, undefined, options);
  second.runToEnd();
  assert.match(second.consoleText, /output on-times of today unreadable in flash: daily limits count as used until the day ends/);
  assert.equal(total(onPeriods(second, 1, [], 3000.5)), 0, "out2 (600 s a day) stays off");
  assert.ok(total(onPeriods(second, 0, [], 3000.5)) > 300, "out1 (no daily limit) still follows its rule");
  // The damage is repaired at once: a third start finds a valid record and logs no second event 32.
  const third = new Twin(parseScenario(scenario({ seconds: 5, console: ["log 20"] })), undefined, undefined, { flashImage: second.flash.data.slice() });
  third.runToEnd();
  assert.equal(lostEvents(third), 1, "the second start's event 32 only");
});

/** Event-32 lines in the terminal's text (a `log N` listing). */
function lostEvents(t: Twin): number {
  return (t.consoleText.match(/output on-times of today unreadable/g) ?? []).length;
}

for (const [what, from] of [["never programmed (erased)", 0], ["torn by a power cut (its first 24 bytes programmed)", 24]] as const) {
  test(`the newest record ${what}: the one before it counts, and that is no damage`, () => {
    const first = new Twin(parseScenario(scenario({ seconds: 500 })));
    first.runToEnd();
    const image = first.flash.data.slice();
    const records = dayRecords(image, 4096, 64);
    const newest = records[records.length - 1];
    image.fill(0xff, newest + from, newest + 48);
    const second = new Twin(parseScenario(scenario({ console: ["log 20"] })), undefined, undefined, { flashImage: image });
    second.runToEnd();
    assert.equal(lostEvents(second), 0);
    const out2 = total(onPeriods(second, 1, [], 3000.5));
    // First run: out2 on from 333 s to the end at 500 s (167 s); the record before the newest holds
    // at least 167 − 2 × 60 s, and 60 s are added for an output that was on.
    assert.ok(out2 > 0 && out2 <= MAX2 - (167 - 120), `out2 ran ${out2.toFixed(2)} s on the second start`);
  });
}

test("the day is the local calendar day once the clock is set: a new day at local midnight allows a new run", () => {
  // 21:45 UTC on 2026-06-10 is 23:45 CEST: local midnight falls at 900 s of the run, after out2
  // has used 567 s of its 600 (on from 333 s). Counted by uptime it would stay off all run.
  const twin = new Twin(parseScenario(scenario({ start_utc: "2026-06-10T21:45:00Z" })));
  twin.runToEnd();
  const periods = onPeriods(twin, 1, [], 3000.5);
  const before = total(periods.map(([a, b]) => [a, Math.min(b, 900)] as [number, number]).filter(([a, b]) => b > a));
  assert.ok(before <= MAX2 && before > MAX2 - rules.out2.min_on_s, `before local midnight out2 ran ${before.toFixed(2)} s`);
  const later = periods.filter(([a]) => a > 1000);
  assert.ok(later.length > 0, `out2 runs again on the new local day: ${JSON.stringify(periods)}`);
  assert.ok(total(periods) - before <= MAX2, "and keeps that day's limit");
});

test("a time sync a day back is refused and out2 stays off; a day forward is a new local day", () => {
  // 14:00 CEST: out2 uses its 588 s by 921 s; at 1000 s a valid time sync moves the clock a day back.
  const start = Date.UTC(2026, 5, 10, 12, 0, 0) / 1000;
  const back = new Twin(parseScenario(scenario({ start_utc: start, downlinks: [{ at_s: 1000, command: "time_sync", utc_s: start + 1000 - 86400 }] })));
  back.runToEnd();
  // The node's clock (from the board's RTC) says a command sent a day ago has long expired.
  assert.equal(back.downlinks[0]?.result, "expired");
  const periods = onPeriods(back, 1, [], 3000.5);
  assert.deepEqual(periods.filter(([a]) => a > 1000), [], `out2 stays off after the clock went back: ${JSON.stringify(periods)}`);
  // The same sync a day forward is a new local day: out2 runs again (the command is authenticated).
  const ahead = new Twin(parseScenario(scenario({ start_utc: start, downlinks: [{ at_s: 1000, command: "time_sync", utc_s: start + 1000 + 86400 }] })));
  ahead.runToEnd();
  assert.equal(ahead.downlinks[0]?.result, "accepted");
  assert.ok(onPeriods(ahead, 1, [], 3000.5).some(([a]) => a > 1000), "a day forward: out2 runs again");
});
