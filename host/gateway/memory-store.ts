// The store of a gateway run with --no-db: nothing survives a restart. The replay state lives
// in the gateway core only; the MQTT outbox is kept in memory up to a bound (the oldest rows
// are dropped and counted beyond it), which is why a gateway that must not lose readings
// during broker outages uses a database.
import type { NodeState, Outcome } from "./gateway.js";
import type { RejectRow } from "./rejects.js";
import { outboxEvents } from "./store.js";
import type { FrameStore, OutboxRow } from "./store.js";
import type { Reading } from "../site/balance.js";

export const MEMORY_OUTBOX_ROWS = 100_000;

export class MemoryStore implements FrameStore {
  readonly name = "memory";
  private rows: OutboxRow[] = [];
  private nextId = 1;
  /** Outbox rows dropped because the bound was reached. */
  dropped = 0;

  constructor(private readonly keepOutbox: boolean, private readonly maxRows = MEMORY_OUTBOX_ROWS) {}

  async loadNodes(): Promise<NodeState[]> {
    return [];
  }

  async commit(batch: Outcome[], _rejects: RejectRow[]): Promise<Outcome[]> {
    if (!this.keepOutbox) return batch;
    for (const outcome of batch) {
      if (outcome.verdict !== "accepted") continue;
      for (const event of outboxEvents(outcome)) this.rows.push({ id: this.nextId++, event });
    }
    if (this.rows.length > this.maxRows) {
      const excess = this.rows.length - this.maxRows;
      this.dropped += excess;
      this.rows.splice(0, excess);
    }
    return batch;
  }

  async outboxAfter(afterId: number, limit: number): Promise<OutboxRow[]> {
    // Rows are in id order: find the first above afterId.
    let lo = 0;
    let hi = this.rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.rows[mid].id <= afterId) lo = mid + 1;
      else hi = mid;
    }
    return this.rows.slice(lo, lo + limit);
  }

  async outboxDone(ids: number[]): Promise<void> {
    const done = new Set(ids);
    this.rows = this.rows.filter((r) => !done.has(r.id));
  }

  async outboxSize(): Promise<number> {
    return this.rows.length;
  }

  async loadReadings(): Promise<Reading[]> {
    return [];
  }

  /** Nothing is kept: the balance lives in the gateway's ledger (and on MQTT) only. */
  async saveBalance(): Promise<void> {}

  private readonly downlinkCounters = new Map<number, number>();

  /**
   * Nothing survives a restart here, so a node's first counter is the gateway's clock in seconds
   * (docs/gateway.md "Downlinks"): above any counter an earlier run gave, unless it sent more
   * than one command a second on average.
   */
  async nextDownlinkCounter(node: number, floor: number): Promise<number> {
    const last = this.downlinkCounters.get(node) ?? Math.floor(Date.now() / 1000) - 1;
    const next = Math.max(last + 1, floor, 1);
    this.downlinkCounters.set(node, next);
    return next;
  }

  async close(): Promise<void> {}
}
