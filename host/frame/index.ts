// Public entry of the frame codec library for gateways.
export * from "./codec.js";
export { FRAME_REGISTERS, FRAME_VALUE_SCALE } from "./registers.js";
export { crc32 } from "./crc32.js";
export { Keyring, TestKeys, testKey, KeyringError } from "./keyring.js";
export type { KeyLookup } from "./keyring.js";
