// Bounded bookkeeping of everything that is not a new reading. A flood must not fill the disk
// or the broker: rejected inputs (and duplicates) are counted per minute, source and verdict,
// keeping only the first 32 bytes and the reason of the first one; the number of such rows
// per minute is capped (the rest is counted under source "other"), and rejection events on
// stdout and MQTT are rate-limited with a per-minute summary of what was held back.
import type { Outcome, Verdict } from "./gateway.js";
import { REJECTIONS } from "./gateway.js";

export const PREFIX_BYTES = 32;
/** Distinct (source, verdict) rows per minute; beyond it everything counts under "other". */
export const MAX_REJECT_ROWS_PER_MINUTE = 200;
/**
 * Rows kept back for source "other": one per verdict a tally counts (every rejection and
 * duplicates), so "other" rows never take a minute past MAX_REJECT_ROWS_PER_MINUTE.
 */
const OTHER_ROWS = REJECTIONS.length + 1;
const MAX_DETAIL_CHARS = 120;

export interface RejectRow {
  /** The minute, "2026-12-01T20:25" (UTC). */
  minute: string;
  source: string;
  verdict: Verdict;
  count: number;
  /** Sum of the inputs' lengths. */
  bytes: number;
  /** The first input's first bytes (at most PREFIX_BYTES). */
  prefix: Uint8Array;
  detail: string;
  node: number | null;
  first: string;
  last: string;
}

/** "udp:127.0.0.1:40211" -> "udp:127.0.0.1"; "hex:frames.hex:12" -> "hex:frames.hex": one row per sender, not per port or line. */
export function sourceKey(source: string): string {
  const key = /^(udp|hex):/.test(source) ? source.replace(/:\d+$/, "") : source;
  return key.length > 80 ? key.slice(0, 80) : key;
}

function detailOf(outcome: Outcome): string {
  const event = outcome.events.find((e) => e.type === "rejected");
  const message = event?.type === "rejected" ? event.message : outcome.verdict;
  return message.length > MAX_DETAIL_CHARS ? message.slice(0, MAX_DETAIL_CHARS) : message;
}

export class RejectTally {
  private pending = new Map<string, RejectRow>();
  private minute = "";
  private keysThisMinute = new Set<string>();

  /** Count a duplicate or a rejection. */
  add(outcome: Outcome): void {
    const minute = outcome.received.slice(0, 16);
    if (minute !== this.minute) {
      this.minute = minute;
      this.keysThisMinute.clear();
    }
    let source = sourceKey(outcome.source);
    let key = `${source}\u0000${outcome.verdict}`;
    if (!this.keysThisMinute.has(key)) {
      if (this.keysThisMinute.size >= MAX_REJECT_ROWS_PER_MINUTE - OTHER_ROWS) {
        source = "other";
        key = `${source}\u0000${outcome.verdict}`;
      }
      this.keysThisMinute.add(key);
    }
    const full = `${minute}\u0000${key}`;
    const row = this.pending.get(full);
    if (row) {
      row.count++;
      row.bytes += outcome.raw.length;
      row.last = outcome.received;
      return;
    }
    this.pending.set(full, {
      minute, source, verdict: outcome.verdict, count: 1, bytes: outcome.raw.length,
      prefix: outcome.raw.slice(0, PREFIX_BYTES), detail: detailOf(outcome), node: outcome.node ?? null,
      first: outcome.received, last: outcome.received,
    });
  }

  /** Rows counted and not yet taken. */
  get waiting(): number {
    return this.pending.size;
  }

  /** The rows counted since the last call (the store adds them to what it has). */
  take(): RejectRow[] {
    if (this.pending.size === 0) return [];
    const rows = [...this.pending.values()];
    this.pending = new Map();
    return rows;
  }
}

/** At most `perMinute` events pass each minute; the rest is counted and summed up once the minute is over. */
export class EventLimit {
  private minute = "";
  private passed = 0;
  private held: Record<string, number> = {};

  constructor(readonly perMinute: number) {}

  /** True when this event may be written; otherwise it is counted. `summary` receives the previous minute's held-back counts. */
  allow(received: string, verdict: string, summary: (minute: string, held: Record<string, number>) => void): boolean {
    const minute = received.slice(0, 16);
    if (minute !== this.minute) {
      if (Object.keys(this.held).length > 0) summary(this.minute, this.held);
      this.minute = minute;
      this.passed = 0;
      this.held = {};
    }
    if (this.passed < this.perMinute) {
      this.passed++;
      return true;
    }
    this.held[verdict] = (this.held[verdict] ?? 0) + 1;
    return false;
  }

  /** What is held back in the current minute (at shutdown). */
  flush(summary: (minute: string, held: Record<string, number>) => void): void {
    if (Object.keys(this.held).length > 0) summary(this.minute, this.held);
    this.held = {};
  }
}
