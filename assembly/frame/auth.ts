// The node's frame key and what frames do with it (docs/frames.md, suite 2). The node key is
// loaded once (through the ABI, or the console's `key set`), with its key version, and never
// readable back. It is never applied to a frame itself: from it, per node id and key version,
// SP 800-108 (counter mode, AES-CMAC) derives K_enc and K_mac; the payload is encrypted with
// AES-128-CTR under K_enc and the frame authenticated with CMAC-64 under K_mac. Without a key,
// frames carry a CRC-32 only (suite 0) and the `unauthenticated` status flag.
//
// Key slots (crypto/aes128.ts): SLOT_NODE_KEY (0) holds the node key, SLOT_ENC and SLOT_MAC the
// derived keys, derived again whenever the node id changes (`set node.id`). Every function here
// leaves slot 0 selected: OMS telegrams (oms/security.ts) use the active slot as their key K.
import { aesSelectKeySlot, aesExpandKey, aesClearKeySlot, AES_EPHEMERAL_SLOT } from "../crypto/aes128";
import { cmacLoadKey, cmacCompute8, cmacVerify8, cmacForgetKey, CMAC_FRAME_TAG_BYTES } from "../crypto/cmac";
import { aesCtrXor } from "../crypto/ctr";
import { kdfCounterCmac } from "../crypto/kdf";
import { statusSet, statusClear, STATUS_UNAUTHENTICATED } from "../status";
import { panicUnless } from "../abi/panic";

/** ASCII "key version 0" (panic message). */
const VERSION_ZERO = memory.data<u8>([0x6b, 0x65, 0x79, 0x20, 0x76, 0x65, 0x72, 0x73, 0x69, 0x6f, 0x6e, 0x20, 0x30]);
const VERSION_ZERO_BYTES: u32 = 13;

export const KEY_BYTES: u32 = 16;
export const MAC_BYTES: u32 = CMAC_FRAME_TAG_BYTES;
/** Key versions are 1 … 2^32 − 1; 0 means "no key". */
export const MAX_KEY_VERSION: u32 = 0xffffffff;

const SLOT_NODE_KEY: u32 = 0;
const SLOT_ENC: u32 = 1;
const SLOT_MAC: u32 = 2;

/** ASCII "activemeter-frame", the KDF label. */
const KDF_LABEL = memory.data<u8>([0x61, 0x63, 0x74, 0x69, 0x76, 0x65, 0x6d, 0x65, 0x74, 0x65, 0x72, 0x2d, 0x66, 0x72, 0x61, 0x6d, 0x65]);
const KDF_LABEL_BYTES: u32 = 17;
const kdfContext = memory.data(8, 8);
/** Secret: K_enc || K_mac between derivation and loading, then wiped. */
const derivedKeys = memory.data(32, 16);
const nonce = memory.data(16, 16);

let keyVersion: u32 = 0;
let derived = false;
let derivedNode: u32 = 0;

function storeU32be(ptr: usize, v: u32): void {
  store<u32>(ptr, bswap<u32>(v));
}

/**
 * Load the 16-byte node key at `ptr` with its key version (1 … 2^32 − 1) and wipe it there,
 * so no copy stays in shared memory.
 */
export function authSetKey(ptr: usize, version: u32): void {
  panicUnless(version != 0, VERSION_ZERO, VERSION_ZERO_BYTES);
  aesSelectKeySlot(SLOT_NODE_KEY);
  cmacLoadKey(ptr);
  memory.fill(ptr, 0, KEY_BYTES);
  keyVersion = version;
  derived = false;
  forgetDerived();
  aesSelectKeySlot(SLOT_NODE_KEY);
  statusClear(STATUS_UNAUTHENTICATED);
}

function forgetDerived(): void {
  aesSelectKeySlot(SLOT_ENC);
  aesClearKeySlot();
  aesSelectKeySlot(SLOT_MAC);
  cmacForgetKey();
}

export function authHasKey(): bool {
  return keyVersion != 0;
}

