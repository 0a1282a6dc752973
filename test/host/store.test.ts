// The flash store beyond the campaign: corrupt images, the supply monitor, outage scenarios,
// the event log and the wear budget.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseScenario } from "../../host/sim/scenario.js";
import { Twin } from "../../host/sim/twin.js";
import { Random } from "../../host/sim/random.js";
import { readJournal } from "../../host/store/journal-reader.js";
import type { JournalState } from "../../host/store/journal-reader.js";
import { decodeFrame } from "../../host/frame/codec.js";
import { TestKeys } from "../../host/frame/keyring.js";
import { claimedHeader } from "../../host/gateway/verify.js";
import { hexToBytes } from "../../host/frame/index.js";
import { runCli, scenarioFile } from "./support/cli.js";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const STORE_CORRUPT = 1 << 4;

function scenario(board: string, seconds: number, extra: object = {}) {
  return parseScenario(JSON.stringify({
    format: "activemeter-scenario/1", board, seconds, seed: 3,
    pulse: { pulse1: { hz: 4, on_ms: 40 } }, ...extra,
  }));
}

/** A twin whose flash starts as `image` (the board's first power-up reads it). */
function twinWithImage(image: Uint8Array, seconds = 30): Twin {
  const s = scenario("esp32c3-mini", seconds);
  const t = new Twin(s);
  t.flash.data.set(image);
  t.flashDriver.recent.length = 0; // the first start-up's writes are replaced, not in flight
  t.powerCut(t.clockUs, 0); // restart on the prepared image
  return t;
}

test("corrupt flash images: store_corrupt, counters held (no frame) until a new key, then from 0xC0000000 (above 20 years of use)", () => {
  const size = 50 * 4096; // esp32c3-mini: 32 sectors + 16 of billing history + 2 of the outputs' day record
  const random = new Random(5);
  const images: [string, Uint8Array][] = [
    ["random bytes", new Uint8Array(size).map(() => random.int(0, 255))],
    ["all zeros", new Uint8Array(size)],
  ];
  const runFor = (t: Twin, seconds: number) => { const end = t.clockUs + seconds * 1e6; while (t.clockUs < end) t.step(); };
  for (const [what, image] of images) {
    const t = twinWithImage(image, 200);
    assert.ok(t.status() & STORE_CORRUPT, `${what}: store_corrupt expected`);
    const regs = t.registers();
    assert.equal(regs["pulse1.wh"], 0, `${what}: registers start at zero, not at garbage`);
    runFor(t, 30);
    // Nothing in this flash proves where the counters stopped: no frame may go out.
    assert.equal(t.frames.length, 0, `${what}: no frame while counters are held`);
    assert.equal(t.registers()["pulse1.count"], 4 * 30, `${what}: metering goes on`);
    // Held across a restart too (the hold is in the journal and both configuration copies).
    t.powerCut(t.clockUs, 1000);
    assert.ok(t.status() & STORE_CORRUPT, `${what}: still held after a restart`);
    runFor(t, 12);
    assert.equal(t.frames.length, 0, `${what}: no frame after a restart either`);
    t.typeLines(["log 3"]);
    assert.match(t.consoleText, /frame counters held/);
    // A new key releases them: its nonces are new, counters continue above 0xC0000000 (the damaged
    // lockout counts as three wrong PINs: the installer waits its minute first).
    runFor(t, 61);
    t.typeLines(["unlock 0000", "key set 00112233445566778899aabbccddeeff"]);
    runFor(t, 12);
    assert.ok(t.frames.length > 0, `${what}: frames after the new key`);
    const counters = t.frames.map((f) => claimedHeader(f).counter!);
    assert.ok(counters.every((c) => c > 0xc0000000), `${what}: counters ${counters[0]}… above 0xC0000000`);
    t.powerCut(t.clockUs, 1000);
    const before = t.frames.length;
    runFor(t, 12);
    assert.ok(t.frames.length > before, `${what}: still sending after a restart`);
    assert.ok(claimedHeader(t.frames[before]).counter! > counters.at(-1)!, `${what}: counters go on increasing`);
  }
});

