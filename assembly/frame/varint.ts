// Unsigned LEB128: 7 bits a byte, low group first, high bit = more bytes follow.

/** Write `value` at `out`; returns the number of bytes written (1..10). */
export function writeVarint(out: usize, value: u64): u32 {
  let n: u32 = 0;
  while (value >= 0x80) {
    store<u8>(out + n++, <u8>(value & 0x7f) | 0x80);
    value >>= 7;
  }
  store<u8>(out + n++, <u8>value);
  return n;
}
