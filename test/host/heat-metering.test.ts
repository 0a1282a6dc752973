// Heat scenarios -> twin -> release firmware -> registers and frames. The expected values come
// from the scenario's definition (flow pulse k when the volume since start_s reaches k·L) and
// from IAPWS-IF97 computed by python3-iapws (tools/gen-heat-scenario-vectors.py ->
// test/vectors/heat-scenarios-if97.json): energy = Σ over pulses k(Θf, Θr)·ΔΘ·ΔV. Never from the
// firmware's own output.
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { parseScenario, readScenario } from "../../host/sim/scenario.js";
import { Twin } from "../../host/sim/twin.js";
import { decodeFrame } from "../../host/frame/codec.js";
import { TestKeys } from "../../host/frame/keyring.js";
import { Firmware, loadFirmwareImage } from "../../host/firmware/firmware.js";
import { loadBoard, packDescriptor } from "../../host/board/board.js";
import { projectRoot } from "./support/asc-compile.js";
import { readVectors } from "./support/cli.js";

interface HeatDef { flow_m3h: number; supply_c: number; return_c: number; start_s?: number; stop_s?: number; l_per_pulse?: number }
interface RefPoint { supply_c: number; return_c: number; pressure_bar: number; flow_sensor_pipe: "supply" | "return"; k: number }

const REF = readVectors<{ points: RefPoint[] }>("heat-scenarios-if97.json").points;
const SUPPLY_BOARD = path.join(projectRoot, "test/boards/heat-supply.json");
const STATUS_SENSOR_FAULT = 1 << 3;
const STATUS_INPUT_REJECTED = 1 << 0;

function scenario(seconds: number, heat: Record<string, HeatDef>, consoleLines: string[] = [], board = "esp32-devkitc") {
  return parseScenario(JSON.stringify({ format: "activemeter-scenario/1", board, seconds, seed: 3, console: consoleLines, heat }));
}

function run(s: ReturnType<typeof scenario>) {
  const twin = new Twin(s);
  twin.runToEnd();
  return twin;
}

/** Flow pulses of the definition: k ≥ 1 with k·L ≤ flow · (min(stop_s, until) − start_s). Written out here, not imported. */
function definedPulses(h: HeatDef, seconds: number, litres: number, untilS = seconds): number {
  const stop = Math.min(h.stop_s ?? seconds, untilS);
  const perSecondL = h.flow_m3h / 3.6;
  let n = 0;
  while ((n + 1) * litres <= perSecondL * (stop - (h.start_s ?? 0)) * (1 + 1e-12)) n++;
  return n;
}

function refK(supply: number, ret: number, bar: number, pipe: "supply" | "return"): number {
  const p = REF.find((q) => q.supply_c === supply && q.return_c === ret && q.pressure_bar === bar && q.flow_sensor_pipe === pipe);
  if (!p) throw new Error(`no IF97 reference for ${supply}/${ret} °C ${bar} bar ${pipe}: add it to tools/gen-heat-scenario-vectors.py and run it with /usr/bin/python3`);
  return p.k;
}

/** Reference energy in Wh: pulses × k [kWh/(m³·K)] × |ΔΘ| [K] × L [litres] (kWh/m³ = Wh/L). */
function refEnergyWh(pulses: number, litres: number, supply: number, ret: number, bar: number, pipe: "supply" | "return"): number {
  return pulses * refK(supply, ret, bar, pipe) * Math.abs(supply - ret) * litres;
}

const measured: string[] = [];
function assertEnergy(got: number, expected: number, tolerance: number, what: string): void {
  const rel = got / expected - 1;
  measured.push(`${what}: ${(rel * 100).toFixed(5)} %`);
  assert.ok(Math.abs(rel) <= tolerance, `${what}: ${got} Wh vs IF97 reference ${expected} Wh (${(rel * 100).toFixed(4)} %, limit ${tolerance * 100} %)`);
}

