// Fixed-point parsing of console arguments: exact values, and refusal of anything odd.
import { parseFixed, parsedValue, tokenEquals } from "../../assembly/console/parse";

const text = memory.data(32);

function put(s: string): u32 {
  for (let i = 0; i < s.length; i++) store<u8>(text + i, <u8>s.charCodeAt(i));
  return <u32>s.length;
}

describe("parseFixed", () => {
  it("scales decimals exactly", () => {
    expect(parseFixed(text, put("1.25"), 6, 1000)).toBe(true);
    expect(parsedValue).toBe(1_250_000);
    expect(parseFixed(text, put("0.000001"), 6, 1000)).toBe(true);
    expect(parsedValue).toBe(1);
    expect(parseFixed(text, put("1000"), 3, 1000)).toBe(true);
    expect(parsedValue).toBe(1_000_000);
    expect(parseFixed(text, put(".5"), 1, 10)).toBe(true);
    expect(parsedValue).toBe(5);
  });
  it("refuses garbage, signs, exponents, extra decimals and out-of-range values", () => {
    expect(parseFixed(text, put("abc"), 6, 1000)).toBe(false);
    expect(parseFixed(text, put("-1"), 6, 1000)).toBe(false);
    expect(parseFixed(text, put("1e3"), 6, 1000)).toBe(false);
    expect(parseFixed(text, put("1.2.3"), 6, 1000)).toBe(false);
    expect(parseFixed(text, put("0.0000001"), 6, 1000)).toBe(false);
    expect(parseFixed(text, put("1000.001"), 3, 1000)).toBe(false);
    expect(parseFixed(text, put("."), 3, 1000)).toBe(false);
    expect(parseFixed(text, put("99999999999999999999"), 0, 4294967294)).toBe(false);
    expect(parseFixed(text, 0, 0, 10)).toBe(false);
  });
});

describe("tokenEquals", () => {
  it("compares whole words only", () => {
    expect(tokenEquals(text, put("set"), "set")).toBe(true);
    expect(tokenEquals(text, put("sett"), "set")).toBe(false);
    expect(tokenEquals(text, put("se"), "set")).toBe(false);
  });
});
