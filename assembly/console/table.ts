// The console's commands as ONE table (docs/console.md): name, arguments, protection, which word
// is a secret, one-line help and the handler. Dispatch, `help`, the echo masking (line.ts) and
// `help` as the browser page reads it all come from here.
import { out, outLine, outU64, outFlush, outText, textLength, T, Text } from "./out";
import { tokenEquals, tokenStartsWith, lower } from "./parse";
import { tokenize, tokenCount, tp, tl, outToken, isBlank, setLineSecretFrom } from "./tokens";
import { sessionTouch } from "./session";
import { boardTimeUs } from "../abi/board";
import { storeRecordChanges } from "../store/index";
import { calBusy, calCommand } from "./cal";
import { commandHelp } from "./help";
import { statusCommand, configCommand, setCommand, saveCommand, helpSetKeys } from "./commands";
import { idCommand, rebootCommand, logCommand, keyCommand, zeroCommand, factoryResetCommand, metrologCommand } from "./admin";
import { unlockCommand, lockCommand } from "./session";

/** Needs an unlocked session (and room in the metrological log). */
export const PROTECTED: u32 = 1;
/** Some of its forms need unlock (`set`: every key but two; `metrolog ack`). */
export const PARTLY_PROTECTED: u32 = 2;

export class Command {
  constructor(
    readonly name: string,
    readonly args: Text,
    readonly flags: u32,
    /** 0: no secret; 1: word 1 is; 2: word 2 is, after the word `secretAfter`. */
    readonly secretWord: i32,
    readonly secretAfter: string,
    /** Any word 1 that cannot become `secretAfter` is taken for a secret too (`key <hex>` typed without set). */
    readonly secretStrict: bool,
    /** Words after the name: at least, at most (-1: the handler checks). */
    readonly minArgs: i32,
    readonly maxArgs: i32,
    readonly summary: Text,
    readonly run: () => void,
  ) {}
}

export const COMMANDS = new Array<Command>(0);
COMMANDS.push(new Command("help", T("[command]"), 0, 0, "", false, 0, 1, T("this list, or details of one command"), () => helpCommand()));
COMMANDS.push(new Command("id", T(""), 0, 0, "", false, 0, 0, T("firmware and ABI version, node id, software identity (SHA-256)"), () => idCommand()));
COMMANDS.push(new Command("status", T(""), 0, 0, "", false, 0, 0, T("live values per channel, frames sent, lock and lockout state"), () => statusCommand()));
COMMANDS.push(new Command("config", T(""), 0, 0, "", false, 0, 0, T("current settings"), () => configCommand()));
COMMANDS.push(new Command("set", T("<key> <value>"), PARTLY_PROTECTED, 2, "console.pin", false, -1, -1, T("change a setting (see help set)"), () => setCommand()));
COMMANDS.push(new Command("save", T(""), 0, 0, "", false, 0, 0, T("write the settings to flash (they apply at once, save keeps them)"), () => saveCommand()));
COMMANDS.push(new Command("unlock", T("<pin>"), 0, 1, "", false, -1, -1, T("open the protected session (wrong PINs: a growing wait)"), () => unlockCommand()));
COMMANDS.push(new Command("lock", T(""), 0, 0, "", false, 0, 0, T("close the protected session"), () => lockCommand()));
COMMANDS.push(new Command("cal", T("..."), PROTECTED, 0, "", false, -1, -1, T("calibration wizard (see help cal)"), () => calCommand()));
COMMANDS.push(new Command("zero", T("<register>"), PROTECTED, 0, "", false, -1, -1, T("reset a cumulative register (logged)"), () => zeroCommand()));
COMMANDS.push(new Command("key", T("set <hex>"), PROTECTED, 2, "set", true, -1, -1, T("load a new frame key, write-only"), () => keyCommand()));
COMMANDS.push(new Command("log", T("[count]"), 0, 0, "", false, -1, -1, T("the event log, newest first"), () => logCommand()));
COMMANDS.push(new Command("metrolog", T("[count|ack]"), PARTLY_PROTECTED, 0, "", false, -1, -1, T("the metrological log; ack after reading it out"), () => metrologCommand()));
COMMANDS.push(new Command("reboot", T(""), 0, 0, "", false, 0, 0, T("restart the meter (unsaved settings are lost)"), () => rebootCommand()));
COMMANDS.push(new Command("factory-reset", T(""), PROTECTED, 0, "", false, 0, 0, T("settings, PIN and key to defaults; registers and logs kept"), () => factoryResetCommand()));

export function findCommand(ptr: usize, len: u32): Command | null {
  for (let i = 0; i < COMMANDS.length; i++) {
    const c = unchecked(COMMANDS[i]);
    if (tokenEquals(ptr, len, c.name)) return c;
  }
  return null;
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
    const c = findCommand(tp(0), tl(0));
    if (c == null) {
      out("error: unknown command '");
      outToken(0);
      outLine("' (try help)");
    } else if (c.minArgs >= 0 && (tokenCount - 1 < c.minArgs || tokenCount - 1 > c.maxArgs)) {
      out("error: ");
      out(c.name);
      if (c.maxArgs == 0) outLine(" takes no arguments (try help)");
      else { out(" takes "); outText(c.args); out(" (try help "); out(c.name); outLine(")"); }
    } else {
      c.run();
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
    for (let i = 0; i < COMMANDS.length; i++) {
      const c = unchecked(COMMANDS[i]);
      out("  ");
      out(c.name);
      let width = c.name.length;
      const argsLength = textLength(c.args);
      if (argsLength > 0) { out(" "); outText(c.args); width += 1 + argsLength; }
      for (; width < 24; width++) out(" ");
      out(" ");
      outText(c.summary);
      outLine((c.flags & PROTECTED) != 0 ? " *" : (c.flags & PARTLY_PROTECTED) != 0 ? " (*)" : "");
    }
    return;
  }
  if (tokenEquals(tp(1), tl(1), "set")) helpSetKeys();
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

/** Is the slice the start of `word` (what is typed so far could still become it)? */
function couldBecome(ptr: usize, len: u32, word: string): bool {
  if (<i32>len > word.length) return false;
  for (let k: u32 = 0; k < len; k++) if (lower(load<u8>(ptr + k)) != <u32>word.charCodeAt(<i32>k)) return false;
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
  for (let i = 0; i < COMMANDS.length; i++) {
    const c = unchecked(COMMANDS[i]);
    if (c.secretWord == 0) continue;
    const n = <u32>c.name.length;
    if (!tokenEquals(ptr + s0, e0 - s0, c.name)) {
      // "unlock0000": the secret starts where the name ends.
      if (c.secretWord == 1 && e0 - s0 > n && tokenStartsWith(ptr + s0, e0 - s0, c.name)) return s0 + n;
      continue;
    }
    if (!nextWord(ptr, len, e0)) return len;
    if (c.secretWord == 1) return wordStart;
    const s1 = wordStart;
    const e1 = wordEnd;
    const a = <u32>c.secretAfter.length;
    if (tokenEquals(ptr + s1, e1 - s1, c.secretAfter)) return nextWord(ptr, len, e1) ? wordStart : len;
    if (e1 - s1 > a && tokenStartsWith(ptr + s1, e1 - s1, c.secretAfter)) return s1 + a;
    if (c.secretStrict && !couldBecome(ptr + s1, e1 - s1, c.secretAfter)) return s1;
    return len;
  }
  return len;
}
