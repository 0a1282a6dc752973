// What the dashboard shows, computed from a balance ledger: the district's buildings and flats
// for today and this month, live power, and hourly energy for the charts. Plain JSON, served
// by server.ts and compared by the tests against the store's own figures.
import type { BalanceLedger, BuildingBalance } from "../site/balance.js";
import type { Site } from "../site/site-file.js";
import { startOfDay, startOfMonth } from "./periods.js";

export interface HourlySeries { startMs: number[]; importWh: number[]; exportWh: number[]; pvWh: number[]; heatExportedWh: number[] }

export interface DashboardView {
  format: "activemeter-dashboard/1";
  site: string;
  zone: string;
  nowMs: number;
  today: { fromMs: number; buildings: BuildingBalance[] };
  month: { fromMs: number; buildings: BuildingBalance[] };
  /** Demand-response state per building, as the gateway last commanded it ("normal" without downlinks). */
  demandResponse: Record<string, string>;
}

export function dashboardView(site: Site, ledger: BalanceLedger, zone: string, nowMs: number, demandResponse: Record<string, string> = {}): DashboardView {
  const dayFrom = startOfDay(zone, nowMs);
  const monthFrom = startOfMonth(zone, nowMs);
  return {
    format: "activemeter-dashboard/1",
    site: site.name,
    zone,
    nowMs,
    today: { fromMs: dayFrom, buildings: ledger.balance(dayFrom, nowMs).buildings },
    month: { fromMs: monthFrom, buildings: ledger.balance(monthFrom, nowMs).buildings },
    demandResponse: Object.fromEntries(site.buildings.map((b) => [b.id, demandResponse[b.id] ?? "normal"])),
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
