// CT metering end to end: scenario → twin (analog front end, ADC blocks every 10 ms) → release
// firmware → registers and frames. The expected energy is computed here from the scenario alone:
//   P = Σ over harmonics present in both voltage and current of Vh·Ih·cos(angle between them),
//   E = P × the span the registers cover.
// That span (docs/ct.md, "In the firmware"): nothing is excluded at start-up (the first cycle
// starts with the first sample), and registers take energy per window of whole mains cycles,
// ≥ sample_rate_hz frames. At 50 and 60 Hz with 4000 frames/s a window is exactly 1 s (50 or 60
// cycles), so at simulated time t the registers hold the first ⌈t⌉ − 1 s; scenarios here run
// N + 0.5 s and compare N s. (Where noise puts a crossing shifts the span by one frame: 0.25 ms.)
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseScenario } from "../../host/sim/scenario.js";
import { Twin } from "../../host/sim/twin.js";
import { decodeFrame } from "../../host/frame/codec.js";
import { TestKeys } from "../../host/frame/keyring.js";
import { Firmware, loadFirmwareImage, FirmwareError } from "../../host/firmware/firmware.js";
import { loadBoard, packDescriptor } from "../../host/board/board.js";
import { definedWatts } from "./support/waveform-power.js";
import { idealBoard } from "../../host/sim/analog.js";

type Harmonic = [number, number, number];
interface Mains { vrms: number; hz: number; harmonics?: Harmonic[] }
interface Load { irms: number; phi_deg: number; harmonics?: Harmonic[]; noise_a?: number }

function scenario(board: string, seconds: number, mains: Mains | undefined, ct: Record<string, Load>, extra: Record<string, unknown> = {}) {
  return parseScenario(JSON.stringify({ format: "activemeter-scenario/1", board, seconds, seed: 7, mains, ct, ...extra }));
}

/** `ideal`: the twin's ideal front end (docs/ct.md), for cases whose prediction is pure arithmetic. */
function run(s: ReturnType<typeof scenario>, options: { ideal?: boolean } = {}): Twin {
  if (options.ideal) s.board = idealBoard(s.board);
  const twin = new Twin(s);
  twin.runToEnd();
  return twin;
}

/** Seconds of the scenario the registers cover at its end (see the header). */
const meteredSeconds = (seconds: number) => Math.ceil(seconds) - 1;


/** Error (%) of ctN's net register (import − export) against the defined energy. */
function errorPercent(twin: Twin, ch: string, mains: Mains, load: Load): number {
  const regs = twin.registers();
  const expectedWh = definedWatts(mains, load) * meteredSeconds(twin.scenario.seconds) / 3600;
  return ((regs[`${ch}.import_wh`] - regs[`${ch}.export_wh`]) - expectedWh) / Math.abs(expectedWh) * 100;
}

const table: string[] = [];
function record(t: { diagnostic: (s: string) => void }, label: string, err: number, limit: number): void {
  const line = `${label.padEnd(46)} ${err >= 0 ? "+" : ""}${err.toFixed(3)} %  (limit ±${limit} %)`;
  table.push(line);
  t.diagnostic(line);
}

// Issue 3: ±0.5 % from 5 % to 120 % of rated current (PF 0.5 included), ±1 % from 1 % to 5 %.
const limitFor = (percent: number) => (percent >= 5 ? 0.5 : 1.0);
const PF_CASES = [
  { name: "PF 1", phi: 0 },
  { name: "PF 0.5 lag", phi: 60 },
  { name: "PF 0.8 lead", phi: -Math.acos(0.8) * 180 / Math.PI },
];
const MAINS_230: Mains = { vrms: 230, hz: 50 };

