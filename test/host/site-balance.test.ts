// Building balance (docs/active-house.md): a site of 3 buildings x 4 flats metered by twin runs,
// their frames through the real gateway into SQLite, then `activemeter balance`. Every figure is
// checked against an independent computation from the scenarios' definitions: pulse counts of
// the S0 trains and V*I*cos(phi) of the PV clamp, over the span the gateway's first and last
// readings cover.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { runCli } from "./support/cli.js";
import { checkBuilding, district, near, referenceFigures, siteFileOf } from "./support/site-scenarios.js";
import { BalanceLedger } from "../../host/site/balance.js";
import { parseSite, SiteError } from "../../host/site/site-file.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "activemeter-site-"));
const SECONDS = 600;
const buildings = district(dir, 3, 4, SECONDS);
const siteJson = siteFileOf(buildings);

/** Every frame of the site's twin runs (filled by the first test, reused by the dashboard's). */
const hex: string[] = [];

test("3 buildings x 4 flats through the twin, the gateway and SQLite: every balance figure equals the independent computation", () => {
  const nodes = buildings.flatMap((b) => [b.meter, b.heat, ...b.flats]);
  hex.length = 0;
  for (const n of nodes) {
    const file = path.join(dir, `scenario-${n.id}.json`);
    fs.writeFileSync(file, JSON.stringify(n.scenario));
    const r = runCli(["sim", "--scenario", file, "--json"]);
    assert.equal(r.status, 0, r.stderr);
    hex.push(...JSON.parse(r.stdout).frames);
  }
  const frames = path.join(dir, "frames.hex");
  fs.writeFileSync(frames, hex.join("\n") + "\n");
  const db = path.join(dir, "gateway.db");
  const gw = runCli(["gateway", "--hex", frames, "--db", db, "--test-keys"]);
  assert.equal(gw.status, 0, gw.stderr);
  const siteFile = path.join(dir, "site.json");
  fs.writeFileSync(siteFile, JSON.stringify(siteJson));
  const r = runCli(["balance", "--site", siteFile, "--db", db]);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.buildings.length, 3);
  // The balance spans the first to the last reading of each register (referenceFigures).
  buildings.forEach((b, i) => {
    const got = out.buildings[i];
    const want = referenceFigures(b, SECONDS);
    checkBuilding(got, want, `house ${i + 1}`);
    want.flatsWh.forEach((wh, j) => near(got.flats[j].consumptionWh, wh, 1, `flat ${i + 1}-${j + 1}`));
    assert.deepEqual(got.missing, []);
  });
});

const tinySite = parseSite({ format: "activemeter-site/1", buildings: [{ id: "a", grid_import: [{ node: 1, register: "ct1.import_wh" }], grid_export: [{ node: 1, register: "ct1.export_wh" }], pv: [{ node: 2, register: "pulse1.wh" }] }] });

test("ledger: increments summed within the period, a zeroed register counts from zero, late readings sorted in", () => {
  const ledger = new BalanceLedger(tinySite);
  const at = (s: number, imp: number, exp: number) => ledger.add({ node: 1, timeMs: s * 1000, registers: { "ct1.import_wh": imp, "ct1.export_wh": exp } });
  at(0, 100, 0); at(10, 110, 0); at(30, 130, 5); at(20, 120, 2); // t=20 arrives late
  at(40, 4, 5); at(50, 14, 9); // console `zero` between 30 and 40: 4 Wh after it, then 10 more
  ledger.add({ node: 2, timeMs: 0, registers: { "pulse1.wh": 0 } });
  ledger.add({ node: 2, timeMs: 50_000, registers: { "pulse1.wh": 30 } });
  const b = ledger.balance(0, 50_000).buildings[0];
  assert.equal(b.importWh, 30 + 4 + 10);
  assert.equal(b.exportWh, 9);
  assert.equal(b.pvWh, 30);
  assert.equal(b.selfConsumptionWh, 21);
  assert.equal(b.consumptionWh, 44 + 30 - 9);
  // Live power: the energy between the first and the last step of the last 15 minutes over the
  // time between them (t = 10 s and 50 s: 10 + 10 + 4 + 10 Wh in 40 s).
  assert.equal(b.importW, 34 / (40 / 3600));
  const part = ledger.balance(10_000, 30_000).buildings[0];
  assert.equal(part.importWh, 20);
  assert.equal(part.exportWh, 5);
});

