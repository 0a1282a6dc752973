// The district dashboard in a real browser (Debian's chromium through playwright-core), served by
// the gateway itself (--site --http): two buildings metered by twin runs, their frames through
// the gateway into SQLite; every figure on the page must equal what the database itself says (SQL
// over the readings table, not the dashboard's code), and the page must log no errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import type { Database as Db } from "better-sqlite3";
import { chromium } from "playwright-core";
import type { Browser } from "playwright-core";
import { runCli } from "../host/support/cli.js";
import { boardWithNodeId } from "../host/support/node-boards.js";
import { projectRoot } from "../host/support/asc-compile.js";
import { CliProcess } from "../host/support/processes.js";
import { startDashboard } from "../../host/dashboard/server.js";

const CHROMIUM = process.env.ACTIVEMETER_CHROMIUM || "/usr/bin/chromium";
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "activemeter-dash-"));

const board = (base: string, nodeId: number) => boardWithNodeId(dir, base, nodeId);

// Rates give every register at least two journal steps in 300 s (frames carry whole steps: 30 Wh
// on esp32c3-mini pulses, 70 Wh on esp32-devkitc pulses, 40 Wh on its clamps; docs/storage.md).
function sim(scenario: object, name: string): string[] {
  const file = path.join(dir, `${name}.json`);
  fs.writeFileSync(file, JSON.stringify({ format: "activemeter-scenario/1", seconds: 300, ...scenario }));
  const r = runCli(["sim", "--scenario", file, "--json"]);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout).frames;
}

/** Energy of a register in the database: the sum of its increments (SQL window function). */
function storeWh(db: Db, node: number, register: string): number {
  const row = db.prepare(`SELECT SUM(CASE WHEN d >= 0 THEN d ELSE value END) AS wh FROM (
      SELECT value, value - LAG(value) OVER (ORDER BY counter) AS d FROM readings WHERE node = ? AND register = ?) WHERE d IS NOT NULL`).get(node, register) as { wh: number | null };
  return row.wh ?? 0;
}

