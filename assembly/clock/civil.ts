// Civil (proleptic Gregorian) calendar in integers: days since 1970-01-01 and back
// (H. Hinnant's days_from_civil / civil_from_days). No floating point, no tables.

/** Days since 1970-01-01 of year y, month m (1..12), day d (1..31). */
export function daysFromCivil(y: i64, m: i64, d: i64): i64 {
  y -= m <= 2 ? 1 : 0;
  const era = (y >= 0 ? y : y - 399) / 400;
  const yoe = y - era * 400;
  const doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

/** Results of civilFromDays. */
export let civilYear: i64 = 1970;
export let civilMonth: i64 = 1;
export let civilDay: i64 = 1;

export function civilFromDays(z: i64): void {
  z += 719468;
  const era = (z >= 0 ? z : z - 146096) / 146097;
  const doe = z - era * 146097;
  const yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const mp = (5 * doy + 2) / 153;
  civilDay = doy - (153 * mp + 2) / 5 + 1;
  civilMonth = mp < 10 ? mp + 3 : mp - 9;
  civilYear = yoe + era * 400 + (civilMonth <= 2 ? 1 : 0);
}

/** 0 = Sunday … 6 = Saturday. */
export function weekday(days: i64): i64 {
  return days >= -4 ? (days + 4) % 7 : (days + 5) % 7 + 6;
}

/** Floor division (for negative times). */
export function floorDiv(a: i64, b: i64): i64 {
  const q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

export function daysInMonth(y: i64, m: i64): i64 {
  return m == 12 ? 31 : daysFromCivil(y, m + 1, 1) - daysFromCivil(y, m, 1);
}
