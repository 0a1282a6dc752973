// The `activemeter` command as users and test rigs call it (docs/scenarios.md contract).
import { test } from "node:test";
import assert from "node:assert/strict";
import { runCli, scenarioFile, readVectors } from "./support/cli.js";

const base = { format: "activemeter-scenario/1", board: "esp32c3-mini", seconds: 30, seed: 1, pulse: { pulse1: { hz: 1, on_ms: 40 } } };

test("sim --json prints exactly one report object and nothing else on stdout", () => {
  const r = runCli(["sim", "--scenario", scenarioFile(base), "--json"]);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split("\n");
  assert.equal(lines.length, 1);
  const report = JSON.parse(lines[0]);
  assert.equal(report.format, "activemeter-report/1");
  assert.equal(report.seconds, 30);
  assert.match(report.firmware.sha256, /^[0-9a-f]{64}$/);
  assert.equal(report.registers["pulse1.count"], 30);
  assert.equal(report.registers["pulse1.wh"], 30);
  assert.equal(report.registers["ct1.import_wh"], 0);
  assert.equal(report.frames.length, 3);
  assert.ok(report.frames.every((f: string) => /^[0-9a-f]+$/.test(f)));
});

test("the minimum register set of the contract is reported for every channel of the board", () => {
  const r = runCli(["sim", "--scenario", scenarioFile({ ...base, board: "esp32-devkitc" }), "--json"]);
  const regs = JSON.parse(r.stdout).registers;
  for (const name of ["ct1.import_wh", "ct1.export_wh", "ct2.import_wh", "ct2.export_wh", "pulse1.count", "pulse1.wh",
    "pulse2.count", "pulse2.wh", "heat1.heat_wh", "heat1.cool_wh", "heat1.volume_l"]) {
    assert.ok(name in regs, `missing ${name}`);
  }
});

test("console lines are answered in the report's console transcript", () => {
  const r = runCli(["sim", "--scenario", scenarioFile({ ...base, console: ["id", "unlock 0000", "set pulse1.wh_per_pulse 0.5", "frobnicate"] }), "--json"]);
  const report = JSON.parse(r.stdout);
  assert.match(report.console, /activemeter firmware \S+, ABI 1, node 8193/);
  assert.match(report.console, /error: unknown command 'frobnicate' \(try help\)/);
  assert.equal(report.registers["pulse1.wh"], 15);
});

const invalid: [string, object | string, RegExp][] = [
  ["bad JSON", "{ not json", /not valid JSON/],
  ["unknown board", { ...base, board: "esp8266-nodemcu" }, /unknown board 'esp8266-nodemcu'/],
  ["unknown channel", { ...base, pulse: { pulse2: { hz: 1 } } }, /unknown channel 'pulse\.pulse2' on board esp32c3-mini/],
  ["negative duration", { ...base, seconds: -5 }, /'seconds' must be greater than 0/],
  ["missing duration", { ...base, seconds: undefined }, /missing field 'seconds'/],
  ["wrong format", { ...base, format: "activemeter-scenario/2" }, /'format' must be/],
  ["unknown field", { ...base, pulses: {} }, /unknown field 'pulses'/],
  ["unknown pulse field", { ...base, pulse: { pulse1: { hz: 1, width_ms: 3 } } }, /unknown field 'pulse\.pulse1\.width_ms'/],
  ["on longer than period", { ...base, pulse: { pulse1: { hz: 20, on_ms: 60 } } }, /shorter than the pulse period/],
  ["CT on a channel the board lacks", { ...base, ct: { ct2: { irms: 5 } } }, /unknown channel 'ct\.ct2' on board esp32c3-mini/],
  ["heat flow pulses shorter than the flow filter", { ...base, board: "esp32-devkitc", heat: { heat1: { flow_m3h: 500, supply_c: 60, return_c: 40 } } }, /flow pulse every 7\.200 ms.*filter time/],
  ["an outage without off_s", { ...base, outages: [{ at_s: 3 }] }, /missing field 'outages\[0\]\.off_s'/],
];
for (const [what, content, message] of invalid) {
  test(`sim refuses ${what} with a one-line reason and a non-zero exit`, () => {
    const r = runCli(["sim", "--scenario", scenarioFile(content), "--json"]);
    assert.notEqual(r.status, 0);
    assert.equal(r.stdout, "");
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.match(r.stderr, message);
  });
}

test("sim without --scenario, and a missing file, are usage errors", () => {
  assert.equal(runCli(["sim"]).status, 2);
  const r = runCli(["sim", "--scenario", "/nonexistent/file.json"]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /cannot read scenario/);
});

