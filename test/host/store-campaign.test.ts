// Power-cut campaign (issue 5): 10 000 cuts at random times and in the middle of flash
// programs and erases. After every cut the board must start, and every register must lie
// between what was persisted before the cut (read from the flash image by an independent
// reader of docs/storage.md) and the true value, within the documented loss bound; the
// configuration must be intact and frame counters must never repeat.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseScenario } from "../../host/sim/scenario.js";
import { Twin, STEP_US } from "../../host/sim/twin.js";
import { Random } from "../../host/sim/random.js";
import { readJournal } from "../../host/store/journal-reader.js";
import { decodeFrame } from "../../host/frame/codec.js";
import { TestKeys } from "../../host/frame/keyring.js";

const CUTS = 10_000;
const WH_ID = 8; // pulse1.wh
const COUNT_ID = 18; // pulse1.count
const PULSE_UWH = 1_250_000n; // 800 imp/kWh
const STEP_UWH = 10_000_000n; // default persistence step: 10 Wh
const COUNT_STEP = 10n;

function rawRegisters(twin: Twin): { wh: bigint; count: bigint } {
  const r = twin.registers();
  return { wh: BigInt(Math.round(r["pulse1.wh"] * 1e6)), count: BigInt(r["pulse1.count"]) };
}

test(`power-cut campaign: ${CUTS} cuts, none loses more than the bound or goes back`, () => {
  const scenario = parseScenario(JSON.stringify({
    format: "activemeter-scenario/1", board: "esp32c3-mini", seconds: 1e7, seed: 2026,
    console: ["unlock 0000", "set pulse1.pulses_per_kwh 800", "set report.interval_s 1", "save"],
    pulse: { pulse1: { hz: 16.6, on_ms: 30, bounce_ms: 3 } },
  }));
  const twin = new Twin(scenario);
  const random = new Random(7);
  const { sector_bytes: sectorBytes, sectors } = scenario.board.flash;
  const kinds = { random: 0, program: 0, erase: 0, tornOps: 0, tornJournalErases: 0 };
  let worstLossUwh = 0n;

  for (let cut = 0; cut < CUTS; cut++) {
    // Choose the moment: a random time, or inside a program, or inside an erase.
    const mode = cut % 3;
    let cutUs = -1;
    for (let guard = 0; cutUs < 0 && guard < 5000; guard++) {
      if (mode === 0) {
        const target = twin.clockUs + 20_000 + random.int(0, 2_000_000);
        while (twin.clockUs + STEP_US <= target) twin.step();
        cutUs = Math.max(target, twin.clockUs);
        break;
      }
      const wanted = mode === 1 ? "program" : "erase";
      const op = twin.flashDriver.inFlight(twin.clockUs).find((o) => o.kind === wanted)
        ?? twin.flashDriver.recent.find((o) => o.kind === wanted && o.endUs > twin.clockUs);
      if (op) cutUs = Math.max(twin.clockUs, op.startUs + Math.floor(random.next() * (op.endUs - op.startUs)));
      // Journal erases come only with rolls (every ~26 minutes here); between them an installer's
      // `save` erases a configuration copy, which must survive a cut just as well.
      else if (wanted === "erase" && guard > 0 && guard % 50 === 0) twin.typeLines(["unlock 0000", "save"]);
      else twin.step();
    }
    assert.ok(cutUs >= 0, `no ${mode === 1 ? "program" : "erase"} to cut at cut ${cut}`);

    const truth = rawRegisters(twin);
    // The image as it was before any operation still in flight: what was persisted.
    const image = twin.flash.data.slice();
    for (const op of [...twin.flashDriver.inFlight(cutUs)].reverse()) image.set(op.before, op.offset);
    const persisted = readJournal(image, sectorBytes, sectors);
    assert.ok(persisted, `cut ${cut}: no valid journal before the cut`);
    const persistedWh = persisted.values.get(WH_ID)!;
    const persistedCount = persisted.values.get(COUNT_ID)!;

    const report = twin.powerCut(cutUs, random.int(0, 200_000));
    if (report.cut.length > 0) kinds.tornOps++;
    if (report.cut.some((op) => op.kind === "erase" && op.sector! >= 4)) kinds.tornJournalErases++;
    kinds[mode === 0 ? "random" : mode === 1 ? "program" : "erase"]++;
    const after = rawRegisters(twin);

    assert.ok(after.wh >= persistedWh, `cut ${cut}: pulse1.wh ${after.wh} below persisted ${persistedWh}`);
    assert.ok(after.wh <= truth.wh, `cut ${cut}: pulse1.wh ${after.wh} above the truth ${truth.wh}`);
    assert.ok(truth.wh - after.wh <= STEP_UWH + PULSE_UWH, `cut ${cut}: lost ${truth.wh - after.wh} µWh`);
    assert.ok(after.count >= persistedCount && after.count <= truth.count && truth.count - after.count <= COUNT_STEP + 1n,
      `cut ${cut}: pulse1.count ${after.count}, persisted ${persistedCount}, truth ${truth.count}`);
    if (truth.wh - after.wh > worstLossUwh) worstLossUwh = truth.wh - after.wh;
    if (cut % 250 === 0) {
      const before = twin.consoleText.length;
      twin.typeLines(["config"]);
      const shown = twin.consoleText.slice(before);
      assert.match(shown, /pulse1\.pulses_per_kwh = 800/, `cut ${cut}: configuration lost`);
      assert.match(shown, /report\.interval_s = 1\r/, `cut ${cut}: configuration lost`);
    }
  }

  // Frame counters never repeat, and frame values never go back, across all the cuts.
  const keys = new TestKeys();
  let lastCounter = 0;
  let lastWh = 0;
  for (const bytes of twin.frames) {
    const frame = decodeFrame(bytes, { keys, requireAuthentication: true });
    assert.ok(frame.counter > lastCounter, `frame counter ${frame.counter} after ${lastCounter}`);
    const wh = frame.registers["pulse1.wh"] ?? 0;
    assert.ok(wh >= lastWh, `frame energy went back from ${lastWh} to ${wh}`);
    lastCounter = frame.counter;
    lastWh = wh;
  }
  assert.ok(kinds.tornOps >= CUTS / 2, `only ${kinds.tornOps} cuts tore a flash operation`);
  assert.ok(kinds.tornJournalErases > 0, "no cut tore a journal erase");
  assert.ok(twin.frames.length > 1000, `only ${twin.frames.length} frames`);
  console.log(JSON.stringify({ cuts: CUTS, ...kinds, worstLossWh: Number(worstLossUwh) / 1e6, frames: twin.frames.length,
    simulatedS: Math.round(twin.clockUs / 1e6), maxEraseCount: Math.max(...twin.flash.eraseCounts) }));
});
