// AES-128 in counter mode (NIST SP 800-38A 6.5) with the active key slot: the keystream is the
// encryption of successive counter blocks, XORed onto the data in place, so encrypting and
// decrypting are one function. The counter block is incremented as a 128-bit big-endian
// number; frames use at most 16 blocks per nonce. Allocation-free; the keystream is wiped.
import { aesEncryptBlock, AES_BLOCK_BYTES } from "./aes128";

const counterBlock = memory.data(16, 16);
const keystream = memory.data(16, 16);

/** XOR `len` bytes at `dataPtr` with the keystream from the 16-byte initial counter block at `noncePtr`. */
export function aesCtrXor(noncePtr: usize, dataPtr: usize, len: u32): void {
  memory.copy(counterBlock, noncePtr, 16);
  for (let offset: u32 = 0; offset < len; offset += AES_BLOCK_BYTES) {
    aesEncryptBlock(counterBlock, keystream);
    const n = len - offset < AES_BLOCK_BYTES ? len - offset : AES_BLOCK_BYTES;
    for (let i: u32 = 0; i < n; i++) {
      const at = dataPtr + <usize>(offset + i);
      store<u8>(at, <u32>load<u8>(at) ^ <u32>load<u8>(keystream + <usize>i));
    }
    for (let i: i32 = 15; i >= 0; i--) {
      const b = (<u32>load<u8>(counterBlock + <usize>i) + 1) & 0xff;
      store<u8>(counterBlock + <usize>i, <u8>b);
      if (b != 0) break;
    }
  }
  store<u64>(keystream, 0); store<u64>(keystream + 8, 0);
  store<u64>(counterBlock, 0); store<u64>(counterBlock + 8, 0);
}
