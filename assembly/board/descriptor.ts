// The board descriptor: what the board file says, packed by the board shell into
// `boardDescriptorBuffer` before `fw_start`. Layout in docs/board-abi.md ("Board descriptor").
import { ABI_VERSION } from "../abi/version";
import { getI32, setI32 } from "../util/mem";

export const KIND_VOLTAGE: u8 = 1;
export const KIND_CT: u8 = 2;
export const KIND_PULSE: u8 = 3;
export const KIND_HEAT: u8 = 4;

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
  for (let c: u32 = 0; c < channelCount; c++) {
    const rec = ptr + HEADER_BYTES + c * CHANNEL_RECORD_BYTES;
    const kind = load<u8>(rec);
    const number = <i32>load<u8>(rec, 1);
    if (kind < KIND_VOLTAGE || kind > KIND_HEAT) return false;
    if (number < 1 || number > maxChannels(kind)) return false;
  }
  memory.fill(present, 0, 4 * 16);
  hasVoltage = false;
  for (let c: u32 = 0; c < channelCount; c++) {
    const rec = ptr + HEADER_BYTES + c * CHANNEL_RECORD_BYTES;
    const kind = load<u8>(rec);
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
