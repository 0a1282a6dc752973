// The application layer of OMS telegrams (EN 13757-3 data records): DIF [DIFE..] VIF [VIFE]
// value, little-endian. One telegram per meter kind: electricity (CT and pulse channels) and
// heat/cooling (every heat circuit); channels are told apart by the subunit. Values in the
// native frame's units (0.1 Wh, 0.1 L) so both profiles read the same. docs/frames.md.
import { frameValue } from "../frame/encoder";
import { registerExists, registerValue, registerDecimals } from "../registers";
import { targetUtcS, billingTargetValue } from "../billing/billing";
import { tzLocalS } from "../clock/tz";
import { civilFromDays, civilYear, civilMonth, civilDay, floorDiv } from "../clock/civil";
import { heatSupplyMilliC, heatReturnMilliC, heatReadingValid, heatFlowMilliLPerH } from "../heat/meter";
import { boardTimeUs } from "../abi/board";
import { MAX_CT, MAX_PULSE, MAX_HEAT } from "../board/descriptor";

export const KIND_ELECTRICITY: u32 = 0;
export const KIND_HEAT: u32 = 1;
/** Pulse input p is subunit 4 + p (CT clamp n is subunit n). */
export const PULSE_SUBUNIT_FIRST: u32 = 4;

// DIF data field codes (integer, little-endian).
const DATA_16: u32 = 0x02;
const DATA_32: u32 = 0x04;
const DATA_48: u32 = 0x06;
// VIF codes of EN 13757-3 (primary table) and the extensions used.
const VIF_ENERGY_TENTH_WH: u32 = 0x02; // 10^-1 Wh
const VIF_VOLUME_TENTH_L: u32 = 0x12; // 10^-4 m³
const VIF_POWER_TENTH_W: u32 = 0x2a; // 10^-1 W
const VIF_FLOW_L_PER_H: u32 = 0x3b; // 10^-3 m³/h
const VIF_FLOW_TEMP_TENTH_C: u32 = 0x5a;
const VIF_RETURN_TEMP_TENTH_C: u32 = 0x5e;
const VIF_MANUFACTURER: u32 = 0x7f; // event counter (activemeter's meaning)
const VIF_EXTENSION_FD: u32 = 0xfd;
const FD_ERROR_FLAGS: u32 = 0x17;
const VIFE_NEGATIVE_CONTRIBUTIONS: u32 = 0x3c; // export energy, cooling energy
const FILL: u8 = 0x2f;

let at: usize = 0;

/** DIF with the storage number's low bit, then DIFEs until storage and subunit are written. */
function header(dataCode: u32, storage: u32, subunit: u32): void {
  let last = at;
  store<u8>(at++, dataCode | ((storage & 1) << 6));
  let s = storage >> 1;
  let u = subunit;
  while (s != 0 || u != 0) {
    store<u8>(last, load<u8>(last) | 0x80);
    last = at;
    store<u8>(at++, ((u & 1) << 6) | (s & 15));
    s >>= 4;
    u >>= 1;
  }
}

function bytes(v: i64, count: i32): void {
  for (let i = 0; i < count; i++) store<u8>(at++, <u8>(v >> (i << 3)));
}

/** A register in 0.1 units (the native frame value); 48-bit when it outgrows 32 bits. */
function tenths(id: i32, subunit: u32, vif: u32, negative: bool): void {
  const v = frameValue(id);
  const wide = v > 0x7fff_ffff; // type B integers are signed: 32 bits hold 214 MWh
  header(wide ? DATA_48 : DATA_32, 0, subunit);
  store<u8>(at++, negative ? vif | 0x80 : vif);
  if (negative) store<u8>(at++, VIFE_NEGATIVE_CONTRIBUTIONS);
  bytes(<i64>v, wide ? 6 : 4);
}

function signed(dataCode: u32, subunit: u32, vif: u32, v: i64): void {
  header(dataCode, 0, subunit);
  store<u8>(at++, vif);
  bytes(v, dataCode == DATA_16 ? 2 : 4);
}

function clamp32(v: i64): i64 { return v > 0x7fff_ffff ? 0x7fff_ffff : v < -0x8000_0000 ? -0x8000_0000 : v; }

export function kindPresent(kind: u32): bool {
  if (kind == KIND_HEAT) return registerExists(12) || registerExists(15);
  for (let id = 0; id < 12; id++) if (registerExists(id)) return true;
  return false;
}

const VIF_DATE_TIME: u32 = 0x6d; // type F date and time

