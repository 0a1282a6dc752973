// Twin scenarios of a district and their independent reference (docs/active-house.md): S0 pulse
// trains counted from their definition (docs/scenarios.md) and V*I*cos(phi) of a PV clamp. Shared
// by the balance test (frames via hex files) and the live gateway test (frames over UDP).
import assert from "node:assert/strict";
import { boardWithNodeId } from "./node-boards.js";

/** Frames carry the journal's persisted values: each may trail the truth by one step (scaled to
 *  the board's rating: at most 70 Wh on the shipped boards, docs/storage.md "Wear budget"). */
export const STEP_WH = 70;
/** Frames leave every REPORT_S seconds, the first at REPORT_S. */
export const REPORT_S = 10;

/** Pulses of a train with start 0 and period 1/hz strictly before t (docs/scenarios.md). */
export const pulsesBefore = (hz: number, t: number) => (hz > 0 ? Math.ceil(t * hz - 1e-9) : 0);

export interface SiteNode { id: number; scenario: object; truthWh: (register: string, t: number) => number }

export function flatNode(dir: string, id: number, hz: number, seconds: number): SiteNode {
  return {
    id,
    scenario: { format: "activemeter-scenario/1", board: boardWithNodeId(dir, "esp32c3-mini", id), seconds, seed: id, pulse: { pulse1: { hz, on_ms: 40, bounce_ms: 2 } } },
    truthWh: (reg, t) => (reg === "pulse1.wh" ? pulsesBefore(hz, t) : 0),
  };
}

/** The building's meter: S0 outputs of the utility meter (import, export), the PV inverter's clamp. */
export function buildingNode(dir: string, id: number, importHz: number, exportHz: number, pvIrms: number, seconds: number): SiteNode {
  return {
    id,
    scenario: {
      format: "activemeter-scenario/1", board: boardWithNodeId(dir, "esp32-devkitc", id), seconds, seed: id,
      console: ["unlock 0000", "set pulse1.wh_per_pulse 1", "set pulse2.wh_per_pulse 1"],
      mains: { vrms: 230, hz: 50 }, ct: { ct1: { irms: pvIrms, phi_deg: 180 } },
      pulse: Object.fromEntries([["pulse1", importHz], ["pulse2", exportHz]].filter(([, hz]) => (hz as number) > 0).map(([ch, hz]) => [ch, { hz, on_ms: 40 }])),
    },
    truthWh: (reg, t) => reg === "pulse1.wh" ? pulsesBefore(importHz, t) : reg === "pulse2.wh" ? pulsesBefore(exportHz, t) : reg === "ct1.export_wh" ? 230 * pvIrms * t / 3600 : 0,
  };
}

/** The heat meter of the waste-water heat recovery: 10 Wh per pulse into the district network. */
export function heatNode(dir: string, id: number, hz: number, seconds: number): SiteNode {
  return {
    id,
    scenario: { format: "activemeter-scenario/1", board: boardWithNodeId(dir, "esp32c3-mini", id), seconds, seed: id, console: ["unlock 0000", "set pulse1.wh_per_pulse 10"], pulse: { pulse1: { hz, on_ms: 40 } } },
    truthWh: (reg, t) => (reg === "pulse1.wh" ? 10 * pulsesBefore(hz, t) : 0),
  };
}

export interface SiteBuilding { meter: SiteNode; heat: SiteNode; flats: SiteNode[] }

/** `count` buildings of `flats` flats each (rates differ per building and flat). */
export function district(dir: string, count: number, flats: number, seconds: number): SiteBuilding[] {
  return Array.from({ length: count }, (_, b) => ({
    meter: buildingNode(dir, 0x2000 + b, [0.6, 0.05, 0.02][b % 3], [0.02, 0.2, 0.3][b % 3], [4, 8, 12][b % 3], seconds),
    heat: heatNode(dir, 0x2100 + b, [0.05, 0.1, 0.2][b % 3], seconds),
    flats: Array.from({ length: flats }, (_, f) => flatNode(dir, 0x3000 + b * 16 + f, 0.1 + 0.07 * f + 0.05 * b, seconds)),
  }));
}

/** The site file of such a district. */
export function siteFileOf(buildings: SiteBuilding[]): object {
  return {
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
}

/** The figures a building's balance must have over the span the gateway's first and last readings cover. */
export interface BuildingFigures { importWh: number; exportWh: number; pvWh: number; heatExportedWh: number; flatsWh: number[] }

/** Reference figures from the scenarios' definitions: frames from REPORT_S to the end of the run. */
export function referenceFigures(b: SiteBuilding, seconds: number): BuildingFigures {
  const span = (n: SiteNode, reg: string) => n.truthWh(reg, seconds) - n.truthWh(reg, REPORT_S);
  return {
    importWh: span(b.meter, "pulse1.wh"), exportWh: span(b.meter, "pulse2.wh"), pvWh: span(b.meter, "ct1.export_wh"),
    heatExportedWh: span(b.heat, "pulse1.wh"), flatsWh: b.flats.map((f) => span(f, "pulse1.wh")),
  };
}

/** Within `terms` journal steps at each end (and 0.2 % for the CT's metering error). */
export function near(got: number, want: number, terms: number, what: string): void {
  assert.ok(Math.abs(got - want) <= 2 * STEP_WH * terms + 1e-6 + 0.002 * want, `${what}: ${got} vs ${want}`);
}

/** Self-sufficiency over every corner of the terms' error boxes (each term within 2 steps). */
export function selfSufficiencyBounds(want: BuildingFigures): [number, number] {
  const e = 2 * STEP_WH;
  const corners = [-e, e].flatMap((di) => [-e, e].flatMap((dp) => [-e, e].map((dx) => {
    const sc = Math.max(0, want.pvWh + dp - (want.exportWh + dx));
    return sc / (want.importWh + di + want.pvWh + dp - (want.exportWh + dx));
  })));
  return [Math.min(...corners) - 1e-9, Math.max(...corners) + 1e-9];
}

/** Every building figure of a balance (the gateway's BuildingBalance shape) against the reference. */
export function checkBuilding(got: { importWh: number; exportWh: number; pvWh: number; heatExportedWh: number; selfConsumptionWh: number; consumptionWh: number; selfSufficiency: number | null },
  want: BuildingFigures, what: string): void {
  near(got.importWh, want.importWh, 1, `${what} import`);
  near(got.exportWh, want.exportWh, 1, `${what} export`);
  near(got.pvWh, want.pvWh, 1, `${what} PV`);
  near(got.heatExportedWh, want.heatExportedWh, 1, `${what} heat exported`);
  near(got.selfConsumptionWh, want.pvWh - want.exportWh, 2, `${what} self-consumption`);
  near(got.consumptionWh, want.importWh + want.pvWh - want.exportWh, 3, `${what} consumption`);
  const [lo, hi] = selfSufficiencyBounds(want);
  assert.ok(got.selfSufficiency !== null && got.selfSufficiency >= lo && got.selfSufficiency <= hi, `${what} self-sufficiency ${got.selfSufficiency} outside [${lo}, ${hi}]`);
}
