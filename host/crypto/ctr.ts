// AES-128 in counter mode (NIST SP 800-38A 6.5): the keystream is AES of successive counter
// blocks, XORed onto the data, so encryption and decryption are the same operation. The
// counter block is incremented as one 128-bit big-endian number (frames never use more than
// 16 blocks of one nonce, so only its last byte ever changes).
import { Aes128, AES_BLOCK_BYTES } from "./aes128.js";

/** XOR `data` with the AES-CTR keystream starting at `initialCounter` (16 bytes); returns a new array. */
export function aes128Ctr(cipher: Aes128, initialCounter: Uint8Array, data: Uint8Array): Uint8Array {
  if (initialCounter.length !== AES_BLOCK_BYTES) throw new RangeError(`CTR counter block must be 16 bytes, got ${initialCounter.length}`);
  const counter = initialCounter.slice();
  const stream = new Uint8Array(AES_BLOCK_BYTES);
  const out = new Uint8Array(data.length);
  for (let offset = 0; offset < data.length; offset += AES_BLOCK_BYTES) {
    cipher.encrypt(counter, 0, stream, 0);
    const n = Math.min(AES_BLOCK_BYTES, data.length - offset);
    for (let i = 0; i < n; i++) out[offset + i] = data[offset + i] ^ stream[i];
    for (let i = AES_BLOCK_BYTES - 1; i >= 0; i--) {
      counter[i] = (counter[i] + 1) & 0xff;
      if (counter[i] !== 0) break;
    }
  }
  return out;
}
