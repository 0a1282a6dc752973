// What the gateway's stores (SQLite, PostgreSQL, memory) have in common: a batch of outcomes
// goes in as one commit (group commit), the store says what became of each (with several
// gateways on one PostgreSQL another gateway may have stored a frame first), and the MQTT
// outbox lives beside the readings so a restart re-publishes what the broker never acknowledged.
import type { NodeState, Outcome } from "./gateway.js";
import type { RejectRow } from "./rejects.js";
import type { Reading } from "../site/balance.js";
import type { BuildingBalance } from "../site/balance.js";

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
  /** The stored readings of these nodes, oldest first (the live building balance starts from them). */
  loadReadings(nodes: number[]): Promise<Reading[]>;
  /** Rows of the building balance (--site), one transaction. */
  saveBalance(rows: BalanceRow[]): Promise<void>;
  /**
   * The next downlink counter of `node`, durably reserved before the command leaves (one above
   * the last, and at least `floor`): a counter is never given twice, across restarts and gateways.
   */
  nextDownlinkCounter(node: number, floor: number): Promise<number>;
  close(): Promise<void>;
}

/** The building figures a balance row stores (host/site/balance.ts defines them). */
type BalanceFigures = Pick<BuildingBalance, "importWh" | "exportWh" | "pvWh" | "selfConsumptionWh" | "consumptionWh" | "selfSufficiency"
  | "heatExportedWh" | "heatImportedWh" | "importW" | "exportW" | "pvW">;

/** One row of table site_balance: a building (flat "") or one of its flats at one time. */
export interface BalanceRow extends BalanceFigures {
  computed: string;
  building: string;
  flat: string;
  periodFrom: string;
  /** Terms without readings, comma-separated ("" when complete). */
  missing: string;
}

export const BALANCE_ROW_COLUMNS = ["computed", "building", "flat", "gateway", "period_from", "import_wh", "export_wh", "pv_wh", "self_consumption_wh",
  "consumption_wh", "self_sufficiency", "heat_exported_wh", "heat_imported_wh", "import_w", "export_w", "pv_w", "missing"] as const;

/** The values of a row in BALANCE_ROW_COLUMNS order. */
export function balanceRowValues(r: BalanceRow, gateway: string): (string | number | null)[] {
  return [r.computed, r.building, r.flat, gateway, r.periodFrom, r.importWh, r.exportWh, r.pvWh, r.selfConsumptionWh, r.consumptionWh,
    r.selfSufficiency, r.heatExportedWh, r.heatImportedWh, r.importW, r.exportW, r.pvW, r.missing];
}

/** Readings rows (node, counter, received, register, value), in storage order, grouped back into one reading per frame. */
export function groupReadings(rows: { node: number; counter: number; received: string | Date; register: string; value: number }[]): Reading[] {
  const byFrame = new Map<string, Reading>();
  for (const r of rows) {
    const k = `${r.node}/${r.counter}`;
    let reading = byFrame.get(k);
    if (!reading) byFrame.set(k, (reading = { node: r.node, timeMs: new Date(r.received).getTime(), registers: {} }));
    reading.registers[r.register] = r.value;
  }
  return [...byFrame.values()];
}

export class StoreError extends Error {}

/** The events of a final outcome that go to MQTT (rejections only through the rate limit, elsewhere). */
export function outboxEvents(outcome: Outcome): string[] {
  return outcome.events.filter((e) => e.type === "reading" || e.type === "gap").map((e) => JSON.stringify(e));
}