test("esp32-devkitc 230 V 50 Hz: 1–120 % of rated × PF 1, 0.5 lag, 0.8 lead; import on ct1, export on ct2", (t) => {
  const rated = 30;
  for (const percent of [1, 5, 10, 50, 100, 120]) {
    for (const pf of PF_CASES) {
      const irms = rated * percent / 100;
      const imp: Load = { irms, phi_deg: pf.phi };
      const exp: Load = { irms, phi_deg: pf.phi + 180 };
      const seconds = percent < 5 ? 120.5 : percent < 10 ? 60.5 : 20.5;
      const twin = run(scenario("esp32-devkitc", seconds, MAINS_230, { ct1: imp, ct2: exp }, { seed: percent }));
      const regs = twin.registers();
      const eImp = errorPercent(twin, "ct1", MAINS_230, imp);
      const eExp = errorPercent(twin, "ct2", MAINS_230, exp);
      record(t, `${percent}% rated, ${pf.name}, import (ct1)`, eImp, limitFor(percent));
      record(t, `${percent}% rated, ${pf.name}, export (ct2)`, eExp, limitFor(percent));
      assert.ok(Math.abs(eImp) <= limitFor(percent), `import ${percent}% ${pf.name}: ${eImp.toFixed(3)} %`);
      assert.ok(Math.abs(eExp) <= limitFor(percent), `export ${percent}% ${pf.name}: ${eExp.toFixed(3)} %`);
      assert.equal(regs["ct1.export_wh"], 0, "an importing clamp registers no export");
      assert.equal(regs["ct2.import_wh"], 0, "an exporting clamp registers no import");
    }
  }
});

test("60 Hz: esp32c3-mini at 120 V, and esp32-devkitc with mains.hz 60", (t) => {
  const mains120: Mains = { vrms: 120, hz: 60 };
  for (const percent of [1, 5, 100, 120]) {
    for (const pf of PF_CASES) {
      for (const direction of [0, 180]) {
        const load: Load = { irms: 40 * percent / 100, phi_deg: pf.phi + direction };
        const twin = run(scenario("esp32c3-mini", percent < 5 ? 120.5 : percent < 10 ? 60.5 : 20.5, mains120, { ct1: load }));
        const e = errorPercent(twin, "ct1", mains120, load);
        record(t, `c3-mini 120 V 60 Hz ${percent}%, ${pf.name}, ${direction ? "export" : "import"}`, e, limitFor(percent));
        assert.ok(Math.abs(e) <= limitFor(percent), `${e.toFixed(3)} %`);
      }
    }
  }
  const mains60: Mains = { vrms: 230, hz: 60 };
  for (const pf of PF_CASES) {
    const imp: Load = { irms: 15, phi_deg: pf.phi };
    const exp: Load = { irms: 3, phi_deg: pf.phi + 180 };
    const twin = run(scenario("esp32-devkitc", 20.5, mains60, { ct1: imp, ct2: exp }));
    const e1 = errorPercent(twin, "ct1", mains60, imp), e2 = errorPercent(twin, "ct2", mains60, exp);
    record(t, `devkitc 230 V 60 Hz 50%, ${pf.name}, import`, e1, 0.5);
    record(t, `devkitc 230 V 60 Hz 10%, ${pf.name}, export`, e2, 0.5);
    assert.ok(Math.abs(e1) <= 0.5 && Math.abs(e2) <= 0.5, `${e1.toFixed(3)} / ${e2.toFixed(3)} %`);
    const regs = twin.registers();
    assert.ok(Math.abs(regs["v.hz"] - 60) < 0.01, `v.hz ${regs["v.hz"]}`);
  }
});

