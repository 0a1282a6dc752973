// Random and mutated frames of every suite through the gateway core and so its decoder:
// nothing escapes as an exception, nothing bad is accepted, and every forged, bit-flipped,
// truncated, re-labelled, downgraded or replayed frame is rejected and counted under the reason
// it deserves. Node 4097 sends suite 2 and rotates its key (version 1 -> 2) half-way; 4098 is an
// old node (suite 1); 777 has no key (suite 0, allowed here: the gateway runs with
// requireAuthentication false, to show that no option lets a CRC-only frame through for a node
// that has a key). The rig also checks that no (node, key version, counter) is ever accepted
// twice and that it never sealed two different frames under one nonce.
// Size: FUZZ_CASES (default 1 000 000; `npm run bench` has no larger campaign: this is the full one).
import { test } from "node:test";
import assert from "node:assert/strict";
import { Gateway } from "../../host/gateway/gateway.js";
import { encodeFrame, bytesToHex, Keyring, FrameKey, testKey } from "../../host/frame/index.js";
import type { FrameFields } from "../../host/frame/index.js";
import { Random } from "../../host/sim/random.js";
import { NODE, OTHER_NODE } from "./support/gateway.js";

const CASES = Number(process.env.FUZZ_CASES ?? 1_000_000);
const T = Date.UTC(2026, 10, 27);
const KEYLESS = 777;
const ROTATE_AT = Math.floor(CASES / 2);

