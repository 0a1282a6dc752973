// Flash wear at the defaults under a 10 kW load on every metering channel of an esp32-devkitc:
// runs the twin, counts erases per sector, and extrapolates the most-erased journal sector to
// 20 years (docs/storage.md). Every 10 kW register fills its tally at the same rate, so the
// journal rolls as often whether one or all channels carry 10 kW.
import { parseScenario } from "../sim/scenario.js";
import { Twin } from "../sim/twin.js";
import { readJournal } from "../store/journal-reader.js";

export const TWENTY_YEARS_S = 20 * 365.25 * 86400;
export const ERASE_ENDURANCE = 100_000;

export interface WearResult {
  simulatedS: number;
  journalRolls: number;
  secondsPerRoll: number;
  journalSectors: number;
  maxJournalErases: number;
  erasesPer20Years: number;
  percentOfEndurance: number;
}

export function measureWear(hours: number): WearResult {
  const seconds = hours * 3600;
  // 10 kW: 1 Wh pulses at 2.78 Hz; heat 10 kW at 70/40 °C is 0.2893 m³/h (k = 1.15237).
  const scenario = parseScenario(JSON.stringify({
    format: "activemeter-scenario/1", board: "esp32-devkitc", seconds, seed: 1,
    pulse: { pulse1: { hz: 10000 / 3600, on_ms: 40 }, pulse2: { hz: 10000 / 3600, on_ms: 40 } },
    heat: { heat1: { flow_m3h: 10 / (1.15237 * 30), supply_c: 70, return_c: 40 } },
  }));
  const twin = new Twin(scenario);
  const { sector_bytes: sectorBytes, sectors } = scenario.board.flash;
  // A roll writes a new base record (the sequence number goes up); in steady state every roll
  // erases one journal sector, round the ring.
  const rollTimes: number[] = [];
  let seq = readJournal(twin.flash.data, sectorBytes, sectors)!.seq;
  let nextCheckUs = 0;
  while (!twin.done) {
    twin.step();
    if (twin.clockUs < nextCheckUs) continue;
    nextCheckUs = twin.clockUs + 1_000_000;
    const now = readJournal(twin.flash.data, sectorBytes, sectors)!.seq;
    if (now !== seq) rollTimes.push(twin.clockUs / 1e6);
    seq = now;
  }
  const journal = Array.from(twin.flash.eraseCounts).slice(4);
  const secondsPerRoll = rollTimes.length > 1 ? (rollTimes.at(-1)! - rollTimes[0]) / (rollTimes.length - 1) : Infinity;
  const erasesPer20Years = TWENTY_YEARS_S / secondsPerRoll / journal.length;
  return {
    simulatedS: seconds,
    journalRolls: rollTimes.length,
    secondsPerRoll: Math.round(secondsPerRoll),
    journalSectors: journal.length,
    maxJournalErases: Math.max(...journal),
    erasesPer20Years: Math.round(erasesPer20Years),
    percentOfEndurance: Math.round(erasesPer20Years / ERASE_ENDURANCE * 10000) / 100,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(JSON.stringify(measureWear(Number(process.argv[2] ?? 8)), null, 2) + "\n");
}
