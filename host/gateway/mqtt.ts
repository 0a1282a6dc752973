// MQTT output: each reading's registers as retained state topics, the whole reading and the
// gateway's events as JSON, and Home Assistant discovery configs so the registers appear in
// its energy dashboard. Publishes with QoS 1: while the broker is away, mqtt.js keeps every
// message (in flight or new) and sends it again after reconnecting, so a broker restart loses
// no reading. Topics and payloads: docs/gateway.md.
import mqtt from "mqtt";
import type { MqttClient } from "mqtt";
import { FRAME_REGISTERS } from "../frame/registers.js";
import type { FrameRegister } from "../frame/registers.js";
import type { Outcome } from "./gateway.js";
import type { GatewayOutput } from "./output.js";

export interface MqttOptions {
  /** Topic prefix of state and events (default "activemeter"). */
  prefix?: string;
  /** Home Assistant discovery prefix (default "homeassistant"); null: no discovery configs. */
  discoveryPrefix?: string | null;
  clientId?: string;
  /** Milliseconds between reconnection attempts (default 1000). */
  reconnectPeriod?: number;
  /** Called when the connection goes up or down, for the service's log. */
  log?: (line: string) => void;
}

const REGISTERS = new Map(FRAME_REGISTERS.map((r) => [r.name, r]));
export const GATEWAY_VERSION = "0.1.0";

/** "pulse1.wh" -> "pulse1_wh": topic levels and Home Assistant object ids use [a-z0-9_]. */
export function registerSlug(register: string): string {
  return register.replace(/[^a-zA-Z0-9_-]/g, "_");
}

/** "ct1.import_wh" -> "CT1 import energy", "heat1.volume_l" -> "Heat 1 volume". */
export function registerTitle(register: string): string {
  const m = /^(ct|pulse|heat)(\d+)\.(.+)$/.exec(register);
  if (!m) return register;
  const [, kind, n, what] = m;
  const channel = kind === "ct" ? `CT${n}` : `${kind[0].toUpperCase()}${kind.slice(1)} ${n}`;
  const quantity: Record<string, string> = {
    import_wh: "import energy", export_wh: "export energy", wh: "energy", heat_wh: "heat energy", cool_wh: "cooling energy", volume_l: "volume",
  };
  return `${channel} ${quantity[what] ?? what}`;
}

export interface DiscoveryConfig {
  name: string;
  unique_id: string;
  state_topic: string;
  availability_topic: string;
  device_class: "energy" | "volume";
  state_class: "total_increasing";
  unit_of_measurement: "Wh" | "L";
  suggested_display_precision: number;
  device: { identifiers: string[]; name: string; manufacturer: string; model: string };
  origin: { name: string; sw_version: string };
}

export function stateTopic(prefix: string, node: number, register: string): string {
  return `${prefix}/${node}/${registerSlug(register)}`;
}

export function discoveryTopic(discoveryPrefix: string, node: number, register: string): string {
  return `${discoveryPrefix}/sensor/activemeter_${node}_${registerSlug(register)}/config`;
}

/** The Home Assistant MQTT discovery config of one register of one node. */
export function discoveryConfig(prefix: string, node: number, register: FrameRegister): DiscoveryConfig {
  return {
    name: registerTitle(register.name),
    unique_id: `activemeter_${node}_${registerSlug(register.name)}`,
    state_topic: stateTopic(prefix, node, register.name),
    availability_topic: `${prefix}/gateway/status`,
    device_class: register.unit === "Wh" ? "energy" : "volume",
    state_class: "total_increasing",
    unit_of_measurement: register.unit,
    suggested_display_precision: 1,
    device: { identifiers: [`activemeter_${node}`], name: `activemeter ${node}`, manufacturer: "activemeter", model: "energy submeter" },
    origin: { name: "activemeter gateway", sw_version: GATEWAY_VERSION },
  };
}

export class MqttError extends Error {}

export class MqttOutput implements GatewayOutput {
  private readonly prefix: string;
  private readonly discoveryPrefix: string | null;
  /** "node register" pairs whose discovery config was published (again after each reconnect). */
  private readonly announced = new Set<string>();
  private closed = false;

