// What the gateway's stores (SQLite, PostgreSQL, memory) have in common: a batch of outcomes
// goes in as one commit (group commit), the store says what became of each (with several
// gateways on one PostgreSQL another gateway may have stored a frame first), and the MQTT
// outbox lives beside the readings so a restart re-publishes what the broker never acknowledged.
import type { NodeState, Outcome } from "./gateway.js";
import type { RejectRow } from "./rejects.js";

/** One message of the durable MQTT outbox: a gateway event (reading, gap, …) as JSON. */
export interface OutboxRow {
  id: number;
  event: string;
}

export interface FrameStore {
  /** "sqlite:FILE", "postgres://host/db" (no password), "memory". */
  readonly name: string;
  /** The nodes' last accepted frames, for the replay check of the gateway core. */
  loadNodes(): Promise<NodeState[]>;
  /**
   * Commit a batch in one transaction: accepted frames with their readings, node counters,
   * gap events and outbox rows; receptions of duplicates; the aggregated rejects. Returns the
   * final outcomes in input order (a store shared by several gateways may turn an accepted
   * outcome into a duplicate or replay).
   */
  commit(batch: Outcome[], rejects: RejectRow[]): Promise<Outcome[]>;
  /** Up to `limit` outbox rows with id above `afterId`, oldest first. */
  outboxAfter(afterId: number, limit: number): Promise<OutboxRow[]>;
  /** The broker acknowledged these rows: remove them. */
  outboxDone(ids: number[]): Promise<void>;
  /** Rows waiting for the broker. */
  outboxSize(): Promise<number>;
  /**
   * The next downlink counter of `node`, durably reserved before the command leaves (one above
   * the last, and at least `floor`): a counter is never given twice, across restarts and gateways.
   */
  nextDownlinkCounter(node: number, floor: number): Promise<number>;
  close(): Promise<void>;
}

export class StoreError extends Error {}

/** The events of a final outcome that go to MQTT (rejections only through the rate limit, elsewhere). */
export function outboxEvents(outcome: Outcome): string[] {
  return outcome.events.filter((e) => e.type === "reading" || e.type === "gap").map((e) => JSON.stringify(e));
}

