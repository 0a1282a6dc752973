// Digital outputs switched by rules (docs/active-house.md, "Output rules"): PV surplus on a
// chosen clamp turns an output on, grid import turns it off, with minimum on and off times, a
// daily runtime limit, priorities (out1 first), demand-response levels and manual overrides.
// Evaluated once per whole second of uptime from the clamp's mean net power over that second;
// no allocation, integers only.
import { getI32, setI32, getI64, setI64 } from "../util/mem";

export const MAX_OUTPUTS: i32 = 4;
const NEVER: i64 = -(<i64>1 << 40);

// Modes as the control API numbers them (assembly/outputs/control.ts).
export const MODE_OFF: i32 = 0;
export const MODE_ON: i32 = 1;
export const MODE_AUTO: i32 = 2;

export const DR_NORMAL: i32 = 0;
export const DR_REDUCE: i32 = 1; // no automatic switch-on (PV surplus); switch-offs and what is on stay
export const DR_SHED: i32 = 2; // everything off at once, nothing on

// Rule parameters per output (index i * PARAMS + field), the console's outN.<name> settings.
export const P_ON_W: i32 = 0; // surplus (export) at least this for P_ON_DELAY -> on
export const P_OFF_W: i32 = 1; // import above this for P_OFF_DELAY -> off
export const P_ON_DELAY: i32 = 2;
export const P_OFF_DELAY: i32 = 3;
export const P_MIN_ON: i32 = 4;
export const P_MIN_OFF: i32 = 5;
export const P_MAX_DAY: i32 = 6;
export const PARAMS: i32 = 7;
const params = memory.data(4 * 4 * 7);
// Configuration per output (index 0..3), from the board.
const present = memory.data(4 * 4);
const clampOf = memory.data(4 * 4); // CT channel index of the rule's clamp (net power, + import)
const loadClampOf = memory.data(4 * 4); // CT channel measuring the load itself, -1 none
// State per output.
const isOn = memory.data(4 * 4);
const mode = memory.data(4 * 4);
const modeUntilS = memory.data(8 * 4); // 0: until changed
const lastSwitchS = memory.data(8 * 4);
const surplusSinceS = memory.data(8 * 4); // NEVER when the condition does not hold
const importSinceS = memory.data(8 * 4);
const onTodayS = memory.data(8 * 4);
const onTotalS = memory.data(8 * 4);
const switches = memory.data(8 * 4);
const divertedMicroWh = memory.data(8 * 4);
// Per clamp (4 CT channels): the last second's mean net power and imported energy.
const clampPowerW = memory.data(4 * 4);
const clampImportMicroWh = memory.data(8 * 4);

let drLevel: i32 = DR_NORMAL;
let drUntilS: i64 = 0;
let dayIndex: i64 = -1;

/** Defaults of every rule parameter (docs/active-house.md). */
function paramDefault(f: i32): i32 {
  return f == P_ON_W ? 1500 : f == P_OFF_W ? 100 : f == P_ON_DELAY ? 60 : f == P_OFF_DELAY ? 30 : f == P_MAX_DAY ? 86400 : 300;
}

/** Largest value of parameter `f`: watts up to 100 kW, times up to a day. */
export function paramMax(f: i32): i32 { return f <= P_OFF_W ? 100_000 : 86400; }

export function outputsReset(): void {
  memory.fill(present, 0, 16);
  for (let i = 0; i < MAX_OUTPUTS; i++) {
    setI32(isOn, i, 0); setI32(mode, i, MODE_AUTO); setI64(modeUntilS, i, 0);
    setI64(lastSwitchS, i, NEVER); setI64(surplusSinceS, i, NEVER); setI64(importSinceS, i, NEVER);
    setI64(onTodayS, i, 0); setI64(onTotalS, i, 0); setI64(switches, i, 0); setI64(divertedMicroWh, i, 0);
    for (let f = 0; f < PARAMS; f++) setI32(params, i * PARAMS + f, paramDefault(f));
  }
  drLevel = DR_NORMAL;
  drUntilS = 0;
  dayIndex = -1;
}

/** Declares output `i` (the board has it) watching clamp `clamp`, its load on `loadClamp` (-1 none). */
export function outputDeclare(i: i32, clamp: i32, loadClamp: i32): bool {
  if (i < 0 || i >= MAX_OUTPUTS || clamp < 0 || clamp > 3 || loadClamp < -1 || loadClamp > 3) return false;
  setI32(present, i, 1); setI32(clampOf, i, clamp); setI32(loadClampOf, i, loadClamp);
  return true;
}

