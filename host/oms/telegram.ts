// OMS telegrams of the activemeter `oms` profile (docs/frames.md): decode and verify (link CRCs
// when present, OMS security mode 7: KDF, AFL MAC, AES-128-CBC), and encode (for tests and
// tools). Same keyring, same Frame shape and register names as native frames. No I/O, no clock.
import { createCipheriv, createDecipheriv } from "node:crypto";
import { AesCmac } from "../crypto/cmac.js";
import { FrameError, statusNames } from "../frame/codec.js";
import type { DecodeOptions, Frame } from "../frame/codec.js";
import { stripCrcBlocks, addCrcBlocks, bcdId, idToBcd, manufacturerCode, C_SND_NR } from "./link.js";
import { parseRecords, activemeterValues, DEVICE_ELECTRICITY, DEVICE_HEAT_COOLING } from "./records.js";
import type { DataRecord } from "./records.js";

export const OMS_MANUFACTURER = 0x682d; // "ZAM"
export const OMS_VERSION = 0x01;
export const SUITE_OMS_MODE7 = "oms-mode7";
const CI_ELL_SHORT = 0x8c;
const CI_AFL = 0x90;
const CI_TPL_SHORT = 0x7a;
const CI_TPL_LONG = 0x72;

export interface OmsDecodeOptions extends DecodeOptions {
  /**
   * Also read telegrams of other meters (any manufacturer, short transport header): verified
   * the same way, records listed, no registers. Off in the gateway: activemeter telegrams carry
   * their address in the long header, inside the MAC, and must match the link layer.
   */
  foreign?: boolean;
}
const AFL_FCL = 0x2c00;
const AFL_MCL = 0x25;

export interface OmsFrame extends Frame {
  profile: "oms";
  manufacturer: string;
  device_type: number;
  /** True when the telegram came with its link-layer CRC blocks. */
  link_crc: boolean;
  /** Live values (power 0.1 W, flow L/h, temperatures 0.1 °C), not billing registers. */
  instantaneous: Record<string, number>;
  /** Every record, for telegrams of other manufacturers (activemeter's map to registers). */
  records?: DataRecord[];
  /** Storage number 1: the registers at the last billing date, and that date (local time). */
  target?: Record<string, number>;
  target_time?: string;
}

/** KDF input of OMS Vol. 2: DC ‖ MCR (4, LE) ‖ ID (4, as in the A-field) ‖ 07 × 7. */
function kdfInput(dc: number, mcr: Uint8Array, id: Uint8Array): Uint8Array {
  const input = new Uint8Array(16).fill(0x07);
  input[0] = dc;
  input.set(mcr, 1);
  input.set(id, 5);
  return input;
}

function aesCbc(key: Uint8Array, data: Uint8Array, encrypt: boolean): Uint8Array {
  const c = encrypt ? createCipheriv("aes-128-cbc", key, new Uint8Array(16)) : createDecipheriv("aes-128-cbc", key, new Uint8Array(16));
  c.setAutoPadding(false);
  return new Uint8Array(Buffer.concat([c.update(data), c.final()]));
}

/** The node and message counter an OMS telegram claims (unverified), for reports about rejects. */
export function omsClaimed(bytes: Uint8Array): { node?: number; counter?: number } {
  try {
    const { plain } = stripCrcBlocks(bytes);
    const node = bcdId(plain, 4);
    const afl = plain[10] === CI_ELL_SHORT ? 13 : 10;
    if (plain[afl] !== CI_AFL || plain.length < afl + 9) return { node };
    return { node, counter: new DataView(plain.buffer, plain.byteOffset + afl + 5, 4).getUint32(0, true) };
  } catch {
    return {};
  }
}

