// Host side of the board ABI: loads the release firmware module and calls it exactly as a
// board shell on a chip would (docs/board-abi.md). The board's behaviour comes from `BoardHooks`.
import fs from "node:fs";
import crypto from "node:crypto";
import { firmwarePath } from "../paths.js";
import { recordExports, recordImports } from "./recorder.js";
import type { AbiRecorder } from "./recorder.js";

export const ABI_VERSION = 1;
const PULSE_EVENT_BYTES = 16;
const TEMPERATURE_RECORD_BYTES = 12;

export interface BoardHooks {
  timeUs(): bigint;
  consoleWrite(bytes: Uint8Array): void;
  radioSend(frame: Uint8Array): void;
  log(level: number, text: string): void;
  panic(code: number, text: string): void;
  /** The storage partition (absent: a board without flash; the firmware then runs volatile). */
  flash?: BoardFlash;
}

/** Flash operations as the board's driver performs them; each returns 0 or a negative error. */
export interface BoardFlash {
  read(offset: number, len: number): Uint8Array | null;
  program(offset: number, bytes: Uint8Array): number;
  erase(sector: number): number;
}

/** An edge, or with `powerUp` the level the board read at power-up. */
export interface PulseEvent { timeUs: number; input: number; level: number; powerUp?: boolean }

/** A temperature pair of heat circuit `circuit` (0 = heat1), in m°C. */
export interface TemperatureRecord { circuit: number; supplyMilliC: number; returnMilliC: number }

export interface FirmwareImage { bytes: Uint8Array; sha256: string; module: WebAssembly.Module }

export class FirmwareError extends Error {}

/** Read and compile the release firmware (build/firmware.wasm by default). */
export function loadFirmwareImage(file = firmwarePath): FirmwareImage {
  if (!fs.existsSync(file)) throw new FirmwareError(`firmware not built: ${file} is missing (run 'npm run build')`);
  const bytes = new Uint8Array(fs.readFileSync(file));
  const sha256 = crypto.createHash("sha256").update(bytes).digest("hex");
  return { bytes, sha256, module: new WebAssembly.Module(bytes) };
}

const ERRORS: Record<number, string> = {
  [-1]: "firmware not started",
  [-2]: "board descriptor refused",
  [-3]: "ABI version mismatch",
  [-4]: "not supported by this firmware version",
  [-5]: "batch larger than the buffer",
};

export function describeStatus(code: number): string {
  return ERRORS[code] ?? `error ${code}`;
}

/**
 * One running firmware instance (one power-up of the chip). With a `recorder`, everything that
 * crosses the ABI is recorded (host/firmware/recorder.ts): all board writes into the firmware's
 * memory go through `put`/`wrote`, all calls through the (wrapped) exports and imports.
 */
export class Firmware {
  private readonly exports: Record<string, any>;
  private readonly memory: WebAssembly.Memory;

  constructor(image: FirmwareImage, hooks: BoardHooks, private readonly recorder?: AbiRecorder) {
    let memory: WebAssembly.Memory | undefined;
    const bytesAt = (ptr: number, len: number) => new Uint8Array(memory!.buffer, ptr, len).slice();
    const text = (ptr: number, len: number) => Buffer.from(bytesAt(ptr, len)).toString("latin1");
    const board = {
      time_us: () => hooks.timeUs(),
      console_write: (ptr: number, len: number) => hooks.consoleWrite(bytesAt(ptr, len)),
      radio_send: (ptr: number, len: number) => hooks.radioSend(bytesAt(ptr, len)),
      log: (level: number, ptr: number, len: number) => hooks.log(level, text(ptr, len)),
      flash_read: (offset: number, ptr: number, len: number) => {
        const data = hooks.flash?.read(offset >>> 0, len >>> 0);
        if (!data) return -1;
        new Uint8Array(memory!.buffer, ptr, len).set(data);
        return 0;
      },
      flash_program: (offset: number, ptr: number, len: number) => hooks.flash ? hooks.flash.program(offset >>> 0, bytesAt(ptr, len)) : -1,
      flash_erase: (sector: number) => hooks.flash ? hooks.flash.erase(sector >>> 0) : -1,
      panic: (code: number, ptr: number, len: number) => {
        hooks.panic(code, text(ptr, len));
        throw new FirmwareError(`firmware panic ${code}: ${text(ptr, len)}`);
      },
    };
    recorder?.powerUp(image);
    const imports = recorder ? recordImports(board, () => memory!, recorder) : board;
    const instance = new WebAssembly.Instance(image.module, { board: imports });
    this.exports = recorder ? recordExports(instance.exports, recorder) : instance.exports as Record<string, any>;
    memory = this.exports.memory as WebAssembly.Memory;
    this.memory = memory;
    const abi = this.exports.fw_abi_version();
    if (abi !== ABI_VERSION) throw new FirmwareError(`firmware speaks board ABI ${abi}, this board shell speaks ${ABI_VERSION}: refusing to run it`);
  }

