// EN 13757-3 data records: DIF [DIFE…] VIF [VIFE…] value. A general parser (integers type B,
// BCD, idle filler 0x2F, manufacturer data 0x0F/0x1F) and the activemeter mapping of records to
// register names (docs/frames.md, OMS profile). Pure, no I/O.
import { FrameError } from "../frame/codec.js";

export interface DataRecord {
  storage: number; tariff: number; subunit: number; function: number;
  /** VIF and VIFE bytes as sent (extension bits included). */
  vif: number[];
  /** Integer value (signed for binary, unsigned for BCD); null for data this parser does not read. */
  value: number | null;
  dataCode: number;
}

const BINARY_BYTES: Record<number, number> = { 0: 0, 1: 1, 2: 2, 3: 3, 4: 4, 6: 6, 7: 8 };
const BCD_BYTES: Record<number, number> = { 9: 1, 10: 2, 11: 3, 12: 4, 14: 6 };
const FIXED_BYTES: Record<number, number> = { 5: 4 };

function binary(bytes: Uint8Array, at: number, n: number): number {
  let v = 0;
  for (let i = n - 1; i >= 0; i--) v = v * 256 + bytes[at + i];
  if (n > 0 && bytes[at + n - 1] & 0x80) v -= 2 ** (8 * n); // type B: two's complement
  return v;
}

function bcd(bytes: Uint8Array, at: number, n: number): number {
  let v = 0;
  for (let i = n - 1; i >= 0; i--) {
    const b = bytes[at + i];
    if ((b >> 4) > 9 || (b & 15) > 9) throw new FrameError("BCD value with a non-decimal digit");
    v = v * 100 + (b >> 4) * 10 + (b & 15);
  }
  return v;
}

/** Parse the records of a decrypted application layer (after the 2F 2F check bytes). */
export function parseRecords(apl: Uint8Array, from: number): DataRecord[] {
  const records: DataRecord[] = [];
  let at = from;
  const need = (n: number, what: string) => {
    if (at + n > apl.length) throw new FrameError(`record truncated in its ${what}`);
  };
  while (at < apl.length) {
    const dif = apl[at++];
    if (dif === 0x2f) continue; // idle filler
    if (dif === 0x0f || dif === 0x1f) break; // manufacturer-specific data to the end
    let storage = (dif >> 6) & 1;
    let tariff = 0;
    let subunit = 0;
    let ext = dif & 0x80;
    for (let k = 0; ext; k++) {
      need(1, "DIFE");
      if (k >= 10) throw new FrameError("more than 10 DIFEs");
      const dife = apl[at++];
      storage += (dife & 15) * 2 ** (1 + 4 * k);
      tariff += ((dife >> 4) & 3) * 2 ** (2 * k);
      subunit += ((dife >> 6) & 1) * 2 ** k;
      ext = dife & 0x80;
    }
    need(1, "VIF");
    const vif: number[] = [apl[at++]];
    // 0xFB / 0xFD: the code is in the next byte; every byte with bit 7 set has a VIFE after it.
    while (vif[vif.length - 1] & 0x80) {
      need(1, "VIFE");
      if (vif.length > 11) throw new FrameError("more than 10 VIFEs");
      vif.push(apl[at++]);
    }
    const code = dif & 15;
    let value: number | null = null;
    if (code in BINARY_BYTES) {
      need(BINARY_BYTES[code], "value");
      value = binary(apl, at, BINARY_BYTES[code]);
      at += BINARY_BYTES[code];
    } else if (code in BCD_BYTES) {
      need(BCD_BYTES[code], "value");
      value = bcd(apl, at, BCD_BYTES[code]);
      at += BCD_BYTES[code];
    } else if (code in FIXED_BYTES) {
      need(FIXED_BYTES[code], "value");
      at += FIXED_BYTES[code];
    } else {
      throw new FrameError(`data field 0x${code.toString(16)} not supported by this decoder`);
    }
    records.push({ storage, tariff, subunit, function: (dif >> 4) & 3, vif, value, dataCode: code });
  }
  return records;
}

export const DEVICE_ELECTRICITY = 0x02;
export const DEVICE_HEAT_COOLING = 0x0d;
export const PULSE_SUBUNIT_FIRST = 4;

export interface ActivemeterValues {
  registers: Record<string, number>;
  /** Storage number 1: the values at the last billing date (docs/billing.md), when it has one. */
  target?: Record<string, number>;
  /** Storage number 1: the billing date, local time as the meter's rule gives it ("2026-05-01T00:00"). */
  target_time?: string;
  instantaneous: Record<string, number>;
  status: number;
  event_counter: number;
}

const key = (vif: number[]) => vif.map((b) => b.toString(16).padStart(2, "0")).join("");