/** The version of the loaded key; 0 without a key. */
export function authKeyVersion(): u32 {
  return keyVersion;
}

export function authInit(): void {
  if (keyVersion == 0) statusSet(STATUS_UNAUTHENTICATED);
}

/** `bytes` of key material from the node key into derivedKeys (context: node id, key version). */
function kdfFromNodeKey(label: usize, labelBytes: u32, nodeId: u32, bytes: u32): void {
  storeU32be(kdfContext, nodeId);
  storeU32be(kdfContext + 4, keyVersion);
  aesSelectKeySlot(SLOT_NODE_KEY);
  kdfCounterCmac(label, labelBytes, kdfContext, 8, derivedKeys, bytes);
}

/** K_enc and K_mac for this node id and key version, derived once and kept in their slots. */
function deriveFor(nodeId: u32): void {
  if (derived && derivedNode == nodeId) return;
  kdfFromNodeKey(KDF_LABEL, KDF_LABEL_BYTES, nodeId, 32);
  aesSelectKeySlot(SLOT_ENC);
  aesExpandKey(derivedKeys);
  aesSelectKeySlot(SLOT_MAC);
  cmacLoadKey(derivedKeys + 16);
  memory.fill(derivedKeys, 0, 32);
  derivedNode = nodeId;
  derived = true;
  aesSelectKeySlot(SLOT_NODE_KEY);
}

/**
 * Seal the suite 2 frame of `len` bytes at `ptr`, whose payload starts at `payloadAt`:
 * encrypt the payload in place (AES-CTR, nonce = node id, key version, frame counter, block
 * counter 0, each 32-bit big-endian), then append CMAC-64 over every byte. Returns the new length.
 * The store never gives the same counter twice, so the nonce is unique for the life of a key.
 */
export function authSeal(ptr: usize, payloadAt: u32, len: u32, nodeId: u32, counter: u32): u32 {
  deriveFor(nodeId);
  storeU32be(nonce, nodeId);
  storeU32be(nonce + 4, keyVersion);
  storeU32be(nonce + 8, counter);
  store<u32>(nonce + 12, 0);
  aesSelectKeySlot(SLOT_ENC);
  aesCtrXor(nonce, ptr + payloadAt, len - payloadAt);
  aesSelectKeySlot(SLOT_MAC);
  cmacCompute8(ptr, len, ptr + len);
  aesSelectKeySlot(SLOT_NODE_KEY);
  return len + MAC_BYTES;
}

/** ASCII "activemeter-downlink": the downlink key's KDF label (docs/frames.md, "Downlink"). */
const DOWNLINK_LABEL = memory.data<u8>([0x61, 0x63, 0x74, 0x69, 0x76, 0x65, 0x6d, 0x65, 0x74, 0x65, 0x72, 0x2d, 0x64, 0x6f, 0x77, 0x6e, 0x6c, 0x69, 0x6e, 0x6b]);
const DOWNLINK_LABEL_BYTES: u32 = 20;

/**
 * True if the 8 bytes after the `len` bytes at `ptr` are the CMAC-64 of those bytes under
 * K_dl = KDF(node key, "activemeter-downlink", node id, key version; 128 bits). K_dl is derived
 * into the ephemeral slot for this one check and wiped after it: a downlink is rare, and no slot
 * stays taken. Another label and length than the frame keys, so no uplink MAC is ever a valid
 * downlink MAC. False without a key.
 */
export function authVerifyDownlink(ptr: usize, len: u32, nodeId: u32): bool {
  if (keyVersion == 0) return false;
  kdfFromNodeKey(DOWNLINK_LABEL, DOWNLINK_LABEL_BYTES, nodeId, 16);
  aesSelectKeySlot(AES_EPHEMERAL_SLOT);
  cmacLoadKey(derivedKeys);
  memory.fill(derivedKeys, 0, 16);
  const ok = cmacVerify8(ptr, len, ptr + len);
  cmacForgetKey();
  aesSelectKeySlot(SLOT_NODE_KEY);
  return ok;
}
