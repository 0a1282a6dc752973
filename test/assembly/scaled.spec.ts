// Binary scaled integers (assembly/util/scaled.ts) against the WebAssembly engine's IEEE double
// arithmetic, which the firmware no longer uses and is the independent reference here (sqrt, sin,
// atan from libm-free f64 series written here, not the firmware's).
import {
  Scaled, scaled, sInt, sRatio, sMul, sDiv, sAdd, sSub, sNeg, sAbs, sLess, sRound, sSqrt, sTimesPow2, isqrt,
} from "../../assembly/util/scaled";
import { sinRad, atanRad, phaseResidualMilliDeg } from "../../assembly/ct/calibration";

let seed: u64 = 0x243F6A8885A308D3;
function next(): u64 { seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17; return seed; }
/** A signed integer of up to `bits` bits, spread over its magnitudes (not just the large ones). */
function randomInt(bits: i32): i64 {
  const b = <i32>(next() % <u64>bits) + 1;
  const v = <i64>(next() >> <u64>(64 - b));
  return next() & 1 ? -v : v;
}
/** The value of a scaled number, as a double (m · 2^e). */
function toF64(x: Scaled): f64 { return <f64>(x >> 32) * Math.pow(2.0, <f64><i32>x); }
function relErr(got: f64, want: f64): f64 { return want == 0 ? Math.abs(got) : Math.abs(got - want) / Math.abs(want); }

describe("scaled integers", () => {
  it("hold integers to 30 significant bits, and small ones exactly", () => {
    for (let n: i64 = -70000; n <= 70000; n += 7) expect(sRound(sInt(n))).toBe(n);
    expect(sInt(0)).toBe(0);
    expect(sRound(sInt(i64.MAX_VALUE))).toBe(i64.MAX_VALUE); // 2^63 − 1 rounds up to 2^63: saturated
    let worst: f64 = 0;
    for (let k = 0; k < 5000; k++) {
      const n = randomInt(62);
      worst = Math.max(worst, relErr(toF64(sInt(n)), <f64>n));
    }
    expect(worst).toBeLessThan(Math.pow(2.0, -30));
  });

  it("multiply, divide, add and subtract within 2^-28 of double arithmetic", () => {
    let worstMul: f64 = 0, worstDiv: f64 = 0, worstAdd: f64 = 0;
    for (let k = 0; k < 5000; k++) {
      const a = randomInt(50), b = randomInt(50);
      if (a == 0 || b == 0) continue;
      const x = sInt(a), y = sInt(b);
      worstMul = Math.max(worstMul, relErr(toF64(sMul(x, y)), <f64>a * <f64>b));
      worstDiv = Math.max(worstDiv, relErr(toF64(sDiv(x, y)), <f64>a / <f64>b));
      // a sum's error is relative to the larger operand (cancellation is exact up to the inputs' rounding)
      const sum = toF64(sAdd(x, y)), want = <f64>a + <f64>b;
      worstAdd = Math.max(worstAdd, Math.abs(sum - want) / Math.max(Math.abs(<f64>a), Math.abs(<f64>b)));
      expect(sLess(x, y)).toBe(a < b);
    }
    expect(worstMul).toBeLessThan(Math.pow(2.0, -28));
    expect(worstDiv).toBeLessThan(Math.pow(2.0, -28));
    expect(worstAdd).toBeLessThan(Math.pow(2.0, -28));
  });

  it("rounds halves away from zero, and keeps signs and powers of two", () => {
    expect(sRound(sRatio(5, 2))).toBe(3);
    expect(sRound(sRatio(-5, 2))).toBe(-3);
    expect(sRound(sRatio(7, 3))).toBe(2);
    expect(sRound(sRatio(-7, 3))).toBe(-2);
    expect(sRound(sRatio(1, 3))).toBe(0);
    expect(sRound(sTimesPow2(sInt(3), 20))).toBe(3 << 20);
    expect(sRound(sTimesPow2(sInt(3 << 20), -20))).toBe(3);
    expect(sRound(sNeg(sInt(12345)))).toBe(-12345);
    expect(sRound(sAbs(sInt(-12345)))).toBe(12345);
    expect(sRound(sSub(sInt(1000000), sInt(1000000)))).toBe(0);
    expect(sDiv(sInt(5), 0)).toBe(0);
    expect(scaled(1, 0) > 0).toBe(true);
    expect(sRound(sTimesPow2(sInt(1), 70))).toBe(i64.MAX_VALUE);
    expect(sRound(sTimesPow2(sInt(-1), 70))).toBe(i64.MIN_VALUE);
  });

  it("takes square roots within 2^-28, and isqrt is the floor of the root", () => {
    let worst: f64 = 0;
    for (let k = 0; k < 5000; k++) {
      const a = randomInt(62);
      const n = a < 0 ? -a : a;
      if (n == 0) continue;
      worst = Math.max(worst, relErr(toF64(sSqrt(sInt(n))), Math.sqrt(<f64>n)));
      const m = <u64>n >> 20; // small enough for an exact double
      const r = isqrt(m);
      expect(r * r <= m && (r + 1) * (r + 1) > m).toBe(true);
    }
    expect(worst).toBeLessThan(Math.pow(2.0, -28));
    expect(sSqrt(sInt(-4))).toBe(0);
    expect(sRound(sSqrt(sInt(1 << 40)))).toBe(1 << 20);
  });
});

