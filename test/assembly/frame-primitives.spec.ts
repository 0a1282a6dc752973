// Varint and CRC-32 against published definitions.
import { writeVarint } from "../../assembly/frame/varint";
import { crc32 } from "../../assembly/frame/crc32";

const buf = memory.data(16);

function byteAt(i: i32): u8 { return load<u8>(buf + i); }

describe("varint (unsigned LEB128)", () => {
  it("encodes the examples of the LEB128 definition", () => {
    expect(writeVarint(buf, 0)).toBe(1);
    expect(byteAt(0)).toBe(0);
    expect(writeVarint(buf, 127)).toBe(1);
    expect(byteAt(0)).toBe(0x7f);
    expect(writeVarint(buf, 128)).toBe(2);
    expect(byteAt(0)).toBe(0x80);
    expect(byteAt(1)).toBe(0x01);
    expect(writeVarint(buf, 624485)).toBe(3); // Wikipedia's LEB128 example: e5 8e 26
    expect(byteAt(0)).toBe(0xe5);
    expect(byteAt(1)).toBe(0x8e);
    expect(byteAt(2)).toBe(0x26);
  });
  it("takes 4 bytes for 10 MWh in 0.1 Wh units and 10 bytes for 2^64-1", () => {
    expect(writeVarint(buf, 100_000_000)).toBe(4);
    expect(writeVarint(buf, u64.MAX_VALUE)).toBe(10);
  });
});

describe("CRC-32/ISO-HDLC", () => {
  it("has the catalogued check value 0xCBF43926 for '123456789'", () => {
    for (let i = 0; i < 9; i++) store<u8>(buf + i, <u8>(0x31 + i));
    expect(crc32(buf, 9)).toBe(0xcbf43926);
  });
  it("is 0 for no data", () => {
    expect(crc32(buf, 0)).toBe(0);
  });
});
