// The reference every CT accuracy test compares with: real power of the waveforms a scenario
// defines (docs/scenarios.md), P = Σ over the harmonics present in both of Vh·Ih·cos(angle).
export type Harmonics = readonly (readonly [number, number, number])[];

export interface DefinedMains { vrms: number; harmonics?: Harmonics }
export interface DefinedLoad { irms: number; phi_deg: number; harmonics?: Harmonics }

/** Real power (W): fundamental plus every harmonic order present in both voltage and current. */
export function definedWatts(mains: DefinedMains, load: DefinedLoad | undefined): number {
  if (!load) return 0;
  const rad = Math.PI / 180;
  let p = mains.vrms * load.irms * Math.cos(load.phi_deg * rad);
  for (const [h, av, thetaV] of mains.harmonics ?? []) {
    for (const [hi, ai, thetaI] of load.harmonics ?? []) {
      // v_h ∝ sin(hωt + θv), i_h ∝ sin(h(ωt − φ) + θi): the angle between them is θv + hφ − θi.
      if (hi === h) p += mains.vrms * av * load.irms * ai * Math.cos((thetaV + h * load.phi_deg - thetaI) * rad);
    }
  }
  return p;
}
