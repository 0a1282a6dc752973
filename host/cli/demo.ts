// `activemeter demo` (npm start): an active house (building meter with grid feed, PV and heat
// export; three flats) simulated by twins whose frames go through the real gateway service
// (verification, replay check, commit) into the live building balance, served as the district
// dashboard. A live table beside; Ctrl-C stops it cleanly. Nothing to set up: embedded defaults.
import { spawn } from "node:child_process";
import { parseArgs } from "node:util";
import { Twin } from "../sim/twin.js";
import { TestKeys } from "../frame/keyring.js";
import { GatewayService } from "../gateway/service.js";
import { MemoryStore } from "../gateway/memory-store.js";
import type { Outcome } from "../gateway/gateway.js";
import { SiteBalanceOutput } from "../gateway/site-balance.js";
import { LiveDashboardData } from "../dashboard/live-source.js";
import { DashboardError, startDashboard } from "../dashboard/server.js";
import type { Dashboard } from "../dashboard/server.js";
import { startOfDay } from "../dashboard/periods.js";
import { UsageError } from "./errors.js";
import { parsePort } from "./dashboard.js";
import { parseSpeed } from "./pace.js";
import type { Speed } from "./pace.js";
import { BUILDING_NODE, buildingScenario, demoNodes, demoSite, FLATS, HEAT_W, HEATER_RULE, HEATER_W, HOUSE_W, PV_PEAK_W } from "./demo-site.js";

export const DEMO_HELP = `usage: activemeter demo [--speed N|max] [--seconds S] [--day S] [--http PORT] [--open]
       activemeter demo --print-scenario [--seconds S] [--day S]

An active house, simulated: a building meter (board esp32-devkitc) with a CT clamp on the grid
feed (ct1: the house's ${HOUSE_W} W less the PV, plus the water heater), one on the PV inverter (ct2:
a day, up to ${PV_PEAK_W} W at midday) and the heat recovery's meter exporting ${HEAT_W} W to district
heating (pulse2, 10 Wh per pulse); three flats (esp32c3-mini, their utility meters' S0 outputs:
${FLATS.map((f) => `${f.watts} W`).join(", ")}). The building meter's relay out1 drives a ${HEATER_W} W water heater by the
node's own rule: on after ${HEATER_RULE.on_delay_s} s of at least ${HEATER_RULE.on_w} W export on ct1, off after ${HEATER_RULE.off_delay_s} s of import above
${HEATER_RULE.off_w} W (minimum ${HEATER_RULE.min_on_s} s on, ${HEATER_RULE.min_off_s} s off). Every frame goes through the gateway (verification,
replay check) into the building balance, shown on the dashboard and in a table of the
firmware's registers beside what the gateway received. Ctrl-C stops it.

  --speed N|max    simulated seconds per real second (default 60); the gateway's clock is the
                   simulated one (from today's midnight), so the dashboard shows the simulated day
  --seconds S      simulated duration (default: one day, --day)
  --day S          length of the PV day in simulated seconds (default 86400; less compresses the
                   day's hours, not the heater's rule times)
  --http PORT      dashboard port (default 8418, a free one if that is taken; 0: a free one)
  --open           open the dashboard in the desktop's browser (xdg-open)
  --print-scenario print the building meter's scenario (JSON, for activemeter sim or
                   tools/ref-output-twin.py) and exit`;

