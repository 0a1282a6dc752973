// The twin's SAR ADC and the shell's calibration, per chip and attenuation (docs/ct.md, "The
// twin's front end"). A pin voltage becomes a raw code through the chip's transfer curve (gain
// and offset spread, integral non-linearity, compression above the linear range, a dead zone
// near 0 V); the shell's calibration (ESP-IDF adc_cali line fitting from eFuse) fixes the gain
// through the descriptor's full scale, and the shell saturates codes outside the chip's
// recommended range to 0 / 2^bits − 1 (docs/board-abi.md).
//
// Published behaviour behind the numbers (cited in docs/ct.md):
// - recommended ranges at 11 dB: ESP32 150–2450 mV (ESP-IDF v4.4 ADC guide), ESP32-C3 0–2500 mV
//   (ESP-IDF v4.4 ESP32-C3 ADC guide); the ESP32 reads non-linearly above ≈ 2450 mV and saturates
//   near 3.1 V; its Vref spreads 1000–1200 mV from chip to chip (ESP-IDF ADC guide), i.e. up to
//   ±9 % gain before calibration;
// - after calibration a residual non-linearity of a few LSB is left. The split into bow and
//   S-shape below is this model's assumption (no per-LSB INL curve is published for the calibrated
//   output); the amplitudes are chosen within the datasheets' stated error bands.

export type Chip = "esp32" | "esp32c3" | "esp32s3";

export interface ChipAdcModel {
  /** Recommended input range, mV: outside it the shell reports the code limits (over-range). */
  lowMv: number; highMv: number;
  /** Below this the SAR reads 0 (dead zone); the raw curve starts here. */
  deadZoneMv: number;
  /** Above the knee the raw curve compresses and reaches 4095 at saturationMv. */
  kneeMv: number; saturationMv: number;
  /** Residual after the shell's calibration, LSB at the range ends: bow (even) and S-shape (odd). */
  bowLsb: number; sLsb: number;
  /** Uncalibrated gain spread (Vref) that the eFuse calibration removes, fraction (documentation). */
  vrefSpread: number;
}

/** The chip models at 11 dB (12 dB in newer ESP-IDF naming) attenuation, the only one the boards use. */
export const CHIP_MODELS: Record<Chip, ChipAdcModel> = {
  esp32: { lowMv: 150, highMv: 2450, deadZoneMv: 75, kneeMv: 2450, saturationMv: 3150, bowLsb: 6, sLsb: 3, vrefSpread: 0.09 },
  esp32c3: { lowMv: 0, highMv: 2500, deadZoneMv: 0, kneeMv: 2500, saturationMv: 2600, bowLsb: 3, sLsb: 1.5, vrefSpread: 0.05 },
  esp32s3: { lowMv: 0, highMv: 3100, deadZoneMv: 0, kneeMv: 3100, saturationMv: 3200, bowLsb: 3, sLsb: 1.5, vrefSpread: 0.05 },
};

/**
 * One chip instance behind the shell. The shell's calibration (ESP-IDF line fitting from the
 * eFuse values) gives the chip's real full scale; the shell writes it into the descriptor
 * (`full_scale_mv`) and hands over the raw codes unchanged inside the recommended range, so no
 * second rounding adds differential non-linearity; outside the range it hands over the code
 * limits. What the calibration leaves: `residualGain` (as-built, fraction) and the residual
 * non-linearity (bow and S-shape, LSB).
 */
export class AdcModel {
  readonly maxCode: number;
  private readonly m: ChipAdcModel;
  private readonly rawPerMv: number;
  private readonly lowCode: number;
  private readonly highCode: number;

  constructor(chip: Chip, bits: number, fullScaleMv: number, private readonly residualGain = 0) {
    this.m = CHIP_MODELS[chip] ?? CHIP_MODELS.esp32;
    this.maxCode = 2 ** bits - 1;
    this.rawPerMv = this.maxCode / fullScaleMv;
    this.lowCode = Math.ceil(this.m.lowMv * this.rawPerMv);
    this.highCode = Math.floor(this.m.highMv * this.rawPerMv);
  }

  /** The chip's raw code (fractional, before noise and rounding) for a pin voltage. */
  rawOf(mv: number): number {
    const m = this.m;
    const gain = this.rawPerMv * (1 + this.residualGain);
    if (mv <= m.deadZoneMv) return 0;
    const inl = this.residualLsb(Math.min(mv, m.kneeMv));
    if (mv <= m.kneeMv) return mv * gain + inl;
    // Compression above the knee: the slope falls linearly to 0 at saturation.
    const span = m.saturationMv - m.kneeMv;
    const x = Math.min(mv - m.kneeMv, span);
    return m.kneeMv * gain + inl + gain * (x - x * x / (2 * span));
  }

  /** Residual non-linearity after calibration (LSB) at a pin voltage. */
  residualLsb(mv: number): number {
    const m = this.m;
    const mid = (m.lowMv + m.highMv) / 2, half = (m.highMv - m.lowMv) / 2;
    const u = (mv - mid) / half;
    return m.bowLsb * (u * u - 1 / 3) + m.sLsb * (u * u * u - 0.6 * u);
  }

  /** The code the shell hands the firmware for a raw code: unchanged in range, else the limits. */
  linearised(raw: number): number {
    if (raw < this.lowCode) return 0;
    if (raw > this.highCode) return this.maxCode;
    return raw;
  }

  /** The recommended input range, mV. */
  get rangeMv(): [number, number] { return [this.m.lowMv, this.m.highMv]; }
}
