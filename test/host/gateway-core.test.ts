// The gateway core: replay, duplicates, gaps, forged, bit-flipped, truncated and
// unauthenticated frames, each rejected and counted under its own reason; restart with the
// same SQLite database remembers the counters (the replay state is committed with the readings).
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { Gateway } from "../../host/gateway/gateway.js";
import type { Outcome, Verdict } from "../../host/gateway/gateway.js";
import { SqliteStore } from "../../host/gateway/sqlite.js";
import { encodeFrame, Keyring, testKey } from "../../host/frame/index.js";
import { NODE, OTHER_NODE, testRing, frame, tempDir } from "./support/gateway.js";

const T = Date.UTC(2026, 10, 27, 12);
const gateway = (options: Partial<ConstructorParameters<typeof Gateway>[0]> = {}) => new Gateway({ keys: testRing(), ...options });
const feed = (g: Gateway, raw: Uint8Array): Outcome => g.receive(raw, "test", T);

function onlyReason(g: Gateway, reason: Verdict, n = 1): void {
  const s = g.stats();
  for (const [r, count] of Object.entries(s.by_reason)) assert.equal(count, r === reason ? n : 0, `counter ${r}`);
}

test("fresh frames are accepted in order, with a reading event carrying the registers", () => {
  const g = gateway();
  for (let c = 1; c <= 3; c++) {
    const out = feed(g, frame(c));
    assert.equal(out.verdict, "accepted");
    assert.equal(out.events[0].type, "reading");
    assert.deepEqual(out.events[0].type === "reading" && out.events[0].registers, { "pulse1.wh": c * 10, "heat1.volume_l": 1000 + c });
  }
  assert.equal(g.lastCounter(NODE), 3);
  const s = g.stats();
  assert.deepEqual([s.received, s.accepted, s.rejected, s.duplicate], [3, 3, 0, 0]);
});

test("the same frame again is a duplicate: counted, not an error, not a reading", () => {
  const g = gateway();
  feed(g, frame(1));
  const out = feed(g, frame(1));
  assert.equal(out.verdict, "duplicate");
  assert.deepEqual(out.events.map((e) => e.type), ["duplicate"]);
  assert.equal(g.stats().duplicate, 1);
  assert.equal(g.stats().rejected, 0);
});

test("a different frame with the same counter, and any lower counter, is a replay", () => {
  const g = gateway();
  feed(g, frame(1));
  feed(g, frame(2));
  const same = feed(g, encodeFrame({ node: NODE, counter: 2, registers: { "pulse1.wh": 999 } }, testKey(NODE)));
  assert.equal(same.verdict, "replay");
  const lower = feed(g, frame(1));
  assert.equal(lower.verdict, "replay");
  assert.match(lower.events[0].type === "rejected" ? lower.events[0].message : "", /counter 1 is not above the last accepted 2/);
  onlyReason(g, "replay", 2);
  assert.equal(g.lastCounter(NODE), 2);
  // Counters are per node.
  assert.equal(feed(g, frame(1, OTHER_NODE)).verdict, "accepted");
});

test("a counter jump is accepted and reported as a gap with the number of missing frames", () => {
  const g = gateway();
  feed(g, frame(10));
  const out = feed(g, frame(14));
  assert.equal(out.verdict, "accepted");
  const gap = out.events.find((e) => e.type === "gap");
  assert.deepEqual(gap && { ...gap, received: undefined }, { type: "gap", node: NODE, counter: 14, last_counter: 10, missing: 3, received: undefined, source: "test" });
  assert.equal(g.stats().gaps, 1);
  assert.equal(g.stats().missing_frames, 3);
  assert.equal(feed(g, frame(15)).events.length, 1, "no gap for the next frame");
});

test("a forged frame (signed with another key) is a MAC mismatch and changes nothing", () => {
  const g = gateway();
  feed(g, frame(1));
  const forged = encodeFrame({ node: NODE, counter: 1_000_000, registers: { "pulse1.wh": 1 } }, new Uint8Array(16).fill(7));
  const out = feed(g, forged);
  assert.equal(out.verdict, "mac_mismatch");
  assert.equal(out.node, NODE, "the claimed node is reported");
  assert.equal(g.lastCounter(NODE), 1, "a forged counter must not advance the state");
  onlyReason(g, "mac_mismatch");
  assert.equal(feed(g, frame(2)).verdict, "accepted");
});

