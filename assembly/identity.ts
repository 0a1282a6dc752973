// The software identity (WELMEC 7.2): the SHA-256 of the firmware module, computed by the board
// and handed over through fw_set_identity. Kept in RAM for the console's `id`.
export const IDENTITY_BYTES: u32 = 32;
export const firmwareIdentity = memory.data(<i32>IDENTITY_BYTES, 8);
export let identityKnown = false;

export function identitySet(ptr: usize): void {
  memory.copy(firmwareIdentity, ptr, IDENTITY_BYTES);
  identityKnown = true;
}
