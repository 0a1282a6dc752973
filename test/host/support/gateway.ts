// Frames and gateways for the gateway tests.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { encodeFrame, testKey, Keyring } from "../../../host/frame/index.js";
import type { FrameFields } from "../../../host/frame/index.js";

export const NODE = 4097;
export const OTHER_NODE = 4098;

/** A keyring with the documented test keys of the two test nodes only. */
export function testRing(): Keyring {
  const ring = new Keyring();
  for (const node of [NODE, OTHER_NODE]) ring.set(node, testKey(node));
  return ring;
}

export function frame(counter: number, node = NODE, registers: FrameFields["registers"] = { "pulse1.wh": counter * 10, "heat1.volume_l": 1000 + counter }): Uint8Array {
  return encodeFrame({ node, counter, status: 4, registers }, testKey(node));
}

export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "activemeter-gw-"));
}
