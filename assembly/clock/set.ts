// PLACEHOLDER (issue 21, downlink branch): the billing helper writes the real clock (issue 20)
// and it replaces this file at merge. It only stores what a time-sync downlink hands over.

let utcS: i64 = 0;
let atUs: i64 = 0;

/** The UTC time was `utcSeconds` at `nowUs` of the monotonic clock. */
export function clockSetUtc(utcSeconds: i64, nowUs: i64): void {
  utcS = utcSeconds;
  atUs = nowUs;
}

/** UTC seconds at `nowUs`, or -1 before any time sync. */
export function clockUtcAt(nowUs: i64): i64 { return utcS == 0 ? -1 : utcS + (nowUs - atUs) / 1_000_000; }
