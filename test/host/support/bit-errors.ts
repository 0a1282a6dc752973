// Bit-error campaign (issue 13): a real scenario writes a flash image (journal, configuration,
// event log, frame-counter reservations, commits); each run damages a copy of it (one flipped
// bit, or a burst of 1–64 random bytes) and plays a second scenario on it. The references are
// independent of the firmware: the twin's true registers at the end of the first scenario, the
// frames it sent, and what host/store/journal-reader.ts reads from the undamaged image.
import { parseScenario } from "../../../host/sim/scenario.js";
import type { Scenario } from "../../../host/sim/scenario.js";
import { Twin } from "../../../host/sim/twin.js";
import { Random } from "../../../host/sim/random.js";
import { loadFirmwareImage } from "../../../host/firmware/firmware.js";
import { readJournal, readEvents } from "../../../host/store/journal-reader.js";
import { decodeFrame } from "../../../host/frame/codec.js";
import { TestKeys } from "../../../host/frame/keyring.js";

const STORE_CORRUPT = 1 << 4;
const EVENT_STORE_CORRUPT = 5;
const EVENT_CONFIG_DEFAULTS = 8;
const EVENT_FIRMWARE_IDENTITY = 2;
/** Store-damage event key bit: counters held (assembly/store/index.ts DAMAGE_COUNTERS_HELD). */
const COUNTERS_HELD = 1 << 13;
/** Journalled register names and ids (docs/frames.md), with their integer scale. */
const REGISTERS: [string, number, number][] = [
  ["ct1.import_wh", 0, 1e6], ["ct1.export_wh", 1, 1e6], ["ct2.import_wh", 2, 1e6], ["ct2.export_wh", 3, 1e6],
  ["pulse1.wh", 8, 1e6], ["pulse2.wh", 9, 1e6], ["heat1.heat_wh", 12, 1e6], ["heat1.cool_wh", 13, 1e6],
  ["heat1.volume_l", 14, 1e3], ["pulse1.count", 18, 1], ["pulse2.count", 19, 1],
];

export interface Outcomes {
  runs: number; flips: number; bursts: number;
  unchanged: number; repairedFlagged: number; lostFlagged: number; lostWithinCutBoundUnflagged: number;
  configRestoredDefaults: number; countersJumped: number;
  aboveTruth: number; unflaggedLoss: number; counterReuse: number; bootFailures: number; configLostUnflagged: number;
  falseIdentity: number; held: number;
  byArea: Record<string, number>;
  failures: string[];
}

function bigRegs(regs: Record<string, number>): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const [name, , scale] of REGISTERS) if (name in regs) out.set(name, BigInt(Math.round(regs[name] * scale)));
  return out;
}

export function firstScenario(board: string): Scenario {
  const devkit = board === "esp32-devkitc";
  return parseScenario(JSON.stringify({
    format: "activemeter-scenario/1", board, seconds: 5400, seed: 13,
    console: ["unlock 0000", "set report.interval_s 1", "set pulse1.pulses_per_kwh 800", "save"],
    pulse: devkit ? { pulse1: { hz: 3, on_ms: 40 }, pulse2: { hz: 0.4, on_ms: 40 } } : { pulse1: { hz: 3, on_ms: 40 } },
    ...(devkit ? { heat: { heat1: { flow_m3h: 0.25, supply_c: 70, return_c: 40 } } } : {}),
    outages: Array.from({ length: 8 }, (_, i) => ({ at_s: 600 * (i + 1) + 0.37, off_s: 2 })),
  }));
}

function secondScenario(board: string): Scenario {
  return parseScenario(JSON.stringify({
    format: "activemeter-scenario/1", board, seconds: 12, seed: 14,
    console: ["unlock 0000", "set report.interval_s 1"],
    pulse: { pulse1: { hz: 3, on_ms: 40 } },
  }));
}

/** Where a byte of the image lies, for the report. */
function area(offset: number, sectorBytes: number, currentJournalSector: number, sectors: number): string {
  const sector = Math.floor(offset / sectorBytes);
  if (sector < 2) return "configuration";
  if (sector < 4) return "event log";
  if (sector >= sectors - 2) return "metrological log";
  if (sector >= sectors - 4) return "lockout";
  return sector - 4 === currentJournalSector ? "current journal sector" : "other journal sectors";
}

