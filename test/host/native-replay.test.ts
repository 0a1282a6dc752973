// The native board shell (boards/native/, docs/native.md): the wasm2c translation of the release
// firmware, fed what the twin fed the WebAssembly firmware through the ABI, must produce the same
// report byte for byte, on x86-64 and on an RV32IMC core under QEMU (the ESP32-C3's instruction
// set: npm run replay:rv32). Needs wasm2c (wabt), gcc, gcc-riscv64-unknown-elf with
// picolibc-riscv64-unknown-elf and qemu-system-riscv32 (qemu-system-misc): missing tools fail.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { projectRoot } from "./support/asc-compile.js";
import { runCli, scenarioFile } from "./support/cli.js";

const native = path.join(projectRoot, "build", "native", "activemeter-native");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "activemeter-native-"));

function requireTool(command: string, args: string[], debianPackage: string): void {
  const r = spawnSync(command, args, { encoding: "utf8" });
  if (r.error || r.status !== 0) {
    assert.fail(`'${command}' is not available: the native replay test needs it (Debian: apt-get install ${debianPackage})`);
  }
}

let built = false;
function buildNative(): void {
  if (built) return;
  requireTool("wasm2c", ["--version"], "wabt");
  requireTool(process.env.CC ?? "gcc", ["--version"], "gcc");
  requireTool("riscv64-unknown-elf-gcc", ["--version"], "gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf");
  requireTool("qemu-system-riscv32", ["--version"], "qemu-system-misc");
  const r = spawnSync("sh", [path.join(projectRoot, "boards", "native", "build.sh")], { cwd: projectRoot, encoding: "utf8" });
  assert.equal(r.status, 0, `npm run build:native failed (wasm2c: apt-get install wabt):\n${r.stderr}`);
  const v = spawnSync("sh", [path.join(projectRoot, "boards", "native", "build-rv32.sh")], { cwd: projectRoot, encoding: "utf8" });
  assert.equal(v.status, 0, `the RV32 build failed:\n${v.stderr}`);
  built = true;
}

