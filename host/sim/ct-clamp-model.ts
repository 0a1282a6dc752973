// The twin's current clamp: ratio and phase error against primary current (the clamp model's
// error curve in the board file, or the unit's own in `as_built`), a lead that falls with
// frequency like a magnetising-current error does, and core saturation above the clamp's maximum.
//
// Shape of the curves in the shipped board files: a clamp's magnetising current makes the
// secondary lead and read low, the more so the smaller the primary current; OpenEnergyMonitor's
// published report on the YHDC SCT-013-000 (learn.openenergymonitor.org, "YHDC SCT-013-000 CT
// sensor report") shows a phase lead of several degrees at a few amps falling towards ≈ 2° near
// the maximum, and ratio errors of a few percent at the bottom of the range. The points are
// modelled on that shape and order of magnitude, not copied measurements.

/** [primary A, ratio error % (secondary reads high by), extra lead °]: deviations from the nominal ratio and phase. */
export type ErrorCurve = readonly (readonly [number, number, number])[];

/** The curve at `amps` (linear between points, constant beyond the ends): [ratio error fraction, extra lead °]. */
export function curveAt(curve: ErrorCurve | undefined, amps: number): [number, number] {
  if (!curve || curve.length === 0) return [0, 0];
  if (amps <= curve[0][0]) return [curve[0][1] / 100, curve[0][2]];
  for (let k = 1; k < curve.length; k++) {
    const [x1, r1, p1] = curve[k];
    if (amps <= x1) {
      const [x0, r0, p0] = curve[k - 1];
      const f = (amps - x0) / (x1 - x0);
      return [(r0 + (r1 - r0) * f) / 100, p0 + (p1 - p0) * f];
    }
  }
  const last = curve[curve.length - 1];
  return [last[1] / 100, last[2]];
}

export interface ClampSpec {
  /** Phase lead at the fundamental (board phase_deg of this unit), °. */
  phaseDeg: number;
  errorCurve?: ErrorCurve;
  /** Maximum primary current, A rms: the core saturates softly above ≈ 1.4 × its peak. */
  maxA?: number;
}

export interface ClampResponse {
  /** Secondary/primary gain relative to the nominal ratio at this current. */
  gain: number;
  /** Lead at harmonic h, in turns of the fundamental (time lead for the twin's phase arithmetic). */
  leadTurns(h: number): number;
}

/**
 * The clamp's response to a steady load of `amps` rms. `physical`: the lead at harmonic h is
 * atan(tan(lead₁)/h) (a magnetising-current error shrinks with frequency); otherwise a pure time
 * lead (h × lead₁, the ideal model).
 */
export function clampResponse(spec: ClampSpec, amps: number, physical: boolean): ClampResponse {
  const [ratioError, extraLead] = physical ? curveAt(spec.errorCurve, amps) : [0, 0];
  const leadDeg = spec.phaseDeg + extraLead;
  const rad = leadDeg * Math.PI / 180;
  return {
    gain: 1 + ratioError,
    // Returned in fundamental turns per harmonic order: the analog model adds h·(ωt) + this.
    leadTurns: (h: number) => (physical ? Math.atan(Math.tan(rad) / h) / (2 * Math.PI) : h * leadDeg / 360),
  };
}

/** Core saturation: the secondary follows the primary up to ≈ 1.4 × the maximum's peak, then flattens. */
export function saturate(primaryPeakEquivalentA: number, maxA: number | undefined): number {
  if (!maxA) return primaryPeakEquivalentA;
  const limit = 1.4 * Math.SQRT2 * maxA;
  const x = primaryPeakEquivalentA / limit;
  return limit * x / Math.sqrt(Math.sqrt(1 + x * x * x * x));
}
