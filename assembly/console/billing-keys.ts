// Console keys of the billing calendar (all protected, docs/billing.md): billing.day,
// billing.hour, billing.tz (a POSIX TZ rule), billing.peak_hours; and the clock line of `status`.
import { out, outByte, outLine, outU64, T } from "./out";
import { tp, tl, tokenCount, is } from "./tokens";
import { quantity, quantityValue, refuseValue } from "./units";
import { tzRule, tzParse, tzStdOffsetS, tzDstOffsetS, tzHasDst } from "../clock/tz";
import { clockUtcS } from "../clock/clock";
import { boardTimeUs } from "../abi/board";
import { billingSettingApply, billingDay, billingHour, peakHours, KEY_BILLING_DAY, KEY_BILLING_HOUR, KEY_BILLING_TZ, KEY_PEAK_HOURS, PEAK_HOURS_MAX } from "../billing/settings";
import { outLocalTime } from "./billing-log";

export function isBillingConsoleKey(): bool {
  return is(1, T("billing.day")) || is(1, T("billing.hour")) || is(1, T("billing.tz")) || is(1, T("billing.peak_hours"));
}

function whole(max: i64, min: i64, description: u32): bool {
  const words = quantity(2, 0, max, T(""), false, false);
  if (words > 0 && 2 + words == tokenCount && quantityValue >= min) return true;
  refuseValue(tp(1), tl(1), 2, description, T(""), false);
  return false;
}

/** `set billing.*`: false after an error (nothing changed). */
export function billingSetKey(): bool {
  if (is(1, T("billing.tz"))) {
    const rule = tokenCount == 3 ? tzParse(tp(2), tl(2)) : -1;
    if (rule < 0) {
      outLine("error: billing.tz takes a POSIX TZ rule (M rules), e.g. CET-1CEST,M3.5.0,M10.5.0/3; nothing was changed");
      return false;
    }
    billingSettingApply(KEY_BILLING_TZ, rule);
  } else if (is(1, T("billing.day"))) {
    if (!whole(28, 1, T("a day of the month from 1 to 28"))) return false;
    billingSettingApply(KEY_BILLING_DAY, quantityValue);
  } else if (is(1, T("billing.hour"))) {
    if (!whole(23, 0, T("a local hour from 0 to 23"))) return false;
    billingSettingApply(KEY_BILLING_HOUR, quantityValue);
  } else {
    if (!whole(PEAK_HOURS_MAX, 1, T("a whole number of hours from 1 to 5"))) return false;
    billingSettingApply(KEY_PEAK_HOURS, quantityValue);
  }
  return true;
}

function outOffset(s: i64): void {
  // POSIX counts west positive: local − UTC = +1 h is "-1".
  const posix = -s;
  if (posix < 0) outByte(0x2d);
  const a = posix < 0 ? -posix : posix;
  outU64(<u64>(a / 3600));
  if (a % 3600 != 0) { outByte(0x3a); outU64(<u64>(a / 60 % 60)); }
}

function outRule(shift: i32): void {
  const r = (tzRule >> shift) & 0xfffff;
  out(",M");
  outU64(<u64>(r & 15)); outByte(0x2e); outU64(<u64>((r >> 4) & 7)); outByte(0x2e); outU64(<u64>((r >> 7) & 7));
  const q = r >> 10;
  outByte(0x2f); outU64(<u64>(q / 4));
  if (q % 4 != 0) { outByte(0x3a); outU64(<u64>(q % 4 * 15)); }
}

/** The rule as POSIX TZ text (names as <offset>: the rule itself is what is stored). */
export function outTzRule(): void {
  out("<STD>");
  outOffset(tzStdOffsetS(tzRule));
  if (!tzHasDst(tzRule)) return;
  out("<DST>");
  outOffset(tzDstOffsetS(tzRule));
  outRule(17);
  outRule(37);
}

export function billingConfigLines(): void {
  out("billing.day = "); outU64(billingDay); outLine("");
  out("billing.hour = "); outU64(billingHour); outLine("");
  out("billing.tz = "); outTzRule(); outLine("");
  out("billing.peak_hours = "); outU64(peakHours); outLine("");
}

export function billingHelpLines(): void {
  outLine("  billing.day *        1 .. 28 day of the billing date");
  outLine("  billing.hour *       0 .. 23 local hour of billing date and daily records");
  outLine("  billing.tz *         POSIX TZ rule (CET-1CEST,M3.5.0,M10.5.0/3)");
  outLine("  billing.peak_hours * 1 .. 5 top hours in the peak-demand mean");
}

export function clockStatusLine(): void {
  const utc = clockUtcS(boardTimeUs());
  out("clock: ");
  if (utc < 0) { outLine("unknown (no billing records until the board sets it)"); return; }
  outLocalTime(utc);
  outLine("");
}
