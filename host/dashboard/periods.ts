// Calendar periods of the dashboard ("today", "this month") and hourly buckets, in a named
// time zone (IANA, e.g. Europe/Stockholm) so that a gateway abroad or in UTC still shows the
// residents' own days. Uses Intl only: no time-zone tables of our own.

/** Offset of `zone` from UTC at instant `ms`, in ms (positive east of Greenwich). */
export function zoneOffsetMs(zone: string, ms: number): number {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" })
    .formatToParts(new Date(ms));
  const get = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  const asUtc = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/** The instant of local wall time (y, m0, d, 0:00) in `zone`, DST-aware. */
function localMidnight(zone: string, year: number, month0: number, day: number): number {
  const guess = Date.UTC(year, month0, day);
  // Two passes settle the offset across a DST change.
  let t = guess - zoneOffsetMs(zone, guess);
  t = guess - zoneOffsetMs(zone, t);
  return t;
}

function localDate(zone: string, ms: number): { year: number; month0: number; day: number } {
  const local = new Date(ms + zoneOffsetMs(zone, ms));
  return { year: local.getUTCFullYear(), month0: local.getUTCMonth(), day: local.getUTCDate() };
}

export function startOfDay(zone: string, ms: number): number {
  const d = localDate(zone, ms);
  return localMidnight(zone, d.year, d.month0, d.day);
}

export function startOfMonth(zone: string, ms: number): number {
  const d = localDate(zone, ms);
  return localMidnight(zone, d.year, d.month0, 1);
}

export function checkZone(zone: string): string {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
  } catch {
    throw new Error(`--tz: unknown time zone '${zone}' (an IANA name such as Europe/Stockholm)`);
  }
  return zone;
}
