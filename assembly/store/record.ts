// Records in flash that are written once and never rewritten in place (journal base records,
// commit slots; usable by any store module that programs without erasing). Each record ends in
// an end mark byte 0x00 after its CRC, so a power cut in the middle of its program is told
// apart from damage: a cut program lands a prefix, so its last byte is still erased (0xFF).
import { boardFlashRead } from "../abi/board";
import { crc32 } from "../frame/crc32";

export const RECORD_ERASED: i32 = 0;
export const RECORD_VALID: i32 = 1;
/** Not complete and its last byte still erased: a program cut by power loss (not damage). */
export const RECORD_TORN: i32 = 2;
export const RECORD_DAMAGED: i32 = 3;

/** Classify `len` bytes at `ptr` whose CRC-32 of bytes 0 … crcAt−1 sits at `crcAt`. */
export function recordState(ptr: usize, len: u32, crcAt: u32): i32 {
  if (bytesErased(ptr, len)) return RECORD_ERASED;
  if (crcAt + 4 <= len && load<u32>(ptr + crcAt) == crc32(ptr, crcAt) && load<u8>(ptr + len - 1) != 0xff) return RECORD_VALID;
  return load<u8>(ptr + len - 1) == 0xff ? RECORD_TORN : RECORD_DAMAGED;
}

/** Seal a record built at `ptr`: CRC at `crcAt`, every byte after it (end mark included) 0x00. */
export function recordSeal(ptr: usize, len: u32, crcAt: u32): void {
  store<u32>(ptr + crcAt, crc32(ptr, crcAt));
  memory.fill(ptr + crcAt + 4, 0, len - crcAt - 4);
}

export function bytesErased(ptr: usize, len: u32): bool {
  let i: u32 = 0;
  for (; i + 8 <= len; i += 8) if (load<u64>(ptr + i) != u64.MAX_VALUE) return false;
  for (; i < len; i++) if (load<u8>(ptr + i) != 0xff) return false;
  return true;
}

const probe = memory.data(64, 8);

/** True if `len` bytes of flash at `offset` are erased (programming there needs no erase). */
export function flashErased(offset: u32, len: u32): bool {
  for (let done: u32 = 0; done < len; done += 64) {
    const chunk = min<u32>(64, len - done);
    boardFlashRead(offset + done, probe, chunk);
    if (!bytesErased(probe, chunk)) return false;
  }
  return true;
}
