// Real-time pacing for the twin: `--speed N` plays N simulated seconds per wall-clock second.
export type Speed = number | "max";

export function parseSpeed(text: string | undefined, fallback: Speed): Speed {
  if (text === undefined) return fallback;
  if (text === "max") return "max";
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--speed takes a positive number or 'max', not '${text}'`);
  return n;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Calls `step` until `done()`; with a numeric speed, waits so simulated time keeps pace. `progress` hears the simulated time now and then. */
export async function paced(speed: Speed, simulatedUs: () => number, done: () => boolean, step: () => void, stopped: () => boolean = () => false, progress?: (simulatedUs: number) => void): Promise<void> {
  const startWall = performance.now();
  const startSim = simulatedUs();
  let steps = 0;
  while (!done() && !stopped()) {
    step();
    if (progress && (++steps & 63) === 0) progress(simulatedUs());
    if (speed === "max") continue;
    const aheadMs = (simulatedUs() - startSim) / 1000 / speed - (performance.now() - startWall);
    if (aheadMs > 5) await sleep(aheadMs);
  }
}