test("an all-0xFF (erased) store is a new device: registers at zero, no corruption flag", () => {
  const t = twinWithImage(new Uint8Array(50 * 4096).fill(0xff));
  assert.equal(t.status() & STORE_CORRUPT, 0);
  assert.equal(t.registers()["pulse1.wh"], 0);
});

test("single bit flips in a used image never raise a register above what was persisted", () => {
  const base = new Twin(scenario("esp32c3-mini", 600));
  base.runToEnd();
  const image = base.flash.data.slice();
  const persisted = readJournal(image, 4096, 32)!.values.get(8)!;
  const random = new Random(17);
  let flagged = 0;
  for (let trial = 0; trial < 300; trial++) {
    const flipped = image.slice();
    // Flip a bit in the used areas: configuration, events and the journal's first sectors.
    const sector = [0, 1, 2, 4, 5][random.int(0, 4)];
    const bit = random.int(0, 4096 * 8 - 1);
    flipped[sector * 4096 + (bit >> 3)] ^= 1 << (bit & 7);
    const t = twinWithImage(flipped, 1);
    const wh = BigInt(Math.round(t.registers()["pulse1.wh"] * 1e6));
    assert.ok(wh <= persisted, `trial ${trial}: ${wh} µWh above the persisted ${persisted}`);
    if (t.status() & STORE_CORRUPT) flagged++;
  }
  assert.ok(flagged > 0, "some flips must be detected");
});

test("with a supply monitor (esp32-devkitc) a power cut loses nothing", () => {
  const s = scenario("esp32-devkitc", 200, { pulse: { pulse1: { hz: 3, on_ms: 40 } }, outages: [{ at_s: 50.1, off_s: 1 }, { at_s: 120.2, off_s: 2 }] });
  const t = new Twin(s);
  const lost: number[] = [];
  while (!t.done) {
    const cutsBefore = t.powerCuts;
    const before = t.registers()["pulse1.wh"];
    t.step();
    if (t.powerCuts > cutsBefore) lost.push(before - t.registers()["pulse1.wh"]);
  }
  assert.deepEqual(lost, [0, 0], "registers after each cut equal those before it");
});

test("without a supply monitor (esp32c3-mini) each outage loses less than one step (+ one 250 ms check window)", () => {
  const s = scenario("esp32c3-mini", 200, { pulse: { pulse1: { hz: 3, on_ms: 40 } }, outages: [{ at_s: 50.1, off_s: 1 }, { at_s: 120.2, off_s: 2 }] });
  const t = new Twin(s);
  // The step of pulse1.wh as the base record holds it (docs/storage.md: 30 Wh for 20 kW rated on
  // 28 journal sectors; 40 Wh since the console's lockout and metrological log take the last 4
  // of the 32, docs/console.md "Flash layout").
  const stepWh = Number(readJournal(t.flash.data, 4096, 32)!.entries.find((e) => e.id === 8)!.coarseStep) / 1e6;
  assert.equal(stepWh, 40);
  while (!t.done) {
    const cutsBefore = t.powerCuts;
    const before = t.registers()["pulse1.wh"];
    t.step();
    if (t.powerCuts > cutsBefore) {
      const loss = before - t.registers()["pulse1.wh"];
      assert.ok(loss >= 0 && loss < stepWh + 2, `lost ${loss} Wh`);
    }
  }
});

test("outage scenarios run through activemeter sim; counters skip ahead and frames never go back", () => {
  const file = scenarioFile({
    format: "activemeter-scenario/1", board: "esp32c3-mini", seconds: 120, seed: 1,
    pulse: { pulse1: { hz: 2, on_ms: 40 } }, outages: [{ at_s: 40.5, off_s: 3 }, { at_s: 80.25, off_s: 0.5 }],
  });
  const r = runCli(["sim", "--scenario", file, "--json"]);
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  const frames = report.frames.map((h: string) => decodeFrame(Buffer.from(h, "hex"), { keys: new TestKeys() }));
  for (let i = 1; i < frames.length; i++) {
    assert.ok(frames[i].counter > frames[i - 1].counter);
    assert.ok((frames[i].registers["pulse1.wh"] ?? 0) >= (frames[i - 1].registers["pulse1.wh"] ?? 0));
  }
  assert.ok(frames.some((f: { counter: number }, i: number) => i > 0 && f.counter > frames[i - 1].counter + 1), "the counter skips ahead after a cut");
});

