// The twin's analog front end for CT metering: scenario waveforms through the board's
// voltage divider / CT and burden, the board's phase leads, ADC bias (and optional drift),
// Gaussian noise, quantisation and clipping, as interleaved u16 frames [v, ct1, ct2, ...].
//
// Waveform contract (times exact: t = frame / sample_rate_hz, no drift):
//   v(t) = √2·vrms·[sin(ωt) + Σ a·sin(h·ωt + θ)]
//   i(t) = √2·irms·[sin(ωt − φ) + Σ a·sin(h·(ωt − φ) + θ)]      (+ noise_a A rms, white)
// A channel without a load spec carries zero current (ADC noise only).
// Two models (docs/ct.md, "The twin's front end"):
// - realistic (the default for every board): the chip's ADC and the shell's calibration
//   (adc-model.ts), sequential conversion (column k sampled k × column_step_us late), crosstalk
//   between consecutive conversions, random spikes, the real frame rate (frame_rate_hz), the
//   clamp's ratio and phase error against current and its saturation (ct-clamp-model.ts);
// - ideal (`adc.ideal` in the board or the `ideal` option): a linear ADC with white noise,
//   all columns sampled at once at sample_rate_hz, clamps with a constant ratio and a time lead of
//   phase_deg (h·phase_deg at harmonic h). The analytic tests of the metering core use it.
import { AdcModel } from "./adc-model.js";
import type { Chip } from "./adc-model.js";
import { clampResponse, saturate } from "./ct-clamp-model.js";
import type { ErrorCurve } from "./ct-clamp-model.js";

/** [order, amplitude relative to the fundamental, phase in degrees]. */
export type Harmonic = [number, number, number];

export interface MainsSpec { vrms: number; hz: number; harmonics?: Harmonic[] }
export interface CtLoadSpec { irms: number; phi_deg: number; harmonics?: Harmonic[]; noise_a?: number }

export interface BoardAdc {
  bits: number; full_scale_mv: number; bias_code: number; sample_rate_hz: number; noise_lsb_rms: number;
  frame_rate_hz?: number; column_step_us?: number; attenuation_db?: number; crosstalk_ppm?: number; ideal?: boolean;
  as_built?: { crosstalk_ppm?: number; gain_error_percent?: number; spikes_per_s?: number; mains_pickup_lsb?: number };
}
export interface BoardChannel {
  name: string; kind: string;
  volts_per_adc_volt?: number; phase_deg?: number; ratio?: number; burden_ohm?: number; rated_a?: number;
  clamp?: { model?: string; max_a?: number; error_curve?: ErrorCurve };
  /** The unit's own error curve (as_built, merged in by the twin). */
  error_curve?: ErrorCurve;
}
export interface BoardSpec { name?: string; chip?: string; adc: BoardAdc; channels: BoardChannel[] }

/** Random ADC spikes per second and column in the realistic model (a conversion off by 30–300 LSB). */
export const DEFAULT_SPIKES_PER_S = 0.5;
/**
 * Mains-synchronous pickup on every clamp input in the realistic model, LSB peak: capacitive
 * coupling from the mains wiring, 90° ahead of the voltage. A few pF at 230 V drive ≈ 0.4 µA
 * into the 33 Ω burden: ≈ 12 µV, 0.02 LSB. (It is reactive at the pin, but the firmware's phase
 * correction of δ turns sin δ of it into real power: 1 LSB would add ≈ 1 % at 1 % of rated.)
 */
export const DEFAULT_MAINS_PICKUP_LSB = 0.02;
/** The frame rate the board's ADC really runs at (the twin samples at it; ideal: the nominal rate). */
export function realFrameRateHz(board: BoardSpec): number {
  return board.adc.ideal ? board.adc.sample_rate_hz : board.adc.frame_rate_hz ?? board.adc.sample_rate_hz;
}
/** A copy of the board with the ideal front end (for analytic tests). */
export function idealBoard<T extends { adc: BoardAdc }>(board: T): T {
  return { ...board, adc: { ...board.adc, ideal: true } };
}

export interface AnalogOptions {
  /** Noise seed: the same seed gives the same codes for the same frames, whatever the block sizes. */
  seed?: number;
  /** Bias deviation from bias_code in codes (fractional allowed) of ADC column `column` at time t (s). */
  biasDrift?: (column: number, tSeconds: number) => number;
  /** The ideal front end (default: the board's adc.ideal, else realistic). */
  ideal?: boolean;
  /** Clamps whose current changes while the run goes on (setExtraCurrent); a missing load there is 0 A. */
  variable?: string[];
}

