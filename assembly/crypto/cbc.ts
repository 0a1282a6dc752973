// AES-128-CBC encryption (NIST SP 800-38A) with the active key slot, in place, no padding:
// the caller pads to whole blocks (OMS fills with 0x2F). Encrypt only: the node never decrypts.
import { aesEncryptBlock, AES_BLOCK_BYTES } from "./aes128";
import { panicUnless } from "../abi/panic";

/** ASCII "CBC length not a multiple of 16" (panic message). */
const NOT_BLOCKS = memory.data<u8>([0x43, 0x42, 0x43, 0x20, 0x6c, 0x65, 0x6e, 0x67, 0x74, 0x68, 0x20, 0x6e, 0x6f, 0x74, 0x20, 0x61, 0x20, 0x6d, 0x75, 0x6c, 0x74, 0x69, 0x70, 0x6c, 0x65, 0x20, 0x6f, 0x66, 0x20, 0x31, 0x36]);
const NOT_BLOCKS_BYTES: u32 = 31;

/** Sixteen zero bytes: the IV of OMS security mode 7 (safe there: every message has its own key). */
export const CBC_ZERO_IV: usize = memory.data(16, 16);

/** Encrypt `len` bytes (a multiple of 16) at `ptr` in place, chaining from the 16-byte IV at `ivPtr`. */
export function cbcEncryptInPlace(ptr: usize, len: u32, ivPtr: usize): void {
  panicUnless((len & (AES_BLOCK_BYTES - 1)) == 0, NOT_BLOCKS, NOT_BLOCKS_BYTES);
  let previous = ivPtr;
  for (let offset: usize = 0; offset < <usize>len; offset += 16) {
    const block = ptr + offset;
    for (let i: usize = 0; i < 16; i++) store<u8>(block + i, <u32>load<u8>(block + i) ^ <u32>load<u8>(previous + i));
    aesEncryptBlock(block, block);
    previous = block;
  }
}