export function outputParam(i: i32, f: i32): i32 { return getI32(params, i * PARAMS + f); }

/** Sets rule parameter `f` of output `i`; false (nothing changed) out of range. */
export function outputSetParam(i: i32, f: i32, v: i64): bool {
  if (i < 0 || i >= MAX_OUTPUTS || f < 0 || f >= PARAMS || v < 0 || v > <i64>paramMax(f)) return false;
  setI32(params, i * PARAMS + f, <i32>v);
  return true;
}

export function outputPresent(i: i32): bool { return i >= 0 && i < MAX_OUTPUTS && getI32(present, i) != 0; }
export function outputClamp(i: i32): i32 { return getI32(clampOf, i); }
export function outputLoadClamp(i: i32): i32 { return getI32(loadClampOf, i); }

/** The last whole second's mean net power of clamp `c` (W, + import) and its imported energy. */
export function outputsClampSecond(c: i32, netW: i32, importedMicroWh: i64): void {
  if (c < 0 || c > 3) return;
  setI32(clampPowerW, c, netW);
  setI64(clampImportMicroWh, c, importedMicroWh);
}

/** Manual override from the console or a downlink: MODE_OFF/ON/AUTO until `untilS` (0: until changed). */
export function outputOverride(i: i32, m: i32, untilS: i64): bool {
  if (!outputPresent(i) || m < MODE_OFF || m > MODE_AUTO) return false;
  setI32(mode, i, m);
  setI64(modeUntilS, i, m == MODE_AUTO ? 0 : untilS);
  return true;
}

/** Demand-response level until `untilS` (0: until changed); afterwards the local rules apply again. */
export function outputsDemandResponse(level: i32, untilS: i64): bool {
  if (level < DR_NORMAL || level > DR_SHED) return false;
  drLevel = level;
  drUntilS = level == DR_NORMAL ? 0 : untilS;
  return true;
}

export function outputsDrLevel(): i32 { return drLevel; }
export function outputsDrUntilS(): i64 { return drUntilS; }
export function outputIsOn(i: i32): bool { return outputPresent(i) && getI32(isOn, i) != 0; }
export function outputMode(i: i32): i32 { return getI32(mode, i); }
export function outputModeUntilS(i: i32): i64 { return getI64(modeUntilS, i); }
export function outputSwitches(i: i32): i64 { return getI64(switches, i); }
export function outputOnTotalS(i: i32): i64 { return getI64(onTotalS, i); }
export function outputOnTodayS(i: i32): i64 { return getI64(onTodayS, i); }
export function outputDivertedMicroWh(i: i32): i64 { return getI64(divertedMicroWh, i); }
/** The day the on-times count for (assembly/outputs/day.ts numbers it). */
export function outputsDay(): i64 { return dayIndex; }

/**
 * Start-up and clock changes (assembly/outputs/day.ts): the day to count on-time for and output
 * i's on-time so far in it, without the reset a new day brings.
 */
export function outputsSetDay(day: i64): void { dayIndex = day; }
export function outputSetOnTodayS(i: i32, s: i64): void { if (i >= 0 && i < MAX_OUTPUTS) setI64(onTodayS, i, s < 0 ? 0 : s); }

/**
 * Start-up at second `nowS`: every output is off (its relay lost power) and counts as switched
 * off now, so a restart never shortens a minimum off-time (docs/active-house.md).
 */
export function outputsBoot(nowS: i64): void {
  for (let i = 0; i < MAX_OUTPUTS; i++) if (outputPresent(i)) setI64(lastSwitchS, i, nowS);
}

/** Bit i set when output i is on: what the board drives its relays from. */
export function outputsMask(): u32 {
  let m: u32 = 0;
  for (let i = 0; i < MAX_OUTPUTS; i++) if (outputIsOn(i)) m |= <u32>1 << <u32>i;
  return m;
}

/** Forgets the surplus and import timers of every output on `clamp`: a load there just changed. */
function restartTimers(clamp: i32): void {
  for (let i = 0; i < MAX_OUTPUTS; i++) {
    if (outputPresent(i) && getI32(clampOf, i) == clamp) { setI64(surplusSinceS, i, NEVER); setI64(importSinceS, i, NEVER); }
  }
}

