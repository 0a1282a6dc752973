// The flash store beyond the campaign: corrupt images, the supply monitor, outage scenarios,
// the event log and the wear budget.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseScenario } from "../../host/sim/scenario.js";
import { Twin } from "../../host/sim/twin.js";
import { Random } from "../../host/sim/random.js";
import { readJournal } from "../../host/store/journal-reader.js";
import { decodeFrame } from "../../host/frame/codec.js";
import { TestKeys } from "../../host/frame/keyring.js";
import { runCli, scenarioFile } from "./support/cli.js";

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

test("corrupt flash images start in a safe state with store_corrupt, reported in frames", () => {
  const size = 32 * 4096;
  const random = new Random(5);
  const images: [string, Uint8Array][] = [
    ["random bytes", new Uint8Array(size).map(() => random.int(0, 255))],
    ["all zeros", new Uint8Array(size)],
  ];
  for (const [what, image] of images) {
    const t = twinWithImage(image);
    assert.ok(t.status() & STORE_CORRUPT, `${what}: store_corrupt expected`);
    const regs = t.registers();
    assert.equal(regs["pulse1.wh"], 0, `${what}: registers start at zero, not at garbage`);
    t.runToEnd();
    const frame = decodeFrame(t.frames.at(-1)!, { keys: new TestKeys() });
    assert.ok(frame.status_flags.includes("store_corrupt"), `${what}: frames report it`);
    assert.equal(t.registers()["pulse1.count"], 4 * 30, `${what}: metering goes on`);
  }
});

test("an all-0xFF (erased) store is a new device: registers at zero, no corruption flag", () => {
  const t = twinWithImage(new Uint8Array(32 * 4096).fill(0xff));
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

test("without a supply monitor (esp32c3-mini) each outage loses less than one 10 Wh step", () => {
  const s = scenario("esp32c3-mini", 200, { pulse: { pulse1: { hz: 3, on_ms: 40 } }, outages: [{ at_s: 50.1, off_s: 1 }, { at_s: 120.2, off_s: 2 }] });
  const t = new Twin(s);
  while (!t.done) {
    const cutsBefore = t.powerCuts;
    const before = t.registers()["pulse1.wh"];
    t.step();
    if (t.powerCuts > cutsBefore) {
      const loss = before - t.registers()["pulse1.wh"];
      assert.ok(loss >= 0 && loss < 10, `lost ${loss} Wh`);
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
