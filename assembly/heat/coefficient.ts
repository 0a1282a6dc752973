// EN 1434 heat calculator math: ΔQ = (h(Θf) − h(Θr)) · ΔV / v, with h and v = 1/ρ of water from
// IAPWS-IF97 via the generated node tables. Integer/i64 only: f64 is software-emulated on the
// ESP32-C3 and this runs per flow pulse. No allocation, no Math.*.
import {
  HEAT_T0_MILLIC, HEAT_STEP_SHIFT, HEAT_NODE_WORDS,
  HEAT_TABLE_LOW_KPA, HEAT_TABLE_HIGH_KPA, HEAT_TABLE_LOW, HEAT_TABLE_HIGH,
} from "./if97-tables";

/** Validity range of the temperature inputs (EN 1434 range this module is proven for). */
export const HEAT_MIN_MILLIC: i32 = 2000;
export const HEAT_MAX_MILLIC: i32 = 150000;
/** Nominal pressures the tables cover; the value is interpolated linearly between them. */
export const HEAT_MIN_KPA: i32 = HEAT_TABLE_LOW_KPA;
export const HEAT_MAX_KPA: i32 = HEAT_TABLE_HIGH_KPA;

export const NANO_J_PER_MICRO_WH: i64 = 3_600_000;
/** Largest |volume| per heatEnergyNanoJ call that cannot overflow i64 (10 m³). */
export const HEAT_MAX_NANO_J_VOLUME_MILLILITRES: i64 = 10_000_000;

const FIELD_H: i32 = 0;   // specific enthalpy, mJ/kg (slope in the next word)
const FIELD_RHO: i32 = 2; // density, mg/m³ (slope in the next word)
const STEP_MASK: i32 = (1 << HEAT_STEP_SHIFT) - 1;
const PRESSURE_WEIGHT_SHIFT: i32 = 16;

/** A sensor reading the calculator can use: 2 °C..150 °C inclusive. Out of range is reported, never clamped. */
export function temperatureValid(milliC: i32): bool {
  return milliC >= HEAT_MIN_MILLIC && milliC <= HEAT_MAX_MILLIC;
}

/** A configured nominal pressure the tables cover: 600..2500 kPa (6..25 bar). */
export function pressureValid(kPa: i32): bool {
  return kPa >= HEAT_MIN_KPA && kPa <= HEAT_MAX_KPA;
}

/** Both temperatures and the pressure are usable; when false every function below returns 0. */
export function heatInputsValid(supplyMilliC: i32, returnMilliC: i32, pressureKPa: i32): bool {
  return temperatureValid(supplyMilliC) && temperatureValid(returnMilliC) && pressureValid(pressureKPa);
}

// Cubic Hermite between the two nodes around `milliC` (value and slope per step stored per node),
// Horner in Q13 on the fraction. Deterministic per input, so h(a) − h(b) = −(h(b) − h(a)) exactly.
function hermite(table: usize, field: i32, milliC: i32): i64 {
  const x = milliC - HEAT_T0_MILLIC;
  const f = <i64>(x & STEP_MASK);
  const node = table + ((<usize>(x >> HEAT_STEP_SHIFT) * HEAT_NODE_WORDS + field) << 2);
  const next = node + (HEAT_NODE_WORDS << 2);
  const y0 = <i64>load<i32>(node), m0 = <i64>load<i32>(node, 4);
  const y1 = <i64>load<i32>(next), m1 = <i64>load<i32>(next, 4);
  const c2 = 3 * (y1 - y0) - 2 * m0 - m1;
  const c3 = 2 * (y0 - y1) + m0 + m1;
  let a = c3;
  a = ((a * f) >> HEAT_STEP_SHIFT) + c2;
  a = ((a * f) >> HEAT_STEP_SHIFT) + m0;
  return ((a * f) >> HEAT_STEP_SHIFT) + y0;
}

// Property at the nominal pressure: linear between the two table pressures (IF97 is linear in p
// to ~1e-6 over 6..25 bar for the liquid).
function property(field: i32, milliC: i32, weightQ16: i64): i64 {
  const low = hermite(HEAT_TABLE_LOW, field, milliC);
  const high = hermite(HEAT_TABLE_HIGH, field, milliC);
  return low + (((high - low) * weightQ16) >> PRESSURE_WEIGHT_SHIFT);
}

