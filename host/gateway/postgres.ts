// PostgreSQL store for several gateways sharing one database (npm pg). The replay check is
// one atomic statement: an UPDATE of the node's row that only succeeds when the new counter
// is above the stored one, returning what it replaced. Row locks (taken in node order, so
// gateways never deadlock) serialise gateways that heard the same frame: the first stores
// it, the others find it already there and record only that they heard it too. Readings are
// unique per (node, frame counter). One batch of outcomes is one transaction (group commit).
import pg from "pg";
import type { PoolClient } from "pg";
import type { Frame } from "../frame/codec.js";
import type { GatewayEvent, NodeState, Outcome } from "./gateway.js";
import type { RejectRow } from "./rejects.js";
import { MIGRATIONS, SCHEMA_VERSION } from "./schema.js";
import { UNITS } from "./sqlite.js";
import { BALANCE_ROW_COLUMNS, balanceRowValues, groupReadings, outboxEvents, StoreError } from "./store.js";
import type { BalanceRow, FrameStore, OutboxRow } from "./store.js";
import type { Reading } from "../site/balance.js";
import { redactUrl } from "./secrets.js";

// Node ids and counters fit in a double; BIGINT comes back as a number, not a string.
pg.types.setTypeParser(20, (v: string) => Number(v));

export class PostgresError extends StoreError {}

const RETRYABLE = new Set(["40P01", "40001"]); // deadlock detected, serialization failure
const MIGRATION_LOCK = 0x616d6574; // "amet": one gateway migrates at a time

interface NodeRow { node: number; last_counter: number; last_frame: Buffer }

export class PostgresStore implements FrameStore {
  readonly name: string;
  /** Nodes known to have a row (placeholders are inserted for new ones before a batch). */
  private readonly known = new Set<number>();
  private learned: NodeState[] = [];

  private constructor(private readonly pool: pg.Pool, url: string, private readonly gatewayId: string, private readonly keepOutbox: boolean) {
    this.name = redactUrl(url);
  }

  static async open(url: string, options: { gateway: string; outbox: boolean }): Promise<PostgresStore> {
    const pool = new pg.Pool({ connectionString: url, max: 3, connectionTimeoutMillis: 10_000 });
    pool.on("error", () => {}); // an idle client's connection dropped; the next query reconnects
    const store = new PostgresStore(pool, url, options.gateway, options.outbox);
    try {
      await store.migrate();
    } catch (e) {
      await pool.end().catch(() => {});
      if (e instanceof PostgresError) throw e;
      throw new PostgresError(`cannot open database ${redactUrl(url)}: ${(e as Error).message}`);
    }
    return store;
  }