/** A storage-number-1 record: the billing date (type F date and time) or a register at it. */
function billingRecord(out: ActivemeterValues, deviceType: number, r: DataRecord): void {
  const k = key(r.vif);
  const v = r.value!;
  const s = r.subunit;
  if (k === "6d" && r.dataCode === 4 && s === 0) {
    if (out.target_time !== undefined) throw new FrameError("two billing dates");
    const b = [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
    const year = 2000 + (((b[2] & 0xe0) >> 5) | ((b[3] & 0xf0) >> 1));
    const p2 = (n: number) => String(n).padStart(2, "0");
    out.target_time = `${year}-${p2(b[3] & 0x0f)}-${p2(b[2] & 0x1f)}T${p2(b[1] & 0x1f)}:${p2(b[0] & 0x3f)}`;
    return;
  }
  if (!(r.dataCode === 4 || r.dataCode === 6) || v < 0) throw new FrameError(`billing-date record VIF ${k} subunit ${s} is not part of the activemeter OMS profile`);
  let name: string | undefined;
  if (deviceType === DEVICE_ELECTRICITY) {
    if (k === "02" && s < 4) name = `ct${s + 1}.import_wh`;
    else if (k === "02" && s >= PULSE_SUBUNIT_FIRST && s < 8) name = `pulse${s - 3}.wh`;
    else if (k === "823c" && s < 4) name = `ct${s + 1}.export_wh`;
  } else if (deviceType === DEVICE_HEAT_COOLING && s < 2) {
    name = k === "02" ? `heat${s + 1}.heat_wh` : k === "823c" ? `heat${s + 1}.cool_wh` : k === "12" ? `heat${s + 1}.volume_l` : undefined;
  }
  if (!name) throw new FrameError(`billing-date record VIF ${k} subunit ${s} is not part of the activemeter OMS profile`);
  out.target ??= {};
  if (name in out.target) throw new FrameError(`billing-date record ${name} appears twice`);
  out.target[name] = v / 10;
}

/** Map the records of an activemeter telegram to register names; anything unexpected is an error. */
export function activemeterValues(deviceType: number, records: DataRecord[]): ActivemeterValues {
  const out: ActivemeterValues = { registers: {}, instantaneous: {}, status: -1, event_counter: -1 };
  const put = (table: Record<string, number>, name: string, value: number) => {
    if (name in table) throw new FrameError(`record ${name} appears twice`);
    table[name] = value;
  };
  for (const r of records) {
    if (r.storage === 1 && r.function === 0 && r.tariff === 0 && r.value !== null) { billingRecord(out, deviceType, r); continue; }
    if (r.function !== 0 || r.tariff !== 0 || r.storage !== 0 || r.value === null) throw new FrameError("record with storage, tariff or function this profile does not send");
    const s = r.subunit;
    const v = r.value;
    const k = key(r.vif);
    if (k === "fd17" && s === 0 && r.dataCode === 2) { if (out.status >= 0) throw new FrameError("two error-flag records"); out.status = v & 0xffff; continue; }
    if (k === "7f" && s === 0 && r.dataCode === 4) { if (out.event_counter >= 0) throw new FrameError("two event counters"); out.event_counter = v >>> 0; continue; }
    const cumulative = r.dataCode === 4 || r.dataCode === 6;
    if (deviceType === DEVICE_ELECTRICITY) {
      if (k === "02" && cumulative && s < 4) { if (v < 0) throw new FrameError("negative energy"); put(out.registers, `ct${s + 1}.import_wh`, v / 10); continue; }
      if (k === "02" && cumulative && s >= PULSE_SUBUNIT_FIRST && s < 8) { if (v < 0) throw new FrameError("negative energy"); put(out.registers, `pulse${s - 3}.wh`, v / 10); continue; }
      if (k === "823c" && cumulative && s < 4) { if (v < 0) throw new FrameError("negative energy"); put(out.registers, `ct${s + 1}.export_wh`, v / 10); continue; }
      if (k === "2a" && r.dataCode === 4 && s < 4) { put(out.instantaneous, `ct${s + 1}.power_w`, v / 10); continue; }
    } else if (deviceType === DEVICE_HEAT_COOLING && s < 2) {
      const c = `heat${s + 1}`;
      if (cumulative && (k === "02" || k === "823c" || k === "12")) {
        if (v < 0) throw new FrameError("negative cumulative value");
        put(out.registers, `${c}.${k === "02" ? "heat_wh" : k === "12" ? "volume_l" : "cool_wh"}`, v / 10);
        continue;
      }
      if (k === "2a" && r.dataCode === 4) { put(out.instantaneous, `${c}.power_w`, v / 10); continue; }
      if (k === "3b" && r.dataCode === 4) { put(out.instantaneous, `${c}.flow_l_per_h`, v); continue; }
      if (k === "5a" && r.dataCode === 2) { put(out.instantaneous, `${c}.supply_c`, v / 10); continue; }
      if (k === "5e" && r.dataCode === 2) { put(out.instantaneous, `${c}.return_c`, v / 10); continue; }
    }
    throw new FrameError(`record VIF ${k} subunit ${s} is not part of the activemeter OMS profile`);
  }
  if (out.status < 0 || out.event_counter < 0) throw new FrameError("telegram lacks its error-flag or event-counter record");
  return out;
}
