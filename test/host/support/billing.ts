// Shared by the billing tests: scenario files, the independent Python reference
// (test/reference/billing_reference.py) and the parser of `log monthly` / `log daily` lines.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { projectRoot } from "./asc-compile.js";

export interface RefRecord { at: number; values: Record<string, number>; on_s: number; peaks?: Record<string, { peak_mw: number; mean_mw: number; peak_at: number; unique: boolean }> }
export interface Reference { daily: RefRecord[]; monthly: RefRecord[] }

export function writeScenario(scenario: object): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "am-billing-"));
  const file = path.join(dir, "scenario.json");
  fs.writeFileSync(file, JSON.stringify(scenario));
  return file;
}

export function pythonReference(scenarioFile: string, cfg: object): Reference {
  const r = spawnSync("/usr/bin/python3", [path.join(projectRoot, "test/reference/billing_reference.py"), scenarioFile, JSON.stringify(cfg)], { encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`billing_reference.py failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Reference;
}

export interface LogRecord { seq: number; at: number; taken: number; flags: string[]; values: Record<string, number>; peaks: Record<string, { w: number; at: number; mean: number }>; onH: number; errorH: number; info: number }

const isoToUtc = (s: string) => Date.parse(s.replace(/([+-]\d\d:\d\d)$/, ":00$1")) / 1000;

/** Parse the record lines of `log monthly` / `log daily` (newest first). */
export function parseLog(text: string): LogRecord[] {
  const out: LogRecord[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^#(\d+) at=(\S+) taken=(\S+)(?: flags=(\S+))?(.*) on_h=([\d.]+) error_h=([\d.]+) info=(\d+)$/.exec(line);
    if (!m) continue;
    const values: Record<string, number> = {};
    const peaks: LogRecord["peaks"] = {};
    for (const w of m[5].matchAll(/ (\S+?)=([\d.]+)(?=\s|$)/g)) if (!w[1].includes(":") && !w[1].startsWith("mean")) values[w[1]] = Number(w[2]);
    for (const p of m[5].matchAll(/ (\S+?):(?:peak_w|max_flow_lh)=([\d.]+)@(\S+)(?: mean\d+=([\d.]+))?/g)) peaks[p[1]] = { w: Number(p[2]), at: isoToUtc(p[3]), mean: Number(p[4] ?? 0) };
    out.push({ seq: Number(m[1]), at: isoToUtc(m[2]), taken: isoToUtc(m[3]), flags: (m[4] ?? "").split(",").filter(Boolean), values, peaks, onH: Number(m[6]), errorH: Number(m[7]), info: Number(m[8]) });
  }
  return out;
}

/** A deterministic load profile: a new rate every `everyS` (pulses per hour from `rates`), steps 1.5 s past whole seconds. */
export function loadSteps(seconds: number, everyS: number, rates: number[], seed: number): [number, number][] {
  let x = seed >>> 0;
  const steps: [number, number][] = [];
  for (let t = everyS; t < seconds; t += everyS) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    steps.push([t + 1.5, rates[x % rates.length] / 3600]);
  }
  return steps;
}
