// The calibration wizard's new gain (assembly/console/cal.ts, gainOf): num / den rounded, and 0 —
// which every gain setter refuses — for a reading at zero or a quotient beyond an i32, so that a
// reading next to zero (a clamp without load whose offset_w makes the power read ±offset) is
// refused, never a trap nor a value wrapped into the accepted 0.5 … 2 range. Reference: the
// arithmetic by hand.
import { gainOf } from "../../assembly/console/cal";

describe("the wizard's gain arithmetic", () => {
  it("rounds to the nearest ppm, halves away from zero", () => {
    expect(gainOf(1000000 * 230000 * 5, 224000 * 5)).toBe(1026786); // 230 V true, 224 V measured
    expect(gainOf(7, 2)).toBe(4);
    expect(gainOf(-7, 2)).toBe(-4);
    expect(gainOf(7, -2)).toBe(-4);
    expect(gainOf(5, 3)).toBe(2);
  });
  it("refuses a zero reading and a quotient an i32 cannot hold (it would wrap)", () => {
    expect(gainOf(1000000 * 3000000 * 5, 0)).toBe(0);
    // 2^32 + 1 000 000: as an i32 it would read 1.000000, inside the accepted range
    expect(gainOf((<i64>1 << 32) + 1000000, 1)).toBe(0);
    expect(gainOf(-((<i64>1 << 32) + 1000000), 1)).toBe(0);
    expect(gainOf(<i64>i32.MAX_VALUE, 1)).toBe(i32.MAX_VALUE);
  });
});