test("every setting change and a new firmware identity go into the event log; the counter travels in frames", () => {
  const s = scenario("esp32c3-mini", 30, { console: ["unlock 0000", "set pulse1.pulses_per_kwh 500", "set node.id 77", "set node.id 77", "save"] });
  const t = new Twin(s, undefined, {}, { key: null });
  t.runToEnd();
  const frame = decodeFrame(t.frames.at(-1)!);
  // 1 firmware identity (first start); pulses_per_kwh changes two stored values (numerator and
  // denominator of the energy per pulse); node.id one; the repeated node.id is no change.
  assert.equal(frame.event_counter, 4);
  t.powerCut(t.clockUs, 0);
  t.typeLines(["config"]);
  assert.match(t.consoleText, /node\.id = 77/);
});

test("start-ups are counted in the journal without erasing anything (200 reboots)", () => {
  const t = new Twin(scenario("esp32c3-mini", 1));
  const configErases = () => t.flash.eraseCounts[0] + t.flash.eraseCounts[1];
  const erasesBefore = Array.from(t.flash.eraseCounts).reduce((a, b) => a + b, 0);
  const configBefore = configErases();
  // Each restart runs 100 ms, long enough for its writes to finish (a roll's erase takes 45 ms).
  for (let i = 0; i < 200; i++) t.powerCut(t.clockUs + 100_000, 0);
  const journal = readJournal(t.flash.data, 4096, 32)!;
  assert.equal(journal.bootCount, 201, "the first start-up and 200 restarts");
  assert.equal(configErases(), configBefore, "no configuration write at start-up");
  // 200 boots fill the 128-boot field once: one roll, whose sector is erased ahead at most once.
  const erasesAfter = Array.from(t.flash.eraseCounts).reduce((a, b) => a + b, 0);
  assert.ok(erasesAfter - erasesBefore <= 2, `${erasesAfter - erasesBefore} erases for 200 start-ups`);
});

/** Erases of every sector since `before`. */
function erasesSince(t: Twin, before: number[]): number {
  return Array.from(t.flash.eraseCounts).reduce((sum, n, i) => sum + n - before[i], 0);
}

test("600 outages at 1 s intervals with a supply monitor: commits into free space, a roll per 16 outages", () => {
  const t = new Twin(scenario("esp32-devkitc", 5, { pulse: { pulse1: { hz: 3, on_ms: 40 } } }));
  t.runToEnd();
  const before = Array.from(t.flash.eraseCounts);
  const truth = () => t.registers()["pulse1.count"];
  for (let i = 0; i < 600; i++) {
    const count = truth();
    t.powerCut(t.clockUs + 1_000_000, 0);
    assert.equal(truth(), count, `outage ${i}: the commit kept every pulse`);
  }
  // 600 commits into 16 slots per sector, 600 boots into 128-boot fields: ≤ 38 + 5 rolls,
  // each erasing one sector ahead (instead of 543 erases before commits existed).
  const erases = erasesSince(t, before);
  assert.ok(erases <= Math.ceil(600 / 16) + Math.ceil(600 / 128) + 1, `${erases} erases for 600 outages`);
  assert.equal(t.status() & STORE_CORRUPT, 0);
});

test("600 console reboots: each commits into free space, no erase per reboot", () => {
  const t = new Twin(scenario("esp32c3-mini", 5, { pulse: { pulse1: { hz: 3, on_ms: 40 } } }));
  t.runToEnd();
  const before = Array.from(t.flash.eraseCounts);
  for (let i = 0; i < 600; i++) {
    const count = t.registers()["pulse1.count"];
    t.typeLines(["reboot"]);
    assert.equal(t.reboots, i + 1);
    assert.equal(t.registers()["pulse1.count"], count, "a reboot loses nothing");
    for (let k = 0; k < 10; k++) t.step();
  }
  const erases = erasesSince(t, before);
  assert.ok(erases <= Math.ceil(600 / 16) + Math.ceil(600 / 128) + 1, `${erases} erases for 600 reboots`);
});

