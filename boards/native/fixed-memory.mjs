// Rewrites the wasm2c translation (build/native/firmware.c, wabt 1.0.32) for the shell's fixed
// linear memory (wasm-rt-fixed.h): bounds checks against a constant size, loads and stores straight
// into the static array. Fails, naming the text it looked for, when another wasm2c version
// generates something else, so a build never silently keeps the slow or a wrong form.
// usage: node boards/native/fixed-memory.mjs build/native/firmware.c
import fs from "node:fs";

const file = process.argv[2];
if (!file) {
  console.error("usage: fixed-memory.mjs FIRMWARE.c");
  process.exit(2);
}
let text = fs.readFileSync(file, "utf8");
if (text.includes("wasm-rt-fixed.h")) process.exit(0); // already rewritten
const rewrites = [
  // RANGE_CHECK: every memory is the shell's one, of SHELL_MEMORY_BYTES.
  ["if (UNLIKELY(offset + (uint64_t)len > mem->size))", "if (UNLIKELY(SHELL_OUT_OF_BOUNDS(offset, len)))", 1],
  // DEFINE_LOAD / DEFINE_STORE (little-endian branch).
  ["wasm_rt_memcpy(&result, &mem->data[addr], sizeof(t1));", "SHELL_LOAD(result, addr, t1);", 1],
  ["wasm_rt_memcpy(&mem->data[addr], &wrapped, sizeof(t1));", "SHELL_STORE(addr, wrapped, t1);", 1],
  // f64 rounding on the bits (wasm-rt-fixed.h): picolibc's rv32 ceil() is wrong for large values.
  ["  return floor(x);\n", "  return SHELL_FLOOR(x);\n", 1],
  ["  return ceil(x);\n", "  return SHELL_CEIL(x);\n", 1],
  ["  return trunc(x);\n", "  return SHELL_TRUNC(x);\n", 1],
];
for (const [from, to, count] of rewrites) {
  const found = text.split(from).length - 1;
  if (found !== count) {
    console.error(`fixed-memory: ${file}: expected ${count}× '${from}', found ${found} (another wasm2c version?)`);
    process.exit(1);
  }
  text = text.split(from).join(to);
}
// Globals: wasm2c stores every initial value, ~170 of them zero (a store each, ~0.7 KB of rv32
// code). The instance is zeroed once at instantiation instead, and only the others are stored.
{
  const start = text.indexOf("static void init_globals(");
  const end = text.indexOf("\n}\n", start);
  const call = "  init_instance_import(instance, Z_board_instance);\n  init_globals(instance);\n";
  if (start < 0 || end < 0 || text.split(call).length !== 2) {
    console.error(`fixed-memory: ${file}: no init_globals / instantiate sequence (another wasm2c version?)`);
    process.exit(1);
  }
  // Zero constants only: i32 "0u", i64 "0ull", f32/f64 "0" (+0.0, all bits zero; -0.0 prints "-0").
  const body = text.slice(start, end).replace(/^  instance->w2c_g\d+ = 0(u|ull)?;\n/gm, "");
  text = text.slice(0, start) + body + text.slice(end);
  text = text.replace(call, "  memset(instance, 0, sizeof *instance); /* every global starts zero unless init_globals says */\n" + call);
}
// Accesses without an offset (~1 000 of them): a 32-bit address. wasm2c passes every address as
// u64, so on rv32 each call also loaded a zero high word and the check compared 64 bits. An
// address of u32 plus nothing cannot wrap, so the same check against the same size holds. The
// accesses with an offset keep the u64 form (address + offset may exceed 2^32 and must trap).
{
  const last = "DEFINE_STORE(i64_store32, u32, u64)\n";
  if (text.split(last).length !== 2) {
    console.error(`fixed-memory: ${file}: no '${last.trim()}' line (another wasm2c version?)`);
    process.exit(1);
  }
  const names = [...text.matchAll(/^DEFINE_(LOAD|STORE)\((\w+), \w+, (\w+)(?:, (\w+))?\)$/gm)];
  const wrappers = names.map(([, kind, name, t2, t3]) => kind === "LOAD"
    ? `static inline ${t3} ${name}_a32(wasm_rt_memory_t* mem, u32 addr) { return ${name}(mem, addr); }`
    : `static inline void ${name}_a32(wasm_rt_memory_t* mem, u32 addr, ${t2} value) { ${name}(mem, addr, value); }`);
  text = text.replace(last, last + wrappers.join("\n") + "\n");
  const before = text.length;
  text = text.replace(/\b(i(?:32|64)_(?:load|store)\w*)\(&instance->w2c_memory, \(u64\)\((w2c_\w+)\)([,)])/g,
    "$1_a32(&instance->w2c_memory, $2$3");
  if (text.length === before) {
    console.error(`fixed-memory: ${file}: no '(u64)(w2c_…)' memory access (another wasm2c version?)`);
    process.exit(1);
  }
}
// Function types are registered only for call_indirect's signature check. The firmware makes no
// indirect call (no table): registering its ~70 types cost ~1 KB of rv32 code and 1.1 KB of RAM.
{
  const register = "  init_func_types();\n";
  if (text.split(register).length !== 2) {
    console.error(`fixed-memory: ${file}: no '${register.trim()}' call (another wasm2c version?)`);
    process.exit(1);
  }
  const indirectCalls = text.split("CALL_INDIRECT(").length - 1 - 1; // minus the macro's definition
  if (indirectCalls === 0) text = text.replace(register, "  /* init_func_types(): no call_indirect in the module, no type to check */\n");
}
text = text.replace('#include "firmware.h"\n', '#include "firmware.h"\n#include "wasm-rt-fixed.h"\n');
if (!text.includes("wasm-rt-fixed.h")) {
  console.error(`fixed-memory: ${file}: no '#include "firmware.h"' line`);
  process.exit(1);
}
fs.writeFileSync(file, text);
