// The billing frame (frame version 2, docs/frames.md "Billing frames"): one billing record (the
// newest monthly or daily one) with the native frame's header, suites, keys and counter
// sequence. Payload (varints): status, event counter, kind (1 monthly, 2 daily), record seq,
// boundary UTC s, taken UTC s, flags, register bitmap and values (0.1 Wh / 0.1 L, as version 1),
// channel count and per channel: register id, peak (mW, or mL/h), peak hour UTC s, mean of the
// top hours (mW, mL/h); operating s, error s, info code (current | latched << 16).
import { writeVarint } from "../frame/varint";
import { frameBuffer, frameStart, frameFinish, FRAME_CAPACITY } from "../frame/encoder";
import { FRAME_REGISTER_COUNT, registerExists, registerDecimals } from "../registers";
import { recordBuffer } from "./ring";
import { recordRegister, peaksAt } from "./record";
import { trackedCount, trackedId, ENTRY_BYTES } from "./peaks";
import { PEAK_HOURS_MAX } from "./settings";

export const BILLING_FRAME_VERSION: u8 = 2;
/** Room kept for a channel's four varints and the trailer. */
const CHANNEL_ROOM: u32 = 22;
const TRAILER_ROOM: u32 = 8 + 15;

/** Encode the record in recordBuffer into frameBuffer; returns the length. */
export function encodeBillingFrame(nodeId: u32, counter: u32, status: u32, eventCounter: u32): u32 {
  let n = frameStart(BILLING_FRAME_VERSION, nodeId, counter, status, eventCounter);
  n += writeVarint(frameBuffer + n, load<u8>(recordBuffer, 12));
  n += writeVarint(frameBuffer + n, load<u32>(recordBuffer, 4));
  n += writeVarint(frameBuffer + n, load<u32>(recordBuffer, 8));
  n += writeVarint(frameBuffer + n, load<u32>(recordBuffer, 16));
  n += writeVarint(frameBuffer + n, load<u8>(recordBuffer, 13));
  let bitmap: u64 = 0;
  for (let id = 0; id < FRAME_REGISTER_COUNT; id++) if (registerExists(id)) bitmap |= (<u64>1) << id;
  n += writeVarint(frameBuffer + n, bitmap);
  for (let id = 0; id < FRAME_REGISTER_COUNT; id++) {
    if (!registerExists(id)) continue;
    let v = recordRegister(id);
    for (let d = registerDecimals(id); d > 1; d--) v /= 10;
    n += writeVarint(frameBuffer + n, <u64>max<i64>(v, 0));
  }
  const count = <i32>load<u8>(recordBuffer, 14);
  const countAt = n++;
  let channels: u32 = 0;
  for (let ch = 0; ch < trackedCount && n + CHANNEL_ROOM + TRAILER_ROOM <= FRAME_CAPACITY; ch++) {
    let best: usize = 0;
    let sum: u64 = 0, k = 0;
    for (let i = 0; i < count && i < PEAK_HOURS_MAX; i++) {
      const e = recordBuffer + peaksAt() + <usize>((ch * PEAK_HOURS_MAX + i) * ENTRY_BYTES);
      const v = load<u32>(e);
      if (v == 0) continue;
      sum += v; k++;
      if (best == 0 || v > load<u32>(best)) best = e;
    }
    n += writeVarint(frameBuffer + n, <u64>trackedId(ch));
    n += writeVarint(frameBuffer + n, best == 0 ? 0 : <u64>load<u32>(best));
    n += writeVarint(frameBuffer + n, best == 0 ? 0 : <u64>load<u32>(best, 4));
    n += writeVarint(frameBuffer + n, k == 0 ? 0 : sum / <u64>k);
    channels++;
  }
  store<u8>(frameBuffer + countAt, <u8>channels); // at most 12: one varint byte
  n += writeVarint(frameBuffer + n, load<u32>(recordBuffer, 20));
  n += writeVarint(frameBuffer + n, load<u32>(recordBuffer, 24));
  n += writeVarint(frameBuffer + n, <u64>load<u16>(recordBuffer, 30) | <u64>load<u16>(recordBuffer, 28) << 16);
  return frameFinish(n, nodeId, counter);
}
