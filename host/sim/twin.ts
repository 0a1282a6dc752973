// The digital twin: plays a scenario through the unchanged release firmware on a simulated
// board (clock, GPIO edge interrupts, UART, radio, NOR flash) and reports what it measured.
import { Firmware, FirmwareError, loadFirmwareImage } from "../firmware/firmware.js";
import type { FirmwareImage, PulseEvent } from "../firmware/firmware.js";
import type { AbiRecorder } from "../firmware/recorder.js";
import { channelNumber, packDescriptor } from "../board/board.js";
import type { Channel, HeatChannel } from "../board/board.js";
import { bytesToHex } from "../frame/codec.js";
import { testKey } from "../frame/keyring.js";
import type { Scenario } from "./scenario.js";
import { ScenarioError, profileAt } from "./scenario.js";
import type { PowerProfile } from "./scenario.js";
import { PulseTrain } from "./pulse-train.js";
import { HeatCircuit, TEMPERATURE_PERIOD_US, boardForScenario } from "./heat-circuit.js";
import { NorFlash } from "./flash.js";
import { SimFlash } from "./board-flash.js";
import type { CutReport } from "./board-flash.js";
import { AnalogFrontEnd, realFrameRateHz } from "./analog.js";
import type { BoardSpec, CtLoadSpec } from "./analog.js";
import { Random } from "./random.js";
import { overloads } from "./limits.js";

export const REPORT_FORMAT = "activemeter-report/1";
/** Status bit 6 (docs/frames.md): CT parameters refused. */
const CT_FAULT_FLAG = 1 << 6;
/** Simulated time between main-loop iterations: events are batched and the firmware ticked. */
export const STEP_US = 10_000;

export interface Report {
  format: string;
  firmware: { sha256: string; bytes: number };
  board: string;
  seed: number;
  seconds: number;
  registers: Record<string, number>;
  status: number;
  frames: string[];
  console: string;
  /** Channels driven above 120 % of the board's rating (host/sim/limits.ts); absent when none. */
  overload?: string[];
}

/** Scenario features and the issue that brings them; refused until the firmware has them. */
const NOT_YET: [string, (s: Scenario) => boolean, string][] = [];

export function checkSupported(scenario: Scenario): void {
  for (const [field, used, feature] of NOT_YET) {
    if (used(scenario)) {
      throw new ScenarioError(`the scenario uses '${field}', but this firmware version has no ${feature} yet; remove '${field}' to run the rest`);
    }
  }
}

export interface TwinOptions {
  /** The node's frame key; default the documented test key of the board's node id. Null: no key. */
  key?: Uint8Array | null;
  /** Records everything fed through the board ABI, every power-up included (docs/native.md). */
  recorder?: AbiRecorder;
  /** The flash contents at power-up (the same unit after an earlier run); default erased. */
  flashImage?: Uint8Array;
}

export interface TwinObserver {
  /** A frame left the radio at simulated time `timeUs`. */
  frame?(frame: Uint8Array, timeUs: number): void;
  /** Power failed at `cut.atUs` (flash operations in flight listed); the board restarts at `restartUs`. */
  powerCut?(cut: CutReport, restartUs: number): void;
  /** Bytes the firmware wrote to its UART (the console), as text. */
  console?(text: string): void;
  /** The firmware asked for a reset (`reboot`, `factory-reset`) and was restarted at `timeUs`. */
  reboot?(timeUs: number): void;
  /** The firmware's output state (fw_output_state, bit i = out i+1) changed after the tick at `timeUs`. */
  outputs?(mask: number, timeUs: number): void;
}

/** The console prompt: a scenario's next console line is typed once it is back. */
export const CONSOLE_PROMPT = "am> ";

