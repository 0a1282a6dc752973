// CT metering on the realistic ESP32 front end (issue 17), through the twin and the release
// firmware. References are independent of the firmware: the defined waveforms' power
// (support/waveform-power.ts), the boards' own numbers, the chips' published input ranges.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseScenario } from "../../host/sim/scenario.js";
import { Twin } from "../../host/sim/twin.js";
import { decodeFrame } from "../../host/frame/codec.js";
import { TestKeys } from "../../host/frame/keyring.js";
import { loadBoard } from "../../host/board/board.js";
import type { Board, CtChannel, VoltageChannel } from "../../host/board/board.js";
import { CHIP_MODELS } from "../../host/sim/adc-model.js";
import type { Chip } from "../../host/sim/adc-model.js";
import { definedWatts } from "./support/waveform-power.js";

type Harmonic = [number, number, number];
interface Mains { vrms: number; hz: number; harmonics?: Harmonic[] }
interface Load { irms: number; phi_deg: number; harmonics?: Harmonic[] }

/** Runs the scenario; `console` lines are typed at its end (what an installer sees then). */
function twinOf(board: string, seconds: number, mains: Mains | undefined, ct: Record<string, Load>, edit?: (b: Board) => void, console: string[] = []): Twin {
  const s = parseScenario(JSON.stringify({ format: "activemeter-scenario/1", board, seconds, seed: 5, mains, ct }));
  if (edit) { s.board = structuredClone(s.board); edit(s.board); }
  const twin = new Twin(s);
  twin.runToEnd();
  if (console.length > 0) twin.typeLines(console);
  return twin;
}
const keys = { keys: new TestKeys() };
const percentError = (measuredWh: number, mains: Mains, load: Load, seconds: number) => {
  const wh = definedWatts(mains, load) * seconds / 3600;
  return (measuredWh - wh) / Math.abs(wh) * 100;
};
const net = (twin: Twin, c: string) => twin.registers()[`${c}.import_wh`] - twin.registers()[`${c}.export_wh`];
const OVER_RANGE = 1 << 7, UNDER_VOLTAGE = 1 << 8, REVERSE = 1 << 9, CT_FAULT = 1 << 6;

test("shipped boards: signals stay inside the chip's recommended ADC range at 253 V and 120 % of rated current", () => {
  for (const name of ["esp32-devkitc", "esp32c3-mini"]) {
    const board = loadBoard(name);
    const range = CHIP_MODELS[board.chip as Chip];
    const mvPerCode = board.adc.full_scale_mv / (2 ** board.adc.bits - 1);
    const biasMv = board.adc.bias_code * mvPerCode;
    const v = board.channels.find((c) => c.kind === "voltage") as VoltageChannel;
    const peaks = [253 * Math.SQRT2 / v.volts_per_adc_volt * 1000];
    for (const c of board.channels.filter((c) => c.kind === "ct") as CtChannel[]) peaks.push(1.2 * c.rated_a * Math.SQRT2 / c.ratio * c.burden_ohm * 1000);
    for (const peak of peaks) {
      assert.ok(biasMv - peak >= range.lowMv && biasMv + peak <= range.highMv,
        `${name}: ${(biasMv - peak).toFixed(0)}..${(biasMv + peak).toFixed(0)} mV outside ${range.lowMv}..${range.highMv} mV`);
    }
    // And through the twin: no over-range flag there, within 0.5 % at PF 1.
    const rated = (board.channels.find((c) => c.kind === "ct") as CtChannel).rated_a;
    const load = { irms: 1.2 * rated, phi_deg: 0 };
    const twin = twinOf(name, 10.5, { vrms: 253, hz: 50 }, { ct1: load });
    assert.equal(twin.status() & OVER_RANGE, 0, `${name}: over_range at 253 V, 120 %`);
    const e = percentError(net(twin, "ct1"), { vrms: 253, hz: 50 }, load, 10);
    assert.ok(Math.abs(e) < 0.5, `${name} 253 V 120 %: ${e.toFixed(3)} %`);
  }
});

test("over-range: 75 A on a 30 A clamp clips at the ADC: status, frame and console name it; the other clamp is unaffected", () => {
  const mains = { vrms: 230, hz: 50 };
  const twin = twinOf("esp32-devkitc", 20.5, mains, { ct1: { irms: 75, phi_deg: 0 }, ct2: { irms: 10, phi_deg: 0 } }, undefined, ["status"]);
  assert.ok(twin.status() & OVER_RANGE, `status ${twin.status().toString(16)}`);
  const frame = decodeFrame(twin.frames[twin.frames.length - 1], keys);
  assert.ok(frame.status_flags.includes("over_range"), frame.status_flags.join(","));
  assert.match(twin.consoleText, /ct flags: over_range/);
  const e2 = percentError(net(twin, "ct2"), mains, { irms: 10, phi_deg: 0 }, 20);
  assert.ok(Math.abs(e2) < 0.5, `ct2 ${e2.toFixed(3)} %`);
  // Within range nothing is flagged.
  const normal = twinOf("esp32-devkitc", 5.5, mains, { ct1: { irms: 30, phi_deg: 0 } });
  assert.equal(normal.status() & (OVER_RANGE | UNDER_VOLTAGE | REVERSE), 0);
});

