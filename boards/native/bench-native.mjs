// npm run bench:native: what the firmware costs in the target's own instructions. Records the
// probes in boards/native/bench/ through the twin, replays each on an RV32IMC core under QEMU
// (boards/native/replay-rv32.sh --cost: instret around every export, the board's handlers taken
// out), checks the report is the twin's byte for byte, and prints JSON: instructions per CT
// channel-sample (window and cycle work included), per pulse edge, per idle and busy fw_tick, per
// frame, per console line, the share of a 160 MHz core, and the x86-64 callgrind figure beside them.
import fs from "node:fs";
import path from "node:path";
import { execFileSync, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const out = path.join(root, "build/native/bench");
fs.mkdirSync(out, { recursive: true });
const CORE_HZ = 160e6;
const CT_SAMPLES_PER_SECOND = 3 * 4000; // 3 ADC columns at 4 kHz
const TICKS_PER_SECOND = 100;
// A WAMR-class fast interpreter runs CoreMark ≈ 12-15× slower than gcc -O3 native code (WAMR's
// performance wiki: AOT/wasm3 8.79, wasm3/fast interpreter 1.32, AOT/gcc 0.79), more on small
// cores (20-35× AOT/interpreter on a Cortex-M7): the estimate uses 15× and 30×.
const INTERPRETER_FACTORS = [15, 30];

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, encoding: "utf8", maxBuffer: 256 << 20, ...opts });
  if (r.error) throw new Error(`bench:native: ${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`bench:native: ${cmd} ${args.join(" ")} exited ${r.status}\n${r.stderr}`);
  return r.stdout;
}

/** Replay a recording on RV32 (OPT: the -O2 or -Os build) with --cost, check the report; the cost. */
function rv32Cost(name, rec, twin, opt) {
  const costFile = path.join(out, `${name}.rv32${opt}-cost.json`);
  const native = run("sh", ["boards/native/replay-rv32.sh", rec, "--cost", costFile], { env: { ...process.env, OPT: opt } });
  if (native !== twin) throw new Error(`bench:native: ${name}: the RV32 ${opt} report differs from the twin's`);
  return JSON.parse(fs.readFileSync(costFile, "utf8"));
}

/** Record a probe through the twin, replay it on RV32 with --cost, check the report; the cost and recording. */
function probe(name, opts = ["-O2"]) {
  const scenario = path.join(root, "boards/native/bench", `${name}.json`);
  const rec = path.join(out, `${name}.rec`);
  const twin = run("node", ["bin/activemeter.js", "sim", "--scenario", scenario, "--json", "--record", rec]);
  const costs = Object.fromEntries(opts.map((opt) => [opt, rv32Cost(name, rec, twin, opt)]));
  return { cost: costs["-O2"], costs, rec, scenario: JSON.parse(fs.readFileSync(scenario, "utf8")) };
}

/** ADC columns per frame, from the write before each fw_adc_block (as callgrind.sh counts them). */
function adcColumns(rec) {
  let bytes = 0;
  let columns = 0;
  for (const line of fs.readFileSync(rec, "utf8").split("\n")) {
    if (line.startsWith("write ")) bytes = (line.length - line.lastIndexOf(" ") - 1) / 2;
    else if (line.startsWith("call fw_adc_block ")) columns = bytes / 2 / Number(line.split(" ")[2]);
    if (columns) return columns;
  }
  throw new Error(`${rec}: no fw_adc_block`);
}