/** A target-date register in 0.1 units, storage number 1. */
function target(id: i32, subunit: u32, vif: u32, negative: bool): void {
  if (!registerExists(id)) return;
  let v = billingTargetValue(id);
  for (let d = registerDecimals(id); d > 1; d--) v /= 10;
  const wide = v > 0x7fff_ffff;
  header(wide ? DATA_48 : DATA_32, 1, subunit);
  store<u8>(at++, negative ? vif | 0x80 : vif);
  if (negative) store<u8>(at++, VIFE_NEGATIVE_CONTRIBUTIONS);
  bytes(v < 0 ? 0 : v, wide ? 6 : 4);
}

/**
 * Billing-date values (storage number 1, docs/billing.md): the date and time of the last
 * billing date (local, type F) and every cumulative register of the telegram at that moment.
 * Nothing before the first billing date.
 */
function billingRecords(kind: u32): void {
  if (targetUtcS <= 0) return;
  const local = tzLocalS(targetUtcS);
  civilFromDays(floorDiv(local, 86400));
  const sec = local - floorDiv(local, 86400) * 86400;
  const year = civilYear - 2000;
  header(DATA_32, 1, 0);
  store<u8>(at++, VIF_DATE_TIME);
  bytes(<i64>(sec / 60 % 60) | <i64>(sec / 3600) << 8 | (<i64>civilDay | (year & 7) << 5) << 16 | (<i64>civilMonth | (year >> 3) << 4) << 24, 4);
  if (kind == KIND_ELECTRICITY) {
    for (let n = 0; n < MAX_CT; n++) {
      target(2 * n, <u32>n, VIF_ENERGY_TENTH_WH, false);
      target(2 * n + 1, <u32>n, VIF_ENERGY_TENTH_WH, true);
    }
    for (let p = 0; p < MAX_PULSE; p++) target(8 + p, PULSE_SUBUNIT_FIRST + <u32>p, VIF_ENERGY_TENTH_WH, false);
  } else {
    for (let c = 0; c < MAX_HEAT; c++) {
      target(12 + 3 * c, <u32>c, VIF_ENERGY_TENTH_WH, false);
      target(13 + 3 * c, <u32>c, VIF_ENERGY_TENTH_WH, true);
      target(14 + 3 * c, <u32>c, VIF_VOLUME_TENTH_L, false);
    }
  }
}

/** Write the records of a telegram of `kind` at `ptr` (after 2F 2F), padded with 2F to whole blocks; returns the length. */
export function writeRecords(kind: u32, ptr: usize, status: u32, eventCounter: u32): u32 {
  at = ptr;
  store<u8>(at++, FILL);
  store<u8>(at++, FILL);
  const now = boardTimeUs();
  if (kind == KIND_ELECTRICITY) {
    for (let n = 0; n < MAX_CT; n++) {
      if (!registerExists(2 * n)) continue;
      tenths(2 * n, <u32>n, VIF_ENERGY_TENTH_WH, false);
      tenths(2 * n + 1, <u32>n, VIF_ENERGY_TENTH_WH, true);
      signed(DATA_32, <u32>n, VIF_POWER_TENTH_W, clamp32(registerValue(26 + n) / 100));
    }
    for (let p = 0; p < MAX_PULSE; p++) {
      if (registerExists(8 + p)) tenths(8 + p, PULSE_SUBUNIT_FIRST + <u32>p, VIF_ENERGY_TENTH_WH, false);
    }
  } else {
    for (let c = 0; c < MAX_HEAT; c++) {
      const first = 12 + 3 * c;
      if (!registerExists(first)) continue;
      tenths(first, <u32>c, VIF_ENERGY_TENTH_WH, false);
      tenths(first + 1, <u32>c, VIF_ENERGY_TENTH_WH, true);
      tenths(first + 2, <u32>c, VIF_VOLUME_TENTH_L, false);
      signed(DATA_32, <u32>c, VIF_POWER_TENTH_W, clamp32(registerValue(30 + c) / 100));
      signed(DATA_32, <u32>c, VIF_FLOW_L_PER_H, clamp32(heatFlowMilliLPerH(c, now) / 1000));
      if (heatReadingValid(c)) {
        signed(DATA_16, <u32>c, VIF_FLOW_TEMP_TENTH_C, heatSupplyMilliC(c) / 100);
        signed(DATA_16, <u32>c, VIF_RETURN_TEMP_TENTH_C, heatReturnMilliC(c) / 100);
      }
    }
  }
  billingRecords(kind);
  header(DATA_16, 0, 0);
  store<u8>(at++, VIF_EXTENSION_FD);
  store<u8>(at++, FD_ERROR_FLAGS);
  bytes(status, 2);
  signed(DATA_32, 0, VIF_MANUFACTURER, eventCounter);
  while (((at - ptr) & 15) != 0) store<u8>(at++, FILL);
  return <u32>(at - ptr);
}
