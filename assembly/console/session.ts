// Protection of legally relevant parameters (docs/console.md): an unlocked session, opened with
// `unlock <pin>`, that locks itself after console.lock_s seconds without a command. Wrong PINs
// are counted in flash (assembly/store/lockout.ts): after 3 in a row `unlock` refuses for 60 s,
// doubling with each further wrong PIN up to 1 h; a reboot or power cut starts the wait again
// (the board has no clock that runs while it is off), so neither shortens it. The PIN is a
// setting stored with the configuration, changed only while unlocked, never shown or logged.
import { out, outLine, outU64, outText, outLineText, T, Text } from "./out";
import { tp, tl, tokenCount, outToken } from "./tokens";
import { boardTimeUs } from "../abi/board";
import { configPin, configSetPin, KEY_PIN } from "../store/config";
import { storeRecordLegal } from "../store/index";
import { EVENT_CONFIG_CHANGE } from "../store/events";
import { lockTimeoutS } from "../settings";
import { lockoutInARow, lockoutRecordAttempt, lockoutRecordSuccess, lockoutWaitS, lockoutTotal } from "../store/lockout";
import { metrologHasRoom, metrologUnacked } from "../store/metrolog";

let unlockedFlag = false;
let lastCommandUs: i64 = 0;
let refuseUntilUs: i64 = 0;

/** Start-up (after the store): locked; a lockout in flash starts its whole wait again now. */
export function sessionInit(): void {
  unlockedFlag = false;
  refuseUntilUs = 0;
}

export function sessionStart(nowUs: i64): void {
  refuseUntilUs = nowUs + <i64>lockoutWaitS(lockoutInARow()) * 1_000_000;
}

/** Called from fw_tick and before every command: locks an idle session. */
export function sessionTick(nowUs: i64): void {
  if (unlockedFlag && nowUs - lastCommandUs >= <i64>lockTimeoutS * 1_000_000) unlockedFlag = false;
}

/** A command line arrived (after the timeout check, so an idle session is locked first). */
export function sessionTouch(nowUs: i64): void {
  sessionTick(nowUs);
  lastCommandUs = nowUs;
}

export function sessionUnlocked(): bool { return unlockedFlag; }

const PROTECTED_TEXT = T(" is protected: unlock first (unlock <pin>, see help unlock); nothing was changed");

/** True when unlocked; else prints why `what` is refused. */
export function requireSession(what: Text): bool {
  if (unlockedFlag) return true;
  out("error: ");
  outText(what);
  outLineText(PROTECTED_TEXT);
  return false;
}

/** A protected change: unlocked, and room in the metrological log for its record. */
export function requireUnlocked(what: Text): bool {
  return requireSession(what) && metrologRoom();
}

/** requireUnlocked for the key typed as word i of `set`. */
export function requireUnlockedWord(i: i32): bool {
  if (!unlockedFlag) {
    out("error: ");
    outToken(i);
    outLineText(PROTECTED_TEXT);
    return false;
  }
  return metrologRoom();
}

function metrologRoom(): bool {
  if (metrologHasRoom()) return true;
  out("error: the metrological log is full (");
  outU64(metrologUnacked());
  outLine(" records not acknowledged): read it out with metrolog, then metrolog ack; nothing was changed");
  return false;
}

/** Pack 4..8 decimal digits into an i64 (their ASCII bytes); -1 if the token is not a PIN. */
export function packPin(ptr: usize, len: u32): i64 {
  if (len < 4 || len > 8) return -1;
  let v: i64 = 0;
  for (let i: u32 = 0; i < len; i++) {
    const c = load<u8>(ptr + i);
    if (c < 0x30 || c > 0x39) return -1;
    v |= <i64>c << (<i64>i << 3);
  }
  return v;
}

function outWait(now: i64): void {
  outU64(<u64>((refuseUntilUs - now + 999_999) / 1_000_000));
  out(" s");
}

export function unlockCommand(): void {
  if (tokenCount != 2) {
    outLine("error: usage: unlock <pin> (try help unlock)");
    return;
  }
  const now = boardTimeUs();
  if (now < refuseUntilUs) {
    out("error: too many wrong PINs (");
    outU64(lockoutInARow());
    out(" in a row): unlock is refused for ");
    outWait(now);
    outLine(" more; reboot does not shorten it");
    return;
  }
  const pin = packPin(tp(1), tl(1));
  // Counted before the comparison: a power cut at the answer cannot take the attempt back.
  lockoutRecordAttempt();
  if (pin < 0 || pin != configPin()) {
    unlockedFlag = false; // a wrong PIN also closes an open session
    const wait = lockoutWaitS(lockoutInARow());
    refuseUntilUs = now + <i64>wait * 1_000_000;
    out("error: wrong PIN (");
    outU64(lockoutInARow());
    out(" in a row, counted); ");
    if (wait == 0) { outLine("still locked"); return; }
    out("unlock is refused for ");
    outU64(wait);
    outLine(" s");
    return;
  }
  lockoutRecordSuccess();
  unlockedFlag = true;
  out("ok: unlocked; locks after ");
  outU64(lockTimeoutS);
  outLine(" s without a command, or with lock");
}

export function lockCommand(): void {
  unlockedFlag = false;
  outLine("ok: locked");
}

/** `set console.pin <digits>`: false after an error (nothing changed). */
export function setPin(value: usize, valueLen: u32): bool {
  const pin = packPin(value, valueLen);
  if (pin < 0) {
    outLine("error: console.pin takes 4 to 8 digits; nothing was changed");
    return false;
  }
  if (pin != configPin()) {
    configSetPin(pin);
    storeRecordLegal(EVENT_CONFIG_CHANGE, KEY_PIN, 0, 0); // never the PIN itself
  }
  return true;
}

/** For `status`: the session, and a lockout in force. */
export function sessionStateText(): void {
  outText(unlockedFlag ? T("unlocked") : T("locked"));
  const now = boardTimeUs();
  out(", wrong PINs ");
  outU64(lockoutInARow());
  out(" in a row (");
  outU64(lockoutTotal());
  out(" in all)");
  if (now < refuseUntilUs) {
    out(", unlock refused for ");
    outWait(now);
  }
}
