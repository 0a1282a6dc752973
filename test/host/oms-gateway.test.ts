// OMS telegrams through the gateway core: the same keyring, replay rules and counters as native
// frames; every bit flip, truncation, wrong key and replayed message counter rejected under the
// reason it deserves; a fuzz mixing both profiles; message counters unique across power cuts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Gateway } from "../../host/gateway/gateway.js";
import { Keyring, testKey, encodeFrame } from "../../host/frame/index.js";
import { TestKeys } from "../../host/frame/keyring.js";
import { encodeOms, decodeOms, isOmsTelegram } from "../../host/oms/index.js";
import type { OmsFields } from "../../host/oms/index.js";
import { Random } from "../../host/sim/random.js";
import { parseScenario } from "../../host/sim/scenario.js";
import { Twin } from "../../host/sim/twin.js";
import { testRing, NODE, OTHER_NODE } from "./support/gateway.js";

const T = Date.UTC(2026, 11, 1);

function telegram(counter: number, node = NODE, crc = true, key = testKey(node)): Uint8Array {
  const f: OmsFields = {
    node, counter, device: "electricity", channels: { ct: [1], pulse: [1] },
    registers: { "ct1.import_wh": 1000 + counter, "pulse1.wh": counter / 10 }, instantaneous: { "ct1.power_w": 12.5 },
    status: 0, event_counter: 2,
  };
  const e = encodeOms(f, key);
  return crc ? e.withCrc : e.plain;
}

test("gateway: OMS telegrams accepted with the node's key, duplicates counted, replays refused, same counters as native frames", () => {
  const g = new Gateway({ keys: testRing() });
  const ok = (raw: Uint8Array) => g.receive(raw, "test", T);
  assert.equal(ok(encodeFrame({ node: NODE, counter: 1, registers: { "pulse1.wh": 1 } }, testKey(NODE))).verdict, "accepted");
  const t2 = telegram(2);
  const accepted = ok(t2);
  assert.equal(accepted.verdict, "accepted");
  assert.deepEqual(accepted.frame!.registers, { "ct1.import_wh": 1002, "ct1.export_wh": 0, "pulse1.wh": 0.2 });
  const reading = accepted.events[0];
  assert.equal(reading.type, "reading");
  assert.equal(ok(t2).verdict, "duplicate");
  assert.equal(ok(telegram(2, NODE, false)).verdict, "replay", "the same counter in the other form is not the same bytes");
  assert.equal(ok(telegram(1)).verdict, "replay");
  assert.equal(ok(encodeFrame({ node: NODE, counter: 2, registers: {} }, testKey(NODE))).verdict, "replay", "native and OMS share the counter");
  const gap = ok(telegram(5, NODE, false));
  assert.equal(gap.verdict, "accepted");
  assert.equal(gap.events[1]?.type, "gap");
  assert.equal(g.lastCounter(NODE), 5);
});

test("gateway: every single-bit flip and every truncation of an OMS telegram is rejected, both forms", () => {
  for (const crc of [true, false]) {
    const good = telegram(7, NODE, crc);
    const reasons: Record<string, number> = {};
    for (let bit = 0; bit < good.length * 8; bit++) {
      const g = new Gateway({ keys: testRing() });
      const bad = good.slice();
      bad[bit >> 3] ^= 1 << (bit & 7);
      const out = g.receive(bad, "flip", T);
      assert.notEqual(out.verdict, "accepted", `${crc ? "with" : "without"} CRC: flip of bit ${bit} accepted`);
      reasons[out.verdict] = (reasons[out.verdict] ?? 0) + 1;
    }
    if (crc) assert.ok(reasons.crc_mismatch > good.length * 8 * 0.9, JSON.stringify(reasons));
    else assert.ok(reasons.mac_mismatch > good.length * 8 * 0.8, JSON.stringify(reasons));
    for (let len = 0; len < good.length; len++) {
      const out = new Gateway({ keys: testRing() }).receive(good.subarray(0, len), "cut", T);
      assert.notEqual(out.verdict, "accepted", `truncated to ${len} bytes accepted`);
    }
  }
});