test("harmonics 3rd/5th/7th in voltage and current (38 % current THD), 50 and 60 Hz, import and export", (t) => {
  const vHarmonics: Harmonic[] = [[3, 0.03, 10], [5, 0.05, -20], [7, 0.02, 45]];
  const iHarmonics: Harmonic[] = [[3, 0.30, 30], [5, 0.20, -60], [7, 0.12, 90]];
  for (const hz of [50, 60]) {
    const mains: Mains = { vrms: 230, hz, harmonics: vHarmonics };
    for (const percent of [10, 100]) {
      for (const phi of [0, 36.87]) {
        const imp: Load = { irms: 30 * percent / 100, phi_deg: phi, harmonics: iHarmonics };
        const exp: Load = { irms: 30 * percent / 100, phi_deg: phi + 180, harmonics: iHarmonics };
        const twin = run(scenario("esp32-devkitc", 20.5, mains, { ct1: imp, ct2: exp }));
        const e1 = errorPercent(twin, "ct1", mains, imp), e2 = errorPercent(twin, "ct2", mains, exp);
        record(t, `${hz} Hz harmonics ${percent}%, phi ${phi}°, import`, e1, 0.5);
        record(t, `${hz} Hz harmonics ${percent}%, phi ${phi + 180}°, export`, e2, 0.5);
        assert.ok(Math.abs(e1) <= 0.5 && Math.abs(e2) <= 0.5, `${e1.toFixed(3)} / ${e2.toFixed(3)} %`);
      }
    }
  }
});

test("white noise at the clamp (0.1 A rms) on 10 % of rated", (t) => {
  const imp: Load = { irms: 3, phi_deg: 60, noise_a: 0.1 };
  const exp: Load = { irms: 3, phi_deg: 180, noise_a: 0.1 };
  const twin = run(scenario("esp32-devkitc", 60.5, MAINS_230, { ct1: imp, ct2: exp }));
  const e1 = errorPercent(twin, "ct1", MAINS_230, imp), e2 = errorPercent(twin, "ct2", MAINS_230, exp);
  record(t, "10% + 0.1 A clamp noise, PF 0.5 lag, import", e1, 0.5);
  record(t, "10% + 0.1 A clamp noise, PF 1, export", e2, 0.5);
  assert.ok(Math.abs(e1) <= 0.5 && Math.abs(e2) <= 0.5);
});

// Issue 3 asks 110 % of nominal voltage; IEC 62053-21's 115 % is covered by ct-accuracy.test.ts (core harness).
test("no-load creep: one simulated hour at 110 % of 230 V with harmonics and noise: registers stay below one pulse (1 Wh)", (t) => {
  for (const vrms of [253]) {
    const mains: Mains = { vrms, hz: 50, harmonics: [[3, 0.03, 0], [5, 0.04, 0]] };
    // ct1: ADC noise only (no 'ct' entry); ct2: 0 A with 0.05 A rms white noise at the clamp.
    const twin = run(scenario("esp32-devkitc", 3600, mains, { ct2: { irms: 0, phi_deg: 0, noise_a: 0.05 } }, { seed: Math.round(vrms) }));
    const regs = twin.registers();
    const moved = ["ct1.import_wh", "ct1.export_wh", "ct2.import_wh", "ct2.export_wh"].map((k) => regs[k]);
    const line = `no load 1 h at ${vrms} V: registers ${moved.map((w) => w.toFixed(6)).join(" / ")} Wh`;
    table.push(line);
    t.diagnostic(line);
    for (const w of moved) assert.ok(w < 1, line);
    assert.equal(regs["ct1.power_w"], 0);
    assert.ok(Math.abs(regs["v.vrms_v"] - vrms * Math.sqrt(1 + 0.03 ** 2 + 0.04 ** 2)) < 0.5, `v.vrms_v ${regs["v.vrms_v"]}`);
  }
});

