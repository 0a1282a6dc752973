// The building balance on MQTT (docs/active-house.md): retained state topics per building and
// Home Assistant discovery configs whose names match the energy dashboard's roles (grid
// consumption, return to grid, solar production). Pure: messages out, the gateway publishes.
import type { BuildingBalance, FlatBalance } from "./balance.js";

export interface MqttMessage { topic: string; payload: string; retain: boolean }

interface Figure { key: string; title: string; value: (b: BuildingBalance) => number | null; unit: string; deviceClass: string | null; stateClass: string; precision: number }

/** Cumulative figures (since the site's first reading): what Home Assistant's energy dashboard sums. */
export const SITE_FIGURES: readonly Figure[] = [
  { key: "grid_import_wh", title: "grid consumption", value: (b) => b.importWh, unit: "Wh", deviceClass: "energy", stateClass: "total_increasing", precision: 0 },
  { key: "grid_export_wh", title: "return to grid", value: (b) => b.exportWh, unit: "Wh", deviceClass: "energy", stateClass: "total_increasing", precision: 0 },
  { key: "pv_wh", title: "solar production", value: (b) => b.pvWh, unit: "Wh", deviceClass: "energy", stateClass: "total_increasing", precision: 0 },
  { key: "self_consumption_wh", title: "PV self-consumption", value: (b) => b.selfConsumptionWh, unit: "Wh", deviceClass: "energy", stateClass: "total_increasing", precision: 0 },
  { key: "consumption_wh", title: "consumption", value: (b) => b.consumptionWh, unit: "Wh", deviceClass: "energy", stateClass: "total_increasing", precision: 0 },
  { key: "heat_exported_wh", title: "heat to district heating", value: (b) => b.heatExportedWh, unit: "Wh", deviceClass: "energy", stateClass: "total_increasing", precision: 0 },
  { key: "heat_imported_wh", title: "heat from district heating", value: (b) => b.heatImportedWh, unit: "Wh", deviceClass: "energy", stateClass: "total_increasing", precision: 0 },
  { key: "self_sufficiency_pct", title: "self-sufficiency", value: (b) => (b.selfSufficiency === null ? null : b.selfSufficiency * 100), unit: "%", deviceClass: null, stateClass: "measurement", precision: 1 },
];

interface FlatFigure { key: string; title: string; value: (f: FlatBalance) => number | null; unit: string; deviceClass: string | null; stateClass: string; precision: number }

/** Per flat: its consumption and the building's PV allocated to it by its share (docs/active-house.md). */
export const FLAT_FIGURES: readonly FlatFigure[] = [
  { key: "consumption_wh", title: "consumption", value: (f) => f.consumptionWh, unit: "Wh", deviceClass: "energy", stateClass: "total_increasing", precision: 0 },
  { key: "grid_import_wh", title: "grid consumption (allocated)", value: (f) => f.importWh, unit: "Wh", deviceClass: "energy", stateClass: "total_increasing", precision: 0 },
  { key: "self_consumption_wh", title: "PV self-consumption (allocated)", value: (f) => f.selfConsumptionWh, unit: "Wh", deviceClass: "energy", stateClass: "total_increasing", precision: 0 },
  { key: "self_sufficiency_pct", title: "self-sufficiency", value: (f) => (f.selfSufficiency === null ? null : f.selfSufficiency * 100), unit: "%", deviceClass: null, stateClass: "measurement", precision: 1 },
];

const payloadOf = (v: number | null, precision: number) => (v === null ? "" : v.toFixed(precision === 0 ? 1 : 3));

export function flatStateTopic(prefix: string, building: string, flat: string, key: string): string {
  return `${prefix}/site/${building}/flat/${flat}/${key}`;
}

/** Retained states of every flat of every building. */
export function flatStates(prefix: string, buildings: BuildingBalance[]): MqttMessage[] {
  return buildings.flatMap((b) => b.flats.flatMap((flat) => FLAT_FIGURES.map((f) => ({ topic: flatStateTopic(prefix, b.id, flat.id, f.key), payload: payloadOf(f.value(flat), f.precision), retain: true }))));
}

/** Discovery configs of the flats: one device per flat. */
export function flatDiscovery(prefix: string, discoveryPrefix: string, buildings: { id: string; name: string; flats: { id: string; name: string }[] }[], availabilityTopic?: string): MqttMessage[] {
  return buildings.flatMap((b) => b.flats.flatMap((flat) => FLAT_FIGURES.map((f) => {
    const slug = `${b.id}_${flat.id}`.replace(/-/g, "_");
    const config: Record<string, unknown> = {
      name: `${b.name} ${flat.name} ${f.title}`,
      unique_id: `activemeter_flat_${slug}_${f.key}`,
      state_topic: flatStateTopic(prefix, b.id, flat.id, f.key),
      state_class: f.stateClass,
      unit_of_measurement: f.unit,
      suggested_display_precision: f.precision,
      device: { identifiers: [`activemeter_flat_${slug}`], name: `${b.name} ${flat.name} (flat)`, manufacturer: "activemeter", model: "flat balance", via_device: `activemeter_site_${b.id}` },
      origin: { name: "activemeter gateway" },
    };
    if (f.deviceClass) config.device_class = f.deviceClass;
    if (availabilityTopic) config.availability_topic = availabilityTopic;
    return { topic: `${discoveryPrefix}/sensor/activemeter_flat_${slug}_${f.key}/config`, payload: JSON.stringify(config), retain: true };
  })));
}

export function siteStateTopic(prefix: string, building: string, key: string): string {
  return `${prefix}/site/${building}/${key}`;
}

/** Retained states of every building: one topic per figure (empty payload while unknown). */
export function balanceStates(prefix: string, buildings: BuildingBalance[]): MqttMessage[] {
  return buildings.flatMap((b) => SITE_FIGURES.map((f) => {
    const v = f.value(b);
    return { topic: siteStateTopic(prefix, b.id, f.key), payload: v === null ? "" : v.toFixed(f.precision === 0 ? 1 : 3), retain: true };
  }));
}

/** Home Assistant discovery configs: one device per building, one sensor per figure. */
export function balanceDiscovery(prefix: string, discoveryPrefix: string, buildings: { id: string; name: string }[], availabilityTopic?: string): MqttMessage[] {
  return buildings.flatMap((b) => SITE_FIGURES.map((f) => {
    const config: Record<string, unknown> = {
      name: `${b.name} ${f.title}`,
      unique_id: `activemeter_site_${b.id}_${f.key}`.replace(/-/g, "_"),
      state_topic: siteStateTopic(prefix, b.id, f.key),
      state_class: f.stateClass,
      unit_of_measurement: f.unit,
      suggested_display_precision: f.precision,
      device: { identifiers: [`activemeter_site_${b.id}`], name: `${b.name} (building)`, manufacturer: "activemeter", model: "building balance" },
      origin: { name: "activemeter gateway" },
    };
    if (f.deviceClass) config.device_class = f.deviceClass;
    if (availabilityTopic) config.availability_topic = availabilityTopic;
    return { topic: `${discoveryPrefix}/sensor/activemeter_site_${b.id.replace(/-/g, "_")}_${f.key}/config`, payload: JSON.stringify(config), retain: true };
  }));
}
