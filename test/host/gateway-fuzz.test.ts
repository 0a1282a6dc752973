// 1 000 000 random and mutated frames through the gateway core and so its decoder: nothing
// escapes as an exception, nothing bad is accepted, and every forged, bit-flipped, truncated
// or replayed frame is rejected and counted under the reason it deserves.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Gateway } from "../../host/gateway/gateway.js";
import { encodeFrame } from "../../host/frame/index.js";
import type { FrameFields } from "../../host/frame/index.js";
import { AesCmac } from "../../host/crypto/cmac.js";
import { Random } from "../../host/sim/random.js";
import { testRing, NODE, OTHER_NODE } from "./support/gateway.js";

const CASES = 1_000_000;
const T = Date.UTC(2026, 10, 27);

/** encodeFrame(fields, key) with the key schedule done once per key (the fuzz loop's fast path). */
function sign(fields: FrameFields, engine: AesCmac): Uint8Array {
  const crcFrame = encodeFrame(fields);
  const body = crcFrame.slice(0, crcFrame.length - 4);
  body[1] = 1;
  const out = new Uint8Array(body.length + 8);
  out.set(body);
  out.set(engine.mac64(body), body.length);
  return out;
}

test(`fuzz: ${CASES.toLocaleString("en")} random and mutated frames through decoder and gateway`, () => {
  const random = new Random(2026);
  const keys = testRing();
  const g = new Gateway({ keys });
  const nodes = [NODE, OTHER_NODE];
  const counter = new Map(nodes.map((n) => [n, 0]));
  const history = new Map<number, Uint8Array[]>(nodes.map((n) => [n, []]));
  const forgeKey = new Uint8Array(16).fill(0x5a);
  const expected = { accepted: 0, duplicate: 0, replay: 0, mac_mismatch_forged: 0, gaps: 0, missing: 0 };
  const kinds: Record<string, number> = {};
  const engines = new Map(nodes.map((n) => [n, keys.keyFor(n, 1)!.suite1()]));
  const forger = new AesCmac(forgeKey);
  let lastValid = sign({ node: NODE, counter: 1, registers: {} }, engines.get(NODE)!);

  const freshFrame = (node: number, skip: number) => {
    const c = counter.get(node)! + 1 + skip;
    return sign({
      node, counter: c, status: random.int(0, 63), event_counter: random.int(0, 3),
      registers: { "ct1.import_wh": random.int(0, 1e8) / 10, "pulse1.wh": c, "heat1.volume_l": random.next() < 0.5 ? 0 : random.int(1, 1e6) },
    }, engines.get(node)!);
  };

  let fed = 0;
  for (let i = 0; fed < CASES; i++) {
    const node = nodes[random.int(0, 1)];
    const pick = random.int(0, 99);
    let input: Uint8Array;
    let kind: string;
    if (pick < 12) {
      // A good frame, sometimes after lost ones.
      const skip = random.next() < 0.1 ? random.int(1, 5) : 0;
      input = freshFrame(node, skip);
      kind = "fresh";
      if (counter.get(node)! > 0 && skip > 0) { expected.gaps++; expected.missing += skip; }
      counter.set(node, counter.get(node)! + 1 + skip);
      history.get(node)!.push(input);
      lastValid = input;
      expected.accepted++;
    } else if (pick < 30) {
      input = new Uint8Array(random.int(0, 80)).map(() => random.int(0, 255));
      if (random.next() < 0.5 && input.length > 2) { input[0] = 1; input[1] = random.int(0, 1); }
      kind = "random";
    } else if (pick < 50) {
      input = lastValid.slice();
      const flips = random.int(1, 6);
      for (let f = 0; f < flips; f++) { const bit = random.int(0, input.length * 8 - 1); input[bit >> 3] ^= 1 << (bit & 7); }
      kind = input.every((b, k) => b === lastValid[k]) ? "unchanged" : "bitflip";
    } else if (pick < 62) {
      input = lastValid.subarray(0, random.int(0, lastValid.length - 1));
      kind = "truncated";
    } else if (pick < 72) {
      input = sign({ node, counter: counter.get(node)! + random.int(1, 1000), registers: { "pulse1.wh": random.int(0, 1e6) } }, forger);
      kind = "forged";
      expected.mac_mismatch_forged++;
    } else if (pick < 84) {
      const past = history.get(node)!;
      if (past.length === 0) continue;
      input = past[random.int(Math.max(0, past.length - 50), past.length - 1)];
      kind = input === past[past.length - 1] ? "repeat-last" : "replay";
      if (kind === "replay") expected.replay++;
      else expected.duplicate++;
    } else {
      // Structural mutation: insert, delete or overwrite bytes of a good frame.
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

    fed++;
    const out = g.receive(input, "fuzz", T);
    switch (kind) {
      case "fresh": assert.equal(out.verdict, "accepted", `case ${i}`); break;
      case "forged": assert.equal(out.verdict, "mac_mismatch", `case ${i}`); break;
      case "replay": assert.equal(out.verdict, "replay", `case ${i}`); break;
      case "repeat-last": assert.equal(out.verdict, "duplicate", `case ${i}`); break;
      case "unchanged": assert.ok(out.verdict === "duplicate" || out.verdict === "replay", `case ${i}`); break;
      default:
        // bit-flipped, truncated, mutated, random: never verified (2^-64 per try to guess a MAC), so
        // neither accepted nor even judged a duplicate or a replay.
        assert.ok(out.verdict !== "accepted" && out.verdict !== "duplicate" && out.verdict !== "replay", `case ${i} (${kind}): ${out.verdict}`);
    }
  }
  const s = g.stats();
  // The core catches anything but a FrameError from the decoder as internal_error: none means
  // the decoder threw nothing else either.
  assert.equal(s.by_reason.internal_error, 0);
  assert.equal(s.accepted, expected.accepted);
  assert.equal(s.received, s.accepted + s.duplicate + s.rejected);
  assert.ok(s.by_reason.mac_mismatch >= expected.mac_mismatch_forged);
  assert.ok(s.by_reason.replay >= expected.replay);
  assert.ok(s.duplicate >= expected.duplicate);
  assert.equal(s.gaps, expected.gaps);
  assert.equal(s.missing_frames, expected.missing);
  assert.equal(s.received, CASES);
  console.log(JSON.stringify({ fuzz_cases: s.received, kinds, verdicts: { accepted: s.accepted, duplicate: s.duplicate, ...Object.fromEntries(Object.entries(s.by_reason).filter(([, n]) => n > 0)) } }));
});
