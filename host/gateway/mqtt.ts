// MQTT publisher: drains the store's durable outbox to the broker, in order, with QoS 1; a row
// leaves the outbox only once the broker acknowledged every message made from it, so a broker
// outage or a gateway restart (even kill -9) loses nothing, and at most `window` rows are in
// memory however long the broker is away. Each reading becomes retained state topics and a
// JSON reading; Home Assistant discovery configs come first. Availability is per gateway
// (P/gateway/<id>/status, with a last will); a node's sensors expire in Home Assistant only
// when no gateway has published it for `expire_after` seconds. Topics: docs/gateway.md.
import mqtt from "mqtt";
import type { IClientOptions, MqttClient } from "mqtt";
import { FRAME_REGISTERS } from "../frame/registers.js";
import type { FrameRegister } from "../frame/registers.js";
import type { GatewayEvent } from "./gateway.js";
import type { FrameStore } from "./store.js";
import { scrub } from "./secrets.js";
import { discoveryConfig, discoveryTopic, gatewayDiscovery, registerSlug, stateTopic, billingDiscoveryConfig, billingStates } from "./discovery.js";

export { discoveryConfig, discoveryTopic, registerSlug, registerTitle, stateTopic, GATEWAY_VERSION } from "./discovery.js";
export type { DiscoveryConfig } from "./discovery.js";

export interface MqttOptions {
  /** This gateway's id: its status and events topics. */
  gatewayId: string;
  /** Topic prefix of state and events (default "activemeter"). */
  prefix?: string;
  /** Home Assistant discovery prefix (default "homeassistant"); null: no discovery configs. */
  discoveryPrefix?: string | null;
  /** Home Assistant expire_after of the sensors, seconds (0: never). */
  expireAfterS?: number;
  clientId?: string;
  username?: string;
  password?: string;
  /** PEM: a private CA to trust instead of the public ones; a client certificate and its key. */
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  /** Milliseconds between reconnection attempts (default 1000). */
  reconnectPeriod?: number;
  /** Outbox rows in flight at most (default 200). */
  window?: number;
  /** An unreachable broker at start is not fatal (the outbox is durable); refused credentials still are. */
  startOffline?: boolean;
  log?: (line: string) => void;
}

const REGISTERS = new Map<string, FrameRegister>(FRAME_REGISTERS.map((r) => [r.name, r]));

export class MqttError extends Error {}

export class MqttPublisher {
  readonly prefix: string;
  private readonly discoveryPrefix: string | null;
  private readonly window: number;
  /** "node register" pairs whose discovery config was published (again after each reconnect). */
  private readonly announced = new Set<string>();
  /** Outbox row id -> messages of it not yet acknowledged. */
  private readonly inflight = new Map<number, number>();
  private done: number[] = [];
  private cursor = 0;
  private pumping = false;
  private again = false;
  private closed = false;
  private doneTimer: NodeJS.Timeout | undefined;
  private volatileInflight = 0;
  /** Retained messages that are state, not outbox rows (the building balance): topic -> payload, again after each reconnect. */
  private readonly retainedState = new Map<string, string>();
  /** Messages acknowledged by the broker (for tests and the summary). */
  acknowledged = 0;

  private constructor(private readonly client: MqttClient, private readonly store: FrameStore, private readonly options: MqttOptions) {
    this.prefix = options.prefix ?? "activemeter";
    this.discoveryPrefix = options.discoveryPrefix === undefined ? "homeassistant" : options.discoveryPrefix;
    this.window = options.window ?? 200;
    client.on("connect", () => this.online());
  }

  get statusTopic(): string {
    return `${this.prefix}/gateway/${this.options.gatewayId}/status`;
  }

  get eventsTopic(): string {
    return `${this.prefix}/gateway/${this.options.gatewayId}/events`;
  }

