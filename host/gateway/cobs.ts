// Consistent Overhead Byte Stuffing (Cheshire & Baker, 1999): a packet without any 0x00 byte,
// so 0x00 can delimit packets on a serial line. Pure functions, no I/O.

export class CobsError extends Error {}

/** Encode `data` (any bytes); the result holds no 0x00 and is at most len + ceil(len/254) + 1 long. */
export function cobsEncode(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.length + Math.ceil(data.length / 254) + 1);
  let codeAt = 0;
  let code = 1;
  let o = 1;
  for (let i = 0; i < data.length; i++) {
    const b = data[i];
    if (b !== 0) {
      out[o++] = b;
      code++;
    }
    if (b === 0 || code === 0xff) {
      out[codeAt] = code;
      // A full 254-byte block that ends the data needs no further code byte (the paper's rule).
      if (b !== 0 && i === data.length - 1) return out.subarray(0, o);
      codeAt = o++;
      code = 1;
    }
  }
  out[codeAt] = code;
  return out.subarray(0, o);
}

/** Decode one packet (without its delimiter); throws CobsError for a zero byte or a code past the end. */
export function cobsDecode(packet: Uint8Array): Uint8Array {
  const out = new Uint8Array(packet.length);
  let o = 0;
  let i = 0;
  while (i < packet.length) {
    const code = packet[i];
    if (code === 0) throw new CobsError(`zero byte inside a COBS packet at offset ${i}`);
    if (i + code > packet.length) throw new CobsError(`COBS code ${code} at offset ${i} runs past the end of the ${packet.length}-byte packet`);
    for (let k = 1; k < code; k++) {
      const b = packet[i + k];
      if (b === 0) throw new CobsError(`zero byte inside a COBS packet at offset ${i + k}`);
      out[o++] = b;
    }
    i += code;
    if (code !== 0xff && i < packet.length) out[o++] = 0;
  }
  return out.slice(0, o);
}

/** A packet ready for the wire: COBS-encoded, followed by the 0x00 delimiter. */
export function cobsFrame(data: Uint8Array): Uint8Array {
  const encoded = cobsEncode(data);
  const out = new Uint8Array(encoded.length + 1);
  out.set(encoded);
  return out;
}
