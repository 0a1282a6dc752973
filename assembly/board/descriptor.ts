// The board descriptor: what the board file says, packed by the board shell into
// `boardDescriptorBuffer` before `fw_start`. Layout in docs/board-abi.md ("Board descriptor").
import { ABI_VERSION } from "../abi/version";
import { getI32, setI32 } from "../util/mem";

export const KIND_VOLTAGE: u8 = 1;
export const KIND_CT: u8 = 2;
export const KIND_PULSE: u8 = 3;
export const KIND_HEAT: u8 = 4;
/** Extra records after the channels: a CT's ratio/phase error curve, two points each. */
export const KIND_CT_CURVE: u8 = 5;
/** One record after the channels: the board's digital outputs (relay/SSR), 4 bytes each. */
export const KIND_OUTPUTS: u8 = 6;
export const MAX_OUTPUT_RECORDS: i32 = 4;
/** Output entry flags: bit 0 solid-state relay, bit 7 the output exists. */
export const OUTPUT_SSR: i32 = 1;
const OUTPUT_PRESENT: i32 = 0x80;
/** Most error-curve points per CT. */
export const MAX_CURVE_POINTS: i32 = 6;

export const MAX_CT: i32 = 4;
export const MAX_PULSE: i32 = 4;
export const MAX_HEAT: i32 = 2;

const MAGIC: u32 = 0x44424d41; // "AMBD" little-endian
const HEADER_BYTES: u32 = 36;
const CHANNEL_RECORD_BYTES: u32 = 32;
const PARAMS_PER_CHANNEL: i32 = 7;

// What the descriptor said, kept for the rest of the firmware.
export let defaultNodeId: u32 = 0;
export let defaultReportIntervalS: u32 = 10;
export let adcSampleRateHz: u32 = 0;
export let adcBits: u32 = 0;
export let adcBiasCode: u32 = 0;
export let adcFullScaleMilliV: u32 = 0;
export let flashSectorBytes: u32 = 0;
export let flashSectorCount: u32 = 0;
export let hasVoltage: bool = false;

// Per kind: is channel N present (index N-1), its input and flags, and 7 raw i32 parameters.
const present = memory.data(4 * 16);
const inputs = memory.data(4 * 16);
const flags = memory.data(4 * 16);
const params = memory.data(4 * 16 * 7);
// CT error curves: per CT, MAX_CURVE_POINTS points of (current mA, ratio error ppm, extra lead m°).
const curvePoints = memory.data(4 * MAX_CT * MAX_CURVE_POINTS * 3);
const curveCounts = memory.data(4 * MAX_CT);
// The outputs record's 4 entries: u8 gpio, u8 flags, u8 clamp N, u8 load clamp N (0 none).
const outputEntries = memory.data(4 * MAX_OUTPUT_RECORDS);

@inline function slot(kind: u8, index: i32): i32 {
  return (<i32>kind - 1) * 4 + index;
}

export function channelPresent(kind: u8, index: i32): bool {
  if (index < 0 || index >= 4) return false;
  return getI32(present, slot(kind, index)) != 0;
}
/** The channel's ADC input (voltage, CT) or GPIO (pulse, heat flow). */
export function channelInput(kind: u8, index: i32): i32 {
  return getI32(inputs, slot(kind, index));
}
export function channelFlags(kind: u8, index: i32): i32 {
  return getI32(flags, slot(kind, index));
}
export function channelParam(kind: u8, index: i32, param: i32): i32 {
  return getI32(params, slot(kind, index) * PARAMS_PER_CHANNEL + param);
}

/** Points in ctN's error curve (index N − 1); 0 when it has none. */
export function curvePointCount(index: i32): i32 { return index >= 0 && index < MAX_CT ? getI32(curveCounts, index) : 0; }
/** Point `k` of ctN's curve: field 0 current mA, 1 ratio error ppm, 2 extra phase lead m°. */
export function curvePoint(index: i32, k: i32, field: i32): i32 { return getI32(curvePoints, (index * MAX_CURVE_POINTS + k) * 3 + field); }

function maxChannels(kind: u8): i32 {
  if (kind == KIND_CT) return MAX_CT;
  if (kind == KIND_PULSE) return MAX_PULSE;
  if (kind == KIND_HEAT) return MAX_HEAT;
  return 1;
}

