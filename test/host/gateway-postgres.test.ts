// Several gateways on one PostgreSQL (Debian's postgresql, started by the test in a temporary
// folder as the postgres user): 3 gateway processes, 10 000 nodes, every frame sent to 2 of the
// 3 gateways -> each frame stored exactly once, none lost, both receptions recorded, and a
// frame replayed to another gateway refused. Versioned migrations are checked too.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { Fleet, GatewayProcess, Sender, expectedRegisters } from "../../host/bench/gateway-load.js";
import { SCHEMA_VERSION } from "../../host/gateway/schema.js";
import { Postgres } from "./support/services.js";
import { tempDir } from "./support/gateway.js";
import { runCli, scenarioFile } from "./support/cli.js";
import { district, siteFileOf } from "./support/site-scenarios.js";

let server: Postgres;
test.before(async () => { server = await Postgres.start(); });
test.after(async () => { await server?.dispose(); });

async function query<T>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

async function until(ready: () => Promise<boolean>, what: string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test("PostgreSQL: 3 gateways, 10 000 nodes, each frame to 2 of 3 -> stored exactly once, 0 lost, replays across gateways refused", async () => {
  const url = server.createDatabase("district");
  const fleet = new Fleet(10_000, 700_000);
  const keys = fleet.writeKeyring(path.join(tempDir(), "keys.json"));
  const ids = ["gw-a", "gw-b", "gw-c"];
  const gateways = ids.map((id) => new GatewayProcess(["--udp", "0", "--db", url, "--keys", keys, "--gateway-id", id, "--quiet"]));
  try {
    const ports = await Promise.all(gateways.map((g) => g.port()));
    const migrations = await query<{ version: number }>(url, "SELECT version FROM schema_migrations ORDER BY version");
    assert.deepEqual(migrations.map((m) => m.version), Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1), "each migration recorded once though 3 gateways started together");
    const sender = await Sender.open();
    // Frame i goes to gateways i mod 3 and i+1 mod 3, one right after the other.
    for (let i = 0; i < fleet.nodes.length; i++) {
      const f = fleet.frame(fleet.nodes[i], 1);
      await Promise.all([sender.send(f, ports[i % 3]), sender.send(f, ports[(i + 1) % 3])]);
      if (i % 50 === 49) await new Promise((r) => setTimeout(r, 10));
    }
    const count = async () => Number((await query<{ n: string }>(url, "SELECT count(*) AS n FROM heard"))[0].n);
    await until(async () => (await count()) >= 20_000, "every reception recorded");
    const frames = await query<{ node: number; counter: number; gateway: string }>(url, "SELECT node::float8 AS node, counter::float8 AS counter, gateway FROM frames");
    assert.equal(frames.length, 10_000, "each frame stored once");
    assert.equal(new Set(frames.map((f) => f.node)).size, 10_000);
    const heard = await query<{ node: number; gateways: string[] }>(url, "SELECT node::float8 AS node, array_agg(gateway ORDER BY gateway) AS gateways FROM heard GROUP BY node");
    const byNode = new Map(heard.map((h) => [h.node, h.gateways.join(",")]));
    for (let i = 0; i < fleet.nodes.length; i++) {
      assert.equal(byNode.get(fleet.nodes[i]), [ids[i % 3], ids[(i + 1) % 3]].sort().join(","), `who heard node ${fleet.nodes[i]}`);
    }
    const readings = await query<{ node: number; counter: number; register: string; value: number }>(url, "SELECT node::float8 AS node, counter::float8 AS counter, register, value FROM readings");
    assert.equal(readings.length, 20_000);
    for (const r of readings) assert.equal(r.value, expectedRegisters(r.node, r.counter)[r.register]);

    // The next frame of 300 nodes reaches gw-a only; then their older frames are replayed to gw-b and gw-c.
    const some = fleet.nodes.slice(0, 300);
    for (const n of some) await sender.send(fleet.frame(n, 2), ports[0]);
    await until(async () => Number((await query<{ n: string }>(url, "SELECT count(*) AS n FROM frames WHERE counter = 2"))[0].n) === 300, "the new frames");
    for (const n of some) {
      await sender.send(fleet.frame(n, 1), ports[1]);
      await sender.send(fleet.frame(n, 1), ports[2]);
      await sender.send(fleet.frame(n, 2), ports[1]); // the very frame gw-a stored: a duplicate at gw-b
    }
    sender.close();
    await until(async () => Number((await query<{ n: string }>(url, "SELECT coalesce(sum(count), 0) AS n FROM rejects WHERE verdict = 'replay'"))[0].n) >= 600, "the replays refused", 30_000);
    const exits = await Promise.all(gateways.map((g) => g.stop("SIGTERM")));
    assert.deepEqual(exits.map((e) => e.code), [0, 0, 0], gateways.map((g) => g.stderr).join("\n"));
    assert.equal(Number((await query<{ n: string }>(url, "SELECT count(*) AS n FROM frames"))[0].n), 10_300, "replays stored nothing");
    const replays = await query<{ gateway: string; n: string }>(url, "SELECT gateway, sum(count) AS n FROM rejects WHERE verdict = 'replay' GROUP BY gateway ORDER BY gateway");
    assert.deepEqual(replays.map((r) => [r.gateway, Number(r.n)]), [["gw-b", 300], ["gw-c", 300]]);
    const dupAtB = await query<{ n: string }>(url, "SELECT count(*) AS n FROM heard WHERE counter = 2 AND gateway = 'gw-b'");
    assert.equal(Number(dupAtB[0].n), 300);
    const last = await query<{ n: string }>(url, "SELECT count(*) AS n FROM nodes WHERE last_counter = CASE WHEN node < $1 THEN 2 ELSE 1 END", [fleet.nodes[300]]);
    assert.equal(Number(last[0].n), 10_000, "the replay state of every node is its newest frame");
    // Every stderr summary adds up: accepted across gateways = stored frames.
    const accepted = gateways.map((g) => Number(/frames: (\d+) accepted/.exec(g.stderr)![1])).reduce((a, b) => a + b, 0);
    assert.equal(accepted, 10_300);
  } finally {
    for (const g of gateways) await g.stop("SIGKILL");
  }
});