function setOutput(i: i32, on: bool, nowS: i64): void {
  if ((getI32(isOn, i) != 0) == on) return;
  setI32(isOn, i, on ? 1 : 0);
  setI64(lastSwitchS, i, nowS);
  setI64(switches, i, getI64(switches, i) + 1);
  restartTimers(getI32(clampOf, i));
}

/** One whole second `nowS` of uptime (`day`: the day it belongs to) has passed: account and decide. */
export function outputsSecond(nowS: i64, day: i64): void {
  if (day != dayIndex) {
    dayIndex = day;
    for (let i = 0; i < MAX_OUTPUTS; i++) setI64(onTodayS, i, 0);
  }
  if (drLevel != DR_NORMAL && drUntilS > 0 && nowS >= drUntilS) { drLevel = DR_NORMAL; drUntilS = 0; }
  for (let i = 0; i < MAX_OUTPUTS; i++) {
    if (!outputPresent(i)) continue;
    if (getI32(isOn, i) != 0) {
      setI64(onTodayS, i, getI64(onTodayS, i) + 1);
      setI64(onTotalS, i, getI64(onTotalS, i) + 1);
      const load = getI32(loadClampOf, i);
      if (load >= 0) setI64(divertedMicroWh, i, getI64(divertedMicroWh, i) + getI64(clampImportMicroWh, load));
    }
    const until = getI64(modeUntilS, i);
    if (getI32(mode, i) != MODE_AUTO && until > 0 && nowS >= until) { setI32(mode, i, MODE_AUTO); setI64(modeUntilS, i, 0); }
    const p = getI32(clampPowerW, getI32(clampOf, i));
    if (-p >= outputParam(i, P_ON_W)) { if (getI64(surplusSinceS, i) == NEVER) setI64(surplusSinceS, i, nowS - 1); } else setI64(surplusSinceS, i, NEVER);
    if (p > outputParam(i, P_OFF_W)) { if (getI64(importSinceS, i) == NEVER) setI64(importSinceS, i, nowS - 1); } else setI64(importSinceS, i, NEVER);
  }
  // Decide on the timers as they stand, then act: forced changes (override, demand response,
  // daily limit) at once; otherwise at most one automatic change, off before on, since each
  // changes the clamp's power that the other rules see.
  let forced: u32 = 0; // bit i: output i must change now
  let autoOff = -1;
  let autoOn = -1;
  for (let i = 0; i < MAX_OUTPUTS; i++) {
    if (!outputPresent(i)) continue;
    const on = getI32(isOn, i) != 0;
    const sinceSwitch = nowS - getI64(lastSwitchS, i);
    const dayFull = getI64(onTodayS, i) >= <i64>outputParam(i, P_MAX_DAY);
    const m = getI32(mode, i);
    let want = on;
    if (m == MODE_ON) want = true;
    else if (m == MODE_OFF || drLevel == DR_SHED || (on && dayFull)) want = false;
    if (want != on) { forced |= <u32>1 << <u32>i; continue; }
    if (m != MODE_AUTO) continue;
    const surplusFor = getI64(surplusSinceS, i) == NEVER ? 0 : nowS - getI64(surplusSinceS, i);
    const importFor = getI64(importSinceS, i) == NEVER ? 0 : nowS - getI64(importSinceS, i);
    if (on && importFor > 0 && importFor >= <i64>outputParam(i, P_OFF_DELAY) && sinceSwitch >= <i64>outputParam(i, P_MIN_ON)) autoOff = i; // the last (lowest priority) wins
    // Switch on only with room for a whole minimum on-time left today: the daily limit then never
    // cuts an automatic run short of min_on_s.
    const mayOn = !on && getI64(onTodayS, i) + <i64>outputParam(i, P_MIN_ON) <= <i64>outputParam(i, P_MAX_DAY)
      && sinceSwitch >= <i64>outputParam(i, P_MIN_OFF) && drLevel == DR_NORMAL;
    if (mayOn && surplusFor > 0 && surplusFor >= <i64>outputParam(i, P_ON_DELAY) && autoOn < 0) autoOn = i; // the first (highest priority) wins
  }
  if (forced != 0) {
    for (let i = 0; i < MAX_OUTPUTS; i++) if ((forced & (<u32>1 << <u32>i)) != 0) setOutput(i, getI32(isOn, i) == 0, nowS);
  } else if (autoOff >= 0) setOutput(autoOff, false, nowS);
  else if (autoOn >= 0) setOutput(autoOn, true, nowS);
}
