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
import { boardWithNodeId } from "./support/node-boards.js";
import { projectRoot } from "./support/asc-compile.js";
import { BalanceLedger } from "../../host/site/balance.js";
import { parseSite, SiteError } from "../../host/site/site-file.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "activemeter-site-"));
const SECONDS = 600;
const REPORT_S = 10;
/** Frames carry the journal's persisted values: each may trail the truth by one step (scaled to
 *  the board's rating: at most 70 Wh on the shipped boards, docs/storage.md "Wear budget"). */
const STEP_WH = 70;

const board = (base: string, nodeId: number) => boardWithNodeId(dir, base, nodeId);

/** Pulses of a train with start 0 and period 1/hz strictly before t (docs/scenarios.md). */
const pulsesBefore = (hz: number, t: number) => (hz > 0 ? Math.ceil(t * hz - 1e-9) : 0);

interface Node { id: number; scenario: object; truthWh: (register: string, t: number) => number }

function flat(id: number, hz: number): Node {
  return {
    id,
    scenario: { format: "activemeter-scenario/1", board: board("esp32c3-mini", id), seconds: SECONDS, seed: id, pulse: { pulse1: { hz, on_ms: 40, bounce_ms: 2 } } },
    truthWh: (reg, t) => (reg === "pulse1.wh" ? pulsesBefore(hz, t) : 0),
  };
}

/** The building's meter: S0 outputs of the utility meter (import, export), the PV inverter's clamp. */
function buildingNode(id: number, importHz: number, exportHz: number, pvIrms: number): Node {
  return {
    id,
    scenario: {
      format: "activemeter-scenario/1", board: board("esp32-devkitc", id), seconds: SECONDS, seed: id,
      console: ["unlock 0000", "set pulse1.wh_per_pulse 1", "set pulse2.wh_per_pulse 1"],
      mains: { vrms: 230, hz: 50 }, ct: { ct1: { irms: pvIrms, phi_deg: 180 } },
      pulse: Object.fromEntries([["pulse1", importHz], ["pulse2", exportHz]].filter(([, hz]) => (hz as number) > 0).map(([ch, hz]) => [ch, { hz, on_ms: 40 }])),
    },
    truthWh: (reg, t) => reg === "pulse1.wh" ? pulsesBefore(importHz, t) : reg === "pulse2.wh" ? pulsesBefore(exportHz, t) : reg === "ct1.export_wh" ? 230 * pvIrms * t / 3600 : 0,
  };
}

/** The heat meter of the waste-water heat recovery: 10 Wh per pulse into the district network. */
function heatNode(id: number, hz: number): Node {
  return {
    id,
    scenario: { format: "activemeter-scenario/1", board: board("esp32c3-mini", id), seconds: SECONDS, seed: id, console: ["unlock 0000", "set pulse1.wh_per_pulse 10"], pulse: { pulse1: { hz, on_ms: 40 } } },
    truthWh: (reg, t) => (reg === "pulse1.wh" ? 10 * pulsesBefore(hz, t) : 0),
  };
}

const buildings = [0, 1, 2].map((b) => ({
  meter: buildingNode(0x2000 + b, [0.6, 0.05, 0.02][b], [0.02, 0.2, 0.3][b], [4, 8, 12][b]),
  heat: heatNode(0x2100 + b, [0.05, 0.1, 0.2][b]),
  flats: [0, 1, 2, 3].map((f) => flat(0x3000 + b * 16 + f, 0.1 + 0.07 * f + 0.05 * b)),
}));

const siteJson = {
  format: "activemeter-site/1",
  name: "test district",
  buildings: buildings.map((b, i) => ({
    id: `house-${i + 1}`,
    grid_import: [{ node: b.meter.id, register: "pulse1.wh" }],
    grid_export: [{ node: b.meter.id, register: "pulse2.wh" }],
    pv: [{ node: b.meter.id, register: "ct1.export_wh" }],
    heat_export: [{ node: b.heat.id, register: "pulse1.wh" }],
    flats: b.flats.map((f, j) => ({ id: `${i + 1}-${j + 1}`, consumption: [{ node: f.id, register: "pulse1.wh" }] })),
  })),
};

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
  // The balance spans the first to the last reading of each register: frames leave every
  // REPORT_S seconds, the first at REPORT_S, the last when the run ends.
  const span = (n: Node, reg: string) => n.truthWh(reg, SECONDS) - n.truthWh(reg, REPORT_S);
  const near = (got: number, want: number, terms: number, what: string) =>
    assert.ok(Math.abs(got - want) <= 2 * STEP_WH * terms + 1e-6 + 0.002 * want, `${what}: ${got} vs ${want}`);
  buildings.forEach((b, i) => {
    const got = out.buildings[i];
    const importWh = span(b.meter, "pulse1.wh");
    const exportWh = span(b.meter, "pulse2.wh");
    const pvWh = span(b.meter, "ct1.export_wh");
    near(got.importWh, importWh, 1, `house ${i + 1} import`);
    near(got.exportWh, exportWh, 1, `house ${i + 1} export`);
    near(got.pvWh, pvWh, 1, `house ${i + 1} PV`);
    near(got.heatExportedWh, span(b.heat, "pulse1.wh"), 1, `house ${i + 1} heat exported`);
    near(got.selfConsumptionWh, pvWh - exportWh, 2, `house ${i + 1} self-consumption`);
    near(got.consumptionWh, importWh + pvWh - exportWh, 3, `house ${i + 1} consumption`);
    // Self-sufficiency over every corner of the terms' error boxes (each term within 2 steps).
    const e = 2 * STEP_WH;
    const corners = [-e, e].flatMap((di) => [-e, e].flatMap((dp) => [-e, e].map((dx) => {
      const sc = Math.max(0, pvWh + dp - (exportWh + dx));
      return sc / (importWh + di + pvWh + dp - (exportWh + dx));
    })));
    assert.ok(got.selfSufficiency >= Math.min(...corners) - 1e-9 && got.selfSufficiency <= Math.max(...corners) + 1e-9,
      `house ${i + 1} self-sufficiency ${got.selfSufficiency} outside [${Math.min(...corners)}, ${Math.max(...corners)}]`);
    b.flats.forEach((f, j) => near(got.flats[j].consumptionWh, span(f, "pulse1.wh"), 1, `flat ${i + 1}-${j + 1}`));
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
  assert.equal(b.importW, 10 / (10 / 3600)); // 10 Wh in the last 10 s
  const part = ledger.balance(10_000, 30_000).buildings[0];
  assert.equal(part.importWh, 20);
  assert.equal(part.exportWh, 5);
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
