// ABI recording: everything a board shell feeds the firmware through the board ABI, as a
// line-oriented text log a native shell can replay (boards/native/, docs/native.md).
//
// The recorder sits between the Firmware class and the WebAssembly instance, so it is generic:
// every export call (with its arguments and result), every byte the board writes into the
// firmware's memory, every import call (with its arguments, its result and the bytes that
// crossed), and every power-up (a new Firmware instance) are logged, whatever the call is.
import fs from "node:fs";
import type { FirmwareImage } from "./firmware.js";

export const RECORDING_FORMAT = "activemeter-abi-recording/1";

/**
 * Imports that move bytes between the firmware's memory and the board: which argument is the
 * pointer and which the length, and the direction. `out`: the firmware hands bytes to the board
 * (recorded for checking); `in`: the board writes bytes into the firmware's memory (recorded so a
 * replay can write the same bytes). Imports not listed move no bytes (args and result only).
 */
export const IMPORT_MEMORY: Record<string, { ptr: number; len: number; dir: "in" | "out" }> = {
  console_write: { ptr: 0, len: 1, dir: "out" },
  radio_send: { ptr: 0, len: 1, dir: "out" },
  log: { ptr: 1, len: 2, dir: "out" },
  panic: { ptr: 1, len: 2, dir: "out" },
  flash_program: { ptr: 1, len: 2, dir: "out" },
  flash_read: { ptr: 1, len: 2, dir: "in" },
  random_fill: { ptr: 0, len: 1, dir: "in" },
};

/**
 * Report fields a replaying shell computes itself from the firmware (the rest of a report is
 * scenario metadata and is passed through verbatim as JSON text).
 */
export const NATIVE_REPORT_FIELDS = new Set(["firmware", "registers", "status", "frames", "console"]);

export type AbiValue = number | bigint;

/** What the Firmware class tells a recorder. */
export interface AbiRecorder {
  /** A new firmware instance is about to be created (power-on or reset). */
  powerUp(image: FirmwareImage): void;
  /** The board wrote `bytes` into the firmware's memory at `ptr`. */
  write(ptr: number, bytes: Uint8Array): void;
  /** The board calls export `name`. */
  call(name: string, args: readonly AbiValue[]): void;
  /** The export called last returned `value` (undefined for none). */
  result(value: AbiValue | undefined): void;
  /** The firmware called import `name`; `bytes` crossed as IMPORT_MEMORY says. */
  imported(name: string, args: readonly AbiValue[], value: AbiValue | undefined, bytes: Uint8Array | undefined): void;
  /**
   * The board discarded the last `count` outputs the firmware handed to import `name` (e.g.
   * frames still queued behind a flash write when the power was cut never leave the radio).
   */
  lost(name: string, count: number): void;
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
const num = (v: AbiValue) => (typeof v === "bigint" ? v.toString() : String(v));

/** Writes a recording file (format: docs/native.md). */
export class AbiRecording implements AbiRecorder {
  private readonly fd: number;
  private chunks: string[] = [];
  private pending = 0;
  private powerUps = 0;
  private closed = false;

  constructor(readonly file: string) {
    this.fd = fs.openSync(file, "w");
    this.line(RECORDING_FORMAT);
  }

  private line(text: string): void {
    if (this.closed) throw new Error(`ABI recording ${this.file} is already closed`);
    this.chunks.push(text, "\n");
    this.pending += text.length + 1;
    if (this.pending > 1 << 20) this.flush();
  }

  private flush(): void {
    if (this.chunks.length === 0) return;
    fs.writeSync(this.fd, this.chunks.join(""));
    this.chunks = [];
    this.pending = 0;
  }

  powerUp(image: FirmwareImage): void {
    this.line(`power ${++this.powerUps} ${image.sha256} ${image.bytes.length}`);
  }

  write(ptr: number, bytes: Uint8Array): void {
    if (bytes.length > 0) this.line(`write ${ptr} ${hex(bytes)}`);
  }

  call(name: string, args: readonly AbiValue[]): void {
    this.line(args.length ? `call ${name} ${args.map(num).join(" ")}` : `call ${name}`);
  }

  result(value: AbiValue | undefined): void {
    this.line(value === undefined ? "ret" : `ret ${num(value)}`);
  }

  imported(name: string, args: readonly AbiValue[], value: AbiValue | undefined, bytes: Uint8Array | undefined): void {
    let text = `import ${name}`;
    if (args.length) text += ` ${args.map(num).join(" ")}`;
    if (value !== undefined) text += ` = ${num(value)}`;
    if (bytes !== undefined) text += ` : ${hex(bytes)}`;
    this.line(text);
  }

  lost(name: string, count: number): void {
    this.line(`lost ${name} ${count}`);
  }

  /** A report field: its JSON text, or `@` for fields the replaying shell computes (NATIVE_REPORT_FIELDS). */
  reportField(key: string, value: unknown): void {
    if (!/^[A-Za-z0-9_.-]+$/.test(key)) throw new Error(`report field '${key}' cannot be recorded`);
    this.line(`report ${key} ${NATIVE_REPORT_FIELDS.has(key) ? "@" : JSON.stringify(value)}`);
  }

  /** Record the report's layout (field order, pass-through fields), then end and close the file. */
  close(report?: object): void {
    if (report) for (const [key, value] of Object.entries(report)) this.reportField(key, value);
    this.line("end");
    this.flush();
    this.closed = true;
    fs.closeSync(this.fd);
  }
}

type Fn = (...args: any[]) => any;

/** Wrap the import object so every import the firmware calls is recorded. */
export function recordImports(board: Record<string, Fn>, memory: () => WebAssembly.Memory, recorder: AbiRecorder): Record<string, Fn> {
  const out: Record<string, Fn> = {};
  for (const [name, fn] of Object.entries(board)) {
    const mem = IMPORT_MEMORY[name];
    out[name] = (...args: AbiValue[]) => {
      const span = () => new Uint8Array(memory().buffer, Number(args[mem!.ptr]), Number(args[mem!.len])).slice();
      const sent = mem?.dir === "out" ? span() : undefined;
      let value: AbiValue | undefined;
      try {
        value = fn(...args);
      } catch (e) {
        recorder.imported(name, args, undefined, sent);
        throw e;
      }
      recorder.imported(name, args, value, mem?.dir === "in" ? span() : sent);
      return value;
    };
  }
  return out;
}

/** Wrap the instance's exports so every export call is recorded (memory and globals pass through). */
export function recordExports(exports: WebAssembly.Exports, recorder: AbiRecorder): Record<string, any> {
  const out: Record<string, any> = {};
  for (const [name, value] of Object.entries(exports)) {
    if (typeof value !== "function") {
      out[name] = value;
      continue;
    }
    const fn = value as Fn;
    out[name] = (...args: AbiValue[]) => {
      recorder.call(name, args);
      const result = fn(...args);
      recorder.result(result);
      return result;
    };
  }
  return out;
}