test(`fuzz: ${CASES.toLocaleString("en")} random and mutated frames of suites 0, 1, 2 through decoder and gateway`, () => {
  const random = new Random(2026);
  const newKey = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);
  const keys = new Keyring();
  keys.set(NODE, testKey(NODE), 1);
  keys.set(NODE, newKey, 2);
  keys.set(OTHER_NODE, testKey(OTHER_NODE), 1);
  const g = new Gateway({ keys, requireAuthentication: false });
  const sealing = { v1: new FrameKey(NODE, 1, testKey(NODE)), v2: new FrameKey(NODE, 2, newKey) };
  let current = sealing.v1;
  const oldNode = new FrameKey(OTHER_NODE, 1, testKey(OTHER_NODE));
  const forger = new FrameKey(NODE, 1, new Uint8Array(16).fill(0x5a));
  const nodes = [NODE, OTHER_NODE];
  const counter = new Map([[NODE, 0], [OTHER_NODE, 0], [KEYLESS, 0]]);
  const history = new Map<number, Uint8Array[]>([[NODE, []], [OTHER_NODE, []], [KEYLESS, []]]);
  const sealedNonces = new Map<string, string>();
  const acceptedNonces = new Set<string>();
  const expected = { accepted: 0, gaps: 0, missing: 0 };
  const kinds: Record<string, number> = {};
  let lastVersion = 1;

  const seal = (fields: FrameFields): Uint8Array => {
    const bytes = fields.node === NODE ? encodeFrame(fields, current) : fields.node === OTHER_NODE ? encodeFrame(fields, oldNode, { suite: 1 }) : encodeFrame(fields);
    const nonce = `${fields.node}/${fields.node === NODE ? current.version : 0}/${fields.counter}`;
    const hex = bytesToHex(bytes);
    assert.ok(!sealedNonces.has(nonce) || sealedNonces.get(nonce) === hex, `the rig sealed two frames under nonce ${nonce}`);
    sealedNonces.set(nonce, hex);
    return bytes;
  };
  const values = (c: number) => ({ "ct1.import_wh": random.int(0, 1e8) / 10, "pulse1.wh": c, "heat1.volume_l": random.next() < 0.5 ? 0 : random.int(1, 1e6) });
  let lastValid = seal({ node: NODE, counter: 1, registers: {} });
  counter.set(NODE, 1);
  history.get(NODE)!.push(lastValid);
  g.receive(lastValid, "fuzz", T);
  expected.accepted++;

  for (let fed = 0; fed < CASES; fed++) {
    if (fed === ROTATE_AT) current = sealing.v2; // `key set` on the node; the keyring holds both
    const node = nodes[random.int(0, 1)];
    const pick = random.int(0, 99);
    let input: Uint8Array;
    let kind: string;
    if (pick < 12) {
      const skip = random.next() < 0.1 ? random.int(1, 5) : 0;
      const c = counter.get(node)! + 1 + skip;
      input = seal({ node, counter: c, status: random.int(0, 63), event_counter: random.int(0, 3), registers: values(c) });
      kind = "fresh";
      if (skip > 0) { expected.gaps++; expected.missing += skip; }
      counter.set(node, c);
      if (node === NODE) lastVersion = current.version;
      history.get(node)!.push(input);
      lastValid = input;
      expected.accepted++;
    } else if (pick < 14) {
      const c = counter.get(KEYLESS)! + 1;
      input = seal({ node: KEYLESS, counter: c, registers: { "pulse1.wh": c } });
      counter.set(KEYLESS, c);
      kind = "keyless";
      expected.accepted++;
    } else if (pick < 28) {
      input = new Uint8Array(random.int(0, 80)).map(() => random.int(0, 255));
      if (random.next() < 0.5 && input.length > 2) { input[0] = 1; input[1] = random.int(0, 2); }
      kind = "random";
    } else if (pick < 44) {
      input = lastValid.slice();
      const flips = random.int(1, 6);
      for (let f = 0; f < flips; f++) { const bit = random.int(0, input.length * 8 - 1); input[bit >> 3] ^= 1 << (bit & 7); }
      kind = input.every((b, k) => b === lastValid[k]) ? "unchanged" : "bitflip";
    } else if (pick < 54) {
      input = lastValid.subarray(0, random.int(0, lastValid.length - 1));
      kind = "truncated";
    } else if (pick < 60) {
      input = encodeFrame({ node: NODE, counter: counter.get(NODE)! + random.int(1, 1000), registers: { "pulse1.wh": random.int(0, 1e6) } }, forger);
      kind = "forged";
    } else if (pick < 63) {
      // Sealed right, but labelled with a version the keyring does not have, or with the other one.
      const c = counter.get(NODE)! + random.int(1, 10);
      const label = random.next() < 0.5 ? 3 : current.version === 1 ? 2 : 1;
      input = encodeFrame({ node: NODE, counter: c, registers: values(c) }, current);
      input[4] = label; // after version, suite and the two bytes of node id 4097
      kind = label === 3 ? "unknown-version" : "relabelled";
    } else if (pick < 66) {
      // A downgrade: CRC only, as high a counter as there is, for a node that has a key.
      input = encodeFrame({ node, counter: 2 ** 32 - 1 - random.int(0, 5), status: 32, registers: { "pulse1.wh": 1e6 } });
      kind = "downgrade";
    } else if (pick < 68) {
      const unknown = random.int(5000, 4_000_000_000);
      input = encodeFrame({ node: unknown, counter: 2 ** 32 - 1, registers: { "pulse1.wh": 1e6 } }, testKey(unknown));
      kind = "unknown-node";
    } else if (pick < 71) {
      // The last counter again with other values, sealed with the right key: a reused nonce.
      const c = counter.get(NODE)!;
      input = encodeFrame({ node: NODE, counter: c, registers: { "pulse1.wh": c + 0.5 } }, current);
      // (Right after the rotation the last frame has the other key version: another nonce, a plain replay.)
      kind = bytesToHex(history.get(NODE)!.at(-1)!) === bytesToHex(input) ? "unchanged" : lastVersion === current.version ? "nonce-reuse" : "replay";
    } else if (pick < 82) {
      const past = history.get(node)!;
      if (past.length === 0) { fed--; continue; }
      input = past[random.int(Math.max(0, past.length - 50), past.length - 1)];
      kind = input === past[past.length - 1] ? "repeat-last" : "replay";
    } else {
      const bytes = Array.from(lastValid);
      const ops = random.int(1, 3);
      for (let o = 0; o < ops; o++) {
        const at = random.int(0, bytes.length);
        const op = random.int(0, 2);
        if (op === 0) bytes.splice(at, 0, random.int(0, 255));
        else if (op === 1 && bytes.length > 0) bytes.splice(Math.min(at, bytes.length - 1), 1);
        else if (bytes.length > 0) bytes[Math.min(at, bytes.length - 1)] = random.int(0, 255);
      }
      input = Uint8Array.from(bytes);
      kind = input.length === lastValid.length && input.every((b, k) => b === lastValid[k]) ? "unchanged" : "mutated";
    }
    kinds[kind] = (kinds[kind] ?? 0) + 1;

    const out = g.receive(input, "fuzz", T);
    if (out.verdict === "accepted") {
      const nonce = `${out.frame!.node}/${out.frame!.key_version ?? 0}/${out.frame!.counter}/${out.frame!.suite}`;
      assert.ok(!acceptedNonces.has(nonce), `case ${fed}: ${nonce} accepted twice`);
      acceptedNonces.add(nonce);
    }
    switch (kind) {
      case "fresh": case "keyless": assert.equal(out.verdict, "accepted", `case ${fed}`); break;
      case "forged": case "relabelled": assert.equal(out.verdict, "mac_mismatch", `case ${fed}`); break;
      case "unknown-version": assert.equal(out.verdict, "unknown_key_version", `case ${fed}`); break;
      case "downgrade": assert.equal(out.verdict, "unauthenticated", `case ${fed}`); break;
      case "unknown-node": assert.equal(out.verdict, "unknown_node", `case ${fed}`); break;
      case "nonce-reuse":
        assert.equal(out.verdict, "replay", `case ${fed}`);
        assert.match(out.events[0].type === "rejected" ? out.events[0].message : "", /nonce reuse/);
        break;
      case "replay": assert.equal(out.verdict, "replay", `case ${fed}`); break;
      case "repeat-last": assert.equal(out.verdict, "duplicate", `case ${fed}`); break;
      case "unchanged": assert.ok(out.verdict === "duplicate" || out.verdict === "replay", `case ${fed}`); break;
      default:
        // bit-flipped, truncated, mutated, random: never verified (2^-64 per try to guess a MAC;
        // 2^-32 for a CRC-only frame of the keyless node), so neither accepted nor a duplicate or replay.
        assert.ok(out.verdict !== "accepted" && out.verdict !== "duplicate" && out.verdict !== "replay", `case ${fed} (${kind}): ${out.verdict}`);
    }
  }
  const s = g.stats();
  assert.equal(s.by_reason.internal_error, 0);
  assert.equal(s.accepted, expected.accepted);
  assert.equal(s.received, s.accepted + s.duplicate + s.rejected);
  assert.equal(s.gaps, expected.gaps);
  assert.equal(s.missing_frames, expected.missing);
  assert.equal(s.received, CASES + 1);
  assert.equal(g.lastCounter(NODE), counter.get(NODE), "the last genuine counter, never a forged or downgraded one");
  assert.equal(s.nodes, 3, "no state for the unknown nodes");
  for (const k of ["fresh", "keyless", "forged", "relabelled", "unknown-version", "downgrade", "unknown-node", "nonce-reuse", "replay", "bitflip", "truncated", "mutated", "random"]) {
    assert.ok((kinds[k] ?? 0) > CASES / 1000, `too few '${k}' cases: ${kinds[k]}`);
  }
  console.log(JSON.stringify({ fuzz_cases: s.received, kinds, verdicts: { accepted: s.accepted, duplicate: s.duplicate, ...Object.fromEntries(Object.entries(s.by_reason).filter(([, n]) => n > 0)) } }));
});
