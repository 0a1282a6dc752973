// The output rules (rules.ts) on the board: the outputs the descriptor declares, fed once a
// second with each clamp's mean net power from the CT energy registers (docs/active-house.md).
import { getI64, setI64 } from "../util/mem";
import { outputsReset, outputDeclare, outputsClampSecond, outputsSecond, outputPresent, outputMode, outputsDrLevel,
  outputsBoot, MAX_OUTPUTS, MODE_AUTO, DR_NORMAL } from "./rules";
import { outputDayStart, outputDayBefore, outputDayAfter } from "./day";
import { outputDeclared, outputEntry, MAX_CT } from "../board/descriptor";
import { ctMeterActive, ctMeterImportMicroWh, ctMeterExportMicroWh, ctMeterWindows } from "../ct/meter";
import { statusSet, statusClear, STATUS_OUTPUT_OVERRIDE, STATUS_DEMAND_RESPONSE } from "../status";

const lastImport = memory.data(8 * 4);
const lastExport = memory.data(8 * 4);
let lastS: i64 = 0;
/** (lastS + 1) s in µs while lastS ≥ 0, else −1: the tick compares with it instead of dividing. */
let nextSecondUs: i64 = -1;
function setLastS(s: i64): void {
  lastS = s;
  nextSecondUs = s >= 0 ? (s + 1) * 1_000_000 : -1;
}
let lastWindows: i32 = 0;
let anyOutput = false;

/** Start-up, before the store restores the rule settings: defaults and the board's outputs. */
export function outputsInit(): void {
  outputsReset();
  anyOutput = false;
  for (let i = 0; i < MAX_OUTPUTS; i++) {
    if (!outputDeclared(i)) continue;
    outputDeclare(i, outputEntry(i, 2) - 1, outputEntry(i, 3) - 1);
    anyOutput = true;
  }
}

/** After the store restored the registers: the energy so far is the baseline, not this second's. */
export function outputsStart(nowUs: i64): void {
  setLastS(nowUs / 1_000_000);
  lastWindows = ctMeterWindows();
  for (let c = 0; c < MAX_CT; c++) { setI64(lastImport, c, ctMeterImportMicroWh(c)); setI64(lastExport, c, ctMeterExportMicroWh(c)); }
  outputsBoot(lastS);
  outputDayStart(nowUs);
  outputsStatusUpdate();
}

/**
 * Once per whole second of uptime, as soon as the CT window of that second has closed (its
 * energy is in the registers): the mean power of each clamp over it, then the rules. Without CT
 * windows (no CT metering, or mains lost for 2 s) the rules still run each second, on no power.
 */
export function outputsTick(nowUs: i64): void {
  if (!anyOutput && outputsDrLevel() == DR_NORMAL) return; // a demand-response level still has to expire
  // The two returns below without a 64-bit division (≈ 60 instructions on rv32) on most ticks:
  // for nowUs ≥ 0, s ≤ lastS is nowUs < nextSecondUs, and s − lastS < 2 is nowUs < nextSecondUs + 1 s.
  if (nowUs >= 0 && nowUs < nextSecondUs) return;
  outputsEverySecond(nowUs);
}

/** The rest of outputsTick, from the first tick of a new second on (kept out of fw_tick's body). */
export function outputsEverySecond(nowUs: i64): void {
  const windows = ctMeterWindows() - lastWindows;
  const waiting = ctMeterActive() && windows <= 0;
  if (waiting && nowUs >= 0 && nextSecondUs >= 0 && nowUs < nextSecondUs + 1_000_000) return;
  const s = nowUs / 1_000_000;
  if (s <= lastS) return;
  if (waiting && s - lastS < 2) return;
  const n: i64 = windows > 0 ? <i64>windows : 1;
  for (let c = 0; c < MAX_CT; c++) {
    const imported = ctMeterImportMicroWh(c);
    const exported = ctMeterExportMicroWh(c);
    let dImport = imported - getI64(lastImport, c);
    let dExport = exported - getI64(lastExport, c);
    if (dImport < 0) dImport = 0; // a register zeroed on the console
    if (dExport < 0) dExport = 0;
    setI64(lastImport, c, imported);
    setI64(lastExport, c, exported);
    // µWh in one second × 3600 / 10^6 = W
    outputsClampSecond(c, <i32>((dImport - dExport) * 36 / (10_000 * n)), dImport / n);
  }
  lastWindows += windows;
  setLastS(s);
  outputsSecond(s, outputDayBefore(nowUs));
  outputDayAfter(s);
  outputsStatusUpdate();
}

/** Status bits 13 (an override in force) and 14 (demand response not normal). */
export function outputsStatusUpdate(): void {
  let manual = false;
  for (let i = 0; i < MAX_OUTPUTS; i++) if (outputPresent(i) && outputMode(i) != MODE_AUTO) manual = true;
  if (manual) statusSet(STATUS_OUTPUT_OVERRIDE); else statusClear(STATUS_OUTPUT_OVERRIDE);
  if (outputsDrLevel() != DR_NORMAL) statusSet(STATUS_DEMAND_RESPONSE); else statusClear(STATUS_DEMAND_RESPONSE);
}
