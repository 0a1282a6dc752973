// The twin's radio side of downlinks (docs/scenarios.md "downlinks", docs/frames.md "Downlink"):
// sealing a scenario's commands with the twin's node key, and describing what the firmware
// answered for the report. The twin itself only hands the bytes to fw_downlink.
import { encodeDownlink, decodeDownlink, downlinkResultName, DownlinkError } from "../frame/downlink.js";
import { FrameKey } from "../frame/frame-keys.js";
import { bytesToHex } from "../frame/codec.js";
import type { ScenarioDownlink } from "./scenario-downlinks.js";

export interface DownlinkRecord {
  at_s: number;
  /** fw_downlink's answer: accepted, bad_mac, replay, expired, malformed, unknown_command, … */
  result: string;
  hex: string;
  /** The command's counter and name when the bytes verify with the twin's key. */
  counter?: number;
  command?: string;
}

/** The bytes of a scenario downlink: raw, or sealed (key version 1) with the counter given or one above `lastCounter`. */
export function scenarioDownlinkBytes(d: ScenarioDownlink, node: number, key: Uint8Array, lastCounter: number): Uint8Array {
  if (d.bytes) return d.bytes;
  const c = d.command!;
  return encodeDownlink({ ...c, counter: c.counter ?? lastCounter + 1, node, key_version: 1 }, key);
}

/** What the report says of one delivery: time, result and, if the bytes verify with the twin's key, counter and command. */
export function describeDownlink(bytes: Uint8Array, code: number, atS: number, node: number, key: Uint8Array): DownlinkRecord {
  const record: DownlinkRecord = { at_s: atS, result: downlinkResultName(code), hex: bytesToHex(bytes) };
  const own = new FrameKey(node, 1, key);
  try {
    const f = decodeDownlink(bytes, { keyFor: (n, v) => (n === node && v === 1 ? own : undefined), keysOf: () => [own], hasKey: () => true });
    record.counter = f.counter;
    record.command = f.command;
  } catch (e) {
    if (!(e instanceof DownlinkError)) throw e;
  }
  return record;
}
