// Billing registers (docs/billing.md): at every daily boundary and every billing date a record
// of every billing register goes into its flash ring; the newest monthly record is the
// target-date value set. Records missed while the power was off (or the clock unknown) are
// written as soon as the clock is known again, flagged late, never twice: the next boundary
// always follows the newest record's.
import { clockUtcS, clockStepPending, clockStepOldS, clockStepNewS, clockStepLogged, clockSteps, EVENT_CLOCK_STEP } from "../clock/clock";
import { tzRule, tzOffsetAt } from "../clock/tz";
import { historyPresent, HISTORY_SECTORS } from "../store/layout";
import { storeRecordEvent, storeRecordLegal } from "../store/index";
import { EVENT_STORE_CORRUPT } from "../store/events";
import { statusSet, STATUS_STORE_CORRUPT } from "../status";
import { FRAME_REGISTER_COUNT } from "../registers";
import { ringsLayout, ringRestore, ringAppend, ringAt, ringNewestSeq, recordBuffer, historyDamaged, historyDamagedRecords, RING_MONTHLY, RING_DAILY, RING_PROGRESS } from "./ring";
import { recordBuild, recordBytes, recordRegister, recordRestorePeaks, KIND_MONTHLY, KIND_DAILY, KIND_PROGRESS, FLAG_LATE, FLAG_CLOCK_STEP, FLAG_FIRST } from "./record";
import { peaksInit, peaksTick, peaksReset, peaksBreakHour } from "./peaks";
import { hoursInit, hoursTick, hoursRestore, hoursNewPeriod } from "./hours";
import { nextDailyAfter, nextMonthlyAfter } from "./calendar";
import { billingDay, billingHour, peakHours } from "./settings";

/** Store-damage event key bit for the billing history (docs/storage.md). */
export const DAMAGE_HISTORY: u16 = 1 << 12;
const LATE_S: i64 = 60;

export let historyOn = false;
/** The newest record per ring already sent in a billing frame (records after it wait, oldest first). */
let sentMonthly: u32 = 0;
let sentDaily: u32 = 0;
let repeatDue = false;
/** The newest monthly record goes out again once a day (a lost frame is repaired within a day). */
const REPEAT_US: i64 = 86_400_000_000;
let lastMonthlyFrameUs: i64 = 0;
let nextDaily: i64 = -1;
let nextMonthly: i64 = -1;
/** Boundary of the newest record per ring (0: none). */
let newestDaily: i64 = 0;
let newestMonthly: i64 = 0;
let stepsAtDaily: u32 = 0;
let stepsAtMonthly: u32 = 0;
let seenDay = 0, seenHour = 0;
let seenRule: i64 = 0;
/** Target-date values: the newest monthly record's registers (-1: none yet). */
const target = memory.data(8 * FRAME_REGISTER_COUNT, 8);
export let targetUtcS: i64 = 0;

export function billingTargetValue(id: i32): i64 { return load<i64>(target + (<usize>id << 3)); }

function keepTarget(): void {
  targetUtcS = <i64>load<u32>(recordBuffer, 8);
  for (let id = 0; id < FRAME_REGISTER_COUNT; id++) store<i64>(target + (<usize>id << 3), recordRegister(id));
}

/** Start-up (after the store): the rings, the target-date values, the month so far. */
export function billingInit(nowUs: i64): void {
  peaksInit();
  hoursInit(nowUs);
  nextDaily = nextMonthly = -1;
  newestDaily = newestMonthly = 0;
  targetUtcS = 0;
  memory.fill(target, 0xff, 8 * FRAME_REGISTER_COUNT);
  stepsAtDaily = stepsAtMonthly = 0;
  lastMonthlyFrameUs = nowUs - REPEAT_US; // the billing-date record once after every start-up
  historyOn = historyPresent() && ringsLayout(recordBytes(), HISTORY_SECTORS);
  if (!historyOn) return;
  ringRestore(RING_MONTHLY);
  ringRestore(RING_DAILY);
  ringRestore(RING_PROGRESS);
  sentMonthly = ringNewestSeq(RING_MONTHLY); // sent before the restart (or lost with it: still in flash, on the console)
  sentDaily = ringNewestSeq(RING_DAILY);
  let monthlyTaken: i64 = -1;
  if (ringAt(RING_MONTHLY, 0)) {
    newestMonthly = <i64>load<u32>(recordBuffer, 8);
    monthlyTaken = <i64>load<u32>(recordBuffer, 16);
    keepTarget();
    hoursRestore(load<u32>(recordBuffer, 20), load<u32>(recordBuffer, 24), 0);
  }
  let dailyTaken: i64 = -1;
  if (ringAt(RING_DAILY, 0)) {
    newestDaily = <i64>load<u32>(recordBuffer, 8);
    dailyTaken = <i64>load<u32>(recordBuffer, 16);
  }
  // The month so far: the newest daily or hourly record taken after the billing date.
  const progress = ringAt(RING_PROGRESS, 0) ? <i64>load<u32>(recordBuffer, 16) : -1;
  if (progress < dailyTaken) ringAt(RING_DAILY, 0);
  const newest = max<i64>(progress, dailyTaken);
  if (newest >= 0 && newest >= monthlyTaken) {
    hoursRestore(load<u32>(recordBuffer, 20), load<u32>(recordBuffer, 24), newest > monthlyTaken ? <u32>load<u16>(recordBuffer, 28) : 0);
    if (newest > monthlyTaken) recordRestorePeaks();
  }
  if (historyDamaged) {
    statusSet(STATUS_STORE_CORRUPT);
    storeRecordLegal(EVENT_STORE_CORRUPT, DAMAGE_HISTORY, 0, <i64>historyDamagedRecords);
  }
}

