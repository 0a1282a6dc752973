// The firmware's suite 2 sealing (frame/auth.ts on crypto/{aes128,cmac,ctr,kdf}.ts) against the
// golden frames of tools/gen-frame-vectors.py (Python `cryptography`: KBKDFCMAC, AES-CTR, CMAC),
// embedded by `gen-frame-vectors.py --assemblyscript` into frame-vectors.ts.
import { authSetKey, authSeal, authKeyVersion, authHasKey } from "../../assembly/frame/auth";
import { aesSelectKeySlot } from "../../assembly/crypto/aes128";
import { cmacLoadKey } from "../../assembly/crypto/cmac";
import { kdfCounterCmac } from "../../assembly/crypto/kdf";
import { aesCtrXor } from "../../assembly/crypto/ctr";
import { ENCRYPTED_VECTORS, ENCRYPTED_VECTOR_COUNT } from "./frame-vectors";

const buf = memory.data(256, 16);
const key = memory.data(16, 16);
const out = memory.data(64, 16);
const label = memory.data<u8>([0x61, 0x63, 0x74, 0x69, 0x76, 0x65, 0x6d, 0x65, 0x74, 0x65, 0x72, 0x2d, 0x66, 0x72, 0x61, 0x6d, 0x65]);
const context = memory.data(8, 8);

function nibble(c: i32): u32 {
  return <u32>(c <= 0x39 ? c - 0x30 : c - 0x57);
}
/** Write hex text at `ptr`; returns the number of bytes. */
function putHex(hex: string, ptr: usize): u32 {
  const n = hex.length >> 1;
  for (let i = 0; i < n; i++) store<u8>(ptr + <usize>i, <u8>((nibble(hex.charCodeAt(2 * i)) << 4) | nibble(hex.charCodeAt(2 * i + 1))));
  return <u32>n;
}
function hexOf(ptr: usize, len: u32): string {
  let s = "";
  const digits = "0123456789abcdef";
  for (let i: u32 = 0; i < len; i++) {
    const b = <i32>load<u8>(ptr + <usize>i);
    s += digits.charAt(b >> 4) + digits.charAt(b & 15);
  }
  return s;
}

describe("suite 2 sealing against the Python golden frames", () => {
  it("has vectors", () => {
    expect(ENCRYPTED_VECTOR_COUNT).toBeGreaterThan(5);
  });
  it("derives K_enc and K_mac as SP 800-108 counter mode with CMAC (KBKDFCMAC)", () => {
    for (let v = 0; v < ENCRYPTED_VECTOR_COUNT; v++) {
      const f = ENCRYPTED_VECTORS[v].split(" ");
      putHex(f[0], key);
      aesSelectKeySlot(2);
      cmacLoadKey(key);
      store<u32>(context, bswap<u32>(<u32>U64.parseInt(f[1])));
      store<u32>(context + 4, bswap<u32>(<u32>U64.parseInt(f[2])));
      kdfCounterCmac(label, 17, context, 8, out, 32);
      expect(hexOf(out, 16)).toBe(f[6]);
      expect(hexOf(out + 16, 16)).toBe(f[7]);
      aesSelectKeySlot(0);
    }
  });
  it("encrypts the payload and appends CMAC-64 byte for byte", () => {
    for (let v = 0; v < ENCRYPTED_VECTOR_COUNT; v++) {
      const f = ENCRYPTED_VECTORS[v].split(" ");
      putHex(f[0], key);
      const version = <u32>U64.parseInt(f[2]);
      authSetKey(key, version);
      expect(load<u64>(key) | load<u64>(key + 8)).toBe(0, "the key is wiped where it was loaded from");
      expect(authHasKey()).toBe(true);
      expect(authKeyVersion()).toBe(version);
      const frameLen = <u32>(f[5].length >> 1);
      const plainLen = <u32>(f[4].length >> 1);
      const headerLen = frameLen - plainLen - 8;
      putHex(f[5].slice(0, 2 * headerLen), buf);
      putHex(f[4], buf + headerLen);
      const len = authSeal(buf, headerLen, headerLen + plainLen, <u32>U64.parseInt(f[1]), <u32>U64.parseInt(f[3]));
      expect(len).toBe(frameLen);
      expect(hexOf(buf, len)).toBe(f[5]);
    }
  });
  it("CTR decryption is the same XOR: the ciphertext goes back to the plaintext", () => {
    const f = ENCRYPTED_VECTORS[2].split(" ");
    putHex(f[6], key);
    aesSelectKeySlot(1);
    cmacLoadKey(key);
    const frameLen = <u32>(f[5].length >> 1);
    const plainLen = <u32>(f[4].length >> 1);
    putHex(f[5], buf);
    const nonce = memory.data(16, 16);
    store<u32>(nonce, bswap<u32>(<u32>U64.parseInt(f[1])));
    store<u32>(nonce + 4, bswap<u32>(<u32>U64.parseInt(f[2])));
    store<u32>(nonce + 8, bswap<u32>(<u32>U64.parseInt(f[3])));
    store<u32>(nonce + 12, 0);
    aesCtrXor(nonce, buf + (frameLen - plainLen - 8), plainLen);
    expect(hexOf(buf + (frameLen - plainLen - 8), plainLen)).toBe(f[4]);
    aesSelectKeySlot(0);
  });
});