function replay(recording: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(native, ["replay", recording], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The same replay on RV32IMC under QEMU (npm run replay:rv32). */
function replayRv32(recording: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync("sh", [path.join(projectRoot, "boards", "native", "replay-rv32.sh"), recording],
    { cwd: projectRoot, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A refusal of a capability this firmware version does not have yet (docs/scenarios.md). */
const NOT_YET = /but this firmware version has no/;

/** Record a scenario through the twin; undefined when the twin refuses a capability it lacks. */
function record(name: string, scenario: string): { report: string; recording: string } | undefined {
  const recording = path.join(dir, `${name}.rec`);
  const r = runCli(["sim", "--scenario", scenario, "--json", "--record", recording]);
  if (r.status !== 0 && NOT_YET.test(r.stderr)) return undefined;
  assert.equal(r.status, 0, r.stderr);
  return { report: r.stdout, recording };
}

/** Replays a scenario natively and compares; the recording's text when it ran, undefined when refused. */
function assertBitExact(name: string, scenario: string, t: { diagnostic(message: string): void }): string | undefined {
  buildNative();
  const twin = record(name, scenario);
  const outages = (JSON.parse(fs.readFileSync(scenario, "utf8")).outages ?? []).length;
  if (!twin) {
    t.diagnostic(`${name}: the twin refuses a capability this firmware does not have yet; nothing to replay`);
    return undefined;
  }
  // Every outage is a power cycle: a new firmware instance in the recording.
  const text = fs.readFileSync(twin.recording, "utf8");
  const powerUps = text.match(/^power /gm)?.length;
  assert.equal(powerUps, 1 + outages, `${name}: power-ups in the recording`);
  const r = replay(twin.recording);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, twin.report, `${name}: native report differs from the twin's`);
  const v = replayRv32(twin.recording);
  assert.equal(v.status, 0, `${name} on RV32: ${v.stderr}`);
  assert.equal(v.stdout, twin.report, `${name}: the RV32 report differs from the twin's`);
  fs.rmSync(twin.recording);
  return text;
}

const examples = fs.readdirSync(path.join(projectRoot, "examples")).filter((f) => f.endsWith(".json")).sort();

for (const file of examples) {
  test(`examples/${file}: the native firmware's report is byte for byte the twin's`, (t) => {
    const ran = assertBitExact(file.replace(/\.json$/, ""), path.join(projectRoot, "examples", file), t);
    const scenario = JSON.parse(fs.readFileSync(path.join(projectRoot, "examples", file), "utf8"));
    // Pulse and console inputs are the foundation: the twin never refuses them.
    if (!scenario.ct && !scenario.mains && !scenario.outages && !scenario.heat) assert.ok(ran !== undefined, `${file} must run`);
  });
}

// One scenario per capability, short enough to keep the test fast. Those the twin refuses (the
// firmware lacks the capability) are reported and pass; they replay as soon as the twin accepts them.
const base = { format: "activemeter-scenario/1", board: "esp32-devkitc", seconds: 30, seed: 11 };
const capabilities: [string, object, boolean][] = [
  ["pulse with console edge cases", {
    ...base, board: "esp32c3-mini",
    console: ["id", "set pulse1.wh_per_pulse 0.25", "config", "bad \"quoted\" \\ tab\tand caf\u00e9 \u00ff", ""],
    pulse: { pulse1: { hz: 5, on_ms: 30, bounce_ms: 4, ghost_prob: 0.2 } },
  }, true],
  ["CT with mains harmonics, import and export", {
    ...base, seconds: 12,
    mains: { vrms: 231, hz: 50, harmonics: [[3, 0.03, 10]] },
    ct: { ct1: { irms: 9, phi_deg: 30, harmonics: [[3, 0.2, 5]], noise_a: 0.02 }, ct2: { irms: 2.5, phi_deg: 175 } },
  }, false],
  ["heat circuit", {
    ...base, seconds: 120, heat: { heat1: { flow_m3h: 0.9, supply_c: 65, return_c: 35 } },
  }, false],
  ["outages between pulses (power cycles)", {
    ...base, seconds: 40, pulse: { pulse1: { hz: 2, on_ms: 40 }, pulse2: { hz: 0.5, on_ms: 100 } },
    outages: [{ at_s: 10.005, off_s: 2 }, { at_s: 25, off_s: 0.5 }],
  }, false],
  // No supply monitor: frames queued behind a flash write at the cut never leave the radio
  // (the recording says which; the native report must drop the same ones).
  ["outages right after frames, no supply monitor", {
    ...base, board: "esp32c3-mini", seconds: 60, pulse: { pulse1: { hz: 3, on_ms: 40 } },
    outages: [{ at_s: 10.00001, off_s: 1 }, { at_s: 21.01, off_s: 1 }, { at_s: 32.05, off_s: 1 }],
  }, false],
  ["everything at once, with an outage", {
    ...base, seconds: 15,
    mains: { vrms: 229, hz: 50 }, ct: { ct1: { irms: 5, phi_deg: 10 } },
    pulse: { pulse1: { hz: 1, on_ms: 50 } }, heat: { heat1: { flow_m3h: 0.6, supply_c: 70, return_c: 40 } },
    outages: [{ at_s: 6, off_s: 1 }],
  }, false],
];
for (const [name, scenario, required] of capabilities) {
  test(`${name}: the native firmware's report is byte for byte the twin's`, (t) => {
    const recording = assertBitExact(name.replace(/\W+/g, "-"), scenarioFile(scenario), t);
    if (required) assert.ok(recording !== undefined, `${name} must run`);
    if (recording !== undefined && name.startsWith("outages right after frames")) assert.match(recording, /^lost radio_send \d+$/m);
  });
}

// The size-optimised image (rv32/os-flags.sh: -Os, link-time optimisation) is the one whose flash
// size test/host/module-budget.test.ts holds: it must compute what the twin computes too.
test("the -Os RV32 image the flash budget measures replays CT, pulses, heat and an outage byte for byte", () => {
  buildNative();
  const [, scenario] = capabilities.find(([name]) => name.startsWith("everything at once"))!;
  const twin = record("everything-Os", scenarioFile(scenario));
  assert.ok(twin, "the twin runs the scenario");
  const r = spawnSync("sh", [path.join(projectRoot, "boards", "native", "replay-rv32.sh"), twin.recording],
    { cwd: projectRoot, encoding: "utf8", maxBuffer: 64 * 1024 * 1024, env: { ...process.env, OPT: "-Os" } });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, twin.report, "the -Os RV32 report differs from the twin's");
});

test("the replay checks every result and refuses a recording of another firmware", () => {
  buildNative();
  const twin = record("tamper", scenarioFile({ ...base, seconds: 5, pulse: { pulse1: { hz: 2, on_ms: 40 } } }))!;
  const lines = fs.readFileSync(twin.recording, "utf8").split("\n");
  // A result the native firmware does not give: reported as a divergence, exit status 1.
  const batch = lines.findIndex((l) => l.startsWith("call fw_pulse_batch"));
  const result = lines.findIndex((l, i) => i > batch && l.startsWith("ret "));
  const forged = [...lines];
  forged[result] = "ret 7";
  fs.writeFileSync(twin.recording, forged.join("\n"));
  let r = replay(twin.recording);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /fw_pulse_batch returned 0, the recording has 'ret 7'/);
  // On RV32 the same: the status comes out of QEMU through the virt test device, the report still printed.
  let v = replayRv32(twin.recording);
  assert.equal(v.status, 1, v.stderr);
  assert.match(v.stderr, /fw_pulse_batch returned 0, the recording has 'ret 7'/);
  assert.match(v.stdout, /^\{"format":"activemeter-report\/1"/);
  // An import the native firmware does not make where the recording has one: exit status 1.
  fs.writeFileSync(twin.recording, [...lines.slice(0, result), "import time_us = 1", ...lines.slice(result)].join("\n"));
  r = replay(twin.recording);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /returned, but the recording has 'import time_us = 1'/);
  // Another firmware: refused before anything runs, exit status 2.
  fs.writeFileSync(twin.recording, lines.map((l) => (l.startsWith("power ") ? l.replace(/ [0-9a-f]{64} /, ` ${"0".repeat(64)} `) : l)).join("\n"));
  r = replay(twin.recording);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /was recorded with firmware 0{64}.*rebuild with npm run build:native/);
  v = replayRv32(twin.recording);
  assert.equal(v.status, 2, v.stderr);
  assert.match(v.stderr, /was recorded with firmware 0{64}/);
  assert.equal(v.stdout, "");
});

test("the native firmware's frames (suite 2) verify and decrypt in the independent Python decoder", async () => {
  buildNative();
  const { pythonDecode } = await import("./support/python-frames.js");
  const { testKey, bytesToHex } = await import("../../host/frame/index.js");
  const twin = record("python", scenarioFile({ ...base, seconds: 35, pulse: { pulse1: { hz: 3, on_ms: 40 } } }))!;
  const r = replay(twin.recording);
  assert.equal(r.status, 0, r.stderr);
  const native = JSON.parse(r.stdout) as { frames: string[]; registers: Record<string, number> };
  assert.ok(native.frames.length >= 3);
  const decoded = pythonDecode(native.frames, { keys: { "4097": bytesToHex(testKey(4097)) } });
  decoded.forEach((d, i) => {
    assert.equal(d.error, undefined, `native frame ${i}: ${d.error}`);
    assert.deepEqual([d.suite, d.node, d.key_version, d.counter], [2, 4097, 1, i + 1]);
  });
  assert.ok(decoded.at(-1)!.registers["pulse1.wh"] > 0 && decoded.at(-1)!.registers["pulse1.wh"] <= native.registers["pulse1.wh"]);
});
