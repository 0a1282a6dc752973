// What the downlink did since start-up, as registers 58..61 (docs/board-abi.md): accepted and
// refused commands, the persisted counter mark, the last result code. Kept apart from the
// command path so that the register table does not depend on the store.
import { downlinkCounterMark } from "../store/downlink-counter";

export const DOWNLINK_REGISTER_FIRST: i32 = 58;
export const DOWNLINK_REGISTER_END: i32 = 62;

let accepted: u32 = 0;
let refused: u32 = 0;
let lastResult: i32 = -1;

export function downlinkStatsReset(): void {
  accepted = 0;
  refused = 0;
  lastResult = -1;
}

/** Count a result (0 accepted, > 0 a refusal). */
export function downlinkCount(code: i32): void {
  lastResult = code;
  if (code == 0) accepted++;
  else refused++;
}

export function downlinkRegister(id: i32): i64 {
  if (id == 58) return <i64>accepted;
  if (id == 59) return <i64>refused;
  if (id == 60) return <i64>downlinkCounterMark();
  return <i64>lastResult;
}

export function downlinkRegisterName(id: i32): string {
  if (id == 58) return "downlink.accepted";
  if (id == 59) return "downlink.refused";
  if (id == 60) return "downlink.counter";
  return "downlink.last_result";
}
