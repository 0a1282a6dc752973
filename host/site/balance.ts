// Building energy balance from the meters' cumulative registers (docs/active-house.md). Pure:
// readings in (node, time, register values), figures out; no I/O and no clock of its own.
//
// The energy of one register over a period is the sum of its increments between consecutive
// readings inside [from, to], starting from the last reading at or before `from` (or the first
// reading in the period when there is none before it). A value that goes down is a zeroed
// register (console `zero`): the increment is then the new value itself, never negative.
import type { Building, MeterRef, Site } from "./site-file.js";

export interface Reading { node: number; timeMs: number; registers: Record<string, number> }

interface Point { timeMs: number; value: number }

export interface PeriodFigure {
  wh: number;
  /** Mean power over the last POWER_WINDOW_MS of the period (W), when it has two readings there. */
  powerW: number | null;
}

/** Live power looks this far back from the last reading. */
export const POWER_WINDOW_MS = 15 * 60_000;

export interface FlatBalance {
  id: string;
  name: string;
  consumptionWh: number;
  /** The flat's own PV terms (most flats have none). */
  pvWh: number;
  /** Share of the building's consumption. */
  shareOfBuilding: number | null;
  /** The building's self-consumed PV allocated by that share (the proportional key). */
  selfConsumptionWh: number;
  /** What is left of the flat's consumption: bought from the grid. */
  importWh: number;
  /** Allocated self-consumption / consumption (null without consumption). */
  selfSufficiency: number | null;
  /** Mean power of the consumption terms over their last two readings (W). */
  powerW: number | null;
}

export interface BuildingBalance {
  id: string;
  name: string;
  importWh: number;
  exportWh: number;
  pvWh: number;
  /** PV energy used inside the building: yield minus what went back to the grid. */
  selfConsumptionWh: number;
  /** Energy used: grid import plus PV yield minus grid export. */
  consumptionWh: number;
  /** Share of the consumption covered by own PV, 0..1 (null without consumption). */
  selfSufficiency: number | null;
  heatExportedWh: number;
  heatImportedWh: number;
  importW: number | null;
  exportW: number | null;
  pvW: number | null;
  flats: FlatBalance[];
  /** Terms with no reading in the period: the figures above lack them (never silently zero). */
  missing: string[];
}

export interface SiteBalance { fromMs: number; toMs: number; buildings: BuildingBalance[] }

const key = (node: number, register: string) => `${node}/${register}`;

/** Energy between two readings of a cumulative register; a drop is a zeroing, then the new value counts. */
const increment = (before: number, after: number) => (after >= before ? after - before : after);

/** Every reading of the registers a site uses, in time order per register. */
export class BalanceLedger {
  private readonly series = new Map<string, Point[]>();
  private readonly heard = new Map<number, number>();

  constructor(private readonly site: Site) {
    for (const b of site.buildings) {
      for (const ref of termsOf(b)) this.series.set(key(ref.node, ref.register), []);
    }
  }

  /**
   * Takes a reading; registers the site does not use are ignored (cost: one map look-up each).
   * Values rise in whole journal steps, so most readings repeat the one before: of a run of equal
   * values only the first and the last reading are kept (the energies are the same, and memory
   * grows with the steps, not the frames).
   */
  add(reading: Reading): void {
    let used = false;
    for (const [register, value] of Object.entries(reading.registers)) {
      const points = this.series.get(key(reading.node, register));
      if (!points || !Number.isFinite(value)) continue;
      used = true;
      const last = points.at(-1);
      if (!last || reading.timeMs >= last.timeMs) {
        const before = points.at(-2);
        if (last && before && last.value === value && before.value === value) last.timeMs = reading.timeMs; // the run goes on
        else points.push({ timeMs: reading.timeMs, value });
      } else points.splice(upperBound(points, reading.timeMs), 0, { timeMs: reading.timeMs, value }); // late arrival
    }
    if (used && (this.heard.get(reading.node) ?? -Infinity) < reading.timeMs) this.heard.set(reading.node, reading.timeMs);
  }

  /** The time of the earliest reading of any term (the start of the cumulative figures), if any. */
  firstTimeMs(): number | undefined {
    let first: number | undefined;
    for (const points of this.series.values()) if (points.length && (first === undefined || points[0].timeMs < first)) first = points[0].timeMs;
    return first;
  }

  /** The last reading time of each node the site uses (nodes never heard are absent). */
  lastHeard(): Map<number, number> {
    return new Map(this.heard);
  }

