// The gateway database schema as numbered migrations, shared by SQLite and PostgreSQL where
// the SQL is the same. A database records the migrations applied (schema_migrations, and
// meta.schema_version for older tools); a gateway applies the missing ones at start and
// refuses a database newer than it knows. docs/gateway.md explains the tables.

export interface Migration {
  version: number;
  description: string;
  sqlite: string;
  postgres: string;
}

/** Version 1: the first gateway's schema (every frame kept whole, counters per gateway). SQLite only. */
const V1_SQLITE = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS frames (id INTEGER PRIMARY KEY, received TEXT NOT NULL, source TEXT NOT NULL, raw BLOB NOT NULL,
  node INTEGER, counter INTEGER, verdict TEXT NOT NULL, detail TEXT);
CREATE INDEX IF NOT EXISTS frames_node_counter ON frames (node, counter);
CREATE TABLE IF NOT EXISTS readings (frame_id INTEGER NOT NULL REFERENCES frames (id), node INTEGER NOT NULL, counter INTEGER NOT NULL,
  register TEXT NOT NULL, value REAL NOT NULL, unit TEXT NOT NULL, received TEXT NOT NULL, PRIMARY KEY (node, counter, register));
CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, received TEXT NOT NULL, type TEXT NOT NULL, node INTEGER, detail TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS nodes (node INTEGER PRIMARY KEY, last_counter INTEGER NOT NULL, last_frame BLOB NOT NULL, updated TEXT NOT NULL);
`;

/** Version 2 (SQLite, from version 1): accepted frames only, rejects aggregated, receptions per gateway, the MQTT outbox. */
const V2_SQLITE = `
ALTER TABLE frames RENAME TO frames_v1;
ALTER TABLE readings RENAME TO readings_v1;
CREATE TABLE frames (
  node INTEGER NOT NULL, counter INTEGER NOT NULL,
  raw BLOB NOT NULL, received TEXT NOT NULL, source TEXT NOT NULL, gateway TEXT NOT NULL,
  PRIMARY KEY (node, counter));
CREATE TABLE readings (
  node INTEGER NOT NULL, counter INTEGER NOT NULL, register TEXT NOT NULL,
  value REAL NOT NULL, unit TEXT NOT NULL, received TEXT NOT NULL,
  PRIMARY KEY (node, counter, register));
CREATE INDEX readings_node_register_received ON readings (node, register, received);
CREATE TABLE heard (
  node INTEGER NOT NULL, counter INTEGER NOT NULL, gateway TEXT NOT NULL,
  first_received TEXT NOT NULL, last_received TEXT NOT NULL, receptions INTEGER NOT NULL,
  PRIMARY KEY (node, counter, gateway));
CREATE TABLE rejects (
  minute TEXT NOT NULL, gateway TEXT NOT NULL, source TEXT NOT NULL, verdict TEXT NOT NULL,
  count INTEGER NOT NULL, bytes INTEGER NOT NULL, prefix BLOB NOT NULL, detail TEXT NOT NULL, node INTEGER,
  first TEXT NOT NULL, last TEXT NOT NULL,
  PRIMARY KEY (minute, gateway, source, verdict));
CREATE TABLE outbox (id INTEGER PRIMARY KEY, gateway TEXT NOT NULL, event TEXT NOT NULL);
INSERT OR IGNORE INTO frames (node, counter, raw, received, source, gateway)
  SELECT node, counter, raw, received, source, 'v1' FROM frames_v1 WHERE verdict = 'accepted' AND node IS NOT NULL;
INSERT OR IGNORE INTO readings (node, counter, register, value, unit, received)
  SELECT node, counter, register, value, unit, received FROM readings_v1;
INSERT INTO rejects (minute, gateway, source, verdict, count, bytes, prefix, detail, node, first, last)
  SELECT substr(received, 1, 16), 'v1', source, verdict, count(*), sum(length(raw)), substr(min(raw), 1, 32), coalesce(min(detail), verdict), min(node), min(received), max(received)
  FROM frames_v1 WHERE verdict <> 'accepted' GROUP BY substr(received, 1, 16), source, verdict;
DROP TABLE readings_v1;
DROP TABLE frames_v1;
ALTER TABLE nodes ADD COLUMN gateway TEXT;
CREATE VIEW frame_verdicts AS
  SELECT 'accepted' AS verdict, count(*) AS count FROM frames
  UNION ALL SELECT verdict, sum(count) FROM rejects GROUP BY verdict;
`;

/** Version 2 in PostgreSQL (no version 1 there): the same tables, shared by every gateway. */
const V2_POSTGRES = `
CREATE TABLE frames (
  node BIGINT NOT NULL, counter BIGINT NOT NULL,
  raw BYTEA NOT NULL, received TIMESTAMPTZ NOT NULL, source TEXT NOT NULL, gateway TEXT NOT NULL,
  PRIMARY KEY (node, counter));
