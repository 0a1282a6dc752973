// The twin's analog front end for CT metering: scenario waveforms through the board's
// voltage divider / CT and burden, the board's phase leads, ADC bias (and optional drift),
// Gaussian noise, quantisation and clipping, as interleaved u16 frames [v, ct1, ct2, ...].
//
// Waveform contract (times exact: t = frame / sample_rate_hz, no drift):
//   v(t) = √2·vrms·[sin(ωt) + Σ a·sin(h·ωt + θ)]
//   i(t) = √2·irms·[sin(ωt − φ) + Σ a·sin(h·(ωt − φ) + θ)]      (+ noise_a A rms, white)
// A channel without a load spec carries zero current (ADC noise only).
// Phase leads (board `phase_deg` of the voltage and CT channels) are modelled as a time lead
// of phase_deg at the mains fundamental (h·phase_deg at harmonic h).

/** [order, amplitude relative to the fundamental, phase in degrees]. */
export type Harmonic = [number, number, number];

export interface MainsSpec { vrms: number; hz: number; harmonics?: Harmonic[] }
export interface CtLoadSpec { irms: number; phi_deg: number; harmonics?: Harmonic[]; noise_a?: number }

export interface BoardAdc { bits: number; full_scale_mv: number; bias_code: number; sample_rate_hz: number; noise_lsb_rms: number }
export interface BoardChannel {
  name: string; kind: string;
  volts_per_adc_volt?: number; phase_deg?: number; ratio?: number; burden_ohm?: number; rated_a?: number;
}
export interface BoardSpec { name?: string; adc: BoardAdc; channels: BoardChannel[] }

export interface AnalogOptions {
  /** Noise seed: the same seed gives the same codes for the same frames, whatever the block sizes. */
  seed?: number;
  /** Bias deviation from bias_code in codes (fractional allowed) of ADC column `column` at time t (s). */
  biasDrift?: (column: number, tSeconds: number) => number;
}

interface Component { amplitudeCodes: number; harmonic: number; phaseTurns: number }
interface Column { components: Component[]; noiseCodes: number; clampNoiseCodes: number }

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
    this.sampleRateHz = adc.sample_rate_hz;
    this.hz = mains.hz;
    this.maxCode = 2 ** adc.bits - 1;
    this.bias = adc.bias_code;
    this.seed = (options.seed ?? 1) >>> 0;
    this.biasDrift = options.biasDrift;
    const turns = (deg: number) => deg / 360;
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
      const load = Array.isArray(loads) ? loads[index - 1] : loads[ch.name];
      const codesPerAmp = (ch.burden_ohm ?? 0) / (ch.ratio ?? 1) * perVolt; // primary A → secondary A → burden V
      if (!load) return { components: [], noiseCodes: adc.noise_lsb_rms, clampNoiseCodes: 0 };
      const peak = Math.SQRT2 * load.irms * codesPerAmp;
      const phi = turns(load.phi_deg);
      return {
        components: [{ amplitudeCodes: peak, harmonic: 1, phaseTurns: lead - phi },
          ...(load.harmonics ?? []).map(([h, a, theta]) => ({ amplitudeCodes: peak * a, harmonic: h, phaseTurns: h * (lead - phi) + turns(theta) }))],
        noiseCodes: adc.noise_lsb_rms, clampNoiseCodes: (load.noise_a ?? 0) * codesPerAmp,
      };
    });
  }

  /** Writes `frames` frames starting at absolute frame `firstFrame` into `block` (frames × columns codes). */
  fill(block: Uint16Array, firstFrame: number, frames: number): void {
    if (block.length < frames * this.columns) throw new Error(`block holds ${block.length} codes, need ${frames * this.columns}`);
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
}

// ---- noise: a counter-based generator, so each (seed, frame, stream) has its own fixed value --------
/** 32-bit integer hash (lowbias32 finaliser): a good mix from a few multiplies. */
function mix32(x: number): number {
  x ^= x >>> 16; x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15; x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
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