export function runBitErrorCampaign(board: string, flips: number, bursts: number, seed: number): Outcomes {
  const firmware = loadFirmwareImage();
  const { image, ref, journalSector, sectors } = firstImage(board);
  const sectorBytes = ref.sectorBytes;
  const journal = { sector: journalSector };
  // The used part of the image: configuration and event sectors, the current journal sector.
  const used = [0, 1, 2, 3, 4 + journal.sector];
  const second = secondScenario(board);
  const random = new Random(seed);
  const o = newOutcomes();
  for (let run = 0; run < flips + bursts; run++) {
    const damaged = image.slice();
    // Half the runs anywhere in the image, half in its used sectors.
    const start = run % 2 === 0 ? random.int(0, image.length - 1) : used[random.int(0, used.length - 1)] * sectorBytes + random.int(0, sectorBytes - 1);
    const where = area(start, sectorBytes, journal.sector, sectors);
    o.byArea[where] = (o.byArea[where] ?? 0) + 1;
    if (run < flips) {
      o.flips++;
      damaged[start] ^= 1 << random.int(0, 7);
    } else {
      o.bursts++;
      const len = random.int(1, 64);
      for (let i = start; i < Math.min(start + len, damaged.length); i++) damaged[i] = random.int(0, 255);
    }
    judge(ref, o, damaged, second, firmware);
  }
  return o;
}

/** What the first scenario left, the references every run is judged against. */
export interface Reference {
  truth: Map<string, bigint>; persisted: Map<string, bigint>; steps: Map<string, bigint>;
  sentBefore: number; eventsBefore: number; ceiling: number; sectorBytes: number;
}

/** Run the second scenario on a damaged image and classify the run (docs/storage.md, "Campaigns"). */
export function judge(ref: Reference, o: Outcomes, damaged: Uint8Array, second: Scenario, firmware = loadFirmwareImage()): void {
  const keys = new TestKeys();
  const { truth, persisted, steps, sentBefore, sectorBytes } = ref;
  o.runs++;
  const fail = (kind: keyof Outcomes, what: string) => {
    (o[kind] as number)++;
    if (o.failures.length < 20) o.failures.push(`run ${o.runs}: ${what}`);
  };
  let twin: Twin;
  try {
    twin = new Twin(second, firmware, {}, { flashImage: damaged });
  } catch (e) {
    fail("bootFailures", `boot failed: ${(e as Error).message}`);
    return;
  }
  const after = bigRegs(twin.registers());
  // Records the second scenario wrote (after a total loss their counters may start again).
  const known = new Set(readEvents(damaged, sectorBytes).map((e) => JSON.stringify(e, (_, v) => typeof v === "bigint" ? String(v) : v)));
  const fresh = (image: Uint8Array) => readEvents(image, sectorBytes).filter((e) => !known.has(JSON.stringify(e, (_, v) => typeof v === "bigint" ? String(v) : v)));
  const events = fresh(twin.flash.data);
  const flagged = (twin.status() & STORE_CORRUPT) !== 0 && events.some((e) => e.type === EVENT_STORE_CORRUPT || e.type === EVENT_CONFIG_DEFAULTS || e.type === 9);
  if (events.some((e) => e.type === EVENT_CONFIG_DEFAULTS)) o.configRestoredDefaults++;
  // The same firmware runs before and after: a "new firmware identity" would be false.
  if (events.some((e) => e.type === EVENT_FIRMWARE_IDENTITY)) fail("falseIdentity", "a new firmware identity logged after damage");
  let lost = false;
  let lostBeyondCut = false;
  for (const [name, value] of after) {
    const t = truth.get(name)!;
    if (value > t) fail("aboveTruth", `${name} ${value} above the truth ${t}`);
    const p = persisted.get(name)!;
    if (value < p) lost = true;
    // A plain power cut here would have lost truth − persisted (at most one step): more is damage.
    const cutLoss = t - p > steps.get(name)! ? t - p : steps.get(name)!;
    if (t - value > cutLoss) lostBeyondCut = true;
  }
  if (lostBeyondCut && !flagged) fail("unflaggedLoss", `a loss beyond the power-cut bound without store_corrupt and an event`);
  twin.runToEnd();
  const counters = twin.frames.map((f) => decodeFrame(f, { keys }).counter);
  if (counters.length === 0) {
    // Counters held (nothing proves where they stopped): allowed only flagged, with the event saying so.
    if (flagged && events.some((e) => e.type === EVENT_STORE_CORRUPT && (e.key & COUNTERS_HELD) !== 0)) o.held++;
    else fail("counterReuse", "no frame, yet counters are not held");
  } else if (Math.min(...counters) <= sentBefore) fail("counterReuse", `frame counter ${Math.min(...counters)} after ${sentBefore} were sent`);
  else if (Math.min(...counters) > ref.ceiling + 1) o.countersJumped++;
  const configEvents = fresh(twin.flash.data);
  const intervalKept = !configEvents.some((e) => e.type === 1 && e.key === 2); // report.interval_s set again: it was lost
  if (!intervalKept && !flagged) fail("configLostUnflagged", "the configuration was lost without store_corrupt and an event");
  if (!lost && !flagged && intervalKept) o.unchanged++;
  else if (flagged && !lost) o.repairedFlagged++;
  else if (flagged) o.lostFlagged++;
  else o.lostWithinCutBoundUnflagged++;
}

