// The dashboard's demand-response column (issue 21): the gateway remembers the level it last sent
// a node, for as long as the command is valid, and forgets it afterwards (the node is then back on
// its local rules). The sent datagram itself is read back with the host decoder.
import test from "node:test";
import assert from "node:assert/strict";
import { DownlinkSender } from "../../host/gateway/downlinks.js";
import { decodeDownlink } from "../../host/frame/downlink.js";
import { Keyring, testKey } from "../../host/frame/keyring.js";
import type { Outcome } from "../../host/gateway/gateway.js";

const NODE = 4097;
const T0_MS = Date.UTC(2026, 5, 1, 12, 0, 0);

test("gateway: the demand level it sent is the node's state until the command's validity ends", async () => {
  const keys = new Keyring();
  keys.set(NODE, testKey(NODE));
  let counter = 0;
  const sent: Uint8Array[] = [];
  const sender = new DownlinkSender(keys, { nextDownlinkCounter: async (_n: number, atLeast: number) => (counter = Math.max(counter + 1, atLeast)) } as never,
    () => ({ send: async (bytes: Uint8Array) => { sent.push(bytes); } }) as never, () => T0_MS);
  assert.equal(sender.state(NODE, T0_MS), undefined, "nothing sent: unknown");
  sender.heard({ verdict: "accepted", source: "udp:127.0.0.1:40000", received: new Date(T0_MS).toISOString(),
    frame: { node: NODE, authenticated: true, key_version: 1 } } as unknown as Outcome);
  await sender.send({ node: NODE, command: "demand", level: "shed", valid_s: 600 });
  assert.deepEqual(sender.state(NODE, T0_MS + 1000), { level: "shed", untilMs: T0_MS + 600_000 });
  assert.equal(sender.state(NODE, T0_MS + 600_000), undefined, "expired: the node is back on its own rules");
  assert.equal(sender.state(NODE + 1, T0_MS), undefined, "another node: unknown");
  const fields = decodeDownlink(sent[0], keys);
  assert.deepEqual([fields.command, "level" in fields && fields.level, fields.valid_s, fields.node], ["demand", "shed", 600, NODE]);
  // An override is no demand level: the state stays what the last demand command said.
  await sender.send({ node: NODE, command: "override", output: 1, mode: "on", valid_s: 60 });
  assert.equal(sender.state(NODE, T0_MS + 2000)?.level, "shed");
});