test("70/40 °C and 80/60 °C, flow meter in the return (esp32-devkitc, 16 bar): within ±0.1 % of IF97", (t) => {
  const cases: [HeatDef, number, number][] = [
    [{ flow_m3h: 0.6, supply_c: 70, return_c: 40, stop_s: 1790 }, 1, 1800],
    [{ flow_m3h: 1.2, supply_c: 80, return_c: 60, start_s: 5, stop_s: 1195, l_per_pulse: 2.5 }, 2.5, 1200],
  ];
  for (const [h, litres, seconds] of cases) {
    const regs = run(scenario(seconds, { heat1: h })).registers();
    const n = definedPulses(h, seconds, litres);
    assert.ok(n > 150, `${n} pulses`);
    assert.equal(regs["heat1.volume_l"], n * litres, `${h.supply_c}/${h.return_c}: volume`);
    assertEnergy(regs["heat1.heat_wh"], refEnergyWh(n, litres, h.supply_c, h.return_c, 16, "return"), 1e-3, `${h.supply_c}/${h.return_c} °C return pipe`);
    assert.equal(regs["heat1.cool_wh"], 0);
  }
  t.diagnostic(measured.join("; "));
});

test("flow meter in the supply pipe (test board by path), and a second circuit at 6 bar with 10 L pulses", (t) => {
  const h1 = { flow_m3h: 0.9, supply_c: 70, return_c: 40, stop_s: 1190 };
  const h2 = { flow_m3h: 2.0, supply_c: 90, return_c: 70, start_s: 1, stop_s: 1190 };
  const regs = run(scenario(1200, { heat1: h1, heat2: h2 }, [], SUPPLY_BOARD)).registers();
  const n1 = definedPulses(h1, 1200, 1);
  const n2 = definedPulses(h2, 1200, 10);
  assert.equal(regs["heat1.volume_l"], n1);
  assert.equal(regs["heat2.volume_l"], n2 * 10);
  assertEnergy(regs["heat1.heat_wh"], refEnergyWh(n1, 1, 70, 40, 16, "supply"), 1e-3, "70/40 °C supply pipe");
  assertEnergy(regs["heat2.heat_wh"], refEnergyWh(n2, 10, 90, 70, 6, "return"), 1e-3, "90/70 °C return pipe 6 bar, 10 L");
  // The supply-pipe k is ≈1.5 % lower than the return-pipe k at 70/40: the position matters.
  assert.ok(regs["heat1.heat_wh"] < refEnergyWh(n1, 1, 70, 40, 16, "return") * 0.99);
  t.diagnostic(measured.slice(-2).join("; "));
});

test("cooling (return warmer): cool_wh only, never subtracted from heat_wh", (t) => {
  const h = { flow_m3h: 0.8, supply_c: 12, return_c: 18, stop_s: 1195 };
  const regs = run(scenario(1200, { heat1: h })).registers();
  const n = definedPulses(h, 1200, 1);
  assert.equal(regs["heat1.heat_wh"], 0);
  assert.equal(regs["heat1.volume_l"], n);
  assertEnergy(regs["heat1.cool_wh"], refEnergyWh(n, 1, 12, 18, 16, "return"), 1e-3, "12/18 °C cooling");
  t.diagnostic(measured.at(-1)!);
});

test("small ΔΘ (1.5 K and 0.3 K, above the 0.2 K cut-off): within ±0.2 %", (t) => {
  for (const [s, r] of [[45, 43.5], [35, 34.7]]) {
    const h = { flow_m3h: 1.5, supply_c: s, return_c: r, stop_s: 595 };
    const regs = run(scenario(600, { heat1: h })).registers();
    const n = definedPulses(h, 600, 1);
    assert.equal(regs["heat1.volume_l"], n);
    assertEnergy(regs["heat1.heat_wh"], refEnergyWh(n, 1, s, r, 16, "return"), 2e-3, `${s}/${r} °C`);
  }
  t.diagnostic(measured.slice(-2).join("; "));
});

