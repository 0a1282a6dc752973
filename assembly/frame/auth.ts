// The node's frame key: loaded once through the ABI, never readable back. With a key, frames
// carry an 8-byte AES-128-CMAC (suite 1); without one, only a CRC-32 (suite 0) and the
// `unauthenticated` status flag, so a gateway knows it cannot trust them.
import { cmacLoadKey, cmacHasKey, cmacCompute8, CMAC_FRAME_TAG_BYTES } from "../crypto/cmac";
import { statusSet, statusClear, STATUS_UNAUTHENTICATED } from "../status";

export const KEY_BYTES: u32 = 16;
export const MAC_BYTES: u32 = CMAC_FRAME_TAG_BYTES;

/** Load the 16-byte key at `ptr` and wipe it there, so no copy stays in shared memory. */
export function authSetKey(ptr: usize): void {
  cmacLoadKey(ptr);
  memory.fill(ptr, 0, KEY_BYTES);
  statusClear(STATUS_UNAUTHENTICATED);
}

export function authHasKey(): bool {
  return cmacHasKey();
}

export function authInit(): void {
  if (!cmacHasKey()) statusSet(STATUS_UNAUTHENTICATED);
}

/** Write the MAC of `len` bytes at `ptr` right after them. */
export function authSign(ptr: usize, len: u32): void {
  cmacCompute8(ptr, len, ptr + len);
}
