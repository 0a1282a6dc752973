// The twin's frames through real transports into `activemeter gateway`: UDP datagrams and a
// serial line (a socat pty pair, COBS framing), into SQLite; and the command's contract
// (help, one-line errors, hex input, clean shutdown).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { decodeFrame, hexToBytes, TestKeys, encodeFrame, testKey, bytesToHex } from "../../host/frame/index.js";
import { runCli, scenarioFile } from "./support/cli.js";
import { CliProcess, debianProgram } from "./support/processes.js";
import { tempDir } from "./support/gateway.js";

/** PV pulses and a heat circuit on an esp32-devkitc for two minutes: 12 frames with pulse, heat and volume registers. */
const scenario = {
  format: "activemeter-scenario/1", board: "esp32-devkitc", seconds: 120, seed: 3,
  console: ["set pulse1.wh_per_pulse 1"],
  pulse: { pulse1: { hz: 1, on_ms: 40 } },
  heat: { heat1: { flow_m3h: 0.6, supply_c: 70, return_c: 40 } },
};

interface Report { frames: string[]; registers: Record<string, number> }

function simReport(): Report {
  const r = runCli(["sim", "--scenario", scenarioFile(scenario), "--json"]);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

function readDb(file: string) {
  const db = new Database(file, { readonly: true });
  try {
    const frames = db.prepare<{ verdict: string; n: number }>("SELECT verdict, count AS n FROM frame_verdicts WHERE count > 0").all();
    const last = db.prepare<{ counter: number }>("SELECT max(counter) AS counter FROM readings").get()!.counter;
    const rows = db.prepare<{ register: string; value: number; unit: string }>("SELECT register, value, unit FROM readings WHERE counter = ?").all(last);
    const nodes = db.prepare<{ node: number; last_counter: number }>("SELECT node, last_counter FROM nodes").all();
    const mode = db.pragma("journal_mode", { simple: true });
    return { verdicts: Object.fromEntries(frames.map((f) => [f.verdict, f.n])), last, readings: Object.fromEntries(rows.map((r) => [r.register, r.value])), units: Object.fromEntries(rows.map((r) => [r.register, r.unit])), nodes, mode };
  } finally {
    db.close();
  }
}

function runAsync(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const p = new CliProcess(args);
  return p.exited.then((e) => ({ status: e.code, stdout: [...p.lines.map((l) => JSON.stringify(l)), ...p.text, p.stdout].join("\n"), stderr: p.stderr }));
}

test("UDP end to end: twin -> datagrams -> gateway -> SQLite rows equal the registers of the last frame", async () => {
  const dir = tempDir();
  const db = path.join(dir, "gw.db");
  const gw = new CliProcess(["gateway", "--udp", "0", "--db", db, "--test-keys"]);
  const port = await gw.udpPort();
  const sim = await runAsync(["sim", "--scenario", scenarioFile(scenario), "--json", "--udp", `127.0.0.1:${port}`]);
  assert.equal(sim.status, 0, sim.stderr);
  const report = JSON.parse(sim.stdout) as Report;
  assert.equal(report.frames.length, 12);
  await gw.until(() => gw.readings().length === report.frames.length, "every frame to arrive");
  const exit = await gw.stop("SIGTERM");
  assert.equal(exit.code, 0, gw.stderr);
  assert.match(gw.stderr, /SIGTERM: shutting down/);
  assert.match(gw.stderr, /12 frames: 12 accepted, 0 duplicate, 0 rejected/);

  const last = decodeFrame(hexToBytes(report.frames.at(-1)!), { keys: new TestKeys(), requireAuthentication: true });
  const stored = readDb(db);
  assert.equal(stored.mode, "wal");
  assert.deepEqual(stored.verdicts, { accepted: 12 });
  assert.equal(stored.last, last.counter);
  assert.deepEqual(stored.readings, last.registers);
  assert.ok(Object.values(last.registers).filter((v) => v > 0).length >= 3, "pulse, heat and volume registers");
  assert.equal(stored.units["heat1.volume_l"], "L");
  assert.equal(stored.units["pulse1.wh"], "Wh");
  // The last frame left before the scenario's end, so its totals are at most the final registers.
  // Every register of the board is in the frame, those at 0 too (docs/frames.md).
  for (const [name, value] of Object.entries(last.registers)) assert.ok(value >= 0 && value <= report.registers[name], name);
  assert.deepEqual(stored.nodes, [{ node: last.node, last_counter: last.counter }]);

  // A restart with the same database refuses the same frames as replays (and the last one as a duplicate).
  const again = new CliProcess(["gateway", "--udp", "0", "--db", db, "--test-keys"]);
  const port2 = await again.udpPort();
  const resend = await runAsync(["sim", "--scenario", scenarioFile(scenario), "--udp", `127.0.0.1:${port2}`]);
  assert.equal(resend.status, 0, resend.stderr);
  await again.until(() => again.lines.length === 12, "the resent frames");
  assert.equal((await again.stop("SIGINT")).code, 0);
  assert.match(again.stderr, /12 frames: 0 accepted, 1 duplicate, 11 rejected \(replay 11\)/);
  // Rejects are aggregated (per minute, source and verdict); the duplicate is a reception of the stored frame.
  assert.deepEqual(readDb(db).verdicts, { accepted: 12, replay: 11 });
  const check = new Database(db, { readonly: true });
  const heard = check.prepare<{ receptions: number }>("SELECT receptions FROM heard WHERE counter = ?").get(stored.last);
  check.close();
  assert.equal(heard?.receptions, 2, "the last frame was heard twice");
});

test("serial end to end through a socat pty pair: COBS frames, garbage on the line, nothing lost", async () => {
  const socat = debianProgram("socat", "socat", "the serial gateway test");
  const dir = tempDir();
  const [a, b] = [path.join(dir, "node-side"), path.join(dir, "gateway-side")];
  const pair = spawn(socat, [`pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: "ignore" });
  try {
    for (let i = 0; i < 100 && !(fs.existsSync(a) && fs.existsSync(b)); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(fs.existsSync(a) && fs.existsSync(b), "socat made no pty pair");
    const db = path.join(dir, "gw.db");
    const gw = new CliProcess(["gateway", "--serial", b, "--baud", "115200", "--db", db, "--test-keys"]);
    await gw.until(() => /reading serial:/.test(gw.stderr), "the gateway to open the port");
    // Line noise first: bytes that are no COBS packet, and a run longer than any frame.
    fs.writeFileSync(a, Buffer.concat([Buffer.from([0x13, 0x37, 0x00, 0x05, 0x01, 0x00]), Buffer.alloc(600, 0x41), Buffer.from([0x00])]));
    const sim = await runAsync(["sim", "--scenario", scenarioFile(scenario), "--json", "--serial", a]);
    assert.equal(sim.status, 0, sim.stderr);
    const report = JSON.parse(sim.stdout) as Report;
    await gw.until(() => gw.readings().length === report.frames.length, "every frame over the pty");
    assert.equal((await gw.stop()).code, 0);
    const rejected = gw.lines.filter((l) => l.type === "rejected").map((l) => l.reason);
    assert.ok(rejected.includes("overlong"), JSON.stringify(rejected));
    assert.ok(rejected.length >= 2 && rejected.every((r) => ["overlong", "cobs_invalid", "too_short"].includes(r as string)), JSON.stringify(rejected));
    const last = decodeFrame(hexToBytes(report.frames.at(-1)!), { keys: new TestKeys() });
    assert.deepEqual(readDb(db).readings, last.registers);
  } finally {
    pair.kill();
  }
});

test("gateway --help lists every option", () => {
  const r = runCli(["gateway", "--help"]);
  assert.equal(r.status, 0);
  for (const option of ["--udp", "--serial", "--baud", "--hex", "--keys", "--allow-unauthenticated", "--db", "--no-db", "--gateway-id", "--udp-buffer", "--batch-ms",
    "--mqtt-username", "--mqtt-password-file", "--mqtt-ca", "--mqtt-cert", "--mqtt-key", "--node-expire",
    "--test-keys", "--mqtt", "--mqtt-prefix", "--ha-prefix", "--no-discovery", "--quiet"]) assert.ok(r.stdout.includes(option), option);
  assert.match(runCli(["help"]).stdout, /gateway/);
});

const badUsage: [string, string[], RegExp][] = [
  ["no source", ["--no-db"], /needs a source/],
  ["a bad UDP port", ["--udp", "70000"], /'70000' is not PORT or HOST:PORT/],
  ["an unknown option", ["--udp", "0", "--frobnicate"], /frobnicate/],
  ["a missing keyring", ["--udp", "0", "--no-db", "--keys", "/nonexistent/keys.json"], /cannot read keyring \/nonexistent\/keys.json: ENOENT/],
  ["a broken keyring", ["--udp", "0", "--no-db", "--keys", "BROKEN"], /not valid JSON/],
  ["--mqtt-prefix without --mqtt", ["--udp", "0", "--no-db", "--mqtt-prefix", "x"], /need --mqtt URL/],
  ["a bad baud rate", ["--serial", "/dev/null", "--baud", "fast"], /--baud must be a positive integer/],
  ["a serial port that is not there", ["--serial", "/nonexistent/ttyX", "--no-db"], /cannot open serial port \/nonexistent\/ttyX/],
  ["a hex file that is not there", ["--hex", "/nonexistent/frames.hex", "--no-db"], /cannot read \/nonexistent\/frames.hex: ENOENT/],
  ["an unreachable broker", ["--udp", "0", "--no-db", "--mqtt", "mqtt://127.0.0.1:1"], /cannot connect to MQTT broker mqtt:\/\/127.0.0.1:1/],
  ["a database in a missing folder", ["--udp", "0", "--db", "/nonexistent/dir/gw.db"], /cannot open database/],
];
for (const [what, args, message] of badUsage) {
  test(`gateway refuses ${what} with one line and exit 2`, () => {
    const fixed = args.map((a) => (a === "BROKEN" ? scenarioFile("{ broken") : a));
    const r = runCli(["gateway", ...fixed]);
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stdout, "");
    const lines = r.stderr.trim().split("\n").filter((l) => !/public test keys|memory only|refused as unknown_node/.test(l));
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], message);
  });
}

test("gateway --hex - reads stdin: readings and every kind of rejection as JSON lines, then exits", () => {
  const good = [1, 2, 5].map((c) => bytesToHex(encodeFrame({ node: 77, counter: c, registers: { "pulse2.wh": c } }, testKey(77))));
  const forged = bytesToHex(encodeFrame({ node: 77, counter: 9, registers: { "pulse2.wh": 1e6 } }, new Uint8Array(16)));
  const flipped = good[2].slice(0, 10) + (good[2][10] === "0" ? "1" : "0") + good[2].slice(11);
  const crcOnly = bytesToHex(encodeFrame({ node: 77, counter: 10, registers: {} }));
  const input = ["# frames", good[0], good[1], good[1], good[0], good[2], forged, flipped, good[2].slice(0, 16), crcOnly, "zz"].join("\n") + "\n";
  const r = runCli(["gateway", "--hex", "-", "--no-db", "--test-keys"], input);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
  const kinds = lines.map((l) => (l.type === "rejected" ? l.reason : l.type));
  assert.deepEqual(kinds, ["reading", "reading", "duplicate", "replay", "reading", "gap", "mac_mismatch", "mac_mismatch", "too_short", "unauthenticated", "bad_hex"]);
  assert.equal(lines[5].missing, 2);
  assert.match(r.stderr, /10 frames: 3 accepted, 1 duplicate, 6 rejected \(too_short 1, mac_mismatch 2, unauthenticated 1, bad_hex 1, replay 1\); 1 gaps, 2 frames missing; 1 nodes/);
  // CRC-only frames only under --allow-unauthenticated, and only from a node without a key:
  // with --test-keys every node has one.
  const lax = runCli(["gateway", "--hex", "-", "--no-db", "--allow-unauthenticated"], crcOnly + "\n");
  assert.equal(JSON.parse(lax.stdout).authenticated, false);
  const downgrade = runCli(["gateway", "--hex", "-", "--no-db", "--allow-unauthenticated", "--test-keys"], crcOnly + "\n");
  assert.equal(JSON.parse(downgrade.stdout).reason, "unauthenticated");
});

test("gateway --db FILE remembers counters across runs (no state file any more); --keys uses the keyring only", () => {
  const dir = tempDir();
  const db = path.join(dir, "gw.db");
  const key = "000102030405060708090a0b0c0d0e0f";
  const keys = path.join(dir, "keys.json");
  fs.writeFileSync(keys, JSON.stringify({ keys: { "77": key } }));
  const f = (c: number) => bytesToHex(encodeFrame({ node: 77, counter: c, registers: { "pulse2.wh": c } }, hexToBytes(key)));
  const first = runCli(["gateway", "--hex", "-", "--db", db, "--keys", keys], `${f(1)}\n${f(2)}\n`);
  assert.equal(first.status, 0, first.stderr);
  assert.doesNotMatch(first.stderr, /test keys/);
  const second = runCli(["gateway", "--hex", "-", "--db", db, "--keys", keys], `${f(2)}\n${f(1)}\n${f(3)}\n${bytesToHex(encodeFrame({ node: 4097, counter: 1, registers: {} }, testKey(4097)))}\n`);
  assert.deepEqual(second.stdout.trim().split("\n").map((l) => { const o = JSON.parse(l); return o.reason ?? o.type; }), ["duplicate", "replay", "reading", "unknown_node"]);
  const gone = runCli(["gateway", "--hex", "-", "--no-db", "--state", path.join(dir, "state.json")], "");
  assert.equal(gone.status, 2);
  assert.match(gone.stderr, /--state is gone: the replay state lives in the database/);
});
