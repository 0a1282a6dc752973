// The full-size forged-node campaign of issue 15 (test/host/gateway-memory.test.ts runs a
// sample): frames sealed with the public test keys for `count` distinct node ids, at a gateway
// without --test-keys. Reports how many were refused and the retained memory growth after a GC.
import v8 from "node:v8";
import vm from "node:vm";
import { Gateway } from "../gateway/gateway.js";
import { encodeFrame } from "../frame/codec.js";
import { Keyring, testKey } from "../frame/keyring.js";

export function forgedNodeCampaign(count: number): { frames: number; refused_unknown_node: number; memory_growth_mb: number; frames_per_second: number } {
  v8.setFlagsFromString("--expose-gc");
  const gc = vm.runInNewContext("gc") as () => void;
  const retained = () => { gc(); gc(); const m = process.memoryUsage(); return m.heapUsed + m.external; };
  const ring = new Keyring();
  ring.set(4097, Uint8Array.from({ length: 16 }, (_, i) => 0x30 + i), 1);
  const g = new Gateway({ keys: ring });
  const before = retained();
  let refused = 0;
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const node = 5000 + i * 4000 + (i % 3999);
    const raw = encodeFrame({ node, counter: 2 ** 32 - 1, registers: { "ct1.import_wh": 1e6 } }, testKey(node));
    if (g.receive(raw, "bench", 0).verdict === "unknown_node") refused++;
  }
  const seconds = (performance.now() - start) / 1000;
  return { frames: count, refused_unknown_node: refused, memory_growth_mb: +((retained() - before) / 1048576).toFixed(2), frames_per_second: Math.round(count / seconds) };
}

if (process.argv[1]?.endsWith("forged-nodes.js")) {
  process.stdout.write(JSON.stringify(forgedNodeCampaign(Number(process.argv[2] ?? 1_000_000))) + "\n");
}
