// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320, init and final XOR 0xFFFFFFFF):
// the check value of "123456789" is 0xCBF43926. Bitwise, no table: frames are short and
// rare, and the 1 KiB table would cost RAM on the smallest boards.
export function crc32(ptr: usize, len: u32): u32 {
  let crc: u32 = 0xffffffff;
  for (let i: u32 = 0; i < len; i++) {
    crc ^= <u32>load<u8>(ptr + i);
    for (let bit = 0; bit < 8; bit++) {
      crc = (crc >>> 1) ^ (0xedb88320 & (0 - (crc & 1)));
    }
  }
  return ~crc;
}
