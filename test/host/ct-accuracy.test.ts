// Accuracy of the CT metering core (assembly/ct) against the energy of the defined waveforms.
// The twin (host/sim/analog.ts) turns a scenario into ADC codes through the board's front end;
// the expected energy is computed here from the scenario alone:
//   P = Σ over harmonics present in both voltage and current of Vh·Ih·cos(angle between them).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { compileHarness, projectRoot, type CompiledHarness } from "./support/asc-compile.js";
import { AnalogFrontEnd, adcColumns, type BoardSpec, type CtLoadSpec, type Harmonic, type MainsSpec } from "../../host/sim/analog.js";
import { definedWatts as analyticWatts } from "./support/waveform-power.js";

const board = (name: string): BoardSpec => JSON.parse(readFileSync(path.join(projectRoot, "boards", `${name}.json`), "utf8"));
const DEVKITC = board("esp32-devkitc");
const C3MINI = board("esp32c3-mini");

const harness: CompiledHarness = await compileHarness("test/harness/ct.ts");
const ct = harness.exports;

/** Configures the core from a board file the way the integrator's board parser will. */
function configure(b: BoardSpec): void {
  const [v, ...cts] = adcColumns(b);
  const status = ct.ctConfigure(cts.length, b.adc.sample_rate_hz, b.adc.bits, b.adc.full_scale_mv, b.adc.bias_code,
    Math.round(v.volts_per_adc_volt! * 1000), Math.round((v.phase_deg ?? 0) * 1000));
  assert.equal(status, 0, "ctConfigure");
  cts.forEach((c, i) => assert.equal(ct.ctConfigureChannel(i, c.ratio!, Math.round(c.burden_ohm! * 1000),
    Math.round(c.rated_a! * 1000), Math.round((c.phase_deg ?? 0) * 1000)), 0, "ctConfigureChannel"));
}

interface RunResult { importMicroWh: number[]; exportMicroWh: number[]; meteredSeconds: number }

/** Plays `seconds` of the scenario through the twin into the core (which it reconfigures first). */
function run(b: BoardSpec, mains: MainsSpec, loads: (CtLoadSpec | undefined)[], seconds: number,
  options: { seed?: number; biasDrift?: (column: number, t: number) => number; configure?: boolean } = {}): RunResult {
  if (options.configure !== false) configure(b);
  // The ideal front end: the core is configured without the board's front-end corrections here.
  const twin = new AnalogFrontEnd(b, mains, loads, { seed: options.seed ?? 1, biasDrift: options.biasDrift, ideal: true });
  const blockFrames = 400;
  const block = new Uint16Array(harness.memory.buffer, ct.ctHarnessBuffer(), blockFrames * twin.columns);
  const start = Number(ct.ctFramesProcessed());
  const total = Math.round(seconds * twin.sampleRateHz);
  for (let f = 0; f < total; f += blockFrames) {
    const n = Math.min(blockFrames, total - f);
    twin.fill(block, start + f, n);
    ct.ctProcessBlock(ct.ctHarnessBuffer(), n);
  }
  const channels = twin.columns - 1;
  return {
    importMicroWh: Array.from({ length: channels }, (_, i) => Number(ct.ctImportMicroWh(i))),
    exportMicroWh: Array.from({ length: channels }, (_, i) => Number(ct.ctExportMicroWh(i))),
    meteredSeconds: Number(ct.ctFramesMetered()) / twin.sampleRateHz,
  };
}


/** Signed error (%) of channel `ch`'s net register (import − export) against the analytic energy. */
function errorPercent(r: RunResult, ch: number, watts: number): number {
  const expectedMicroWh = watts * r.meteredSeconds / 3600 * 1e6;
  const measured = r.importMicroWh[ch] - r.exportMicroWh[ch];
  return (measured - expectedMicroWh) / Math.abs(expectedMicroWh) * 100;
}

const table: string[] = [];
function record(t: { diagnostic: (s: string) => void }, label: string, err: number, limit: number, extra = ""): void {
  const line = `${label.padEnd(44)} error ${err >= 0 ? "+" : ""}${err.toFixed(3)} %  (limit ±${limit} %)${extra}`;
  table.push(line);
  t.diagnostic(line);
}

