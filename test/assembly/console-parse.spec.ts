// Fixed-point parsing of console arguments: exact values, and refusal of anything odd.
import { parseFixed, parsedValue } from "../../assembly/console/parse";
import { textEquals, textStarts, T } from "../../assembly/console/out";

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

describe("textEquals", () => {
  it("compares whole words only, in any case", () => {
    expect(textEquals(text, put("set"), T("set"))).toBe(true);
    expect(textEquals(text, put("SeT"), T("set"))).toBe(true);
    expect(textEquals(text, put("Wh"), T("wh"))).toBe(true);
    expect(textEquals(text, put("sett"), T("set"))).toBe(false);
    expect(textEquals(text, put("se"), T("set"))).toBe(false);
    expect(textEquals(text, put("sex"), T("set"))).toBe(false);
  });
  it("textStarts: the slice begins with the word", () => {
    expect(textStarts(text, put("ct1.gain"), T("ct"))).toBe(true);
    expect(textStarts(text, put("c"), T("ct"))).toBe(false);
    expect(textStarts(text, put("cx1"), T("ct"))).toBe(false);
  });
});