interface Component { amplitudeCodes: number; harmonic: number; phaseTurns: number }
interface Column { components: Component[]; noiseCodes: number; clampNoiseCodes: number; saturationCodesA?: [number, number] }
/** What the fundamental of a variable clamp is made of (setExtraCurrent recomputes component 0). */
interface Variable { column: number; irms: number; phiTurns: number; clamp: { phaseDeg: number; errorCurve?: ErrorCurve; maxA?: number }; codesPerAmp: number; delayTurns: number }

/** Board channels in ADC column order: the voltage channel, then the CT channels in board order. */
export function adcColumns(board: BoardSpec): BoardChannel[] {
  const voltage = board.channels.find((c) => c.kind === "voltage");
  if (!voltage) throw new Error(`board ${board.name ?? "?"} has no voltage channel`);
  return [voltage, ...board.channels.filter((c) => c.kind === "ct")];
}

/** Codes per volt at the ADC pin: code 2^bits − 1 ≈ full_scale_mv. */
export function codesPerAdcVolt(adc: BoardAdc): number {
  return ((2 ** adc.bits - 1) * 1000) / adc.full_scale_mv;
}

export class AnalogFrontEnd {
  /** Samples per frame: 1 voltage + CT channels. */
  readonly columns: number;
  readonly sampleRateHz: number;
  private readonly cols: Column[];
  private readonly hz: number;
  private readonly maxCode: number;
  private readonly bias: number;
  private readonly seed: number;
  private readonly biasDrift?: (column: number, tSeconds: number) => number;
  readonly ideal: boolean;
  private readonly adc?: AdcModel;
  private readonly mvPerCode: number;
  private readonly crosstalk: number;
  private readonly spikeProbability: number;
  private readonly variables = new Map<string, Variable>();