const MAINS_50: MainsSpec = { vrms: 230, hz: 50 };
const PF_CASES = [
  { name: "PF 1", phi: 0 },
  { name: "PF 0.5 lagging", phi: 60 },
  { name: "PF 0.8 leading", phi: -Math.acos(0.8) * 180 / Math.PI },
];
// Issue 3 targets (tighter than EN 50470-3 class B): ±0.5 % from 5 % of rated up, ±1 % below.
const limitFor = (percentOfRated: number) => (percentOfRated >= 5 ? 0.5 : 1.0);

test("energy across current and power factor, import on ct1 and export on ct2 (esp32-devkitc, 230 V 50 Hz)", async (t) => {
  const rated = DEVKITC.channels.find((c) => c.kind === "ct")!.rated_a!;
  for (const percent of [1, 5, 10, 100, 120]) {
    for (const pf of PF_CASES) {
      const irms = rated * percent / 100;
      const importLoad: CtLoadSpec = { irms, phi_deg: pf.phi };
      const exportLoad: CtLoadSpec = { irms, phi_deg: pf.phi + 180 };
      const seconds = percent < 5 ? 120 : percent < 10 ? 60 : 20;
      const r = run(DEVKITC, MAINS_50, [importLoad, exportLoad], seconds, { seed: 100 + percent });
      const limit = limitFor(percent);
      const eImport = errorPercent(r, 0, analyticWatts(MAINS_50, importLoad));
      const eExport = errorPercent(r, 1, analyticWatts(MAINS_50, exportLoad));
      record(t, `${percent}% rated, ${pf.name}, import`, eImport, limit);
      record(t, `${percent}% rated, ${pf.name}, export`, eExport, limit);
      assert.ok(Math.abs(eImport) <= limit, `import ${percent}% ${pf.name}: ${eImport.toFixed(3)} %`);
      assert.ok(Math.abs(eExport) <= limit, `export ${percent}% ${pf.name}: ${eExport.toFixed(3)} %`);
      assert.equal(r.exportMicroWh[0], 0, "an importing clamp registers no export");
      assert.equal(r.importMicroWh[1], 0, "an exporting clamp registers no import");
    }
  }
});

test("60 Hz mains, 120 V (esp32c3-mini)", async (t) => {
  const mains: MainsSpec = { vrms: 120, hz: 60 };
  const rated = C3MINI.channels.find((c) => c.kind === "ct")!.rated_a!;
  for (const percent of [5, 100]) {
    for (const pf of PF_CASES) {
      for (const direction of [0, 180]) {
        const load: CtLoadSpec = { irms: rated * percent / 100, phi_deg: pf.phi + direction };
        const r = run(C3MINI, mains, [load], percent < 10 ? 60 : 20, { seed: 7 + percent });
        const e = errorPercent(r, 0, analyticWatts(mains, load));
        record(t, `60 Hz ${percent}% rated, ${pf.name}, ${direction ? "export" : "import"}`, e, limitFor(percent));
        assert.ok(Math.abs(e) <= limitFor(percent), `${e.toFixed(3)} %`);
      }
    }
  }
  const f = Number(ct.ctFrequencyMilliHz()) / 1000, v = Number(ct.ctVrmsMilliV()) / 1000;
  t.diagnostic(`reported ${v.toFixed(3)} V, ${f.toFixed(4)} Hz`);
  assert.ok(Math.abs(f - 60) < 0.01, `frequency ${f}`);
  assert.ok(Math.abs(v - 120) / 120 < 0.002, `Vrms ${v}`);
});

