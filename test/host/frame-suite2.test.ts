// Suite 2 (encrypted frames) and the versioned keyring: the host codec against the golden
// frames of tools/gen-frame-vectors.py (Python `cryptography`: KBKDFCMAC, AES-CTR, CMAC), its
// AES-CTR against node:crypto (OpenSSL), and every way a frame or a keyring file can be wrong.
import { test } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import {
  decodeFrame, decodeFrameHeader, encodeFrame, hexToBytes, bytesToHex, FrameError, Keyring, TestKeys, KeyringWithTestKeys,
  testKey, deriveFrameKeys, frameNonce, FrameKey, TEST_KEY_CACHE_NODES,
} from "../../host/frame/index.js";
import { Aes128 } from "../../host/crypto/aes128.js";
import { aes128Ctr } from "../../host/crypto/ctr.js";
import { readVectors } from "./support/cli.js";
import { Random } from "../../host/sim/random.js";

interface Vector {
  name: string; hex: string; key: string; key_version: number; k_enc: string; k_mac: string; nonce: string; plaintext: string;
  decoded: { node: number; counter: number; status: number; event_counter: number; key_version: number; registers: Record<string, number> };
}
const vectors = readVectors<{ encrypted: Vector[] }>("frames.json").encrypted;
const byName = (name: string) => vectors.find((v) => v.name === name)!;

function ringOf(vs: Vector[]): Keyring {
  const ring = new Keyring();
  for (const v of vs) ring.set(v.decoded.node, hexToBytes(v.key), v.key_version);
  return ring;
}

test("there are suite 2 vectors for the test key, own keys, key versions of 1, 2 and 5 bytes, zeros and 18 registers", () => {
  assert.ok(vectors.length >= 7);
  assert.deepEqual(new Set(vectors.map((v) => v.key_version)), new Set([1, 2, 300, 4294967295]));
});

for (const v of vectors) {
  test(`encrypted golden frame '${v.name}': keys, nonce, decryption and encoding byte for byte`, () => {
    const { enc, mac } = deriveFrameKeys(hexToBytes(v.key), v.decoded.node, v.key_version);
    assert.equal(bytesToHex(enc), v.k_enc);
    assert.equal(bytesToHex(mac), v.k_mac);
    assert.equal(bytesToHex(frameNonce(v.decoded.node, v.key_version, v.decoded.counter)), v.nonce);
    const frame = decodeFrame(hexToBytes(v.hex), { keys: ringOf([v]), requireAuthentication: true });
    assert.equal(frame.suite, "aes128-ctr-cmac64");
    assert.equal(frame.authenticated, true);
    assert.equal(frame.encrypted, true);
    assert.equal(frame.key_version, v.key_version);
    assert.deepEqual([frame.node, frame.counter, frame.status, frame.event_counter], [v.decoded.node, v.decoded.counter, v.decoded.status, v.decoded.event_counter]);
    assert.deepEqual(frame.registers, v.decoded.registers);
    assert.equal(bytesToHex(encodeFrame(v.decoded, hexToBytes(v.key), { keyVersion: v.key_version })), v.hex);
    // The payload bytes never appear in clear.
    assert.ok(!v.hex.includes(v.plaintext.slice(0, 12)));
  });
}

test("sizes: four registers near 10 MWh <= 40 bytes, the full 9-register esp32-devkitc report <= 62", () => {
  const four = hexToBytes(byName("enc-four-registers-10mwh").hex);
  const full = hexToBytes(byName("enc-devkitc-full-20-years").hex);
  assert.ok(four.length <= 40, `${four.length}`);
  assert.ok(full.length <= 62, `${full.length}`);
  assert.deepEqual([four.length, full.length], [37, 59]);
});

test("a zero register is carried and decoded as 0", () => {
  const v = byName("enc-zero-register");
  const frame = decodeFrame(hexToBytes(v.hex), { keys: ringOf([v]) });
  assert.deepEqual(frame.registers, { "pulse1.wh": 0, "pulse2.wh": 0.1 });
  const crc = decodeFrame(encodeFrame({ node: 9, counter: 1, registers: { "ct1.import_wh": 0 } }));
  assert.deepEqual(crc.registers, { "ct1.import_wh": 0 });
});

test("AES-128-CTR equals node:crypto's aes-128-ctr (OpenSSL) for random keys, counters and lengths", () => {
  const random = new Random(5);
  for (let n = 0; n < 300; n++) {
    const key = crypto.randomBytes(16);
    const iv = crypto.randomBytes(16);
    if (n % 3 === 0) iv.fill(0xff, 12); // a carry through the block counter into the frame counter bytes
    const data = crypto.randomBytes(random.int(0, 260));
    const expected = crypto.createCipheriv("aes-128-ctr", key, iv).update(data);
    assert.equal(bytesToHex(aes128Ctr(new Aes128(key), iv, data)), expected.toString("hex"), `case ${n}`);
  }
});