/** sin by its Taylor series in doubles, after reduction to [−π, π] (the reference). */
function refSin(x: f64): f64 {
  x -= 2.0 * Math.PI * Math.floor(x / (2.0 * Math.PI) + 0.5);
  let term = x, sum = x;
  for (let n = 1; n <= 20; n++) { term = -term * x * x / <f64>((2 * n) * (2 * n + 1)); sum += term; }
  return sum;
}
/** atan x = asin(x / √(1 + x²)) by its series would converge slowly; Newton on tan instead. */
function refAtan(x: f64): f64 {
  let y = x / (1.0 + 0.28 * x * x); // a start within 0.01 rad for all x
  if (Math.abs(x) > 1.0) y = (x > 0 ? Math.PI / 2 : -Math.PI / 2) - 1.0 / x / (1.0 + 0.28 / (x * x));
  for (let i = 0; i < 30; i++) {
    const s = refSin(y), c = refSin(y + Math.PI / 2);
    y -= (s - x * c) * c; // d/dy (sin − x cos) = cos + x sin; with x = tan y that is 1/cos
  }
  return y;
}

describe("trigonometry without f64", () => {
  it("sinRad within 1e-8 (absolute) of the series, over the phase-correction range and beyond", () => {
    let worst: f64 = 0;
    for (let k = -4000; k <= 4000; k++) {
      const x = <f64>k / 1000.0; // −4 … 4 rad
      const got = toF64(sinRad(sRatio(k, 1000)));
      worst = Math.max(worst, Math.abs(got - refSin(x)));
    }
    expect(worst).toBeLessThan(1e-8);
    // small angles keep their relative precision (the delay taps' sin δ)
    const tiny = toF64(sinRad(sRatio(1, 1000000)));
    expect(relErr(tiny, refSin(1e-6))).toBeLessThan(1e-8);
  });

  it("atanRad within 1e-8 of a Newton solution of tan y = x", () => {
    let worst: f64 = 0;
    for (let k = -3000; k <= 3000; k += 7) {
      const x = <f64>k / 100.0; // −30 … 30
      worst = Math.max(worst, Math.abs(toF64(atanRad(sRatio(k, 100))) - refAtan(x)));
    }
    expect(worst).toBeLessThan(1e-8);
  });

  it("phaseResidualMilliDeg solves P(±Δ) = A·cos(e ∓ Δ) for the lead e", () => {
    // P+ and P− from a known residual e at a step Δ: the inverse must give e back (to 1 m°).
    const steps: i32[] = [2000, 8000, 10000];
    const leads: i32[] = [-5000, -1234, -1, 0, 1, 777, 4321, 9000];
    for (let i = 0; i < steps.length; i++) for (let j = 0; j < leads.length; j++) {
      const d = <f64>steps[i] * Math.PI / 180000.0, e = <f64>leads[j] * Math.PI / 180000.0;
      const a = 2.0e9; // mW summed over the windows
      const plus = <i64>Math.round(a * refSin(Math.PI / 2 - (e - d)));
      const minus = <i64>Math.round(a * refSin(Math.PI / 2 - (e + d)));
      // P(φ) = A·cos(e − (φ − before)): at φ = before + Δ the cosine's argument is e − Δ
      const got = phaseResidualMilliDeg(plus, minus, steps[i]);
      expect(Math.abs(<f64>(got - leads[j]))).toBeLessThanOrEqual(1.0);
    }
  });
});
