// The attacks of issue 15 at the gateway core: frames forged with the public test keys for a
// million different node ids, at a gateway without --test-keys (the default), are refused as
// unknown_node and cost no memory; with --test-keys the key cache stays bounded; a forged frame
// with counter 2^32 − 1 never blocks a real node. Memory is measured after a full GC
// (heap + external + array buffers), with the frames made and dropped one by one.
import { test } from "node:test";
import assert from "node:assert/strict";
import v8 from "node:v8";
import vm from "node:vm";
import { Gateway } from "../../host/gateway/gateway.js";
import { encodeFrame, Keyring, TestKeys, FrameKey, testKey, TEST_KEY_CACHE_NODES } from "../../host/frame/index.js";
import { Random } from "../../host/sim/random.js";
import { NODE } from "./support/gateway.js";

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;
// 200 000 here (about 10 s); the full million runs in `npm run bench` (host/bench/forged-nodes.ts).
const FORGED_NODES = Number(process.env.FORGED_NODES ?? 200_000);
const T = Date.UTC(2026, 11, 1);

function retainedBytes(): number {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

const ownKey = Uint8Array.from({ length: 16 }, (_, i) => 0x30 + i);

test(`${FORGED_NODES.toLocaleString("en")} frames forged with test keys for as many node ids: refused, memory flat (±10 MB)`, () => {
  const ring = new Keyring();
  ring.set(NODE, ownKey, 1);
  const g = new Gateway({ keys: ring });
  const genuine = new FrameKey(NODE, 1, ownKey);
  assert.equal(g.receive(encodeFrame({ node: NODE, counter: 1, registers: { "pulse1.wh": 10 } }, genuine), "test", T).verdict, "accepted");
  const random = new Random(15);
  const before = retainedBytes();
  let refused = 0;
  for (let i = 0; i < FORGED_NODES; i++) {
    const node = 5000 + i * 4000 + random.int(0, 3999); // a million distinct ids
    // The frame as the attacker built it: counter 2^32 − 1, 1 MWh, sealed with the node's public test key.
    const raw = encodeFrame({ node, counter: 2 ** 32 - 1, registers: { "ct1.import_wh": 1e6 } }, testKey(node));
    if (g.receive(raw, "udp:attacker", T).verdict === "unknown_node") refused++;
  }
  const grown = retainedBytes() - before;
  assert.equal(refused, FORGED_NODES);
  assert.ok(Math.abs(grown) < 10 * 1024 * 1024, `memory grew by ${(grown / 1048576).toFixed(1)} MB`);
  // The real node's own test key does not work either, nor blocks it.
  assert.equal(g.receive(encodeFrame({ node: NODE, counter: 2 ** 32 - 1, registers: { "ct1.import_wh": 1e6 } }, testKey(NODE)), "udp:attacker", T).verdict, "mac_mismatch");
  assert.equal(g.receive(encodeFrame({ node: NODE, counter: 2, registers: { "pulse1.wh": 11 } }, genuine), "test", T).verdict, "accepted");
  const s = g.stats();
  assert.equal(s.nodes, 1);
  console.log(JSON.stringify({ forged_nodes: FORGED_NODES, memory_growth_mb: +(grown / 1048576).toFixed(2) }));
});

test("with --test-keys, frames of 50 000 node ids signed with a wrong key: refused, the key cache bounded, memory flat", () => {
  const keys = new TestKeys();
  const g = new Gateway({ keys });
  const before = retainedBytes();
  const wrong = new Uint8Array(16).fill(0x77);
  for (let i = 0; i < 50_000; i++) {
    const node = 10_000 + i;
    assert.equal(g.receive(encodeFrame({ node, counter: 2 ** 32 - 1, registers: {} }, wrong), "udp:attacker", T).verdict, "mac_mismatch");
  }
  const grown = retainedBytes() - before;
  assert.ok(keys.cachedNodes <= TEST_KEY_CACHE_NODES);
  assert.ok(Math.abs(grown) < 10 * 1024 * 1024, `memory grew by ${(grown / 1048576).toFixed(1)} MB`);
  assert.equal(g.stats().nodes, 0);
});
