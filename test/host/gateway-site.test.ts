// The gateway's live building balance (--site) and its dashboard (--http), end to end: twin
// nodes send their frames over UDP to `activemeter gateway --site --http --mqtt`; the rows of
// site_balance, the retained MQTT balance states and the dashboard's figures must each equal an
// independent computation from the scenarios' definitions (pulse counts, V*I*cos(phi)) within
// register resolution. Then the refusals: a token on any non-loopback bind, bad site files.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import mqtt from "mqtt";
import { runCli } from "./support/cli.js";
import { CliProcess } from "./support/processes.js";
import { Broker } from "./support/services.js";
import { tempDir } from "./support/gateway.js";
import { checkBuilding, district, near, referenceFigures, selfSufficiencyBounds, siteFileOf, STEP_WH } from "./support/site-scenarios.js";
import type { SiteBuilding } from "./support/site-scenarios.js";

const SECONDS = 1800; // long enough that the figures are large beside the journal steps (the resolution)

interface Row { building: string; flat: string; import_wh: number; export_wh: number; pv_wh: number; self_consumption_wh: number; consumption_wh: number;
  self_sufficiency: number | null; heat_exported_wh: number; heat_imported_wh: number; missing: string; computed: string }

/** The last stored row of each building and flat. */
function lastRows(db: string): Map<string, Row> {
  const d = new Database(db, { readonly: true });
  try {
    const rows = d.prepare("SELECT * FROM site_balance ORDER BY computed").all() as Row[];
    return new Map(rows.map((r) => [`${r.building}/${r.flat}`, r]));
  } finally {
    d.close();
  }
}

async function runSims(dir: string, buildings: SiteBuilding[], port: number): Promise<number> {
  const nodes = buildings.flatMap((b) => [b.meter, b.heat, ...b.flats]);
  let frames = 0;
  // Three at a time: the machine has two cores.
  for (let i = 0; i < nodes.length; i += 3) {
    await Promise.all(nodes.slice(i, i + 3).map(async (n) => {
      const file = path.join(dir, `scenario-${n.id}.json`);
      fs.writeFileSync(file, JSON.stringify(n.scenario));
      const sim = new CliProcess(["sim", "--scenario", file, "--json", "--udp", `127.0.0.1:${port}`]);
      const exit = await sim.exited;
      assert.equal(exit.code, 0, sim.stderr);
      frames += (sim.lines[0] as { frames: string[] }).frames.length;
    }));
  }
  return frames;
}

