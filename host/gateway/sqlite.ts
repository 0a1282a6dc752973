// The gateway's embedded store (better-sqlite3, WAL, synchronous = FULL): accepted frames
// with their readings, each node's last accepted frame (the replay state), receptions of
// duplicates, rejects aggregated per minute, gap events and the durable MQTT outbox. A batch
// of outcomes is one transaction (group commit), so the counter of a node always commits
// with the frame it protects and a reading is acknowledged only once it is on disk.
// One gateway per database file; several gateways share PostgreSQL instead (postgres.ts).
import Database from "better-sqlite3";
import type { Database as Db, Statement } from "better-sqlite3";
import { FRAME_REGISTERS } from "../frame/registers.js";
import type { NodeState, Outcome } from "./gateway.js";
import type { RejectRow } from "./rejects.js";
import { MIGRATIONS, SCHEMA_VERSION } from "./schema.js";
import { BALANCE_ROW_COLUMNS, balanceRowValues, groupReadings, outboxEvents, StoreError } from "./store.js";
import type { BalanceRow, FrameStore, OutboxRow } from "./store.js";
import type { Reading } from "../site/balance.js";

export { SCHEMA_VERSION };
export const UNITS = new Map(FRAME_REGISTERS.map((r) => [r.name, r.unit]));

export class SqliteError extends StoreError {}

export interface SqliteOptions {
  /** This gateway's id, recorded with each frame and reception. */
  gateway?: string;
  /** Keep an MQTT outbox (only when publishing, or it would grow for ever). */
  outbox?: boolean;
}

function applyMigrations(db: Db, file: string): void {
  db.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
  db.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied TEXT NOT NULL)");
  const row = db.prepare<{ value: string }>("SELECT value FROM meta WHERE key = 'schema_version'").get();
  // A database without meta but with tables cannot be: meta came with version 1.
  let version = row === undefined ? 0 : Number(row.value);
  if (!Number.isInteger(version) || version < 0) throw new SqliteError(`database ${file} has an unreadable schema version '${row?.value}'`);
  if (version > SCHEMA_VERSION) throw new SqliteError(`database ${file} has schema version ${version}; this gateway knows up to version ${SCHEMA_VERSION}`);
  for (const m of MIGRATIONS) {
    if (m.version <= version) continue;
    db.transaction(() => {
      db.exec(m.sqlite);
      db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)").run(String(m.version));
      db.prepare("INSERT OR REPLACE INTO schema_migrations (version, description, applied) VALUES (?, ?, ?)").run(m.version, m.description, new Date().toISOString());
    })();
    version = m.version;
  }
}

export class SqliteStore implements FrameStore {
  readonly name: string;
  private readonly db: Db;
  private readonly gatewayId: string;
  private readonly keepOutbox: boolean;
  private readonly stmt: Record<string, Statement>;
  private readonly commitBatch: (batch: Outcome[], rejects: RejectRow[]) => void;
  private readonly deleteOutbox: (ids: number[]) => void;
  private readonly insertBalance: (rows: BalanceRow[]) => void;

