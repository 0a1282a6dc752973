// Line editor for the serial console: echo, Backspace, CR/LF/CRLF line ends, bounded length,
// VT100 arrow keys (Up/Down recall the last few lines; Left/Right and other sequences are read
// and dropped, never executed). Bytes that are not printable ASCII are dropped, and a line that
// grows too long is refused whole when it ends. Secrets (table.ts: secretStart) are echoed as
// '*' and never kept in the history.
import { outByte, out, outFlush, outPrompt, PROMPT as OUT_PROMPT } from "./out";
import { runCommand, reportLineTooLong, secretStart } from "./table";
import { calBusy, calCancel } from "./cal";
import { resetRequested } from "./admin";

export const LINE_CAPACITY: u32 = 120;
const lineBuffer = memory.data(<i32>LINE_CAPACITY);
let lineLength: u32 = 0;
let overflowed = false;
let lastWasCr = false;

/** Up to HISTORY lines without a secret, newest at slot (historyNewest). */
const HISTORY: u32 = 4;
const history = memory.data(<i32>(HISTORY * LINE_CAPACITY));
const historyLen = memory.data(<i32>(4 * HISTORY));
let historyCount: u32 = 0;
let historyNewest: u32 = 0;
let browsing: u32 = 0; // 0: the line being typed; k: the k-th newest history line shown

// Escape sequences: ESC, then '[' or 'O', then parameter bytes up to a final byte 0x40..0x7e.
const ESC_NONE = 0;
const ESC_SEEN = 1;
const ESC_CSI = 2;
let escState = ESC_NONE;

/** Bytes dropped because they were not printable (binary garbage on the line). */
export let droppedBytes: u32 = 0;

export const PROMPT: string = OUT_PROMPT;

export function linePrompt(): void {
  outPrompt();
  outFlush();
}

/** While a calibration measures, only Ctrl-C is read (it cancels); other bytes are dropped. */
function busyByte(b: u32): void {
  if (b != 0x03) { droppedBytes++; return; }
  out("^C\r\n");
  calCancel();
  linePrompt();
}

function remember(): void {
  if (lineLength == 0 || secretStart(lineBuffer, lineLength) < lineLength) return;
  historyNewest = (historyNewest + 1) % HISTORY;
  memory.copy(history + historyNewest * LINE_CAPACITY, lineBuffer, lineLength);
  store<u32>(historyLen + (historyNewest << 2), lineLength);
  if (historyCount < HISTORY) historyCount++;
}

/** Replace the typed line by history line k (0: an empty line), on the screen too. */
function recall(k: u32): void {
  for (let i: u32 = 0; i < lineLength; i++) out("\x08 \x08");
  lineLength = 0;
  overflowed = false;
  browsing = k;
  if (k == 0) return;
  const slot = (historyNewest + HISTORY - (k - 1)) % HISTORY;
  lineLength = load<u32>(historyLen + (slot << 2));
  memory.copy(lineBuffer, history + slot * LINE_CAPACITY, lineLength);
  for (let i: u32 = 0; i < lineLength; i++) outByte(load<u8>(lineBuffer + i));
}

function escapeByte(b: u32): void {
  if (escState == ESC_SEEN) {
    escState = b == 0x5b || b == 0x4f ? ESC_CSI : ESC_NONE;
    return;
  }
  if (b < 0x40 || b > 0x7e) return; // parameter bytes of the sequence
  escState = ESC_NONE;
  if (b == 0x41 && browsing < historyCount) recall(browsing + 1); // Up
  else if (b == 0x42 && browsing > 0) recall(browsing - 1); // Down
}

function endLine(): void {
  out("\r\n");
  if (overflowed) reportLineTooLong(LINE_CAPACITY);
  else if (lineLength > 0) {
    remember();
    runCommand(lineBuffer, lineLength);
    memory.fill(lineBuffer, 0, LINE_CAPACITY); // no PIN or key digits stay in RAM
  }
  lineLength = 0;
  overflowed = false;
  browsing = 0;
  // A calibration prints the prompt when it is done; after reboot the restarted firmware does.
  if (!calBusy() && !resetRequested) linePrompt();
}

/** Feed input bytes; every complete line is run as a command. */
export function lineFeed(ptr: usize, len: u32): void {
  for (let i: u32 = 0; i < len; i++) {
    const b = <u32>load<u8>(ptr + i);
    if (calBusy()) { busyByte(b); lastWasCr = false; escState = ESC_NONE; continue; }
    const wasCr = lastWasCr;
    lastWasCr = b == 0x0d;
    if (escState != ESC_NONE && b != 0x03 && b != 0x0d && b != 0x0a) {
      escapeByte(b);
    } else if (b == 0x1b) {
      escState = ESC_SEEN;
    } else if (b == 0x0d || b == 0x0a) {
      escState = ESC_NONE;
      if (b == 0x0a && wasCr) continue; // CRLF is one line end
      endLine();
    } else if (b == 0x08 || b == 0x7f) {
      if (lineLength > 0 && !overflowed) {
        lineLength--;
        out("\x08 \x08");
      }
    } else if (b == 0x03) {
      // Ctrl-C: abandon the line.
      escState = ESC_NONE;
      out("^C\r\n");
      lineLength = 0;
      overflowed = false;
      browsing = 0;
      linePrompt();
    } else if (b == 0x09) {
      storeByte(b, 0x20); // a tab separates words like a space, and is echoed as one
    } else if (b < 0x20 || b > 0x7e) {
      droppedBytes++;
    } else {
      storeByte(b, b);
    }
  }
  outFlush();
}

function storeByte(b: u32, echo: u32): void {
  if (lineLength == LINE_CAPACITY) { overflowed = true; return; }
  store<u8>(lineBuffer + lineLength++, <u8>b);
  if (overflowed) return;
  outByte(lineLength - 1 >= secretStart(lineBuffer, lineLength) ? 0x2a : echo);
}