  private constructor(private readonly client: MqttClient, options: MqttOptions) {
    this.prefix = options.prefix ?? "activemeter";
    this.discoveryPrefix = options.discoveryPrefix === undefined ? "homeassistant" : options.discoveryPrefix;
    client.on("connect", () => {
      // A broker that restarted without persistence lost the retained configs: publish them again.
      const known = [...this.announced];
      this.announced.clear();
      for (const key of known) {
        const [node, register] = key.split(" ");
        this.announce(Number(node), register);
      }
      this.publish(`${this.prefix}/gateway/status`, "online", true);
    });
  }

  /** Connect to `url` (mqtt://, mqtts://, ws://; user:password@ allowed); fails with one line if the first connection fails. */
  static async connect(url: string, options: MqttOptions = {}): Promise<MqttOutput> {
    const prefix = options.prefix ?? "activemeter";
    let client: MqttClient;
    try {
      client = mqtt.connect(url, {
        clientId: options.clientId ?? `activemeter-gateway-${process.pid}-${Date.now().toString(36)}`,
        reconnectPeriod: options.reconnectPeriod ?? 1000,
        connectTimeout: 10_000,
        clean: true,
        will: { topic: `${prefix}/gateway/status`, payload: Buffer.from("offline"), qos: 1, retain: true },
      });
    } catch (e) {
      throw new MqttError(`bad MQTT broker URL '${url}': ${(e as Error).message}`);
    }
    const log = options.log ?? (() => {});
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const fail = (e: Error) => {
        if (settled) return;
        settled = true;
        client.end(true);
        reject(new MqttError(`cannot connect to MQTT broker ${url}: ${e.message || (e as NodeJS.ErrnoException).code}`));
      };
      const closed = () => fail(new Error("connection closed"));
      client.once("connect", () => {
        settled = true;
        client.off("error", fail);
        client.off("close", closed);
        resolve();
      });
      client.once("error", fail);
      client.once("close", closed);
    });
    client.on("offline", () => log(`MQTT broker ${url} unreachable: queueing, reconnecting`));
    client.on("reconnect", () => {});
    client.on("error", (e) => log(`MQTT: ${e.message}`));
    client.on("connect", () => log(`MQTT broker ${url} connected`));
    const output = new MqttOutput(client, options);
    output.publish(`${prefix}/gateway/status`, "online", true);
    return output;
  }

  private publish(topic: string, payload: string, retain: boolean): void {
    if (this.closed) return;
    this.client.publish(topic, payload, { qos: 1, retain }, () => {});
  }

  private announce(node: number, register: string): void {
    const key = `${node} ${register}`;
    if (this.announced.has(key)) return;
    this.announced.add(key);
    const reg = REGISTERS.get(register);
    if (!reg || this.discoveryPrefix === null) return;
    this.publish(discoveryTopic(this.discoveryPrefix, node, register), JSON.stringify(discoveryConfig(this.prefix, node, reg)), true);
  }

  write(outcome: Outcome): void {
    for (const event of outcome.events) {
      if (event.type === "reading") {
        for (const [register, value] of Object.entries(event.registers)) {
          this.announce(event.node, register);
          this.publish(stateTopic(this.prefix, event.node, register), String(value), true);
        }
        this.publish(`${this.prefix}/${event.node}/reading`, JSON.stringify(event), false);
      } else {
        this.publish(`${this.prefix}/gateway/events`, JSON.stringify(event), false);
      }
    }
  }

  /** Messages not yet acknowledged by the broker (queued while it is away, or in flight). */
  get unacknowledged(): number {
    const c = this.client as unknown as { outgoing: Record<string, unknown>; queue: unknown[] };
    return Object.keys(c.outgoing ?? {}).length + (c.queue?.length ?? 0);
  }

  /** Say offline, wait up to `graceMs` for everything queued to be acknowledged, disconnect. */
  async close(graceMs = 3000): Promise<void> {
    if (this.closed) return;
    this.publish(`${this.prefix}/gateway/status`, "offline", true);
    this.closed = true;
    const deadline = Date.now() + graceMs;
    while (this.unacknowledged > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await this.client.endAsync(this.unacknowledged > 0);
  }
}