export class Twin {
  clockUs = 0;
  readonly frames: Uint8Array[] = [];
  consoleText = "";
  readonly flash: NorFlash;
  readonly flashDriver: SimFlash;
  /** Simulated time each frame left the radio (after the flash operations before it). */
  readonly frameTimesUs: number[] = [];
  powerCuts = 0;
  reboots = 0;
  /** Channels the scenario drives above 120 % of the board's rating (flagged, still run). */
  readonly overload: string[];
  private firmware: Firmware;
  /** Console lines waiting for the prompt (a calibration keeps the console busy for seconds). */
  private readonly pendingLines: string[] = [];
  private nextOutage = 0;
  private readonly cutRandom: Random;
  private readonly trains: { train: PulseTrain; input: number }[] = [];
  private readonly heat: HeatCircuit[] = [];
  private readonly adc?: AdcStream;
  /** The firmware of this power-up refused ADC blocks (CT metering off, status ct_fault): the board stops sending them. */
  private adcRefused = false;
  private readonly endUs: number;
  /** The outputs the firmware has on (fw_output_state after the last tick; 0 at power-up: relays drop). */
  outputMask = 0;
  /** Every change of the output state: [time after the tick, µs; mask]. */
  readonly outputChanges: [number, number][] = [];

  constructor(readonly scenario: Scenario, readonly image: FirmwareImage = loadFirmwareImage(), private readonly observer: TwinObserver = {},
    private readonly options: TwinOptions = {}) {
    checkSupported(scenario);
    this.overload = overloads(scenario);
    const board = scenario.board;
    this.flash = new NorFlash(board.flash.sector_bytes, board.flash.sectors);
    if (options.flashImage) {
      if (options.flashImage.length !== this.flash.size) {
        throw new ScenarioError(`the flash image has ${options.flashImage.length} bytes, but board ${board.name} has ${this.flash.size}`);
      }
      this.flash.data.set(options.flashImage);
    }
    this.flashDriver = new SimFlash(this.flash, () => this.clockUs);
    this.cutRandom = new Random(scenario.seed, 0xc07);
    this.endUs = Math.round(scenario.seconds * 1e6);
    for (const [name, spec] of scenario.pulse) {
      const input = channelNumber(name) - 1;
      this.trains.push({ train: new PulseTrain(spec, input, new Random(scenario.seed, 1 + input)), input });
    }
    for (const [name, spec] of scenario.heat) {
      this.heat.push(new HeatCircuit(name, spec, board.channels.find((c) => c.name === name && c.kind === "heat") as HeatChannel));
    }
    if (scenario.mains !== undefined || scenario.ct.size > 0) this.adc = new AdcStream(scenario);
    this.firmware = this.powerUp();
    this.typeLines(scenario.console);
  }

  private powerUp(): Firmware {
    const fw = new Firmware(this.image, {
      timeUs: () => BigInt(this.clockUs),
      consoleWrite: (bytes) => {
        const text = Buffer.from(bytes).toString("latin1");
        this.consoleText += text;
        this.observer.console?.(text);
      },
      radioSend: (frame) => {
        // The radio transmits once the flash writes before it are done (the CPU stalls on them).
        const timeUs = Math.max(this.clockUs, this.flashDriver.busyUntilUs);
        this.frames.push(frame);
        this.frameTimesUs.push(timeUs);
        this.observer.frame?.(frame, timeUs);
      },
      log: () => {},
      panic: () => {},
      flash: this.flashDriver,
    }, this.options.recorder);
    fw.start(packDescriptor(boardForScenario(this.scenario.board, this.scenario.heat)));
    this.adcRefused = false;
    // The board's RTC (docs/scenarios.md `start_utc`): kept through outages, handed over at power-up.
    if (this.scenario.startUtc !== undefined) fw.setTimeUtc(this.scenario.startUtc + Math.floor(this.clockUs / 1e6));
    this.setOutputs(0);
    const key = this.options.key === undefined ? testKey(this.scenario.board.node_id) : this.options.key;
    if (key) fw.setKey(key);
    fw.setIdentity(Buffer.from(this.image.sha256, "hex"));
    // The board reads every pulse input once at power-up and reports it as a level, not an
    // edge: the level just before now, so an edge at this very microsecond still is an edge.
    fw.pulseEvents(this.trains.map(({ train, input }) => ({ timeUs: this.clockUs, input, level: train.levelAt(this.clockUs - 1), powerUp: true })));
    fw.pulseEvents(this.heat.map((h) => ({ timeUs: this.clockUs, input: h.input, level: h.levelAt(this.clockUs - 1), powerUp: true })));
    fw.temperatures(this.heat.map((h) => h.temperature()));
    // Skipping idle time (step_ms > 10): a board's main loop still ticks right after start-up,
    // so work due at once (a billing record missed while off) is not deferred a whole step.
    if ((this.scenario.stepUs ?? STEP_US) > STEP_US) fw.tick();
    return fw;
  }

