// The hooks of the gateway input path and `activemeter decode`: bytes that are an OMS telegram
// (isOmsTelegram, host/oms/link.ts) go to the OMS decoder, everything else to the native one.
import { decodeFrame, bytesToHex } from "../frame/codec.js";
import type { DecodeOptions, Frame } from "../frame/codec.js";
import { decodeOms, omsClaimed } from "./telegram.js";
import { isOmsTelegram, addCrcBlocks, stripCrcBlocks } from "./link.js";

/** Decode a native frame or an OMS telegram; throws FrameError for either. */
export function decodeAny(bytes: Uint8Array, options: DecodeOptions): Frame {
  return isOmsTelegram(bytes) ? decodeOms(bytes, options) : decodeFrame(bytes, options);
}

/** The node and counter an OMS telegram claims, or undefined for a native frame. */
export function omsClaim(bytes: Uint8Array): { node?: number; counter?: number } | undefined {
  return isOmsTelegram(bytes) ? omsClaimed(bytes) : undefined;
}

/** For `activemeter decode`: the decoded object, with both forms of an OMS telegram's hex. */
export function decodeForCli(bytes: Uint8Array, options: DecodeOptions): object {
  const frame = decodeAny(bytes, options);
  if (!isOmsTelegram(bytes)) return frame;
  const { plain } = stripCrcBlocks(bytes);
  return { ...frame, telegram: { with_crc: bytesToHex(addCrcBlocks(plain)), without_crc: bytesToHex(plain) } };
}
