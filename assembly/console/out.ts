// Console output: text is collected in a static buffer and handed to the board's UART in
// chunks, never one call per character.
import { boardConsoleWrite } from "../abi/board";
import { CONSOLE_TEXT, CONSOLE_PAIRS, CONSOLE_INDEX } from "./text";
import { lower } from "./parse";

const OUT_CAPACITY: u32 = 256;
const outBuffer = memory.data(<i32>OUT_CAPACITY);
let used: u32 = 0;
const digits = memory.data(24);

export function outFlush(): void {
  if (used > 0) boardConsoleWrite(outBuffer, used);
  used = 0;
}

export function outByte(b: u32): void {
  if (used == OUT_CAPACITY) outFlush();
  store<u8>(outBuffer + used++, <u8>b);
}

export function out(s: string): void {
  for (let i = 0; i < s.length; i++) outByte(<u32>s.charCodeAt(i));
}

/** The console prompt: a line is answered when it appears again (scripts wait for it). */
export const PROMPT: string = "am> ";

export function outPrompt(): void { out(PROMPT); }

export function outLine(s: string): void {
  out(s);
  outByte(0x0d);
  outByte(0x0a);
}

/**
 * A console text passed around as a value: in the release build the text's number in the ASCII
 * table (assembly/console/text.ts, T("...") rewritten by host/firmware/console-text.ts);
 * elsewhere, marked by the top bit, the address of the AssemblyScript string literal.
 */
export type Text = u32;
const STRING_MARK: u32 = 0x80000000;

export function T(s: string): Text { return STRING_MARK | <u32>changetype<usize>(s); }

// Table text is byte-pair compressed (host/firmware/console-text.ts): a byte the text cannot hold
// (0x7f..0xff, a control byte other than NUL, BS, LF, CR) stands for the two bytes at
// 2 * pairIndex in the pair table, either of which may be a pair again. expandText walks it once,
// either writing it to the console or comparing it with a slice of the line (in any case), so
// neither needs a buffer.
const LITERAL_CONTROLS: u32 = 1 << 0 | 1 << 8 | 1 << 10 | 1 << 13;
let toConsole = true;
let sliceAt: usize = 0;
let sliceLen: u32 = 0;
let expanded: u32 = 0;
let differs = false;

function expandByte(b: u32): void {
  // a pair: its first half recursively, its second in this loop
  while (b >= 0x7f || (b < 0x20 && ((LITERAL_CONTROLS >> b) & 1) == 0)) {
    const pair = CONSOLE_PAIRS + ((b < 0x20 ? b : b - 0x5f) << 1);
    expandByte(load<u8>(pair));
    b = load<u8>(pair + 1);
  }
  if (toConsole) { outByte(b); return; }
  if (expanded < sliceLen && lower(load<u8>(sliceAt + expanded)) != lower(b)) differs = true;
  expanded++;
}

/** Table text number `n` to the console, or (`slice`) compared with `len` bytes at `at`: its length. */
function expandText(n: Text, slice: bool, at: usize, len: u32): u32 {
  toConsole = !slice;
  sliceAt = at;
  sliceLen = len;
  expanded = 0;
  differs = false;
  const entry = CONSOLE_INDEX + (<usize>n << 1);
  const start = <usize>load<u16>(entry);
  const end = <usize>load<u16>(entry, 2);
  for (let p = start; p < end; p++) expandByte(load<u8>(CONSOLE_TEXT + p));
  toConsole = true;
  return expanded;
}

export function textLength(t: Text): i32 {
  return (t & STRING_MARK) != 0 ? changetype<string>(<usize>(t & ~STRING_MARK)).length : <i32>expandText(t, true, 0, 0);
}

/**
 * The slice equals text `t`, in any case (ASCII letters); with `prefix`, the slice is the start of it
 * (its length must not exceed the text's).
 */
export function textEquals(ptr: usize, len: u32, t: Text, prefix: bool = false): bool {
  if ((t & STRING_MARK) == 0) {
    const n = expandText(t, true, ptr, len);
    return (prefix ? len <= n : len == n) && !differs;
  }
  const s = changetype<string>(<usize>(t & ~STRING_MARK));
  const n = <u32>s.length;
  if (prefix ? len > n : len != n) return false;
  for (let i: u32 = 0; i < len; i++) {
    if (lower(load<u8>(ptr + i)) != lower(<u32>s.charCodeAt(<i32>i))) return false;
  }
  return true;
}

/** The slice starts with text `t`, in any case. */
export function textStarts(ptr: usize, len: u32, t: Text): bool {
  const n = <u32>textLength(t);
  return len >= n && textEquals(ptr, n, t);
}

/** Text of the console's ASCII table (assembly/console/text.ts), by its number. */
export function outText(t: Text): void {
  if ((t & STRING_MARK) != 0) { out(changetype<string>(<usize>(t & ~STRING_MARK))); return; }
  expandText(t, false, 0, 0);
}

export function outLineText(t: Text): void {
  outText(t);
  outByte(0x0d);
  outByte(0x0a);
}

/** Bytes from memory, with anything unprintable shown as '?'. */
export function outBytes(ptr: usize, len: u32): void {
  for (let i: u32 = 0; i < len; i++) {
    const b = <u32>load<u8>(ptr + i);
    outByte(b < 0x20 || b > 0x7e ? 0x3f : b);
  }
}

export function outU64(value: u64): void {
  let n = 0;
  do {
    store<u8>(digits + n++, <u8>(0x30 + value % 10));
    value /= 10;
  } while (value != 0);
  while (n > 0) outByte(<u32>load<u8>(digits + --n));
}

export function outI64(value: i64): void {
  if (value < 0) {
    outByte(0x2d);
    outU64(<u64>(-value));
  } else {
    outU64(<u64>value);
  }
}

/** A fixed-point integer with `decimals` decimals, all of them printed ("12.500"). */
export function outFixed(value: i64, decimals: i32): void {
  if (decimals <= 0) { outI64(value); return; }
  let scale: i64 = 1;
  for (let d = 0; d < decimals; d++) scale *= 10;
  if (value < 0) { outByte(0x2d); value = -value; }
  outU64(<u64>(value / scale));
  outByte(0x2e);
  let frac = value % scale;
  for (let d = decimals - 1; d >= 0; d--) {
    let div: i64 = 1;
    for (let k = 0; k < d; k++) div *= 10;
    outByte(<u32>(0x30 + (frac / div) % 10));
  }
}