test("harmonics: 3rd/5th/7th in voltage and current (38 % current THD), 50 and 60 Hz", async (t) => {
  const vHarmonics: Harmonic[] = [[3, 0.03, 10], [5, 0.05, -20], [7, 0.02, 45]];
  const iHarmonics: Harmonic[] = [[3, 0.30, 30], [5, 0.20, -60], [7, 0.12, 90]];
  for (const hz of [50, 60]) {
    const mains: MainsSpec = { vrms: 230, hz, harmonics: vHarmonics };
    for (const percent of [10, 100]) {
      for (const phi of [0, 36.87, 180 + 36.87]) {
        const irms = 30 * percent / 100;
        const load: CtLoadSpec = { irms, phi_deg: phi, harmonics: iHarmonics };
        const r = run(DEVKITC, mains, [load, undefined], 20, { seed: hz + percent });
        const e = errorPercent(r, 0, analyticWatts(mains, load));
        record(t, `${hz} Hz harmonics ${percent}% rated, phi ${phi.toFixed(1)}°`, e, 0.5);
        assert.ok(Math.abs(e) <= 0.5, `${e.toFixed(3)} %`);
        assert.equal(r.importMicroWh[1] + r.exportMicroWh[1], 0, "the idle clamp stays at zero");
      }
    }
  }
});

test("noise at the clamp (0.1 A rms) on a 10 % load", async (t) => {
  const load: CtLoadSpec = { irms: 3, phi_deg: 60, noise_a: 0.1 };
  const r = run(DEVKITC, MAINS_50, [load, { irms: 3, phi_deg: 0, noise_a: 0.1 }], 60, { seed: 5 });
  const e0 = errorPercent(r, 0, analyticWatts(MAINS_50, load));
  const e1 = errorPercent(r, 1, analyticWatts(MAINS_50, { irms: 3, phi_deg: 0 }));
  record(t, "10% rated + 0.1 A clamp noise, PF 0.5 lagging", e0, 0.5);
  record(t, "10% rated + 0.1 A clamp noise, PF 1", e1, 0.5);
  assert.ok(Math.abs(e0) <= 0.5 && Math.abs(e1) <= 0.5);
});

test("slow ADC bias drift leaves no error", async (t) => {
  // Every column drifts differently: a ramp of up to 150 codes over the run plus a slow swing.
  const drift = (column: number, s: number) => (column + 1) * 50 * s / 60 + 30 * Math.sin(2 * Math.PI * s / (40 + 7 * column));
  for (const [percent, phi] of [[10, 60], [100, 0], [100, 60]]) {
    const load: CtLoadSpec = { irms: 30 * percent / 100, phi_deg: phi };
    const still = run(DEVKITC, MAINS_50, [load, load], 60, { seed: 9 });
    const drifting = run(DEVKITC, MAINS_50, [load, load], 60, { seed: 9, biasDrift: drift });
    const watts = analyticWatts(MAINS_50, load);
    const e0 = errorPercent(still, 0, watts), e1 = errorPercent(drifting, 0, watts);
    record(t, `bias drift, ${percent}% rated, phi ${phi}°`, e1, 0.5, `; without drift ${e0.toFixed(3)} %`);
    assert.ok(Math.abs(e1) <= 0.5);
    assert.ok(Math.abs(e1 - e0) < 0.02, `drift changed the error by ${(e1 - e0).toFixed(4)} %`);
  }
});

test("Vrms and frequency readings, including off-nominal 49.7 Hz", async (t) => {
  for (const mains of [{ vrms: 230, hz: 50 }, { vrms: 253, hz: 49.7 }, { vrms: 207, hz: 60.2 }] as MainsSpec[]) {
    const load: CtLoadSpec = { irms: 15, phi_deg: 60 };
    const r = run(DEVKITC, mains, [load, undefined], 20, { seed: 3 });
    const v = Number(ct.ctVrmsMilliV()) / 1000, f = Number(ct.ctFrequencyMilliHz()) / 1000;
    const i = Number(ct.ctIrmsMilliA(0)) / 1000, pf = ct.ctPowerFactorMilli(0) / 1000;
    const p = Number(ct.ctRealPowerMilliW(0)) / 1000;
    const e = errorPercent(r, 0, analyticWatts(mains, load));
    record(t, `${mains.vrms} V ${mains.hz} Hz, 50% rated PF 0.5`, e, 0.5,
      `; read ${v.toFixed(2)} V ${f.toFixed(3)} Hz ${i.toFixed(3)} A ${p.toFixed(1)} W PF ${pf}`);
    assert.ok(Math.abs(v - mains.vrms) / mains.vrms < 0.002, `Vrms ${v}`);
    assert.ok(Math.abs(f - mains.hz) < 0.01, `frequency ${f}`);
    assert.ok(Math.abs(i - 15) / 15 < 0.005, `Irms ${i}`);
    assert.ok(Math.abs(p - analyticWatts(mains, load)) / analyticWatts(mains, load) < 0.005, `P ${p}`);
    assert.ok(Math.abs(pf - 0.5) <= 0.003, `PF ${pf}`);
    assert.ok(Math.abs(e) <= 0.5);
  }
});

