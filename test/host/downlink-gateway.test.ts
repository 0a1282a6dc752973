// Downlinks end to end: `activemeter gateway --udp … --control …` learns the twin's address from
// its authenticated frames; `activemeter downlink` asks it for commands; they travel over UDP back
// to `activemeter sim`, whose firmware acts on them (its registers and report), and a replayed
// datagram is refused. The gateway's counters are in its SQLite database.
import { test } from "node:test";
import assert from "node:assert/strict";
import dgram from "node:dgram";
import { execFileSync } from "node:child_process";
import path from "node:path";
import Database from "better-sqlite3";
import { runCli, scenarioFile } from "./support/cli.js";
import { CliProcess } from "./support/processes.js";
import { tempDir } from "./support/gateway.js";
import { decodeDownlink, hexToBytes, TestKeys } from "../../host/frame/index.js";

const NODE = 8193;

function downlink(port: number, ...args: string[]) {
  const p = new CliProcess(["downlink", "--gateway", String(port), "--node", String(NODE), ...args]);
  return p.exited.then((e) => ({ status: e.code, answer: p.lines[0] as Record<string, unknown> | undefined, stderr: p.stderr }));
}

test("gateway -> UDP -> sim -> firmware: commands acted on, a replayed datagram refused, counters in the database", async () => {
  const db = path.join(tempDir(), "gw.db");
  const gw = new CliProcess(["gateway", "--udp", "0", "--db", db, "--test-keys", "--control", "0"]);
  const udpPort = await gw.udpPort();
  await gw.until(() => /downlink control on tcp:127\.0\.0\.1:\d+/.test(gw.stderr), "the control input");
  const controlPort = Number(/downlink control on tcp:127\.0\.0\.1:(\d+)/.exec(gw.stderr)![1]);
  const before = await downlink(controlPort, "demand", "shed");
  assert.equal(before.status, 1, "no frame heard yet: the node's address is unknown");
  assert.match(String(before.answer?.error), /address is unknown/);

  const sim = new CliProcess(["sim", "--scenario", scenarioFile({ format: "activemeter-scenario/1", board: "esp32c3-mini", seconds: 80, seed: 2 }),
    "--json", "--speed", "10", "--udp", `127.0.0.1:${udpPort}`]);
  await gw.until(() => gw.readings().length >= 1, "the twin's first frame");
  const shed = await downlink(controlPort, "demand", "shed", "--valid", "600");
  assert.equal(shed.status, 0, shed.stderr);
  const sent = shed.answer!;
  assert.equal(sent.node, NODE);
  assert.equal(sent.command, "demand");
  // The gateway's bytes decode with the node's (public test) key to what was asked.
  const fields = decodeDownlink(hexToBytes(String(sent.hex)), new TestKeys());
  assert.deepEqual([fields.command, "level" in fields && fields.level, fields.valid_s, fields.counter], ["demand", "shed", 600, sent.counter]);
  // The same datagram again, from elsewhere, to the twin's address: a replay.
  await sim.until(() => /downlink at [\d.]+ s counter \d+ demand: accepted/.test(sim.stderr), "the twin to take the command");
  const [, host, port] = /^udp:(.+):(\d+)$/.exec(String(sent.to))!;
  const socket = dgram.createSocket("udp4");
  await new Promise<void>((resolve, reject) => socket.send(hexToBytes(String(sent.hex)), Number(port), host, (e) => (e ? reject(e) : resolve())));
  socket.close();
  await sim.until(() => /demand: replay/.test(sim.stderr), "the replay to be refused");
  const on = await downlink(controlPort, "override", "1", "on", "--valid", "300");
  assert.equal(on.status, 0, on.stderr);
  assert.equal(on.answer!.counter, Number(sent.counter) + 1);
  const exit = await sim.exited;
  assert.equal(exit.code, 0, sim.stderr);
  const report = sim.lines[0] as { downlinks: { result: string; counter: number; command: string }[]; registers: Record<string, number> };
  assert.deepEqual(report.downlinks.map((d) => [d.result, d.counter, d.command]),
    [["accepted", sent.counter, "demand"], ["replay", sent.counter, "demand"], ["accepted", Number(sent.counter) + 1, "override"]]);
  assert.equal(report.registers["downlink.accepted"], 2);
  assert.equal(report.registers["downlink.refused"], 1);
  assert.equal(report.registers["downlink.counter"], Number(sent.counter) + 1);
  assert.equal(report.registers["downlink.last_result"], 0);
  await gw.stop();
  const d = new Database(db, { readonly: true });
  assert.deepEqual(d.prepare("SELECT node, last_counter FROM downlinks").all(), [{ node: NODE, last_counter: Number(sent.counter) + 1 }]);
  d.close();
});

