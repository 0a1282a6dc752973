// CRC-16/EN-13757 of the wireless M-Bus frame format A blocks: polynomial 0x3D65, initial value
// 0, not reflected, final XOR 0xFFFF (check value of ASCII "123456789": 0xC2B7). Bitwise, no
// table: at most 16 blocks a telegram, so 256 bytes of table would cost more than the time saved.
export function crc16En13757(ptr: usize, len: u32): u32 {
  let crc: u32 = 0;
  for (let i: usize = 0; i < <usize>len; i++) {
    crc ^= <u32>load<u8>(ptr + i) << 8;
    for (let b = 0; b < 8; b++) crc = (crc & 0x8000) != 0 ? ((crc << 1) ^ 0x3d65) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc ^ 0xffff;
}
