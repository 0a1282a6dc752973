// Key derivation, NIST SP 800-108r1 4.1 (counter mode) with AES-CMAC as the PRF, keyed by the
// active slot: block i = CMAC(K, [i]_1 || Label || 0x00 || Context || [L]_2), i = 1, 2, …
// (docs/frames.md "Key derivation"). Allocation-free; the PRF input and output are wiped.
import { cmacCompute, CMAC_TAG_BYTES } from "./cmac";
import { panicUnless } from "../abi/panic";

/** ASCII "KDF input or output too long" (panic message). */
const TOO_LONG = memory.data<u8>([0x4b, 0x44, 0x46, 0x20, 0x69, 0x6e, 0x70, 0x75, 0x74, 0x20, 0x6f, 0x72, 0x20, 0x6f, 0x75, 0x74, 0x70, 0x75, 0x74, 0x20, 0x74, 0x6f, 0x6f, 0x20, 0x6c, 0x6f, 0x6e, 0x67]);
const TOO_LONG_BYTES: u32 = 28;

const INPUT_CAPACITY: u32 = 64;
const input = memory.data(<i32>INPUT_CAPACITY, 16);
const block = memory.data(16, 16);

/**
 * `outLen` bytes (1 … 255 blocks) derived from the active slot's key into `outPtr`, for the
 * label and context given. Label + context must fit 60 bytes.
 */
export function kdfCounterCmac(labelPtr: usize, labelLen: u32, contextPtr: usize, contextLen: u32, outPtr: usize, outLen: u32): void {
  const inputLen: u32 = 1 + labelLen + 1 + contextLen + 2;
  panicUnless(inputLen <= INPUT_CAPACITY && outLen > 0 && outLen <= 255 * CMAC_TAG_BYTES, TOO_LONG, TOO_LONG_BYTES);
  memory.copy(input + 1, labelPtr, labelLen);
  store<u8>(input + 1 + <usize>labelLen, 0);
  memory.copy(input + 2 + <usize>labelLen, contextPtr, contextLen);
  const bits = outLen * 8;
  store<u8>(input + <usize>inputLen - 2, <u8>(bits >> 8));
  store<u8>(input + <usize>inputLen - 1, <u8>bits);
  for (let i: u32 = 1, done: u32 = 0; done < outLen; i++) {
    store<u8>(input, <u8>i);
    cmacCompute(input, inputLen, block);
    const n = outLen - done < CMAC_TAG_BYTES ? outLen - done : CMAC_TAG_BYTES;
    memory.copy(outPtr + <usize>done, block, n);
    done += n;
  }
  memory.fill(input, 0, INPUT_CAPACITY);
  store<u64>(block, 0); store<u64>(block + 8, 0);
}