test("PostgreSQL: a database of a newer schema is refused with one line", async () => {
  const url = server.createDatabase("newer");
  await query(url, "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied TIMESTAMPTZ NOT NULL)");
  await query(url, "INSERT INTO schema_migrations VALUES (99, 'from the future', now())");
  const gw = new GatewayProcess(["--udp", "0", "--db", url, "--gateway-id", "x"]);
  const exit = await gw.exited;
  assert.equal(exit.code, 2);
  assert.match(gw.stderr, new RegExp(`schema version 99; this gateway knows up to version ${SCHEMA_VERSION}`));
});

test("PostgreSQL: --site stores the balance; a restarted gateway starts from the stored readings", { timeout: 120_000 }, async () => {
  const url = server.createDatabase("site");
  const dir = tempDir();
  const buildings = district(dir, 1, 2, 300);
  const frames: string[] = [];
  for (const n of [buildings[0].meter, buildings[0].heat, ...buildings[0].flats]) {
    const r = runCli(["sim", "--scenario", scenarioFile(n.scenario), "--json"]);
    assert.equal(r.status, 0, r.stderr);
    frames.push(...JSON.parse(r.stdout).frames);
  }
  const site = path.join(dir, "site.json");
  fs.writeFileSync(site, JSON.stringify(siteFileOf(buildings)));
  // Two runs, each with half of every node's frames: the second must count the first's readings too.
  for (const [i, half] of [frames.filter((_, k) => k % 30 < 15), frames.filter((_, k) => k % 30 >= 15)].entries()) {
    const hex = path.join(dir, `half-${i}.hex`);
    fs.writeFileSync(hex, half.join("\n") + "\n");
    const gw = runCli(["gateway", "--hex", hex, "--db", url, "--test-keys", "--site", site, "--gateway-id", "pg-site", "--quiet"]);
    assert.equal(gw.status, 0, gw.stderr);
  }
  // The reference: SQL over every stored reading (the sum of each register's increments).
  const storeWh = async (node: number, register: string) => (await query<{ wh: number }>(url, `SELECT coalesce(sum(d), 0) AS wh FROM (
      SELECT value - lag(value) OVER (ORDER BY counter) AS d FROM readings WHERE node = $1 AND register = $2) x WHERE d IS NOT NULL`, [node, register]))[0].wh;
  const rows = await query<{ flat: string; import_wh: number; pv_wh: number; heat_exported_wh: number; consumption_wh: number; gateway: string }>(url,
    "SELECT DISTINCT ON (flat) flat, import_wh, pv_wh, heat_exported_wh, consumption_wh, gateway FROM site_balance WHERE building = 'house-1' ORDER BY flat, computed DESC");
  const building = rows.find((r) => r.flat === "")!;
  const b = buildings[0];
  assert.equal(building.gateway, "pg-site");
  assert.equal(building.import_wh, await storeWh(b.meter.id, "pulse1.wh"));
  assert.equal(building.pv_wh, await storeWh(b.meter.id, "ct1.export_wh"));
  assert.equal(building.heat_exported_wh, await storeWh(b.heat.id, "pulse1.wh"));
  for (const [j, f] of b.flats.entries()) assert.equal(rows.find((r) => r.flat === `1-${j + 1}`)!.consumption_wh, await storeWh(f.id, "pulse1.wh"));
  assert.ok(building.import_wh > 0 && building.pv_wh > 0);
});