/** Decode and verify one OMS telegram (with or without CRC blocks); throws FrameError with the reason. */
export function decodeOms(bytes: Uint8Array, options: OmsDecodeOptions = {}): OmsFrame {
  const { plain: t, withCrc } = stripCrcBlocks(bytes);
  if (t[1] !== C_SND_NR) throw new FrameError(`C-field 0x${t[1].toString(16)} is not SND-NR (0x44)`, "bad_version");
  let at = 10;
  const ell = t[at] === CI_ELL_SHORT;
  if (ell) at += 3;
  if (t[at] !== CI_AFL) {
    throw new FrameError("OMS telegram without authentication layer (AFL): not security mode 7, refused", "unauthenticated");
  }
  if (t.length < at + 15 + 6 || t[at + 1] !== 0x0f) throw new FrameError("AFL too short or of an unsupported length", "too_short");
  const fcl = t[at + 2] | (t[at + 3] << 8);
  const mcl = t[at + 4];
  if (fcl !== AFL_FCL || mcl !== AFL_MCL) {
    throw new FrameError(`AFL FCL 0x${fcl.toString(16)} / MCL 0x${mcl.toString(16)}: only one unfragmented fragment with counter and an 8-byte AES-CMAC is supported`, "bad_suite");
  }
  const mcr = t.subarray(at + 5, at + 9);
  const counter = new DataView(t.buffer, t.byteOffset + at + 5, 4).getUint32(0, true);
  const mac = t.subarray(at + 9, at + 17);
  const tpl = at + 17;
  const long = t[tpl] === CI_TPL_LONG;
  if (!long && !(options.foreign && t[tpl] === CI_TPL_SHORT)) {
    throw new FrameError(`transport layer CI 0x${t[tpl].toString(16)}: activemeter telegrams have the long header 0x72`, "bad_suite");
  }
  // The meter's address: from the long header (authenticated), else from the link layer.
  const address = long ? tpl + 1 : 4;
  const sts = long ? tpl + 10 : tpl + 2; // STS, after ACC
  if (t.length < sts + 5) throw new FrameError("transport header truncated", "too_short");
  const mAt = long ? address + 4 : 2;
  const manufacturer = t[mAt] | (t[mAt + 1] << 8);
  const node = bcdId(t, address);
  if (node < 1) throw new FrameError("identification number 0 is no node");
  const version = t[long ? address + 6 : 8];
  const deviceType = t[long ? address + 7 : 9];
  const ours = manufacturer === OMS_MANUFACTURER;
  if (!options.foreign) {
    if (!ours) throw new FrameError(`manufacturer ${manufacturerCode(manufacturer)} is not activemeter's ZAM`, "bad_suite");
    const same = t[2] === t[address + 4] && t[3] === t[address + 5] && t[8] === version && t[9] === deviceType
      && t.subarray(4, 8).every((b, i) => b === t[address + i]);
    // ELL I: CC 0 (unidirectional, asynchronous), the access number of the transport header.
    if (!same || !ell || t[11] !== 0 || t[12] !== t[sts - 1]) {
      throw new FrameError("link-layer address or ELL differs from the authenticated transport header: altered", "mac_mismatch");
    }
  }
  const cf = t[sts + 1] | (t[sts + 2] << 8);
  const cfe = t[sts + 3];
  if (((cf >> 8) & 0x1f) !== 7 || ((cfe >> 4) & 3) !== 1) throw new FrameError(`security mode ${(cf >> 8) & 0x1f}, KDF ${(cfe >> 4) & 3}: only mode 7 with the OMS KDF is supported`, "bad_suite");
  const encrypted = ((cf >> 4) & 15) * 16;
  const apl = sts + 4;
  if (encrypted === 0 || apl + encrypted !== t.length) throw new FrameError(`${encrypted / 16} encrypted blocks announced, ${(t.length - apl) / 16} present`, "malformed");
  // OMS telegrams name no key version: any of the node's keys (newest first) may have sealed it.
  const keys = options.keys?.keysOf(node) ?? [];
  if (keys.length === 0) throw new FrameError(`no key for node ${node}: add it to the keyring (--keys FILE)`, "unknown_node");
  const id = t.subarray(address, address + 4);
  const macInput = new Uint8Array(5 + t.length - tpl);
  macInput[0] = mcl;
  macInput.set(mcr, 1);
  macInput.set(t.subarray(tpl), 5);
  const master = keys.map((k) => k.suite1()).find((k) => new AesCmac(k.mac(kdfInput(0x01, mcr, id))).verify64(macInput, mac));
  if (!master) {
    throw new FrameError(`MAC mismatch for node ${node}: forged, corrupted, or sealed with another key`, "mac_mismatch");
  }
  const plaintext = aesCbc(master.mac(kdfInput(0x00, mcr, id)), t.subarray(apl), false);
  if (plaintext[0] !== 0x2f || plaintext[1] !== 0x2f) throw new FrameError("decrypted data does not start with 2F 2F");
  const records = parseRecords(plaintext, 2);
  const values = ours ? activemeterValues(deviceType, records) : { registers: {}, instantaneous: {}, status: 0, event_counter: 0 };
  const frame: OmsFrame = {
    version, suite: SUITE_OMS_MODE7, authenticated: true, encrypted: true, node, counter, status: values.status,
    status_flags: statusNames(values.status), event_counter: values.event_counter, registers: values.registers,
    profile: "oms", manufacturer: manufacturerCode(manufacturer), device_type: deviceType, link_crc: withCrc,
    instantaneous: values.instantaneous,
  };
  if (!ours) frame.records = records;
  if ("target" in values && values.target) { frame.target = values.target; frame.target_time = values.target_time; }
  return frame;
}