test("under-voltage below 80 % of nominal (energy still registers); below 10 % the voltage counts as absent (nothing registers)", () => {
  const low = { vrms: 150, hz: 50 };
  const load = { irms: 10, phi_deg: 0 };
  const twin = twinOf("esp32-devkitc", 10.5, low, { ct1: load }, undefined, ["status"]);
  assert.ok(twin.status() & UNDER_VOLTAGE, "under_voltage at 150 V");
  assert.match(twin.consoleText, /ct flags: under_voltage/);
  const e = percentError(net(twin, "ct1"), low, load, 10);
  assert.ok(Math.abs(e) < 0.5, `150 V: ${e.toFixed(3)} %`);
  const absent = twinOf("esp32-devkitc", 10.5, { vrms: 20, hz: 50 }, { ct1: load });
  assert.ok(absent.status() & UNDER_VOLTAGE, "under_voltage at 20 V");
  assert.equal(absent.registers()["ct1.import_wh"], 0, "nothing registers at 20 V (< 23 V = 10 % of 230 V)");
  assert.equal(absent.registers()["ct1.export_wh"], 0);
  const frame = decodeFrame(absent.frames[absent.frames.length - 1], keys);
  assert.ok(frame.status_flags.includes("under_voltage"));
});

test("reverse energy on an import-only clamp: export still registers, reverse_energy is raised; a bidirectional clamp raises nothing", () => {
  const mains = { vrms: 230, hz: 50 };
  const exportLoad = { irms: 5, phi_deg: 180 };
  const importOnly = (b: Board) => { (b.channels.find((c) => c.name === "ct1") as CtChannel).direction = "import_only"; };
  const twin = twinOf("esp32-devkitc", 10.5, mains, { ct1: exportLoad }, importOnly, ["status"]);
  assert.ok(twin.status() & REVERSE, `status ${twin.status().toString(16)}`);
  assert.match(twin.consoleText, /ct flags: reverse_energy/);
  const e = percentError(net(twin, "ct1"), mains, exportLoad, 10);
  assert.ok(Math.abs(e) < 0.5, `export registered: ${e.toFixed(3)} %`);
  const frame = decodeFrame(twin.frames[twin.frames.length - 1], keys);
  assert.ok(frame.status_flags.includes("reverse_energy"));
  const both = twinOf("esp32-devkitc", 5.5, mains, { ct1: exportLoad });
  assert.equal(both.status() & REVERSE, 0);
});

