// Key derivation, NIST SP 800-108r1 section 4.1 (KDF in counter mode) with AES-128-CMAC as the
// PRF: block i = CMAC(K_in, [i]_1 || Label || 0x00 || Context || [L]_2), i = 1, 2, …, the
// output is the blocks concatenated and cut to L bits. The counter is one byte and L two bytes
// (big-endian, in bits), as in the `cryptography` package's KBKDFCMAC(rlen=1, llen=2,
// location=BeforeFixed), which the golden vectors use as the independent reference.
import { AesCmac, CMAC_TAG_BYTES } from "./cmac.js";

/** `lengthBytes` of key material from `key` for `label` and `context` (SP 800-108 counter mode, CMAC PRF). */
export function kdfCounterCmac(key: Uint8Array | AesCmac, label: Uint8Array, context: Uint8Array, lengthBytes: number): Uint8Array {
  if (!Number.isInteger(lengthBytes) || lengthBytes < 1 || lengthBytes * 8 > 0xffff) throw new RangeError(`KDF output length ${lengthBytes} bytes out of range`);
  const blocks = Math.ceil(lengthBytes / CMAC_TAG_BYTES);
  if (blocks > 255) throw new RangeError("KDF output too long for a one-byte counter");
  const prf = key instanceof AesCmac ? key : new AesCmac(key);
  const input = new Uint8Array(1 + label.length + 1 + context.length + 2);
  input.set(label, 1);
  input[1 + label.length] = 0x00;
  input.set(context, 2 + label.length);
  const bits = lengthBytes * 8;
  input[input.length - 2] = bits >> 8;
  input[input.length - 1] = bits & 0xff;
  const out = new Uint8Array(blocks * CMAC_TAG_BYTES);
  for (let i = 1; i <= blocks; i++) {
    input[0] = i;
    out.set(prf.mac(input), (i - 1) * CMAC_TAG_BYTES);
  }
  return out.slice(0, lengthBytes);
}
