// Billing calendar: the next daily boundary (every day at the billing hour, local time) and the
// next billing date (the billing day of each month at that hour), as UTC seconds, by the TZ rule.
import { tzRule, tzLocalS, tzLocalToUtc } from "../clock/tz";
import { daysFromCivil, civilFromDays, civilYear, civilMonth, floorDiv } from "../clock/civil";
import { billingDay, billingHour } from "./settings";

/** The first daily boundary after UTC second `utc`. */
export function nextDailyAfter(utc: i64): i64 {
  let day = floorDiv(tzLocalS(utc), 86400) - 1;
  for (let k = 0; k < 4; k++, day++) {
    const b = tzLocalToUtc(tzRule, day * 86400 + <i64>billingHour * 3600);
    if (b > utc) return b;
  }
  return utc + 86400; // not reached: some day among four is later
}

/** The first billing date after UTC second `utc`. */
export function nextMonthlyAfter(utc: i64): i64 {
  civilFromDays(floorDiv(tzLocalS(utc), 86400));
  let y = civilYear, m = civilMonth - 1;
  if (m < 1) { m = 12; y--; }
  for (let k = 0; k < 4; k++) {
    const b = tzLocalToUtc(tzRule, daysFromCivil(y, m, billingDay) * 86400 + <i64>billingHour * 3600);
    if (b > utc) return b;
    if (++m > 12) { m = 1; y++; }
  }
  return utc + 86400 * 28;
}
