// The building balance computed live by the gateway (--site, docs/active-house.md): every
// committed reading of a node the site file names goes into a balance ledger (which starts
// from the readings already stored); every interval the cumulative balance per building and
// flat is stored (table site_balance, only what changed) and published on MQTT as retained
// states with Home Assistant discovery. The same ledger feeds the dashboard (--http).
import { BalanceLedger, termsOf } from "../site/balance.js";
import type { BuildingBalance, SiteBalance } from "../site/balance.js";
import type { Site } from "../site/site-file.js";
import { balanceDiscovery, balanceStates, flatDiscovery, flatStates } from "../site/mqtt-balance.js";
import type { Outcome } from "./gateway.js";
import type { GatewayOutput } from "./output.js";
import type { BalanceRow, FrameStore } from "./store.js";
import type { MqttPublisher } from "./mqtt.js";

export interface SiteBalanceOptions {
  site: Site;
  store: FrameStore;
  /** How often the balance is computed, stored and published (ms). */
  intervalMs: number;
  clock?: () => number;
  log?: (line: string) => void;
}

/** What the gateway knows of one node of the site: its last accepted frame. */
export interface NodeSeen { node: number; counter: number; receivedMs: number; statusFlags: string[] }

interface MqttTarget { publisher: MqttPublisher; prefix: string; discoveryPrefix: string | null }

export class SiteBalanceOutput implements GatewayOutput {
  readonly ledger: BalanceLedger;
  readonly nodes = new Map<number, NodeSeen>();
  /** Balances computed (for the summary and tests). */
  computed = 0;
  private readonly siteNodes: Set<number>;
  private readonly clock: () => number;
  private mqtt: MqttTarget | undefined;
  private timer: NodeJS.Timeout | undefined;
  private dirty = true;
  private running: Promise<void> | undefined;
  /** Last stored row of each building/flat, to store only what changed. */
  private readonly lastStored = new Map<string, string>();

  private constructor(private readonly options: SiteBalanceOptions) {
    this.ledger = new BalanceLedger(options.site);
    this.siteNodes = new Set(options.site.buildings.flatMap((b) => termsOf(b).map((t) => t.node)));
    this.clock = options.clock ?? Date.now;
  }

  /** A balance that starts from the readings the store already holds for the site's nodes. */
  static async open(options: SiteBalanceOptions): Promise<SiteBalanceOutput> {
    const out = new SiteBalanceOutput(options);
    for (const r of await options.store.loadReadings([...out.siteNodes])) out.ledger.add(r);
    return out;
  }

  /** Publish on this broker: discovery configs now, states at every computation. */
  attach(publisher: MqttPublisher, prefix: string, discoveryPrefix: string | null): void {
    this.mqtt = { publisher, prefix, discoveryPrefix };
    if (discoveryPrefix !== null) {
      const buildings = this.options.site.buildings;
      publisher.publishRetained([...balanceDiscovery(prefix, discoveryPrefix, buildings, publisher.statusTopic),
        ...flatDiscovery(prefix, discoveryPrefix, buildings, publisher.statusTopic)]);
    }
  }

  write(outcome: Outcome): void {
    if (outcome.verdict !== "accepted" || !outcome.frame || !this.siteNodes.has(outcome.frame.node)) return;
    const frame = outcome.frame;
    const receivedMs = Date.parse(outcome.received);
    this.ledger.add({ node: frame.node, timeMs: receivedMs, registers: frame.registers });
    this.nodes.set(frame.node, { node: frame.node, counter: frame.counter, receivedMs, statusFlags: frame.status_flags });
    this.dirty = true;
  }

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.options.intervalMs);
    this.timer.unref();
  }

  /** Compute, store and publish the cumulative balance now (when readings came in since the last time). */
  tick(): Promise<void> {
    this.running ??= this.compute().catch((e: Error) => this.options.log?.(`site balance: ${e.message}`)).finally(() => { this.running = undefined; });
    return this.running;
  }

  /** The cumulative balance: since the site's first reading. */
  current(nowMs = this.clock()): SiteBalance {
    return this.ledger.balance(-8.64e15, nowMs);
  }

  private async compute(): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    const nowMs = this.clock();
    const balance = this.current(nowMs);
    this.computed++;
    const first = this.ledger.firstTimeMs();
    if (first === undefined) return; // nothing heard yet: nothing to say
    const rows = balanceRows(balance.buildings, new Date(nowMs).toISOString(), new Date(first).toISOString()).filter((r) => {
      const k = `${r.building}/${r.flat}`;
      const figures = JSON.stringify({ ...r, computed: "" });
      if (this.lastStored.get(k) === figures) return false;
      this.lastStored.set(k, figures);
      return true;
    });
    await this.options.store.saveBalance(rows);
    if (this.mqtt) this.mqtt.publisher.publishRetained([...balanceStates(this.mqtt.prefix, balance.buildings), ...flatStates(this.mqtt.prefix, balance.buildings)]);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    if (this.running) await this.running;
    await this.tick();
  }
}

/** Table rows of a balance: each building (flat "") and each of its flats. */
export function balanceRows(buildings: BuildingBalance[], computed: string, periodFrom: string): BalanceRow[] {
  return buildings.flatMap((b): BalanceRow[] => [
    {
      computed, building: b.id, flat: "", periodFrom, importWh: b.importWh, exportWh: b.exportWh, pvWh: b.pvWh, selfConsumptionWh: b.selfConsumptionWh,
      consumptionWh: b.consumptionWh, selfSufficiency: b.selfSufficiency, heatExportedWh: b.heatExportedWh, heatImportedWh: b.heatImportedWh,
      importW: b.importW, exportW: b.exportW, pvW: b.pvW, missing: b.missing.join(", "),
    },
    ...b.flats.map((f): BalanceRow => ({
      computed, building: b.id, flat: f.id, periodFrom, importWh: f.importWh, exportWh: 0, pvWh: f.pvWh, selfConsumptionWh: f.selfConsumptionWh,
      consumptionWh: f.consumptionWh, selfSufficiency: f.selfSufficiency, heatExportedWh: 0, heatImportedWh: 0,
      importW: f.powerW, exportW: null, pvW: null, missing: "",
    })),
  ]);
}
