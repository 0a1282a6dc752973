// The embedded district of `activemeter demo` (npm start): one active house with a building
// meter (grid feed, PV inverter, heat recovered into the district-heating network) and three
// flats with their own meters, and the site file that says which register is which. The PV
// follows a day (hourly levels), the flats are constant; at midday the surplus switches the
// building meter's relay out1 (a 2 kW water heater) by the node's own rules.
import { parseScenario } from "../sim/scenario.js";
import type { Scenario } from "../sim/scenario.js";
import { parseSite } from "../site/site-file.js";
import type { Site } from "../site/site-file.js";

export const MAINS_V = 230;
/** PV inverter output on ct2 (W) per hour of the day: night, morning import, midday surplus, evening import. */
export const PV_HOURLY_W = [0, 0, 0, 0, 0, 0, 300, 1200, 2500, 3800, 5000, 6200, 6800, 6800, 6200, 5000, 3800, 2500, 1200, 300, 0, 0, 0, 0];
export const PV_PEAK_W = Math.max(...PV_HOURLY_W);
/** The building's consumption: the three flats and the common areas (lifts, stairwell lights). */
export const FLATS = [
  { id: "a1", name: "A1", node: 8193, watts: 900 },
  { id: "a2", name: "A2", node: 8194, watts: 1300 },
  { id: "a3", name: "A3", node: 8195, watts: 700 },
];
export const COMMON_W = 400;
/** The house's own consumption (flats and common areas) seen by the grid clamp ct1, before PV and the heater. */
export const HOUSE_W = FLATS.reduce((s, f) => s + f.watts, COMMON_W);
/** The water heater on out1 (the devkitc's relay): a resistive load through ct1, the clamp its rule watches. */
export const HEATER_W = 2000;
/** Its rule (settings outN.*, docs/active-house.md): on after 60 s of at least 2.1 kW export (so the
 * heater fits into the surplus and does not cycle), off after 30 s of import above 100 W. */
export const HEATER_RULE = { on_w: 2100, on_delay_s: 60, off_w: 100, off_delay_s: 30, min_on_s: 120, min_off_s: 300 };
/** Heat recovered from waste water, exported to the district-heating network (pulse2, 10 Wh per pulse). */
export const HEAT_W = 3000;
export const BUILDING_NODE = 4097;

export interface DemoNode { node: number; label: string; scenario: Scenario }

function withNode(text: object, node: number, what: string): Scenario {
  const scenario = parseScenario(JSON.stringify(text), what);
  scenario.board = { ...scenario.board, node_id: node };
  return scenario;
}

/** The PV day as a profile over `daySeconds` (86400: a real day; less: compressed): each hour's
 * level, reached in a tenth of a second at the hour (so every 1 s window sits on a level or one step:
 * the rules' decisions are exact, docs/active-house.md). Export: negative watts. */
export function pvProfile(daySeconds: number): [number, number][] {
  const hour = (h: number) => Math.round(h * daySeconds / 24);
  const points: [number, number][] = [[0, -PV_HOURLY_W[0]]];
  for (let h = 1; h < 24; h++) {
    if (PV_HOURLY_W[h] === PV_HOURLY_W[h - 1]) continue;
    points.push([hour(h), -PV_HOURLY_W[h - 1]], [hour(h) + 0.1, -PV_HOURLY_W[h]]);
  }
  return points;
}

/** The building meter's scenario definition (what `activemeter demo --print-scenario` prints). */
export function buildingScenario(seconds: number, daySeconds: number): object {
  const pv = pvProfile(daySeconds);
  return {
    format: "activemeter-scenario/1",
    description: `activemeter demo's building meter: house load ${HOUSE_W} W and the PV day (peak ${PV_PEAK_W} W, a day of ${daySeconds} s) on the grid clamp ct1, the PV on ct2, a ${HEATER_W} W water heater on out1 through ct1, heat export on pulse2`,
    board: "esp32-devkitc", seconds, seed: 1,
    console: ["unlock 0000", "set pulse2.wh_per_pulse 10", ...Object.entries(HEATER_RULE).map(([k, v]) => `set out1.${k} ${v}`), "lock"],
    mains: { vrms: MAINS_V, hz: 50, harmonics: [[3, 0.02, 0], [5, 0.015, 0]] },
    ct: {
      // The house's load in phase with the voltage, the PV's export in anti-phase (profile_w < 0).
      ct1: { irms: HOUSE_W / MAINS_V, phi_deg: 0, noise_a: 0.02, profile_w: pv },
      ct2: { irms: 0, noise_a: 0.02, profile_w: pv },
    },
    pulse: { pulse2: { hz: HEAT_W / 3600 / 10, on_ms: 100, bounce_ms: 2 } },
    outputs: { out1: { load_w: HEATER_W } },
  };
}

/** One twin per meter, each `seconds` long, the PV day `daySeconds` long. */
export function demoNodes(seconds: number, daySeconds = 86400): DemoNode[] {
  const building = withNode(buildingScenario(seconds, daySeconds), BUILDING_NODE, "the demo's building meter");
  const flats = FLATS.map((f, i) => withNode({
    format: "activemeter-scenario/1", board: "esp32c3-mini", seconds, seed: 2 + i,
    // The flat's utility meter's S0 output: 1000 impulses per kWh, 1 Wh per pulse.
    pulse: { pulse1: { hz: f.watts / 3600, on_ms: 40, bounce_ms: 2 } },
  }, f.node, `the demo's flat ${f.name}`));
  return [
    { node: BUILDING_NODE, label: "house A meter", scenario: building },
    ...flats.map((scenario, i) => ({ node: FLATS[i].node, label: `flat ${FLATS[i].name}`, scenario })),
  ];
}

export function demoSite(): Site {
  const ref = (node: number, register: string) => [{ node, register }];
  return parseSite({
    format: "activemeter-site/1",
    name: "Solbacken (demo)",
    buildings: [{
      id: "house-a", name: "House A",
      grid_import: ref(BUILDING_NODE, "ct1.import_wh"),
      grid_export: ref(BUILDING_NODE, "ct1.export_wh"),
      pv: ref(BUILDING_NODE, "ct2.export_wh"),
      heat_export: ref(BUILDING_NODE, "pulse2.wh"),
      flats: FLATS.map((f) => ({ id: f.id, name: f.name, consumption: ref(f.node, "pulse1.wh") })),
    }],
  });
}
