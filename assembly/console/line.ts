// Line editor for the serial console: echo, backspace, CR/LF/CRLF line ends, bounded length.
// Bytes that are not printable ASCII are dropped (never executed, never echoed), and a line
// that grows too long is refused whole when it ends.
import { outByte, out, outFlush } from "./out";
import { runCommand, reportLineTooLong } from "./commands";

export const LINE_CAPACITY: u32 = 120;
const lineBuffer = memory.data(<i32>LINE_CAPACITY);
let lineLength: u32 = 0;
let overflowed = false;
let lastWasCr = false;

/** Bytes dropped because they were not printable (binary garbage on the line). */
export let droppedBytes: u32 = 0;

export const PROMPT: string = "am> ";

export function linePrompt(): void {
  out(PROMPT);
  outFlush();
}

/** Feed input bytes; every complete line is run as a command. */
export function lineFeed(ptr: usize, len: u32): void {
  for (let i: u32 = 0; i < len; i++) {
    const b = <u32>load<u8>(ptr + i);
    const wasCr = lastWasCr;
    lastWasCr = b == 0x0d;
    if (b == 0x0d || b == 0x0a) {
      if (b == 0x0a && wasCr) continue; // CRLF is one line end
      out("\r\n");
      if (overflowed) reportLineTooLong(LINE_CAPACITY);
      else if (lineLength > 0) runCommand(lineBuffer, lineLength);
      lineLength = 0;
      overflowed = false;
      linePrompt();
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
      store<u8>(lineBuffer + lineLength++, <u8>b);
      outByte(b);
    }
  }
  outFlush();
}
