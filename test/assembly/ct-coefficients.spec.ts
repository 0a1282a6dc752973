// The CT core's phase/energy coefficients (assembly/ct/calibration.ts, computed in scaled
// integers) against the same formulas evaluated here in IEEE double with the engine's libm sin
// (the reference the firmware no longer uses), over random board parameters: every coefficient
// within 10^-7 of the double result (or ±1 for small ones), and the overflow refusal the same.
import { configureCore, configureChannel, configureFrontEnd, setChannelPowerOffset, updateCoefficients, CT_OK, CT_ERR_OVERFLOW } from "../../assembly/ct/calibration";
import { chCoefA, chCoefB, chXtalkQ16, chOffsetFinePerFrame, chDelayVoltage, getI64, getI32, maxCycleFrames } from "../../assembly/ct/state";

let seed: u64 = 0x13198A2E03707344;
function next(): u64 { seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17; return seed; }
function pick(lo: i32, hi: i32): i32 { return lo + <i32>(next() % <u64>(hi - lo + 1)); }

/** Within 10^-7 relative, or 1 unit for coefficients that small. */
function close(got: i64, want: f64): bool {
  return Math.abs(<f64>got - want) <= Math.max(1.0, 1e-7 * Math.abs(want));
}

describe("CT coefficients without f64", () => {
  it("equal the double-precision formulas for 300 random boards, calibrations and frequencies", () => {
    let checked = 0, overflowsSeen = 0;
    for (let k = 0; k < 300; k++) {
      const bits = pick(10, 12), rate = pick(1000, 20000), fs = pick(1000, 3600), bias = pick(1 << (bits - 2), 3 << (bits - 2));
      const vpav = pick(50000, 2000000), vPhase = pick(-10000, 10000), channels = pick(1, 4);
      if (configureCore(channels, rate, bits, fs, bias, vpav, vPhase) == -3) continue; // refused: i32 cycle sums could overflow
      const step = pick(0, 3000), xtalk = pick(-10000, 10000);
      const rateMilli = <i64>rate * 1000 + <i64>pick(-20000, 20000);
      expect(configureFrontEnd(<i32>rateMilli, step, 230000, 0, xtalk)).toBe(CT_OK);
      const ratios = new StaticArray<i32>(4), burdens = new StaticArray<i32>(4), phases = new StaticArray<i32>(4), offsets = new StaticArray<i32>(4);
      for (let ch = 0; ch < channels; ch++) {
        ratios[ch] = pick(100, 6000); burdens[ch] = pick(1000, 200000); phases[ch] = pick(-10000, 10000); offsets[ch] = pick(-1000000, 1000000);
        configureChannel(ch, ratios[ch], burdens[ch], 1000, phases[ch]);
        setChannelPowerOffset(ch, offsets[ch]);
      }
      const milliHz = pick(40000, 70000);
      const status = updateCoefficients(milliHz);
      // the reference, in doubles
      const hz = <f64>milliHz / 1000.0, rateHz = <f64>rateMilli / 1000.0;
      const adcV = <f64>fs / 1000.0 / <f64>((1 << bits) - 1);
      const vpc = adcV * <f64>vpav / 1000.0;
      const span = <f64>max(bias, (1 << bits) - 1 - bias);
      const worst = <f64>maxCycleFrames * <f64>maxCycleFrames * span * span;
      let anyOverflow = false;
      for (let ch = 0; ch < channels; ch++) {
        const apc = adcV / (<f64>burdens[ch] / 1000.0) * <f64>ratios[ch];
        const kk = vpc * apc / rateHz / 3600.0 * 1e6 * 4294967296.0;
        let lead = <f64>(phases[ch] - vPhase) + 360000.0 * hz * <f64>(ch + 1) * <f64>step * 1e-9;
        lead = Math.max(-30000.0, Math.min(30000.0, lead));
        const wT = 2.0 * Math.PI * hz / rateHz, d = Math.abs(lead) / 1000.0 * Math.PI / 180.0;
        const a = Math.sin(wT - d) / Math.sin(wT), b = Math.sin(d) / Math.sin(wT);
        if ((Math.abs(a) + Math.abs(b)) * kk * worst >= 4.0e18) { anyOverflow = true; continue; }
        expect(close(getI64(chCoefA, ch), a * kk)).toBe(true);
        expect(close(getI64(chCoefB, ch), b * kk)).toBe(true);
        expect(close(getI64(chXtalkQ16, ch), <f64>xtalk / 1e6 * (a + b) * kk * 65536.0)).toBe(true);
        const finePerMilliWFrame = 1e-3 / rateHz / 3600.0 * 1e6 * 4294967296.0;
        expect(close(getI64(chOffsetFinePerFrame, ch), <f64>offsets[ch] * finePerMilliWFrame)).toBe(true);
        expect(getI32(chDelayVoltage, ch)).toBe(lead < 0 ? 1 : 0);
        checked++;
      }
      expect(status).toBe(anyOverflow ? CT_ERR_OVERFLOW : CT_OK);
      if (anyOverflow) overflowsSeen++;
    }
    expect(checked).toBeGreaterThan(300); // channels compared (several per board)
    log<string>("channels compared: " + checked.toString() + ", boards refused as overflowing: " + overflowsSeen.toString());
  });
});
