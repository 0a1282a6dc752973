// Public entry of the frame codec library for gateways.
export * from "./codec.js";
export { FRAME_REGISTERS, FRAME_VALUE_SCALE } from "./registers.js";
export { crc32 } from "./crc32.js";
export { Keyring, TestKeys, KeyringWithTestKeys, NO_KEYS, testKey, KeyringError, TEST_KEY_CACHE_NODES } from "./keyring.js";
export type { KeyLookup } from "./keyring.js";
export { FrameKey, deriveFrameKeys, frameNonce, frameKdfContext, FRAME_KDF_LABEL } from "./frame-keys.js";
export { encodeDownlink, decodeDownlink, DownlinkError, downlinkResultName, DOWNLINK_RESULTS } from "./downlink.js";
export type { DownlinkFields, DownlinkCommand } from "./downlink.js";
export { deriveDownlinkKey, DOWNLINK_KDF_LABEL } from "./frame-keys.js";
