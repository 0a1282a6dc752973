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

// ASCII, not AssemblyScript strings (UTF-16): "downlink." then the four suffixes back to back.
const NAMES = memory.data<u8>([0x64, 0x6f, 0x77, 0x6e, 0x6c, 0x69, 0x6e, 0x6b, 0x2e, 0x61, 0x63, 0x63, 0x65, 0x70, 0x74, 0x65, 0x64, 0x72, 0x65, 0x66, 0x75, 0x73, 0x65, 0x64, 0x63, 0x6f, 0x75, 0x6e, 0x74, 0x65, 0x72, 0x6c, 0x61, 0x73, 0x74, 0x5f, 0x72, 0x65, 0x73, 0x75, 0x6c, 0x74]);
const PREFIX_BYTES: u32 = 9;
const SUFFIX_AT = memory.data<u8>([0, 8, 15, 22, 33]);

/** Write register `id`'s name ("downlink.accepted") at `out`; returns its length. */
export function downlinkRegisterName(id: i32, out: usize): u32 {
  const i = <usize>(id - DOWNLINK_REGISTER_FIRST);
  const from = <u32>load<u8>(SUFFIX_AT + i);
  const len = <u32>load<u8>(SUFFIX_AT + i + 1) - from;
  memory.copy(out, NAMES, PREFIX_BYTES);
  memory.copy(out + PREFIX_BYTES, NAMES + PREFIX_BYTES + <usize>from, len);
  return PREFIX_BYTES + len;
}
