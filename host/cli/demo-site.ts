// The embedded district of `activemeter demo` (npm start): one active house with a building
// meter (grid feed, PV inverter, heat recovered into the district-heating network) and three
// flats with their own meters, and the site file that says which register is which. Powers are
// constant (scenario files have no day profiles), chosen so the house has a PV surplus.
import { parseScenario } from "../sim/scenario.js";
import type { Scenario } from "../sim/scenario.js";
import { parseSite } from "../site/site-file.js";
import type { Site } from "../site/site-file.js";

export const MAINS_V = 230;
/** PV inverter output on ct2 (W). */
export const PV_W = 4600;
/** The building's consumption: the three flats and the common areas (lifts, stairwell lights). */
export const FLATS = [
  { id: "a1", name: "A1", node: 8193, watts: 900 },
  { id: "a2", name: "A2", node: 8194, watts: 1300 },
  { id: "a3", name: "A3", node: 8195, watts: 700 },
];
export const COMMON_W = 400;
/** Net at the grid feed (ct1): negative, the surplus goes back to the grid. */
export const GRID_W = FLATS.reduce((s, f) => s + f.watts, COMMON_W) - PV_W;
/** Heat recovered from waste water, exported to the district-heating network (pulse2, 10 Wh per pulse). */
export const HEAT_W = 3000;
export const BUILDING_NODE = 4097;

export interface DemoNode { node: number; label: string; scenario: Scenario }

function withNode(text: object, node: number, what: string): Scenario {
  const scenario = parseScenario(JSON.stringify(text), what);
  scenario.board = { ...scenario.board, node_id: node };
  return scenario;
}

/** One twin per meter, each `seconds` long. */
export function demoNodes(seconds: number): DemoNode[] {
  const building = withNode({
    format: "activemeter-scenario/1", board: "esp32-devkitc", seconds, seed: 1,
    console: ["unlock 0000", "set pulse2.wh_per_pulse 10"],
    mains: { vrms: MAINS_V, hz: 50, harmonics: [[3, 0.02, 0], [5, 0.015, 0]] },
    ct: {
      // Current in phase with the voltage while importing, at 180° while exporting.
      ct1: { irms: Math.abs(GRID_W) / MAINS_V, phi_deg: GRID_W >= 0 ? 0 : 180, noise_a: 0.02 },
      ct2: { irms: PV_W / MAINS_V, phi_deg: 180, harmonics: [[5, 0.03, 0]], noise_a: 0.02 },
    },
    pulse: { pulse2: { hz: HEAT_W / 3600 / 10, on_ms: 100, bounce_ms: 2 } },
  }, BUILDING_NODE, "the demo's building meter");
  // TODO(issue 21, node outputs): once the output rules are wired to board outputs (another
  // branch), declare out1 on this board as the water heater's relay (surplus on ct1, its load
  // on a clamp of its own) and show its state, switch count and diverted energy in the table
  // and on the dashboard. Until then the demo switches nothing: it does not pretend to.
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
