// Cost of the frame MAC: time per AES-128-CMAC of a 52-byte message (a full esp32-devkitc
// report without its tag) in the firmware's wasm and in the host TypeScript, and the code
// and data bytes the crypto adds to a release-option module. Prints one JSON object.
//
//   npx tsc -p . && node build/ts/host/bench/cmac-bench.js
import asc from "assemblyscript/asc";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { compileHarness, projectRoot } from "../../test/host/support/asc-compile.js";
import { AesCmac, cmac } from "../crypto/cmac.js";

const MESSAGE_BYTES = 52;

/** Mean nanoseconds per call of `run(iterations)`, best of `rounds`, after a warm-up. */
function nsPerOp(run: (iterations: number) => void, iterations: number, rounds = 5): number {
  run(Math.max(1, iterations >> 3));
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint();
    run(iterations);
    best = Math.min(best, Number(process.hrtime.bigint() - start) / iterations);
  }
  return Math.round(best * 10) / 10;
}

// --- size: a probe module using the crypto as the firmware will, minus an empty twin ---

const PROBE_CRYPTO = `
import "./assembly/abi/panic";
import { cmacLoadKey, cmacCompute8, cmacVerify8 } from "./assembly/crypto/cmac";
export function loadKey(keyPtr: usize): void { cmacLoadKey(keyPtr); }
export function mac8(msgPtr: usize, len: u32, outPtr: usize): void { cmacCompute8(msgPtr, len, outPtr); }
export function verify8(msgPtr: usize, len: u32, tagPtr: usize): bool { return cmacVerify8(msgPtr, len, tagPtr); }
`;
// Same exports, and the same abort-to-panic path, without the crypto.
const PROBE_BASELINE = `
import "./assembly/abi/panic";
export function loadKey(keyPtr: usize): void { assert(keyPtr != 1, "x"); }
export function mac8(msgPtr: usize, len: u32, outPtr: usize): void { store<u8>(outPtr, len); }
export function verify8(msgPtr: usize, len: u32, tagPtr: usize): bool { return len == <u32>tagPtr; }
`;

interface SectionSizes { totalBytes: number; codeSectionBytes: number; dataSectionBytes: number }

function sectionSizes(wasm: Uint8Array): SectionSizes {
  const leb = (at: number): [number, number] => {
    let value = 0, shift = 0, i = at;
    for (;;) {
      const b = wasm[i++];
      value |= (b & 0x7f) << shift;
      shift += 7;
      if (!(b & 0x80)) return [value >>> 0, i];
    }
  };
  const sizes: SectionSizes = { totalBytes: wasm.length, codeSectionBytes: 0, dataSectionBytes: 0 };
  for (let at = 8; at < wasm.length;) {
    const id = wasm[at];
    const [size, body] = leb(at + 1);
    if (id === 10) sizes.codeSectionBytes = size;
    if (id === 11) sizes.dataSectionBytes = size;
    at = body + size;
  }
  return sizes;
}

async function compileProbe(source: string): Promise<SectionSizes> {
  return sectionSizes(await compileProbeBinary(source));
}

async function compileProbeBinary(source: string): Promise<Uint8Array> {
  const outputs = new Map<string, Uint8Array | string>();
  const stderr: string[] = [];
  const { error } = await asc.main(
    ["probe.ts", "--runtime", "stub", "-O3", "--shrinkLevel", "1", "--initialMemory", "1", "--maximumMemory", "1",
      "--use", "abort=assembly/abi/panic/abortToPanic", "--baseDir", projectRoot,
      // A config file that does not exist: keeps asconfig.json's entries (the firmware) out of the probe.
      "--config", "no-asconfig-for-size-probe.json", "--outFile", "probe.wasm"],
    {
      readFile: async (name: string, baseDir: string) => {
        if (name === "probe.ts") return source;
        try { return await readFile(path.resolve(baseDir, name), "utf8"); } catch { return null; }
      },
      writeFile: (name: string, contents: Uint8Array | string) => { outputs.set(path.basename(name), contents); },
      listFiles: () => [],
      stderr: { write: (s: string) => { stderr.push(String(s)); return true; } } as any,
      stdout: { write: () => true } as any,
    } as any,
  );
  if (error) throw new Error(`size probe failed: ${error.message}\n${stderr.join("")}`);
  return outputs.get("probe.wasm") as Uint8Array;
}

// --- executed wasm instructions, counted by instrumenting the probe with binaryen ---

