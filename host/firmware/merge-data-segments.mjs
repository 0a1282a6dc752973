// AssemblyScript transform (asconfig.json "transform"): merges the module's active data segments
// whose gaps are small into one, just before the binary is written. AssemblyScript emits one
// segment per static object (hundreds of them); each costs a header in the .wasm and, in the wasm2c
// translation, one inline bounds-checked copy at every power-up (20 KB of rv32 code for 620). A gap
// is filled with zeros, which is what the memory holds there anyway (it starts zeroed and no two
// segments overlap), so the module's behaviour is unchanged.
// Plain JavaScript: asc loads it before the TypeScript of host/ is compiled.
import { Transform } from "assemblyscript/transform";

/** Largest zero gap worth filling: beyond it a segment header (≈ 7 bytes) is cheaper. */
export const MAX_GAP_BYTES = 16;

/** Merges sorted, non-overlapping active segments {offset, data}; returns the new list. */
export function mergeSegments(segments, maxGap = MAX_GAP_BYTES) {
  const sorted = [...segments].sort((a, b) => a.offset - b.offset);
  const out = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    const end = last ? last.offset + last.data.length : 0;
    if (last && s.offset < end) throw new Error(`merge-data-segments: segments overlap at ${s.offset}`);
    if (last && s.offset - end <= maxGap) {
      const data = new Uint8Array(s.offset + s.data.length - last.offset);
      data.set(last.data);
      data.set(s.data, s.offset - last.offset);
      last.data = data;
    } else {
      out.push({ offset: s.offset, data: s.data });
    }
  }
  return out;
}

export default class MergeDataSegments extends Transform {
  afterCompile(module) {
    const emit = module.emitBinary.bind(module);
    let merged = false;
    // After asc has optimized (its memory packing splits segments at long zero runs): asc calls
    // emitBinary once, to write the .wasm; the text file is written after it, so it shows the same.
    module.emitBinary = (...args) => {
      if (!merged) {
        merged = true;
        merge(module, this.binaryen);
      }
      return emit(...args);
    };
  }
}

function merge(module, binaryen) {
  const n = module.getNumMemorySegments();
  const segments = [];
  for (let i = 0; i < n; i++) {
    const s = module.getMemorySegmentInfoByIndex(i);
    if (s.passive) return; // memory.init would refer to segment indexes: leave such a module alone
    segments.push({ offset: s.offset, data: new Uint8Array(s.data) });
  }
  const out = mergeSegments(segments);
  if (out.length === n) return;
  const memory = module.getMemoryInfo("0");
  module.setMemory(memory.initial, memory.max, null,
    out.map((s) => ({ offset: module.i32.const(s.offset), data: s.data, passive: false })), memory.shared, memory.is64, "0");
  if (!module.validate()) throw new Error("merge-data-segments: the module does not validate after merging");
}
