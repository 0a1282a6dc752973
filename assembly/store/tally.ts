// Pair-coded tally fields in NOR flash: step k of a field clears bits 2k and 2k+1. Bits only
// ever go from 1 to 0, so a field grows without an erase. A power cut in the middle of a program
// lands a prefix of its bytes and part of the byte at the cut, so a torn field reads as: whole
// pairs, then one byte with any bits, then erased bytes. Anything else (cleared bits in a later
// byte) is damage. Every field exists three times (journal.ts); the layout is in docs/storage.md.
import { boardFlashRead, boardFlashProgram } from "../abi/board";

const scratch = memory.data(64);

/** Result of the last `tallyCount`: true if the field is not a (possibly torn) tally. */
export let tallyDamaged: bool = false;

/** Steps recorded in the field of `bytes` bytes at flash `offset` (leading whole pairs). */
export function tallyCount(offset: u32, bytes: u32): i32 {
  let count = 0;
  let endByte: i32 = -1; // the byte where the count ended: any bits allowed there (a torn program)
  tallyDamaged = false;
  let index: i32 = 0;
  for (let done: u32 = 0; done < bytes; done += 64) {
    const chunk = min(64, bytes - done);
    boardFlashRead(offset + done, scratch, chunk);
    for (let i: u32 = 0; i < chunk; i++, index++) {
      const b = <u32>load<u8>(scratch + i);
      if (endByte >= 0) {
        if (b != 0xff) tallyDamaged = true;
        continue;
      }
      if (b == 0) { count += 4; continue; }
      for (let pair: u32 = 0; pair < 4; pair++) {
        if (((b >> (pair << 1)) & 3) != 0) break;
        count++;
      }
      endByte = index;
    }
  }
  return count;
}

/** Capacity in steps of a field of `bytes` bytes. */
@inline export function tallyCapacity(bytes: u32): i32 {
  return <i32>(bytes << 2);
}

/** Record steps `from` .. `from + steps - 1` (the caller checks capacity); at most 64 bytes. */
export function tallyAdvance(offset: u32, from: i32, steps: i32): bool {
  const firstByte = <u32>(from >> 2);
  const lastByte = <u32>((from + steps - 1) >> 2);
  const len = lastByte - firstByte + 1;
  if (len > 64) return false;
  for (let i: u32 = 0; i < len; i++) {
    let b: u32 = 0xff;
    for (let pair: u32 = 0; pair < 4; pair++) {
      const step = <i32>(((firstByte + i) << 2) + pair);
      // Clear every pair up to the new end, so a half pair left by a cut is completed too.
      if (step < from + steps) b &= ~(<u32>3 << (pair << 1));
    }
    store<u8>(scratch + i, <u8>b);
  }
  return boardFlashProgram(offset + firstByte, scratch, len) == 0;
}
