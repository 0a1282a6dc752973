// Outputs in board files (boards/board.schema.json, docs/board-abi.md "Board descriptor"): the
// loader's refusals, the outputs record byte by byte as documented, and the firmware refusing a
// record that names a clamp the board lacks (nothing of the descriptor kept).
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { checkBoard, packDescriptor, BoardError } from "../../host/board/board.js";
import { Firmware, FirmwareError, loadFirmwareImage } from "../../host/firmware/firmware.js";
import { projectRoot } from "./support/asc-compile.js";

const house = JSON.parse(fs.readFileSync(path.join(projectRoot, "test", "boards", "active-house.json"), "utf8"));
const image = loadFirmwareImage();

function refused(mutate: (b: any) => void, message: RegExp): void {
  const copy = structuredClone(house);
  mutate(copy);
  assert.throws(() => checkBoard(copy, "test.json"), (e: unknown) => e instanceof BoardError && message.test((e as Error).message), String(message));
}

test("outputs in a board file: at most 4, outN names, CT clamps of the board, the load clamp another one", () => {
  refused((b) => { b.outputs[0].kind = "triac"; }, /field 'outputs\[0\]\.kind'/);
  refused((b) => { b.outputs[1].name = "out1"; }, /output 'out1' is defined twice/);
  refused((b) => { b.outputs[0].clamp = "ct3"; }, /'ct3' is not a CT channel of this board/);
  refused((b) => { b.outputs[0].load_clamp = "ct1"; }, /load_clamp must be another clamp/);
  refused((b) => { b.outputs[0].name = "out5"; }, /field 'outputs\[0\]\.name'/);
  refused((b) => { b.outputs = [1, 2, 3, 4].map((n) => ({ name: `out${n}`, kind: "relay", gpio: n, clamp: "ct1" })).concat([b.outputs[0]]); }, /field 'outputs' must NOT have more than 4 items/);
  refused((b) => { b.outputs[0].pin = 4; }, /unknown field 'outputs\[0\]\.pin'/);
});

test("the outputs record: kind 6 after the channels, 4 bytes per output (gpio, flags, clamp N, load clamp N)", () => {
  const board = checkBoard(structuredClone(house), "active-house.json");
  const d = packDescriptor(board);
  const records = new DataView(d.buffer).getUint16(6, true);
  assert.equal(d.length, 36 + 32 * records);
  const rec = d.subarray(36 + 32 * (records - 1));
  assert.deepEqual([...rec.subarray(0, 4)], [6, 1, 0, 0]);
  assert.deepEqual([...rec.subarray(4, 12)], [23, 0x80, 1, 2, 22, 0x81, 1, 0], "out1 relay gpio 23 ct1/ct2, out2 SSR gpio 22 ct1");
  assert.ok(rec.subarray(12).every((b) => b === 0), "out3, out4 absent; the rest zero");
  const noOutputs = structuredClone(house);
  delete noOutputs.outputs;
  assert.equal(packDescriptor(checkBoard(noOutputs, "x.json")).length, d.length - 32, "no outputs: no record");
});

function start(descriptor: Uint8Array): Firmware {
  const fw = new Firmware(image, { timeUs: () => 0n, consoleWrite: () => {}, radioSend: () => {}, log: () => {}, panic: () => {} });
  fw.start(descriptor);
  return fw;
}

test("the firmware takes the outputs record, and refuses one naming a clamp it lacks, or two records", () => {
  const d = packDescriptor(checkBoard(structuredClone(house), "active-house.json"));
  const fw = start(d);
  const names = [...fw.registersRaw().keys()].filter((n) => n.startsWith("out"));
  assert.deepEqual(names, ["out1.state", "out2.state", "out1.switches", "out2.switches", "out1.on_s", "out2.on_s", "out1.diverted_wh", "out2.diverted_wh"]);
  assert.equal(fw.registersRaw().get("out1.diverted_wh")!.decimals, 6);
  assert.equal(fw.outputState(), 0);
  const last = d.length - 32;
  for (const [what, patch] of [["clamp ct3", (b: Uint8Array) => { b[last + 6] = 3; }], ["load clamp = clamp", (b: Uint8Array) => { b[last + 7] = 1; }],
    ["unknown flag", (b: Uint8Array) => { b[last + 5] = 0x82; }], ["data in an absent entry", (b: Uint8Array) => { b[last + 12] = 9; }]] as const) {
    const bad = d.slice();
    patch(bad);
    assert.throws(() => start(bad), (e: unknown) => e instanceof FirmwareError && /descriptor refused/.test((e as Error).message), what);
  }
  const two = new Uint8Array(d.length + 32);
  two.set(d);
  two.set(d.subarray(last), d.length);
  new DataView(two.buffer).setUint16(6, new DataView(d.buffer).getUint16(6, true) + 1, true);
  assert.throws(() => start(two), /descriptor refused/, "two outputs records");
});