  /**
   * `loads`: per CT channel, in board order (array) or by channel name (object);
   * a missing or null entry means no current through that clamp.
   */
  constructor(board: BoardSpec, mains: MainsSpec, loads: (CtLoadSpec | null | undefined)[] | Record<string, CtLoadSpec | undefined>,
    options: AnalogOptions = {}) {
    const adc = board.adc;
    const channels = adcColumns(board);
    const perVolt = codesPerAdcVolt(adc);
    this.columns = channels.length;
    this.ideal = options.ideal ?? adc.ideal ?? false;
    this.sampleRateHz = this.ideal ? adc.sample_rate_hz : realFrameRateHz(board);
    this.hz = mains.hz;
    this.maxCode = 2 ** adc.bits - 1;
    this.bias = adc.bias_code;
    this.seed = (options.seed ?? 1) >>> 0;
    this.biasDrift = options.biasDrift;
    this.mvPerCode = adc.full_scale_mv / this.maxCode;
    const asBuilt = adc.as_built ?? {};
    this.crosstalk = this.ideal ? 0 : (asBuilt.crosstalk_ppm ?? adc.crosstalk_ppm ?? 0) / 1e6;
    this.spikeProbability = this.ideal ? 0 : (asBuilt.spikes_per_s ?? DEFAULT_SPIKES_PER_S) / this.sampleRateHz;
    if (!this.ideal) {
      const chip = (board.chip ?? "esp32") as Chip;
      // The shell's calibration gives the full scale; what is left is the unit's as-built residual gain.
      this.adc = new AdcModel(chip, adc.bits, adc.full_scale_mv, (asBuilt.gain_error_percent ?? 0) / 100);
    }
    const turns = (deg: number) => deg / 360;
    // Sequential conversion: column k is sampled k × step after the voltage, i.e. h·f·k·step turns later.
    const stepS = this.ideal ? 0 : (adc.column_step_us ?? 0) * 1e-6;
    const delayTurns = (index: number, h: number) => h * mains.hz * index * stepS;
    const physical = !this.ideal;
    const pickupCodes = this.ideal ? 0 : asBuilt.mains_pickup_lsb ?? DEFAULT_MAINS_PICKUP_LSB;
    const pickup = (index: number): Component[] => (pickupCodes > 0 && mains.vrms > 0
      ? [{ amplitudeCodes: pickupCodes, harmonic: 1, phaseTurns: 0.25 + delayTurns(index, 1) }] : []);
    this.cols = channels.map((ch, index) => {
      const lead = turns(ch.phase_deg ?? 0);
      if (index === 0) {
        const peak = Math.SQRT2 * mains.vrms / (ch.volts_per_adc_volt ?? 1) * perVolt;
        return {
          components: [{ amplitudeCodes: peak, harmonic: 1, phaseTurns: lead },
            ...(mains.harmonics ?? []).map(([h, a, theta]) => ({ amplitudeCodes: peak * a, harmonic: h, phaseTurns: h * lead + turns(theta) }))],
          noiseCodes: adc.noise_lsb_rms, clampNoiseCodes: 0,
        };
      }
      let load = Array.isArray(loads) ? loads[index - 1] : loads[ch.name];
      if (!load && options.variable?.includes(ch.name)) load = { irms: 0, phi_deg: 0 };
      const codesPerAmp = (ch.burden_ohm ?? 0) / (ch.ratio ?? 1) * perVolt; // primary A → secondary A → burden V
      if (!load) return { components: pickup(index), noiseCodes: adc.noise_lsb_rms, clampNoiseCodes: 0 };
      const clamp = clampResponse({ phaseDeg: ch.phase_deg ?? 0, errorCurve: ch.error_curve ?? ch.clamp?.error_curve, maxA: ch.clamp?.max_a },
        load.irms, physical);
      const peak = Math.SQRT2 * load.irms * codesPerAmp * clamp.gain;
      const phi = turns(load.phi_deg);
      const harmonicPeak = 1 + (load.harmonics ?? []).reduce((sum, [, a]) => sum + Math.abs(a), 0);
      const maxA = physical ? ch.clamp?.max_a : undefined;
      if (options.variable?.includes(ch.name)) {
        this.variables.set(ch.name, { column: index, irms: load.irms, phiTurns: phi, codesPerAmp, delayTurns: delayTurns(index, 1),
          clamp: { phaseDeg: ch.phase_deg ?? 0, errorCurve: ch.error_curve ?? ch.clamp?.error_curve, maxA: ch.clamp?.max_a } });
      }
      return {
        components: [{ amplitudeCodes: peak, harmonic: 1, phaseTurns: clamp.leadTurns(1) - phi + delayTurns(index, 1) },
          ...(load.harmonics ?? []).map(([h, a, theta]) => ({
            amplitudeCodes: peak * a, harmonic: h, phaseTurns: clamp.leadTurns(h) - h * phi + turns(theta) + delayTurns(index, h),
          })), ...pickup(index)],
        noiseCodes: adc.noise_lsb_rms, clampNoiseCodes: (load.noise_a ?? 0) * codesPerAmp,
        // Saturation only matters near the clamp's maximum: skip the per-sample work below it.
        saturationCodesA: maxA && Math.SQRT2 * load.irms * harmonicPeak > 0.5 * 1.4 * Math.SQRT2 * maxA ? [codesPerAmp, maxA] : undefined,
      };
    });
  }

  /**
   * Adds a current in phase with the voltage (PF 1: `amps` A rms, < 0 for export) to the steady
   * load of variable clamp `name` from the next fill on: the fundamental becomes the phasor sum,
   * through the clamp's response at the summed current (its harmonics and noise stay).
   */
  setExtraCurrent(name: string, amps: number): void {
    const v = this.variables.get(name);
    if (!v) throw new Error(`clamp ${name} was not declared variable`);
    const re = v.irms * Math.cos(-2 * Math.PI * v.phiTurns) + amps;
    const im = v.irms * Math.sin(-2 * Math.PI * v.phiTurns);
    const total = Math.hypot(re, im);
    const clamp = clampResponse(v.clamp, total, !this.ideal);
    const c0 = this.cols[v.column].components[0];
    c0.amplitudeCodes = Math.SQRT2 * total * v.codesPerAmp * clamp.gain;
    c0.phaseTurns = clamp.leadTurns(1) + Math.atan2(im, re) / (2 * Math.PI) + v.delayTurns;
  }

