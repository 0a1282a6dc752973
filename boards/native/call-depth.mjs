// Decides whether the translation needs wasm2c's call-depth counter. The counter (a global
// increment, compare and decrement in every function: 8 KB of rv32 code at -Os) only guards
// against unbounded recursion. When the module's call graph has no cycle and no call_indirect,
// its deepest call chain is a fixed number and the counter can never fire: then it is left out
// and the depth is printed (the C stack a chip needs is that many frames).
// usage: node boards/native/call-depth.mjs build/firmware.wasm OUT.flags   (needs wasm-objdump: wabt)
import fs from "node:fs";
import { execFileSync } from "node:child_process";

const [wasm, outFile] = process.argv.slice(2);
if (!outFile) {
  console.error("usage: call-depth.mjs FIRMWARE.wasm OUT.flags");
  process.exit(2);
}
const text = execFileSync("wasm-objdump", ["-d", wasm], { encoding: "utf8", maxBuffer: 256 << 20 });
const calls = new Map();
let current = null;
let indirect = false;
for (const line of text.split("\n")) {
  const f = /^[0-9a-f]+ func\[(\d+)\]/.exec(line);
  if (f) {
    current = Number(f[1]);
    calls.set(current, new Set());
    continue;
  }
  if (current === null) continue;
  const c = /\| call (\d+)/.exec(line);
  if (c) calls.get(current).add(Number(c[1]));
  if (/\| (call_indirect|return_call)/.test(line)) indirect = true;
}
if (calls.size === 0) throw new Error(`call-depth: no functions found in wasm-objdump -d ${wasm}`);

// Longest chain by depth-first search; a function met again on the current path is a cycle.
const depth = new Map();
const onPath = new Set();
let cycle = null;
function longest(fn) {
  if (depth.has(fn)) return depth.get(fn);
  if (onPath.has(fn)) {
    cycle ??= fn;
    return 0;
  }
  onPath.add(fn);
  let d = 0;
  for (const callee of calls.get(fn) ?? []) d = Math.max(d, longest(callee));
  onPath.delete(fn);
  depth.set(fn, d + 1);
  return d + 1;
}
let max = 0;
for (const fn of calls.keys()) max = Math.max(max, longest(fn));

const bounded = !indirect && cycle === null;
fs.writeFileSync(outFile, bounded ? "-DWASM_RT_USE_STACK_DEPTH_COUNT=0\n" : "\n");
console.error(bounded
  ? `call-depth: no recursion, no call_indirect: deepest call chain ${max} functions; call-depth counter left out`
  : `call-depth: ${indirect ? "call_indirect" : `recursion through func[${cycle}]`}: the call-depth counter stays on`);
