// The gateway process under load, SQLite store: a burst from 10 000 node ids at loopback speed,
// a flood of junk with genuine frames mixed in, and kill -9 at random points. What was sent is
// the reference: every acknowledged reading must be in the database with the registers the
// sender put in, and nothing more may be accepted when the same frames come again.
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import Database from "better-sqlite3";
import { Fleet, GatewayProcess, Sender, expectedRegisters, fileBytes, interleave, junk } from "../../host/bench/gateway-load.js";
import { Random } from "../../host/sim/random.js";
import { freePort } from "./support/processes.js";
import { tempDir } from "./support/gateway.js";

function stored(file: string) {
  const db = new Database(file, { readonly: true });
  try {
    const frames = db.prepare<{ node: number; counter: number }>("SELECT node, counter FROM frames").all();
    const readings = db.prepare<{ node: number; counter: number; register: string; value: number }>("SELECT node, counter, register, value FROM readings").all();
    const nodes = db.prepare<{ node: number; last_counter: number }>("SELECT node, last_counter FROM nodes").all();
    const rejects = db.prepare<{ verdict: string; n: number; rows: number }>("SELECT verdict, sum(count) AS n, count(*) AS rows FROM rejects GROUP BY verdict").all();
    return { frames, readings, nodes, rejects };
  } finally {
    db.close();
  }
}

test("burst: 10 000 frames from 10 000 node ids as fast as loopback takes them -> all 10 000 stored", async () => {
  const fleet = new Fleet(10_000);
  const dir = tempDir();
  const db = path.join(dir, "gw.db");
  const gw = new GatewayProcess(["--udp", "0", "--db", db, "--keys", fleet.writeKeyring(path.join(dir, "keys.json")), "--gateway-id", "burst"]);
  const port = await gw.port();
  const frames = fleet.nodes.map((n) => fleet.frame(n, 1));
  const sender = await Sender.open();
  const ms = await sender.sendAll(frames, port);
  sender.close();
  // Loopback on a loaded 2-core machine may need longer than 1 s for the sender alone; the benchmark reports the rate.
  assert.ok(ms < 5000, `the burst took ${ms.toFixed(0)} ms to send`);
  // Readings are acknowledged on stdout once committed; the socket may still hold a backlog.
  await gw.settle(10_000);
  assert.equal((await gw.stop()).code, 0, gw.stderr);
  assert.match(gw.stderr, /10000 frames: 10000 accepted, 0 duplicate, 0 rejected/);
  const s = stored(db);
  assert.equal(s.frames.length, 10_000);
  assert.deepEqual(new Set(s.frames.map((f) => f.node)).size, 10_000);
  assert.equal(s.readings.length, 20_000);
  for (const r of s.readings.slice(0, 500)) assert.equal(r.value, expectedRegisters(r.node, r.counter)[r.register]);
});

test("flood: junk (random, forged, 64 KB) from 200 loopback sources with genuine frames mixed in -> every genuine frame stored, rejects in bounded rows", async () => {
  const fleet = new Fleet(1000, 300_000);
  const dir = tempDir();
  const db = path.join(dir, "gw.db");
  const gw = new GatewayProcess(["--udp", "0", "--db", db, "--keys", fleet.writeKeyring(path.join(dir, "keys.json")), "--gateway-id", "flood"]);
  const port = await gw.port();
  const before = fileBytes(db);
  // Scaled for npm test: 15 000 junk + 1 000 genuine at 1 500 datagrams/s (~11 s, half the documented capacity: the test machine is shared); the benchmark runs 200 000 + 2 000.
  const genuine = fleet.nodes.map((n) => fleet.frame(n, 1));
  const all = interleave(junk(15_000, fleet), genuine);
  const sender = await Sender.open(Array.from({ length: 200 }, (_, i) => `127.0.${1 + (i >> 7)}.${1 + (i & 127)}`));
  await sender.sendAll(all, port, 1_500);
  sender.close();
  await gw.settle(genuine.length);
  assert.equal((await gw.stop()).code, 0, gw.stderr);
  const s = stored(db);
  assert.equal(s.frames.length, genuine.length, gw.stderr);
  const byVerdict = Object.fromEntries(s.rejects.map((r) => [r.verdict, r.n]));
  assert.equal(byVerdict.mac_mismatch, 5_000);
  assert.equal(byVerdict.too_long, 5_000);
  // Random bytes end up as too_short, bad_version, bad_suite, ...: together the third third.
  assert.equal(Object.values(byVerdict).reduce((a, b) => a + b, 0), 15_000);
  const rows = s.rejects.reduce((a, r) => a + r.rows, 0);
  assert.ok(rows <= 200 * 2, `${rows} reject rows (at most 200 per minute; the flood may straddle a minute boundary)`);
  // The database grew by the genuine frames (~1 000 frames, 2 000 readings) and at most 1 MB of rejects per minute.
  const growth = fileBytes(db) - before;
  assert.ok(growth < 2 * 1024 * 1024, `database grew by ${growth} bytes`);
});

