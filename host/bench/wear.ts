// Flash wear of the register journal (docs/storage.md, "Wear budget"): runs the twin, detects
// journal rolls (the base record's sequence number goes up; each roll erases one sector, round
// the ring) and extrapolates the most-erased journal sector to 20 years. Cases: 10 kW on the
// pulse and heat channels, 120 % of the board's rating on every channel (CT clamps included),
// and one outage per minute.
import { parseScenario } from "../sim/scenario.js";
import { Twin } from "../sim/twin.js";
import { readJournal } from "../store/journal-reader.js";

/**
 * The journal's share of a partition of `sectors`, as assembly/store/layout.ts lays it out:
 * configuration A/B and the event log first (4), the tail last (6: downlink counter, lockout,
 * metrological log) and the 16 billing-history sectors before the tail where they fit beside a
 * journal of at least two, and on a board with outputs the 2 sectors of their day record before
 * those. (Until 2026-12-02 this was `sectors − 4`, which overstated the journal by the tail and,
 * with billing, the history: the wear figures were low by up to 2×.)
 */
export function journalSectorCount(sectors: number, hasOutputs = false): number {
  let beside = sectors - 4 - 6;
  if (beside - 16 >= 2) beside -= 16;
  return hasOutputs && beside - 2 >= 2 ? beside - 2 : beside;
}

export const TWENTY_YEARS_S = 20 * 365.25 * 86400;
export const ERASE_ENDURANCE = 100_000;

export interface WearResult {
  case: string;
  board: string;
  simulatedS: number;
  journalRolls: number;
  secondsPerRoll: number;
  rollsPerDay: number;
  journalSectors: number;
  erasesPerSectorPerDay: number;
  erasesPer20Years: number;
  percentOfEndurance: number;
}

/** Heat flow (m³/h) that carries `kw` at 70/40 °C (k = 1.15237 kWh/(m³·K) at these temperatures). */
function flowFor(kw: number, dtK = 30): number { return kw / (1.15237 * dtK); }

export function tenKwScenario(board: string, seconds: number, extra: object = {}): string {
  const devkit = board === "esp32-devkitc";
  // 10 kW: 1 Wh pulses at 2.78 Hz; heat 10 kW at 70/40 °C.
  return JSON.stringify({
    format: "activemeter-scenario/1", board, seconds, seed: 1,
    pulse: devkit ? { pulse1: { hz: 10000 / 3600, on_ms: 40 }, pulse2: { hz: 10000 / 3600, on_ms: 40 } } : { pulse1: { hz: 10000 / 3600, on_ms: 40 } },
    ...(devkit ? { heat: { heat1: { flow_m3h: flowFor(10), supply_c: 70, return_c: 40 } } } : {}),
    ...extra,
  });
}

/**
 * 120 % of rated on every channel of an esp32-devkitc (boards/esp32-devkitc.json): pulse inputs
 * rated 20 kW (1 Wh pulses at 6.67 Hz), heat1 rated 20 kW and 1.5 m³/h (1.8 m³/h carrying
 * 24 kW), CT clamps rated 30 A at the highest voltage the input measures (329 V; 325 V used).
 */
export function ratedMaxScenario(seconds: number): string {
  const flow = 1.8;
  const dt = 24 / (1.15237 * flow);
  return JSON.stringify({
    format: "activemeter-scenario/1", board: "esp32-devkitc", seconds, seed: 1,
    mains: { vrms: 325, hz: 50 },
    ct: { ct1: { irms: 36, phi_deg: 0 }, ct2: { irms: 36, phi_deg: 180 } },
    pulse: { pulse1: { hz: 24000 / 3600, on_ms: 40 }, pulse2: { hz: 24000 / 3600, on_ms: 40 } },
    heat: { heat1: { flow_m3h: flow, supply_c: 40 + dt, return_c: 40 } },
  });
}

export function measureWear(name: string, scenarioJson: string): WearResult {
  const scenario = parseScenario(scenarioJson);
  const twin = new Twin(scenario);
  const { sector_bytes: sectorBytes, sectors } = scenario.board.flash;
  const rollTimes: number[] = [];
  let seq = readJournal(twin.flash.data, sectorBytes, sectors)!.seq;
  let nextCheckUs = 0;
  while (!twin.done) {
    twin.step();
    if (twin.clockUs < nextCheckUs) continue;
    nextCheckUs = twin.clockUs + 1_000_000;
    const now = readJournal(twin.flash.data, sectorBytes, sectors)!.seq;
    for (let i = seq; i < now; i++) rollTimes.push(twin.clockUs / 1e6);
    seq = now;
  }
  const journalSectors = journalSectorCount(sectors, (scenario.board.outputs ?? []).length > 0);
  // Spacing of the rolls (one roll: the time from the start to it, an upper bound).
  const secondsPerRoll = rollTimes.length > 1 ? (rollTimes.at(-1)! - rollTimes[0]) / (rollTimes.length - 1) : rollTimes.length === 1 ? rollTimes[0] : Infinity;
  const erasesPer20Years = TWENTY_YEARS_S / secondsPerRoll / journalSectors;
  return {
    case: name,
    board: scenario.board.name,
    simulatedS: scenario.seconds,
    journalRolls: rollTimes.length,
    secondsPerRoll: Math.round(secondsPerRoll),
    rollsPerDay: Math.round(86400 / secondsPerRoll * 10) / 10,
    journalSectors,
    erasesPerSectorPerDay: Math.round(86400 / secondsPerRoll / journalSectors * 100) / 100,
    erasesPer20Years: Math.round(erasesPer20Years),
    percentOfEndurance: Math.round(erasesPer20Years / ERASE_ENDURANCE * 10000) / 100,
  };
}

/** One outage (1 s off) per minute for `seconds`, on top of 10 kW on the pulse and heat channels. */
export function outagePerMinuteScenario(board: string, seconds: number): string {
  const outages = Array.from({ length: Math.floor(seconds / 60) }, (_, i) => ({ at_s: 60 * (i + 1) - 0.5, off_s: 1 }));
  return tenKwScenario(board, seconds, { outages });
}

/** The figures of `npm run bench` (docs/storage.md quotes them). */
export function wearFigures(hours: number): WearResult[] {
  const s = hours * 3600;
  return [
    measureWear("10 kW on every pulse and heat channel", tenKwScenario("esp32-devkitc", s)),
    measureWear("120 % of rated on every channel", ratedMaxScenario(s)),
    measureWear("1 outage per minute + 10 kW (supply monitor: a commit per outage)", outagePerMinuteScenario("esp32-devkitc", s)),
    measureWear("1 outage per minute + 10 kW (no supply monitor)", outagePerMinuteScenario("esp32c3-mini", 3 * s)),
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(JSON.stringify(wearFigures(Number(process.argv[2] ?? 4)), null, 2) + "\n");
}
