// Pair-coded tally fields in NOR flash: step k of a field clears bits 2k and 2k+1. Bits only
// ever go from 1 to 0, so a field grows without an erase, and a power cut in the middle of a
// program leaves at most one half-cleared pair, which does not count. A single flipped bit
// anywhere is visible (a lone cleared bit, or cleared bits after the first incomplete pair).
// The layout is in docs/storage.md.
import { boardFlashRead, boardFlashProgram } from "../abi/board";

const scratch = memory.data(64);

/** Result of the last `tallyCount`: true if bits after the count are not all erased. */
export let tallyDamaged: bool = false;

/** Steps recorded in the field of `bytes` bytes at flash `offset`. */
export function tallyCount(offset: u32, bytes: u32): i32 {
  let count = 0;
  let ended = false;
  tallyDamaged = false;
  for (let done: u32 = 0; done < bytes; done += 64) {
    const chunk = min(64, bytes - done);
    boardFlashRead(offset + done, scratch, chunk);
    for (let i: u32 = 0; i < chunk; i++) {
      const b = <u32>load<u8>(scratch + i);
      if (!ended && b == 0) { count += 4; continue; }
      for (let pair: u32 = 0; pair < 4; pair++) {
        const bits = (b >> (pair << 1)) & 3;
        if (!ended) {
          if (bits == 0) { count++; continue; }
          ended = true;
          if (bits != 3) continue; // a half pair at the end: a cut program, not counted
        } else if (bits != 3) {
          tallyDamaged = true;
        }
      }
    }
  }
  return count;
}

/** Capacity in steps of a field of `bytes` bytes. */
@inline export function tallyCapacity(bytes: u32): i32 {
  return <i32>(bytes << 2);
}

/** Record steps `from` .. `from + steps - 1` (the caller checks capacity). */
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
