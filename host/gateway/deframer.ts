// Splits a serial byte stream into frames: COBS packets delimited by 0x00. Tolerates garbage
// (it fails to decode or is not a frame, and is counted), chunks cut anywhere, and runs
// without a delimiter longer than any frame (discarded up to the next 0x00). Pure, no I/O.
import { cobsDecode, CobsError } from "./cobs.js";
import { MAX_FRAME_BYTES } from "../frame/codec.js";

/** The longest COBS encoding of a frame: one code byte per 254 bytes, plus one. */
export const MAX_ENCODED_BYTES = MAX_FRAME_BYTES + Math.ceil(MAX_FRAME_BYTES / 254) + 1;

export type DeframerProblem = "cobs_invalid" | "overlong";

export interface DeframerOutput {
  frame(bytes: Uint8Array): void;
  problem(kind: DeframerProblem, detail: string): void;
}

export class CobsDeframer {
  private readonly buffer = new Uint8Array(MAX_ENCODED_BYTES);
  private length = 0;
  /** True while skipping the rest of an over-long run until the next delimiter. */
  private discarding = false;
  private discarded = 0;

  constructor(private readonly out: DeframerOutput, private readonly maxEncoded = MAX_ENCODED_BYTES) {}

  push(chunk: Uint8Array): void {
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      if (b === 0) {
        this.endPacket();
        continue;
      }
      if (this.discarding) {
        this.discarded++;
      } else if (this.length === this.maxEncoded) {
        this.discarding = true;
        this.discarded = this.length + 1;
        this.length = 0;
      } else {
        this.buffer[this.length++] = b;
      }
    }
  }

  /** Bytes waiting for their delimiter. */
  get pending(): number {
    return this.discarding ? this.discarded : this.length;
  }

  private endPacket(): void {
    if (this.discarding) {
      this.out.problem("overlong", `${this.discarded} bytes without a delimiter (a frame is at most ${this.maxEncoded} encoded): discarded`);
      this.discarding = false;
      this.discarded = 0;
      return;
    }
    if (this.length === 0) return; // back-to-back delimiters: idle line or resynchronisation
    const packet = this.buffer.subarray(0, this.length);
    this.length = 0;
    let frame: Uint8Array;
    try {
      frame = cobsDecode(packet);
    } catch (e) {
      if (!(e instanceof CobsError)) throw e;
      this.out.problem("cobs_invalid", e.message);
      return;
    }
    this.out.frame(frame);
  }
}
