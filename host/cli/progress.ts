// Progress of a long simulation on a terminal: simulated time, speed and ETA on one line of
// stderr, rewritten in place. Silent for runs that end within the first few seconds, when
// stderr is not a terminal, or with --quiet, so piped JSON and scripts are never disturbed.
export interface ProgressOptions {
  totalUs: number;
  /** Where the line goes; only a TTY gets it. */
  stream?: NodeJS.WriteStream;
  /** Wall time before the first line: short runs stay silent. */
  quietForMs?: number;
  now?: () => number;
}

const REDRAW_MS = 500;

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const d = Math.floor(s / 86400);
  const hms = [Math.floor((s % 86400) / 3600), Math.floor((s % 3600) / 60), s % 60].map((n) => String(n).padStart(2, "0")).join(":");
  return d > 0 ? `${d} d ${hms}` : hms;
}

export class SimProgress {
  private readonly stream: NodeJS.WriteStream;
  private readonly now: () => number;
  private readonly startMs: number;
  private readonly quietForMs: number;
  private lastDrawMs = -Infinity;
  private drawn = false;

  constructor(private readonly options: ProgressOptions) {
    this.stream = options.stream ?? process.stderr;
    this.now = options.now ?? (() => performance.now());
    this.startMs = this.now();
    this.quietForMs = options.quietForMs ?? 5000;
  }

  /** The line for `simulatedUs` reached after `wallMs` of wall time. */
  line(simulatedUs: number, wallMs: number): string {
    const total = this.options.totalUs;
    const fraction = total > 0 ? Math.min(1, simulatedUs / total) : 1;
    const speed = wallMs > 0 ? simulatedUs / 1000 / wallMs : 0;
    const etaS = speed > 0 ? (total - simulatedUs) / 1e6 / speed : Infinity;
    const eta = Number.isFinite(etaS) ? formatDuration(etaS) : "--:--:--";
    return `sim: ${formatDuration(simulatedUs / 1e6)} of ${formatDuration(total / 1e6)} simulated (${(fraction * 100).toFixed(1)} %), ${speed >= 100 ? speed.toFixed(0) : speed.toFixed(1)}x real time, ETA ${eta}`;
  }

  /** Called often; redraws at most twice a second, and only on a terminal after the quiet period. */
  update(simulatedUs: number): void {
    if (!this.stream.isTTY) return;
    const nowMs = this.now();
    if (nowMs - this.startMs < this.quietForMs || nowMs - this.lastDrawMs < REDRAW_MS) return;
    this.lastDrawMs = nowMs;
    this.stream.write(`\r${this.line(simulatedUs, nowMs - this.startMs)}\x1b[K`);
    this.drawn = true;
  }

  /** Clears the line so whatever follows starts on a clean row. */
  finish(): void {
    if (this.drawn) this.stream.write("\r\x1b[K");
    this.drawn = false;
  }
}