test("ledger: live power from whole journal steps, over the last 15 minutes only", () => {
  const ledger = new BalanceLedger(tinySite);
  // A 40 Wh register stepping every 30 s (4.8 kW), read every 10 s, for an hour; then 10 minutes
  // at 2.4 kW (a step every 60 s). Hand-computed: the window holds the last 15 minutes.
  let wh = 0;
  for (let t = 0; t <= 3600; t += 10) {
    if (t > 0 && t % 30 === 0) wh += 40;
    ledger.add({ node: 1, timeMs: t * 1000, registers: { "ct1.import_wh": wh, "ct1.export_wh": 0 } });
  }
  assert.ok(Math.abs(ledger.balance(0, 3_600_000).buildings[0].importW! - 4800) < 1e-6);
  for (let t = 3610; t <= 4200; t += 10) {
    if (t % 60 === 0) wh += 40;
    ledger.add({ node: 1, timeMs: t * 1000, registers: { "ct1.import_wh": wh, "ct1.export_wh": 0 } });
  }
  // Window [3300, 4200]: steps at 3330, 3360, …, 3600 (4.8 kW) and 3660, …, 4200 (2.4 kW):
  // from the first (3330) to the last (4200) the 19 steps after the first: 19 × 40 Wh in 870 s.
  assert.ok(Math.abs(ledger.balance(0, 4_200_000).buildings[0].importW! - 19 * 40 / (870 / 3600)) < 1e-6);
  assert.equal(ledger.balance(0, 4_200_000).buildings[0].exportW, 0, "no step: no power");
});

test("ledger: keeping only the ends of runs of equal values changes no energy (against a naive sum over every reading)", () => {
  const ledger = new BalanceLedger(tinySite);
  const raw: { t: number; v: number }[] = [];
  let v = 0;
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let t = 0; t < 20_000; t += 10) {
    if (rand() < 0.15) v += 40;
    if (rand() < 0.002) v = 0; // a console zero now and then
    raw.push({ t, v });
    ledger.add({ node: 1, timeMs: t * 1000, registers: { "ct1.import_wh": v, "ct1.export_wh": 0 } });
  }
  // The definition, on every reading: increments from the last reading at or before `from`.
  const naive = (from: number, to: number) => {
    const inside = raw.filter((p) => p.t <= to);
    let i = 0;
    inside.forEach((p, k) => { if (p.t <= from) i = k; });
    let wh = 0;
    for (let k = i + 1; k < inside.length; k++) wh += inside[k].v >= inside[k - 1].v ? inside[k].v - inside[k - 1].v : inside[k].v;
    return wh;
  };
  for (const [from, to] of [[0, 20_000], [1234, 5678], [3001, 3002], [9999, 19_995], [-50, 15]]) {
    assert.equal(ledger.balance(from * 1000, to * 1000).buildings[0].importWh, naive(from, to), `[${from}, ${to}]`);
  }
});

test("ledger: a term without readings is reported missing, never counted as zero silently", () => {
  const ledger = new BalanceLedger(tinySite);
  ledger.add({ node: 1, timeMs: 0, registers: { "ct1.import_wh": 0, "ct1.export_wh": 0 } });
  const b = ledger.balance(0, 1000).buildings[0];
  assert.deepEqual(b.missing, ["node 2 pulse1.wh"]);
});

test("site files: every mistake named with its path", () => {
  const bad: [unknown, RegExp][] = [
    [{ format: "activemeter-site/2", buildings: [] }, /^format: expected "activemeter-site\/1"/],
    [{ format: "activemeter-site/1", buildings: [] }, /^buildings: expected a non-empty list/],
    [{ format: "activemeter-site/1", buildings: [{ id: "a" }] }, /^buildings\[0\]: a building needs its grid feed/],
    [{ format: "activemeter-site/1", buildings: [{ id: "a", grid_import: [{ node: 1, register: "ct1.pf" }] }] }, /^buildings\[0\]\.grid_import\[0\]\.register: "ct1\.pf" is not a cumulative energy register/],
    [{ format: "activemeter-site/1", buildings: [{ id: "a", grid_import: [{ node: -1, register: "ct1.import_wh" }] }] }, /^buildings\[0\]\.grid_import\[0\]\.node: a node id/],
    [{ format: "activemeter-site/1", buildings: [{ id: "a", grid_import: [], flats: [{ id: "x" }, { id: "x" }] }] }, /grid feed|used twice/],
    [{ format: "activemeter-site/1", buildings: [{ id: "a b", grid_import: [{ node: 1, register: "ct1.import_wh" }] }] }, /^buildings\[0\]\.id: an id of 1 to 32/],
    [{ format: "activemeter-site/1", buildings: [{ id: "a", grid_import: [{ node: 1, register: "ct1.import_wh" }], solar: [] }] }, /^buildings\[0\]: unknown field 'solar'/],
  ];
  for (const [data, re] of bad) assert.throws(() => parseSite(data), (e: Error) => e instanceof SiteError && re.test(e.message), JSON.stringify(data));
  const file = path.join(dir, "broken.json");
  fs.writeFileSync(file, "{ not json");
  const r = runCli(["balance", "--site", file, "--db", "x.db"]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^activemeter: site file .* is not JSON/);
});