  constructor(readonly file: string, options: SqliteOptions = {}) {
    this.name = `sqlite:${file}`;
    this.gatewayId = options.gateway ?? "gateway";
    this.keepOutbox = options.outbox ?? false;
    try {
      this.db = new Database(file, { timeout: 5000 });
      this.db.pragma("journal_mode = WAL");
      // FULL: a commit is fsynced, so an acknowledged reading survives a power cut too; group
      // commits make that one fsync per batch, not per frame.
      this.db.pragma("synchronous = FULL");
      applyMigrations(this.db, file);
    } catch (e) {
      if (e instanceof SqliteError) throw e;
      throw new SqliteError(`cannot open database ${file}: ${(e as Error).message}`);
    }
    const db = this.db;
    this.stmt = {
      frame: db.prepare("INSERT OR IGNORE INTO frames (node, counter, raw, received, source, gateway) VALUES (?, ?, ?, ?, ?, ?)"),
      reading: db.prepare("INSERT OR REPLACE INTO readings (node, counter, register, value, unit, received) VALUES (?, ?, ?, ?, ?, ?)"),
      node: db.prepare(`INSERT INTO nodes (node, last_counter, last_frame, updated, gateway) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (node) DO UPDATE SET last_counter = excluded.last_counter, last_frame = excluded.last_frame,
        updated = excluded.updated, gateway = excluded.gateway WHERE excluded.last_counter > nodes.last_counter`),
      heard: db.prepare(`INSERT INTO heard (node, counter, gateway, first_received, last_received, receptions) VALUES (?, ?, ?, ?, ?, 1)
        ON CONFLICT (node, counter, gateway) DO UPDATE SET receptions = receptions + 1, last_received = excluded.last_received`),
      billing: db.prepare(`INSERT OR IGNORE INTO billing_records (node, kind, seq, at, taken, flags, registers, peaks, operating_s, error_s,
        info_current, info_latched, counter, received) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      event: db.prepare("INSERT INTO events (received, type, node, detail) VALUES (?, ?, ?, ?)"),
      outbox: db.prepare("INSERT INTO outbox (gateway, event) VALUES (?, ?)"),
      reject: db.prepare(`INSERT INTO rejects (minute, gateway, source, verdict, count, bytes, prefix, detail, node, first, last)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (minute, gateway, source, verdict)
        DO UPDATE SET count = count + excluded.count, bytes = bytes + excluded.bytes, last = excluded.last`),
      outboxAfter: db.prepare("SELECT id, event FROM outbox WHERE id > ? ORDER BY id LIMIT ?"),
      outboxDelete: db.prepare("DELETE FROM outbox WHERE id = ?"),
      outboxSize: db.prepare("SELECT count(*) AS n FROM outbox"),
    };
    this.commitBatch = db.transaction((batch: Outcome[], rejects: RejectRow[]) => {
      for (const outcome of batch) this.writeOutcome(outcome);
      for (const r of rejects) {
        this.stmt.reject.run(r.minute, this.gatewayId, r.source, r.verdict, r.count, r.bytes, Buffer.from(r.prefix), r.detail, r.node, r.first, r.last);
      }
    });
    this.deleteOutbox = db.transaction((ids: number[]) => { for (const id of ids) this.stmt.outboxDelete.run(id); });
    const balance = db.prepare(`INSERT OR REPLACE INTO site_balance (${BALANCE_ROW_COLUMNS.join(", ")}) VALUES (${BALANCE_ROW_COLUMNS.map(() => "?").join(", ")})`);
    this.insertBalance = db.transaction((rows: BalanceRow[]) => { for (const r of rows) balance.run(...balanceRowValues(r, this.gatewayId)); });
  }

  private writeOutcome(outcome: Outcome): void {
    const { frame, received } = outcome;
    if (!frame) return;
    if (outcome.verdict === "duplicate") {
      this.stmt.heard.run(frame.node, frame.counter, this.gatewayId, received, received);
      return;
    }
    if (outcome.verdict !== "accepted") return;
    const raw = Buffer.from(outcome.raw);
    this.stmt.frame.run(frame.node, frame.counter, raw, received, outcome.source, this.gatewayId);
    for (const [register, value] of Object.entries(frame.registers)) {
      this.stmt.reading.run(frame.node, frame.counter, register, value, UNITS.get(register) ?? "", received);
    }
    const b = frame.billing;
    // A record repeated (the daily repeat of the billing-date one) is kept once.
    if (b) this.stmt.billing.run(frame.node, b.kind, b.seq, b.at, b.taken, b.flags.join(","), JSON.stringify(b.registers), JSON.stringify(b.peaks),
      b.operating_s, b.error_s, b.info_current.join(","), b.info_latched.join(","), frame.counter, received);
    this.stmt.node.run(frame.node, frame.counter, raw, received, this.gatewayId);
    this.stmt.heard.run(frame.node, frame.counter, this.gatewayId, received, received);
    for (const event of outcome.events) {
      if (event.type === "gap") this.stmt.event.run(event.received, event.type, event.node, JSON.stringify(event));
    }
    if (this.keepOutbox) for (const json of outboxEvents(outcome)) this.stmt.outbox.run(this.gatewayId, json);
  }

  async loadNodes(): Promise<NodeState[]> {
    return this.nodesNow();
  }

  /** The replay state as stored (synchronous, for tools and tests). */
  nodesNow(): NodeState[] {
    const rows = this.db.prepare<{ node: number; last_counter: number; last_frame: Buffer }>("SELECT node, last_counter, last_frame FROM nodes").all();
    return rows.map((r) => ({ node: r.node, counter: r.last_counter, frame: new Uint8Array(r.last_frame) }));
  }

  async commit(batch: Outcome[], rejects: RejectRow[]): Promise<Outcome[]> {
    this.commitBatch(batch, rejects);
    return batch;
  }

  async outboxAfter(afterId: number, limit: number): Promise<OutboxRow[]> {
    return this.stmt.outboxAfter.all(afterId, limit) as OutboxRow[];
  }

  async outboxDone(ids: number[]): Promise<void> {
    if (ids.length && this.db.open) this.deleteOutbox(ids);
  }

  async outboxSize(): Promise<number> {
    return (this.stmt.outboxSize.get() as { n: number }).n;
  }

  async loadReadings(nodes: number[]): Promise<Reading[]> {
    if (nodes.length === 0) return [];
    const rows = this.db.prepare(`SELECT node, counter, received, register, value FROM readings WHERE node IN (${nodes.map(() => "?").join(", ")}) ORDER BY received, node, counter`)
      .all(...nodes) as { node: number; counter: number; received: string; register: string; value: number }[];
    return groupReadings(rows);
  }

  async saveBalance(rows: BalanceRow[]): Promise<void> {
    if (rows.length && this.db.open) this.insertBalance(rows);
  }

  async close(): Promise<void> {
    if (!this.db.open) return;
    this.db.pragma("wal_checkpoint(TRUNCATE)");
    this.db.close();
  }
}
