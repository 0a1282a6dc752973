// The words of the console line being run: (ptr, len) slices of the line buffer, shared by
// the command modules. Split on spaces and tabs (any number); at most MAX_TOKENS words.
// Words compare without regard to case (parse.ts), so `HELP` and `Set Node.Id 5` work.
import { out, outBytes, outByte, outLine, textEquals, Text } from "./out";

export const MAX_TOKENS = 6;
const tokenPtr = memory.data(4 * MAX_TOKENS);
const tokenLen = memory.data(4 * MAX_TOKENS);
export let tokenCount = 0;
/** Offset in the line where a secret begins (the line's length if none): errors never print past it. */
export let lineSecretFrom: usize = usize.MAX_VALUE;

@inline export function tp(i: i32): usize { return <usize>load<u32>(tokenPtr + (<usize>i << 2)); }
@inline export function tl(i: i32): u32 { return load<u32>(tokenLen + (<usize>i << 2)); }

@inline export function isBlank(c: u32): bool { return c == 0x20 || c == 0x09; }

/** Split on blanks; false if there are more than MAX_TOKENS words. */
export function tokenize(ptr: usize, len: u32): bool {
  tokenCount = 0;
  let i: u32 = 0;
  while (i < len) {
    while (i < len && isBlank(load<u8>(ptr + i))) i++;
    if (i == len) break;
    const start = i;
    while (i < len && !isBlank(load<u8>(ptr + i))) i++;
    if (tokenCount == MAX_TOKENS) return false;
    store<u32>(tokenPtr + (<usize>tokenCount << 2), <u32>(ptr + start));
    store<u32>(tokenLen + (<usize>tokenCount << 2), i - start);
    tokenCount++;
  }
  return true;
}

export function setLineSecretFrom(at: usize): void { lineSecretFrom = at; }

export function is(i: i32, word: Text): bool { return i < tokenCount && textEquals(tp(i), tl(i), word); }

/** Print word i as typed (unprintable bytes as '?', a secret's bytes as '*'). */
export function outToken(i: i32): void {
  const p = tp(i);
  for (let k: u32 = 0; k < tl(i); k++) {
    if (p + k >= lineSecretFrom) outByte(0x2a);
    else outBytes(p + k, 1);
  }
}

/** True when the command has exactly `expected` words; else prints a usage error. */
export function wordCount(expected: i32, usage: string): bool {
  if (tokenCount == expected) return true;
  out("error: usage: ");
  out(usage);
  outLine(" (try help)");
  return false;
}
