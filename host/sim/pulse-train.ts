// Edge events of one pulse input as the board's GPIO interrupt would report them: pulse k
// rises at start_s + k/hz and falls on_ms later; optional contact bounce (short glitches in
// the first bounce_ms after an edge) and ghost edges (the same level reported twice).
import type { PulseSpec } from "./scenario.js";
import type { PulseEvent } from "../firmware/firmware.js";
import { Random } from "./random.js";

const MAX_GLITCHES_PER_EDGE = 3;
const MAX_GHOST_DELAY_US = 20;

export class PulseTrain {
  private nextPulse = 0;
  private queue: PulseEvent[] = [];
  private head = 0;
  private readonly periodUs: number;

  constructor(private readonly spec: PulseSpec, private readonly input: number, private readonly random: Random) {
    this.periodUs = 1e6 / spec.hz;
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
    return Math.round(this.spec.startS * 1e6 + k * this.periodUs);
  }

  /** The input's level at time `tUs` (before any bounce): used at power-up. */
  levelAt(tUs: number): number {
    const k = Math.floor((tUs - this.spec.startS * 1e6) / this.periodUs);
    if (k < 0 || k >= PulseTrain.pulsesStarted(this.spec)) return 0;
    const rise = this.riseUs(k);
    return tUs >= rise && tUs < rise + Math.round(this.spec.onMs * 1000) ? 1 : 0;
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
    const total = PulseTrain.pulsesStarted(this.spec);
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
