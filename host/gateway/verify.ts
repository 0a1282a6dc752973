// The gateway's verification rules on top of the codec (docs/gateway.md "Defaults"):
// - the MAC is checked before anything is trusted, with the keyring's key of that node and key
//   version; unknown nodes and versions are refused without keeping anything about them;
// - a CRC-only frame (suite 0) is never accepted for a node that has a key, whatever the options;
// - counters of CRC-only frames and of authenticated frames are kept apart: what an unverified
//   frame claimed never blocks a node's authenticated frames.
import { decodeFrameHeader, FrameError } from "../frame/codec.js";
import { decodeAny, omsClaim } from "../oms/input.js";
import type { Frame, FrameRejection } from "../frame/codec.js";
import type { KeyLookup } from "../frame/keyring.js";

export type Verified = { ok: true; frame: Frame } | { ok: false; reason: FrameRejection | "internal_error"; message: string };

/** Decode and verify one frame (native, or an OMS telegram: docs/gateway.md); never throws. */
export function verifyFrame(raw: Uint8Array, keys: KeyLookup, requireAuthentication: boolean): Verified {
  try {
    return { ok: true, frame: decodeAny(raw, { keys, requireAuthentication }) };
  } catch (e) {
    if (e instanceof FrameError) return { ok: false, reason: e.reason, message: e.message };
    return { ok: false, reason: "internal_error", message: `decoder failed: ${(e as Error)?.message ?? String(e)}` };
  }
}

/** What a refused frame claims (node, key version, counter), for reports; nothing of it is verified. */
export function claimedHeader(raw: Uint8Array): { node?: number; counter?: number; key_version?: number } {
  const oms = omsClaim(raw);
  if (oms) return oms;
  try {
    const h = decodeFrameHeader(raw);
    return h.key_version === undefined ? { node: h.node, counter: h.counter } : { node: h.node, counter: h.counter, key_version: h.key_version };
  } catch {
    return {};
  }
}

/** Suite byte of a frame the gateway accepted before. */
function wasAuthenticated(frame: Uint8Array): boolean {
  return frame.length > 1 && frame[1] !== 0;
}

/**
 * Whether the node's last accepted frame bounds this one's counter. An authenticated frame is
 * checked only against authenticated history: a CRC-only frame (which anyone can forge, and
 * which was accepted only under --allow-unauthenticated before the node had a key) never
 * blocks it.
 */
export function counterApplies(last: { frame: Uint8Array } | undefined, frame: Frame): boolean {
  if (!last) return false;
  return !(frame.authenticated && !wasAuthenticated(last.frame));
}
