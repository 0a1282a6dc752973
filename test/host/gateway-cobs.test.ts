// COBS against the published examples, and the serial de-framer against garbage, chunks cut
// anywhere, and runs without a delimiter.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cobsEncode, cobsDecode, cobsFrame, CobsError } from "../../host/gateway/cobs.js";
import { CobsDeframer, MAX_ENCODED_BYTES } from "../../host/gateway/deframer.js";
import { encodeFrame, testKey, bytesToHex } from "../../host/frame/index.js";
import { Random } from "../../host/sim/random.js";
import { readVectors } from "./support/cli.js";

const fromHex = (hex: string) => Uint8Array.from(hex.match(/../g) ?? [], (b) => parseInt(b, 16));
const vectors = readVectors<{ examples: { name: string; decoded: string; encoded: string }[] }>("cobs.json").examples;

for (const v of vectors) {
  test(`COBS ${v.name}: encodes to the published bytes and decodes back`, () => {
    assert.equal(bytesToHex(cobsFrame(fromHex(v.decoded))), v.encoded);
    const packet = fromHex(v.encoded).subarray(0, v.encoded.length / 2 - 1);
    assert.equal(bytesToHex(cobsDecode(packet)), v.decoded);
  });
}

test("COBS round-trips random data, never emits 0x00, and stays within its overhead bound", () => {
  const random = new Random(21);
  for (let n = 0; n < 3000; n++) {
    const zeros = random.next();
    const data = new Uint8Array(random.int(0, 700)).map(() => (random.next() < zeros ? 0 : random.int(1, 255)));
    const encoded = cobsEncode(data);
    assert.ok(!encoded.includes(0));
    assert.ok(encoded.length <= data.length + Math.ceil(data.length / 254) + 1);
    assert.deepEqual(cobsDecode(encoded), data);
  }
});

test("COBS refuses a zero byte inside a packet and a code that runs past the end", () => {
  assert.throws(() => cobsDecode(Uint8Array.of(0x03, 0x11, 0x00)), CobsError);
  assert.throws(() => cobsDecode(Uint8Array.of(0x05, 0x11, 0x22)), CobsError);
  assert.throws(() => cobsDecode(Uint8Array.of(0x00)), CobsError);
});

function collect(maxEncoded?: number) {
  const frames: string[] = [];
  const problems: string[] = [];
  const deframer = new CobsDeframer({ frame: (b) => frames.push(bytesToHex(b)), problem: (kind) => problems.push(kind) }, maxEncoded);
  return { deframer, frames, problems };
}

const sample = Array.from({ length: 20 }, (_, i) =>
  encodeFrame({ node: 4097 + (i % 3), counter: i + 1, registers: { "pulse1.wh": i * 100.5, "heat1.volume_l": i === 7 ? 0 : 1e6 + i } }, testKey(4097 + (i % 3))));

test("the de-framer finds every frame in a stream cut into chunks of every size", () => {
  const stream = Buffer.concat(sample.map((f) => cobsFrame(f)));
  for (const size of [1, 2, 3, 7, 19, 64, 255, stream.length]) {
    const { deframer, frames, problems } = collect();
    for (let at = 0; at < stream.length; at += size) deframer.push(stream.subarray(at, at + size));
    assert.deepEqual(frames, sample.map(bytesToHex), `chunk size ${size}`);
    assert.deepEqual(problems, []);
    assert.equal(deframer.pending, 0);
  }
});

test("garbage between frames is delivered as packets the gateway will refuse, and loses no frame", () => {
  const random = new Random(5);
  const parts: Uint8Array[] = [];
  for (const f of sample) {
    parts.push(new Uint8Array(random.int(0, 40)).map(() => random.int(0, 255)), Uint8Array.of(0));
    parts.push(cobsFrame(f));
  }
  const { deframer, frames, problems } = collect();
  const stream = Buffer.concat(parts);
  for (let at = 0; at < stream.length;) {
    const n = random.int(1, 50);
    deframer.push(stream.subarray(at, at + n));
    at += n;
  }
  for (const f of sample) assert.ok(frames.includes(bytesToHex(f)), "a frame was lost to the garbage");
  assert.ok(problems.every((p) => p === "cobs_invalid"));
});

test("a run without a delimiter longer than any frame is discarded once, then the stream resynchronises", () => {
  const { deframer, frames, problems } = collect();
  deframer.push(new Uint8Array(5000).fill(0x42));
  assert.deepEqual(frames, []);
  deframer.push(Uint8Array.of(0));
  assert.deepEqual(problems, ["overlong"]);
  deframer.push(cobsFrame(sample[0]));
  assert.deepEqual(frames, [bytesToHex(sample[0])]);
  // The longest legal packet still passes.
  const { deframer: d2, frames: f2, problems: p2 } = collect();
  const packet = new Uint8Array(MAX_ENCODED_BYTES).fill(0x01);
  d2.push(packet);
  d2.push(Uint8Array.of(0));
  assert.equal(f2.length, 1);
  assert.deepEqual(p2, []);
});

test("idle delimiters (0x00 0x00 ...) are not packets", () => {
  const { deframer, frames, problems } = collect();
  deframer.push(new Uint8Array(100));
  deframer.push(cobsFrame(sample[1]));
  deframer.push(new Uint8Array(3));
  assert.deepEqual(frames, [bytesToHex(sample[1])]);
  assert.deepEqual(problems, []);
});
