// The digital twin: plays a scenario through the unchanged release firmware on a simulated
// board (clock, GPIO edge interrupts, UART, radio, NOR flash) and reports what it measured.
import { Firmware, loadFirmwareImage } from "../firmware/firmware.js";
import type { FirmwareImage, PulseEvent } from "../firmware/firmware.js";
import { channelNumber, packDescriptor } from "../board/board.js";
import type { HeatChannel } from "../board/board.js";
import { bytesToHex } from "../frame/codec.js";
import { testKey } from "../frame/keyring.js";
import type { Scenario } from "./scenario.js";
import { ScenarioError } from "./scenario.js";
import { PulseTrain } from "./pulse-train.js";
import { HeatCircuit, TEMPERATURE_PERIOD_US, boardForScenario } from "./heat-circuit.js";
import { NorFlash } from "./flash.js";
import { Random } from "./random.js";

export const REPORT_FORMAT = "activemeter-report/1";
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
}

/** Scenario features and the issue that brings them; refused until the firmware has them. */
const NOT_YET: [string, (s: Scenario) => boolean, string][] = [
  ["mains", (s) => s.mains !== undefined, "CT metering"],
  ["ct", (s) => s.ct.size > 0, "CT metering"],
  ["outages", (s) => s.outages.length > 0, "power-cut persistence"],
];

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
}

export interface TwinObserver {
  /** A frame left the radio at simulated time `timeUs`. */
  frame?(frame: Uint8Array, timeUs: number): void;
}

export class Twin {
  clockUs = 0;
  readonly frames: Uint8Array[] = [];
  consoleText = "";
  readonly flash: NorFlash;
  private firmware: Firmware;
  private readonly trains: { train: PulseTrain; input: number }[] = [];
  private readonly heat: HeatCircuit[] = [];
  private readonly endUs: number;

  constructor(readonly scenario: Scenario, readonly image: FirmwareImage = loadFirmwareImage(), private readonly observer: TwinObserver = {},
    private readonly options: TwinOptions = {}) {
    checkSupported(scenario);
    const board = scenario.board;
    this.flash = new NorFlash(board.flash.sector_bytes, board.flash.sectors);
    this.endUs = Math.round(scenario.seconds * 1e6);
    for (const [name, spec] of scenario.pulse) {
      const input = channelNumber(name) - 1;
      this.trains.push({ train: new PulseTrain(spec, input, new Random(scenario.seed, 1 + input)), input });
    }
    for (const [name, spec] of scenario.heat) {
      this.heat.push(new HeatCircuit(name, spec, board.channels.find((c) => c.name === name && c.kind === "heat") as HeatChannel));
    }
    this.firmware = this.powerUp();
    this.typeLines(scenario.console);
  }

  private powerUp(): Firmware {
    const fw = new Firmware(this.image, {
      timeUs: () => BigInt(this.clockUs),
      consoleWrite: (bytes) => { this.consoleText += Buffer.from(bytes).toString("latin1"); },
      radioSend: (frame) => {
        this.frames.push(frame);
        this.observer.frame?.(frame, this.clockUs);
      },
      log: () => {},
      panic: () => {},
    });
    fw.start(packDescriptor(boardForScenario(this.scenario.board, this.scenario.heat)));
    const key = this.options.key === undefined ? testKey(this.scenario.board.node_id) : this.options.key;
    if (key) fw.setKey(key);
    // The board reads every pulse input once at power-up and reports it as a level, not an
    // edge: the level just before now, so an edge at this very microsecond still is an edge.
    fw.pulseEvents(this.trains.map(({ train, input }) => ({ timeUs: this.clockUs, input, level: train.levelAt(this.clockUs - 1), powerUp: true })));
    fw.pulseEvents(this.heat.map((h) => ({ timeUs: this.clockUs, input: h.input, level: h.levelAt(this.clockUs - 1), powerUp: true })));
    fw.temperatures(this.heat.map((h) => h.temperature()));
    return fw;
  }

  typeLines(lines: readonly string[]): void {
    for (const line of lines) this.firmware.consoleInput(Buffer.from(`${line}\r`, "latin1"));
  }

  get done(): boolean {
    return this.clockUs >= this.endUs;
  }

  /** Advance simulated time by one main-loop step (less at the end of the scenario). */
  step(): void {
    const until = Math.min(this.clockUs + STEP_US, this.endUs);
    const events: PulseEvent[] = [];
    for (const { train } of this.trains) train.take(until, events);
    for (const h of this.heat) h.take(until, events);
    if (this.trains.length + this.heat.length > 1) events.sort((a, b) => a.timeUs - b.timeUs);
    // The sensor pair is read once per second, before that step's edges are handed over.
    if (this.heat.length > 0 && Math.floor(until / TEMPERATURE_PERIOD_US) > Math.floor(this.clockUs / TEMPERATURE_PERIOD_US)) {
      this.firmware.temperatures(this.heat.map((h) => h.temperature()));
    }
    this.clockUs = until;
    if (events.length > 0) this.firmware.pulseEvents(events);
    this.firmware.tick();
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
    };
  }
}

/** Play a whole scenario as fast as possible and return the report. */
export function runScenario(scenario: Scenario, image?: FirmwareImage): Report {
  const twin = new Twin(scenario, image);
  twin.runToEnd();
  return twin.report();
}
