// The gateway service at full size for `npm run bench`: a 10 000-frame burst from 10 000 nodes,
// a flood of 200 000 junk datagrams with 2 000 genuine ones, the junk capacity, and throughput
// of 3 gateways on one PostgreSQL. PostgreSQL is ACTIVEMETER_BENCH_PG_URL, or a cluster started
// with the tests' own starter (built under build/ts/test). Each figure is one run (they take
// seconds to minutes); docs/gateway.md quotes them with the machine.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { Fleet, GatewayProcess, Sender, fileBytes, interleave, junk } from "./gateway-load.js";

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "activemeter-bench-"));
}

function storedFrames(db: string): number {
  const d = new Database(db, { readonly: true });
  try {
    return (d.prepare<{ n: number }>("SELECT count(*) AS n FROM frames").get() as { n: number }).n;
  } finally {
    d.close();
  }
}

export async function burst(n = 10_000) {
  const fleet = new Fleet(n);
  const dir = tmp();
  const db = path.join(dir, "gw.db");
  const gw = new GatewayProcess(["--udp", "0", "--db", db, "--keys", fleet.writeKeyring(path.join(dir, "k.json")), "--gateway-id", "bench"]);
  const port = await gw.port();
  const sender = await Sender.open();
  const start = performance.now();
  const sendMs = await sender.sendAll(fleet.nodes.map((x) => fleet.frame(x, 1)), port);
  await gw.settle(n);
  const allMs = performance.now() - start;
  sender.close();
  await gw.stop();
  return { frames: n, nodes: n, send_ms: Math.round(sendMs), stored: storedFrames(db), all_committed_ms: Math.round(allMs), committed_per_second: Math.round(n / (allMs / 1000)) };
}

/** Junk at `perSecond` with genuine frames spread through it. */
export async function flood(junkCount = 200_000, genuineCount = 2_000, perSecond = 10_000) {
  const fleet = new Fleet(Math.max(genuineCount, 100), 300_000);
  const dir = tmp();
  const db = path.join(dir, "gw.db");
  const gw = new GatewayProcess(["--udp", "0", "--db", db, "--keys", fleet.writeKeyring(path.join(dir, "k.json")), "--gateway-id", "bench", "--quiet"]);
  const port = await gw.port();
  const before = fileBytes(db);
  const sender = await Sender.open(Array.from({ length: 200 }, (_, i) => `127.0.${1 + (i >> 7)}.${1 + (i & 127)}`));
  const ms = await sender.sendAll(interleave(junk(junkCount, fleet), fleet.nodes.slice(0, genuineCount).map((x) => fleet.frame(x, 1))), port, perSecond);
  await new Promise((r) => setTimeout(r, 3000));
  sender.close();
  const memory = gw.memoryMb();
  await gw.stop();
  const stored = storedFrames(db);
  const growth = fileBytes(db) - before;
  return {
    junk: junkCount, genuine: genuineCount, asked_per_second: perSecond, achieved_per_second: Math.round((junkCount + genuineCount) / (ms / 1000)),
    genuine_stored: stored, genuine_stored_pct: genuineCount ? Math.round((stored / genuineCount) * 1000) / 10 : null,
    db_growth_bytes: growth, db_growth_bytes_per_minute: Math.round(growth / (ms / 60_000)), peak_rss_mb: Math.round(memory.peak),
  };
}

export async function postgresThroughput(nodes = 10_000) {
  let url = process.env.ACTIVEMETER_BENCH_PG_URL;
  let stop = async () => {};
  if (!url) {
    const modulePath = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../../test/host/support/services.js");
    const { Postgres } = await import(modulePath) as { Postgres: { start(): Promise<{ createDatabase(n: string): string; dispose(): Promise<void> }> } };
    const server = await Postgres.start();
    url = server.createDatabase("bench");
    stop = () => server.dispose();
  }
  const fleet = new Fleet(nodes, 700_000);
  const keys = fleet.writeKeyring(path.join(tmp(), "k.json"));
  const gws = ["a", "b", "c"].map((id) => new GatewayProcess(["--udp", "0", "--db", url!, "--keys", keys, "--gateway-id", id, "--quiet"]));
  try {
    const ports = await Promise.all(gws.map((g) => g.port()));
    const sender = await Sender.open();
    const start = performance.now();
    for (let i = 0; i < fleet.nodes.length; i++) {
      const f = fleet.frame(fleet.nodes[i], 1);
      await Promise.all([sender.send(f, ports[i % 3]), sender.send(f, ports[(i + 1) % 3])]);
    }
    sender.close();
    const pg = (await import("pg")).default;
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    let heard = 0;
    let lastChange = Date.now();
    while (heard < 2 * nodes && Date.now() - lastChange < 5000) {
      const n = Number((await client.query("SELECT count(*) AS n FROM heard")).rows[0].n);
      if (n !== heard) { heard = n; lastChange = Date.now(); }
      await new Promise((r) => setTimeout(r, 50));
    }
    const ms = performance.now() - start;
    const frames = Number((await client.query("SELECT count(*) AS n FROM frames")).rows[0].n);
    await client.end();
    return { gateways: 3, nodes, datagrams: 2 * nodes, frames_stored: frames, receptions_recorded: heard, ms: Math.round(ms), datagrams_per_second: Math.round((2 * nodes) / (ms / 1000)) };
  } finally {
    for (const g of gws) await g.stop();
    await stop();
  }
}

export async function gatewayBench() {
  return {
    burst_10k_frames_10k_nodes_sqlite: await burst(),
    flood_200k_junk_2k_genuine_at_3k_per_s: await flood(200_000, 2_000, 3_000),
    flood_200k_junk_2k_genuine_at_5k_per_s: await flood(200_000, 2_000, 5_000),
    flood_junk_only_120k_at_10k_per_s: await flood(120_000, 0, 10_000),
    postgres_3_gateways_10k_nodes_2_of_3: await postgresThroughput(),
  };
}

if (process.argv[1]?.endsWith("gateway-bench.js")) {
  process.stdout.write(JSON.stringify(await gatewayBench(), null, 2) + "\n");
}
