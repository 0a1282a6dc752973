// The outputs' control API for the rest of the firmware (downlink commands, the console):
// demand response and manual overrides, each with an end in µs of uptime (the board's
// time_us; 0 = no end), after which the node's own rules apply again. Both are logged.
// Signatures and semantics are fixed (docs/active-house.md, "Control API").
import { outputsDemandResponse, outputOverride, outputsDrLevel, outputMode, outputModeUntilS, outputPresent, DR_NORMAL } from "./rules";
import { outputsStatusUpdate } from "./drive";
import { storeRecordEvent } from "../store/index";

/** Event 30: key = output number (1..4), old = previous mode, new = mode | end (s of uptime, 0 none) << 8. */
export const EVENT_OUTPUT_OVERRIDE: u16 = 30;
/** Event 31: key = new level, old = previous level, new = end (s of uptime, 0 none). */
export const EVENT_DEMAND_RESPONSE: u16 = 31;

/** µs of uptime to the whole second the rules end it at (rounded up); 0 stays "no end". */
function endS(untilUs: i64): i64 { return untilUs <= 0 ? 0 : (untilUs + 999_999) / 1_000_000; }

/**
 * Demand-response level: 0 normal, 1 reduce (nothing switches on for PV surplus; what is on
 * follows its rule off), 2 shed (every output off). From the next evaluation (≤ 1 s) until
 * `untilUs`; then level 0 again. An unknown level changes nothing. Logged when the level changes.
 */
export function outputsSetDemand(level: i32, untilUs: i64): void {
  const old = outputsDrLevel();
  if (!outputsDemandResponse(level, endS(untilUs))) return;
  if (level != old) storeRecordEvent(EVENT_DEMAND_RESPONSE, <u16>level, old, level == DR_NORMAL ? 0 : endS(untilUs));
  outputsStatusUpdate();
}

/**
 * Output `index` (0 = out1): mode 0 off, 1 on (both until `untilUs`, 0 = until changed), 2 auto
 * (back under its rule at once). Overrides win over demand response and the daily limit. False
 * (nothing changed) for an output the board lacks or a mode out of range. Logged.
 */
export function outputsOverride(index: i32, mode: i32, untilUs: i64): bool {
  if (!outputPresent(index)) return false;
  const old = outputMode(index);
  if (!outputOverride(index, mode, endS(untilUs))) return false;
  storeRecordEvent(EVENT_OUTPUT_OVERRIDE, <u16>(index + 1), old, <i64>mode | (outputModeUntilS(index) << 8));
  outputsStatusUpdate();
  return true;
}
