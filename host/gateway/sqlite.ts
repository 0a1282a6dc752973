// The gateway's SQLite store (better-sqlite3, WAL): every frame received with its verdict,
// the readings of accepted frames, events, and each node's last accepted counter, which is
// what makes replay protection survive a restart. Schema: docs/gateway.md.
import Database from "better-sqlite3";
import type { Database as Db, Statement } from "better-sqlite3";
import { FRAME_REGISTERS } from "../frame/registers.js";
import type { CounterStore, NodeState, Outcome } from "./gateway.js";
import type { GatewayOutput } from "./output.js";

export const SCHEMA_VERSION = 1;
const UNITS = new Map(FRAME_REGISTERS.map((r) => [r.name, r.unit]));

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS frames (
  id INTEGER PRIMARY KEY,
  received TEXT NOT NULL,          -- ISO 8601 UTC, when the gateway got it
  source TEXT NOT NULL,            -- udp:HOST:PORT, serial:PATH, hex:FILE:LINE
  raw BLOB NOT NULL,               -- the frame's bytes as received
  node INTEGER,                    -- as claimed by the frame (verified only when verdict is accepted or duplicate)
  counter INTEGER,
  verdict TEXT NOT NULL,           -- accepted, duplicate, replay, mac_mismatch, ... (docs/gateway.md)
  detail TEXT                      -- the reason, for rejections
);
CREATE INDEX IF NOT EXISTS frames_node_counter ON frames (node, counter);
CREATE TABLE IF NOT EXISTS readings (
  frame_id INTEGER NOT NULL REFERENCES frames (id),
  node INTEGER NOT NULL,
  counter INTEGER NOT NULL,
  register TEXT NOT NULL,          -- ct1.import_wh, pulse1.wh, heat1.volume_l, ...
  value REAL NOT NULL,             -- Wh or L, one decimal, absolute (cumulative)
  unit TEXT NOT NULL,
  received TEXT NOT NULL,
  PRIMARY KEY (node, counter, register)
);
CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY,
  received TEXT NOT NULL,
  type TEXT NOT NULL,              -- gap (rejections and duplicates are in frames)
  node INTEGER,
  detail TEXT NOT NULL             -- the event as JSON
);
CREATE TABLE IF NOT EXISTS nodes (
  node INTEGER PRIMARY KEY,
  last_counter INTEGER NOT NULL,   -- the last accepted frame counter: anything not above it is a replay
  last_frame BLOB NOT NULL,        -- its bytes, to tell a duplicate from a replay
  updated TEXT NOT NULL
);
`;

export class SqliteError extends Error {}

export class SqliteStore implements CounterStore, GatewayOutput {
  private readonly db: Db;
  private readonly insertFrame: Statement;
  private readonly insertReading: Statement;
  private readonly insertEvent: Statement;
  private readonly upsertNode: Statement;
  private readonly pending = new Map<number, NodeState>();
  private readonly writeOutcome: (outcome: Outcome) => void;

  constructor(readonly file: string) {
    try {
      this.db = new Database(file, { timeout: 5000 });
      this.db.pragma("journal_mode = WAL");
      this.db.pragma("synchronous = NORMAL");
      this.db.exec(SCHEMA);
    } catch (e) {
      throw new SqliteError(`cannot open database ${file}: ${(e as Error).message}`);
    }
    const version = this.db.prepare<{ value: string }>("SELECT value FROM meta WHERE key = 'schema_version'").get();
    if (version === undefined) this.db.prepare("INSERT INTO meta (key, value) VALUES ('schema_version', ?)").run(String(SCHEMA_VERSION));
    else if (version.value !== String(SCHEMA_VERSION)) {
      this.db.close();
      throw new SqliteError(`database ${file} has schema version ${version.value}; this gateway writes version ${SCHEMA_VERSION}`);
    }
    this.insertFrame = this.db.prepare("INSERT INTO frames (received, source, raw, node, counter, verdict, detail) VALUES (?, ?, ?, ?, ?, ?, ?)");
    this.insertReading = this.db.prepare("INSERT OR REPLACE INTO readings (frame_id, node, counter, register, value, unit, received) VALUES (?, ?, ?, ?, ?, ?, ?)");
    this.insertEvent = this.db.prepare("INSERT INTO events (received, type, node, detail) VALUES (?, ?, ?, ?)");
    this.upsertNode = this.db.prepare(`INSERT INTO nodes (node, last_counter, last_frame, updated) VALUES (?, ?, ?, ?)
      ON CONFLICT (node) DO UPDATE SET last_counter = excluded.last_counter, last_frame = excluded.last_frame, updated = excluded.updated`);
    // One transaction per outcome: the frame, its readings and the node's counter land together.
    this.writeOutcome = this.db.transaction((outcome: Outcome) => {
      const rejection = outcome.events.find((e) => e.type === "rejected");
      const detail = rejection?.type === "rejected" ? rejection.message : null;
      const { lastInsertRowid: frameId } = this.insertFrame.run(outcome.received, outcome.source, Buffer.from(outcome.raw),
        outcome.node ?? null, outcome.counter ?? null, outcome.verdict, detail);
      if (outcome.verdict === "accepted" && outcome.frame) {
        for (const [register, value] of Object.entries(outcome.frame.registers)) {
          this.insertReading.run(frameId, outcome.frame.node, outcome.frame.counter, register, value, UNITS.get(register) ?? "", outcome.received);
        }
        const state = this.pending.get(outcome.frame.node);
        if (state) {
          this.upsertNode.run(state.node, state.counter, Buffer.from(state.frame), outcome.received);
          this.pending.delete(state.node);
        }
      }
      for (const event of outcome.events) {
        if (event.type === "gap") this.insertEvent.run(event.received, event.type, event.node, JSON.stringify(event));
      }
    });
  }

  load(): Iterable<NodeState> {
    const rows = this.db.prepare<{ node: number; last_counter: number; last_frame: Buffer }>("SELECT node, last_counter, last_frame FROM nodes").all();
    return rows.map((r) => ({ node: r.node, counter: r.last_counter, frame: new Uint8Array(r.last_frame) }));
  }

  /** Kept until the outcome of the same frame is written, so the counter commits with the frame. */
  remember(state: NodeState): void {
    this.pending.set(state.node, state);
  }

  write(outcome: Outcome): void {
    this.writeOutcome(outcome);
  }

  async close(): Promise<void> {
    if (!this.db.open) return;
    // Counters remembered without a written outcome (should not happen in the service) still land.
    for (const state of this.pending.values()) this.upsertNode.run(state.node, state.counter, Buffer.from(state.frame), new Date().toISOString());
    this.pending.clear();
    this.db.pragma("wal_checkpoint(TRUNCATE)");
    this.db.close();
  }
}