const PROBE_COUNT = `
import "./assembly/abi/panic";
import { aesEncryptBlock } from "./assembly/crypto/aes128";
import { cmacLoadKey, cmacCompute, cmacVerify8 } from "./assembly/crypto/cmac";
export function loadKey(keyPtr: usize): void { cmacLoadKey(keyPtr); }
export function mac(msgPtr: usize, len: u32, outPtr: usize): void { cmacCompute(msgPtr, len, outPtr); }
export function verify8(msgPtr: usize, len: u32, tagPtr: usize): bool { return cmacVerify8(msgPtr, len, tagPtr); }
export function block(inPtr: usize, outPtr: usize): void { aesEncryptBlock(inPtr, outPtr); }
`;

/**
 * Adds a global i64 counter `icount` bumped at the top of every block by the number of
 * wasm instructions in that block's statements (not counting nested block bodies, which
 * count themselves). Exits in the middle of a block overcount slightly; an estimate, not
 * a cycle count.
 */
async function instrumentForInstructionCount(wasm: Uint8Array): Promise<Uint8Array> {
  const binaryen: any = (await import("binaryen")).default;
  const m = binaryen.readBinary(wasm);
  const ids = binaryen;
  const childFields = ["value", "left", "right", "ptr", "condition", "operands", "size", "delta", "dest", "source", "target"];
  const isBody = (id: number) => id === ids.BlockId || id === ids.LoopId;
  const wrap = (e: number) => (e && binaryen.getExpressionInfo(e).id !== ids.BlockId ? m.block(null, [e], binaryen.getExpressionType(e)) : e);
  // Instructions executed when `e` runs, excluding bodies of nested blocks/loops/if arms.
  const flat = (e: number): number => {
    if (!e) return 0;
    const info = binaryen.getExpressionInfo(e);
    if (isBody(info.id)) return 0;
    if (info.id === ids.IfId) return 1 + flat(info.condition);
    if (info.id === ids.ConstId) return 1; // its "value" is the literal, not a child
    let n = 1;
    for (const f of childFields) {
      const v = info[f];
      if (Array.isArray(v)) for (const c of v) n += flat(c);
      else if (typeof v === "number" && f !== "target") n += flat(v);
    }
    return n;
  };
  const visit = (e: number): void => {
    if (!e) return;
    const info = binaryen.getExpressionInfo(e);
    if (info.id === ids.BlockId) {
      const children: number[] = info.children;
      for (const c of children) visit(c);
      const n = children.reduce((sum, c) => sum + flat(c), 0);
      binaryen.Block.insertChildAt(e, 0,
        m.global.set("icount", m.i64.add(m.global.get("icount", binaryen.i64), m.i64.const(n, 0))));
      return;
    }
    if (info.id === ids.LoopId) {
      const body = wrap(info.body);
      binaryen.Loop.setBody(e, body);
      visit(body);
      return;
    }
    if (info.id === ids.IfId) {
      visit(info.condition);
      const t = wrap(info.ifTrue);
      binaryen.If.setIfTrue(e, t);
      visit(t);
      if (info.ifFalse) {
        const f = wrap(info.ifFalse);
        binaryen.If.setIfFalse(e, f);
        visit(f);
      }
      return;
    }
    if (info.id === ids.ConstId) return;
    for (const f of childFields) {
      const v = info[f];
      if (Array.isArray(v)) v.forEach(visit);
      else if (typeof v === "number" && f !== "target") visit(v);
    }
  };
  m.setFeatures(m.getFeatures() | binaryen.Features.MutableGlobals | binaryen.Features.BulkMemory | binaryen.Features.SignExt);
  m.addGlobal("icount", binaryen.i64, true, m.i64.const(0, 0));
  m.addGlobalExport("icount", "icount");
  for (let i = 0; i < m.getNumFunctions(); i++) {
    const fn = m.getFunctionByIndex(i);
    const fi = binaryen.getFunctionInfo(fn);
    if (!fi.body) continue; // import
    const body = wrap(fi.body);
    binaryen.Function.setBody(fn, body);
    visit(body);
  }
  if (!m.validate()) throw new Error("instrumented module does not validate");
  const out = m.emitBinary();
  m.dispose();
  return out;
}