test("without the key: the header only (node, key version, counter), marked encrypted; never values", () => {
  const v = byName("enc-own-key-version-2");
  const bytes = hexToBytes(v.hex);
  assert.deepEqual(decodeFrameHeader(bytes), { version: 1, suite: "aes128-ctr-cmac64", node: 77, key_version: 2, counter: 42, encrypted: true });
  assert.throws(() => decodeFrame(bytes), (e) => e instanceof FrameError && e.reason === "unknown_node");
  const other = new Keyring();
  other.set(77, hexToBytes(v.key), 1);
  assert.throws(() => decodeFrame(bytes, { keys: other }), (e) => e instanceof FrameError && e.reason === "unknown_key_version" && /no key version 2 for node 77 \(the keyring has version 1\)/.test(e.message));
  const wrong = new Keyring();
  wrong.set(77, testKey(77), 2);
  assert.throws(() => decodeFrame(bytes, { keys: wrong }), (e) => e instanceof FrameError && e.reason === "mac_mismatch");
  assert.throws(() => decodeFrame(bytes, { keys: new TestKeys() }), (e) => e instanceof FrameError && e.reason === "unknown_key_version");
});

test("every bit flip, truncation and extension of every encrypted golden frame is refused", () => {
  const keys = ringOf(vectors);
  for (const v of vectors) {
    const bytes = hexToBytes(v.hex);
    for (let bit = 0; bit < bytes.length * 8; bit++) {
      const copy = bytes.slice();
      copy[bit >> 3] ^= 1 << (bit & 7);
      assert.throws(() => decodeFrame(copy, { keys }), FrameError, `${v.name} bit ${bit}`);
    }
    for (let len = 0; len < bytes.length; len++) assert.throws(() => decodeFrame(bytes.subarray(0, len), { keys }), FrameError);
    const longer = new Uint8Array(bytes.length + 1);
    longer.set(bytes);
    assert.throws(() => decodeFrame(longer, { keys }), FrameError);
  }
});

test("a frame re-labelled with another key version, or moved to another node, does not verify", () => {
  const ring = new Keyring();
  const key = hexToBytes("000102030405060708090a0b0c0d0e0f");
  ring.set(5, key, 1);
  ring.set(5, key, 2); // the same key under two versions: the version is in the KDF and the nonce
  ring.set(6, key, 1);
  const f = encodeFrame({ node: 5, counter: 9, registers: { "pulse1.wh": 12 } }, key, { keyVersion: 1 });
  assert.equal(decodeFrame(f, { keys: ring }).key_version, 1);
  const relabelled = f.slice();
  relabelled[3] = 2;
  assert.throws(() => decodeFrame(relabelled, { keys: ring }), /MAC mismatch for node 5 key version 2/);
  const moved = f.slice();
  moved[2] = 6;
  assert.throws(() => decodeFrame(moved, { keys: ring }), /MAC mismatch for node 6/);
  const v2 = encodeFrame({ node: 5, counter: 9, registers: { "pulse1.wh": 12 } }, key, { keyVersion: 2 });
  assert.notEqual(bytesToHex(v2.subarray(5)), bytesToHex(f.subarray(5)), "another version, another keystream and tag");
});

test("suite 1 (old nodes) still decodes, with any version of the node's key; suite 0 never for a node with a key", () => {
  const ring = new Keyring();
  ring.set(8, testKey(8), 1);
  ring.set(8, hexToBytes("00112233445566778899aabbccddeeff"), 2);
  const old = encodeFrame({ node: 8, counter: 3, registers: { "pulse1.wh": 1 } }, testKey(8), { suite: 1 });
  assert.equal(decodeFrame(old, { keys: ring }).suite, "aes128-cmac64");
  const crc = encodeFrame({ node: 8, counter: 4, registers: { "pulse1.wh": 1 } });
  assert.throws(() => decodeFrame(crc, { keys: ring, requireAuthentication: false }), (e) => e instanceof FrameError && e.reason === "unauthenticated");
  assert.equal(decodeFrame(encodeFrame({ node: 9, counter: 4, registers: {} }), { keys: ring }).authenticated, false);
});

