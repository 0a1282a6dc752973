// Downlink commands from the gateway (docs/frames.md, "Downlink"): demand-response level,
// output override, time sync. A command is acted on only when, in this order: its header parses
// and names this node and its key version, its CMAC-64 under the downlink key verifies, its
// counter is above the persisted high-water mark, its command is known and well-formed, it has
// not expired, and the new mark is in flash. Anything else is refused with a result code and
// changes nothing but a refusal count (never the flash: a flood of forgeries wears nothing).
import { authVerifyDownlink, authKeyVersion, MAC_BYTES } from "../frame/auth";
import { nodeId } from "../settings";
import { downlinkCounterMark, downlinkCounterAdvance } from "../store/downlink-counter";
import { storeRecordEvent } from "../store/index";
import { downlinkCount, downlinkStatsReset } from "./stats";
import { outputsSetDemand, outputsOverride } from "../outputs/control";
import { clockSetUtc, clockKnown, clockUtcS } from "../clock/clock";

export const DL_ACCEPTED: i32 = 0;
export const DL_BAD_MAC: i32 = 1; // tag wrong, or another node id or key version than this node's, or no key
export const DL_REPLAY: i32 = 2; // counter not above the last accepted one
export const DL_EXPIRED: i32 = 3; // validity 0, or older than its validity by the node's synced clock
export const DL_MALFORMED: i32 = 4; // not a downlink frame, or (MAC verified) a field out of range
export const DL_UNKNOWN_COMMAND: i32 = 5;
export const DL_NOT_APPLICABLE: i32 = 6; // no such output on this node, or the outputs refused it (the counter is used up)
export const DL_STORE_FAILED: i32 = 7; // the counter could not be persisted (or no store): not acted on

export const DOWNLINK_VERSION: u32 = 1;
export const DOWNLINK_TYPE: u32 = 0x82; // "downlink, CMAC-64 under K_dl": no uplink suite
export const CMD_DEMAND: u32 = 1;
export const CMD_OVERRIDE: u32 = 2;
export const CMD_TIME_SYNC: u32 = 3;
/** Longest validity a command may carry: a week. */
export const MAX_VALID_S: u64 = 604_800;
/** A time sync before 2020-01-01 is a gateway without a clock: refused as malformed. */
export const MIN_UTC_S: u64 = 1_577_836_800;
const MAX_UTC_S: u64 = 1 << 40;
const MIN_BYTES: u32 = 16;

// Event types (docs/storage.md, event log): 40..49 are the downlink's.
export const EVENT_DOWNLINK_DEMAND: u16 = 40; // key level, old counter, new seconds in force
export const EVENT_DOWNLINK_OVERRIDE: u16 = 41; // key output << 8 | mode, old counter, new seconds
export const EVENT_DOWNLINK_TIME: u16 = 42; // key 0, old counter, new UTC seconds


let at: u32 = 0;
let bad = false;

/** Unsigned LEB128 at `ptr + at`, below `end`, minimal, at most `limit`; sets `bad` otherwise. */
function varint(ptr: usize, end: u32, limit: u64): u64 {
  let value: u64 = 0;
  for (let shift: u64 = 0; at < end && shift < 63; shift += 7) {
    const b = <u64>load<u8>(ptr + at++);
    value |= (b & 0x7f) << shift;
    if ((b & 0x80) == 0) {
      if ((b == 0 && shift > 0) || value > limit) break;
      return value;
    }
  }
  bad = true;
  return 0;
}

function result(code: i32): i32 {
  downlinkCount(code);
  return code;
}

/** The `len` bytes at `ptr` as received (frame and tag), at `nowUs`. Returns a DL_* code. */
export function downlinkReceive(ptr: usize, len: u32, nowUs: i64): i32 {
  if (len < MIN_BYTES || load<u8>(ptr) != DOWNLINK_VERSION || load<u8>(ptr + 1) != DOWNLINK_TYPE) return result(DL_MALFORMED);
  const end = len - MAC_BYTES;
  at = 2;
  bad = false;
  const node = varint(ptr, end, 0xffffffff);
  const keyVersion = varint(ptr, end, 0xffffffff);
  const counter = <u32>varint(ptr, end, 0xffffffff);
  if (bad) return result(DL_MALFORMED);
  if (node != <u64>nodeId || keyVersion != <u64>authKeyVersion() || !authVerifyDownlink(ptr, end, nodeId)) return result(DL_BAD_MAC);
  if (counter == 0 || counter <= downlinkCounterMark()) return result(DL_REPLAY);
  if (at >= end) return result(DL_MALFORMED);
  const command = <u32>load<u8>(ptr + at++);
  if (command < CMD_DEMAND || command > CMD_TIME_SYNC) return result(DL_UNKNOWN_COMMAND);
  const sentS = <i64>varint(ptr, end, MAX_UTC_S);
  const validS = <i64>varint(ptr, end, MAX_VALID_S);
  let a: u32 = 0;
  let b: u32 = 0;
  if (command == CMD_DEMAND) a = <u32>varint(ptr, end, 2);
  if (command == CMD_OVERRIDE) {
    a = <u32>varint(ptr, end, 4);
    b = <u32>varint(ptr, end, 2);
    if (a == 0) bad = true; // outputs are numbered 1..4
  }
  if (command == CMD_TIME_SYNC && <u64>sentS < MIN_UTC_S) bad = true;
  if (bad || at != end) return result(DL_MALFORMED);
  // Validity runs from the gateway's sending time; the node can tell how old a command is only
  // while its wall clock is known (board RTC/SNTP or a time sync), otherwise it counts from arrival.
  let remainingS = validS;
  if (clockKnown() && sentS != 0) {
    const ageS = clockUtcS(nowUs) - sentS;
    if (ageS > 0) remainingS = validS - ageS;
  }
  if (remainingS <= 0) return result(DL_EXPIRED);
  if (!downlinkCounterAdvance(counter)) return result(DL_STORE_FAILED);
  const untilUs = nowUs + remainingS * 1_000_000;
  if (command == CMD_DEMAND) {
    outputsSetDemand(<i32>a, untilUs);
    storeRecordEvent(EVENT_DOWNLINK_DEMAND, <u16>a, <i64>counter, remainingS);
  } else if (command == CMD_OVERRIDE) {
    if (!outputsOverride(<i32>a - 1, <i32>b, untilUs)) return result(DL_NOT_APPLICABLE);
    storeRecordEvent(EVENT_DOWNLINK_OVERRIDE, <u16>((a << 8) | b), <i64>counter, remainingS);
  } else {
    clockSetUtc(sentS, nowUs); // a step of more than a few seconds is logged by the clock (event 21)
    storeRecordEvent(EVENT_DOWNLINK_TIME, 0, <i64>counter, sentS);
  }
  return result(DL_ACCEPTED);
}

export function downlinkInit(): void {
  downlinkStatsReset();
}