  private async migrate(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      await client.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
      await client.query("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied TIMESTAMPTZ NOT NULL)");
      const { rows } = await client.query<{ v: number | null }>("SELECT max(version) AS v FROM schema_migrations");
      const version = rows[0].v ?? 0;
      if (version > SCHEMA_VERSION) throw new PostgresError(`database ${this.name} has schema version ${version}; this gateway knows up to version ${SCHEMA_VERSION}`);
      for (const m of MIGRATIONS) {
        if (m.version <= version) continue;
        if (m.postgres) await client.query(m.postgres);
        await client.query("INSERT INTO schema_migrations (version, description, applied) VALUES ($1, $2, now())", [m.version, m.description]);
      }
      await client.query("COMMIT");
    } catch (e) {
      await client.query("ROLLBACK").catch(() => {});
      throw e;
    } finally {
      client.release();
    }
  }

  async loadNodes(): Promise<NodeState[]> {
    const { rows } = await this.pool.query<NodeRow>("SELECT node, last_counter, last_frame FROM nodes");
    for (const r of rows) this.known.add(r.node);
    return rows.filter((r) => r.last_counter >= 0).map((r) => ({ node: r.node, counter: r.last_counter, frame: new Uint8Array(r.last_frame) }));
  }

  /** Node states learnt from the database (another gateway was ahead): the core adopts them. */
  takeLearned(): NodeState[] {
    const l = this.learned;
    this.learned = [];
    return l;
  }

  async commit(batch: Outcome[], rejects: RejectRow[]): Promise<Outcome[]> {
    // Duplicates of the core's cache are checked against the database too: another gateway may
    // have stored a newer frame since, and then the cached frame is a replay.
    const candidates = batch.filter((o) => (o.verdict === "accepted" || o.verdict === "duplicate") && o.frame);
    const duplicates: Outcome[] = [];
    if (candidates.length + duplicates.length + rejects.length === 0) return batch;
    const fresh = [...new Set(candidates.map((o) => o.frame!.node))].filter((n) => !this.known.has(n)).sort((a, b) => a - b);
    if (fresh.length) {
      // Its own short transaction, in node order: placeholders that the row locks below can hold.
      await this.pool.query(`INSERT INTO nodes (node, last_counter, last_frame, updated)
        SELECT n, -1, '\\x'::bytea, now() FROM unnest($1::bigint[]) AS n ORDER BY n ON CONFLICT (node) DO NOTHING`, [fresh]);
      for (const n of fresh) this.known.add(n);
    }
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      try {
        await client.query("BEGIN");
        const final = await this.commitIn(client, batch, candidates, duplicates, rejects);
        await client.query("COMMIT");
        return final;
      } catch (e) {
        await client.query("ROLLBACK").catch(() => {});
        const code = (e as { code?: string }).code;
        if (!(code && RETRYABLE.has(code)) || attempt >= 5) throw new PostgresError(`database ${this.name}: ${(e as Error).message}`);
      } finally {
        client.release();
      }
    }
  }

  private async commitIn(client: PoolClient, batch: Outcome[], candidates: Outcome[], duplicates: Outcome[], rejects: RejectRow[]): Promise<Outcome[]> {
    const final = new Map<Outcome, Outcome>();
    const accepted: Outcome[] = [];
    const heard: Outcome[] = [...duplicates];
    if (candidates.length) {
      const last = new Map<number, Outcome>();
      for (const o of candidates) {
        const top = last.get(o.frame!.node);
        if (!top || o.frame!.counter > top.frame!.counter) last.set(o.frame!.node, o);
      }
      const nodes = [...last.keys()].sort((a, b) => a - b);
      await client.query("SELECT node FROM nodes WHERE node = ANY($1::bigint[]) ORDER BY node FOR UPDATE", [nodes]);
      const tops = nodes.map((n) => last.get(n)!);
      // The replay check: advance a node only when the frame's counter is above the stored one.
      const advanced = await client.query<{ node: number; prev_counter: number; prev_frame: Buffer }>(`
        UPDATE nodes n SET prev_counter = n.last_counter, prev_frame = n.last_frame,
          last_counter = u.counter, last_frame = u.frame, updated = u.received, gateway = $5::text
        FROM unnest($1::bigint[], $2::bigint[], $3::bytea[], $4::timestamptz[]) AS u(node, counter, frame, received)
        WHERE n.node = u.node AND n.last_counter < u.counter
        RETURNING n.node, n.prev_counter, n.prev_frame`,
      [nodes, tops.map((o) => o.frame!.counter), tops.map((o) => Buffer.from(o.raw)), tops.map((o) => o.received), this.gatewayId]);
      const before = new Map<number, NodeState>();
      for (const r of advanced.rows) before.set(r.node, { node: r.node, counter: r.prev_counter, frame: new Uint8Array(r.prev_frame) });
      const behind = nodes.filter((n) => !before.has(n));
      if (behind.length) {
        const { rows } = await client.query<NodeRow>("SELECT node, last_counter, last_frame FROM nodes WHERE node = ANY($1::bigint[])", [behind]);
        for (const r of rows) {
          const state = { node: r.node, counter: r.last_counter, frame: new Uint8Array(r.last_frame) };
          before.set(r.node, state);
          this.learned.push(state);
        }
      }
      const current = new Map(before);
      for (const o of candidates) {
        const f = o.frame!;
        const prev = current.get(f.node)!;
        const decided = classify(o, f, prev);
        final.set(o, decided);
        if (decided.verdict === "accepted") {
          current.set(f.node, { node: f.node, counter: f.counter, frame: o.raw });
          accepted.push(decided);
          heard.push(decided);
        } else if (decided.verdict === "duplicate") heard.push(decided);
      }
    }
    if (accepted.length) await this.insertAccepted(client, accepted);
    if (heard.length) await this.insertHeard(client, heard);
    if (rejects.length) await this.insertRejects(client, rejects);
    return batch.map((o) => final.get(o) ?? o);
  }

  private async insertAccepted(client: PoolClient, accepted: Outcome[]): Promise<void> {
    const col = <T>(f: (o: Outcome, frame: Frame) => T) => accepted.map((o) => f(o, o.frame!));
    await client.query(`INSERT INTO frames (node, counter, raw, received, source, gateway)
      SELECT *, $6::text FROM unnest($1::bigint[], $2::bigint[], $3::bytea[], $4::timestamptz[], $5::text[]) ON CONFLICT DO NOTHING`,
    [col((o, f) => f.node), col((o, f) => f.counter), col((o) => Buffer.from(o.raw)), col((o) => o.received), col((o) => o.source), this.gatewayId]);
    const r: [number[], number[], string[], number[], string[], string[]] = [[], [], [], [], [], []];
    for (const o of accepted) {
      for (const [register, value] of Object.entries(o.frame!.registers)) {
        r[0].push(o.frame!.node); r[1].push(o.frame!.counter); r[2].push(register); r[3].push(value); r[4].push(UNITS.get(register) ?? ""); r[5].push(o.received);
      }
    }
    if (r[0].length) {
      await client.query(`INSERT INTO readings (node, counter, register, value, unit, received)
        SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::float8[], $5::text[], $6::timestamptz[]) ON CONFLICT DO NOTHING`, r);
    }
    for (const o of accepted) {
      const b = o.frame!.billing;
      if (!b) continue;
      await client.query(`INSERT INTO billing_records (node, kind, seq, at, taken, flags, registers, peaks, operating_s, error_s, info_current, info_latched, counter, received)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) ON CONFLICT DO NOTHING`,
      [o.frame!.node, b.kind, b.seq, b.at, b.taken, b.flags.join(","), JSON.stringify(b.registers), JSON.stringify(b.peaks), b.operating_s, b.error_s,
        b.info_current.join(","), b.info_latched.join(","), o.frame!.counter, o.received]);
    }
    const gaps = accepted.flatMap((o) => o.events.filter((e) => e.type === "gap"));
    if (gaps.length) {
      await client.query(`INSERT INTO events (received, type, node, gateway, detail)
        SELECT received, 'gap', node, $4::text, detail FROM unnest($1::timestamptz[], $2::bigint[], $3::text[]) AS u(received, node, detail)`,
      [gaps.map((g) => g.received), gaps.map((g) => (g as { node: number }).node), gaps.map((g) => JSON.stringify(g)), this.gatewayId]);
    }
    if (this.keepOutbox) {
      const events = accepted.flatMap(outboxEvents);
      await client.query(`INSERT INTO outbox (gateway, event) SELECT $2::text, e FROM unnest($1::text[]) WITH ORDINALITY AS u(e, i) ORDER BY i`, [events, this.gatewayId]);
    }
  }

  private async insertHeard(client: PoolClient, heard: Outcome[]): Promise<void> {
    // One row per (node, counter) and statement: ON CONFLICT may touch a row once.
    const merged = new Map<string, { node: number; counter: number; first: string; last: string; n: number }>();
    for (const o of heard) {
      const key = `${o.frame!.node} ${o.frame!.counter}`;
      const m = merged.get(key);
      if (m) { m.n++; m.last = o.received; } else merged.set(key, { node: o.frame!.node, counter: o.frame!.counter, first: o.received, last: o.received, n: 1 });
    }
    const rows = [...merged.values()].sort((a, b) => a.node - b.node || a.counter - b.counter);
    await client.query(`INSERT INTO heard (node, counter, gateway, first_received, last_received, receptions)
      SELECT u.node, u.counter, $6::text, u.first, u.last, u.n FROM unnest($1::bigint[], $2::bigint[], $3::timestamptz[], $4::timestamptz[], $5::int[]) AS u(node, counter, first, last, n)
      ON CONFLICT (node, counter, gateway) DO UPDATE SET receptions = heard.receptions + excluded.receptions, last_received = excluded.last_received`,
    [rows.map((r) => r.node), rows.map((r) => r.counter), rows.map((r) => r.first), rows.map((r) => r.last), rows.map((r) => r.n), this.gatewayId]);
  }

  private async insertRejects(client: PoolClient, rejects: RejectRow[]): Promise<void> {
    const rows = [...rejects].sort((a, b) => (a.minute + a.source + a.verdict < b.minute + b.source + b.verdict ? -1 : 1));
    await client.query(`INSERT INTO rejects (minute, gateway, source, verdict, count, bytes, prefix, detail, node, first, last)
      SELECT u.minute, $11::text, u.source, u.verdict, u.count, u.bytes, u.prefix, u.detail, u.node, u.first, u.last
      FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::bytea[], $7::text[], $8::bigint[], $9::timestamptz[], $10::timestamptz[])
        AS u(minute, source, verdict, count, bytes, prefix, detail, node, first, last)
      ON CONFLICT (minute, gateway, source, verdict) DO UPDATE SET count = rejects.count + excluded.count, bytes = rejects.bytes + excluded.bytes, last = excluded.last`,
    [rows.map((r) => r.minute), rows.map((r) => r.source), rows.map((r) => r.verdict), rows.map((r) => r.count), rows.map((r) => r.bytes),
      rows.map((r) => Buffer.from(r.prefix)), rows.map((r) => r.detail), rows.map((r) => r.node), rows.map((r) => r.first), rows.map((r) => r.last), this.gatewayId]);
  }

  async outboxAfter(afterId: number, limit: number): Promise<OutboxRow[]> {
    const { rows } = await this.pool.query<OutboxRow>("SELECT id, event FROM outbox WHERE gateway = $1 AND id > $2 ORDER BY id LIMIT $3", [this.gatewayId, afterId, limit]);
    return rows;
  }

  async outboxDone(ids: number[]): Promise<void> {
    if (ids.length) await this.pool.query("DELETE FROM outbox WHERE id = ANY($1::bigint[])", [ids]);
  }

  async outboxSize(): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM outbox WHERE gateway = $1", [this.gatewayId]);
    return rows[0].n;
  }

  async loadReadings(nodes: number[]): Promise<Reading[]> {
    if (nodes.length === 0) return [];
    const { rows } = await this.pool.query<{ node: number; counter: number; received: Date; register: string; value: number }>(
      "SELECT node, counter, received, register, value FROM readings WHERE node = ANY($1::bigint[]) ORDER BY received, node, counter", [nodes]);
    return groupReadings(rows);
  }

  /** Each gateway stores the balance it computed (gateway column): with shared readings they agree. */
  async saveBalance(rows: BalanceRow[]): Promise<void> {
    const n = BALANCE_ROW_COLUMNS.length;
    for (let at = 0; at < rows.length; at += 1000) { // PostgreSQL takes at most 65 535 parameters a statement
      const chunk = rows.slice(at, at + 1000);
      const values = chunk.flatMap((r) => balanceRowValues(r, this.gatewayId));
      const tuples = chunk.map((_, i) => `(${BALANCE_ROW_COLUMNS.map((_c, j) => `$${i * n + j + 1}`).join(", ")})`).join(", ");
      await this.pool.query(`INSERT INTO site_balance (${BALANCE_ROW_COLUMNS.join(", ")}) VALUES ${tuples} ON CONFLICT DO NOTHING`, values);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));
}

/** The verdict of a verified frame against the node's state in the database (counter -1: none yet). */
function classify(o: Outcome, f: Frame, prev: NodeState): Outcome {
  const { node, counter } = f;
  const { received, source } = o;
  if (counter > prev.counter) {
    const events: GatewayEvent[] = o.events.filter((e) => e.type === "reading");
    if (prev.counter >= 0 && counter > prev.counter + 1) {
      events.push({ type: "gap", node, counter, last_counter: prev.counter, missing: counter - prev.counter - 1, received, source });
    }
    return { ...o, events };
  }
  if (counter === prev.counter && sameBytes(o.raw, prev.frame)) {
    return { ...o, verdict: "duplicate", events: [{ type: "duplicate", node, counter, received, source }] };
  }
  const message = `replay: node ${node} counter ${counter} is not above the last accepted ${prev.counter}`;
  return {
    ...o, verdict: "replay", frame: undefined,
    events: [{ type: "rejected", reason: "replay", message, node, counter, last_counter: prev.counter, bytes: o.raw.length, hex: Buffer.from(o.raw).toString("hex"), received, source }],
  };
}