  /**
   * Type console lines as a person (or a script) would: each followed by CR, the next one once
   * the prompt is back. Most answers come at once; a calibration answers seconds later.
   */
  typeLines(lines: readonly string[]): void {
    this.pendingLines.push(...lines);
    this.typePending();
  }

  /** Lines still waiting for the prompt. */
  get consoleBusy(): boolean {
    return this.pendingLines.length > 0;
  }

  private typePending(): void {
    while (this.pendingLines.length > 0 && this.consoleText.endsWith(CONSOLE_PROMPT)) {
      this.consoleInput(Buffer.from(`${this.pendingLines.shift()}\r`, "latin1"));
    }
  }

  /** Bytes arriving on the UART (a terminal on the serial line). */
  consoleInput(bytes: Uint8Array): void {
    this.firmware.consoleInput(bytes);
    this.resetIfAsked();
  }

  /** The firmware asked for a reset: restart it like a power cycle, flash kept, nothing cut. */
  private resetIfAsked(): void {
    if (!this.firmware.resetPending()) return;
    this.reboots++;
    this.firmware = this.powerUp();
    this.observer.reboot?.(this.clockUs);
  }

  get done(): boolean {
    return this.clockUs >= this.endUs;
  }

  /** Advance simulated time by one main-loop step (less at the end of the scenario or at an outage). */
  step(): void {
    const outage = this.scenario.outages[this.nextOutage];
    const outageUs = outage ? Math.round(outage.atS * 1e6) : Infinity;
    // Long steps (step_ms) stay on their grid of absolute time, after a restart too, so ticks land on whole hours.
    const stepUs = this.scenario.stepUs ?? STEP_US;
    const next = stepUs > STEP_US ? (Math.floor(this.clockUs / stepUs) + 1) * stepUs : this.clockUs + STEP_US;
    const until = Math.min(next, this.endUs, Math.max(outageUs, this.clockUs));
    if (outage && until >= outageUs) {
      this.nextOutage++;
      this.runStep(until);
      this.powerCut(outageUs, Math.round(outage.offS * 1e6));
      return;
    }
    this.runStep(until);
  }

  /**
   * Power fails at `atUs` (not before the current time) for `offUs`. A board with a supply
   * monitor warns the firmware first and holds up long enough for it to commit. Flash operations
   * still running at the cut land partly; RAM is lost; signals go on unmeasured; then the board
   * starts again.
   */
  powerCut(atUs: number, offUs: number): CutReport {
    atUs = Math.max(atUs, this.clockUs);
    const holdupUs = Math.round((this.scenario.board.supply_monitor_holdup_ms ?? 0) * 1000);
    let cutUs = atUs;
    if (holdupUs > 0) {
      this.clockUs = atUs;
      this.firmware.powerFail();
      cutUs = atUs + holdupUs;
    }
    const report = this.flashDriver.cut(cutUs, this.cutRandom);
    // Frames still waiting for a flash write at the cut never left the radio.
    let lost = 0;
    while (this.frameTimesUs.length > 0 && this.frameTimesUs[this.frameTimesUs.length - 1] > cutUs) {
      this.frameTimesUs.pop();
      this.frames.pop();
      lost++;
    }
    if (lost > 0) this.options.recorder?.lost("radio_send", lost);
    const restartUs = Math.min(Math.max(cutUs, atUs + offUs), Math.max(this.endUs, cutUs));
    for (const { train } of this.trains) train.skip(restartUs - 1);
    for (const h of this.heat) h.take(restartUs - 1, []);
    this.powerCuts++;
    this.observer.powerCut?.(report, restartUs);
    this.clockUs = restartUs;
    this.firmware = this.powerUp();
    return report;
  }

