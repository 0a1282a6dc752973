// Suite 2 key material (docs/frames.md "Suite 2"): the node key is never used on a frame
// itself. Two keys are derived from it per node and key version, with NIST SP 800-108 in
// counter mode on AES-CMAC: K_enc (AES-128-CTR over the payload) and K_mac (CMAC-64 over
// header and ciphertext). Suite 1 (old nodes) uses the node key directly as its CMAC key.
import { AesCmac, AES_KEY_BYTES } from "../crypto/cmac.js";
import { Aes128 } from "../crypto/aes128.js";
import { kdfCounterCmac } from "../crypto/kdf.js";

/** The KDF label: ASCII, fixed for suite 2. */
export const FRAME_KDF_LABEL = new TextEncoder().encode("activemeter-frame");
/** Key versions are 1 … 2^32 − 1; 0 means "no key". */
export const MAX_KEY_VERSION = 0xffffffff;

function u32be(out: Uint8Array, offset: number, value: number): void {
  new DataView(out.buffer, out.byteOffset).setUint32(offset, value >>> 0, false);
}

/** KDF context: node id and key version, each 32-bit big-endian. */
export function frameKdfContext(node: number, keyVersion: number): Uint8Array {
  const context = new Uint8Array(8);
  u32be(context, 0, node);
  u32be(context, 4, keyVersion);
  return context;
}

/** The downlink key's KDF label (docs/frames.md, "Downlink"). */
export const DOWNLINK_KDF_LABEL = new TextEncoder().encode("activemeter-downlink");

/** K_dl (16 bytes): the CMAC key of downlink commands, for a node key, node id and key version. */
export function deriveDownlinkKey(nodeKey: Uint8Array, node: number, keyVersion: number): Uint8Array {
  return kdfCounterCmac(nodeKey, DOWNLINK_KDF_LABEL, frameKdfContext(node, keyVersion), AES_KEY_BYTES);
}

/** K_enc || K_mac (32 bytes) for a node key, node id and key version. */
export function deriveFrameKeys(nodeKey: Uint8Array, node: number, keyVersion: number): { enc: Uint8Array; mac: Uint8Array } {
  const out = kdfCounterCmac(nodeKey, FRAME_KDF_LABEL, frameKdfContext(node, keyVersion), 2 * AES_KEY_BYTES);
  return { enc: out.slice(0, AES_KEY_BYTES), mac: out.slice(AES_KEY_BYTES) };
}

/** The initial CTR block: node id, key version, frame counter (each 32-bit big-endian), block counter 0. */
export function frameNonce(node: number, keyVersion: number, counter: number): Uint8Array {
  const block = new Uint8Array(16);
  u32be(block, 0, node);
  u32be(block, 4, keyVersion);
  u32be(block, 8, counter);
  return block;
}

/**
 * One node key of one version, with its engines built on first use and kept: the gateway
 * verifies many frames per key, and building them costs three key schedules and two CMACs.
 */
export class FrameKey {
  #key: Uint8Array;
  #suite1?: AesCmac;
  #suite2?: { enc: Aes128; mac: AesCmac };
  #downlink?: AesCmac;

  constructor(readonly node: number, readonly version: number, key: Uint8Array) {
    if (key.length !== AES_KEY_BYTES) throw new RangeError(`a frame key is ${AES_KEY_BYTES} bytes, not ${key.length}`);
    if (!Number.isInteger(version) || version < 1 || version > MAX_KEY_VERSION) throw new RangeError(`key version ${version} out of range (1 … ${MAX_KEY_VERSION})`);
    this.#key = key.slice();
  }

  /** Suite 1: the node key itself as the CMAC key (kept only for old nodes). */
  suite1(): AesCmac {
    return (this.#suite1 ??= new AesCmac(this.#key));
  }

  /** Suite 2: the derived CTR cipher and CMAC. */
  suite2(): { enc: Aes128; mac: AesCmac } {
    if (!this.#suite2) {
      const { enc, mac } = deriveFrameKeys(this.#key, this.node, this.version);
      this.#suite2 = { enc: new Aes128(enc), mac: new AesCmac(mac) };
    }
    return this.#suite2;
  }

  /** The downlink CMAC under K_dl. */
  downlink(): AesCmac {
    return (this.#downlink ??= new AesCmac(deriveDownlinkKey(this.#key, this.node, this.version)));
  }

  /** True when `other` is the same 16 bytes (for keyring consistency checks). */
  sameKey(other: Uint8Array): boolean {
    return other.length === this.#key.length && other.every((b, i) => b === this.#key[i]);
  }
}