export interface OmsFields {
  node: number; counter: number; device: "electricity" | "heat";
  /** Channels the board has, 1-based: their records are sent even at zero. */
  channels: { ct?: number[]; pulse?: number[]; heat?: number[] };
  /** Register name -> value in Wh or L (truncated to 0.1). */
  registers: Record<string, number>;
  /** power_w (0.1 W), flow_l_per_h, supply_c / return_c (0.1 °C); absent temperatures are left out. */
  instantaneous?: Record<string, number>;
  status?: number; event_counter?: number;
}

const dib = (code: number, subunit: number): number[] => {
  const out = [code];
  for (let s = subunit; s; s >>= 1) { out[out.length - 1] |= 0x80; out.push((s & 1) << 6); }
  return out;
};
const le = (v: number, n: number): number[] => Array.from({ length: n }, (_, i) => Math.floor(((v % 2 ** (8 * n)) + 2 ** (8 * n)) % 2 ** (8 * n) / 2 ** (8 * i)) & 0xff);

/** Encode an activemeter OMS telegram sealed with `key`; returns both forms. */
export function encodeOms(f: OmsFields, key: Uint8Array): { plain: Uint8Array; withCrc: Uint8Array } {
  const reg = (name: string) => Math.floor((f.registers[name] ?? 0) * 10 + 1e-9);
  const live = f.instantaneous ?? {};
  const apl: number[] = [0x2f, 0x2f];
  const tenths = (v: number, s: number, vif: number[]) => apl.push(...dib(v > 0x7fffffff ? 6 : 4, s), ...vif, ...le(v, v > 0x7fffffff ? 6 : 4));
  const int = (n: number, s: number, vif: number, v: number) => apl.push(...dib(n === 2 ? 2 : 4, s), vif, ...le(Math.trunc(v), n));
  if (f.device === "electricity") {
    for (const n of f.channels.ct ?? []) {
      tenths(reg(`ct${n}.import_wh`), n - 1, [0x02]);
      tenths(reg(`ct${n}.export_wh`), n - 1, [0x82, 0x3c]);
      int(4, n - 1, 0x2a, (live[`ct${n}.power_w`] ?? 0) * 10);
    }
    for (const p of f.channels.pulse ?? []) tenths(reg(`pulse${p}.wh`), 3 + p, [0x02]);
  } else {
    for (const c of f.channels.heat ?? []) {
      tenths(reg(`heat${c}.heat_wh`), c - 1, [0x02]);
      tenths(reg(`heat${c}.cool_wh`), c - 1, [0x82, 0x3c]);
      tenths(reg(`heat${c}.volume_l`), c - 1, [0x12]);
      int(4, c - 1, 0x2a, (live[`heat${c}.power_w`] ?? 0) * 10);
      int(4, c - 1, 0x3b, live[`heat${c}.flow_l_per_h`] ?? 0);
      if (`heat${c}.supply_c` in live) {
        int(2, c - 1, 0x5a, live[`heat${c}.supply_c`] * 10);
        int(2, c - 1, 0x5e, live[`heat${c}.return_c`] * 10);
      }
    }
  }
  apl.push(0x02, 0xfd, 0x17, ...le(f.status ?? 0, 2), 0x04, 0x7f, ...le(f.event_counter ?? 0, 4));
  while (apl.length % 16) apl.push(0x2f);
  const status = f.status ?? 0;
  const sts = (status & 0x50 ? 0x08 : 0) | (status & 0x08 ? 0x10 : 0) | (status & 0x59 ? 0x02 : 0);
  const id = idToBcd(f.node);
  const mcr = new Uint8Array(le(f.counter, 4));
  const master = new AesCmac(key);
  const acc = f.counter & 0xff;
  const deviceType = f.device === "electricity" ? DEVICE_ELECTRICITY : DEVICE_HEAT_COOLING;
  const tpl = new Uint8Array([CI_TPL_LONG, ...id, OMS_MANUFACTURER & 0xff, OMS_MANUFACTURER >> 8, OMS_VERSION, deviceType,
    acc, sts, (apl.length / 16) << 4, 0x07, 0x10,
    ...aesCbc(master.mac(kdfInput(0x00, mcr, id)), new Uint8Array(apl), true)]);
  const mac = new AesCmac(master.mac(kdfInput(0x01, mcr, id))).mac64(new Uint8Array([AFL_MCL, ...mcr, ...tpl]));
  const body = [C_SND_NR, OMS_MANUFACTURER & 0xff, OMS_MANUFACTURER >> 8, ...id, OMS_VERSION,
    deviceType, CI_ELL_SHORT, 0x00, acc,
    CI_AFL, 0x0f, AFL_FCL & 0xff, AFL_FCL >> 8, AFL_MCL, ...mcr, ...mac, ...tpl];
  const plain = new Uint8Array([body.length, ...body]);
  return { plain, withCrc: addCrcBlocks(plain) };
}
