// What the dashboard shows, computed from a balance ledger: the district's buildings and flats
// for today and this month, live power, and hourly energy for the charts. Plain JSON, served
// by server.ts and compared by the tests against the store's own figures.
import type { BalanceLedger, BuildingBalance } from "../site/balance.js";
import type { Building, Site } from "../site/site-file.js";
import { startOfDay, startOfMonth } from "./periods.js";

export interface HourlySeries { startMs: number[]; importWh: number[]; exportWh: number[]; pvWh: number[]; heatExportedWh: number[] }

export interface DashboardView {
  format: "activemeter-dashboard/1";
  site: string;
  zone: string;
  nowMs: number;
  today: { fromMs: number; buildings: BuildingBalance[] };
  month: { fromMs: number; buildings: BuildingBalance[] };
  /** Demand-response state per building: the one level all its nodes are known to be at, else UNKNOWN_DR. */
  demandResponse: Record<string, string>;
  /** Every node the site names: what it meters, when it was last heard, its demand-response state. */
  nodes: NodeView[];
}

/** Shown when the gateway has no demand-response command on record for a node: it runs its local rules. */
export const UNKNOWN_DR = "normal/unknown";

export interface NodeView {
  node: number;
  building: string;
  /** "grid import", "PV", "flat a1", … */
  roles: string[];
  lastHeardMs: number | null;
  counter: number | null;
  statusFlags: string[];
  demandResponse: string;
  /** End of the demand-response level, when one is known. */
  demandResponseUntilMs: number | null;
}

/** What the gateway knows of a node's demand-response level (downlinks, host/frame/downlink.ts, fill it in). */
export interface DemandResponseSource {
  state(node: number, nowMs: number): { level: string; untilMs: number | null } | undefined;
}

/** What the gateway knows of a node beyond the readings: its last frame. */
export interface NodeInfo { counter: number; statusFlags: string[] }

function roles(b: Building): Map<number, string[]> {
  const out = new Map<number, string[]>();
  const add = (refs: { node: number }[], role: string) => {
    for (const r of refs) {
      const list = out.get(r.node) ?? [];
      if (!list.includes(role)) list.push(role);
      out.set(r.node, list);
    }
  };
  add(b.gridImport, "grid import");
  add(b.gridExport, "grid export");
  add(b.pv, "PV");
  add(b.heatExport, "heat export");
  add(b.heatImport, "heat import");
  for (const f of b.flats) add([...f.consumption, ...f.pv], `flat ${f.name}`);
  return out;
}

export function nodeViews(site: Site, ledger: BalanceLedger, nowMs: number, info: Map<number, NodeInfo> = new Map(), dr?: DemandResponseSource): NodeView[] {
  const heard = ledger.lastHeard();
  return site.buildings.flatMap((b) => [...roles(b)].map(([node, r]): NodeView => {
    const known = dr?.state(node, nowMs);
    return {
      node, building: b.id, roles: r, lastHeardMs: heard.get(node) ?? null, counter: info.get(node)?.counter ?? null,
      statusFlags: info.get(node)?.statusFlags ?? [], demandResponse: known?.level ?? UNKNOWN_DR, demandResponseUntilMs: known?.untilMs ?? null,
    };
  }));
}

export function dashboardView(site: Site, ledger: BalanceLedger, zone: string, nowMs: number, info?: Map<number, NodeInfo>, dr?: DemandResponseSource): DashboardView {
  const nodes = nodeViews(site, ledger, nowMs, info, dr);
  const demandResponse = Object.fromEntries(site.buildings.map((b) => {
    const levels = new Set(nodes.filter((n) => n.building === b.id).map((n) => n.demandResponse));
    return [b.id, levels.size === 1 ? [...levels][0] : UNKNOWN_DR];
  }));
  const dayFrom = startOfDay(zone, nowMs);
  const monthFrom = startOfMonth(zone, nowMs);
  return {
    format: "activemeter-dashboard/1",
    site: site.name,
    zone,
    nowMs,
    today: { fromMs: dayFrom, buildings: ledger.balance(dayFrom, nowMs).buildings },
    month: { fromMs: monthFrom, buildings: ledger.balance(monthFrom, nowMs).buildings },
    demandResponse,
    nodes,
  };
}

/** Energy per hour of one building over the last `hours` hours (the charts). */
export function hourlySeries(site: Site, ledger: BalanceLedger, buildingId: string, nowMs: number, hours: number): HourlySeries | undefined {
  const b = site.buildings.find((x) => x.id === buildingId);
  if (!b) return undefined;
  const hour = 3_600_000;
  const last = Math.floor(nowMs / hour) * hour;
  const out: HourlySeries = { startMs: [], importWh: [], exportWh: [], pvWh: [], heatExportedWh: [] };
  for (let h = hours - 1; h >= 0; h--) {
    const from = last - h * hour;
    const bal = ledger.balance(from, Math.min(from + hour, nowMs)).buildings.find((x) => x.id === buildingId)!;
    out.startMs.push(from);
    out.importWh.push(bal.importWh);
    out.exportWh.push(bal.exportWh);
    out.pvWh.push(bal.pvWh);
    out.heatExportedWh.push(bal.heatExportedWh);
  }
  return out;
}
