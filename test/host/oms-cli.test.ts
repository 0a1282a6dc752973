// `activemeter sim` and `activemeter decode` with OMS telegrams, as a user runs them: the
// report's frames carry the telegrams (with CRC blocks), decode reads both forms with the test
// keys and prints both, and refuses altered ones with the reason.
import { test } from "node:test";
import assert from "node:assert/strict";
import { runCli, scenarioFile } from "./support/cli.js";
import { isOmsTelegram, stripCrcBlocks } from "../../host/oms/index.js";
import { hexToBytes, bytesToHex } from "../../host/frame/index.js";

test("sim report frames hold OMS telegrams; decode prints both forms and the same registers from either", () => {
  const file = scenarioFile({
    format: "activemeter-scenario/1", board: "esp32c3-mini", seconds: 20, seed: 2,
    console: ["unlock 0000", "set frame.profile oms"], pulse: { pulse1: { hz: 4, on_ms: 40 } },
  });
  const sim = runCli(["sim", "--scenario", file, "--json"]);
  assert.equal(sim.status, 0, sim.stderr);
  const frames: string[] = JSON.parse(sim.stdout).frames;
  assert.equal(frames.length, 2, "esp32c3-mini: one electricity telegram per report");
  for (const hex of frames) assert.ok(isOmsTelegram(hexToBytes(hex)));
  const plain = bytesToHex(stripCrcBlocks(hexToBytes(frames[1])).plain);
  const r = runCli(["decode", frames[1], plain]);
  assert.equal(r.status, 0, r.stderr);
  const [a, b] = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(a.link_crc, true);
  assert.equal(b.link_crc, false);
  assert.deepEqual(a.registers, b.registers);
  assert.equal(a.node, 8193);
  assert.equal(a.counter, 2);
  assert.deepEqual(a.telegram, { with_crc: frames[1], without_crc: plain });
  assert.deepEqual(b.telegram, a.telegram);
  assert.ok(a.registers["pulse1.wh"] > 0);

  const bad = hexToBytes(plain);
  bad[bad.length - 1] ^= 0x01;
  const rejected = runCli(["decode", bytesToHex(bad)]);
  assert.equal(rejected.status, 1);
  assert.match(rejected.stderr, /frame 1: rejected: MAC mismatch for node 8193/);
  const cut = runCli(["decode", frames[1].slice(0, frames[1].length - 4)]);
  assert.equal(cut.status, 1);
  assert.match(cut.stderr, /does not match its L-field/);
});