test("downlink and gateway --control: help and one-line usage errors", () => {
  const help = runCli(["downlink", "--help"]);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /demand normal\|reduce\|shed/);
  assert.match(runCli(["downlink", "--node", "1", "demand", "shed"]).stderr, /needs --gateway/);
  assert.match(runCli(["downlink", "--gateway", "1", "--node", "1", "demand", "loud"]).stderr, /expected 'demand normal\|reduce\|shed'/);
  assert.match(runCli(["downlink", "--gateway", "1", "--node", "1", "override", "5", "on"]).stderr, /expected/);
  assert.match(runCli(["downlink", "--gateway", "1", "--node", "1", "time-sync", "--valid", "0"]).stderr, /--valid must be/);
  const wide = runCli(["gateway", "--udp", "0", "--no-db", "--control", "0.0.0.0:0"]);
  assert.equal(wide.status, 2);
  assert.match(wide.stderr, /loopback interface only/);
  assert.match(runCli(["gateway", "--hex", "-", "--no-db", "--control", "0"], "").stderr, /--control needs --udp/);
  // `decode` verifies downlinks too (the worked example of docs/frames.md).
  const d = runCli(["decode", "--test-keys", "018281200101010084070251882c4b9263822b"]);
  assert.equal(d.status, 0, d.stderr);
  assert.deepEqual(JSON.parse(d.stdout).downlink, { node: 4097, key_version: 1, counter: 1, sent_utc_s: 0, valid_s: 900, command: "demand", level: "shed" });
  assert.match(runCli(["decode", "--test-keys", "018281200101010084070251882c4b9263822c"]).stderr, /rejected downlink \(bad_mac\)/);
});

test("a scenario's downlinks reach the firmware at their times; a bad downlinks list is refused naming the field", () => {
  // Counter 1 sealed by the independent Python program: the twin's own command 1 must be byte-identical to it.
  const sealed = execFileSync("/usr/bin/python3", ["tools/gen-downlink-vectors.py", "--seal"], {
    input: JSON.stringify({ node: NODE, key_version: 1, counter: 1, command: "demand", level: "shed", sent_utc_s: 0, valid_s: 60 }) + "\n" }).toString().trim();
  const file = scenarioFile({
    format: "activemeter-scenario/1", board: "esp32c3-mini", seconds: 20, seed: 1,
    downlinks: [
      { at_s: 1, command: "demand", level: "shed", valid_s: 60 },
      { at_s: 2, hex: sealed },
      { at_s: 3, command: "time_sync", utc_s: 1_796_083_200 },
      { at_s: 4, command: "demand", level: "reduce", sent_utc_s: 1_796_083_100, valid_s: 50 },
      { at_s: 5, command: "override", output: 1, mode: "off", counter: 2, valid_s: 60 },
    ],
  });
  const r = runCli(["sim", "--scenario", file, "--json"]);
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { downlinks: { at_s: number; result: string; counter: number; hex: string }[]; registers: Record<string, number> };
  assert.equal(report.downlinks[0].hex, sealed);
  assert.deepEqual(report.downlinks.map((d) => [d.at_s, d.counter, d.result]), [[1, 1, "accepted"], [2, 1, "replay"], [3, 2, "accepted"], [4, 3, "expired"], [5, 2, "replay"]]);
  assert.equal(report.registers["downlink.counter"], 2);
  for (const [downlinks, message] of [
    [[{ at_s: 1, command: "dance" }], /'downlinks\[0\]\.command' must be one of demand, override, time_sync/],
    [[{ at_s: 1, command: "demand", level: "shed" }], /'downlinks\[0\]\.valid_s' must be a whole number/],
    [[{ at_s: 99, command: "time_sync", utc_s: 1_796_083_200 }], /'downlinks\[0\]\.at_s' must be a time from 0 to 20 s/],
    [[{ at_s: 1, hex: "zz" }], /'downlinks\[0\]\.hex' must be 1 to 64 bytes in hex/],
  ] as const) {
    const bad = runCli(["sim", "--scenario", scenarioFile({ format: "activemeter-scenario/1", board: "esp32c3-mini", seconds: 20, downlinks })]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, message);
  }
});