/** The first scenario's image and the references taken from it. */
export function firstImage(board: string): { image: Uint8Array; ref: Reference; journalSector: number; sectors: number } {
  const firmware = loadFirmwareImage();
  const first = new Twin(firstScenario(board), firmware);
  first.runToEnd();
  const image = first.flash.data.slice();
  const { sector_bytes: sectorBytes, sectors } = first.scenario.board.flash;
  const journal = readJournal(image, sectorBytes, sectors)!;
  const truth = bigRegs(first.registers());
  const keys = new TestKeys();
  const persisted = new Map<string, bigint>();
  const steps = new Map<string, bigint>();
  for (const [name, id] of REGISTERS) {
    const e = journal.entries.find((x) => x.id === id);
    if (e && truth.has(name)) { persisted.set(name, journal.values.get(id)!); steps.set(name, e.coarseStep); }
  }
  return {
    image, journalSector: journal.sector, sectors,
    ref: {
      truth, persisted, steps, sectorBytes, ceiling: journal.frameCounterCeiling,
      sentBefore: Math.max(...first.frames.map((f) => decodeFrame(f, { keys }).counter)),
      eventsBefore: Math.max(0, ...readEvents(image, sectorBytes).map((e) => e.counter)),
    },
  };
}

export function newOutcomes(): Outcomes {
  return {
    runs: 0, flips: 0, bursts: 0, unchanged: 0, repairedFlagged: 0, lostFlagged: 0, lostWithinCutBoundUnflagged: 0,
    configRestoredDefaults: 0, countersJumped: 0, aboveTruth: 0, unflaggedLoss: 0, counterReuse: 0, bootFailures: 0, configLostUnflagged: 0,
    falseIdentity: 0, held: 0, byArea: {}, failures: [],
  };
}

export { secondScenario };

/** One whole-region case: which sectors, filled how. */
export interface RegionCase { name: string; sectors: number[]; fill: "erased" | "zeros" | "random" }

/** Every region of the layout (docs/storage.md), wiped, zeroed or filled with garbage. */
export function regionCases(sectors: number, journalSector: number): RegionCase[] {
  const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);
  const regions: [string, number[]][] = [
    ["configuration A", [0]], ["configuration B", [1]], ["both configuration copies", [0, 1]], ["event log", [2, 3]],
    ["journal", range(4, sectors - 4)], ["newest journal sector", [4 + journalSector]], ["lockout", [sectors - 4, sectors - 3]],
    ["metrological log", [sectors - 2, sectors - 1]], ["configuration and journal", [0, 1, ...range(4, sectors - 4)]],
    ["entire partition", range(0, sectors)],
  ];
  const cases: RegionCase[] = [];
  for (const [name, list] of regions) for (const fill of ["erased", "zeros", "random"] as const) cases.push({ name, sectors: list, fill });
  return cases;
}

export function applyRegion(image: Uint8Array, c: RegionCase, sectorBytes: number, random: Random): Uint8Array {
  const out = image.slice();
  for (const s of c.sectors) {
    const area = out.subarray(s * sectorBytes, (s + 1) * sectorBytes);
    if (c.fill === "erased") area.fill(0xff);
    else if (c.fill === "zeros") area.fill(0);
    else for (let i = 0; i < area.length; i++) area[i] = random.int(0, 255);
  }
  return out;
}