/** Parse `len` bytes at `ptr`; false (and nothing kept) if anything is out of range. */
export function parseDescriptor(ptr: usize, len: u32): bool {
  if (len < HEADER_BYTES) return false;
  if (load<u32>(ptr) != MAGIC) return false;
  if (<u32>load<u16>(ptr, 4) != ABI_VERSION) return false;
  const channelCount = <u32>load<u16>(ptr, 6);
  if (HEADER_BYTES + channelCount * CHANNEL_RECORD_BYTES != len) return false;
  const bits = <u32>load<u16>(ptr, 20);
  if (bits < 8 || bits > 16) return false;

  // Validate every record before keeping any of them: never half-apply a descriptor.
  let outputsSeen = 0;
  for (let c: u32 = 0; c < channelCount; c++) {
    const rec = ptr + HEADER_BYTES + c * CHANNEL_RECORD_BYTES;
    const kind = load<u8>(rec);
    const number = <i32>load<u8>(rec, 1);
    if (kind < KIND_VOLTAGE || kind > KIND_OUTPUTS) return false;
    if (kind == KIND_OUTPUTS) {
      if (outputsSeen++ > 0 || !validOutputs(ptr, channelCount, rec)) return false;
      continue;
    }
    if (kind == KIND_CT_CURVE) {
      if (!validCurveRecord(ptr, channelCount, rec)) return false;
      continue;
    }
    if (number < 1 || number > maxChannels(kind)) return false;
  }
  if (!curvesComplete(ptr, channelCount)) return false;
  memory.fill(present, 0, 4 * 16);
  memory.fill(curveCounts, 0, 4 * MAX_CT);
  memory.fill(outputEntries, 0, 4 * MAX_OUTPUT_RECORDS);
  hasVoltage = false;
  for (let c: u32 = 0; c < channelCount; c++) {
    const rec = ptr + HEADER_BYTES + c * CHANNEL_RECORD_BYTES;
    const kind = load<u8>(rec);
    if (kind == KIND_CT_CURVE) { keepCurveRecord(rec); continue; }
    if (kind == KIND_OUTPUTS) { memory.copy(outputEntries, rec + 4, 4 * MAX_OUTPUT_RECORDS); continue; }
    const s = slot(kind, <i32>load<u8>(rec, 1) - 1);
    setI32(present, s, 1);
    setI32(inputs, s, <i32>load<u8>(rec, 2));
    setI32(flags, s, <i32>load<u8>(rec, 3));
    for (let p = 0; p < PARAMS_PER_CHANNEL; p++) {
      setI32(params, s * PARAMS_PER_CHANNEL + p, load<i32>(rec + 4 + (<usize>p << 2)));
    }
    if (kind == KIND_VOLTAGE) hasVoltage = true;
  }
  defaultNodeId = load<u32>(ptr, 8);
  defaultReportIntervalS = load<u32>(ptr, 12);
  adcSampleRateHz = load<u32>(ptr, 16);
  adcBits = bits;
  adcBiasCode = <u32>load<u16>(ptr, 22);
  adcFullScaleMilliV = load<u32>(ptr, 24);
  flashSectorBytes = load<u32>(ptr, 28);
  flashSectorCount = load<u32>(ptr, 32);
  return true;
}

// ---- CT error curves (kind 5): validated as a whole before anything is kept -------------------------
function curveFirst(rec: usize): i32 { return <i32>load<u8>(rec, 2); }
function curveInRecord(rec: usize): i32 { return <i32>load<u8>(rec, 3); }

/** A curve record names a CT of this descriptor, holds 1–2 points inside the table, positive currents. */
function validCurveRecord(ptr: usize, channelCount: u32, rec: usize): bool {
  const number = <i32>load<u8>(rec, 1);
  const n = curveInRecord(rec);
  if (number < 1 || number > MAX_CT || n < 1 || n > 2 || curveFirst(rec) + n > MAX_CURVE_POINTS) return false;
  if (!ctInDescriptor(ptr, channelCount, number)) return false;
  for (let k = 0; k < n; k++) if (load<i32>(rec + 4 + (<usize>k * 12)) <= 0) return false;
  return true;
}

