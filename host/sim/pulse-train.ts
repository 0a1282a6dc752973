// Edge events of one pulse input as the board's GPIO interrupt would report them: pulse k
// rises at start_s + k/hz and falls on_ms later; optional contact bounce (short glitches in
// the first bounce_ms after an edge) and ghost edges (the same level reported twice).
import type { PulseSpec } from "./scenario.js";
import type { PulseEvent } from "../firmware/firmware.js";
import { Random } from "./random.js";

const MAX_GLITCHES_PER_EDGE = 3;
const MAX_GHOST_DELAY_US = 20;

/** A stretch of constant rate: pulse k of it rises at startS + k/hz, for rises before endS. */
interface Segment { startS: number; hz: number; first: number; count: number }

export class PulseTrain {
  private nextPulse = 0;
  private queue: PulseEvent[] = [];
  private head = 0;
  /** Load steps (`steps`: [at_s, hz]) cut the train into segments; without steps there is one. */
  private readonly segments: Segment[] = [];
  private readonly total: number;

  constructor(private readonly spec: PulseSpec, private readonly input: number, private readonly random: Random) {
    const starts = [{ atS: spec.startS, value: spec.hz }, ...(spec.steps ?? [])];
    let first = 0;
    starts.forEach((st, i) => {
      const endS = Math.min(spec.stopS, i + 1 < starts.length ? starts[i + 1].atS : Infinity);
      const count = st.value > 0 ? PulseTrain.pulsesStarted({ ...spec, startS: st.atS, hz: st.value, stopS: endS }) : 0;
      this.segments.push({ startS: st.atS, hz: st.value, first, count });
      first += count;
    });
    this.total = first;
  }

  private segmentOf(k: number): Segment {
    let seg = this.segments[0];
    for (const s of this.segments) if (s.first <= k && s.count > 0) seg = s;
    return seg;
  }

  /** Number of pulses that start before stop_s: what an ideal meter counts. */
  static pulsesStarted(spec: PulseSpec, untilS = Infinity): number {
    const end = Math.min(spec.stopS, untilS);
    if (end <= spec.startS) return 0;
    // pulse k starts at startS + k/hz; count k with start < end, with float noise trimmed
    let n = Math.ceil((end - spec.startS) * spec.hz - 1e-9);
    while (n > 0 && spec.startS + (n - 1) / spec.hz >= end) n--;
    return n;
  }

  private riseUs(k: number): number {
    const seg = this.segmentOf(k);
    return Math.round(seg.startS * 1e6 + (k - seg.first) * 1e6 / seg.hz);
  }

  /** The input's level at time `tUs` (before any bounce): used at power-up. */
  levelAt(tUs: number): number {
    let seg: Segment | undefined;
    for (const s of this.segments) if (s.startS * 1e6 <= tUs) seg = s;
    if (!seg || seg.count === 0) {
      // The last pulse of an earlier segment may still be on.
      const prev = this.segments.filter((s) => s.count > 0 && s.startS * 1e6 <= tUs).pop();
      if (!prev) return 0;
      const rise = this.riseUs(prev.first + prev.count - 1);
      return tUs >= rise && tUs < rise + Math.round(this.spec.onMs * 1000) ? 1 : 0;
    }
    const k = Math.min(seg.count - 1, Math.floor((tUs - seg.startS * 1e6) * seg.hz / 1e6));
    for (const kk of [seg.first + k, seg.first - 1]) {
      if (kk < 0 || kk >= this.total) continue;
      const rise = this.riseUs(kk);
      if (tUs >= rise && tUs < rise + Math.round(this.spec.onMs * 1000)) return 1;
    }
    return 0;
  }

  private edge(out: PulseEvent[], timeUs: number, level: number): void {
    out.push({ timeUs, input: this.input, level });
    const bounceUs = Math.round(this.spec.bounceMs * 1000);
    if (bounceUs < 2) return;
    const glitches = this.random.int(1, MAX_GLITCHES_PER_EDGE);
    const times: number[] = [];
    for (let i = 0; i < 2 * glitches; i++) times.push(timeUs + 1 + Math.floor(this.random.next() * (bounceUs - 1)));
    times.sort((a, b) => a - b);
    let last = timeUs;
    times.forEach((t, i) => {
      last = Math.max(t, last + 1);
      out.push({ timeUs: last, input: this.input, level: i % 2 === 0 ? 1 - level : level });
    });
  }

  private generatePulse(k: number): void {
    const events: PulseEvent[] = [];
    const rise = this.riseUs(k);
    this.edge(events, rise, 1);
    this.edge(events, rise + Math.round(this.spec.onMs * 1000), 0);
    events.forEach((e, i) => {
      this.queue.push(e);
      if (this.spec.ghostProb > 0 && this.random.next() < this.spec.ghostProb) {
        // A ghost repeats the level before the next real edge, never after it.
        const gapUs = i + 1 < events.length ? events[i + 1].timeUs - e.timeUs - 1 : MAX_GHOST_DELAY_US;
        const delayUs = Math.min(this.random.int(0, MAX_GHOST_DELAY_US), Math.max(0, gapUs));
        this.queue.push({ timeUs: e.timeUs + delayUs, input: this.input, level: e.level });
      }
    });
  }

  /** All events with time <= tUs not yet taken, in time order. */
  take(tUs: number, out: PulseEvent[]): void {
    const total = this.total;
    while (this.nextPulse < total && this.riseUs(this.nextPulse) <= tUs) {
      if (this.head > 0) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      this.generatePulse(this.nextPulse++);
    }
    while (this.head < this.queue.length && this.queue[this.head].timeUs <= tUs) out.push(this.queue[this.head++]);
  }

  /** Skip everything up to tUs (the board was off). */
  skip(tUs: number): void {
    this.take(tUs, []);
  }
}