async function countInstructions(key: Uint8Array, message: Uint8Array): Promise<Record<string, number>> {
  const wasm = await instrumentForInstructionCount(await compileProbeBinary(PROBE_COUNT));
  let memory!: WebAssembly.Memory;
  const board = { panic: () => { throw new Error("panic in instruction-count probe"); } };
  const { instance } = await WebAssembly.instantiate(wasm as Uint8Array<ArrayBuffer>, { board } as WebAssembly.Imports);
  const x = instance.exports as any;
  memory = x.memory;
  const io = 32768; // free RAM above the probe's static data
  new Uint8Array(memory.buffer).set(key, io);
  new Uint8Array(memory.buffer).set(message, io + 64);
  const counted = (run: () => void): number => {
    x.icount.value = 0n;
    run();
    return Number(x.icount.value);
  };
  const keyLoad = counted(() => x.loadKey(io));
  const cmacOnce = counted(() => x.mac(io + 64, message.length, io + 16));
  const tag = new Uint8Array(memory.buffer, io + 16, 16);
  if (Buffer.compare(tag, cmac(key, message)) !== 0) throw new Error("instrumented probe computed a wrong CMAC");
  let accepted = 0;
  const verifyOnce = counted(() => { accepted = x.verify8(io + 64, message.length, io + 16); });
  if (accepted !== 1) throw new Error("instrumented probe rejected a good tag");
  const aesBlock = counted(() => x.block(io + 32, io + 32));
  return { keyLoad, cmac: cmacOnce, verify8: verifyOnce, aesBlock };
}

export async function benchCmac(): Promise<Record<string, unknown>> {
  const message = new Uint8Array(MESSAGE_BYTES).map((_, i) => (i * 37 + 11) & 0xff);
  const key = new Uint8Array(16).map((_, i) => 0xa0 + i);

  const h = await compileHarness("test/harness/cmac.ts");
  const io: number = h.exports.ioBufferPtr();
  const mem = () => new Uint8Array(h.memory.buffer);
  mem().set(key, io);
  h.exports.loadKey(io);
  mem().set(message, io + 64);
  const wasmCmacNs = nsPerOp((n) => h.exports.computeRepeated(io + 64, MESSAGE_BYTES, io + 16, n), 200_000);
  const wasmBlockNs = nsPerOp((n) => h.exports.encryptRepeated(io + 32, io + 32, n), 500_000);
  const wasmKeyLoadNs = nsPerOp((n) => { for (let i = 0; i < n; i++) h.exports.loadKey(io); }, 100_000);
  const wasmVerifyNs = nsPerOp((n) => { for (let i = 0; i < n; i++) h.exports.verify8(io + 64, MESSAGE_BYTES, io + 16); }, 200_000);

  const host = new AesCmac(key);
  const hostMacNs = nsPerOp((n) => { for (let i = 0; i < n; i++) host.mac(message); }, 500_000);
  const hostVerifyNs = nsPerOp((n) => { const tag = host.mac64(message); for (let i = 0; i < n; i++) host.verify64(message, tag); }, 500_000);
  const hostOneShotNs = nsPerOp((n) => { for (let i = 0; i < n; i++) cmac(key, message); }, 200_000);

  const [withCrypto, baseline] = await Promise.all([compileProbe(PROBE_CRYPTO), compileProbe(PROBE_BASELINE)]);
  const wasmInstructions = await countInstructions(key, message);

  return {
    messageBytes: MESSAGE_BYTES,
    aesBlocksPerCmac: Math.max(1, Math.ceil(MESSAGE_BYTES / 16)),
    node: process.version,
    wasmInstructionsExecuted: wasmInstructions,
    wasm: {
      nsPerCmac: wasmCmacNs,
      nsPerVerify8: wasmVerifyNs,
      nsPerAesBlock: wasmBlockNs,
      nsPerKeyLoad: wasmKeyLoadNs,
      note: "V8 JIT on this machine; on the device, multiply wasmInstructionsExecuted by the runtime's cycles per wasm instruction",
    },
    host: {
      nsPerMacCachedKey: hostMacNs,
      nsPerVerify64CachedKey: hostVerifyNs,
      verify64PerSecond: Math.round(1e9 / hostVerifyNs),
      nsPerOneShotCmac: hostOneShotNs,
    },
    size: {
      withCrypto,
      baseline,
      cryptoCodeBytes: withCrypto.codeSectionBytes - baseline.codeSectionBytes,
      cryptoDataSegmentBytes: withCrypto.dataSectionBytes - baseline.dataSectionBytes,
      cryptoModuleBytes: withCrypto.totalBytes - baseline.totalBytes,
      // From the memory.data declarations: S-box 256 (initialised, in the data segment),
      // key schedules 2 x 176, slot generations 8, AES state 2 x 16, CMAC subkeys 2 x 32,
      // subkey generations 8, chain 16, full tag 16 (zeroed RAM, not in the binary).
      staticRamBytes: 256 + 352 + 8 + 32 + 64 + 8 + 16 + 16,
    },
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.log(JSON.stringify(await benchCmac(), null, 2));
}
