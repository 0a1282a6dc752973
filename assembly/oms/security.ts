// OMS security mode 7 (OMS Specification Vol. 2, security profile B): per-message keys from the
// node key K by the OMS KDF, Kenc = CMAC(K, 00 ‖ MCR ‖ ID ‖ 07×7) and Kmac = CMAC(K, 01 ‖ …),
// AES-128-CBC with a zero IV under Kenc, and the AFL MAC = the first 8 bytes of
// CMAC(Kmac, MCL ‖ MCR ‖ TPL … end). K stays in its slot; derived keys live in the ephemeral
// slot only while they are used, then are wiped.
import { aesSelectKeySlot, aesActiveKeySlot, aesExpandKey, AES_EPHEMERAL_SLOT } from "../crypto/aes128";
import { cmacCompute, cmacCompute8, cmacLoadKey, cmacForgetKey } from "../crypto/cmac";
import { cbcEncryptInPlace, CBC_ZERO_IV } from "../crypto/cbc";

const DC_ENC_FROM_METER: u32 = 0x00;
const DC_MAC_FROM_METER: u32 = 0x01;
const kdfInput = memory.data(16, 16);
// Secret, wiped as soon as it is in the ephemeral slot.
const derived = memory.data(16, 16);

/** Derive the key for constant `dc` with the key of slot `master` into `derived`, then select the ephemeral slot. */
function derive(dc: u32, counter: u32, idPtr: usize, master: u32): void {
  store<u8>(kdfInput, <u8>dc);
  store<u32>(kdfInput + 1, counter, 0, 1); // MCR, little-endian as in the AFL
  memory.copy(kdfInput + 5, idPtr, 4); // identification number as in the A-field
  memory.fill(kdfInput + 9, 0x07, 7);
  aesSelectKeySlot(master);
  cmacCompute(kdfInput, 16, derived);
  aesSelectKeySlot(AES_EPHEMERAL_SLOT);
}

function wipeDerived(): void {
  store<u64>(derived, 0);
  store<u64>(derived + 8, 0);
}

/**
 * Encrypt bytes [aplAt, end) of the telegram at `buf` (whole blocks) and write the 8-byte MAC
 * at `macAt`. MCL and MCR are the 5 bytes before `macAt`; the TPL starts at `tplAt`, right after
 * the MAC field. Uses the active slot's key as K.
 */
export function omsSeal(buf: usize, macAt: u32, tplAt: u32, aplAt: u32, end: u32, counter: u32, idPtr: usize): void {
  const master = aesActiveKeySlot();
  derive(DC_ENC_FROM_METER, counter, idPtr, master);
  aesExpandKey(derived);
  wipeDerived();
  cbcEncryptInPlace(buf + aplAt, end - aplAt, CBC_ZERO_IV);
  cmacForgetKey();
  derive(DC_MAC_FROM_METER, counter, idPtr, master);
  cmacLoadKey(derived);
  wipeDerived();
  // The MAC input MCL ‖ MCR ‖ TPL… made contiguous: a copy of MCL ‖ MCR in the MAC field's last
  // 5 bytes (overwritten by the MAC itself).
  memory.copy(buf + tplAt - 5, buf + macAt - 5, 5);
  cmacCompute8(buf + tplAt - 5, end - tplAt + 5, buf + macAt);
  cmacForgetKey();
  aesSelectKeySlot(master);
}