test("every single-bit flip of an authenticated frame is rejected, each under a reason that says why", () => {
  const good = frame(5);
  const reasons = new Map<string, number>();
  for (let bit = 0; bit < good.length * 8; bit++) {
    const g = gateway();
    const bad = good.slice();
    bad[bit >> 3] ^= 1 << (bit & 7);
    const out = feed(g, bad);
    assert.notEqual(out.verdict, "accepted", `bit ${bit}`);
    assert.notEqual(out.verdict, "internal_error");
    assert.equal(g.stats().rejected, 1);
    reasons.set(out.verdict, (reasons.get(out.verdict) ?? 0) + 1);
  }
  // Byte 0 is the version, byte 1 the suite (2 -> 0 makes it an unauthenticated frame), the rest is under the MAC.
  assert.equal(reasons.get("bad_version"), 8);
  assert.equal((reasons.get("bad_suite") ?? 0) + (reasons.get("unauthenticated") ?? 0), 8);
  assert.equal(reasons.get("unauthenticated"), 1);
  assert.equal((reasons.get("mac_mismatch") ?? 0) + (reasons.get("unknown_node") ?? 0) + (reasons.get("unknown_key_version") ?? 0)
    + (reasons.get("malformed") ?? 0), (good.length - 2) * 8);
});

test("every truncation of a frame is rejected as too short or as a MAC mismatch", () => {
  const good = frame(5);
  const g = gateway();
  for (let n = 0; n < good.length; n++) {
    const out = feed(g, good.subarray(0, n));
    assert.ok(["too_short", "mac_mismatch", "malformed"].includes(out.verdict), `${n} bytes: ${out.verdict}`);
  }
  const s = g.stats();
  assert.equal(s.rejected, good.length);
  assert.equal(s.by_reason.too_short, 11);
  assert.equal(s.by_reason.too_short + s.by_reason.mac_mismatch + s.by_reason.malformed, good.length);
});

test("unauthenticated (suite 0) frames are refused by default, accepted only when allowed, and never from a node with a key", () => {
  const keyless = 555;
  const crcOnly = encodeFrame({ node: keyless, counter: 1, status: 32, registers: { "pulse1.wh": 5 } });
  const strict = gateway();
  assert.equal(feed(strict, crcOnly).verdict, "unauthenticated");
  onlyReason(strict, "unauthenticated");
  const lax = gateway({ requireAuthentication: false });
  const out = feed(lax, crcOnly);
  assert.equal(out.verdict, "accepted");
  assert.equal(out.events[0].type === "reading" && out.events[0].authenticated, false);
  // A downgrade: the node has a key, so its CRC-only frames are refused whatever the options.
  const downgrade = encodeFrame({ node: NODE, counter: 2 ** 32 - 1, status: 32, registers: { "pulse1.wh": 1e6 } });
  const refused = feed(lax, downgrade);
  assert.equal(refused.verdict, "unauthenticated");
  assert.match(refused.events[0].type === "rejected" ? refused.events[0].message : "", /node 4097 has a key/);
  assert.equal(feed(lax, frame(1)).verdict, "accepted", "the node is not blocked");
});

test("a node without a key in the keyring is refused as unknown_node", () => {
  const g = gateway({ keys: new Keyring() });
  assert.equal(feed(g, frame(1)).verdict, "unknown_node");
  onlyReason(g, "unknown_node");
});

test("transport refusals (bad hex, broken COBS, over-long runs) are counted too", () => {
  const g = gateway();
  g.refuse("bad_hex", "not hexadecimal", new Uint8Array(3), "hex:x:1", T);
  g.refuse("cobs_invalid", "bad code", new Uint8Array(0), "serial:x", T);
  g.refuse("overlong", "too long", new Uint8Array(0), "serial:x", T);
  const s = g.stats();
  assert.deepEqual([s.received, s.rejected, s.by_reason.bad_hex, s.by_reason.cobs_invalid, s.by_reason.overlong], [3, 3, 1, 1, 1]);
});

test("a restart with the same SQLite database remembers the counters: replays stay refused", async () => {
  const file = path.join(tempDir(), "gw.db");
  let store = new SqliteStore(file);
  const withStore = (st: SqliteStore) => gateway({ store: { load: () => st.nodesNow(), remember: () => {} } });
  let g = withStore(store);
  await store.commit([1, 2, 3].map((c) => feed(g, frame(c))).concat([feed(g, frame(1, OTHER_NODE))]), []);
  await store.close();
  store = new SqliteStore(file);
  g = withStore(store);
  assert.equal(g.lastCounter(NODE), 3);
  assert.equal(g.lastCounter(OTHER_NODE), 1);
  assert.equal(feed(g, frame(2)).verdict, "replay");
  assert.equal(feed(g, frame(3)).verdict, "duplicate", "the last frame is still known byte for byte");
  const next = feed(g, frame(5));
  assert.equal(next.verdict, "accepted");
  assert.equal(next.events[1]?.type, "gap");
  await store.close();
});

test("adopt() takes a newer node state (from a shared database) and ignores an older one", () => {
  const g = gateway();
  feed(g, frame(4));
  g.adopt({ node: NODE, counter: 2, frame: frame(2) });
  assert.equal(g.lastCounter(NODE), 4);
  g.adopt({ node: NODE, counter: 9, frame: frame(9) });
  assert.equal(g.lastCounter(NODE), 9);
  assert.equal(feed(g, frame(9)).verdict, "duplicate");
  assert.equal(feed(g, frame(8)).verdict, "replay");
});
