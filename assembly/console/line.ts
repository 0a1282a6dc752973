// Line editor for the serial console: echo, backspace, CR/LF/CRLF line ends, bounded length.
// Bytes that are not printable ASCII are dropped (never executed, never echoed), and a line
// that grows too long is refused whole when it ends.
import { outByte, out, outFlush, outPrompt, PROMPT as OUT_PROMPT } from "./out";
import { runCommand, reportLineTooLong } from "./commands";
import { calBusy, calCancel } from "./cal";
import { resetRequested } from "./admin";
import { tokenStartsWith } from "./parse";

export const LINE_CAPACITY: u32 = 120;
const lineBuffer = memory.data(<i32>LINE_CAPACITY);
let lineLength: u32 = 0;
let overflowed = false;
let lastWasCr = false;

/** Bytes dropped because they were not printable (binary garbage on the line). */
export let droppedBytes: u32 = 0;

export const PROMPT: string = OUT_PROMPT;

export function linePrompt(): void {
  outPrompt();
  outFlush();
}

/** Secrets are echoed as '*': the PIN of `unlock` and `set console.pin`, the digits of `key set`. */
function secretFrom(): u32 {
  if (tokenStartsWith(lineBuffer, lineLength, "unlock ")) return 7;
  if (tokenStartsWith(lineBuffer, lineLength, "key set ")) return 8;
  if (tokenStartsWith(lineBuffer, lineLength, "set console.pin ")) return 16;
  return LINE_CAPACITY;
}

/** While a calibration measures, only Ctrl-C is read (it cancels); other bytes are dropped. */
function busyByte(b: u32): void {
  if (b != 0x03) { droppedBytes++; return; }
  out("^C\r\n");
  calCancel();
  linePrompt();
}

/** Feed input bytes; every complete line is run as a command. */
export function lineFeed(ptr: usize, len: u32): void {
  for (let i: u32 = 0; i < len; i++) {
    const b = <u32>load<u8>(ptr + i);
    if (calBusy()) { busyByte(b); lastWasCr = false; continue; }
    const wasCr = lastWasCr;
    lastWasCr = b == 0x0d;
    if (b == 0x0d || b == 0x0a) {
      if (b == 0x0a && wasCr) continue; // CRLF is one line end
      out("\r\n");
      if (overflowed) reportLineTooLong(LINE_CAPACITY);
      else if (lineLength > 0) runCommand(lineBuffer, lineLength);
      lineLength = 0;
      overflowed = false;
      // A calibration prints the prompt when it is done; after reboot the restarted firmware does.
      if (!calBusy() && !resetRequested) linePrompt();
    } else if (b == 0x08 || b == 0x7f) {
      if (lineLength > 0 && !overflowed) {
        lineLength--;
        out("\x08 \x08");
      }
    } else if (b == 0x03) {
      // Ctrl-C: abandon the line.
      out("^C\r\n");
      lineLength = 0;
      overflowed = false;
      linePrompt();
    } else if (b < 0x20 || b > 0x7e) {
      droppedBytes++;
    } else if (lineLength == LINE_CAPACITY) {
      overflowed = true;
    } else {
      outByte(lineLength >= secretFrom() ? 0x2a : b);
      store<u8>(lineBuffer + lineLength++, <u8>b);
    }
  }
  outFlush();
}
