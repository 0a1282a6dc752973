// One heat circuit of a scenario (docs/scenarios.md): a flow meter giving clean pulse edges per
// volume on the board's flow input, and a PT1000 pair read once per second. Flow pulse k
// (k = 1, 2, …) rises when the volume since start_s reaches k·l_per_pulse litres, while the
// flow runs (start_s .. stop_s), and stays on min(50 ms, half the period).
import type { HeatSpec } from "./scenario.js";
import { ScenarioError } from "./scenario.js";
import type { Board, HeatChannel } from "../board/board.js";
import { channelNumber } from "../board/board.js";
import type { PulseEvent, TemperatureRecord } from "../firmware/firmware.js";

/** Pulse-event input number of heat1's flow input (docs/board-abi.md); heatN is 7 + N. */
export const FLOW_INPUT_FIRST = 8;
/** The board reads the temperature pair once per second. */
export const TEMPERATURE_PERIOD_US = 1_000_000;
const MAX_ON_MS = 50;

/** Litres per flow pulse: the scenario's l_per_pulse, else the board's default. */
export function litresPerPulse(spec: HeatSpec, channel: HeatChannel): number {
  return spec.litresPerPulse ?? channel.litres_per_pulse;
}

/** Flow pulses the definition produces: k ≥ 1 with k·L ≤ the volume from start_s to min(stop_s, untilS). */
export function flowPulses(spec: HeatSpec, litres: number, untilS = Infinity): number {
  const end = Math.min(spec.stopS, untilS);
  if (end <= spec.startS || spec.flowM3h <= 0) return 0;
  const volumeL = (spec.flowM3h * 1000 / 3600) * (end - spec.startS);
  return Math.floor(volumeL / litres + 1e-9); // trim float noise at exact multiples
}

/**
 * The board as the twin configures it for this scenario: a circuit's installed flow meter
 * (`l_per_pulse`) replaces the board file's default in the descriptor, as an installer would.
 */
export function boardForScenario(board: Board, heat: ReadonlyMap<string, HeatSpec>): Board {
  return {
    ...board,
    channels: board.channels.map((ch) => {
      const spec = ch.kind === "heat" ? heat.get(ch.name) : undefined;
      return spec?.litresPerPulse !== undefined ? { ...ch, litres_per_pulse: spec.litresPerPulse } : ch;
    }),
  };
}

export class HeatCircuit {
  readonly input: number;
  readonly circuit: number;
  readonly litres: number;
  private readonly total: number;
  private readonly periodS: number;
  private readonly onUs: number;
  private nextPulse = 1;
  private queue: PulseEvent[] = [];

  constructor(readonly name: string, readonly spec: HeatSpec, channel: HeatChannel) {
    this.circuit = channelNumber(name) - 1;
    this.input = FLOW_INPUT_FIRST + this.circuit;
    this.litres = litresPerPulse(spec, channel);
    this.total = flowPulses(spec, this.litres);
    this.periodS = spec.flowM3h > 0 ? this.litres * 3.6 / spec.flowM3h : Infinity;
    const onMs = Math.min(MAX_ON_MS, this.periodS * 500);
    this.onUs = Math.round(onMs * 1000);
    // Pulses shorter than the input filter would be dropped by the firmware: refuse the file instead.
    if (this.total > 0 && onMs < channel.filter_ms) {
      throw new ScenarioError(`'heat.${name}.flow_m3h' (${spec.flowM3h}) gives a flow pulse every ${(this.periodS * 1000).toFixed(3)} ms; ` +
        `on and off must each last the input filter time (${channel.filter_ms} ms): lower the flow or raise l_per_pulse`);
    }
  }

  private riseUs(k: number): number {
    return Math.round((this.spec.startS + k * this.periodS) * 1e6);
  }

  /** The flow input's level at `tUs` (for the power-up report). */
  levelAt(tUs: number): number {
    if (this.total === 0) return 0;
    const k = Math.floor((tUs / 1e6 - this.spec.startS) / this.periodS);
    for (const j of [k, k + 1]) {
      if (j < 1 || j > this.total) continue;
      const rise = this.riseUs(j);
      if (tUs >= rise && tUs < rise + this.onUs) return 1;
    }
    return 0;
  }

  /** Flow edges with time <= tUs not yet taken, in time order. */
  take(tUs: number, out: PulseEvent[]): void {
    while (this.nextPulse <= this.total && this.riseUs(this.nextPulse) <= tUs) {
      const rise = this.riseUs(this.nextPulse++);
      this.queue.push({ timeUs: rise, input: this.input, level: 1 }, { timeUs: rise + this.onUs, input: this.input, level: 0 });
    }
    let n = 0;
    while (n < this.queue.length && this.queue[n].timeUs <= tUs) out.push(this.queue[n++]);
    if (n > 0) this.queue = this.queue.slice(n);
  }

  /** What the sensor pair reads now, in m°C (the scenario's temperatures are steady). */
  temperature(): TemperatureRecord {
    return { circuit: this.circuit, supplyMilliC: Math.round(this.spec.supplyC * 1000), returnMilliC: Math.round(this.spec.returnC * 1000) };
  }
}
