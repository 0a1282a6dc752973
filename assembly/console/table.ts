// The console's commands as ONE table (docs/console.md): name, arguments, protection, which word
// is a secret, one-line help and the handler. Dispatch, `help`, the echo masking (line.ts) and
// `help` as the browser page reads it all come from here.
import { out, outLine, outU64, outFlush, outText, outLineText, textLength, textEquals, T } from "./out";
import { tokenize, tokenCount, tp, tl, outToken, isBlank, setLineSecretFrom } from "./tokens";
import { sessionTouch } from "./session";
import { boardTimeUs } from "../abi/board";
import { storeRecordChanges } from "../store/index";
import { calBusy, calCommand } from "./cal";
import { commandHelp } from "./help";
import { statusCommand, configCommand, setCommand, saveCommand, helpSetKeys } from "./commands";
import { idCommand, rebootCommand, logCommand, keyCommand, zeroCommand, factoryResetCommand, metrologCommand } from "./admin";
import { unlockCommand, lockCommand } from "./session";
import { outCommand } from "./outputs";

/** Needs an unlocked session (and room in the metrological log). */
export const PROTECTED: u32 = 1;
/** Some of its forms need unlock (`set`: every key but two; `metrolog ack`). */
export const PARTLY_PROTECTED: u32 = 2;
/** A word 1 that cannot become the `after` word is a secret too (`key <hex>` typed without set). */
const STRICT: u32 = 4;
/** Argument count checked by the handler. */
const ANY: u32 = 0xff;

// Handlers (runHandler).
const H_HELP: u32 = 0, H_ID: u32 = 1, H_STATUS: u32 = 2, H_CONFIG: u32 = 3, H_SET: u32 = 4, H_SAVE: u32 = 5, H_UNLOCK: u32 = 6,
  H_LOCK: u32 = 7, H_CAL: u32 = 8, H_ZERO: u32 = 9, H_KEY: u32 = 10, H_LOG: u32 = 11, H_METROLOG: u32 = 12, H_REBOOT: u32 = 13,
  H_FACTORY_RESET: u32 = 14, H_OUT: u32 = 15;

// Fields of a row. secret: 0 none, 1 word 1 is the secret, 2 word 2 is, after the word `after`.
const NAME = 0, ARGS = 1, FLAGS = 2, SECRET = 3, AFTER = 4, MIN_ARGS = 5, MAX_ARGS = 6, SUMMARY = 7, HANDLER = 8, FIELDS = 9;

/** The table: static data (texts are T references), nothing allocated. */
const TABLE: StaticArray<u32> = [
  // name              args                 flags                      secret after            min  max  summary                                                                  handler
  T("help"),          T("[command]"),      0,                         0, T(""),               0,   1,   T("this list, or details of one command"),                                H_HELP,
  T("id"),            T(""),               0,                         0, T(""),               0,   0,   T("firmware and ABI version, node id, software identity (SHA-256)"),      H_ID,
  T("status"),        T(""),               0,                         0, T(""),               0,   0,   T("live values per channel, frames sent, lock and lockout state"),        H_STATUS,
  T("config"),        T(""),               0,                         0, T(""),               0,   0,   T("current settings"),                                                    H_CONFIG,
  T("set"),           T("<key> <value>"),  PARTLY_PROTECTED,          2, T("console.pin"),    ANY, ANY, T("change a setting (see help set)"),                                     H_SET,
  T("save"),          T(""),               0,                         0, T(""),               0,   0,   T("write the settings to flash (they apply at once, save keeps them)"),   H_SAVE,
  T("unlock"),        T("<pin>"),          0,                         1, T(""),               ANY, ANY, T("open the protected session (wrong PINs: a growing wait)"),             H_UNLOCK,
  T("lock"),          T(""),               0,                         0, T(""),               0,   0,   T("close the protected session"),                                         H_LOCK,
  T("cal"),           T("..."),            PROTECTED,                 0, T(""),               ANY, ANY, T("calibration wizard (see help cal)"),                                   H_CAL,
  T("zero"),          T("<register>"),     PROTECTED,                 0, T(""),               ANY, ANY, T("reset a cumulative register (logged)"),                                H_ZERO,
  T("key"),           T("set <hex>"),      PROTECTED | STRICT,        2, T("set"),            ANY, ANY, T("load a new frame key, write-only"),                                    H_KEY,
  T("log"),           T("[count|monthly|daily]"), 0,                  0, T(""),               ANY, ANY, T("the event log, or the billing records (log monthly, log daily), newest first"), H_LOG,
  T("metrolog"),      T("[count|ack]"),    PARTLY_PROTECTED,          0, T(""),               ANY, ANY, T("the metrological log; ack after reading it out"),                      H_METROLOG,
  T("out"),           T("[N on|off|auto [min]]"), PARTLY_PROTECTED, 0, T(""),           ANY, ANY, T("the outputs and their rules; a manual override (logged)"),            H_OUT,
  T("reboot"),        T(""),               0,                         0, T(""),               0,   0,   T("restart the meter (unsaved settings are lost)"),                       H_REBOOT,
  T("factory-reset"), T(""),               PROTECTED,                 0, T(""),               0,   0,   T("settings, PIN and key to defaults; registers and logs kept"),          H_FACTORY_RESET,
];

@inline function rows(): i32 { return TABLE.length / FIELDS; }
@inline function field(row: i32, f: i32): u32 { return unchecked(TABLE[row * FIELDS + f]); }