test("decode prints one JSON object per frame; a corrupted frame is rejected with a reason and exit 1", () => {
  const vectors = readVectors<{ valid: { hex: string; decoded: { counter: number } }[] }>("frames.json").valid;
  const ok = runCli(["decode", vectors[1].hex, vectors[2].hex]);
  assert.equal(ok.status, 0, ok.stderr);
  const objects = ok.stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.deepEqual(objects.map((o) => o.counter), [vectors[1].decoded.counter, vectors[2].decoded.counter]);
  assert.equal(typeof objects[0].registers, "object");
  const broken = vectors[1].hex.slice(0, 10) + "ff" + vectors[1].hex.slice(12);
  const bad = runCli(["decode", broken]);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /frame 1: rejected: CRC mismatch/);
  const truncated = runCli(["decode", vectors[2].hex.slice(0, 20)]);
  assert.equal(truncated.status, 1);
  assert.match(truncated.stderr, /rejected/);
});

test("decode reads hex lines from stdin", () => {
  const vectors = readVectors<{ valid: { hex: string }[] }>("frames.json").valid;
  const r = runCli(["decode"], `# frames\n${vectors[0].hex}\n\n${vectors[3].hex}\n`);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim().split("\n").length, 2);
});

test("every command has --help, and unknown commands say what to try", () => {
  for (const cmd of ["sim", "decode", "demo"]) {
    const r = runCli([cmd, "--help"]);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /usage: activemeter/);
  }
  const r = runCli(["frobnicate"]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown command 'frobnicate'/);
});

test("sim plays a CT scenario; its frames carry the CT registers through decode", () => {
  const ct = { ...base, seconds: 40.5, mains: { vrms: 120, hz: 60 }, ct: { ct1: { irms: 30, phi_deg: 180 } } };
  const r = runCli(["sim", "--scenario", scenarioFile(ct), "--json"]);
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  const definedWh = 120 * 30 * 40 / 3600; // export, 40 whole 1 s windows of the 40.5 s run
  assert.ok(Math.abs(report.registers["ct1.export_wh"] - definedWh) / definedWh < 0.005, `ct1.export_wh ${report.registers["ct1.export_wh"]}`);
  assert.equal(report.registers["ct1.import_wh"], 0);
  assert.ok(Math.abs(report.registers["v.hz"] - 60) < 0.01);
  const decoded = runCli(["decode", "--require-auth", "--test-keys", report.frames[3]]);
  assert.equal(decoded.status, 0, decoded.stderr);
  // frame 4 leaves at 40 s (39 s metered); frames carry the persisted value (whole journal steps:
  // 30 Wh for ct1 on esp32c3-mini since the console's lockout and metrological log take 4 of its
  // 32 sectors, docs/storage.md and docs/console.md)
  const exported = JSON.parse(decoded.stdout).registers["ct1.export_wh"];
  const frameWh = 120 * 30 * 39 / 3600;
  assert.ok(exported > 0 && exported <= frameWh * 1.005 && exported >= frameWh - 30.1, `frame 4 (40 s): ct1.export_wh ${exported}, defined ${frameWh}`);
});

test("every shipped example scenario runs", async () => {
  const fs = await import("node:fs");
  const path = await import("node:path");
  const { projectRoot } = await import("./support/asc-compile.js");
  const dir = path.join(projectRoot, "examples");
  const files = fs.readdirSync(dir).filter((f) => f.endsWith(".json"));
  assert.ok(files.length >= 3);
  for (const f of files) {
    const r = runCli(["sim", "--scenario", path.join(dir, f), "--json"]);
    assert.equal(r.status, 0, `${f}: ${r.stderr}`);
  }
});

test("decode: the twin's frames decrypt with --test-keys; without a key only the header shows; --keys for everything else", async () => {
  const r = runCli(["sim", "--scenario", scenarioFile(base), "--json"]);
  const frames: string[] = JSON.parse(r.stdout).frames;
  const ok = runCli(["decode", "--require-auth", "--test-keys", ...frames]);
  assert.equal(ok.status, 0, ok.stderr);
  assert.ok(ok.stdout.trim().split("\n").every((l) => JSON.parse(l).authenticated === true && JSON.parse(l).encrypted === true));
  // No key: node, key version and counter (unverified), never the values.
  const blind = runCli(["decode", ...frames]);
  assert.equal(blind.status, 0, blind.stderr);
  const headers = blind.stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(headers.length, frames.length);
  headers.forEach((h, i) => {
    assert.deepEqual(Object.keys(h).sort(), ["counter", "encrypted", "key_version", "node", "suite", "verified", "version"]);
    assert.deepEqual([h.node, h.key_version, h.counter, h.suite, h.encrypted, h.verified], [8193, 1, i + 1, "aes128-ctr-cmac64", true, false]);
  });
  assert.match(blind.stderr, /frame 1: no key for node 8193: header only/);
  const fs = await import("node:fs");
  const keyring = scenarioFile({ keys: { "8193": "000102030405060708090a0b0c0d0e0f" } });
  const wrong = runCli(["decode", "--keys", keyring, frames[0]]);
  assert.equal(wrong.status, 1);
  assert.match(wrong.stderr, /MAC mismatch for node 8193/);
  fs.writeFileSync(keyring, "{ broken");
  const broken = runCli(["decode", "--keys", keyring, frames[0]]);
  assert.equal(broken.status, 2);
  assert.match(broken.stderr, /not valid JSON/);
});