  /** Connect to `url` (mqtt://, mqtts://, ws://, wss://). Fails with one line if the broker refuses or (unless startOffline) cannot be reached. */
  static async connect(url: string, store: FrameStore, options: MqttOptions): Promise<MqttPublisher> {
    const log = (line: string) => options.log?.(scrub(line));
    const shown = scrub(url);
    const prefix = options.prefix ?? "activemeter";
    const connectOptions: IClientOptions = {
      clientId: options.clientId ?? `activemeter-${options.gatewayId}-${process.pid}-${Date.now().toString(36)}`,
      reconnectPeriod: options.reconnectPeriod ?? 1000,
      connectTimeout: 10_000,
      clean: true,
      will: { topic: `${prefix}/gateway/${options.gatewayId}/status`, payload: Buffer.from("offline"), qos: 1, retain: true },
    };
    if (options.username !== undefined) connectOptions.username = options.username;
    if (options.password !== undefined) connectOptions.password = options.password;
    if (options.ca) connectOptions.ca = options.ca;
    if (options.cert) connectOptions.cert = options.cert;
    if (options.key) connectOptions.key = options.key;
    let client: MqttClient;
    try {
      client = mqtt.connect(url, connectOptions);
    } catch (e) {
      throw new MqttError(`bad MQTT broker URL '${shown}': ${scrub((e as Error).message)}`);
    }
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = () => {
        settled = true;
        client.off("error", fail);
        client.off("close", closed);
      };
      const fail = (e: Error & { code?: string | number }) => {
        if (settled) return;
        // A refused CONNECT (credentials, authorisation) is fatal: retrying cannot fix it.
        const refused = typeof e.code === "number" || /connection refused:|not authori[sz]ed|bad user|certificate|ssl|tls|handshake/i.test(e.message);
        if (options.startOffline && !refused) {
          settle();
          log(`MQTT broker ${shown} unreachable at start (${scrub(e.message || String(e.code))}): readings wait in the outbox, reconnecting`);
          resolve();
          return;
        }
        settle();
        client.end(true);
        reject(new MqttError(`cannot connect to MQTT broker ${shown}: ${scrub(e.message || String(e.code))}`));
      };
      const closed = () => fail(new Error("connection closed"));
      client.once("connect", () => { settle(); resolve(); });
      client.on("error", fail);
      client.on("close", closed);
    });
    client.on("offline", () => log(`MQTT broker ${shown} unreachable: readings wait in the outbox, reconnecting`));
    // One line per kind of failure and outage, not one per reconnection attempt.
    let lastError = "";
    client.on("error", (e) => {
      if (e.message !== lastError) log(`MQTT: ${e.message}`);
      lastError = e.message;
    });
    client.on("connect", () => { lastError = ""; log(`MQTT broker ${shown} connected`); });
    const publisher = new MqttPublisher(client, store, options);
    if (client.connected) publisher.online();
    return publisher;
  }

  private online(): void {
    if (this.closed) return;
    this.publishNow(this.statusTopic, "online", true);
    if (this.discoveryPrefix !== null) {
      const { topic, config } = gatewayDiscovery(this.discoveryPrefix, this.prefix, this.options.gatewayId);
      this.publishNow(topic, JSON.stringify(config), true);
    }
    for (const [topic, payload] of this.retainedState) this.publishNow(topic, payload, true);
    // A broker that restarted without persistence lost the retained configs: publish them again.
    const known = [...this.announced];
    this.announced.clear();
    for (const key of known) {
      const [node, register] = key.split(" ");
      if (REGISTERS.has(register)) this.announce(Number(node), register, () => {});
      else this.announceBilling(Number(node), register, () => {});
    }
    this.kick();
  }

  private publishNow(topic: string, payload: string, retain: boolean, done: (ok: boolean) => void = () => {}): void {
    this.client.publish(topic, payload, { qos: 1, retain }, (e) => {
      if (!e) this.acknowledged++;
      done(!e);
    });
  }

  private announce(node: number, register: string, done: (ok: boolean) => void): number {
    const key = `${node} ${register}`;
    const reg = REGISTERS.get(register);
    if (this.announced.has(key) || !reg || this.discoveryPrefix === null) return 0;
    this.announced.add(key);
    const config = discoveryConfig(this.prefix, node, reg, this.options.expireAfterS ?? 0);
    this.publishNow(discoveryTopic(this.discoveryPrefix, node, register), JSON.stringify(config), true, done);
    return 1;
  }

  private announceBilling(node: number, name: string, done: (ok: boolean) => void): number {
    const key = `${node} ${name}`;
    if (this.announced.has(key) || this.discoveryPrefix === null) return 0;
    this.announced.add(key);
    const config = billingDiscoveryConfig(this.prefix, node, name, this.options.expireAfterS ?? 0);
    this.publishNow(discoveryTopic(this.discoveryPrefix, node, name), JSON.stringify(config), true, done);
    return 1;
  }

  /** The outbox has new rows. */
  kick(): void {
    if (this.pumping) {
      this.again = true;
      return;
    }
    void this.pump();
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      do {
        this.again = false;
        while (!this.closed && this.client.connected && this.inflight.size < this.window) {
          const rows = await this.store.outboxAfter(this.cursor, this.window - this.inflight.size);
          if (rows.length === 0) break;
          for (const row of rows) {
            this.cursor = row.id;
            this.send(row.id, JSON.parse(row.event) as GatewayEvent);
          }
        }
      } while (this.again && !this.closed);
    } catch (e) {
      this.options.log?.(scrub(`MQTT outbox: ${(e as Error).message}`));
    } finally {
      this.pumping = false;
    }
  }

  private send(id: number, event: GatewayEvent): void {
    let pending = 0;
    const acked = (ok: boolean) => {
      if (!ok) return; // only when the client is torn down at exit: the row stays in the outbox
      if (--pending > 0) return;
      this.inflight.delete(id);
      this.done.push(id);
      this.doneTimer ??= setTimeout(() => void this.flushDone(), 50);
      this.kick();
    };
    const messages: [string, string, boolean][] = [];
    if (event.type === "reading") {
      for (const [register, value] of Object.entries(event.registers)) {
        pending += this.announce(event.node, register, acked);
        messages.push([stateTopic(this.prefix, event.node, register), String(value), true]);
      }
      // A monthly billing frame: target-date values and peak demand as sensors of their own.
      for (const [name, value] of event.billing ? billingStates(event.billing) : []) {
        pending += this.announceBilling(event.node, name, acked);
        messages.push([stateTopic(this.prefix, event.node, name), String(value), true]);
      }
      messages.push([`${this.prefix}/${event.node}/reading`, JSON.stringify({ ...event, gateway: this.options.gatewayId }), false]);
    } else {
      messages.push([this.eventsTopic, JSON.stringify(event), false]);
    }
    pending += messages.length;
    this.inflight.set(id, pending);
    for (const [topic, payload, retain] of messages) this.publishNow(topic, payload, retain, acked);
  }

  private async flushDone(): Promise<void> {
    this.doneTimer = undefined;
    const ids = this.done;
    this.done = [];
    try {
      await this.store.outboxDone(ids);
    } catch (e) {
      this.options.log?.(scrub(`MQTT outbox: ${(e as Error).message}`));
    }
  }

  /**
   * Retained state recomputed by the gateway (the building balance, its discovery configs): a
   * topic is published when its payload changed, and everything again after a reconnection.
   * Not in the outbox: a newer value replaces an unpublished one, nothing is owed.
   */
  publishRetained(messages: { topic: string; payload: string }[]): void {
    for (const { topic, payload } of messages) {
      if (this.retainedState.get(topic) === payload) continue;
      this.retainedState.delete(topic); // re-inserted last: configs published before states keep that order
      this.retainedState.set(topic, payload);
      if (!this.closed && this.client.connected) this.publishNow(topic, payload, true);
    }
  }

  /** A rate-limited event that is not kept in the outbox (rejections): dropped while the broker is away. */
  publishVolatile(event: object): void {
    if (this.closed || !this.client.connected || this.volatileInflight >= 100) return;
    this.volatileInflight++;
    this.publishNow(this.eventsTopic, JSON.stringify(event), false, () => { this.volatileInflight--; });
  }

  /** Rows taken from the outbox whose messages the broker has not acknowledged yet. */
  get unacknowledged(): number {
    return this.inflight.size;
  }

  /** Wait up to `graceMs` for the outbox to drain, say offline, disconnect. What is left is published after the next start. */
  async close(graceMs = 3000): Promise<void> {
    if (this.closed) return;
    const deadline = Date.now() + graceMs;
    this.kick();
    while (Date.now() < deadline && this.client.connected && (this.inflight.size > 0 || this.pumping || (await this.store.outboxSize()) > this.done.length)) {
      await new Promise((r) => setTimeout(r, 20));
    }
    if (this.client.connected) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(100, deadline - Date.now()));
        this.publishNow(this.statusTopic, "offline", true, () => { clearTimeout(t); resolve(); });
      });
    }
    this.closed = true;
    clearTimeout(this.doneTimer);
    await this.flushDone();
    await this.client.endAsync(true);
  }
}
