// Unsigned LEB128 varints, limited to JavaScript's exact integer range.
export class VarintError extends Error {}

export function encodeVarint(value: number, out: number[]): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new VarintError(`cannot encode ${value} as an unsigned varint`);
  while (value >= 0x80) {
    out.push((value % 0x80) | 0x80);
    value = Math.floor(value / 0x80);
  }
  out.push(value);
}

/** Decode at `offset`; returns [value, next offset]. Throws VarintError when truncated or too large. */
export function decodeVarint(bytes: Uint8Array, offset: number, end: number, what: string): [number, number] {
  let value = 0;
  let scale = 1;
  for (let i = offset; i < end; i++) {
    const b = bytes[i];
    value += (b & 0x7f) * scale;
    if (value > Number.MAX_SAFE_INTEGER) throw new VarintError(`${what} is too large`);
    if ((b & 0x80) === 0) {
      if (b === 0 && i > offset) throw new VarintError(`${what} is not minimally encoded`);
      return [value, i + 1];
    }
    scale *= 0x80;
  }
  throw new VarintError(`frame truncated inside ${what}`);
}
