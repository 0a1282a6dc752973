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

const C_SND_NR: u32 = 0x44;
const CI_ELL_SHORT: u32 = 0x8c;
const CI_AFL: u32 = 0x90;
const CI_TPL_LONG: u32 = 0x72; // the long header repeats the address inside the MAC: the link layer is not authenticated
const AFL_LENGTH: u32 = 0x0f; // FCL 2 + MCL 1 + MCR 4 + MAC 8
const AFL_FCL: u32 = 0x2c00; // MCL, MCR and MAC present, last (only) fragment
const AFL_MCL: u32 = 0x25; // message counter present, AT = 5: AES-CMAC-128 truncated to 8 bytes
const CFE_KDF_A: u32 = 0x10; // KDF selection 1 (the OMS AES-CMAC KDF), key id 0
const MODE_7: u32 = 7;
// Offsets in the telegram without CRCs.
const ID_AT: u32 = 4;
const MAC_AT: u32 = 22;
const TPL_AT: u32 = 30;
const APL_AT: u32 = 44;
const FIRST_BLOCK: u32 = 10;

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
  store<u8>(work, <u8>(end - 1)); // L: every byte after it, CRCs not counted
  store<u8>(work + 1, <u8>C_SND_NR);
  store<u16>(work + 2, <u16>OMS_MANUFACTURER);
  let id = nodeId;
  for (let i: usize = 0; i < 4; i++) {
    const low = id % 10;
    id /= 10;
    store<u8>(work + ID_AT + i, <u8>(((id % 10) << 4) | low));
    id /= 10;
  }
  store<u8>(work + 8, <u8>OMS_VERSION);
  store<u8>(work + 9, <u8>(kind == KIND_ELECTRICITY ? DEVICE_ELECTRICITY : DEVICE_HEAT_COOLING));
  const access = <u8>counter;
  store<u8>(work + 10, <u8>CI_ELL_SHORT);
  store<u8>(work + 11, 0); // CC: unidirectional, not synchronous
  store<u8>(work + 12, access);
  store<u8>(work + 13, <u8>CI_AFL);
  store<u8>(work + 14, <u8>AFL_LENGTH);
  store<u16>(work + 15, <u16>AFL_FCL, 0, 1);
  store<u8>(work + 17, <u8>AFL_MCL);
  store<u32>(work + 18, counter, 0, 1);
  store<u8>(work + TPL_AT, <u8>CI_TPL_LONG);
  memory.copy(work + TPL_AT + 1, work + ID_AT, 4); // identification number, manufacturer
  store<u16>(work + TPL_AT + 5, <u16>OMS_MANUFACTURER);
  memory.copy(work + TPL_AT + 7, work + 8, 2); // version, device type
  store<u8>(work + TPL_AT + 9, access);
  store<u8>(work + TPL_AT + 10, <u8>statusByte(status));
  store<u8>(work + TPL_AT + 11, <u8>(((end - APL_AT) >> 4) << 4)); // N encrypted blocks
  store<u8>(work + TPL_AT + 12, <u8>MODE_7);
  store<u8>(work + TPL_AT + 13, <u8>CFE_KDF_A);
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