  private runStep(until: number): void {
    const events: PulseEvent[] = [];
    for (const { train } of this.trains) train.take(until, events);
    for (const h of this.heat) h.take(until, events);
    if (this.trains.length + this.heat.length > 1) events.sort((a, b) => a.timeUs - b.timeUs);
    // The sensor pair is read once per second, before that step's edges are handed over.
    if (this.heat.length > 0 && Math.floor(until / TEMPERATURE_PERIOD_US) > Math.floor(this.clockUs / TEMPERATURE_PERIOD_US)) {
      this.firmware.temperatures(this.heat.map((h) => h.temperature()));
    }
    // A firmware whose CT metering is off answers -4 (status ct_fault): a shell logs it and stops
    // its ADC; everything else runs on (docs/ct.md).
    if (this.adc && !this.adcRefused) this.adcRefused = !this.adc.deliver(this.firmware, this.clockUs, until, this.outputMask);
    this.clockUs = until;
    if (events.length > 0) this.firmware.pulseEvents(events);
    this.firmware.tick();
    // The relays follow the firmware's output state from the next step on (the loads' currents).
    this.setOutputs(this.firmware.outputState());
    this.resetIfAsked();
    this.typePending();
  }

  private setOutputs(mask: number): void {
    if (mask === this.outputMask) return;
    this.outputMask = mask;
    this.outputChanges.push([this.clockUs, mask]);
    this.observer.outputs?.(mask, this.clockUs);
  }

  runToEnd(): void {
    while (!this.done) this.step();
  }

  registers(): Record<string, number> {
    return this.firmware.registers();
  }

  status(): number {
    return this.firmware.status();
  }

  report(): Report {
    return {
      format: REPORT_FORMAT,
      firmware: { sha256: this.image.sha256, bytes: this.image.bytes.length },
      board: this.scenario.board.name,
      seed: this.scenario.seed,
      seconds: this.scenario.seconds,
      registers: this.registers(),
      status: this.status(),
      frames: this.frames.map(bytesToHex),
      console: this.consoleText,
      ...(this.overload.length > 0 ? { overload: this.overload } : {}),
    };
  }
}

/**
 * The board's ADC for CT metering: the scenario's voltage and clamp currents through the analog
 * front end (host/sim/analog.ts), sampled continuously from t = 0 at the board's rate. Each step
 * hands the firmware the frames of that step (as a DMA block would), exact frame indices, no gaps.
 * Without 'mains' the voltage is 0 V (nothing registers); a clamp without a 'ct' entry carries 0 A.
 */
class AdcStream {
  private readonly frontEnd: AnalogFrontEnd;
  /** The ADC's real frame rate in mHz (the shell's clock divider; the ideal model: the nominal rate). */
  private readonly rateMilliHz: bigint;
  private readonly block: Uint16Array;
  /** Clamps whose current changes: a power profile and the loads of outputs (bit of fw_output_state, W). */
  private readonly variable: { name: string; profile?: PowerProfile; loads: [number, number][] }[] = [];
  private readonly vrms: number;

