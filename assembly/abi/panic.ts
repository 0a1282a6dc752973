import { boardPanic } from "./board";

// Aborts (failed assertions, out-of-range access) become a board panic instead of an
// `env.abort` import: the board shell logs the message and resets the chip.
const PANIC_TEXT_CAPACITY: i32 = 96;
const panicText = memory.data(PANIC_TEXT_CAPACITY);

export const PANIC_ABORT: u32 = 1;

export function abortToPanic(message: string | null, fileName: string | null, line: u32, column: u32): void {
  let len = 0;
  if (message !== null) {
    const text = changetype<string>(message);
    const n = min(text.length, PANIC_TEXT_CAPACITY);
    for (; len < n; len++) {
      const code = text.charCodeAt(len);
      store<u8>(panicText + len, code < 0x20 || code > 0x7e ? 0x3f : code);
    }
  }
  boardPanic(PANIC_ABORT, panicText, len);
  unreachable();
}

/**
 * Panics with an ASCII message unless `ok` (an assert without AssemblyScript's UTF-16 message and
 * file name: ~100 bytes of the module each). `message`: memory.data bytes, `len` of them.
 */
@inline export function panicUnless(ok: bool, message: usize, len: u32): void {
  if (!ok) {
    boardPanic(PANIC_ABORT, message, len);
    unreachable();
  }
}
