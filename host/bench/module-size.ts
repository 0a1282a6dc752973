// Sizes of a WebAssembly module by section, for `npm run bench` and the module-budget test:
// where the bytes of build/firmware.wasm go (code, data, their headers), read straight from the
// binary format (section id + LEB128 size), so the figures do not depend on any tool's output.

const SECTION_NAMES = ["custom", "type", "import", "function", "table", "memory", "global", "export", "start",
  "element", "code", "data", "data_count", "tag"];

export interface ModuleSize {
  bytes: number;
  /** Bytes per section, each including its id and size field. */
  sections: Record<string, number>;
  data_segments: number;
  /** Payload bytes of all data segments (what lands in the linear memory). */
  data_payload_bytes: number;
  functions: number;
}

function leb(bytes: Uint8Array, at: number): [value: number, next: number] {
  let value = 0, shift = 0, p = at;
  for (;;) {
    if (p >= bytes.length) throw new Error("module-size: truncated LEB128");
    const b = bytes[p++];
    value += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return [value, p];
    shift += 7;
  }
}

/** Skips a constant expression (an active segment's offset) up to its `end` (0x0b). */
function skipConstExpr(bytes: Uint8Array, at: number): number {
  const op = bytes[at];
  if (op === 0x41 || op === 0x42) { // i32.const / i64.const
    let p = at + 1;
    while (bytes[p] & 0x80) p++;
    p++;
    if (bytes[p] !== 0x0b) throw new Error("module-size: unexpected offset expression");
    return p + 1;
  }
  if (op === 0x23) { // global.get
    const [, p] = leb(bytes, at + 1);
    return p + 1;
  }
  throw new Error(`module-size: offset expression opcode 0x${op.toString(16)}`);
}

export function moduleSize(bytes: Uint8Array): ModuleSize {
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
    throw new Error("module-size: not a WebAssembly module");
  }
  const sections: Record<string, number> = {};
  let dataSegments = 0, dataPayload = 0, functions = 0;
  let p = 8;
  while (p < bytes.length) {
    const id = bytes[p];
    const [size, body] = leb(bytes, p + 1);
    const name = SECTION_NAMES[id] ?? `id${id}`;
    sections[name] = (sections[name] ?? 0) + (body - p) + size;
    if (id === 10) functions = leb(bytes, body)[0];
    if (id === 11) {
      let [count, q] = leb(bytes, body);
      dataSegments = count;
      for (let i = 0; i < count; i++) {
        const [flags, r] = leb(bytes, q);
        q = r;
        if (flags === 2) q = leb(bytes, q)[1]; // memory index
        if (flags !== 1) q = skipConstExpr(bytes, q); // active: offset
        const [len, s] = leb(bytes, q);
        dataPayload += len;
        q = s + len;
      }
    }
    p = body + size;
  }
  return { bytes: bytes.length, sections, data_segments: dataSegments, data_payload_bytes: dataPayload, functions };
}
