// The data-segment merge of the release build (host/firmware/merge-data-segments.mjs): few
// segments, and the module's memory at start-up byte for byte what AssemblyScript's own
// segments give (the reference: the same source compiled without the transform).
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import asc from "assemblyscript/asc";
import { projectRoot } from "./support/asc-compile.js";
import { moduleSize } from "../../host/bench/module-size.js";

const transform = await import(pathToFileURL(path.join(projectRoot, "host/firmware/merge-data-segments.mjs")).href);

test("mergeSegments fills small gaps with zeros, keeps large ones, refuses overlaps", () => {
  const seg = (offset: number, bytes: number[]) => ({ offset, data: new Uint8Array(bytes) });
  const out = transform.mergeSegments([seg(40, [9]), seg(0, [1, 2]), seg(4, [3])], 16);
  assert.deepEqual(out.map((s: { offset: number; data: Uint8Array }) => [s.offset, [...s.data]]), [[0, [1, 2, 0, 0, 3]], [40, [9]]]);
  assert.equal(transform.mergeSegments([seg(0, [1]), seg(18, [2])], 16).length, 2, "a 17-byte gap stays a gap");
  assert.throws(() => transform.mergeSegments([seg(0, [1, 2, 3]), seg(2, [4])]), /overlap/);
});

/** The linear memory right after instantiation (data segments applied, start function run). */
async function initialMemory(binary: Uint8Array): Promise<Uint8Array> {
  const board = new Proxy({}, { get: () => () => 0 });
  const { instance } = await WebAssembly.instantiate(binary as Uint8Array<ArrayBuffer>, { board } as WebAssembly.Imports);
  return new Uint8Array((instance.exports.memory as WebAssembly.Memory).buffer).slice();
}

/** The firmware's source compiled with the release options, with or without the transform. */
async function compile(withTransform: boolean): Promise<Uint8Array> {
  const outputs = new Map<string, Uint8Array>();
  // Plain sources keep the console text as UTF-16 strings (the release build packs it as bytes),
  // which needs a second page: both builds get two, so their memories compare like for like.
  const { error } = await asc.main(["assembly/index.ts", "--target", "release", "--outFile", "out.wasm", "--textFile", "", "--baseDir", projectRoot,
    "--initialMemory", "2", "--maximumMemory", "2"], {
    writeFile: (name: string, contents: Uint8Array) => { outputs.set(path.basename(name), contents); },
    stdout: { write: () => true } as never, stderr: { write: () => true } as never,
    transforms: withTransform ? [transform.default] : [],
  } as never);
  assert.ifError(error);
  const binary = outputs.get("out.wasm");
  assert.ok(binary, "module built");
  return binary!;
}

test("merged segments give the memory AssemblyScript's own segments give; build/firmware.wasm has few", async () => {
  const reference = await compile(false);
  const merged = await compile(true);
  const m = moduleSize(merged), r = moduleSize(reference);
  assert.ok(r.data_segments > 50 && m.data_segments <= 24, `segments: ${r.data_segments} -> ${m.data_segments}`);
  assert.equal(m.sections.code, r.sections.code, "code untouched");
  assert.deepEqual(await initialMemory(merged), await initialMemory(reference), "memory at start-up");
  const built = moduleSize(new Uint8Array(fs.readFileSync(path.join(projectRoot, "build", "firmware.wasm"))));
  assert.ok(built.data_segments <= 24, `build/firmware.wasm has ${built.data_segments} data segments: is the transform in npm run build:firmware?`);
});