/** Per CT: the records cover points 0..count-1 exactly once, currents strictly ascending. */
function curvesComplete(ptr: usize, channelCount: u32): bool {
  for (let number = 1; number <= MAX_CT; number++) {
    let count = 0;
    let lastMilliA: i32 = 0;
    // Walk the points in index order: find the record holding point `count`.
    for (let guard = 0; guard <= MAX_CURVE_POINTS; guard++) {
      let found: usize = 0;
      for (let c: u32 = 0; c < channelCount; c++) {
        const rec = ptr + HEADER_BYTES + c * CHANNEL_RECORD_BYTES;
        if (load<u8>(rec) != KIND_CT_CURVE || <i32>load<u8>(rec, 1) != number) continue;
        if (curveFirst(rec) == count) { if (found) return false; found = rec; }
      }
      if (!found) break;
      for (let k = 0; k < curveInRecord(found); k++) {
        const milliA = load<i32>(found + 4 + (<usize>k * 12));
        if (count > 0 && milliA <= lastMilliA) return false;
        lastMilliA = milliA;
        count++;
      }
    }
    // Every record of this CT must have been reached by the walk.
    let declared = 0;
    for (let c: u32 = 0; c < channelCount; c++) {
      const rec = ptr + HEADER_BYTES + c * CHANNEL_RECORD_BYTES;
      if (load<u8>(rec) == KIND_CT_CURVE && <i32>load<u8>(rec, 1) == number) declared += curveInRecord(rec);
    }
    if (declared != count) return false;
  }
  return true;
}

function keepCurveRecord(rec: usize): void {
  const index = <i32>load<u8>(rec, 1) - 1;
  const first = curveFirst(rec);
  const n = curveInRecord(rec);
  for (let k = 0; k < n; k++) {
    for (let f = 0; f < 3; f++) {
      setI32(curvePoints, (index * MAX_CURVE_POINTS + first + k) * 3 + f, load<i32>(rec + 4 + (<usize>(k * 3 + f) << 2)));
    }
  }
  setI32(curveCounts, index, max(getI32(curveCounts, index), first + n));
}

// ---- digital outputs (kind 6) ---------------------------------------------------------------------
/** Output i (0 = out1) exists on this board. */
export function outputDeclared(i: i32): bool { return i >= 0 && i < MAX_OUTPUT_RECORDS && (<i32>load<u8>(outputEntries + (<usize>i << 2), 1) & OUTPUT_PRESENT) != 0; }
/** Field of output i's entry: 0 GPIO, 1 flags, 2 clamp N, 3 load clamp N (0 none). */
export function outputEntry(i: i32, field: i32): i32 { return <i32>load<u8>(outputEntries + (<usize>(i << 2) + field)); }

function ctInDescriptor(ptr: usize, channelCount: u32, number: i32): bool {
  for (let c: u32 = 0; c < channelCount; c++) {
    const rec = ptr + HEADER_BYTES + c * CHANNEL_RECORD_BYTES;
    if (load<u8>(rec) == KIND_CT && <i32>load<u8>(rec, 1) == number) return true;
  }
  return false;
}

/** Each declared output watches a CT of this descriptor, and its load clamp (if any) is another one. */
function validOutputs(ptr: usize, channelCount: u32, rec: usize): bool {
  for (let i = 0; i < MAX_OUTPUT_RECORDS; i++) {
    const e = rec + 4 + (<usize>i << 2);
    const flags = <i32>load<u8>(e, 1);
    if ((flags & OUTPUT_PRESENT) == 0) { if (load<u32>(e) != 0) return false; continue; }
    if ((flags & ~(OUTPUT_PRESENT | OUTPUT_SSR)) != 0) return false;
    const clamp = <i32>load<u8>(e, 2);
    const loadClamp = <i32>load<u8>(e, 3);
    if (!ctInDescriptor(ptr, channelCount, clamp) || loadClamp == clamp) return false;
    if (loadClamp != 0 && !ctInDescriptor(ptr, channelCount, loadClamp)) return false;
  }
  for (let k = 4 + 4 * MAX_OUTPUT_RECORDS; k < <i32>CHANNEL_RECORD_BYTES; k++) if (load<u8>(rec + k) != 0) return false;
  return true;
}