test("starting current: 0.4 % of rated at PF 1 registers (import on ct1, export on ct2)", (t) => {
  const imp: Load = { irms: 30 * 0.004, phi_deg: 0 };
  const exp: Load = { irms: 30 * 0.004, phi_deg: 180 };
  const twin = run(scenario("esp32-devkitc", 120.5, MAINS_230, { ct1: imp, ct2: exp }));
  const regs = twin.registers();
  const e1 = errorPercent(twin, "ct1", MAINS_230, imp), e2 = errorPercent(twin, "ct2", MAINS_230, exp);
  record(t, "0.4% rated (starting current), PF 1, import", e1, 5);
  record(t, "0.4% rated (starting current), PF 1, export", e2, 5);
  assert.ok(regs["ct1.import_wh"] > 0 && regs["ct2.export_wh"] > 0);
  assert.ok(Math.abs(e1) <= 5 && Math.abs(e2) <= 5, `${e1.toFixed(2)} / ${e2.toFixed(2)} %`);
});

test("no voltage (ct without mains) registers nothing; mains without ct reads 0 A", () => {
  const noMains = run(scenario("esp32-devkitc", 30.5, undefined, { ct1: { irms: 36, phi_deg: 0 }, ct2: { irms: 5, phi_deg: 180 } }));
  let regs = noMains.registers();
  for (const k of ["ct1.import_wh", "ct1.export_wh", "ct2.import_wh", "ct2.export_wh", "ct1.power_w", "v.hz"]) assert.equal(regs[k], 0, k);
  const noCt = run(scenario("esp32-devkitc", 30.5, MAINS_230, {}));
  regs = noCt.registers();
  for (const k of ["ct1.import_wh", "ct1.export_wh", "ct2.import_wh", "ct2.export_wh", "ct1.power_w"]) assert.equal(regs[k], 0, k);
  assert.ok(Math.abs(regs["v.vrms_v"] - 230) < 0.5 && Math.abs(regs["v.hz"] - 50) < 0.01);
  assert.ok(regs["ct1.irms_a"] < 0.5, `ct1.irms_a ${regs["ct1.irms_a"]} (ADC noise only)`);
});

test("live registers: v.vrms_v, v.hz, ctN.power_w, ctN.irms_a, ctN.pf (signed)", () => {
  const mains: Mains = { vrms: 253, hz: 49.7 };
  const imp: Load = { irms: 15, phi_deg: 60 };
  const exp: Load = { irms: 6, phi_deg: 180 - 36.87 };
  const regs = run(scenario("esp32-devkitc", 10.5, mains, { ct1: imp, ct2: exp })).registers();
  assert.ok(Math.abs(regs["v.vrms_v"] - 253) / 253 < 0.002, `v.vrms_v ${regs["v.vrms_v"]}`);
  assert.ok(Math.abs(regs["v.hz"] - 49.7) < 0.01, `v.hz ${regs["v.hz"]}`);
  assert.ok(Math.abs(regs["ct1.irms_a"] - 15) / 15 < 0.005, `ct1.irms_a ${regs["ct1.irms_a"]}`);
  assert.ok(Math.abs(regs["ct1.power_w"] - definedWatts(mains, imp)) / definedWatts(mains, imp) < 0.005, `ct1.power_w ${regs["ct1.power_w"]}`);
  assert.ok(Math.abs(regs["ct1.pf"] - 0.5) <= 0.003, `ct1.pf ${regs["ct1.pf"]}`);
  assert.ok(regs["ct2.power_w"] < 0 && Math.abs(regs["ct2.power_w"] - definedWatts(mains, exp)) / Math.abs(definedWatts(mains, exp)) < 0.005);
  assert.ok(Math.abs(regs["ct2.pf"] + 0.8) <= 0.005, `ct2.pf ${regs["ct2.pf"]}`);
});

// Frames carry the persisted register values (assembly/store: journal steps scaled to the board's
// rating, 40 Wh for the 30 A clamps of esp32-devkitc: docs/storage.md), truncated to 0.1 Wh:
// never more than was measured, never backwards, at most one step behind.
const PERSIST_STEP_WH = 40;