test("no-load creep: 115 % voltage, ADC and clamp noise, one simulated hour: registers do not move", async (t) => {
  // IEC 62053-21 tests no-load at 115 % of nominal voltage (issue 3 asks 110 %): 264.5 V covers both.
  const mains: MainsSpec = { vrms: 264.5, hz: 50, harmonics: [[3, 0.03, 0], [5, 0.04, 0]] };
  const r = run(DEVKITC, mains, [undefined, { irms: 0, phi_deg: 0, noise_a: 0.05 }], 3600, { seed: 11 });
  t.diagnostic(`after ${r.meteredSeconds} s: import ${r.importMicroWh} µWh, export ${r.exportMicroWh} µWh`);
  table.push(`no-load 1 h at 264.5 V: import ${r.importMicroWh.join("/")} µWh, export ${r.exportMicroWh.join("/")} µWh`);
  assert.deepEqual(r.importMicroWh, [0, 0]);
  assert.deepEqual(r.exportMicroWh, [0, 0]);
  assert.equal(Number(ct.ctRealPowerMilliW(0)), 0);
});

test("starting current: 0.4 % of rated registers (import on ct1, export on ct2)", async (t) => {
  const load: CtLoadSpec = { irms: 30 * 0.004, phi_deg: 0 };
  const r = run(DEVKITC, MAINS_50, [load, { ...load, phi_deg: 180 }], 120, { seed: 13 });
  const e0 = errorPercent(r, 0, analyticWatts(MAINS_50, load));
  const e1 = errorPercent(r, 1, -analyticWatts(MAINS_50, load));
  record(t, "0.4% rated (starting current), PF 1, import", e0, 5);
  record(t, "0.4% rated (starting current), PF 1, export", e1, 5);
  assert.ok(r.importMicroWh[0] > 0 && r.exportMicroWh[1] > 0);
  assert.ok(Math.abs(e0) <= 5 && Math.abs(e1) <= 5);
});

test("registers: restore, calibration setters and remainder carry", async () => {
  configure(DEVKITC);
  assert.equal(ct.ctRestoreRegisters(0, 5_000_000_000n, 7n), 0);
  assert.equal(ct.ctSetGainMicro(1, 1_010_000), 0);
  assert.equal(ct.ctSetGainMicro(1, 3_000_000), -1);
  assert.equal(ct.ctSetPhaseMilliDeg(0, 20_000), -1);
  assert.equal(ct.ctConfigureChannel(2, 2000, 33000, 30000, 2000), -2);
  const load: CtLoadSpec = { irms: 10, phi_deg: 0 };
  const r = run(DEVKITC, MAINS_50, [load, load], 20, { configure: false });
  const expected = analyticWatts(MAINS_50, load) * r.meteredSeconds / 3600 * 1e6;
  const e0 = (r.importMicroWh[0] - 5_000_000_000 - expected) / expected * 100;
  const e1 = (r.importMicroWh[1] - expected) / expected * 100;
  assert.equal(r.exportMicroWh[0], 7);
  assert.ok(Math.abs(e0) < 0.5, `restored register grew by ${e0.toFixed(3)} % off`);
  assert.ok(Math.abs(e1 - 1) < 0.1, `+1 % gain on ct2 gave ${e1.toFixed(3)} %`);
  // A gap in the stream (e.g. an outage): ctRestart keeps the registers and metering goes on.
  ct.ctRestart();
  assert.equal(Number(ct.ctFramesProcessed()), 0);
  const r2 = run(DEVKITC, MAINS_50, [load, load], 10, { configure: false });
  const e2 = (r2.importMicroWh[0] - r.importMicroWh[0] - analyticWatts(MAINS_50, load) * r2.meteredSeconds / 3600 * 1e6)
    / (analyticWatts(MAINS_50, load) * r2.meteredSeconds / 3600 * 1e6) * 100;
  assert.ok(Math.abs(e2) < 0.5, `after ctRestart: ${e2.toFixed(3)} %`);
});