function runHandler(h: u32): void {
  switch (h) {
    case H_HELP: helpCommand(); break;
    case H_ID: idCommand(); break;
    case H_STATUS: statusCommand(); break;
    case H_CONFIG: configCommand(); break;
    case H_SET: setCommand(); break;
    case H_SAVE: saveCommand(); break;
    case H_UNLOCK: unlockCommand(); break;
    case H_LOCK: lockCommand(); break;
    case H_CAL: calCommand(); break;
    case H_ZERO: zeroCommand(); break;
    case H_KEY: keyCommand(); break;
    case H_LOG: logCommand(); break;
    case H_METROLOG: metrologCommand(); break;
    case H_REBOOT: rebootCommand(); break;
    case H_OUT: outCommand(); break;
    default: factoryResetCommand();
  }
}

/** The row of the command named by the slice (any case), or -1. */
export function findCommand(ptr: usize, len: u32): i32 {
  for (let r = 0; r < rows(); r++) if (textEquals(ptr, len, field(r, NAME))) return r;
  return -1;
}

export function reportLineTooLong(limit: u32): void {
  out("error: line too long (at most ");
  outU64(limit);
  outLine(" characters); nothing was changed");
}

export function runCommand(ptr: usize, len: u32): void {
  sessionTouch(boardTimeUs());
  setLineSecretFrom(ptr + secretStart(ptr, len));
  if (!tokenize(ptr, len)) {
    outLine("error: too many words (try help)");
  } else if (tokenCount > 0) {
    const r = findCommand(tp(0), tl(0));
    const args = <u32>(tokenCount - 1);
    if (r < 0) {
      out("error: unknown command '");
      outToken(0);
      outLine("' (try help)");
    } else if (field(r, MIN_ARGS) != ANY && (args < field(r, MIN_ARGS) || args > field(r, MAX_ARGS))) {
      out("error: ");
      outText(field(r, NAME));
      if (field(r, MAX_ARGS) == 0) outLine(" takes no arguments (try help)");
      else { out(" takes "); outText(field(r, ARGS)); out(" (try help "); outText(field(r, NAME)); outLine(")"); }
    } else {
      runHandler(field(r, HANDLER));
    }
  }
  // Every change of a setting goes into the logs; a calibration still measuring logs its result
  // when it is done, never its probe steps.
  if (!calBusy()) storeRecordChanges();
  outFlush();
}

function helpCommand(): void {
  if (tokenCount == 1) {
    outLine("commands (* = needs unlock, (*) = some forms do):");
    for (let r = 0; r < rows(); r++) {
      out("  ");
      outText(field(r, NAME));
      let width = textLength(field(r, NAME));
      const argsLength = textLength(field(r, ARGS));
      if (argsLength > 0) { out(" "); outText(field(r, ARGS)); width += 1 + argsLength; }
      for (; width < 24; width++) out(" ");
      out(" ");
      outText(field(r, SUMMARY));
      const flags = field(r, FLAGS);
      outLineText((flags & PROTECTED) != 0 ? T(" *") : (flags & PARTLY_PROTECTED) != 0 ? T(" (*)") : T(""));
    }
    return;
  }
  if (textEquals(tp(1), tl(1), T("set"))) helpSetKeys();
  else commandHelp(tp(1), tl(1));
}

// ---- secrets ----------------------------------------------------------------------------------
let wordStart: u32 = 0;
let wordEnd: u32 = 0;

/** The next word at or after `from`; false at the end of the line. */
function nextWord(ptr: usize, len: u32, from: u32): bool {
  let i = from;
  while (i < len && isBlank(load<u8>(ptr + i))) i++;
  if (i >= len) return false;
  wordStart = i;
  while (i < len && !isBlank(load<u8>(ptr + i))) i++;
  wordEnd = i;
  return true;
}

/**
 * Where the secret of a (possibly half-typed) line begins, by its words, whatever the spacing
 * and case: the PIN of `unlock`, the PIN of `set console.pin`, the digits of `key set`; `len`
 * when the line holds none. Everything from there on is echoed and printed as '*'.
 */
export function secretStart(ptr: usize, len: u32): u32 {
  if (!nextWord(ptr, len, 0)) return len;
  const s0 = wordStart;
  const e0 = wordEnd;
  for (let r = 0; r < rows(); r++) {
    const secret = field(r, SECRET);
    if (secret == 0) continue;
    const name = field(r, NAME);
    const n = <u32>textLength(name);
    if (!textEquals(ptr + s0, e0 - s0, name)) {
      // "unlock0000": the secret starts where the name ends.
      if (secret == 1 && e0 - s0 > n && textEquals(ptr + s0, n, name)) return s0 + n;
      continue;
    }
    if (!nextWord(ptr, len, e0)) return len;
    if (secret == 1) return wordStart;
    const s1 = wordStart;
    const e1 = wordEnd;
    const after = field(r, AFTER);
    const a = <u32>textLength(after);
    if (textEquals(ptr + s1, e1 - s1, after)) return nextWord(ptr, len, e1) ? wordStart : len;
    if (e1 - s1 > a && textEquals(ptr + s1, a, after)) return s1 + a;
    if ((field(r, FLAGS) & STRICT) != 0 && !(e1 - s1 <= a && textEquals(ptr + s1, e1 - s1, after, true))) return s1;
    return len;
  }
  return len;
}
