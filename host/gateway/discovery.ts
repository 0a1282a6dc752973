// Home Assistant MQTT discovery: topic names and the configs of a node's registers and of a
// gateway. Pure, no I/O.
import type { FrameRegister } from "../frame/registers.js";

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
  /** Seconds without a new value (from any gateway) before Home Assistant shows the sensor unavailable. */
  expire_after?: number;
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

/**
 * The discovery config of one register of one node. No availability topic: a node's state
 * topics are shared by every gateway that hears it, so one gateway going down must not mark
 * it unavailable; expire_after does that once no gateway has heard the node for that long.
 */
export function discoveryConfig(prefix: string, node: number, register: FrameRegister, expireAfterS = 0): DiscoveryConfig {
  return {
    name: registerTitle(register.name),
    unique_id: `activemeter_${node}_${registerSlug(register.name)}`,
    state_topic: stateTopic(prefix, node, register.name),
    ...(expireAfterS > 0 ? { expire_after: expireAfterS } : {}),
    device_class: register.unit === "Wh" ? "energy" : "volume",
    state_class: "total_increasing",
    unit_of_measurement: register.unit,
    suggested_display_precision: 1,
    device: { identifiers: [`activemeter_${node}`], name: `activemeter ${node}`, manufacturer: "activemeter", model: "energy submeter" },
    origin: { name: "activemeter gateway", sw_version: GATEWAY_VERSION },
  };
}

/**
 * The billing values a monthly billing frame brings (docs/billing.md): per energy register its
 * month's peak demand and the mean of the top hours ("ct1.import_wh.peak_w", "….peak_mean_w"),
 * and the target-date value ("target.ct1.import_wh"). Home Assistant sensors of their own.
 */
export function billingDiscoveryConfig(prefix: string, node: number, name: string, expireAfterS = 0): object {
  const power = name.endsWith("_w");
  const base = name.replace(/^target\./, "").replace(/\.peak(_mean)?_w$/, "");
  const title = name.startsWith("target.") ? `${registerTitle(base)} at the billing date` : `${registerTitle(base)} ${name.endsWith("peak_mean_w") ? "peak demand (mean of top hours)" : "peak demand"}`;
  return {
    name: title,
    unique_id: `activemeter_${node}_${registerSlug(name)}`,
    state_topic: stateTopic(prefix, node, name),
    ...(expireAfterS > 0 ? { expire_after: expireAfterS } : {}),
    device_class: power ? "power" : base.endsWith("volume_l") ? "volume" : "energy",
    state_class: power ? "measurement" : "total",
    unit_of_measurement: power ? "W" : base.endsWith("volume_l") ? "L" : "Wh",
    suggested_display_precision: power ? 0 : 1,
    device: { identifiers: [`activemeter_${node}`], name: `activemeter ${node}`, manufacturer: "activemeter", model: "energy submeter" },
    origin: { name: "activemeter gateway", sw_version: GATEWAY_VERSION },
  };
}

/** The state values of a monthly billing record: name -> value (see billingDiscoveryConfig). */
export function billingStates(record: { kind: string; registers: Record<string, number>; peaks: Record<string, { peak: number; mean: number }> }): [string, number][] {
  if (record.kind !== "monthly") return [];
  const out: [string, number][] = Object.entries(record.registers).map(([r, v]) => [`target.${r}`, v]);
  for (const [r, p] of Object.entries(record.peaks)) if (!r.endsWith("volume_l")) out.push([`${r}.peak_w`, p.peak], [`${r}.peak_mean_w`, p.mean]);
  return out;
}

/** A gateway's own connectivity sensor, fed by its status topic (online / offline, the last will). */
export function gatewayDiscovery(discoveryPrefix: string, prefix: string, gatewayId: string): { topic: string; config: object } {
  const id = `activemeter_gateway_${registerSlug(gatewayId)}`;
  return {
    topic: `${discoveryPrefix}/binary_sensor/${id}/config`,
    config: {
      name: "Connectivity", unique_id: id, state_topic: `${prefix}/gateway/${gatewayId}/status`,
      payload_on: "online", payload_off: "offline", device_class: "connectivity",
      device: { identifiers: [id], name: `activemeter gateway ${gatewayId}`, manufacturer: "activemeter", model: "gateway" },
      origin: { name: "activemeter gateway", sw_version: GATEWAY_VERSION },
    },
  };
}