test("per-sample cost (V8, this machine): ns per channel-sample for 1, 2 and 4 CT channels", async (t) => {
  const [v, ct1] = adcColumns(DEVKITC);
  for (const channels of [1, 2, 4]) {
    const b: BoardSpec = { ...DEVKITC, channels: [v, ...Array.from({ length: channels }, (_, i) => ({ ...ct1, name: `ct${i + 1}` }))] };
    configure(b);
    const twin = new AnalogFrontEnd(b, MAINS_50, Array.from({ length: channels }, () => ({ irms: 10, phi_deg: 30 })), { seed: 1 });
    const frames = 400;
    twin.fill(new Uint16Array(harness.memory.buffer, ct.ctHarnessBuffer(), frames * twin.columns), 0, frames);
    for (let i = 0; i < 1000; i++) ct.ctProcessBlock(ct.ctHarnessBuffer(), frames); // warm up the JIT
    const blocks = 5000;
    const start = process.hrtime.bigint();
    for (let i = 0; i < blocks; i++) ct.ctProcessBlock(ct.ctHarnessBuffer(), frames);
    const ns = Number(process.hrtime.bigint() - start);
    const line = `${channels} CT: ${(ns / (blocks * frames * twin.columns)).toFixed(2)} ns per channel-sample (voltage counted as a channel)`;
    table.push(`cost ${line}`);
    t.diagnostic(line);
  }
});

test("accuracy table", () => { console.log(["", "CT accuracy (measured error of the net register):", ...table].join("\n")); });

test("calibration setters re-check the overflow bound: a gain that could overflow the i64 energy sums is refused, nothing changes", () => {
  // Per cycle |A·C0| ≤ K·N²·span² must stay below 4e18 (docs/ct.md): K = V/code · A/code / fs / 3600 · 1e6 · 2^32.
  const rate = 1000, bits = 12, fullScaleMv = 5000, bias = 2048, voltsPerAdcVolt = 2000, burdenOhm = 1;
  const perCode = fullScaleMv / 1000 / (2 ** bits - 1);
  const kPerTurn = perCode * voltsPerAdcVolt * (perCode / burdenOhm) / rate / 3600 * 1e6 * 2 ** 32;
  const worstCov = (rate / 40) ** 2 * 2048 ** 2;
  const ratio = Math.floor(0.7 * 4e18 / (kPerTurn * worstCov)); // 70 % of the bound at gain 1
  assert.equal(ct.ctConfigure(1, rate, bits, fullScaleMv, bias, voltsPerAdcVolt * 1000, 0), 0);
  assert.equal(ct.ctConfigureChannel(0, ratio, Math.round(burdenOhm * 1000), 1000, 0), 0, `ratio ${ratio}`);
  assert.equal(ct.ctSetGainMicro(0, 1_300_000), 0, "×1.3: 91 % of the bound");
  assert.equal(ct.ctSetGainMicro(0, 1_500_000), -3, "×1.5 would pass the bound");
  assert.equal(ct.ctGainMicro(0), 1_300_000, "refused: unchanged");
  assert.equal(ct.ctSetVoltageGainMicro(1_200_000), -3, "the voltage gain multiplies the same bound");
  assert.equal(ct.ctVoltageGainMicro(), 1_000_000);
  assert.equal(ct.ctSetPhaseMilliDeg(0, 10_001), -1, "phase beyond ±10° is a range error");
});