test("ΔΘ below the cut-off counts volume but no energy; the cut-off is settable", () => {
  const h = { flow_m3h: 1.5, supply_c: 40.15, return_c: 40, stop_s: 295 };
  const n = definedPulses(h, 300, 1);
  const below = run(scenario(300, { heat1: h })).registers();
  assert.equal(below["heat1.volume_l"], n);
  assert.equal(below["heat1.heat_wh"], 0);
  assert.equal(below["heat1.cool_wh"], 0);
  const cooling = run(scenario(300, { heat1: { ...h, supply_c: 39.85 } })).registers();
  assert.equal(cooling["heat1.cool_wh"], 0, "the cut-off applies to cooling too");
  // With the cut-off lowered to 0.1 K the same 0.15 K counts: ≈ 1.16 Wh/(L·K) · 0.15 K per litre.
  const lowered = run(scenario(300, { heat1: h }, ["unlock 0000", "set heat1.cutoff_k 0.1"])).registers();
  assert.ok(Math.abs(lowered["heat1.heat_wh"] / (n * 0.15 * 1.1615) - 1) < 0.01, `${lowered["heat1.heat_wh"]} Wh`);
  // And raised to 0.5 K a 0.3 K difference stops counting.
  const raised = run(scenario(300, { heat1: { ...h, supply_c: 35, return_c: 34.7 } }, ["unlock 0000", "set heat1.cutoff_k 0.5"])).registers();
  assert.equal(raised["heat1.heat_wh"], 0);
  assert.equal(raised["heat1.volume_l"], n);
});

test("sensor fault (200 °C supply, −30 °C return): status flag in frames, no energy, volume counts", () => {
  for (const [s, r] of [[200, 40], [70, -30]]) {
    const h = { flow_m3h: 0.6, supply_c: s, return_c: r, stop_s: 295 };
    const twin = run(scenario(300, { heat1: h }));
    const regs = twin.registers();
    assert.equal(regs["heat1.heat_wh"], 0, `${s}/${r}`);
    assert.equal(regs["heat1.cool_wh"], 0, `${s}/${r}`);
    assert.equal(regs["heat1.volume_l"], definedPulses(h, 300, 1));
    assert.ok(twin.status() & STATUS_SENSOR_FAULT);
    for (const bytes of twin.frames) {
      const frame = decodeFrame(bytes, { keys: new TestKeys() });
      assert.ok(frame.status_flags.includes("sensor_fault"), `frame ${frame.counter}: ${frame.status_flags}`);
      assert.equal(frame.registers["heat1.heat_wh"], undefined);
    }
  }
});

test("a fault in the middle: energy stops while the sensor reads 200 °C and resumes when it reads 70 °C again", (t) => {
  const h = { flow_m3h: 0.6, supply_c: 70, return_c: 40, stop_s: 895 }; // a pulse every 6 s
  const s = scenario(900, { heat1: h });
  const twin = new Twin(s);
  const spec = s.heat.get("heat1")!;
  const flags: number[] = [];
  // The board reads the pair at whole seconds: 200 °C from the reading at 301 s to the one at 601 s.
  while (twin.clockUs < 300.5e6) twin.step();
  spec.supplyC = 200;
  while (twin.clockUs < 600.5e6) { twin.step(); if (twin.clockUs === 450e6) flags.push(twin.status()); }
  spec.supplyC = 70;
  twin.runToEnd();
  const regs = twin.registers();
  const n = definedPulses(h, 900, 1);
  const faulty = definedPulses(h, 900, 1, 600.5) - definedPulses(h, 900, 1, 301); // pulses 306 s … 600 s
  assert.equal(faulty, 50);
  assert.equal(regs["heat1.volume_l"], n);
  assertEnergy(regs["heat1.heat_wh"], refEnergyWh(n - faulty, 1, 70, 40, 16, "return"), 1e-3, "70/40 °C with a 300 s fault");
  assert.ok(flags[0] & STATUS_SENSOR_FAULT, "flag up during the fault");
  assert.equal(twin.status() & STATUS_SENSOR_FAULT, 0, "flag down once the readings are valid again");
  const withFlag = twin.frames.map((b) => decodeFrame(b, { keys: new TestKeys() })).filter((f) => f.status_flags.includes("sensor_fault")).map((f) => f.counter);
  assert.deepEqual([withFlag[0], withFlag.at(-1)], [31, 60], "frames at 310 s … 600 s carry sensor_fault");
  t.diagnostic(measured.at(-1)!);
});