test("dashboard page served by the gateway (--site --http): every building and flat figure equals the store's, no page errors", { timeout: 240_000 }, async () => {
  assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} not found: the dashboard test needs Debian's chromium package (npm test installs it as root: tools/test-tools.mjs)`);
  const frames = [
    ...sim({ board: board("esp32-devkitc", 0x4001), seed: 1, console: ["unlock 0000", "set pulse1.wh_per_pulse 1", "set pulse2.wh_per_pulse 1"],
      mains: { vrms: 230, hz: 50 }, ct: { ct1: { irms: 6, phi_deg: 180 } }, pulse: { pulse1: { hz: 1, on_ms: 40 }, pulse2: { hz: 0.6, on_ms: 40 } } }, "house-a"),
    ...sim({ board: board("esp32c3-mini", 0x4101), seed: 2, pulse: { pulse1: { hz: 0.6, on_ms: 40 } } }, "flat-a1"),
    ...sim({ board: board("esp32c3-mini", 0x4102), seed: 3, pulse: { pulse1: { hz: 0.45, on_ms: 40 } } }, "flat-a2"),
    ...sim({ board: board("esp32c3-mini", 0x4002), seed: 4, pulse: { pulse1: { hz: 0.5, on_ms: 40 } } }, "house-b"),
  ];
  const hex = path.join(dir, "frames.hex");
  fs.writeFileSync(hex, frames.join("\n") + "\n");
  const dbFile = path.join(dir, "gateway.db");
  const siteFile = path.join(dir, "site.json");
  fs.writeFileSync(siteFile, JSON.stringify({
    format: "activemeter-site/1", name: "Solbacken",
    buildings: [
      { id: "house-a", name: "House A", grid_import: [{ node: 0x4001, register: "pulse1.wh" }], grid_export: [{ node: 0x4001, register: "pulse2.wh" }],
        pv: [{ node: 0x4001, register: "ct1.export_wh" }],
        flats: [{ id: "a1", name: "A1", consumption: [{ node: 0x4101, register: "pulse1.wh" }] }, { id: "a2", name: "A2", consumption: [{ node: 0x4102, register: "pulse1.wh" }] }] },
      { id: "house-b", name: "House B", grid_import: [{ node: 0x4002, register: "pulse1.wh" }] },
    ],
  }));

  // The gateway itself serves the page (--http), from the balance it computes as readings commit.
  const gw = new CliProcess(["gateway", "--hex", hex, "--db", dbFile, "--test-keys", "--site", siteFile, "--http", "0", "--balance-interval", "0.5"]);
  await gw.until(() => gw.readings().length === frames.length && /dashboard on http:\/\/\S+/.test(gw.stderr), "every frame stored and the dashboard up", 60_000);
  const url = /dashboard on (http:\/\/\S+)/.exec(gw.stderr)![1];
  await new Promise((r) => setTimeout(r, 1200)); // a balance interval after the last reading: site_balance has it

  const db = new Database(dbFile, { readonly: true });
  const want: Record<string, number> = {
    "house-a.importWh": storeWh(db, 0x4001, "pulse1.wh"),
    "house-a.exportWh": storeWh(db, 0x4001, "pulse2.wh"),
    "house-a.pvWh": storeWh(db, 0x4001, "ct1.export_wh"),
    "house-a.flat.a1": storeWh(db, 0x4101, "pulse1.wh"),
    "house-a.flat.a2": storeWh(db, 0x4102, "pulse1.wh"),
    "house-b.importWh": storeWh(db, 0x4002, "pulse1.wh"),
  };
  const stored = db.prepare("SELECT building, flat, import_wh FROM site_balance ORDER BY computed").all() as { building: string; flat: string; import_wh: number }[];
  db.close();
  const lastStored = new Map(stored.map((r) => [`${r.building}/${r.flat}`, r.import_wh]));
  assert.equal(lastStored.get("house-a/"), want["house-a.importWh"], "the gateway's stored balance has the readings' import");
  want["house-a.selfConsumptionWh"] = Math.max(0, want["house-a.pvWh"] - want["house-a.exportWh"]);
  want["district.importWh"] = want["house-a.importWh"] + want["house-b.importWh"];
  for (const [k, v] of Object.entries(want)) if (!k.includes("selfConsumption") && !k.startsWith("district")) assert.ok(v > 0, `${k} has energy in the store`);

  // Flats share the building's self-sufficiency (proportional allocation, docs/active-house.md).
  const consumption = want["house-a.importWh"] + want["house-a.pvWh"] - want["house-a.exportWh"];
  const shownPct = (x: number) => `${(x * 100).toFixed(1)} %`;
  const flatSelfSufficiency = shownPct(want["house-a.selfConsumptionWh"] / consumption);

  let browser: Browser | undefined;
  const pageErrors: string[] = [];
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-quic", "--no-first-run", "--disable-sync", "--disable-dev-shm-usage"] });
    const page = await (await browser.newContext({ viewport: { width: 1200, height: 900 } })).newPage();
    page.on("pageerror", (e) => pageErrors.push(e.message));
    page.on("console", (m) => { if (m.type() === "error") pageErrors.push(m.text()); });
    await page.goto(url);
    // Generous: a loaded 2-core CI machine can take long to start chromium and draw the first view.
    await page.waitForFunction(() => document.body.dataset.loaded === "1", undefined, { timeout: 90_000 }).catch(async (e: Error) => {
      throw new Error(`the page never loaded its figures: ${await page.textContent("#stamp")}; page errors: ${pageErrors.join("; ")}; ${e.message}`);
    });
    for (const [figure, wh] of Object.entries(want)) {
      const shown = await page.textContent(`[data-figure="${figure}"]`);
      assert.equal(shown, (wh / 1000).toFixed(3), `${figure} shows ${shown}, the store says ${wh} Wh`);
    }
    for (const flat of ["a1", "a2"]) assert.equal(await page.textContent(`[data-figure="house-a.flat.${flat}.selfSufficiency"]`), flatSelfSufficiency);
    // No demand-response command known to the gateway: normal/unknown, for the building and each node.
    assert.equal(await page.textContent('[data-figure="house-b.demandResponse"]'), "normal/unknown");
    for (const node of [0x4001, 0x4101, 0x4102, 0x4002]) assert.equal(await page.textContent(`[data-figure="node.${node}.demandResponse"]`), "normal/unknown");
    // The chart (Chart.js) of house A: its hourly import, export and PV bars add up to the store's figures.
    const sums = await page.evaluate(() => {
      const chart = (window as unknown as { Chart: { getChart(c: Element): { data: { datasets: { data: number[] }[] } } } }).Chart.getChart(document.getElementById("chart")!);
      return chart.data.datasets.map((d) => d.data.reduce((a, b) => a + b, 0));
    });
    assert.deepEqual(sums.slice(0, 3).map((x) => x.toFixed(3)), ["importWh", "exportWh", "pvWh"].map((k) => (want[`house-a.${k}`] / 1000).toFixed(3)));
    await page.screenshot({ path: path.join(projectRoot, "build", "dashboard.png"), fullPage: true });
    if (process.env.ACTIVEMETER_UPDATE_SCREENSHOT === "1") fs.copyFileSync(path.join(projectRoot, "build", "dashboard.png"), path.join(projectRoot, "docs", "img", "dashboard.png"));
    assert.deepEqual(pageErrors, []);
  } finally {
    await browser?.close();
    const exit = await gw.stop("SIGTERM");
    assert.equal(exit.code, 0, gw.stderr);
  }
});

test("dashboard refuses to bind beyond loopback without a token, and checks the token when it has one", async () => {
  const data = { view: () => { throw new Error("unused"); }, series: () => undefined };
  await assert.rejects(startDashboard({ port: 0, host: "0.0.0.0", data }), /needs an access token/);
  const d = await startDashboard({ port: 0, token: "0123456789abcdef-token", data: { view: () => ({ ok: true }) as never, series: () => undefined } });
  try {
    assert.equal((await fetch(`${d.url}api/view`)).status, 401);
    assert.equal((await fetch(`${d.url}api/view?token=wrong`)).status, 401);
    assert.equal((await fetch(`${d.url}api/view`, { headers: { authorization: "Bearer 0123456789abcdef-token" } })).status, 200);
    assert.equal((await fetch(`${d.url}api/view?token=0123456789abcdef-token`, { method: "POST" })).status, 405);
  } finally {
    await d.close();
  }
});