const round = (x, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const exp = (c, name) => c.exports[name] ?? { calls: 0, instructions: 0, arg0_sum: 0 };

const ct = probe("ct-bench", ["-O2", "-Os"]);
const pulse = probe("pulse-bench");
const consoleProbe = probe("console-bench");

const adc = exp(ct.cost, "fw_adc_block");
const columns = adcColumns(ct.rec);
const channelSamples = adc.arg0_sum * columns;
const ctTick = exp(ct.cost, "fw_tick");
const ctPerSample = adc.instructions / channelSamples;
const ctAllIn = (adc.instructions + ctTick.instructions) / channelSamples;
const adcOs = exp(ct.costs["-Os"], "fw_adc_block");
const batch = exp(pulse.cost, "fw_pulse_batch");
const ticks = pulse.cost.fw_tick;
// Idle: the CT probe's ticks that only read the clock (esp32-devkitc: pulse, heat and CT channels
// present, no edge, no frame due). The pulse probe's such ticks mostly settle a filter transition
// (two bouncy 16.6 Hz trains): reported beside it, not as idle.
const ctTicks = ct.cost.fw_tick;
const idle = ctTicks.idle.median;
const consoleInput = exp(consoleProbe.cost, "fw_console_input");
const consoleLines = consoleProbe.scenario.console.length;

// The x86-64 callgrind figure of the same CT probe (boards/native/callgrind.sh).
let x86 = null;
try {
  x86 = JSON.parse(execFileSync("sh", ["boards/native/callgrind.sh"], { cwd: root, encoding: "utf8" }).trim().split("\n").pop());
} catch (e) {
  x86 = { error: String(e.message).split("\n")[0] };
}

// The core's share: the CT work and every tick of the run (what the firmware costs in total).
const ctShare = (ctAllIn * CT_SAMPLES_PER_SECOND) / CORE_HZ;
const result = {
  machine: "qemu-system-riscv32 -M virt -cpu rv32,a=false -icount shift=0 (instret), gcc 12.2 -O2 rv32imc",
  ct: {
    scenario: "boards/native/bench/ct-bench.json", columns, channel_samples: channelSamples,
    // All-in: fw_adc_block inclusive, i.e. the per-sample sums and the cycle and window work
    // they trigger, amortised over the samples (the definition); beside it, with every
    // fw_tick of the run added too (idle ticks, frames, journal).
    rv32_instr_per_channel_sample_all_in: round(ctPerSample), target_all_in: 30,
    rv32_instr_per_channel_sample_with_every_tick: round(ctAllIn),
    rv32_Os_instr_per_channel_sample_adc_block: round(adcOs.instructions / channelSamples),
    rv32_Os_idle_tick_median: ct.costs["-Os"].fw_tick.idle.median,
    x86_callgrind_instr_per_channel_sample: x86?.ir_per_channel_sample ?? null,
  },
  pulse: { scenario: "boards/native/bench/pulse-bench.json", edges: batch.arg0_sum, rv32_instr_per_edge: round(batch.instructions / Math.max(1, batch.arg0_sum)) },
  fw_tick: {
    idle_median: idle, target_idle: 200,
    idle_mean: round(ctTicks.idle.instructions / Math.max(1, ctTicks.idle.calls)),
    idle_max: ctTicks.idle.max,
    pulse_probe_quiet_tick_median: ticks.idle.median,
    pulse_probe_quiet_tick_mean: round(ticks.idle.instructions / Math.max(1, ticks.idle.calls)),
    busy: { frame_median: ticks.frame.median, flash_median: ticks.flash.median, other_median: ticks.other.median, max: Math.max(ticks.frame.max, ticks.flash.max, ticks.other.max) },
    calls: { idle: ticks.idle.calls, frame: ticks.frame.calls, flash: ticks.flash.calls, other: ticks.other.calls },
  },
  frame: { rv32_instr_per_frame: ticks.frame.calls ? ticks.frame.median - idle : null, note: "median fw_tick that sent a frame (encode + AES-128-CMAC) minus the idle tick" },
  console: { lines: consoleLines, rv32_instr_per_line: round(consoleInput.instructions / consoleLines, 0) },
  core_share_160mhz: {
    ct_3x4khz_with_ticks_native: round(ctShare * 100, 2) + " %",
    idle_ticks_native: round((idle * TICKS_PER_SECOND) / CORE_HZ * 100, 3) + " %",
    ct_3x4khz_with_ticks_interpreter_estimate: INTERPRETER_FACTORS.map((f) => round(ctShare * f * 100, 1) + " %").join(" … "),
    interpreter_factors: INTERPRETER_FACTORS,
  },
  probe_overhead_instr: ct.cost.probe_overhead,
  x86_callgrind: x86,
};
console.log(JSON.stringify(result, null, 2));