  /** The energy of one term over [fromMs, toMs], or undefined when it has no reading there. */
  figure(ref: MeterRef, fromMs: number, toMs: number): PeriodFigure | undefined {
    const points = this.series.get(key(ref.node, ref.register)) ?? [];
    const end = upperBound(points, toMs); // points[..end) are at or before toMs
    let start = upperBound(points, fromMs) - 1; // the last at or before fromMs
    if (start < 0) start = 0;
    if (end - start < 1 || points[start].timeMs > toMs) return undefined;
    let wh = 0;
    for (let i = start + 1; i < end; i++) wh += increment(points[i - 1].value, points[i].value);
    return { wh, powerW: meanPowerW(points, start, end) };
  }

  balance(fromMs: number, toMs: number): SiteBalance {
    return { fromMs, toMs, buildings: this.site.buildings.map((b) => this.building(b, fromMs, toMs)) };
  }

  private building(b: Building, fromMs: number, toMs: number): BuildingBalance {
    const missing: string[] = [];
    const sum = (refs: MeterRef[]) => {
      let wh = 0;
      let powerW: number | null = refs.length > 0 ? 0 : null;
      for (const ref of refs) {
        const f = this.figure(ref, fromMs, toMs);
        if (!f) {
          missing.push(`node ${ref.node} ${ref.register}`);
          powerW = null;
          continue;
        }
        wh += f.wh;
        powerW = powerW === null || f.powerW === null ? null : powerW + f.powerW;
      }
      return { wh, powerW };
    };
    const imp = sum(b.gridImport);
    const exp = sum(b.gridExport);
    const pv = sum(b.pv);
    const selfConsumptionWh = Math.max(0, Math.min(pv.wh, pv.wh - exp.wh));
    const consumptionWh = Math.max(0, imp.wh + pv.wh - exp.wh);
    const flats = b.flats.map((f): FlatBalance => {
      const use = sum(f.consumption);
      const share = consumptionWh > 0 ? use.wh / consumptionWh : null;
      const allocated = share === null ? 0 : Math.min(use.wh, share * selfConsumptionWh);
      return {
        id: f.id, name: f.name, consumptionWh: use.wh, pvWh: sum(f.pv).wh, shareOfBuilding: share,
        selfConsumptionWh: allocated, importWh: use.wh - allocated, selfSufficiency: use.wh > 0 ? allocated / use.wh : null, powerW: use.powerW,
      };
    });
    return {
      id: b.id,
      name: b.name,
      importWh: imp.wh,
      exportWh: exp.wh,
      pvWh: pv.wh,
      selfConsumptionWh,
      consumptionWh,
      selfSufficiency: consumptionWh > 0 ? selfConsumptionWh / consumptionWh : null,
      heatExportedWh: sum(b.heatExport).wh,
      heatImportedWh: sum(b.heatImport).wh,
      importW: imp.powerW,
      exportW: exp.powerW,
      pvW: pv.powerW,
      flats,
      missing: [...new Set(missing)],
    };
  }
}

export function termsOf(b: Building): MeterRef[] {
  return [...b.gridImport, ...b.gridExport, ...b.pv, ...b.heatExport, ...b.heatImport, ...b.flats.flatMap((f) => [...f.consumption, ...f.pv])];
}

/**
 * Mean power over the window before the last reading of points[start..end). Frames carry the
 * journal's persisted values, which rise in whole steps (docs/storage.md), so the energy between
 * the first and the last step inside the window, over the time between those two steps, is the
 * measure; with fewer than two steps there, the window's energy over its length.
 */
function meanPowerW(points: Point[], start: number, end: number): number | null {
  if (end - start < 2) return null;
  const lastMs = points[end - 1].timeMs;
  const windowMs = lastMs - POWER_WINDOW_MS;
  // The last reading at or before the window's start: its value holds until the next reading.
  let first = Math.max(start, upperBound(points, windowMs) - 1);
  if (first >= end - 1) first = end - 2; // two readings at least: the one before the window too
  const steps: number[] = [];
  for (let i = first + 1; i < end; i++) if (points[i].value !== points[i - 1].value) steps.push(i);
  let from = first;
  let to = end - 1;
  let fromMs = Math.max(points[first].timeMs, Math.min(windowMs, points[first + 1].timeMs));
  if (steps.length >= 2) {
    from = steps[0];
    to = steps[steps.length - 1];
    fromMs = points[from].timeMs;
  }
  const hours = (points[to].timeMs - fromMs) / 3.6e6;
  if (!(hours > 0)) return null;
  let wh = 0;
  for (let i = from + 1; i <= to; i++) wh += increment(points[i - 1].value, points[i].value);
  return wh / hours;
}

/** Index of the first point later than `timeMs`. */
function upperBound(points: Point[], timeMs: number): number {
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (points[mid].timeMs <= timeMs) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