  constructor(scenario: Scenario) {
    const board = scenario.board;
    const voltage = board.channels.find((c) => c.kind === "voltage");
    if (!voltage) throw new ScenarioError(`board ${board.name} has no voltage reference channel 'v': 'mains' and 'ct' need one`);
    // ADC columns in adc_input order (docs/board-abi.md): the voltage first, then the clamps.
    const cts = board.channels.filter((c) => c.kind === "ct").sort((a, b) => (a as { adc_input: number }).adc_input - (b as { adc_input: number }).adc_input);
    // A unit's real components (`as_built`, tolerances) shape the signals; the firmware gets the nominal values.
    const built = (c: Channel) => ("as_built" in c && c.as_built ? { ...c, ...c.as_built } : c);
    const spec: BoardSpec = { name: board.name, chip: board.chip, adc: board.adc, channels: [built(voltage), ...cts.map(built)] };
    const mains = scenario.mains;
    this.vrms = mains && mains.vrms > 0 ? mains.vrms : 230;
    for (const c of cts) {
      const outputLoads: [number, number][] = [];
      for (const [name, o] of scenario.outputs) if (o.clamps.includes(c.name)) outputLoads.push([1 << (channelNumber(name) - 1), o.loadW]);
      const profile = scenario.ct.get(c.name)?.profileW;
      if (profile || outputLoads.length > 0) this.variable.push({ name: c.name, profile, loads: outputLoads });
    }
    const loads: Record<string, CtLoadSpec> = {};
    for (const [name, c] of scenario.ct) {
      loads[name] = { irms: c.irms, phi_deg: c.phiDeg, noise_a: c.noiseA, harmonics: c.harmonics.map((h) => [h.order, h.amplitude, h.phaseDeg]) };
    }
    this.frontEnd = new AnalogFrontEnd(spec,
      mains ? { vrms: mains.vrms, hz: mains.hz, harmonics: mains.harmonics.map((h) => [h.order, h.amplitude, h.phaseDeg]) } : { vrms: 0, hz: 50 },
      loads, { seed: (scenario.seed ^ Math.floor(scenario.seed / 2 ** 32) ^ 0x5ca1ab1e) >>> 0, variable: this.variable.map((v) => v.name) });
    const rateHz = realFrameRateHz(spec);
    this.rateMilliHz = BigInt(Math.round(rateHz * 1000));
    this.block = new Uint16Array(Math.ceil(STEP_US * rateHz / 1e6 + 1) * this.frontEnd.columns);
  }

  /** Index of the first frame sampled at or after `us` (exact integer arithmetic for any run length). */
  private frameAt(us: number): number {
    const scaled = BigInt(Math.round(us)) * this.rateMilliHz;
    const per = 1_000_000_000n;
    return Number((scaled + per - 1n) / per);
  }

  /**
   * The frames sampled in [fromUs, toUs), with the outputs of `outputMask` on; false when the
   * firmware refuses ADC blocks (CT metering off). A profile counts at the step's middle (exact
   * for a linear piece), a load whole steps, at PF 1.
   */
  deliver(firmware: Firmware, fromUs: number, toUs: number, outputMask = 0): boolean {
    const first = this.frameAt(fromUs);
    const frames = this.frameAt(toUs) - first;
    if (frames <= 0) return true;
    for (const v of this.variable) {
      let watts = v.profile ? profileAt(v.profile, (fromUs + toUs) / 2e6) : 0;
      for (const [bit, w] of v.loads) if (outputMask & bit) watts += w;
      this.frontEnd.setExtraCurrent(v.name, watts / this.vrms);
    }
    const codes = this.block.subarray(0, frames * this.frontEnd.columns);
    this.frontEnd.fill(codes, first, frames);
    try {
      firmware.adcBlock(codes, this.frontEnd.columns);
    } catch (e) {
      if (e instanceof FirmwareError && /not supported/.test(e.message) && (firmware.status() & CT_FAULT_FLAG) !== 0) return false;
      throw e;
    }
    return true;
  }
}

/** Play a whole scenario as fast as possible and return the report. */
export function runScenario(scenario: Scenario, image?: FirmwareImage): Report {
  const twin = new Twin(scenario, image);
  twin.runToEnd();
  return twin.report();
}
