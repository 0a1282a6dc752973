// The day an output's daily runtime limit counts in, and its on-time carried across restarts
// (docs/active-house.md, "Daily limit"). With the clock set the day is the local calendar day
// (the billing time zone); without it, 24-hour stretches of uptime. What ran today is kept in
// flash (assembly/store/output-day.ts) at every switch and every minute of on-time; at start-up
// it comes back, each output that was on counted on for a further minute (the most a restart
// can have hidden), so a restart can cost runtime but never add any beyond the limit.
import { outputsDay, outputsSetDay, outputSetOnTodayS, outputOnTodayS, outputIsOn, outputPresent, outputParam,
  outputSwitches, P_MAX_DAY, MAX_OUTPUTS } from "./rules";
import { outputDayRestore, outputDayKey, outputDayOnMask, outputDayOnS, outputDaySave, outputDayRecover,
  OUTPUT_DAY_VALID, OUTPUT_DAY_DAMAGED } from "../store/output-day";
import { clockKnown, clockUtcS } from "../clock/clock";
import { tzLocalS, tzRule } from "../clock/tz";
import { floorDiv } from "../clock/civil";
import { storeRecordEvent } from "../store/index";

/** Event 32: the day record was unreadable; every daily limit under 24 h counts as used today. */
export const EVENT_OUTPUT_DAY_LOST: u16 = 32;
/** Seconds of on-time between two records; also what a restart adds to an output that was on. */
export const CHECKPOINT_S: i64 = 60;

const restoredS = memory.data(8 * 4);
let restoredDay: i64 = -1; // the restored record's local day (-1 none or uptime-based)
let savedSwitches: i64 = 0;
let lastSaveS: i64 = 0;

// The local day of the last evaluation, valid for UTC seconds in [cacheFromUtc, cacheUntilUtc):
// up to the next quarter hour of local time. Time-zone offsets, their changes and so local
// midnight all fall on quarter hours, so the TZ rule (thousands of rv32 instructions) is
// evaluated once per 15 minutes instead of every second.
let cachedDay: i64 = 0;
let cacheFromUtc: i64 = 0;
let cacheUntilUtc: i64 = 0;
let cacheRule: i64 = 0;

/** Local days are ≥ 0 (days since 1970); uptime days −1, −2, … from start-up. */
export function dayKeyAt(nowUs: i64): i64 {
  if (!clockKnown()) return -1 - (nowUs < 0 ? 0 : nowUs / 86_400_000_000);
  const utc = clockUtcS(nowUs);
  if (utc >= cacheFromUtc && utc < cacheUntilUtc && tzRule == cacheRule) return cachedDay;
  const local = tzLocalS(utc);
  cachedDay = floorDiv(local, 86400);
  cacheFromUtc = utc;
  cacheUntilUtc = utc + 900 - (local - floorDiv(local, 900) * 900);
  cacheRule = tzRule;
  return cachedDay;
}

function switchesTotal(): i64 {
  let n: i64 = 0;
  for (let i = 0; i < MAX_OUTPUTS; i++) n += outputSwitches(i);
  return n;
}

function onMask(): u32 {
  let m: u32 = 0;
  for (let i = 0; i < MAX_OUTPUTS; i++) if (outputIsOn(i)) m |= <u32>1 << <u32>i;
  return m;
}

function save(): void {
  outputDaySave(outputsDay(), onMask(), outputOnTodayS(0), outputOnTodayS(1), outputOnTodayS(2), outputOnTodayS(3));
}

/** Start-up, after the rules' settings came back: today's on-times so far. */
export function outputDayStart(nowUs: i64): void {
  const key = dayKeyAt(nowUs);
  outputsSetDay(key);
  restoredDay = -1;
  memory.fill(restoredS, 0, 32);
  const state = outputDayRestore();
  if (state == OUTPUT_DAY_DAMAGED) {
    // A limit of a whole day limits nothing: only shorter ones count as used.
    for (let i = 0; i < MAX_OUTPUTS; i++) {
      const max = outputParam(i, P_MAX_DAY);
      if (outputPresent(i) && max < 86400) outputSetOnTodayS(i, <i64>max);
    }
    outputDayRecover(key, 0, outputOnTodayS(0), outputOnTodayS(1), outputOnTodayS(2), outputOnTodayS(3));
    storeRecordEvent(EVENT_OUTPUT_DAY_LOST, 0, 0, 0);
  } else if (state == OUTPUT_DAY_VALID) {
    const saved = outputDayKey();
    // Another local day than today's (both known): nothing of it counts. Otherwise it counts:
    // without a clock on either side nobody can tell the day changed.
    if (!(saved >= 0 && key >= 0 && saved != key)) {
      const mask = outputDayOnMask();
      for (let i = 0; i < MAX_OUTPUTS; i++) {
        const s = outputDayOnS(i) + (((mask >> <u32>i) & 1) != 0 ? CHECKPOINT_S : 0);
        setRestored(i, s);
        outputSetOnTodayS(i, s);
      }
      if (saved >= 0 && key < 0) restoredDay = saved; // told apart once the clock is set
    }
  }
  savedSwitches = switchesTotal();
  lastSaveS = 0;
}

function setRestored(i: i32, s: i64): void { store<i64>(restoredS + (<usize>i << 3), s); }
function restoredOf(i: i32): i64 { return load<i64>(restoredS + (<usize>i << 3)); }

/**
 * Each evaluated second, before the rules: the day key now. A new day resets the on-times (the
 * rules do it); the clock becoming known keeps what ran since start-up, and drops what a restart
 * carried over from another local day. A clock set back into an earlier day starts nothing new.
 */
export function outputDayBefore(nowUs: i64): i64 {
  const key = dayKeyAt(nowUs);
  const old = outputsDay();
  if (key == old) return key;
  if (old < 0 && key >= 0) {
    if (restoredDay >= 0 && restoredDay != key) {
      for (let i = 0; i < MAX_OUTPUTS; i++) outputSetOnTodayS(i, outputOnTodayS(i) - restoredOf(i));
    }
    restoredDay = -1;
    outputsSetDay(key);
    return key;
  }
  if (old >= 0 && (key < 0 || key < old)) return old;
  restoredDay = -1;
  return key; // a new day: outputsSecond resets the on-times
}

/** Outputs with a daily limit under 24 h (the only ones a record is for) that are on; bit i. */
function limitedOn(): u32 {
  let m: u32 = 0;
  for (let i = 0; i < MAX_OUTPUTS; i++) if (outputIsOn(i) && outputParam(i, P_MAX_DAY) < 86400) m |= <u32>1 << <u32>i;
  return m;
}

/**
 * After the rules' second `nowS`: a record at a switch and every CHECKPOINT_S while an output
 * with a daily limit is on. Outputs without one (86 400 s) never need a record.
 */
export function outputDayAfter(nowS: i64): void {
  const switches = switchesTotal();
  const on = limitedOn() != 0;
  if (switches != savedSwitches || (on && nowS - lastSaveS >= CHECKPOINT_S)) {
    save();
    savedSwitches = switches;
    lastSaveS = nowS;
  } else if (!on) {
    lastSaveS = nowS; // the next minute of on-time counts from its switch (saved there)
  }
}