function write(ring: i32, kind: u8, boundary: i64, utc: i64, first: bool, stepped: bool): void {
  const flags: u8 = (utc - boundary > LATE_S ? FLAG_LATE : 0) | (first ? FLAG_FIRST : 0) | (stepped ? FLAG_CLOCK_STEP : 0);
  recordBuild(kind, flags, boundary, utc);
  ringAppend(ring);
}

/** A billing frame is due with this report: a new record, or the daily repeat of the billing-date one. */
export function billingFrameDue(nowUs: i64): bool {
  if (!historyOn) return false;
  repeatDue = newestMonthly > 0 && nowUs - lastMonthlyFrameUs >= REPEAT_US;
  return repeatDue || ringNewestSeq(RING_MONTHLY) > sentMonthly || ringNewestSeq(RING_DAILY) > sentDaily;
}

/** Load the record of the due billing frame (the oldest unsent, monthly first) into recordBuffer and mark it sent. */
export function billingFrameRecord(nowUs: i64): bool {
  const monthly = repeatDue || ringNewestSeq(RING_MONTHLY) > sentMonthly;
  const ring = monthly ? RING_MONTHLY : RING_DAILY;
  const unsent = ringNewestSeq(ring) - (monthly ? sentMonthly : sentDaily);
  if (!ringAt(ring, unsent > 0 ? unsent - 1 : 0)) return false;
  if (monthly) { sentMonthly = max<u32>(sentMonthly, load<u32>(recordBuffer, 4)); lastMonthlyFrameUs = nowUs; }
  else sentDaily = max<u32>(sentDaily, load<u32>(recordBuffer, 4));
  return true;
}

export function billingTick(nowUs: i64): void {
  hoursTick(nowUs);
  if (clockStepPending) {
    storeRecordEvent(EVENT_CLOCK_STEP, 0, clockStepOldS, clockStepNewS);
    clockStepLogged();
    peaksBreakHour();
  }
  const utc = clockUtcS(nowUs);
  if (utc < 0) return;
  if (billingDay != seenDay || billingHour != seenHour || tzRule != seenRule) {
    seenDay = billingDay; seenHour = billingHour; seenRule = tzRule;
    nextDaily = nextMonthly = -1; // a new calendar: the next boundaries follow the newest records
  }
  if (nextDaily < 0) nextDaily = nextDailyAfter(newestDaily > 0 ? newestDaily : utc);
  if (nextMonthly < 0) nextMonthly = nextMonthlyAfter(newestMonthly > 0 ? newestMonthly : utc);
  const hourClosed = peaksTick(utc, peakHours, tzOffsetAt(tzRule, utc - 3600));
  if (!historyOn) {
    if (utc >= nextMonthly) { peaksReset(); hoursNewPeriod(); nextMonthly = nextMonthlyAfter(nextMonthly); }
    return;
  }
  if (utc >= nextDaily) {
    write(RING_DAILY, KIND_DAILY, nextDaily, utc, newestDaily == 0, clockSteps != stepsAtDaily);
    stepsAtDaily = clockSteps;
    newestDaily = nextDaily;
    nextDaily = nextDailyAfter(nextDaily);
  }
  if (utc >= nextMonthly) {
    write(RING_MONTHLY, KIND_MONTHLY, nextMonthly, utc, newestMonthly == 0, clockSteps != stepsAtMonthly);
    stepsAtMonthly = clockSteps;
    keepTarget();
    newestMonthly = nextMonthly;
    nextMonthly = nextMonthlyAfter(nextMonthly);
    peaksReset();
    hoursNewPeriod();
  } else if (hourClosed) {
    write(RING_PROGRESS, KIND_PROGRESS, utc, utc, false, false);
  }
}
