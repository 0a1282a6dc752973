// OMS telegrams (docs/frames.md, "OMS profile"): EN 13757-4 frame format A with SND-NR, the
// extended link layer ELL I, the authentication and fragmentation layer (AFL) with message
// counter and MAC, the long transport header of security mode 7, and the encrypted records.
// Built without CRCs in a work buffer, then sent with the link-layer CRC blocks (on-air form).
import { crc16En13757 } from "./crc16";
import { writeRecords, kindPresent, KIND_ELECTRICITY, KIND_HEAT } from "./records";
import { omsSeal } from "./security";
import { STATUS_SENSOR_FAULT, STATUS_STORE_CORRUPT, STATUS_CT_FAULT, STATUS_INPUT_REJECTED } from "../status";

/** Manufacturer "ZAM" ((26 << 10) | (1 << 5) | 13): not FLAG-assigned to activemeter, see docs/frames.md. */
export const OMS_MANUFACTURER: u32 = 0x682d;
/** Version byte of the A-field: the layout of this profile. */
export const OMS_VERSION: u32 = 0x01;
export const DEVICE_ELECTRICITY: u32 = 0x02;
export const DEVICE_HEAT_COOLING: u32 = 0x0d;

// Offsets in the telegram without CRCs.
const ID_AT: u32 = 4;
const TYPE_AT: u32 = 9;
const ACC_AT: u32 = 12; // ELL access number
const MCR_AT: u32 = 18;
const MAC_AT: u32 = 22;
const TPL_AT: u32 = 30;
const APL_AT: u32 = 44;
const FIRST_BLOCK: u32 = 10;

/**
 * Bytes 0..43 of every telegram; the zeros are filled in per message (L, identification number,
 * device type, access numbers, MCR, MAC, STS, N). docs/frames.md, "Telegram layout".
 */
const TEMPLATE = memory.data<u8>([
  0, 0x44, 0x2d, 0x68, 0, 0, 0, 0, 0x01, 0, // L, C = SND-NR, M = "ZAM", ID, version, device type
  0x8c, 0x00, 0, // ELL I: CI, CC (unidirectional, not synchronised), ACC
  0x90, 0x0f, 0x00, 0x2c, 0x25, 0, 0, 0, 0, // AFL: CI, AFL.L, FCL 0x2C00 (MCL, MCR, MAC; one fragment), MCL (counter, AT 5 = CMAC-8), MCR
  0, 0, 0, 0, 0, 0, 0, 0, // MAC
  0x72, 0, 0, 0, 0, 0x2d, 0x68, 0x01, 0, // TPL long header (the address inside the MAC): CI, ID, M, version, device type
  0, 0, 0, 0x07, 0x10, // ACC, STS, CF (N blocks << 4, mode 7), CFE (KDF selection 1, key 0)
]);

const work = memory.data(288, 16);
/** The telegram with its CRC blocks, as the radio sends it. */
export const omsBuffer: usize = memory.data(320, 8);

/** Telegrams per report on this board: electricity (CT, pulse) and heat/cooling, whichever it has. */
export function omsTelegramCount(): u32 {
  return (kindPresent(KIND_ELECTRICITY) ? 1 : 0) + (kindPresent(KIND_HEAT) ? 1 : 0);
}

/** TPL status byte (EN 13757-3): application error, permanent and temporary error bits. */
function statusByte(status: u32): u32 {
  let sts: u32 = 0;
  if ((status & (STATUS_STORE_CORRUPT | STATUS_CT_FAULT)) != 0) sts |= 0x08;
  if ((status & STATUS_SENSOR_FAULT) != 0) sts |= 0x10;
  if ((status & (STATUS_STORE_CORRUPT | STATUS_CT_FAULT | STATUS_SENSOR_FAULT | STATUS_INPUT_REJECTED)) != 0) sts |= 0x02;
  return sts;
}

/**
 * Encode telegram `index` (0 .. omsTelegramCount()-1) with message counter `counter` into
 * omsBuffer, sealed with the loaded key (caller checks there is one); returns its length.
 */
export function omsEncode(index: u32, nodeId: u32, counter: u32, status: u32, eventCounter: u32): u32 {
  const kind = index == 0 && kindPresent(KIND_ELECTRICITY) ? KIND_ELECTRICITY : KIND_HEAT;
  const end = APL_AT + writeRecords(kind, work + APL_AT, status, eventCounter);
  memory.copy(work, TEMPLATE, APL_AT);
  store<u8>(work, <u8>(end - 1)); // L: every byte after it, CRCs not counted
  let id = nodeId;
  for (let i: usize = 0; i < 4; i++) {
    const low = id % 10;
    id /= 10;
    store<u8>(work + ID_AT + i, <u8>(((id % 10) << 4) | low));
    id /= 10;
  }
  const deviceType = <u8>(kind == KIND_ELECTRICITY ? DEVICE_ELECTRICITY : DEVICE_HEAT_COOLING);
  const access = <u8>counter;
  store<u8>(work + TYPE_AT, deviceType);
  store<u8>(work + ACC_AT, access);
  store<u32>(work + MCR_AT, counter, 0, 1);
  memory.copy(work + TPL_AT + 1, work + ID_AT, 4);
  store<u8>(work + TPL_AT + 8, deviceType);
  store<u8>(work + TPL_AT + 9, access);
  store<u8>(work + TPL_AT + 10, <u8>statusByte(status));
  store<u8>(work + TPL_AT + 11, <u8>(((end - APL_AT) >> 4) << 4)); // N encrypted blocks
  omsSeal(work, MAC_AT, TPL_AT, APL_AT, end, counter, work + TPL_AT + 1);
  // Frame format A: the first block is 10 bytes, the others 16 (the last one shorter), each
  // followed by its CRC, most significant byte first.
  let out: u32 = 0;
  for (let from: u32 = 0; from < end;) {
    const size = from == 0 ? FIRST_BLOCK : end - from < 16 ? end - from : 16;
    memory.copy(omsBuffer + out, work + from, size);
    const crc = crc16En13757(work + from, size);
    store<u8>(omsBuffer + out + size, <u8>(crc >> 8));
    store<u8>(omsBuffer + out + size + 1, <u8>crc);
    out += size + 2;
    from += size;
  }
  return out;
}
