// Size budget of the firmware (issue 18): build/firmware.wasm must fit 32 KiB and its rv32imc -Os
// translation (board shell included, the stub board of boards/native/size/) 64 KiB of flash.
// Until the module reaches the target, the test holds it at the size measured when this budget
// was set plus a small margin: it fails when the module grows, and says how far from the target it is.
// (An earlier note here said the rv32imc -Os flash met its target at 64 884 B: that probe linked
// only part of the firmware; see the 2026-12-02 session 5 note below.)
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { projectRoot } from "./support/asc-compile.js";
import { moduleSize } from "../../host/bench/module-size.js";

/** The issue's targets. */
const TARGET_WASM_BYTES = 32 * 1024;
const TARGET_RV32_OS_FLASH_BYTES = 64 * 1024;
/** NOT YET THE TARGETS: measured 2026-12-02 after issues 18, 21 (outputs, downlinks), 20 and 13
 * merged: 78 488 B / ≈ 85.7 KB (65 840 / 80 660 B on 2026-12-01; 55 932 / 64 884 B
 * with issue 18's size work alone: console text byte-pair compressed, no UTF-16 strings,
 * one-caller inlining, ASCII panic messages, -Os libgcc stand-ins; issue 21's outputs then added
 * ~6 KB, its downlinks ~2.4 KB, issue 20's billing registers ~12 KB, issue 13's counter floor
 * ~1.6 KB) + ~2 % margin; lower them as the module shrinks, down to the targets.
 * 2026-12-02 (session 4): the outputs' day record in flash (a restart no longer resets the daily
 * limit) +1.5 KB, literal console runs joined −0.33 KB: 79 697 B / 87 868 B; rv32 budget +1 KB.
 * 2026-12-02 (session 5): the rv32 figure was a partial image until now: the size probe
 * (boards/native/size/main.c) never called the console, the key, temperatures or shell_call, so
 * the linker dropped ~29 KB of firmware a real shell links (117 204 B for the whole image at the
 * session's start, not 88 196). The probe now reaches every entry point; the whole image is
 * 96 404 B after this session's work (no f64, 32-bit addresses, link-time optimisation, text
 * numbers, one instance), the module 79 797 B. */
const BUDGET_WASM_BYTES_NOT_YET_TARGET = 80_000;
const BUDGET_RV32_OS_FLASH_BYTES_NOT_YET_TARGET = 100_000;
/** wasm2c copies every data segment at each power-up with its own inline code (620 once cost 20 KB). */
const MAX_DATA_SEGMENTS = 24; // 18 after issues 20 and 21: static buffers between the tables split them

const wasm = new Uint8Array(fs.readFileSync(path.join(projectRoot, "build", "firmware.wasm")));

test("build/firmware.wasm within its size budget, few data segments", (t) => {
  const size = moduleSize(wasm);
  assert.equal(size.bytes, wasm.length);
  assert.equal(Object.values(size.sections).reduce((a, b) => a + b, 8), wasm.length, "sections add up to the file");
  const budget = Math.max(TARGET_WASM_BYTES, BUDGET_WASM_BYTES_NOT_YET_TARGET);
  t.diagnostic(`firmware.wasm ${size.bytes} B (target ${TARGET_WASM_BYTES} B, ${size.bytes <= TARGET_WASM_BYTES ? "met" : `${size.bytes - TARGET_WASM_BYTES} B over`}); sections ${JSON.stringify(size.sections)}`);
  assert.ok(size.bytes <= budget, `build/firmware.wasm is ${size.bytes} B, over its budget of ${budget} B (target ${TARGET_WASM_BYTES} B)`);
  assert.ok(size.data_segments <= MAX_DATA_SEGMENTS, `${size.data_segments} data segments (at most ${MAX_DATA_SEGMENTS}: merge-data-segments)`);
});

test("rv32imc -Os translation within its flash budget", (t) => {
  const r = spawnSync("sh", [path.join(projectRoot, "boards/native/size.sh"), "-Os"], { cwd: projectRoot, encoding: "utf8" });
  if (r.status === 127) assert.fail(`size:native cannot run: ${r.stderr} (apt-get install gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf wabt)`);
  assert.equal(r.status, 0, r.stderr);
  const elf = r.stdout.trim().split("\n").map((l) => JSON.parse(l)).find((j) => j.file.endsWith("activemeter-Os.elf"));
  assert.ok(elf, `no linked -Os probe in:\n${r.stdout}`);
  const budget = Math.max(TARGET_RV32_OS_FLASH_BYTES, BUDGET_RV32_OS_FLASH_BYTES_NOT_YET_TARGET);
  t.diagnostic(`rv32imc -Os flash ${elf.flash_bytes} B (target ${TARGET_RV32_OS_FLASH_BYTES} B, ${elf.flash_bytes <= TARGET_RV32_OS_FLASH_BYTES ? "met" : `${elf.flash_bytes - TARGET_RV32_OS_FLASH_BYTES} B over`})`);
  assert.ok(elf.flash_bytes <= budget, `rv32imc -Os flash ${elf.flash_bytes} B, over its budget of ${budget} B (target ${TARGET_RV32_OS_FLASH_BYTES} B)`);
});

test("the size probe links every export of the firmware (a probe that skips one measures less than a board ships)", () => {
  const r = spawnSync("sh", [path.join(projectRoot, "boards/native/size.sh"), "-O2"], { cwd: projectRoot, encoding: "utf8" });
  if (r.status === 127) assert.fail(`size:native cannot run: ${r.stderr} (apt-get install gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf wabt)`);
  assert.equal(r.status, 0, r.stderr);
  // Reference: the module's own export list (every fw_* function), read from the .wasm's export names.
  const exports = WebAssembly.Module.exports(new WebAssembly.Module(wasm)).filter((e) => e.kind === "function").map((e) => e.name);
  assert.ok(exports.length > 20 && exports.includes("fw_console_input"), `exports: ${exports.join(" ")}`);
  // -O2 keeps each export a symbol of its own (the -Os image's link-time optimisation inlines them).
  const nm = spawnSync("riscv64-unknown-elf-nm", [path.join(projectRoot, "build/native/rv32imc/activemeter-O2.elf")], { encoding: "utf8" });
  assert.equal(nm.status, 0, nm.stderr);
  const linked = new Set([...nm.stdout.matchAll(/ T Z_firmwareZ_(fw_\w+)$/gm)].map((m) => m[1]));
  const missing = exports.filter((e) => !linked.has(e));
  assert.deepEqual(missing, [], `exports the size probe does not reach: ${missing.join(", ")}`);
});

test("the module has no f64 instruction (the ESP32-C3 has no FPU: f64 would bring back ≈ 8 KB of soft float)", () => {
  // Read from the binary by wabt's disassembler, not from asc's text output.
  const r = spawnSync("wasm-objdump", ["-d", path.join(projectRoot, "build", "firmware.wasm")], { encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.error) assert.fail(`wasm-objdump is not available (apt-get install wabt): ${r.error.message}`);
  assert.equal(r.status, 0, r.stderr);
  const instructions = r.stdout.split("\n").filter((l) => l.includes(" | "));
  assert.ok(instructions.length > 10_000, `disassembly of ${instructions.length} instructions`);
  const f64 = instructions.filter((l) => /\|\s*f64\./.test(l) || /\bf64\.const\b/.test(l));
  assert.deepEqual(f64.slice(0, 5), [], `${f64.length} f64 instructions, e.g. ${f64.slice(0, 3).join(" / ")}`);
});