test("keyring: versioned entries and the old format; rotation keeps both versions", () => {
  const text = `{
  "keys": {
    "4097": { "1": "6163746976656d657465723a00001001", "2": "5f3a9c0e11d2b4a68790cafe0badf00d" },
    "77": "2b7e151628aed2a6abf7158809cf4f3c"
  }
}`;
  const ring = Keyring.parse(text);
  assert.equal(ring.size, 2);
  assert.equal(ring.keyCount, 3);
  assert.deepEqual(ring.keysOf(4097).map((k) => k.version), [2, 1]);
  assert.ok(ring.keyFor(77, 1)!.sameKey(hexToBytes("2b7e151628aed2a6abf7158809cf4f3c")));
  assert.equal(ring.keyFor(77, 2), undefined);
  const v1 = encodeFrame({ node: 4097, counter: 10, registers: { "pulse1.wh": 5 } }, testKey(4097), { keyVersion: 1 });
  const v2 = encodeFrame({ node: 4097, counter: 11, registers: { "pulse1.wh": 6 } }, hexToBytes("5f3a9c0e11d2b4a68790cafe0badf00d"), { keyVersion: 2 });
  assert.equal(decodeFrame(v1, { keys: ring }).key_version, 1);
  assert.equal(decodeFrame(v2, { keys: ring }).key_version, 2);
});

test("keyring files with bad JSON or bad keys are refused with the line and the reason", () => {
  const cases: [string, RegExp][] = [
    ['{\n  "keys": {\n    "1": "000102030405060708090a0b0c0d0e0f"\n    "2": "000102030405060708090a0b0c0d0e0f"\n  }\n}', /: f: line 4: not valid JSON: expected ',' or '}' after the value of "1", found '"'$/],
    ['{\n  "keys": {\n    "1": "000102030405060708090a0b0c0d0e0g"\n  }\n}', /: f: line 3: the key of node 1 must be a string of 32 hex digits \(16 bytes\), got 32 characters, not all hex digits$/],
    ['{\n  "keys": {\n    "4097": {\n      "1": "00010203",\n      "2": "000102030405060708090a0b0c0d0e0f"\n    }\n  }\n}', /: f: line 4: the key of node 4097 version 1 must be a string of 32 hex digits \(16 bytes\), got 8 characters$/],
    ['{"keys": {\n"5": {"0": "000102030405060708090a0b0c0d0e0f"}}}', /: f: line 2: node 5: "0" is not a key version/],
    ['{"keys": {\n"5": {}}}', /: f: line 2: node 5 has no key versions$/],
    ['{"keys": {\n"5": 12}}', /: f: line 2: node 5: expected a key .* got a number$/],
    ['{"keys": {\n"5": "000102030405060708090a0b0c0d0e0f",\n"5": "000102030405060708090a0b0c0d0e0f"}}', /: f: line 3: not valid JSON: "5" appears twice in the same object$/],
    ['{"keys": {\n"0": "000102030405060708090a0b0c0d0e0f"}}', /: f: line 2: "0" is not a node id/],
    ['{"keys": {\n"4294967295": "000102030405060708090a0b0c0d0e0f"}}', /: f: line 2: "4294967295" is not a node id/],
    ['\n\n{"keys": {"1": "000102030405060708090a0b0c0d0e0f"}', /: f: line 3: not valid JSON: expected ',' or '}' after the value of "keys", found end of file$/],
    ["", /: f: line 1: not valid JSON: expected a JSON value, found end of file$/],
    ['{"keys": {"1": "000102030405060708090a0b0c0d0e0f"}} x', /: f: line 1: not valid JSON: unexpected 'x' after the end/],
    ['{"keys": []}', /: f: line 1: "keys" must be an object/],
    ['{"kyes": {}}', /: f: line 1: unknown entry "kyes"/],
  ];
  for (const [text, message] of cases) assert.throws(() => Keyring.parse(text, "f"), message, text);
});

test("test keys: only for version 1, only when asked for, and a bounded cache over a million node ids", () => {
  const t = new TestKeys();
  for (let node = 1; node <= 1_000_000; node += 97) t.keyFor(node, 1);
  assert.ok(t.cachedNodes <= TEST_KEY_CACHE_NODES, `${t.cachedNodes}`);
  assert.equal(t.keyFor(5, 2), undefined);
  assert.equal(t.keyFor(0, 1), undefined);
  // A node in the keyring is never verified with its public test key, even with --test-keys.
  const ring = new Keyring();
  ring.set(4097, hexToBytes("5f3a9c0e11d2b4a68790cafe0badf00d"), 2);
  const both = new KeyringWithTestKeys(ring);
  const forged = encodeFrame({ node: 4097, counter: 2 ** 32 - 1, registers: { "pulse1.wh": 1e6 } }, testKey(4097));
  assert.throws(() => decodeFrame(forged, { keys: both }), (e) => e instanceof FrameError && e.reason === "unknown_key_version");
  assert.equal(decodeFrame(encodeFrame({ node: 4098, counter: 1, registers: {} }, testKey(4098)), { keys: both }).authenticated, true);
});

test("encodeFrame refuses a FrameKey of another node and key version 0", () => {
  assert.throws(() => encodeFrame({ node: 5, counter: 1, registers: {} }, new FrameKey(6, 1, testKey(6))), /cannot seal a frame of node 5/);
  assert.throws(() => new FrameKey(5, 0, testKey(5)), /key version 0 out of range/);
});