CREATE TABLE readings (
  node BIGINT NOT NULL, counter BIGINT NOT NULL, register TEXT NOT NULL,
  value DOUBLE PRECISION NOT NULL, unit TEXT NOT NULL, received TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (node, counter, register));
CREATE INDEX readings_node_register_received ON readings (node, register, received);
CREATE TABLE heard (
  node BIGINT NOT NULL, counter BIGINT NOT NULL, gateway TEXT NOT NULL,
  first_received TIMESTAMPTZ NOT NULL, last_received TIMESTAMPTZ NOT NULL, receptions INTEGER NOT NULL,
  PRIMARY KEY (node, counter, gateway));
CREATE TABLE rejects (
  minute TEXT NOT NULL, gateway TEXT NOT NULL, source TEXT NOT NULL, verdict TEXT NOT NULL,
  count BIGINT NOT NULL, bytes BIGINT NOT NULL, prefix BYTEA NOT NULL, detail TEXT NOT NULL, node BIGINT,
  first TIMESTAMPTZ NOT NULL, last TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (minute, gateway, source, verdict));
CREATE TABLE events (id BIGSERIAL PRIMARY KEY, received TIMESTAMPTZ NOT NULL, type TEXT NOT NULL, node BIGINT, gateway TEXT NOT NULL, detail TEXT NOT NULL);
-- last_counter -1: a node known by id only (a placeholder row the first frame advances).
-- prev_counter/prev_frame: what the last advance replaced, returned by the replay check itself.
CREATE TABLE nodes (
  node BIGINT PRIMARY KEY, last_counter BIGINT NOT NULL, last_frame BYTEA NOT NULL, updated TIMESTAMPTZ NOT NULL, gateway TEXT,
  prev_counter BIGINT, prev_frame BYTEA);
CREATE TABLE outbox (id BIGSERIAL PRIMARY KEY, gateway TEXT NOT NULL, event TEXT NOT NULL);
CREATE INDEX outbox_gateway_id ON outbox (gateway, id);
CREATE VIEW frame_verdicts AS
  SELECT 'accepted' AS verdict, count(*) AS count FROM frames
  UNION ALL SELECT verdict, sum(count) FROM rejects GROUP BY verdict;
`;

/** Version 3: the building balance the gateway computes from a site file (--site), one row per building or flat and time. */
const BALANCE_COLUMNS = (time: string, real: string) => `
CREATE TABLE site_balance (
  computed ${time} NOT NULL, building TEXT NOT NULL, flat TEXT NOT NULL, gateway TEXT NOT NULL,
  period_from ${time} NOT NULL,
  import_wh ${real} NOT NULL, export_wh ${real} NOT NULL, pv_wh ${real} NOT NULL, self_consumption_wh ${real} NOT NULL,
  consumption_wh ${real} NOT NULL, self_sufficiency ${real}, heat_exported_wh ${real} NOT NULL, heat_imported_wh ${real} NOT NULL,
  import_w ${real}, export_w ${real}, pv_w ${real}, missing TEXT NOT NULL,
  PRIMARY KEY (computed, building, flat, gateway));
CREATE INDEX site_balance_building_computed ON site_balance (building, flat, computed);
`;

/** Version 4 (issue 20): the billing records of billing frames, one row per node, kind and record number. */
const V4_BILLING = (json: string, time: string) => `
CREATE TABLE billing_records (
  node BIGINT NOT NULL, kind TEXT NOT NULL, seq BIGINT NOT NULL,
  at ${time} NOT NULL, taken ${time} NOT NULL, flags TEXT NOT NULL,
  registers ${json} NOT NULL, peaks ${json} NOT NULL, operating_s BIGINT NOT NULL, error_s BIGINT NOT NULL,
  info_current TEXT NOT NULL, info_latched TEXT NOT NULL, counter BIGINT NOT NULL, received ${time} NOT NULL,
  PRIMARY KEY (node, kind, seq));
`;

export const MIGRATIONS: Migration[] = [
  { version: 1, description: "first schema: every frame kept, counters per gateway", sqlite: V1_SQLITE, postgres: "" },
  { version: 2, description: "accepted frames only, rejects aggregated, receptions per gateway, MQTT outbox", sqlite: V2_SQLITE, postgres: V2_POSTGRES },
  { version: 3, description: "site_balance: the building balance of --site", sqlite: BALANCE_COLUMNS("TEXT", "REAL"), postgres: BALANCE_COLUMNS("TIMESTAMPTZ", "DOUBLE PRECISION") },
  { version: 4, description: "billing records (monthly and daily history) from billing frames", sqlite: V4_BILLING("TEXT", "TEXT"), postgres: V4_BILLING("JSONB", "TIMESTAMPTZ") },
];

export const SCHEMA_VERSION = MIGRATIONS.at(-1)!.version;
