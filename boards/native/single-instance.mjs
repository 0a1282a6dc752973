// Rewrites the wasm2c translation (build/native/firmware.c, wabt 1.0.32, after fixed-memory.mjs)
// for the shells' one firmware instance, `shell_firmware` (boards/native/shell.c): the module's
// internal functions no longer take the instance as a parameter, and `instance` names that one
// object. wasm2c passes it to every function, so each of ~2 000 calls moved it into a register
// first (on rv32 a 2-byte `mv` at every call site, ≈ 2.7 KB of the -Os image). The exported
// functions keep their signature (the header is unchanged) and ignore the pointer they are given;
// Z_firmware_instantiate refuses any other instance (a trap), so a second instance cannot
// silently share the first one's state.
// Fails, naming the text it looked for, when another wasm2c version generates something else.
// usage: node boards/native/single-instance.mjs build/native/firmware.c
import fs from "node:fs";

const file = process.argv[2];
if (!file) {
  console.error("usage: single-instance.mjs FIRMWARE.c");
  process.exit(2);
}
let text = fs.readFileSync(file, "utf8");
const MARK = "#define instance (&shell_firmware)";
if (text.includes(MARK)) process.exit(0); // already rewritten

function fail(what) {
  console.error(`single-instance: ${file}: ${what} (another wasm2c version?)`);
  process.exit(1);
}
function replaceCounted(pattern, replacement, what) {
  let n = 0;
  text = text.replace(pattern, (...m) => { n++; return typeof replacement === "function" ? replacement(...m) : replacement; });
  if (n === 0) fail(`no ${what}`);
  return n;
}

// Internal functions: prototypes `static T w2c_x(Z_firmware_instance_t*, …);` and definitions
// `static T w2c_x(Z_firmware_instance_t* instance, …) {` lose the parameter.
replaceCounted(/^(static [\w ]+? w2c_\w+\()Z_firmware_instance_t\*( instance)?(, |\))/gm,
  (_m, head, _name, tail) => head + (tail === ")" ? "void)" : ""), "internal function taking the instance");
// Their calls lose the argument.
replaceCounted(/\b(w2c_(?:f\d+|fw_\w+))\(instance(, |\))/g, (_m, name, tail) => `${name}(${tail === ")" ? ")" : ""}`,
  "call passing the instance");
// Everything else that takes an instance (exports, instantiate, the init helpers) names the
// parameter otherwise, so that `instance` below is the one object.
replaceCounted(/Z_firmware_instance_t\s*\*\s*instance\b/g, "Z_firmware_instance_t* instance_arg", "instance parameter");
const instantiate = "void Z_firmware_instantiate(Z_firmware_instance_t* instance_arg, struct Z_board_instance_t* Z_board_instance) {\n";
if (text.split(instantiate).length !== 2) fail("Z_firmware_instantiate definition");
text = text.replace(instantiate, instantiate + "  if (instance_arg != instance) TRAP(UNREACHABLE); /* the translation has one instance */\n");
const include = '#include "wasm-rt-fixed.h"\n';
if (text.split(include).length !== 2) fail("wasm-rt-fixed.h include (run fixed-memory.mjs first)");
text = text.replace(include, `${include}/* The one instance (boards/native/shell.c); see boards/native/single-instance.mjs. */\n` +
  `extern Z_firmware_instance_t shell_firmware;\n${MARK}\n`);
// No internal call may still pass an instance.
if (/\bw2c_\w+\(instance[,)]/.test(text)) fail("internal call still passing `instance` after the rewrite");
fs.writeFileSync(file, text);
