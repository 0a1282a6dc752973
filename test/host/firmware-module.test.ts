// The release module itself: what a board shell can rely on (docs/board-abi.md).
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import binaryen from "binaryen";
import { projectRoot, compileHarness } from "./support/asc-compile.js";
import { Firmware, FirmwareError } from "../../host/firmware/firmware.js";

const wasmPath = path.join(projectRoot, "build", "firmware.wasm");
const bytes = new Uint8Array(fs.readFileSync(wasmPath));
const module = new WebAssembly.Module(bytes);

const ABI_EXPORTS = [
  "fw_abi_version", "fw_board_ptr", "fw_board_capacity", "fw_start", "fw_tick",
  "fw_pulse_ptr", "fw_pulse_capacity", "fw_pulse_batch", "fw_adc_ptr", "fw_adc_capacity", "fw_adc_block",
  "fw_temperature_ptr", "fw_temperature_capacity", "fw_temperatures",
  "fw_console_ptr", "fw_console_capacity", "fw_console_input", "fw_reset_pending",
  "fw_status", "fw_output_state", "fw_register_count", "fw_scratch_ptr", "fw_register_name", "fw_register_value", "fw_register_decimals",
  "memory",
];
const BOARD_IMPORTS = ["time_us", "console_write", "radio_send", "log", "panic", "flash_sector_size", "flash_sector_count",
  "flash_read", "flash_program", "flash_erase", "random_fill"];

test("imports come only from the board ABI: no env.abort, env.trace or env.seed", () => {
  const imports = WebAssembly.Module.imports(module);
  assert.ok(imports.length > 0);
  for (const imp of imports) {
    assert.equal(imp.module, "board", `unexpected import ${imp.module}.${imp.name}`);
    assert.ok(BOARD_IMPORTS.includes(imp.name), `import board.${imp.name} is not in the ABI`);
  }
});

test("every ABI export is present", () => {
  const names = WebAssembly.Module.exports(module).map((e) => e.name);
  for (const name of ABI_EXPORTS) assert.ok(names.includes(name), `missing export ${name}`);
});

test("one 64 KiB page at most and no memory.grow anywhere (stub runtime, nothing allocates)", () => {
  const mod = binaryen.readBinary(bytes);
  const text = mod.emitText();
  mod.dispose();
  const memory = /\(memory \$\S+ (\d+) (\d+)\)/.exec(text);
  assert.ok(memory, "module declares a memory with a maximum");
  assert.equal(Number(memory[1]), 1, "initial pages");
  assert.equal(Number(memory[2]), 1, "maximum pages");
  assert.ok(!text.includes("memory.grow"), "memory.grow found in the module");
  assert.ok(!/\$~lib\/rt\/stub\/__alloc/.test(text), "the stub allocator is linked in");
});

test("static data (tables, strings, buffers) leaves at least 8 KiB of the page free", () => {
  const mod = binaryen.readBinary(bytes);
  let end = 0;
  for (let i = 0; i < mod.getNumMemorySegments(); i++) {
    const segment = mod.getMemorySegmentInfoByIndex(i);
    end = Math.max(end, Number(segment.offset) + segment.data.byteLength);
  }
  mod.dispose();
  assert.ok(end <= 56 * 1024, `static data ends at ${end} bytes: less than 8 KiB of the 64 KiB page left`);
  // Zero-filled buffers may be packed away from the segments: check the ABI buffers directly.
  const instance = new WebAssembly.Instance(module, {
    board: Object.fromEntries(BOARD_IMPORTS.map((n) => [n, () => (n === "time_us" ? 0n : 0)])),
  });
  const fw = instance.exports as Record<string, () => number>;
  const buffers: [string, number, number][] = [
    ["board", fw.fw_board_ptr(), fw.fw_board_capacity()],
    ["pulse", fw.fw_pulse_ptr(), fw.fw_pulse_capacity() * 16],
    ["adc", fw.fw_adc_ptr(), fw.fw_adc_capacity() * 2],
    ["temperature", fw.fw_temperature_ptr(), fw.fw_temperature_capacity() * 12],
    ["console", fw.fw_console_ptr(), fw.fw_console_capacity()],
  ];
  for (const [name, ptr, len] of buffers) assert.ok(ptr > 0 && ptr + len <= 65536, `${name} buffer at ${ptr}+${len} outside the page`);
  // The CT sample passes stop at 0xFFE0 (assembly/ct/sample.ts, SAMPLES_END_LIMIT: the C translation
  // then drops their bounds checks); a full ADC buffer must end below it.
  assert.ok(fw.fw_adc_ptr() + fw.fw_adc_capacity() * 2 <= 0xFFE0, "the ADC buffer reaches past the CT passes' end limit");
});

test("a board shell refuses firmware that speaks another ABI version", async () => {
  const h = await compileHarness("test/harness/abi-v99.ts");
  const foreign = { bytes: new Uint8Array(), sha256: "", module: new WebAssembly.Module(h.binary as Uint8Array<ArrayBuffer>) };
  const hooks = { timeUs: () => 0n, consoleWrite() {}, radioSend() {}, log() {}, panic() {} };
  assert.throws(() => new Firmware(foreign, hooks), (e: unknown) => e instanceof FirmwareError && /ABI 99/.test((e as Error).message));
});

test("calls before start-up are refused, not crashed", () => {
  const instance = new WebAssembly.Instance(module, {
    board: Object.fromEntries(BOARD_IMPORTS.map((n) => [n, () => (n === "time_us" ? 0n : 0)])),
  });
  const fw = instance.exports as Record<string, (...a: number[]) => number>;
  assert.equal(fw.fw_tick(), -1);
  assert.equal(fw.fw_pulse_batch(1), -1);
  assert.equal(fw.fw_console_input(1), -1);
  assert.equal(fw.fw_start(3), -2, "a 3-byte descriptor is refused");
  assert.equal(fw.fw_start(100000), -2, "a descriptor longer than the buffer is refused");
});