test("gateway --site --http --mqtt: twin nodes over UDP; balance rows, MQTT states and the dashboard equal the independent computation", { timeout: 180_000 }, async () => {
  const dir = tempDir();
  const buildings = district(dir, 2, 3, SECONDS);
  const siteFile = path.join(dir, "site.json");
  fs.writeFileSync(siteFile, JSON.stringify(siteFileOf(buildings)));
  const db = path.join(dir, "gw.db");
  const broker = await Broker.start();
  const prefix = `amsite-${process.pid}`;
  const ha = `${prefix}-ha`;
  const gw = new CliProcess(["gateway", "--udp", "0", "--db", db, "--test-keys", "--site", siteFile, "--balance-interval", "0.5", "--http", "0",
    "--mqtt", broker.url, "--mqtt-prefix", prefix, "--ha-prefix", ha, "--gateway-id", "gw-site"]);
  try {
    const port = await gw.udpPort();
    await gw.until(() => /dashboard on (http:\/\/\S+)/.test(gw.stderr), "the dashboard");
    const url = /dashboard on (http:\/\/\S+)/.exec(gw.stderr)![1];
    const frames = await runSims(dir, buildings, port);
    await gw.until(() => gw.readings().length === frames, `all ${frames} frames`);
    await new Promise((r) => setTimeout(r, 1500)); // at least one balance interval after the last reading

    // The dashboard, served by the gateway itself from its live ledger: "today" holds every reading.
    const view = await (await fetch(`${url}api/view`)).json() as { today: { buildings: { id: string; importWh: number; exportWh: number; pvWh: number; heatExportedWh: number; selfConsumptionWh: number; consumptionWh: number; selfSufficiency: number | null; flats: { consumptionWh: number }[] }[] }; nodes: { node: number; demandResponse: string; lastHeardMs: number | null }[] };
    buildings.forEach((b, i) => {
      const want = referenceFigures(b, SECONDS);
      const got = view.today.buildings[i];
      assert.equal(got.id, `house-${i + 1}`);
      checkBuilding(got, want, `dashboard house ${i + 1}`);
      want.flatsWh.forEach((wh, j) => near(got.flats[j].consumptionWh, wh, 1, `dashboard flat ${i + 1}-${j + 1}`));
    });
    assert.equal(view.nodes.length, buildings.length * (2 + 3));
    assert.ok(view.nodes.every((n) => n.demandResponse === "normal/unknown" && n.lastHeardMs !== null), "no downlink known: every node normal/unknown, and heard");

    const exit = await gw.stop("SIGTERM");
    assert.equal(exit.code, 0, gw.stderr);

    // The stored balance: the last row of each building and flat.
    const rows = lastRows(db);
    assert.equal(rows.size, buildings.length * (1 + 3));
    buildings.forEach((b, i) => {
      const want = referenceFigures(b, SECONDS);
      const r = rows.get(`house-${i + 1}/`)!;
      checkBuilding({ importWh: r.import_wh, exportWh: r.export_wh, pvWh: r.pv_wh, heatExportedWh: r.heat_exported_wh, selfConsumptionWh: r.self_consumption_wh,
        consumptionWh: r.consumption_wh, selfSufficiency: r.self_sufficiency }, want, `stored house ${i + 1}`);
      assert.equal(r.heat_imported_wh, 0);
      assert.equal(r.missing, "");
      // Flats: the building's self-consumed PV is shared by consumption (docs/active-house.md).
      const [lo, hi] = selfSufficiencyBounds(want);
      want.flatsWh.forEach((wh, j) => {
        const f = rows.get(`house-${i + 1}/${i + 1}-${j + 1}`)!;
        near(f.consumption_wh, wh, 1, `stored flat ${i + 1}-${j + 1}`);
        assert.ok(f.self_sufficiency! >= lo && f.self_sufficiency! <= hi, `flat ${i + 1}-${j + 1} self-sufficiency ${f.self_sufficiency} outside [${lo}, ${hi}]`);
        const ssMid = (lo + hi) / 2;
        const tolerance = 2 * STEP_WH + wh * (hi - lo) / 2 + 1e-6;
        assert.ok(Math.abs(f.import_wh - wh * (1 - ssMid)) <= tolerance, `flat ${i + 1}-${j + 1} import ${f.import_wh} vs ${wh * (1 - ssMid)} ± ${tolerance}`);
        assert.ok(Math.abs(f.self_consumption_wh + f.import_wh - f.consumption_wh) < 1e-6, "a flat's consumption is its allocated PV plus its import");
      });
    });

    // MQTT: what a Home Assistant started now would see (retained).
    const client = await mqtt.connectAsync(broker.url);
    const retained = new Map<string, string>();
    client.on("message", (topic, payload) => retained.set(topic, payload.toString()));
    await client.subscribeAsync([`${prefix}/site/#`, `${ha}/sensor/#`], { qos: 1 });
    const want1 = buildings.length * 8 + buildings.length * 3 * 4; // building figures + flat figures
    const deadline = Date.now() + 10_000;
    while ([...retained.keys()].filter((t) => t.startsWith(`${prefix}/site/`)).length < want1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await client.endAsync();
    buildings.forEach((b, i) => {
      const want = referenceFigures(b, SECONDS);
      const id = `house-${i + 1}`;
      const state = (key: string) => Number(retained.get(`${prefix}/site/${id}/${key}`));
      const r = rows.get(`${id}/`)!;
      // The states are the stored figures (one decimal), and so the reference's.
      assert.equal(state("grid_import_wh"), Number(r.import_wh.toFixed(1)));
      assert.equal(state("pv_wh"), Number(r.pv_wh.toFixed(1)));
      checkBuilding({ importWh: state("grid_import_wh"), exportWh: state("grid_export_wh"), pvWh: state("pv_wh"), heatExportedWh: state("heat_exported_wh"),
        selfConsumptionWh: state("self_consumption_wh"), consumptionWh: state("consumption_wh"), selfSufficiency: state("self_sufficiency_pct") / 100 }, want, `MQTT house ${i + 1}`);
      want.flatsWh.forEach((wh, j) => near(Number(retained.get(`${prefix}/site/${id}/flat/${i + 1}-${j + 1}/consumption_wh`)), wh, 1, `MQTT flat ${i + 1}-${j + 1}`));
      // Home Assistant discovery: the energy dashboard's three roles.
      const config = (key: string) => JSON.parse(retained.get(`${ha}/sensor/activemeter_site_house_${i + 1}_${key}/config`) ?? "null");
      for (const [key, role] of [["grid_import_wh", "grid consumption"], ["grid_export_wh", "return to grid"], ["pv_wh", "solar production"]]) {
        const c = config(key);
        assert.ok(c, `discovery config of ${id} ${key}`);
        assert.equal(c.name, `${id} ${role}`);
        assert.equal(c.device_class, "energy");
        assert.equal(c.state_class, "total_increasing");
        assert.equal(c.unit_of_measurement, "Wh");
        assert.equal(c.state_topic, `${prefix}/site/${id}/${key}`);
        assert.equal(c.availability_topic, `${prefix}/gateway/gw-site/status`);
      }
    });
  } finally {
    await gw.stop("SIGKILL");
    await broker.dispose();
  }
});

test("gateway --http on a non-loopback address: refused without the access token (generated and printed, or from a file)", { timeout: 60_000 }, async () => {
  const dir = tempDir();
  const site = path.join(dir, "site.json");
  fs.writeFileSync(site, JSON.stringify({ format: "activemeter-site/1", buildings: [{ id: "a", grid_import: [{ node: 1, register: "ct1.import_wh" }] }] }));
  const empty = path.join(dir, "none.hex");
  fs.writeFileSync(empty, "");
  const gw = new CliProcess(["gateway", "--hex", empty, "--no-db", "--site", site, "--http", "0", "--http-bind", "0.0.0.0"]);
  try {
    await gw.until(() => /dashboard on http:\/\/0\.0\.0\.0:\d+\/\?token=\S+/.test(gw.stderr), "the dashboard URL with its token");
    const [, port, token] = /dashboard on http:\/\/0\.0\.0\.0:(\d+)\/\?token=(\S+)/.exec(gw.stderr)!;
    assert.ok(token.length >= 16, token);
    const at = `http://127.0.0.1:${port}/`;
    assert.equal((await fetch(at)).status, 401);
    assert.equal((await fetch(`${at}api/view`)).status, 401);
    assert.equal((await fetch(`${at}api/view?token=${token.slice(0, -1)}`)).status, 401, "a token one character short");
    assert.equal((await fetch(`${at}api/view`, { headers: { authorization: `Bearer ${token}x` } })).status, 401);
    const ok = await fetch(`${at}api/view`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(ok.status, 200);
    assert.equal(((await ok.json()) as { nodes: { demandResponse: string }[] }).nodes[0].demandResponse, "normal/unknown");
    assert.equal((await fetch(`${at}?token=${token}`)).status, 200);
  } finally {
    assert.equal((await gw.stop("SIGTERM")).code, 0, gw.stderr);
  }
  // A token file: its token works, and it is not printed.
  const tokenFile = path.join(dir, "token");
  fs.writeFileSync(tokenFile, "district-token-0123456789\n");
  const gw2 = new CliProcess(["gateway", "--hex", empty, "--no-db", "--site", site, "--http", "0", "--http-bind", "0.0.0.0", "--http-token-file", tokenFile]);
  try {
    await gw2.until(() => /dashboard on http:\/\/0\.0\.0\.0:\d+\//.test(gw2.stderr), "the dashboard");
    const port = /dashboard on http:\/\/0\.0\.0\.0:(\d+)\//.exec(gw2.stderr)![1];
    assert.doesNotMatch(gw2.stderr, /district-token/);
    assert.equal((await fetch(`http://127.0.0.1:${port}/api/view`)).status, 401);
    assert.equal((await fetch(`http://127.0.0.1:${port}/api/view`, { headers: { authorization: "Bearer district-token-0123456789" } })).status, 200);
  } finally {
    assert.equal((await gw2.stop("SIGTERM")).code, 0, gw2.stderr);
  }
  fs.writeFileSync(tokenFile, "short\n");
  const short = runCli(["gateway", "--hex", empty, "--no-db", "--site", site, "--http", "0", "--http-bind", "0.0.0.0", "--http-token-file", tokenFile]);
  assert.equal(short.status, 2);
  assert.match(short.stderr, /access token must have at least 16 characters/);
});

test("gateway --site: bad site files and options are refused with one line, exit 2", () => {
  const dir = tempDir();
  const empty = path.join(dir, "none.hex");
  fs.writeFileSync(empty, "");
  const bad = path.join(dir, "bad.json");
  fs.writeFileSync(bad, JSON.stringify({ format: "activemeter-site/1", buildings: [{ id: "a", grid_import: [{ node: 1, register: "ct1.power_w" }] }] }));
  const cases: [string[], RegExp][] = [
    [["--site", bad], /^activemeter: buildings\[0\]\.grid_import\[0\]\.register: "ct1\.power_w" is not a cumulative energy register/m],
    [["--site", path.join(dir, "missing.json")], /^activemeter: cannot read site file .*missing\.json/m],
    [["--http", "0"], /^activemeter: --http needs --site FILE/m],
    [["--site", bad, "--balance-interval", "0"], /^activemeter: --balance-interval takes seconds/m],
    [["--http-bind", "0.0.0.0"], /^activemeter: --http-bind needs --http PORT/m],
  ];
  for (const [args, re] of cases) {
    const r = runCli(["gateway", "--hex", empty, "--no-db", ...args]);
    assert.equal(r.status, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, re);
  }
});