test("kill -9 at random points during a 3 000-frame run, restarted 10 times: every acknowledged reading is stored, replays stay refused", async () => {
  const fleet = new Fleet(300, 500_000);
  const dir = tempDir();
  const db = path.join(dir, "gw.db");
  const keys = fleet.writeKeyring(path.join(dir, "keys.json"));
  const port = await freePort();
  const args = ["--udp", String(port), "--db", db, "--keys", keys, "--gateway-id", "crashy", "--udp-buffer", "1M"];
  const frames: Uint8Array[] = [];
  for (let c = 1; c <= 10; c++) for (const n of fleet.nodes) frames.push(fleet.frame(n, c));
  // Ten kill points at random frame indices: when the sender gets there, kill -9 (frames are in
  // flight and a batch may be half committed), restart, go on with the next frame.
  const random = new Random(16);
  const killAt = new Set<number>();
  while (killAt.size < 10) killAt.add(random.int(100, frames.length - 100));
  const acknowledged: { node: number; counter: number }[] = [];
  let gw = new GatewayProcess(args);
  await gw.port();
  const sender = await Sender.open();
  for (let i = 0; i < frames.length; i++) {
    if (killAt.has(i)) {
      await new Promise((r) => setTimeout(r, random.int(0, 15)));
      await gw.stop("SIGKILL");
      acknowledged.push(...gw.acknowledged);
      gw = new GatewayProcess(args);
      await gw.port();
    }
    await sender.send(frames[i], port);
    if (i % 10 === 9) await new Promise((r) => setTimeout(r, 10));
  }
  await gw.settle(frames.length - acknowledged.length, 1500);
  assert.equal((await gw.stop()).code, 0, gw.stderr);
  acknowledged.push(...gw.acknowledged);
  const s = stored(db);
  const have = new Set(s.frames.map((f) => `${f.node}/${f.counter}`));
  const missing = acknowledged.filter((a) => !have.has(`${a.node}/${a.counter}`));
  assert.deepEqual(missing, [], "acknowledged but not stored");
  // The sender's frames that reached a running gateway: all but those in flight at a kill.
  assert.ok(acknowledged.length > 2000, `only ${acknowledged.length} of 3000 readings acknowledged`);
  assert.equal(new Set(acknowledged.map((a) => `${a.node}/${a.counter}`)).size, acknowledged.length, "a reading acknowledged twice");
  for (const r of s.readings) assert.equal(r.value, expectedRegisters(r.node, r.counter)[r.register]);
  // The replay state committed with the readings: each node's counter is its newest stored frame.
  const newest = new Map<number, number>();
  for (const f of s.frames) newest.set(f.node, Math.max(newest.get(f.node) ?? 0, f.counter));
  for (const n of s.nodes) assert.equal(n.last_counter, newest.get(n.node), `node ${n.node}`);
  // Everything again: nothing is accepted.
  const again = new GatewayProcess(["--udp", "0", "--db", db, "--keys", keys, "--gateway-id", "crashy"]);
  const port2 = await again.port();
  await sender.sendAll(frames, port2, 5000);
  sender.close();
  await new Promise((r) => setTimeout(r, 800));
  assert.equal((await again.stop()).code, 0, again.stderr);
  assert.equal(again.acknowledged.length, 0);
  assert.match(again.stderr, /3000 frames: 0 accepted/);
  assert.equal(stored(db).frames.length, s.frames.length);
});
