// The journal's step per register, scaled to the board's rated power so that 20 years at 120 %
// of rated on every channel erase each journal sector at most 8 000 times (8 % of 100 000
// cycles; docs/storage.md "Wear budget"). Rated power comes from the board descriptor: a CT's
// rated current × the highest RMS voltage the voltage input can measure; a pulse input's and a
// heat circuit's rated power (and a heat circuit's rated flow) from the board file, or, when the
// board file gives none, the most its input filter lets through.
import { KIND_CT, KIND_PULSE, KIND_HEAT, KIND_VOLTAGE, channelParam, adcFullScaleMilliV } from "../board/descriptor";
import { registerUnitClass, UNIT_ENERGY, UNIT_VOLUME } from "../registers";
import { pulsePerPulseNumerator, pulsePerPulseDenominator } from "../pulse/meter";

const TWENTY_YEARS_S: i64 = 631_152_000;
/** Erases per journal sector allowed in 20 years at 120 % of rated load. */
export const ERASE_BUDGET: i64 = 8_000;

/** Highest RMS mains voltage the voltage input can measure, mV (half the ADC range, / √2). */
export function maxMainsMilliV(): i64 {
  const peakMilliV = <i64>adcFullScaleMilliV / 2 * <i64>channelParam(KIND_VOLTAGE, 0, 0) / 1000;
  return peakMilliV * 707_107 / 1_000_000;
}

function pulseMicroWh(ch: i32): i64 {
  const den = pulsePerPulseDenominator(ch);
  return den > 0 ? max<i64>(pulsePerPulseNumerator(ch) / den, 1) : 1;
}

/** Pulses per second the input passes at most: one per two filter times. */
function pulseMaxMilliHz(filterUs: i64): i64 { return 500_000_000 / max<i64>(filterUs, 1); }

function pulseRatedW(ch: i32): i64 {
  const rated = <i64>channelParam(KIND_PULSE, ch, 2);
  if (rated > 0) return rated;
  return pulseMaxMilliHz(<i64>channelParam(KIND_PULSE, ch, 0)) * pulseMicroWh(ch) * 3600 / 1_000_000_000;
}

/** Rated flow of heat circuit `c`, litres per hour. */
function heatRatedLh(c: i32): i64 {
  const rated = <i64>channelParam(KIND_HEAT, c, 4);
  if (rated > 0) return rated;
  return pulseMaxMilliHz(<i64>channelParam(KIND_HEAT, c, 2)) * <i64>channelParam(KIND_HEAT, c, 0) * 3600 / 1_000_000;
}

function heatRatedW(c: i32): i64 {
  const rated = <i64>channelParam(KIND_HEAT, c, 3);
  if (rated > 0) return rated;
  return heatRatedLh(c) * 1163 * 100 / 1000; // water, 100 K: 1.163 kWh per m³ and kelvin
}

/** The register's rated rate in its units per second (µWh/s, mL/s, counts/s), ×1000. */
export function ratedMilliUnitsPerS(id: i32): i64 {
  if (id < 8) return <i64>channelParam(KIND_CT, id >> 1, 2) * maxMainsMilliV() * 10 / 36; // mA × mV = µW; /3600 µWh/s; ×1000
  if (id < 12) return pulseRatedW(id - 8) * 1_000_000_000 / 3600;
  if (id < 18) {
    const c = (id - 12) / 3;
    if ((id - 12) % 3 == 2) return heatRatedLh(c) * 1_000_000 / 3600;
    return heatRatedW(c) * 1_000_000_000 / 3600;
  }
  const ch = id - 18;
  return pulseRatedW(ch) * 1_000_000_000 / (pulseMicroWh(ch) * 3600);
}

/**
 * Coarse step of register `id`: at least the configured step (`stepUnits` Wh, L or pulses), and
 * large enough that `capacity` steps at 120 % of rated last 20 years / (budget × sectors); a
 * whole multiple of the configured step.
 */
export function coarseStepFor(id: i32, stepUnits: i64, capacity: i32, sectors: u32): i64 {
  const unit = registerUnitClass(id);
  const floor = unit == UNIT_ENERGY ? stepUnits * 1_000_000 : unit == UNIT_VOLUME ? stepUnits * 1_000 : stepUnits;
  // 1.2 × rate × T / capacity, T = 20 years / (budget × sectors); the rate is ×1000.
  const needed = ratedMilliUnitsPerS(id) * 12 / 10 * (TWENTY_YEARS_S / (ERASE_BUDGET * <i64>max<u32>(sectors, 1))) / (1000 * <i64>max(capacity, 1));
  let step = max<i64>(floor, (needed + floor - 1) / floor * floor);
  const limit = <i64>u32.MAX_VALUE / floor * floor;
  return min<i64>(step, limit);
}
