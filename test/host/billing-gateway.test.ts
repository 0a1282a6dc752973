// Billing frames end to end: a twin's frames over 70 days through `activemeter gateway --hex`
// into SQLite. Every monthly and daily record the meter sent is stored once (the daily repeat
// of the billing-date record is not a second row), with the values `log monthly` / `log daily`
// show on the meter's console; the Home Assistant discovery of the key values is checked too.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { readScenario } from "../../host/sim/scenario.js";
import { Twin } from "../../host/sim/twin.js";
import { bytesToHex, decodeFrame, TestKeys } from "../../host/frame/index.js";
import { decodeOms } from "../../host/oms/telegram.js";
import { billingDiscoveryConfig, billingStates } from "../../host/gateway/discovery.js";
import { runCli } from "./support/cli.js";
import { writeScenario, parseLog, loadSteps } from "./support/billing.js";

const SECONDS = 70 * 86400;

test("billing frames: the gateway stores every record once, equal to the meter's own history", () => {
  const file = writeScenario({
    format: "activemeter-scenario/1", board: "test/boards/billing-s0.json", seconds: SECONDS, start_utc: "2026-03-28T00:00:00Z", step_ms: 600_000,
    pulse: { pulse1: { hz: 10 / 3600, start_s: 1.5, steps: loadSteps(SECONDS, 6 * 3600, [0, 6, 13, 21, 36], 5) }, pulse2: { hz: 3 / 3600, start_s: 1.5 } },
    outages: [{ at_s: 20 * 86400 + 3600, off_s: 3 * 86400 }],
  });
  const twin = new Twin(readScenario(file));
  twin.runToEnd();
  const before = twin.consoleText.length;
  twin.typeLines(["log monthly", "log daily 62"]);
  const text = twin.consoleText.slice(before);
  const monthly = parseLog(text.slice(0, text.indexOf("am> log daily")));
  const daily = parseLog(text.slice(text.indexOf("am> log daily")));
  const keys = new TestKeys();
  const billingFrames = twin.frames.map((f) => decodeFrame(f, { keys })).filter((f) => f.billing);
  assert.ok(billingFrames.length > daily.length, `billing frames: ${billingFrames.length}`);

  const dir = path.dirname(file);
  const hex = path.join(dir, "frames.hex");
  fs.writeFileSync(hex, twin.frames.map(bytesToHex).join("\n") + "\n");
  const db = path.join(dir, "gw.db");
  const r = runCli(["gateway", "--hex", hex, "--db", db, "--test-keys"]);
  assert.equal(r.status, 0, r.stderr);
  const rows = new Database(db, { readonly: true }).prepare("SELECT * FROM billing_records ORDER BY kind, seq").all() as Record<string, string | number>[];
  const stored = (kind: string) => rows.filter((row) => row.kind === kind);
  assert.equal(stored("monthly").length, monthly.length, "each monthly record once");
  assert.equal(stored("daily").length, 70, "each daily record once (70 days, the 3 inside the outage late)");
  for (const m of monthly) {
    const row = stored("monthly").find((x) => x.seq === m.seq)!;
    assert.equal(Date.parse(row.at as string) / 1000, m.at);
    const values = JSON.parse(row.registers as string) as Record<string, number>;
    for (const [name, v] of Object.entries(m.values)) assert.equal(values[name], Math.floor(v * 10) / 10, `${name} of monthly #${m.seq}`);
    const peaks = JSON.parse(row.peaks as string) as Record<string, { peak: number; mean: number }>;
    assert.equal(peaks["pulse1.wh"].peak, m.peaks["pulse1.wh"].w);
    assert.equal(peaks["pulse1.wh"].mean, m.peaks["pulse1.wh"].mean);
  }
  for (const d of daily) {
    const row = stored("daily").find((x) => x.seq === d.seq)!;
    assert.equal(Date.parse(row.at as string) / 1000, d.at);
    assert.equal(row.flags, d.flags.join(","), `flags of daily #${d.seq}`);
  }
  assert.equal(stored("daily").filter((x) => x.flags === "late").length, 3, "the days of the outage are late, none lost");
  // Home Assistant: the newest monthly record's values as sensors.
  const last = billingFrames.filter((f) => f.billing!.kind === "monthly").at(-1)!.billing!;
  const states = new Map(billingStates(last));
  assert.equal(states.get("pulse1.wh.peak_w"), monthly[0].peaks["pulse1.wh"].w);
  assert.equal(states.get("target.pulse1.wh"), Math.floor(monthly[0].values["pulse1.wh"] * 10) / 10);
  const config = billingDiscoveryConfig("activemeter", 8401, "pulse1.wh.peak_w") as Record<string, unknown>;
  assert.equal(config.device_class, "power");
  assert.equal(config.state_topic, "activemeter/8401/pulse1_wh_peak_w");
});

test("OMS profile: the billing date and its values as storage number 1 records", () => {
  const file = writeScenario({
    format: "activemeter-scenario/1", board: "test/boards/billing-s0.json", seconds: 40 * 86400, start_utc: "2026-03-28T00:00:00Z", step_ms: 600_000,
    console: ["unlock 0000", "set frame.profile both", "save", "lock"],
    pulse: { pulse1: { hz: 10 / 3600, start_s: 1.5 }, pulse2: { hz: 3 / 3600, start_s: 1.5 } },
  });
  const twin = new Twin(readScenario(file));
  twin.runToEnd();
  const before = twin.consoleText.length;
  twin.typeLines(["log monthly 1"]);
  const [newest] = parseLog(twin.consoleText.slice(before));
  const keys = new TestKeys();
  const oms = twin.frames.filter((f) => f[0] !== 1 && f[0] !== 2).map((f) => decodeOms(f, { keys }));
  const last = oms.at(-1)!;
  assert.equal(last.target_time, "2026-05-01T00:00", "the billing date in local time (CEST)");
  assert.equal(newest.at, Date.UTC(2026, 3, 30, 22) / 1000);
  assert.deepEqual(last.target, Object.fromEntries(Object.entries(newest.values).map(([k, v]) => [k, Math.floor(v * 10) / 10])));
  const first = oms.find((t) => t.counter > 0)!;
  assert.equal(first.target, undefined, "nothing before the first billing date");
});
