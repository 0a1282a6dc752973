// `log monthly [count]`, `log daily [count]` (docs/billing.md): the billing records, newest
// first, one line each, as key=value words (local times by the billing TZ rule).
import { out, outByte, outLine, outU64, outFixed, T } from "./out";
import { tp, tl, tokenCount, is, outToken } from "./tokens";
import { tzRule, tzOffsetAt } from "../clock/tz";
import { civilFromDays, civilYear, civilMonth, civilDay, floorDiv } from "../clock/civil";
import { FRAME_REGISTER_COUNT, registerExists, registerName, registerDecimals } from "../registers";
import { scratchBuffer } from "../abi/buffers";
import { historyOn } from "../billing/billing";
import { ringAt, ringNewestSeq, recordBuffer, RING_MONTHLY, RING_DAILY } from "../billing/ring";
import { recordRegister, peaksAt, FLAG_LATE, FLAG_CLOCK_STEP, FLAG_FIRST } from "../billing/record";
import { trackedCount, trackedId, ENTRY_BYTES } from "../billing/peaks";
import { PEAK_HOURS_MAX } from "../billing/settings";

function two(v: i64): void { outByte(0x30 + <u32>(v / 10)); outByte(0x30 + <u32>(v % 10)); }

/** A UTC second as local ISO 8601 with its offset: 2026-05-01T00:00+02:00. */
export function outLocalTime(utc: i64): void {
  const offset = tzOffsetAt(tzRule, utc);
  const local = utc + offset;
  civilFromDays(floorDiv(local, 86400));
  outU64(<u64>civilYear);
  outByte(0x2d); two(civilMonth); outByte(0x2d); two(civilDay);
  const sec = local - floorDiv(local, 86400) * 86400;
  outByte(0x54); two(sec / 3600); outByte(0x3a); two(sec / 60 % 60);
  outByte(offset < 0 ? 0x2d : 0x2b);
  const a = offset < 0 ? -offset : offset;
  two(a / 3600); outByte(0x3a); two(a / 60 % 60);
}

function outName(id: i32): void {
  const n = registerName(id, scratchBuffer);
  for (let i: u32 = 0; i < n; i++) outByte(load<u8>(scratchBuffer + i));
}

function recordLine(): void {
  out("#");
  outU64(load<u32>(recordBuffer, 4));
  out(" at=");
  outLocalTime(<i64>load<u32>(recordBuffer, 8));
  out(" taken=");
  outLocalTime(<i64>load<u32>(recordBuffer, 16));
  const flags = load<u8>(recordBuffer, 13);
  if (flags != 0) {
    out(" flags=");
    if (flags & FLAG_LATE) out("late,");
    if (flags & FLAG_CLOCK_STEP) out("clock-step,");
    if (flags & FLAG_FIRST) out("first,");
  }
  for (let id = 0; id < FRAME_REGISTER_COUNT; id++) {
    if (!registerExists(id)) continue;
    outByte(0x20);
    outName(id);
    outByte(0x3d);
    outFixed(recordRegister(id), registerDecimals(id));
  }
  const count = <i32>load<u8>(recordBuffer, 14);
  for (let ch = 0; ch < trackedCount; ch++) {
    const volume = trackedId(ch) == 14 || trackedId(ch) == 17;
    let best = -1;
    let sum: i64 = 0, n = 0;
    for (let k = 0; k < count && k < PEAK_HOURS_MAX; k++) {
      const e = recordBuffer + peaksAt() + <usize>((ch * PEAK_HOURS_MAX + k) * ENTRY_BYTES);
      const v = load<u32>(e);
      if (v == 0) continue;
      sum += v; n++;
      if (best < 0 || v > load<u32>(recordBuffer + peaksAt() + <usize>((ch * PEAK_HOURS_MAX + best) * ENTRY_BYTES))) best = k;
    }
    if (best < 0) continue;
    const e = recordBuffer + peaksAt() + <usize>((ch * PEAK_HOURS_MAX + best) * ENTRY_BYTES);
    outByte(0x20);
    outName(trackedId(ch));
    out(volume ? ":max_flow_lh=" : ":peak_w=");
    outFixed(load<u32>(e), 3);
    outByte(0x40);
    outLocalTime(<i64>load<u32>(e, 4));
    if (!volume) { out(" mean"); outU64(<u64>n); outByte(0x3d); outFixed(sum / n, 3); }
  }
  out(" on_h=");
  outFixed(<i64>load<u32>(recordBuffer, 20) * 1000 / 3600, 3);
  out(" error_h=");
  outFixed(<i64>load<u32>(recordBuffer, 24) * 1000 / 3600, 3);
  out(" info=");
  outU64(load<u16>(recordBuffer, 28));
  outLine("");
}

/** `log monthly|daily [count]`; false when word 1 is neither (the event log then). */
export function billingLogCommand(): bool {
  const monthly = is(1, T("monthly"));
  if (!monthly && !is(1, T("daily"))) return false;
  if (!historyOn) { outLine("error: no billing history on this board"); return true; }
  let count: u32 = monthly ? 24 : 62;
  if (tokenCount == 3) {
    count = 0;
    for (let i: u32 = 0; i < tl(2); i++) {
      const c = <u32>load<u8>(tp(2) + i);
      if (c < 0x30 || c > 0x39 || count > 100) { count = 0; break; }
      count = count * 10 + c - 0x30;
    }
    if (count == 0) { out("error: log "); outToken(1); outLine(" takes a number of records from 1 to 62"); return true; }
  } else if (tokenCount > 3) { outLine("error: usage: log monthly|daily [count]"); return true; }
  const ring = monthly ? RING_MONTHLY : RING_DAILY;
  out(monthly ? "monthly" : "daily");
  out(" records, newest first (");
  outU64(ringNewestSeq(ring));
  outLine(" written):");
  let shown: u32 = 0;
  for (; shown < count; shown++) {
    if (!ringAt(ring, shown)) break;
    recordLine();
  }
  if (shown == 0) outLine("(none yet)");
  return true;
}