test("frames carry ctN.import_wh / export_wh: authenticated, never above the defined energy, at most one persistence step behind", () => {
  const imp: Load = { irms: 20, phi_deg: 30 };
  const exp: Load = { irms: 12, phi_deg: 190 };
  const twin = run(scenario("esp32-devkitc", 60.5, MAINS_230, { ct1: imp, ct2: exp }));
  assert.equal(twin.frames.length, 6);
  const last = { imp: 0, exp: 0 };
  twin.frames.forEach((bytes, i) => {
    const frame = decodeFrame(bytes, { keys: new TestKeys(), requireAuthentication: true });
    // frame i leaves at (i+1)·10 s, after the window ending then: the registers cover (i+1)·10 − 1 s
    const covered = (i + 1) * 10 - 1;
    for (const [key, load, prev] of [["ct1.import_wh", imp, "imp"], ["ct2.export_wh", exp, "exp"]] as const) {
      const definedWh = Math.abs(definedWatts(MAINS_230, load)) * covered / 3600;
      const got = frame.registers[key] ?? 0;
      assert.ok(got <= definedWh * 1.005 + 0.1, `frame ${i + 1}: ${key} ${got} above the defined ${definedWh.toFixed(2)} Wh`);
      assert.ok(got >= definedWh * 0.995 - PERSIST_STEP_WH - 0.1, `frame ${i + 1}: ${key} ${got}, defined ${definedWh.toFixed(2)} Wh`);
      assert.ok(got >= last[prev], "frames never go backwards");
      last[prev] = got;
    }
    assert.equal(frame.registers["ct1.export_wh"], undefined, "a zero register is left out");
    assert.equal(frame.registers["ct2.import_wh"], undefined, "a zero register is left out");
  });
  assert.ok(last.imp > 0 && last.exp > 0, "the CT registers travel in frames");
});

test("console calibration: ctN.gain, ctN.phase_deg, ctN.offset_w, v.gain with range checks, shown by config", () => {
  const load: Load = { irms: 10, phi_deg: 60 };
  const lines = ["unlock 0000", "set ct1.gain 1.01", "set ct2.phase_deg 0", "set ct1.gain 3", "set ct2.phase_deg -12.5", "set ct1.offset_w 1001",
    "set ct3.gain 1", "set ct1.frobnicate 1", "set v.gain 0.4", "set v.phase_deg -0.5", "config", "help set"];
  const twin = run(scenario("esp32-devkitc", 20.5, MAINS_230, { ct1: load, ct2: load }, { console: lines }), { ideal: true });
  const text = twin.consoleText;
  assert.match(text, /error: ct1\.gain takes a factor from 0\.5 to 2 \(up to 6 decimals\), not '3'; nothing was changed/);
  assert.match(text, /error: ct2\.phase_deg takes a number of degrees from -10 to 10.*not '-12\.5'; nothing was changed/);
  assert.match(text, /error: ct1\.offset_w takes a number of W from -1000 to 1000.*not '1001'/);
  assert.match(text, /error: this board has no clamp ct3/);
  assert.match(text, /error: unknown key 'ct1\.frobnicate'/);
  assert.match(text, /error: v\.gain takes a factor from 0\.5 to 2/);
  assert.match(text, /ct1\.gain = 1\.010000\r\n/);
  assert.match(text, /ct2\.phase_deg = 0\.000\r\n/);
  assert.match(text, /v\.phase_deg = -0\.500\r\n/);
  assert.match(text, /ctN\.phase_deg\s+-10 \.\. 10 degrees/);
  // v.phase_deg −0.5° (voltage lags) leaves ct1 with 2.5° of correction for a CT that leads 2°:
  // the current is corrected 0.5° too far: P ∝ cos(60° + 0.5°); ct1 reads 1 % high on top.
  const e1 = errorPercent(twin, "ct1", MAINS_230, load);
  const expected1 = (1.01 * Math.cos(60.5 * Math.PI / 180) / Math.cos(Math.PI / 3) - 1) * 100;
  assert.ok(Math.abs(e1 - expected1) < 0.1, `ct1 ${e1.toFixed(3)} %, expected ${expected1.toFixed(3)} %`);
  // ct2.phase_deg 0 with v.phase_deg −0.5 delays the current by 0.5° only: 1.5° of the CT's 2° lead remain.
  const e2 = errorPercent(twin, "ct2", MAINS_230, load);
  const expected2 = (Math.cos(58.5 * Math.PI / 180) / Math.cos(Math.PI / 3) - 1) * 100;
  assert.ok(Math.abs(e2 - expected2) < 0.1, `ct2 ${e2.toFixed(3)} %, expected ${expected2.toFixed(3)} %`);
  assert.ok(twin.status() & 4, "config_changed");
});