  private bytes(ptr: number, len: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, ptr, len);
  }

  /** The board writes `data` into the firmware's memory at `ptr`. */
  private put(ptr: number, data: Uint8Array): void {
    this.bytes(ptr, data.length).set(data);
    this.recorder?.write(ptr, data);
  }

  /** The board has written `len` bytes at `ptr` in place (through a view): tell the recorder. */
  private wrote(ptr: number, len: number): void {
    this.recorder?.write(ptr, this.bytes(ptr, len));
  }

  private check(code: number, what: string): void {
    if (code < 0) throw new FirmwareError(`${what}: ${describeStatus(code)}`);
  }

  start(descriptor: Uint8Array): void {
    if (descriptor.length > this.exports.fw_board_capacity()) throw new FirmwareError("board descriptor too large");
    this.put(this.exports.fw_board_ptr(), descriptor);
    this.check(this.exports.fw_start(descriptor.length), "start-up");
  }

  /** Load the node's 16-byte frame key (write-only: the firmware never gives it back). */
  setKey(key: Uint8Array): void {
    if (key.length !== 16) throw new FirmwareError(`a frame key is 16 bytes, not ${key.length}`);
    this.put(this.exports.fw_scratch_ptr(), key);
    this.check(this.exports.fw_set_key(16), "set key");
  }

  /** The firmware module's SHA-256 (32 bytes), for the event log's firmware identity. */
  setIdentity(sha256: Uint8Array): void {
    if (sha256.length !== 32) throw new FirmwareError(`a firmware identity is 32 bytes, not ${sha256.length}`);
    this.put(this.exports.fw_scratch_ptr(), sha256);
    this.check(this.exports.fw_set_identity(32), "set identity");
  }

  /**
   * The board's wall clock (RTC, SNTP): UTC seconds. False when this firmware has no
   * fw_set_time_utc (added within ABI 1: called only if exported) or refused the value.
   */
  setTimeUtc(utcSeconds: number): boolean {
    if (typeof this.exports.fw_set_time_utc !== "function") return false;
    return this.exports.fw_set_time_utc(BigInt(Math.floor(utcSeconds))) === 0;
  }

  /** The supply monitor fired: the firmware commits its registers. False if it has no store. */
  powerFail(): boolean {
    return this.exports.fw_power_fail() === 0;
  }

  tick(): void {
    this.check(this.exports.fw_tick(), "tick");
  }

  /** The firmware asks for a chip reset (console `reboot`, `factory-reset`); docs/board-abi.md. */
  resetPending(): boolean {
    return this.exports.fw_reset_pending?.() === 1;
  }

  /** Deliver edge events in batches no larger than the firmware's buffer; returns how many it refused. */
  pulseEvents(events: readonly PulseEvent[]): number {
    const capacity: number = this.exports.fw_pulse_capacity();
    const ptr: number = this.exports.fw_pulse_ptr();
    let refused = 0;
    for (let first = 0; first < events.length; first += capacity) {
      const batch = events.slice(first, first + capacity);
      const view = new DataView(this.memory.buffer, ptr, batch.length * PULSE_EVENT_BYTES);
      batch.forEach((e, i) => {
        view.setBigInt64(i * PULSE_EVENT_BYTES, BigInt(e.timeUs), true);
        view.setUint8(i * PULSE_EVENT_BYTES + 8, e.input);
        view.setUint8(i * PULSE_EVENT_BYTES + 9, e.level);
        view.setUint8(i * PULSE_EVENT_BYTES + 10, e.powerUp ? 1 : 0);
      });
      this.wrote(ptr, batch.length * PULSE_EVENT_BYTES);
      const result = this.exports.fw_pulse_batch(batch.length);
      this.check(result, "pulse batch");
      refused += result;
    }
    return refused;
  }

  /** Deliver temperature records in batches no larger than the firmware's buffer; returns how many it refused. */
  temperatures(records: readonly TemperatureRecord[]): number {
    const capacity: number = this.exports.fw_temperature_capacity();
    const ptr: number = this.exports.fw_temperature_ptr();
    let refused = 0;
    for (let first = 0; first < records.length; first += capacity) {
      const batch = records.slice(first, first + capacity);
      const view = new DataView(this.memory.buffer, ptr, batch.length * TEMPERATURE_RECORD_BYTES);
      batch.forEach((r, i) => {
        const at = i * TEMPERATURE_RECORD_BYTES;
        view.setUint32(at, r.circuit & 0xff, true); // u8 circuit + 3 reserved zero bytes
        view.setInt32(at + 4, r.supplyMilliC, true);
        view.setInt32(at + 8, r.returnMilliC, true);
      });
      this.wrote(ptr, batch.length * TEMPERATURE_RECORD_BYTES);
      const result = this.exports.fw_temperatures(batch.length);
      this.check(result, "temperatures");
      refused += result;
    }
    return refused;
  }

  /** u16 codes the firmware's ADC buffer holds (fw_adc_capacity). */
  get adcCapacity(): number {
    return this.exports.fw_adc_capacity();
  }

  /**
   * One block of interleaved ADC frames [v, ct1, …] (whole frames, `columns` codes each),
   * continuing the previous block; written at fw_adc_ptr() as DMA would, then fw_adc_block.
   */
  adcBlock(samples: Uint16Array, columns: number): void {
    if (samples.length % columns !== 0) throw new FirmwareError(`ADC block of ${samples.length} codes is not whole frames of ${columns}`);
    const ptr: number = this.exports.fw_adc_ptr();
    new Uint16Array(this.memory.buffer, ptr, samples.length).set(samples);
    this.wrote(ptr, samples.length * 2);
    this.check(this.exports.fw_adc_block(samples.length / columns), "ADC block");
  }

  /** The board lost `frames` ADC frames before its next block (fw_adc_gap; docs/board-abi.md). */
  adcGap(frames: number): void {
    this.check(this.exports.fw_adc_gap(frames), "ADC gap");
  }

  consoleInput(data: Uint8Array): void {
    const capacity: number = this.exports.fw_console_capacity();
    for (let first = 0; first < data.length; first += capacity) {
      const chunk = data.subarray(first, first + capacity);
      this.put(this.exports.fw_console_ptr(), chunk);
      this.check(this.exports.fw_console_input(chunk.length), "console input");
    }
  }

  status(): number {
    return this.exports.fw_status() >>> 0;
  }

  /** Which outputs the firmware wants on (bit i: out i+1); 0 from a firmware without fw_output_state. */
  outputState(): number {
    return (this.exports.fw_output_state?.() ?? 0) >>> 0;
  }

  /** Every register the board has, by name, as an exact integer and its decimals. */
  registersRaw(): Map<string, { value: bigint; decimals: number }> {
    const out = new Map<string, { value: bigint; decimals: number }>();
    const count: number = this.exports.fw_register_count();
    for (let id = 0; id < count; id++) {
      const len: number = this.exports.fw_register_name(id);
      if (len === 0) continue;
      const name = Buffer.from(this.bytes(this.exports.fw_scratch_ptr(), len)).toString("latin1");
      out.set(name, { value: this.exports.fw_register_value(id) as bigint, decimals: this.exports.fw_register_decimals(id) });
    }
    return out;
  }

  /** Registers as numbers in the unit their name ends with, at full internal resolution. */
  registers(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, { value, decimals }] of this.registersRaw()) out[name] = Number(value) / 10 ** decimals;
    return out;
  }
}