// Δh·ρ in 1e-9 J/m³ (mJ/kg × mg/m³); |value| ≤ 7e17, fits i64. Inputs already validated.
function enthalpyDensityProduct(supplyMilliC: i32, returnMilliC: i32, flowInSupply: bool, pressureKPa: i32): i64 {
  const weight = (<i64>(pressureKPa - HEAT_TABLE_LOW_KPA) << PRESSURE_WEIGHT_SHIFT) /
    <i64>(HEAT_TABLE_HIGH_KPA - HEAT_TABLE_LOW_KPA);
  const dh = property(FIELD_H, supplyMilliC, weight) - property(FIELD_H, returnMilliC, weight);
  const rho = property(FIELD_RHO, flowInSupply ? supplyMilliC : returnMilliC, weight);
  return dh * rho;
}

/**
 * Heat coefficient k in 1e-6 kWh/(m³·K) (1163000 ≈ the 1.163 shortcut), truncated toward zero.
 * Positive for either sign of ΔΘ; 0 when ΔΘ = 0 or an input is invalid.
 */
export function heatCoefficientMicro(supplyMilliC: i32, returnMilliC: i32, flowInSupply: bool, pressureKPa: i32): i64 {
  if (!heatInputsValid(supplyMilliC, returnMilliC, pressureKPa) || supplyMilliC == returnMilliC) return 0;
  // k = Δh·ρ / ΔΘ: (1e-9 J/m³) / mK / 3.6e6 = 1e-6 kWh/(m³·K)
  return enthalpyDensityProduct(supplyMilliC, returnMilliC, flowInSupply, pressureKPa) /
    (<i64>(supplyMilliC - returnMilliC) * 3_600_000);
}

/**
 * ΔQ in nJ for `volumeMilliLitres` passing the flow sensor: positive when supply is warmer (heating),
 * negative when return is warmer (cooling). Only the per-mL product is truncated (relative < 2e-9),
 * so a caller can sum these and carry the remainder without bias. |volume| ≤ 10 m³ per call.
 * 0 when ΔΘ = 0 or an input is invalid (check with heatInputsValid and raise the status flag).
 */
export function heatEnergyNanoJ(supplyMilliC: i32, returnMilliC: i32, volumeMilliLitres: i64,
  flowInSupply: bool, pressureKPa: i32): i64 {
  if (!heatInputsValid(supplyMilliC, returnMilliC, pressureKPa)) return 0;
  // 1e-9 J/m³ → nJ/mL is / 1e6.
  const nanoJPerMilliLitre = enthalpyDensityProduct(supplyMilliC, returnMilliC, flowInSupply, pressureKPa) / 1_000_000;
  return nanoJPerMilliLitre * volumeMilliLitres;
}

/**
 * ΔQ in µWh, the exact quotient truncated toward zero (so each call drops < 1 µWh of magnitude;
 * per-pulse registers should sum heatEnergyNanoJ and carry the remainder instead). Any i64 volume
 * up to ±2.5e12 mL without overflow. Sign and invalid-input behaviour as heatEnergyNanoJ.
 */
export function heatEnergyMicroWh(supplyMilliC: i32, returnMilliC: i32, volumeMilliLitres: i64,
  flowInSupply: bool, pressureKPa: i32): i64 {
  if (!heatInputsValid(supplyMilliC, returnMilliC, pressureKPa)) return 0;
  const perMilliLitre = enthalpyDensityProduct(supplyMilliC, returnMilliC, flowInSupply, pressureKPa) / 1_000_000;
  // e·V / D = V·(e / D) + V·(e % D) / D: both terms truncate toward zero with the same sign.
  const whole = perMilliLitre / NANO_J_PER_MICRO_WH;
  const rest = perMilliLitre % NANO_J_PER_MICRO_WH;
  return volumeMilliLitres * whole + (volumeMilliLitres * rest) / NANO_J_PER_MICRO_WH;
}
