// The site file (format activemeter-site/1, docs/active-house.md): which meter registers are a
// building's grid feed, its PV yield, its flats' consumption and its heat traded with the
// district-heating network. Parsed once, checked whole: every mistake is reported with its path.
import fs from "node:fs";
import { FRAME_REGISTERS } from "../frame/registers.js";

/** One cumulative register of one node: a term of a balance. */
export interface MeterRef { node: number; register: string }

export interface Flat { id: string; name: string; consumption: MeterRef[]; pv: MeterRef[] }

export interface Building {
  id: string;
  name: string;
  gridImport: MeterRef[];
  gridExport: MeterRef[];
  pv: MeterRef[];
  heatExport: MeterRef[];
  heatImport: MeterRef[];
  flats: Flat[];
}

export interface Site { name: string; buildings: Building[] }

export class SiteError extends Error {}

const ENERGY_REGISTERS = new Set(FRAME_REGISTERS.filter((r) => r.unit === "Wh").map((r) => r.name));
const BUILDING_FIELDS = ["id", "name", "grid_import", "grid_export", "pv", "heat_export", "heat_import", "flats"];
const FLAT_FIELDS = ["id", "name", "consumption", "pv"];
const ID = /^[A-Za-z0-9_-]{1,32}$/;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function refs(value: unknown, where: string): MeterRef[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new SiteError(`${where}: expected a list of {"node": N, "register": "ct1.import_wh"}`);
  return value.map((r, i) => {
    const at = `${where}[${i}]`;
    if (!isObject(r)) throw new SiteError(`${at}: expected {"node": N, "register": NAME}`);
    const extra = Object.keys(r).filter((k) => k !== "node" && k !== "register");
    if (extra.length > 0) throw new SiteError(`${at}: unknown field '${extra[0]}'`);
    if (!Number.isInteger(r.node) || (r.node as number) < 0 || (r.node as number) > 0xffffffff) throw new SiteError(`${at}.node: a node id (0 to 4294967295), not ${JSON.stringify(r.node)}`);
    if (typeof r.register !== "string" || !ENERGY_REGISTERS.has(r.register)) {
      throw new SiteError(`${at}.register: ${JSON.stringify(r.register)} is not a cumulative energy register (one of ${[...ENERGY_REGISTERS].join(", ")})`);
    }
    return { node: r.node as number, register: r.register };
  });
}

function id(value: unknown, where: string): string {
  if (typeof value !== "string" || !ID.test(value)) throw new SiteError(`${where}: an id of 1 to 32 letters, digits, '_' or '-', not ${JSON.stringify(value)}`);
  return value;
}

function unknownField(o: Record<string, unknown>, allowed: string[], where: string): void {
  const extra = Object.keys(o).find((k) => !allowed.includes(k));
  if (extra !== undefined) throw new SiteError(`${where}: unknown field '${extra}' (allowed: ${allowed.join(", ")})`);
}

export function parseSite(data: unknown): Site {
  if (!isObject(data)) throw new SiteError("site file: expected a JSON object");
  unknownField(data, ["$schema", "format", "name", "buildings"], "site file");
  if (data.format !== "activemeter-site/1") throw new SiteError(`format: expected "activemeter-site/1", not ${JSON.stringify(data.format)}`);
  if (!Array.isArray(data.buildings) || data.buildings.length === 0) throw new SiteError("buildings: expected a non-empty list");
  const seenBuildings = new Set<string>();
  const buildings = data.buildings.map((b, i): Building => {
    const where = `buildings[${i}]`;
    if (!isObject(b)) throw new SiteError(`${where}: expected an object`);
    unknownField(b, BUILDING_FIELDS, where);
    const bid = id(b.id, `${where}.id`);
    if (seenBuildings.has(bid)) throw new SiteError(`${where}.id: '${bid}' is used twice`);
    seenBuildings.add(bid);
    const flatsIn = b.flats ?? [];
    if (!Array.isArray(flatsIn)) throw new SiteError(`${where}.flats: expected a list`);
    const seenFlats = new Set<string>();
    const flats = flatsIn.map((f, j): Flat => {
      const fw = `${where}.flats[${j}]`;
      if (!isObject(f)) throw new SiteError(`${fw}: expected an object`);
      unknownField(f, FLAT_FIELDS, fw);
      const fid = id(f.id, `${fw}.id`);
      if (seenFlats.has(fid)) throw new SiteError(`${fw}.id: '${fid}' is used twice in building '${bid}'`);
      seenFlats.add(fid);
      return { id: fid, name: typeof f.name === "string" ? f.name : fid, consumption: refs(f.consumption, `${fw}.consumption`), pv: refs(f.pv, `${fw}.pv`) };
    });
    const building: Building = {
      id: bid,
      name: typeof b.name === "string" ? b.name : bid,
      gridImport: refs(b.grid_import, `${where}.grid_import`),
      gridExport: refs(b.grid_export, `${where}.grid_export`),
      pv: refs(b.pv, `${where}.pv`),
      heatExport: refs(b.heat_export, `${where}.heat_export`),
      heatImport: refs(b.heat_import, `${where}.heat_import`),
      flats,
    };
    if (building.gridImport.length === 0 && building.gridExport.length === 0) throw new SiteError(`${where}: a building needs its grid feed (grid_import and/or grid_export)`);
    return building;
  });
  return { name: typeof data.name === "string" ? data.name : "district", buildings };
}

export function readSite(file: string): Site {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new SiteError(`cannot read site file ${file}: ${(e as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new SiteError(`site file ${file} is not JSON: ${(e as Error).message}`);
  }
  return parseSite(data);
}