test("ctN.offset_w is subtracted from the real power", () => {
  const load: Load = { irms: 10, phi_deg: 0 };
  const twin = run(scenario("esp32-devkitc", 20.5, MAINS_230, { ct1: load, ct2: load }, { console: ["unlock 0000", "set ct1.offset_w 23", "set ct2.offset_w -23"] }));
  const regs = twin.registers();
  const seconds = meteredSeconds(20.5);
  assert.ok(Math.abs((regs["ct1.import_wh"] - (2300 - 23) * seconds / 3600) / (2277 * seconds / 3600)) < 0.005, `ct1 ${regs["ct1.import_wh"]}`);
  assert.ok(Math.abs((regs["ct2.import_wh"] - (2300 + 23) * seconds / 3600) / (2323 * seconds / 3600)) < 0.005, `ct2 ${regs["ct2.import_wh"]}`);
});

test("refused board parameters: CT metering off with status ct_fault, everything else runs; block sizes are checked", () => {
  const board = loadBoard("esp32-devkitc");
  const frames: Uint8Array[] = [];
  const hooks = { timeUs: () => 0n, consoleWrite: () => {}, radioSend: (f: Uint8Array) => { frames.push(f); }, log: () => {}, panic: () => {} };
  // 14-bit ADC: the core's per-cycle integer sums could overflow, so it refuses the configuration.
  const bad = new Firmware(loadFirmwareImage(), hooks);
  bad.start(packDescriptor({ ...board, adc: { ...board.adc, bits: 14, bias_code: 8192 } }));
  assert.ok(bad.status() & (1 << 6), "ct_fault");
  assert.throws(() => bad.adcBlock(new Uint16Array(3 * 40), 3), /not supported/);
  assert.equal(bad.registers()["ct1.import_wh"], 0);
  assert.equal(bad.pulseEvents([{ timeUs: 0, input: 0, level: 0, powerUp: true }]), 0, "pulse inputs still work");

  const good = new Firmware(loadFirmwareImage(), hooks);
  good.start(packDescriptor(board));
  assert.equal(good.status() & (1 << 6), 0);
  const capacity = good.adcCapacity;
  good.adcBlock(new Uint16Array(Math.floor(capacity / 3) * 3).fill(2048), 3);
  assert.throws(() => good.adcBlock(new Uint16Array((Math.floor(capacity / 3) + 1) * 3).fill(2048), 3), /batch larger than the buffer/);
});

test("twin speed with CT: a 600 s scenario (2 clamps, harmonics, noise)", (t) => {
  const s = scenario("esp32-devkitc", 600, { vrms: 230, hz: 50, harmonics: [[3, 0.03, 0]] },
    { ct1: { irms: 12, phi_deg: 30, harmonics: [[3, 0.2, 0]], noise_a: 0.02 }, ct2: { irms: 8, phi_deg: 200 } });
  const start = process.hrtime.bigint();
  run(s);
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  const line = `twin speed: 600 s of esp32-devkitc CT metering in ${wall.toFixed(2)} s wall = ${(600 / wall).toFixed(0)} simulated s per s`;
  table.push(line);
  t.diagnostic(line);
});

test("CT accuracy table (through the twin)", () => { console.log(["", "CT metering through the twin (error of the net register):", ...table].join("\n")); });
