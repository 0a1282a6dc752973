// Board files: validation against boards/board.schema.json and the descriptor layout that
// docs/board-abi.md specifies byte by byte.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { checkBoard, loadBoard, listBoards, packDescriptor, BoardError } from "../../host/board/board.js";
import { projectRoot } from "./support/asc-compile.js";

const devkitc = JSON.parse(fs.readFileSync(path.join(projectRoot, "boards", "esp32-devkitc.json"), "utf8"));

test("the shipped boards validate and have the channels the product needs", () => {
  assert.deepEqual(listBoards(), ["esp32-devkitc", "esp32c3-mini"]);
  assert.deepEqual(loadBoard("esp32-devkitc").channels.map((c) => c.name), ["v", "ct1", "ct2", "pulse1", "pulse2", "heat1"]);
  assert.deepEqual(loadBoard("esp32c3-mini").channels.map((c) => c.name), ["v", "ct1", "pulse1"]);
  const heat = loadBoard("esp32-devkitc").channels.find((c) => c.name === "heat1");
  assert.equal(heat && heat.kind === "heat" && heat.flow_sensor_pipe, "return");
  for (const name of listBoards()) assert.ok(loadBoard(name).adc.noise_lsb_rms >= 2, `${name}: ESP32 ADC noise is several LSB`);
});

function refused(mutate: (b: any) => void, message: RegExp): void {
  const copy = structuredClone(devkitc);
  mutate(copy);
  assert.throws(() => checkBoard(copy, "test.json"), (e: unknown) => e instanceof BoardError && message.test((e as Error).message));
}

test("an unknown or invalid field is refused, naming the field", () => {
  refused((b) => { b.colour = "red"; }, /unknown field 'colour'/);
  refused((b) => { b.adc.gain = 2; }, /unknown field 'adc\.gain'/);
  refused((b) => { b.channels[3].debounce = 1; }, /unknown field 'channels\[3\]\.debounce'/);
  refused((b) => { b.adc.bits = 40; }, /field 'adc\.bits' must be <= 16/);
  refused((b) => { b.channels[1].burden_ohm = -1; }, /field 'channels\[1\]\.burden_ohm'/);
  refused((b) => { b.channels[5].flow_sensor_pipe = "middle"; }, /field 'channels\[5\]\.flow_sensor_pipe'/);
  refused((b) => { delete b.channels[3].wh_per_pulse; }, /missing field 'channels\[3\]\.wh_per_pulse'/);
  refused((b) => { b.channels[4].name = "pulse1"; }, /defined twice/);
  refused((b) => { b.channels[2].adc_input = 1; }, /adc_input 1 twice/);
});

test("a board that is not JSON, or not there, is refused with a clear message", () => {
  assert.throws(() => loadBoard("no-such-board"), /unknown board 'no-such-board' \(known boards: esp32-devkitc, esp32c3-mini\)/);
  assert.throws(() => loadBoard("../etc/passwd"), BoardError);
});

test("the descriptor follows the documented layout", () => {
  const d = packDescriptor(loadBoard("esp32-devkitc"));
  const v = new DataView(d.buffer);
  // 6 channels + the two clamps' error curves (5 points each: 3 records of up to 2 points) + the outputs record.
  assert.equal(d.length, 36 + 13 * 32);
  assert.equal(Buffer.from(d.subarray(0, 4)).toString("latin1"), "AMBD");
  assert.equal(v.getUint16(4, true), 1, "ABI version");
  assert.equal(v.getUint16(6, true), 13, "record count");
  assert.deepEqual([...d.subarray(36 + 12 * 32, 36 + 12 * 32 + 8)], [6, 1, 0, 0, 23, 0x80, 1, 0], "outputs: out1 relay on GPIO 23, rule clamp ct1, no load clamp");
  assert.equal(v.getUint32(8, true), 4097, "node id");
  assert.equal(v.getUint32(12, true), 10, "report interval");
  assert.equal(v.getUint32(16, true), 4000, "sample rate");
  assert.equal(v.getUint16(20, true), 12, "ADC bits");
  assert.equal(v.getUint16(22, true), 1717, "bias code");
  assert.equal(v.getUint32(24, true), 3100, "full scale mV");
  assert.equal(v.getUint32(28, true), 4096, "flash sector bytes");
  assert.equal(v.getUint32(32, true), 82, "flash sectors (64 + 16 for the billing history, docs/billing.md, + 2 for the outputs' day record, docs/storage.md)");
  const pulse1 = 36 + 3 * 32;
  assert.deepEqual([d[pulse1], d[pulse1 + 1], d[pulse1 + 2]], [3, 1, 25], "kind pulse, number 1, gpio 25");
  assert.equal(v.getInt32(pulse1 + 4, true), 10_000, "filter µs");
  assert.equal(v.getInt32(pulse1 + 8, true), 1_000_000, "µWh per pulse");
  const heat1 = 36 + 5 * 32;
  assert.deepEqual([d[heat1], d[heat1 + 1], d[heat1 + 3]], [4, 1, 0], "kind heat, number 1, flow sensor in return");
  assert.equal(v.getInt32(heat1 + 4, true), 1000, "mL per flow pulse");
  assert.equal(v.getInt32(heat1 + 8, true), 1600, "nominal pressure kPa");
  const ct1 = 36 + 32;
  assert.equal(v.getInt32(ct1 + 4, true), 2000, "CT ratio");
  assert.equal(v.getInt32(ct1 + 8, true), 33_000, "burden mΩ");
  assert.equal(v.getInt32(ct1 + 12, true), 30_000, "rated mA");
  assert.equal(v.getInt32(ct1 + 16, true), 2000, "phase m°");
  assert.equal(v.getInt32(ct1 + 20, true), 100_000, "clamp maximum mA");
  assert.equal(d[ct1 + 3], 0, "not import-only");
  const volt = 36;
  assert.deepEqual([2, 3, 4, 5, 6].map((p) => v.getInt32(volt + 4 + 4 * p, true)), [0, 83_333, 230_000, 6000, 50],
    "real rate (0: nominal), column step ns, nominal mV, noise milli-LSB, crosstalk ppm");
  const curve = 36 + 6 * 32;
  assert.deepEqual([d[curve], d[curve + 1], d[curve + 2], d[curve + 3]], [5, 1, 0, 2], "kind CT curve, ct1, first point 0, 2 points");
  assert.deepEqual([0, 1, 2, 3, 4, 5].map((k) => v.getInt32(curve + 4 + 4 * k, true)), [300, -25_000, 3000, 1500, -12_000, 1600],
    "0.3 A: -2.5 % and +3°; 1.5 A: -1.2 % and +1.6°");
});