  /** Writes `frames` frames starting at absolute frame `firstFrame` into `block` (frames × columns codes). */
  fill(block: Uint16Array, firstFrame: number, frames: number): void {
    if (block.length < frames * this.columns) throw new Error(`block holds ${block.length} codes, need ${frames * this.columns}`);
    if (!this.ideal) { this.fillRealistic(block, firstFrame, frames); return; }
    const twoPi = 2 * Math.PI;
    const cols = this.cols;
    for (let f = 0; f < frames; f++) {
      const frame = firstFrame + f;
      // Mains phase in turns, reduced exactly enough for any run length.
      const cycles = (this.hz * frame) / this.sampleRateHz;
      const turn = cycles - Math.floor(cycles);
      const t = frame / this.sampleRateHz;
      for (let c = 0; c < cols.length; c++) {
        const col = cols[c];
        let x = this.bias;
        for (const k of col.components) x += k.amplitudeCodes * Math.sin(twoPi * (k.harmonic * turn + k.phaseTurns));
        x += col.noiseCodes * gaussian(this.seed, frame, 2 * c);
        if (col.clampNoiseCodes > 0) x += col.clampNoiseCodes * gaussian(this.seed, frame, 2 * c + 1);
        if (this.biasDrift) x += this.biasDrift(c, t);
        const code = Math.round(x);
        block[f * this.columns + c] = code < 0 ? 0 : code > this.maxCode ? this.maxCode : code;
      }
    }
  }

  /** The realistic model: chip ADC + shell calibration, crosstalk, spikes (columns delayed in the phases). */
  private fillRealistic(block: Uint16Array, firstFrame: number, frames: number): void {
    const twoPi = 2 * Math.PI;
    const { cols, mvPerCode, crosstalk } = this;
    const adc = this.adc!;
    const biasMv = this.bias * mvPerCode;
    // The pin voltage of the conversion before (crosstalk). The voltage column's predecessor (the
    // previous frame's last clamp) is taken as the bias, so a frame's codes depend on that frame only.
    let previousMv = biasMv;
    for (let f = 0; f < frames; f++) {
      const frame = firstFrame + f;
      const cycles = (this.hz * frame) / this.sampleRateHz;
      const turn = cycles - Math.floor(cycles);
      const t = frame / this.sampleRateHz;
      for (let c = 0; c < cols.length; c++) {
        const col = cols[c];
        let x = 0;
        for (const k of col.components) x += k.amplitudeCodes * Math.sin(twoPi * (k.harmonic * turn + k.phaseTurns));
        if (col.clampNoiseCodes > 0) x += col.clampNoiseCodes * gaussian(this.seed, frame, 2 * c + 1);
        if (col.saturationCodesA) {
          const [codesPerAmp, maxA] = col.saturationCodesA;
          x = saturate(x / codesPerAmp, maxA) * codesPerAmp;
        }
        if (this.biasDrift) x += this.biasDrift(c, t);
        let mv = biasMv + x * mvPerCode;
        if (c === 0) previousMv = biasMv;
        // Charge sharing with the sampling capacitor still holding the previous conversion's input.
        mv += crosstalk * (previousMv - mv);
        previousMv = mv;
        let raw = adc.rawOf(mv) + col.noiseCodes * gaussian(this.seed, frame, 2 * c);
        if (this.spikeProbability > 0 && uniform(this.seed, frame, 64 + c) < this.spikeProbability) {
          const u = uniform(this.seed, frame, 96 + c);
          raw += (u < 0.5 ? -1 : 1) * (30 + 540 * Math.abs(u - 0.5));
        }
        block[f * this.columns + c] = adc.linearised(Math.round(raw));
      }
    }
  }
}

// ---- noise: a counter-based generator, so each (seed, frame, stream) has its own fixed value --------
/** 32-bit integer hash (lowbias32 finaliser): a good mix from a few multiplies. */
function mix32(x: number): number {
  x ^= x >>> 16; x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15; x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** One uniform in (0, 1) for (seed, frame, stream). */
export function uniform(seed: number, frame: number, stream: number): number {
  const hi = Math.floor(frame / 4294967296);
  const key = mix32(seed ^ mix32(Math.imul(stream + 1, 0x9e3779b9) ^ mix32(hi + 0x632be5ab)));
  return (mix32(key ^ mix32(frame >>> 0)) + 0.5) / 4294967296;
}

/** Two uniforms in (0, 1) for (seed, frame, stream), then Box–Muller: one standard normal value. */
export function gaussian(seed: number, frame: number, stream: number): number {
  const hi = Math.floor(frame / 4294967296);
  const key = mix32(seed ^ mix32(Math.imul(stream + 1, 0x9e3779b9) ^ mix32(hi + 0x632be5ab)));
  const h1 = mix32(key ^ mix32(frame >>> 0));
  const h2 = mix32(h1 ^ 0x68e31da4);
  const u1 = (h1 + 0.5) / 4294967296;
  const u2 = (h2 + 0.5) / 4294967296;
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}