/** A used image of an esp32c3-mini (settings saved, frames sent) and what it holds. */
let used: { image: Uint8Array; journal: JournalState; lastCounter: number; truth: Record<string, number> } | undefined;
function usedImage() {
  if (used) return used;
  // 6000 s at 5.5 Wh/s: the journal rolls once (696 steps of 40 Wh), so an older sector exists.
  const t = new Twin(scenario("esp32c3-mini", 6000, { console: ["unlock 0000", "set report.interval_s 1", "save"], pulse: { pulse1: { hz: 5.5, on_ms: 40 } } }));
  t.runToEnd();
  const keys = new TestKeys();
  const lastCounter = Math.max(...t.frames.map((f) => decodeFrame(f, { keys }).counter));
  used = { image: t.flash.data.slice(), journal: readJournal(t.flash.data, 4096, 32)!, lastCounter, truth: t.registers() };
  return used;
}

function logOf(t: Twin): string {
  const before = t.consoleText.length;
  t.typeLines(["log"]);
  return t.consoleText.slice(before);
}

test("a flipped bit in the active journal sector's base record: nothing lost, flagged, counters move on", () => {
  const { image, journal, lastCounter } = usedImage();
  for (const offset of [4, 9, 40, 100]) { // sequence number, frame ceiling, an entry's value, the CRC area
    const damaged = image.slice();
    damaged[(4 + journal.sector) * 4096 + offset] ^= 0x10;
    const t = twinWithImage(damaged, 20);
    assert.equal(BigInt(Math.round(t.registers()["pulse1.wh"] * 1e6)), journal.values.get(8), `offset ${offset}: the other copy holds the value`);
    assert.ok(t.status() & STORE_CORRUPT, `offset ${offset}: flagged`);
    assert.match(logOf(t), /store damage found at start-up \(journal \), no register value lost/);
    t.runToEnd();
    const counters = t.frames.map((f) => decodeFrame(f, { keys: new TestKeys() }).counter);
    assert.ok(counters.length > 0 && Math.min(...counters) > lastCounter, `offset ${offset}: counter ${Math.min(...counters)} after ${lastCounter}`);
    // Reported once: the next start-up finds a clean store.
    t.powerCut(t.clockUs, 0);
    assert.equal(t.status() & STORE_CORRUPT, 0, `offset ${offset}: damage reported again after the repair`);
  }
});

test("both base copies unreadable: the older sector, flagged with what may be lost, counters jump past the lost sector", () => {
  const { image, journal, lastCounter, truth } = usedImage();
  const damaged = image.slice();
  const at = (4 + journal.sector) * 4096;
  damaged[at + 30] ^= 1;
  damaged[at + 128 + 30] ^= 1; // copy B (128 bytes per copy on this board)
  const t = twinWithImage(damaged, 20);
  assert.ok(t.status() & STORE_CORRUPT);
  assert.ok(t.registers()["pulse1.wh"] <= truth["pulse1.wh"]);
  assert.match(logOf(t), /newest journal sector unreadable: older one used, registers may be low, frame counters continue at (\d+)/);
  t.runToEnd();
  const first = Math.min(...t.frames.map((f) => decodeFrame(f, { keys: new TestKeys() }).counter));
  // Everything the lost sector and the one before could have reserved: 2 × 16 384 counters.
  assert.ok(first > lastCounter && first > journal.frameCounterCeiling, `counter ${first} after ${lastCounter}`);
});

test("a damaged configuration is logged as restored (defaults or previous save), never as a new firmware identity", () => {
  const { image } = usedImage();
  const both = image.slice();
  both[20] ^= 4;
  both[4096 + 20] ^= 4;
  const t = twinWithImage(both, 3);
  const log = logOf(t);
  assert.ok(t.status() & STORE_CORRUPT);
  assert.match(log, /configuration restored to defaults/);
  assert.equal(log.match(/new firmware identity/g)?.length ?? 0, 1, "only the first start-up's identity");
  t.typeLines(["config"]);
  assert.match(t.consoleText, /report\.interval_s = 10\r/, "the defaults apply");
  t.runToEnd(); // the repairs (two configuration erases) finish before the next cut
  t.powerCut(t.clockUs, 0);
  assert.equal(t.status() & STORE_CORRUPT, 0, `both copies rewritten: reported once ${logOf(t)}`);
  assert.equal(logOf(t).match(/new firmware identity/g)?.length ?? 0, 1);
});