test("a refused clamp parameter: ct_fault and an event; the other clamp meters on", () => {
  const mains = { vrms: 230, hz: 50 };
  const load = { irms: 10, phi_deg: 60 };
  // 0.0004 A packs to 0 mA: the core refuses a clamp without a rated current.
  const badCt2 = (b: Board) => { (b.channels.find((c) => c.name === "ct2") as CtChannel).rated_a = 0.0004; };
  const twin = twinOf("esp32-devkitc", 10.5, mains, { ct1: load, ct2: load }, badCt2, ["status", "log 5"]);
  assert.ok(twin.status() & CT_FAULT);
  assert.match(twin.consoleText, /ct2: not metered \(ct_fault/);
  assert.match(twin.consoleText, /ct_fault: board parameters refused for ct2 \(not metered; the rest runs\)/);
  const e = percentError(net(twin, "ct1"), mains, load, 10);
  assert.ok(Math.abs(e) < 0.5, `ct1 ${e.toFixed(3)} %`);
  assert.equal(twin.registers()["ct2.import_wh"] ?? 0, 0);
});

test("no-load creep: 0 Wh in an hour at 115 % voltage with noise, spikes and crosstalk; 0.2 % of rated registers ≥ 90 %", () => {
  // The wizard's unit A: crosstalk 60 ppm where the board says 50, ADC gain and divider off.
  const board = "test/boards/ct-tolerance-a.json";
  const hot = { vrms: 264.5, hz: 50, harmonics: [[3, 0.03, 0], [5, 0.02, 0]] as Harmonic[] };
  const idle = twinOf(board, 3600, hot, {});
  for (const c of ["ct1", "ct2"]) {
    assert.equal(idle.registers()[`${c}.import_wh`], 0, `${c} import`);
    assert.equal(idle.registers()[`${c}.export_wh`], 0, `${c} export`);
  }
  const mains = { vrms: 230, hz: 50 };
  const small = { irms: 0.06, phi_deg: 0 }; // 0.2 % of 30 A
  const twin = twinOf("esp32-devkitc", 300.5, mains, { ct1: small, ct2: { irms: 0.06, phi_deg: 180 } });
  const wh = definedWatts(mains, small) * 300 / 3600;
  assert.ok(net(twin, "ct1") >= 0.9 * wh, `import ${net(twin, "ct1")} of ${wh} Wh`);
  assert.ok(-net(twin, "ct2") >= 0.9 * wh, `export ${-net(twin, "ct2")} of ${wh} Wh`);
});

test("Irms and PF at a small current read true (ADC noise removed): 0.3 A at PF 1", () => {
  const twin = twinOf("esp32-devkitc", 10.5, { vrms: 230, hz: 50 }, { ct1: { irms: 0.3, phi_deg: 0 } });
  const r = twin.registers();
  assert.ok(Math.abs(r["ct1.irms_a"] - 0.3) < 0.015, `Irms ${r["ct1.irms_a"]}`);
  assert.ok(r["ct1.pf"] >= 0.97, `PF ${r["ct1.pf"]}`);
});

test("the ESP32-C3 shell's real rate (4006.4 frames/s): frequency and energy read true", () => {
  const mains = { vrms: 230, hz: 50 };
  const load = { irms: 20, phi_deg: 60 };
  const twin = twinOf("esp32c3-mini", 10.5, mains, { ct1: load });
  assert.ok(Math.abs(twin.registers()["v.hz"] - 50) < 0.01, `f ${twin.registers()["v.hz"]}`);
  const e = percentError(net(twin, "ct1"), mains, load, 10);
  assert.ok(Math.abs(e) < 0.3, `${e.toFixed(3)} %`);
});

test("pulseN.power_w from the filtered pulse interval: within 1 % at every step of a steady, bouncing train", () => {
  for (const hz of [16.7, 4, 0.5]) {
    const s = parseScenario(JSON.stringify({ format: "activemeter-scenario/1", board: "esp32-devkitc", seconds: 30, seed: 9,
      pulse: { pulse1: { hz, on_ms: 30, bounce_ms: 3 } } }));
    const twin = new Twin(s);
    const expectedW = hz * 3600; // 1 Wh per pulse
    let worst = 0;
    while (!twin.done) {
      twin.step();
      if (twin.clockUs < 3e6) continue;
      worst = Math.max(worst, Math.abs(twin.registers()["pulse1.power_w"] / expectedW - 1));
    }
    assert.ok(worst <= 0.01, `${hz} Hz: worst ${(worst * 100).toFixed(2)} %`);
  }
});

test("board files: front-end fields outside what the firmware takes are refused with the field named", async () => {
  const { checkBoard } = await import("../../host/board/board.js");
  const base = loadBoard("esp32c3-mini");
  const variant = (edit: (b: Board) => void) => { const b = structuredClone(base); edit(b); return () => checkBoard(b, "x.json"); };
  assert.throws(variant((b) => { b.adc.frame_rate_hz = 4500; }), /frame_rate_hz 4500 is more than 5 %/);
  assert.throws(variant((b) => { b.adc.column_step_us = 200; }), /column_step_us 200 × 2 columns does not fit/);
  assert.throws(variant((b) => { (b.channels[1] as CtChannel).phase_deg = 12; }), /phase_deg' must be <= 10/);
  assert.throws(variant((b) => { (b.channels[1] as CtChannel).clamp!.error_curve = [[2, 0, 0], [1, 0, 0]]; }), /error_curve currents must ascend/);
  assert.doesNotThrow(variant(() => {}));
});

test("a board whose ADC the core refuses (14 bits): the twin runs on, pulses count, CT stays off with ct_fault", () => {
  const s = parseScenario(JSON.stringify({ format: "activemeter-scenario/1", board: "esp32-devkitc", seconds: 5, seed: 1,
    mains: { vrms: 230, hz: 50 }, ct: { ct1: { irms: 10, phi_deg: 0 } }, pulse: { pulse1: { hz: 2, on_ms: 30 } } }));
  s.board = structuredClone(s.board);
  s.board.adc = { ...s.board.adc, bits: 14, bias_code: 8192 };
  const twin = new Twin(s);
  twin.runToEnd();
  assert.ok(twin.status() & CT_FAULT);
  assert.equal(twin.registers()["ct1.import_wh"] ?? 0, 0);
  assert.ok(twin.registers()["pulse1.count"] >= 9, `pulses ${twin.registers()["pulse1.count"]}`);
});
