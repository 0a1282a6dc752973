// divSmall against the WebAssembly engine's own i64 division (i64.div_s), which is the reference.
import { divSmall } from "../../assembly/util/divide";

let seed: u64 = 0x9E3779B97F4A7C15;
function next(): u64 { // xorshift64
  seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17;
  return seed;
}

describe("divSmall", () => {
  it("equals i64 division at the edges", () => {
    const xs: i64[] = [0, 1, -1, 2, -2, 65535, -65535, 65536, i64.MAX_VALUE, i64.MIN_VALUE, i64.MIN_VALUE + 1, 0xFFFFFFFF, -0xFFFFFFFF, 0x100000000, -0x100000000];
    const ns: i64[] = [1, 2, 3, 7, 80, 99, 100, 255, 256, 65534, 65535, 65536, 100000, 0x7FFFFFFF, i64.MAX_VALUE, -1, -3];
    let checked = 0;
    for (let i = 0; i < xs.length; i++) {
      for (let j = 0; j < ns.length; j++) {
        const x = xs[i], n = ns[j];
        if (x == i64.MIN_VALUE && n == -1) continue; // traps in both
        expect(divSmall(x, n)).toBe(x / n);
        checked++;
      }
    }
    expect(checked).toBe(xs.length * ns.length - 1);
  });

  it("equals i64 division for 200 000 random dividends and frame counts", () => {
    let mismatches = 0;
    for (let k = 0; k < 200000; k++) {
      const r = next();
      // full-range dividends, and dividends of the size the CT sums have (≤ 2⁴⁰)
      const x = (k & 1) != 0 ? <i64>r : <i64>(r >> 24) - (<i64>1 << 39);
      const n = <i64>((next() % 65535) + 1);
      if (divSmall(x, n) != x / n) mismatches++;
    }
    expect(mismatches).toBe(0);
  });
});