test("gateway: wrong key, unknown node, forged telegram", () => {
  const g = new Gateway({ keys: testRing() });
  const forged = telegram(3, NODE, true, new Uint8Array(16).fill(0x5a));
  assert.equal(g.receive(forged, "t", T).verdict, "mac_mismatch");
  const stranger = telegram(3, 4099);
  const out = g.receive(stranger, "t", T);
  assert.equal(out.verdict, "unknown_node");
  assert.equal(out.node, 4099, "the claimed node is reported");
  const other = new Keyring();
  other.set(NODE, testKey(OTHER_NODE));
  assert.equal(new Gateway({ keys: other }).receive(telegram(3), "t", T).verdict, "mac_mismatch");
});

test("fuzz: 100 000 native frames and OMS telegrams, fresh, replayed and mutated, through one gateway", () => {
  const random = new Random(19);
  const g = new Gateway({ keys: testRing() });
  const counter = new Map([[NODE, 0], [OTHER_NODE, 0]]);
  const history: Uint8Array[] = [];
  let fresh = 0;
  let mutatedOrOld = 0;
  for (let i = 0; i < 100_000; i++) {
    const node = random.next() < 0.5 ? NODE : OTHER_NODE;
    const pick = random.int(0, 99);
    let input: Uint8Array;
    let good = false;
    if (pick < 15 || history.length === 0) {
      const c = counter.get(node)! + 1 + (random.next() < 0.1 ? random.int(1, 3) : 0);
      counter.set(node, c);
      input = random.next() < 0.5 ? telegram(c, node, random.next() < 0.5)
        : encodeFrame({ node, counter: c, registers: { "pulse1.wh": c } }, testKey(node));
      good = true;
      fresh++;
    } else {
      const base = history[random.int(0, history.length - 1)].slice();
      if (pick < 25) input = base; // replayed (or a duplicate of the last)
      else if (pick < 50) { base[random.int(0, base.length - 1)] ^= 1 << random.int(0, 7); input = base; }
      else if (pick < 65) input = base.subarray(0, random.int(0, base.length - 1));
      else if (pick < 80) { const extra = new Uint8Array(base.length + random.int(1, 20)); extra.set(base); input = extra; }
      else input = new Uint8Array(random.int(0, 300)).map(() => random.int(0, 255));
      // Make garbage look like an OMS telegram (L-field and C-field), so the OMS decoder gets it.
      if (input.length > 11 && input.length < 257 && random.next() < 0.3) { input = input.slice(); input[0] = input.length - 1; input[1] = 0x44; }
      mutatedOrOld++;
    }
    const out = g.receive(input, "fuzz", T);
    if (good) assert.equal(out.verdict, "accepted", `case ${i}: a fresh ${isOmsTelegram(input) ? "telegram" : "frame"} was ${out.verdict}`);
    else if (out.verdict === "accepted") assert.fail(`case ${i}: a mutated or old input was accepted`);
    if (good) history.push(input);
    if (history.length > 64) history.shift();
  }
  const s = g.stats();
  assert.equal(s.received, 100_000);
  assert.equal(s.accepted, fresh);
  assert.equal(s.by_reason.internal_error, 0);
  assert.equal(s.duplicate + s.rejected, mutatedOrOld);
});

test("message counters stay unique across power cuts (native frames and OMS telegrams, one sequence)", () => {
  const t = new Twin(parseScenario(JSON.stringify({
    format: "activemeter-scenario/1", board: "esp32c3-mini", seconds: 400, seed: 4,
    console: ["unlock 0000", "set frame.profile both", "set report.interval_s 1", "save"],
    pulse: { pulse1: { hz: 3, on_ms: 40 } },
  })));
  const random = new Random(77);
  for (let cut = 0; cut < 120 && !t.done; cut++) {
    const target = t.clockUs + random.int(100_000, 3_000_000);
    while (t.clockUs < target && !t.done) t.step();
    t.powerCut(t.clockUs + random.int(0, 9_999), random.int(0, 300_000));
  }
  const keys = new TestKeys();
  const g = new Gateway({ keys });
  let last = 0;
  let oms = 0;
  for (const bytes of t.frames) {
    const out = g.receive(bytes, "twin", T);
    assert.equal(out.verdict, "accepted", `counter ${out.counter} after ${last}: ${out.verdict}`);
    assert.ok(out.counter! > last);
    last = out.counter!;
    if (isOmsTelegram(bytes)) { oms++; decodeOms(bytes, { keys }); }
  }
  assert.ok(oms > 100, `only ${oms} OMS telegrams`);
  assert.equal(g.stats().by_reason.replay, 0);
});