test("heat registers travel in frames as persisted values: never above the registers, behind by less than one step", () => {
  const twin = run(scenario(600, { heat1: { flow_m3h: 0.75, supply_c: 80, return_c: 60, l_per_pulse: 0.25, stop_s: 583 } }));
  const last = decodeFrame(twin.frames.at(-1)!, { keys: new TestKeys(), requireAuthentication: true });
  assert.equal(last.counter, 60);
  const regs = twin.registers();
  // Frames carry what the store has persisted (docs/storage.md): whole journal steps (70 Wh and
  // 10 L for heat1 on esp32-devkitc, rated 20 kW and 1.5 m³/h), and finer steps after 5 minutes
  // without one, so a frame never shows more than survives a cut.
  const pulses = definedPulses({ flow_m3h: 0.75, supply_c: 80, return_c: 60, stop_s: 583 }, 600, 0.25);
  assert.equal(regs["heat1.volume_l"], pulses * 0.25);
  assert.ok(last.registers["heat1.volume_l"] <= regs["heat1.volume_l"]);
  assert.ok(regs["heat1.volume_l"] - last.registers["heat1.volume_l"] < 10, `volume in frame ${last.registers["heat1.volume_l"]} L`);
  assert.ok(last.registers["heat1.heat_wh"] <= regs["heat1.heat_wh"]);
  assert.ok(regs["heat1.heat_wh"] - last.registers["heat1.heat_wh"] < 70, `heat in frame ${last.registers["heat1.heat_wh"]} Wh`);
  assert.equal(last.registers["heat1.cool_wh"], undefined, "zero registers are left out");
});

test("heat1.power_w follows k·ΔΘ·flow while the flow runs and reads 0 after the timeout", () => {
  const h = { flow_m3h: 0.6, supply_c: 70, return_c: 40, stop_s: 300 };
  const twin = new Twin(scenario(700, { heat1: h }));
  while (twin.clockUs < 200e6) twin.step();
  const expectedW = refK(70, 40, 16, "return") * 30 * 0.6 * 1000;
  const power = twin.registers()["heat1.power_w"];
  assert.ok(Math.abs(power / expectedW - 1) < 0.01, `power ${power} W, expected ${expectedW} W ± 1 %`);
  twin.runToEnd();
  assert.equal(twin.registers()["heat1.power_w"], 0);
});

test("examples/heat-70-40.json runs: one hour of 0.6 m³/h at 70/40 °C", (t) => {
  const s = readScenario(path.join(projectRoot, "examples/heat-70-40.json"));
  const report = run(s).report();
  const spec = s.heat.get("heat1")!;
  const h = { flow_m3h: spec.flowM3h, supply_c: spec.supplyC, return_c: spec.returnC, stop_s: spec.stopS };
  const n = definedPulses(h, s.seconds, 1);
  assert.equal(report.registers["heat1.volume_l"], n);
  assertEnergy(report.registers["heat1.heat_wh"], refEnergyWh(n, 1, 70, 40, 16, "return"), 1e-3, "examples/heat-70-40.json");
  t.diagnostic(measured.at(-1)!);
});

test("ABI: temperature records for a circuit the board lacks, and flow edges of an absent input, are refused", () => {
  const start = (board: string) => {
    const fw = new Firmware(loadFirmwareImage(), { timeUs: () => 0n, consoleWrite: () => {}, radioSend: () => {}, log: () => {}, panic: () => {} });
    fw.start(packDescriptor(loadBoard(board)));
    return fw;
  };
  const fw = start("esp32-devkitc");
  assert.equal(fw.temperatures([{ circuit: 0, supplyMilliC: 70000, returnMilliC: 40000 }]), 0);
  assert.equal(fw.status() & STATUS_INPUT_REJECTED, 0);
  assert.equal(fw.temperatures([{ circuit: 1, supplyMilliC: 70000, returnMilliC: 40000 }, { circuit: 0, supplyMilliC: 70000, returnMilliC: 40000 }]), 1);
  assert.ok(fw.status() & STATUS_INPUT_REJECTED);
  assert.equal(fw.pulseEvents([{ timeUs: 0, input: 9, level: 0, powerUp: true }, { timeUs: 0, input: 8, level: 0, powerUp: true }]), 1, "heat2 flow input absent");
  assert.equal(fw.pulseEvents([{ timeUs: 5, input: 8, level: 2 }]), 1, "bad level");
  const mini = start("esp32c3-mini");
  assert.equal(mini.temperatures([{ circuit: 0, supplyMilliC: 70000, returnMilliC: 40000 }]), 1, "a board without heat circuits");
  assert.equal(mini.registers()["heat1.heat_wh"], undefined);
});

