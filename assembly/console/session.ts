// Protection of legally relevant parameters (docs/console.md): an unlocked session, opened with
// `unlock <pin>`, that locks itself after console.lock_s seconds without a command. Wrong PINs
// are logged; after 3 in a row `unlock` refuses for 60 s. The PIN is a setting that is stored
// with the configuration, changed only while unlocked, and never shown or logged.
import { out, outLine, outU64 } from "./out";
import { tp, tl, tokenCount, is } from "./tokens";
import { boardTimeUs } from "../abi/board";
import { configPin, configSetPin } from "../store/config";
import { storeRecordEvent } from "../store/index";
import { EVENT_UNLOCK_REFUSED, EVENT_CONFIG_CHANGE } from "../store/events";
import { KEY_PIN } from "../store/config";

export const LOCK_DEFAULT_S: u32 = 300;
export const LOCK_MIN_S: u32 = 30;
export const LOCK_MAX_S: u32 = 86400;
const FAILURES_BEFORE_WAIT: u32 = 3;
const WAIT_AFTER_FAILURES_US: i64 = 60_000_000;

/** Seconds without a command before an unlocked session locks itself (setting console.lock_s). */
export let lockTimeoutS: u32 = LOCK_DEFAULT_S;
let unlockedFlag = false;
let lastCommandUs: i64 = 0;
let failures: u32 = 0;
let refuseUntilUs: i64 = 0;

export function sessionInit(): void {
  lockTimeoutS = LOCK_DEFAULT_S;
  unlockedFlag = false;
  failures = 0;
  refuseUntilUs = 0;
}

export function setLockTimeoutS(s: u32): void { lockTimeoutS = s; }

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

/** True when unlocked; else prints why `what` is refused. */
export function requireUnlocked(what: string): bool {
  if (unlockedFlag) return true;
  out("error: ");
  out(what);
  outLine(" is protected: unlock first (unlock <pin>, see help unlock); nothing was changed");
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

export function unlockCommand(): void {
  if (tokenCount != 2) {
    outLine("error: usage: unlock <pin> (try help unlock)");
    return;
  }
  const now = boardTimeUs();
  if (now < refuseUntilUs) {
    out("error: too many wrong PINs: try again in ");
    outU64(<u64>((refuseUntilUs - now + 999_999) / 1_000_000));
    outLine(" s");
    return;
  }
  const pin = packPin(tp(1), tl(1));
  if (pin < 0 || pin != configPin()) {
    failures++;
    storeRecordEvent(EVENT_UNLOCK_REFUSED, 0, 0, failures);
    if (failures >= FAILURES_BEFORE_WAIT) {
      refuseUntilUs = now + WAIT_AFTER_FAILURES_US;
      failures = 0;
      outLine("error: wrong PIN (logged); unlock is refused for 60 s");
    } else {
      outLine("error: wrong PIN (logged); still locked");
    }
    return;
  }
  failures = 0;
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
    storeRecordEvent(EVENT_CONFIG_CHANGE, KEY_PIN, 0, 0); // never the PIN itself
  }
  return true;
}

export function sessionStateText(): void {
  out(unlockedFlag ? "unlocked" : "locked");
}

export function isPinKey(): bool { return is(1, "console.pin"); }
