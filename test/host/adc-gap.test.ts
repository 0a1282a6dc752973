// fw_adc_gap (docs/board-abi.md): a board that lost ADC frames says so; the firmware sets the
// status flag adc_gap (bit 10, docs/frames.md), restarts its CT cycle instead of gluing the two
// sides together, keeps its registers, and logs an event at most once a minute. The energy
// reference is the defined power of a pure sine: P = V·I·cos φ.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Firmware, loadFirmwareImage } from "../../host/firmware/firmware.js";
import { loadBoard, packDescriptor } from "../../host/board/board.js";
import { NorFlash } from "../../host/sim/flash.js";
import { SimFlash } from "../../host/sim/board-flash.js";
import { STATUS_FLAGS } from "../../host/frame/codec.js";

const ADC_GAP = 1 << 10;

test("fw_adc_gap: status adc_gap, CT keeps metering, one event a minute", () => {
  assert.equal(STATUS_FLAGS[10], "adc_gap");
  const board = loadBoard("esp32c3-mini");
  let nowUs = 0;
  let consoleText = "";
  const nor = new NorFlash(board.flash.sector_bytes, board.flash.sectors);
  const fw = new Firmware(loadFirmwareImage(), {
    timeUs: () => BigInt(nowUs), consoleWrite: (b) => { consoleText += Buffer.from(b).toString("latin1"); },
    radioSend: () => {}, log: () => {}, panic: (code, text) => { throw new Error(`panic ${code} ${text}`); },
    flash: new SimFlash(nor, () => nowUs),
  });
  fw.start(packDescriptor(board));
  // Ideal codes: 230 V rms, 10 A rms in phase, 50 Hz, 4000 frames/s (v column, ct1 column).
  const v = board.channels.find((c) => c.kind === "voltage")! as { volts_per_adc_volt: number };
  const ct = board.channels.find((c) => c.kind === "ct")! as { ratio: number; burden_ohm: number };
  const lsbPerVolt = (2 ** board.adc.bits - 1) / (board.adc.full_scale_mv / 1000);
  let frame = 0;
  const step = (frames: number) => {
    const codes = new Uint16Array(frames * 2);
    for (let i = 0; i < frames; i++, frame++) {
      const phase = 2 * Math.PI * 50 * frame / board.adc.sample_rate_hz;
      const volts = 230 * Math.SQRT2 * Math.sin(phase) / v.volts_per_adc_volt;
      const amps = 10 * Math.SQRT2 * Math.sin(phase) / ct.ratio * ct.burden_ohm;
      codes[2 * i] = Math.round(board.adc.bias_code + volts * lsbPerVolt);
      codes[2 * i + 1] = Math.round(board.adc.bias_code + amps * lsbPerVolt);
    }
    fw.adcBlock(codes, 2);
    nowUs += frames * 250;
    fw.tick();
  };
  const run = (seconds: number) => { for (let i = 0; i < seconds * 100; i++) step(40); };
  const events = () => { consoleText = ""; fw.consoleInput(Buffer.from("log\r\n")); return (consoleText.match(/type 16 /g) ?? []).length; };

  run(5);
  assert.equal(fw.status() & ADC_GAP, 0, "no gap yet");
  const before = fw.registers()["ct1.import_wh"];
  assert.ok(Math.abs(before - 2300 * 4 / 3600) < 0.02 * 2300 * 4 / 3600, `ct1 after 5 s: ${before} Wh`);
  assert.equal(events(), 0);

  // 0.2 s of conversions lost: the clock moves on, the stream jumps.
  fw.adcGap(800);
  nowUs += 200_000;
  frame += 800;
  assert.ok(fw.status() & ADC_GAP, "adc_gap set");
  assert.equal(events(), 1, "one event for the first gap");
  run(10);
  const after = fw.registers()["ct1.import_wh"];
  // Ten more seconds metered, minus the restarted cycle/window (at most ~1 s) around the gap.
  const gained = after - before;
  assert.ok(gained > 2300 * 8.5 / 3600 && gained < 2300 * 10.5 / 3600, `ct1 gained ${gained} Wh in 10 s after the gap`);
  // A second gap within the minute: no new event yet; logged once the minute has passed.
  fw.adcGap(40);
  assert.equal(events(), 1, "spaced: no second event within 60 s");
  run(50);
  assert.equal(events(), 2, "the held-back gap logged after the minute");
  assert.ok(fw.status() & ADC_GAP, "adc_gap stays set since start-up");
  assert.throws(() => new Firmware(loadFirmwareImage(), { timeUs: () => 0n, consoleWrite: () => {}, radioSend: () => {}, log: () => {}, panic: () => {} }).adcGap(1), /not started/);
});