test("activemeter sim --flash keeps working on a damaged image", () => {
  const { image } = usedImage();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "am-flash-"));
  const file = path.join(dir, "unit.bin");
  const random = new Random(99);
  const damaged = image.slice();
  for (let i = 0; i < 64; i++) damaged[4 * 4096 + random.int(0, 28 * 4096 - 1)] = random.int(0, 255);
  damaged.fill(0, 0, 300); // and configuration copy A zeroed
  fs.writeFileSync(file, damaged);
  const sim = scenarioFile({ format: "activemeter-scenario/1", board: "esp32c3-mini", seconds: 30, seed: 1, pulse: { pulse1: { hz: 2, on_ms: 40 } } });
  const r = runCli(["sim", "--scenario", sim, "--flash", file, "--json"]);
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.ok(report.frames.length > 0);
  assert.equal(fs.readFileSync(file).length, 50 * 4096, "the image is written back");
  const again = runCli(["sim", "--scenario", sim, "--flash", file, "--json"]);
  assert.equal(again.status, 0, again.stderr);
  assert.equal(JSON.parse(again.stdout).status & STORE_CORRUPT, 0, "repaired after the first run");
  // The whole journal wiped: flagged, counters continue above the configuration's floor.
  const ceiling = readJournal(image, 4096, 32)!.frameCounterCeiling;
  const wiped = image.slice();
  wiped.fill(0xff, 4 * 4096, 28 * 4096);
  fs.writeFileSync(file, wiped);
  const w = runCli(["sim", "--scenario", sim, "--flash", file, "--json"]);
  assert.equal(w.status, 0, w.stderr);
  const wr = JSON.parse(w.stdout);
  assert.ok(wr.status & STORE_CORRUPT, "a wiped journal is flagged");
  assert.ok(wr.frames.length > 0 && wr.frames.every((f: string) => claimedHeader(hexToBytes(f)).counter! > ceiling), "counters above every one reserved before");
  // Nothing left that proves a counter (all zeros): it runs, sends nothing, and says store_corrupt.
  fs.writeFileSync(file, new Uint8Array(50 * 4096));
  for (let run = 0; run < 2; run++) {
    const z = runCli(["sim", "--scenario", sim, "--flash", file, "--json"]);
    assert.equal(z.status, 0, z.stderr);
    const zr = JSON.parse(z.stdout);
    assert.equal(zr.frames.length, 0, `run ${run}: no frame while counters are held`);
    assert.ok(zr.status & STORE_CORRUPT, `run ${run}: store_corrupt while counters are held`);
  }
});

test("the twin flags scenarios above 120 % of the board's rating as overload (and still runs them)", () => {
  const within = new Twin(scenario("esp32-devkitc", 1, { pulse: { pulse1: { hz: 24000 / 3600 * 0.99, on_ms: 40 } }, mains: { vrms: 230, hz: 50 }, ct: { ct1: { irms: 36 } } }));
  assert.deepEqual(within.overload, []);
  // 518 kW of 1 Wh pulses (the figure of issue 13), 50 A on a 30 A clamp, 3 m³/h through a 1.5 m³/h sensor.
  const over = new Twin(scenario("esp32-devkitc", 1, {
    pulse: { pulse1: { hz: 144, on_ms: 3 } }, mains: { vrms: 400, hz: 50 }, ct: { ct1: { irms: 50 } },
    heat: { heat1: { flow_m3h: 3, supply_c: 70, return_c: 40 } },
  }));
  assert.deepEqual(over.overload.map((l) => l.split(":")[0]), ["mains", "ct1", "pulse1", "heat1", "heat1"]);
  assert.match(over.overload[2], /518\.4 kW is 2592 % of the rated 20\.0 kW/);
  over.runToEnd();
  assert.deepEqual(over.report().overload, over.overload);
  const file = scenarioFile({ format: "activemeter-scenario/1", board: "esp32-devkitc", seconds: 1, pulse: { pulse1: { hz: 144, on_ms: 3 } } });
  const r = runCli(["sim", "--scenario", file, "--json"]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /warning: overload \(above 120 % of the board's rating\): pulse1: 518\.4 kW/);
});
