// The wall clock: UTC seconds from the board (RTC, SNTP; the twin: scenario start_utc) kept
// against the µs clock. Unknown until the board sets it (status time_unknown); a step of more
// than CLOCK_STEP_LOG_S is an event (type 21: old and new UTC second). A later time-sync
// downlink calls clockSetUtc too.
import { statusSet, statusClear, STATUS_TIME_UNKNOWN } from "../status";

export const EVENT_CLOCK_STEP: u16 = 21; // (20 is the metrological log's acknowledgement)
/** Steps up to this are drift corrections, not events. */
export const CLOCK_STEP_LOG_S: i64 = 5;
/** Plausible UTC: 2020-01-01 … 2105-12-31 (u32 seconds in records). */
export const CLOCK_MIN_UTC_S: i64 = 1_577_836_800;
export const CLOCK_MAX_UTC_S: i64 = 4_291_747_200;

let known = false;
/** UTC µs minus board µs. */
let offsetUs: i64 = 0;
/** A step waiting to be logged (the store logs it on the next tick). */
export let clockStepPending = false;
export let clockStepOldS: i64 = 0;
export let clockStepNewS: i64 = 0;
/** Steps since start-up (billing records flag a period with one). */
export let clockSteps: u32 = 0;

export function clockInit(): void {
  known = false;
  offsetUs = 0;
  clockStepPending = false;
  clockSteps = 0;
  statusSet(STATUS_TIME_UNKNOWN);
}

export function clockKnown(): bool { return known; }

/** UTC seconds now, or -1 while unknown. */
export function clockUtcS(nowUs: i64): i64 {
  return known ? (nowUs + offsetUs) / 1_000_000 : -1;
}

/** Set the clock to `utcSeconds` at board time `nowUs`; false (nothing changed) when implausible. */
export function clockSetUtc(utcSeconds: i64, nowUs: i64): bool {
  if (utcSeconds < CLOCK_MIN_UTC_S || utcSeconds > CLOCK_MAX_UTC_S) return false;
  const newOffset = utcSeconds * 1_000_000 - nowUs;
  if (known) {
    const oldS = (nowUs + offsetUs) / 1_000_000;
    const step = utcSeconds - oldS;
    if (step > CLOCK_STEP_LOG_S || step < -CLOCK_STEP_LOG_S) {
      clockStepPending = true;
      clockStepOldS = oldS;
      clockStepNewS = utcSeconds;
      clockSteps++;
    }
  }
  offsetUs = newOffset;
  known = true;
  statusClear(STATUS_TIME_UNKNOWN);
  return true;
}

export function clockStepLogged(): void { clockStepPending = false; }