test("console: heat keys are validated, shown by config and status", () => {
  const twin = new Twin(scenario(1, { heat1: { flow_m3h: 0, supply_c: 70, return_c: 40 } }, [
    "unlock 0000", "set heat1.cutoff_k 0.3", "set heat1.dtmin_k 2", "set heat1.pressure_bar 10", "set heat1.pressure_bar 4",
    "set heat1.cutoff_k 7", "set heat2.cutoff_k 0.1", "set heat1.l_per_pulse 2.5", "config", "status",
  ]));
  const text = twin.consoleText;
  assert.match(text, /set heat1\.pressure_bar 4\r\nerror: heat1\.pressure_bar takes a number of bar from 6 to 25, not '4'; nothing was changed/);
  assert.match(text, /error: heat1\.cutoff_k takes a number of kelvin from 0 to 5, not '7'/);
  assert.match(text, /error: this board has no heat circuit heat2/);
  assert.match(text, /heat1\.l_per_pulse = 2\.500\r\nheat1\.cutoff_k = 0\.300\r\nheat1\.dtmin_k = 2\.000\r\nheat1\.pressure_bar = 10\.00\r\nheat1\.flow_sensor_pipe = return/);
  assert.match(text, /heat1: heat 0\.000000 Wh, cool 0\.000000 Wh, volume 0\.000 L, power 0\.000 W\r\n/);
});

test("10 mL pulses at ΔΘ 0.3 K: the nJ remainder is carried, so 6000 small pulses show no truncation bias", (t) => {
  // ≈ 3 500 µWh per pulse: truncating each to whole µWh would read ≈ 0.015 % low.
  const h = { flow_m3h: 0.36, supply_c: 35, return_c: 34.7, l_per_pulse: 0.01, stop_s: 599 };
  const regs = run(scenario(600, { heat1: h })).registers();
  const n = definedPulses(h, 600, 0.01);
  assert.ok(n >= 5980, `${n} pulses`);
  assert.ok(Math.abs(regs["heat1.volume_l"] - n * 0.01) < 1e-9);
  assertEnergy(regs["heat1.heat_wh"], refEnergyWh(n, 0.01, 35, 34.7, 16, "return"), 2e-5, "35/34.7 °C, 10 mL pulses");
  t.diagnostic(measured.at(-1)!);
});

test("a temperature pair older than 30 s is a sensor fault: energy stops, volume counts, the flag is up", () => {
  const twin = new Twin(scenario(300, { heat1: { flow_m3h: 0.6, supply_c: 70, return_c: 40 } }));
  const firmware = (twin as unknown as { firmware: { temperatures(r: unknown[]): void } }).firmware;
  while (twin.clockUs < 100e6) twin.step();
  // The sensor front end goes silent (the twin keeps calling; the board no longer delivers).
  firmware.temperatures = () => {};
  const heatAt100 = twin.registers()["heat1.heat_wh"];
  while (twin.clockUs < 130e6) twin.step(); // 30 s later the pair is just stale
  const heatAt130 = twin.registers()["heat1.heat_wh"];
  const volumeAt130 = twin.registers()["heat1.volume_l"];
  twin.runToEnd();
  const regs = twin.registers();
  // 0.6 m³/h is 1/6 L/s: the last 170 s add about 28 L but no energy.
  assert.ok(regs["heat1.volume_l"] - volumeAt130 >= 27, `volume went on: ${regs["heat1.volume_l"] - volumeAt130} L`);
  assert.equal(regs["heat1.heat_wh"], heatAt130, "no energy from a stale pair");
  assert.ok(heatAt130 > heatAt100, "energy counted while the pair was fresh");
  assert.ok(twin.status() & (1 << 3), "sensor_fault raised");
});