test("balance on MQTT: retained states per building and Home Assistant discovery with the energy dashboard's names", async () => {
  const { balanceStates, balanceDiscovery } = await import("../../host/site/mqtt-balance.js");
  const ledger = new BalanceLedger(tinySite);
  ledger.add({ node: 1, timeMs: 0, registers: { "ct1.import_wh": 0, "ct1.export_wh": 0 } });
  ledger.add({ node: 1, timeMs: 1000, registers: { "ct1.import_wh": 500, "ct1.export_wh": 200 } });
  ledger.add({ node: 2, timeMs: 0, registers: { "pulse1.wh": 0 } });
  ledger.add({ node: 2, timeMs: 1000, registers: { "pulse1.wh": 800 } });
  const states = new Map(balanceStates("am", ledger.balance(-Infinity, Infinity).buildings).map((m) => [m.topic, m]));
  // Hand-computed: PV 800, export 200 -> self-consumption 600; consumption 500 + 800 - 200 = 1100.
  assert.equal(states.get("am/site/a/grid_import_wh")!.payload, "500.0");
  assert.equal(states.get("am/site/a/grid_export_wh")!.payload, "200.0");
  assert.equal(states.get("am/site/a/pv_wh")!.payload, "800.0");
  assert.equal(states.get("am/site/a/self_consumption_wh")!.payload, "600.0");
  assert.equal(states.get("am/site/a/consumption_wh")!.payload, "1100.0");
  assert.equal(states.get("am/site/a/self_sufficiency_pct")!.payload, (600 / 1100 * 100).toFixed(3));
  assert.ok([...states.values()].every((m) => m.retain));
  const disc = balanceDiscovery("am", "homeassistant", [{ id: "a", name: "House A" }], "am/gateway/gw1/status");
  const grid = JSON.parse(disc.find((m) => m.topic === "homeassistant/sensor/activemeter_site_a_grid_import_wh/config")!.payload);
  assert.equal(grid.name, "House A grid consumption");
  assert.equal(grid.device_class, "energy");
  assert.equal(grid.state_class, "total_increasing");
  assert.equal(grid.state_topic, "am/site/a/grid_import_wh");
  assert.equal(grid.availability_topic, "am/gateway/gw1/status");
  assert.ok(disc.some((m) => JSON.parse(m.payload).name === "House A solar production"));
  assert.ok(disc.some((m) => JSON.parse(m.payload).name === "House A return to grid"));
});

test("dashboard data: reading only the rows stored since the last look gives the figures a full load gives", async () => {
  assert.ok(hex.length > 100, "the site's frames from the first test");
  const { DbDashboardData } = await import("../../host/dashboard/db-source.js");
  const { readingsFromSqlite } = await import("../../host/site/readings.js");
  const site = parseSite(siteJson);
  const db = path.join(dir, "incremental.db");
  const data = new DbDashboardData(site, db, "Europe/Stockholm");
  const half = Math.floor(hex.length / 2);
  for (const [i, part] of [hex.slice(0, half), hex.slice(half)].entries()) {
    const file = path.join(dir, `part-${i}.hex`);
    fs.writeFileSync(file, part.join("\n") + "\n");
    const gw = runCli(["gateway", "--hex", file, "--db", db, "--test-keys"]);
    assert.equal(gw.status, 0, gw.stderr);
    await data.refresh();
  }
  const full = new BalanceLedger(site);
  for (const r of await readingsFromSqlite(db)) full.add(r);
  const now = Date.now() + 1000;
  const view = data.view(now);
  assert.deepEqual(view.month.buildings, full.balance(view.month.fromMs, now).buildings);
  assert.ok(view.month.buildings.every((b) => b.missing.length === 0 && b.importWh > 0));
});