const ZONE = "Europe/Stockholm";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function clock(us: number): string {
  const s = Math.floor(us / 1e6);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}`;
}

/** The rows of the table: a register of a node, its firmware value and what the gateway last received. */
const ROWS: { node: number; register: string; label: string }[] = [
  { node: BUILDING_NODE, register: "ct1.import_wh", label: "ct1 grid import" },
  { node: BUILDING_NODE, register: "ct1.export_wh", label: "ct1 grid export" },
  { node: BUILDING_NODE, register: "ct2.export_wh", label: "ct2 PV export" },
  { node: BUILDING_NODE, register: "pulse2.wh", label: "pulse2 heat exported" },
  ...FLATS.map((f) => ({ node: f.node, register: "pulse1.wh", label: `flat ${f.name} pulse1` })),
];

/** The water heater: the firmware's out1 registers, and the times the relay switched (the twin
 * follows fw_output_state 10 ms after the rule's evaluation of a second). The devkitc has no load
 * clamp for it, so its energy is the rating times the firmware's on-time, said as such. */
function heaterLine(twin: Twin): string {
  const r = twin.registers();
  const onS = r["out1.on_s"] ?? 0;
  const times = twin.outputChanges.map(([us, mask]) => `${mask & 1 ? "on" : "off"} ${(us / 1e6).toFixed(2)} s`);
  return `water heater (out1, ${HEATER_W} W on ct1): ${r["out1.state"] ? "ON" : "off"}, switches ${r["out1.switches"] ?? 0}, on ${onS} s, ` +
    `energy ${(HEATER_W * onS / 3600).toFixed(1)} Wh (${HEATER_W} W x on-time); switched: ${times.length ? times.slice(-6).join(", ") : "not yet"}`;
}

async function openDashboard(port: number, fallback: boolean, data: LiveDashboardData, now: () => number): Promise<Dashboard> {
  try {
    return await startDashboard({ port, data, now });
  } catch (e) {
    if (!(e instanceof DashboardError)) throw e;
    if (!fallback) throw new UsageError(e.message);
    return startDashboard({ port: 0, data, now }); // the default port is taken (another demo?): any free one
  }
}

export async function demoCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      speed: { type: "string" }, seconds: { type: "string" }, day: { type: "string" }, http: { type: "string" },
      open: { type: "boolean" }, "print-scenario": { type: "boolean" }, help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    console.log(DEMO_HELP);
    return 0;
  }
  const speed: Speed = parseSpeed(values.speed, 60);
  const day = values.day === undefined ? 86400 : Number(values.day);
  if (!Number.isInteger(day) || day < 240 || day > 86400) throw new UsageError(`--day takes whole seconds from 240 to 86400, not '${values.day}'`);
  const seconds = values.seconds === undefined ? day : Number(values.seconds);
  if (!(seconds > 0)) throw new UsageError(`--seconds takes a positive number, not '${values.seconds}'`);
  if (values["print-scenario"]) {
    process.stdout.write(JSON.stringify(buildingScenario(seconds, day), null, 2) + "\n");
    return 0;
  }
  const port = parsePort(values.http, 8418);

  const site = demoSite();
  const nodes = demoNodes(seconds, day);
  // The gateway runs on the simulated clock: readings are stamped with the time they left the
  // radio, so live power and the hourly chart are right at any speed. The simulated day starts
  // at today's midnight in the dashboard's zone, so its hours are the PV day's.
  const startMs = startOfDay(ZONE, Date.now());
  let simUs = 0;
  const simNow = () => startMs + simUs / 1000;
  const store = new MemoryStore(false);
  const balance = await SiteBalanceOutput.open({ site, store, intervalMs: 1000, clock: simNow });
  const received = new Map<number, Record<string, number>>();
  let accepted = 0;
  const table = { write: (o: Outcome) => { if (o.verdict === "accepted" && o.frame) { accepted++; received.set(o.frame.node, o.frame.registers); } }, close: async () => {} };
  const service = await GatewayService.open({ keys: new TestKeys(), requireAuthentication: true, store, outputs: [balance, table], clock: simNow });
  balance.start();
  const data = new LiveDashboardData(site, balance, ZONE);
  const dashboard = await openDashboard(port, values.http === undefined, data, simNow);

  const twins = nodes.map((n) => new Twin(n.scenario, undefined, { frame: (bytes) => service.frame(bytes, `twin:${n.node}`) }));

  const buildingTwin = twins[nodes.findIndex((n) => n.node === BUILDING_NODE)];

  const tty = process.stdout.isTTY === true;
  process.stdout.write(`activemeter demo: dashboard on ${dashboard.url} (Ctrl-C to stop)\n`);
  if (values.open) {
    const child = spawn("xdg-open", [dashboard.url], { detached: true, stdio: "ignore" });
    child.on("error", (e) => process.stderr.write(`activemeter demo: cannot open a browser (${e.message}): open ${dashboard.url} yourself\n`));
    child.unref();
  }

  let drawnLines = 0;
  const draw = (final: boolean) => {
    const lines: string[] = [];
    lines.push(`activemeter demo: ${site.name}, ${nodes.length} meters, simulated ${clock(simUs)} at ${speed === "max" ? "max" : speed + "x"} speed`);
    lines.push(`${"node".padEnd(6)}${"register".padEnd(24)}${"energy (firmware)".padStart(20)}${"energy (gateway)".padStart(20)}`);
    for (const row of ROWS) {
      const twin = twins[nodes.findIndex((n) => n.node === row.node)];
      const fw = twin.registers()[row.register] ?? 0;
      const gw = received.get(row.node)?.[row.register] ?? 0;
      lines.push(`${String(row.node).padEnd(6)}${row.label.padEnd(24)}${(fw.toFixed(3) + " Wh").padStart(20)}${(gw.toFixed(1) + " Wh").padStart(20)}`);
    }
    lines.push(heaterLine(buildingTwin));
    const b = balance.current(simNow()).buildings[0];
    const kwh = (wh: number) => `${(wh / 1000).toFixed(3)} kWh`;
    lines.push(`House A balance (gateway): import ${kwh(b.importWh)}, export ${kwh(b.exportWh)}, PV ${kwh(b.pvWh)}, self-consumption ${kwh(b.selfConsumptionWh)}, ` +
      `self-sufficiency ${b.selfSufficiency === null ? "-" : (b.selfSufficiency * 100).toFixed(1) + " %"}, heat exported ${kwh(b.heatExportedWh)}`);
    const stats = service.stats();
    lines.push(`frames received ${stats.received}, accepted ${accepted}, rejected ${stats.rejected}; dashboard ${dashboard.url}`);
    lines.push(final ? "stopped." : "Ctrl-C to stop");
    if (tty) {
      if (drawnLines > 0) process.stdout.write(`\x1b[${drawnLines}A\x1b[J`);
      process.stdout.write(lines.join("\n") + "\n");
      drawnLines = lines.length;
    } else if (final) {
      process.stdout.write(lines.join("\n") + "\n");
    }
  };

  let stop = false;
  const onSignal = () => { stop = true; };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  if (tty) process.stdout.write("\x1b[?25l");
  const timer = setInterval(() => draw(false), 250);
  try {
    // The twins advance in lockstep; the event loop gets a turn at least every 20 ms of work,
    // so the gateway commits and the dashboard answers even at --speed max.
    const startWall = performance.now();
    const done = () => twins.every((t) => t.done);
    while (!done() && !stop) {
      const sliceEnd = performance.now() + 20;
      while (!done() && performance.now() < sliceEnd) {
        for (const t of twins) if (!t.done) t.step();
        simUs = Math.max(...twins.map((t) => t.clockUs));
        if (speed !== "max" && simUs / 1000 / speed > performance.now() - startWall + 5) break;
      }
      const aheadMs = speed === "max" ? 0 : simUs / 1000 / speed - (performance.now() - startWall);
      await sleep(Math.max(0, Math.min(aheadMs, 100)));
    }
  } finally {
    clearInterval(timer);
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await dashboard.close();
    await service.close(); // the last frames committed, the balance computed once more
    draw(true);
    if (tty) process.stdout.write("\x1b[?25h");
  }
  return 0;
}
