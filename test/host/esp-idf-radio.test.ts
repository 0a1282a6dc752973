// The ESP-IDF shell's radio (boards/esp-idf/main/radio.c, never compiled with ESP-IDF here) run on
// the host against a fake IDF (test/host/esp-idf/radio-harness.c: a FreeRTOS-like queue, ESP-NOW
// that hands datagrams to the registered callback). What must reach the firmware follows from
// docs/frames.md alone: a downlink is one datagram of at most 64 bytes, version 0x01, type 0x82;
// an uplink frame (type = suite 0, 1, 2) is the neighbours' traffic and never a downlink. The
// downlinks and frames fed in are the independently generated vectors of test/vectors/.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { projectRoot } from "./support/asc-compile.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "activemeter-radio-"));
const exe = path.join(dir, "radio");
const downlinks = (JSON.parse(fs.readFileSync(path.join(projectRoot, "test/vectors/downlink.json"), "utf8")).vectors as { hex: string }[]).map((v) => v.hex);
const frames = (JSON.parse(fs.readFileSync(path.join(projectRoot, "test/vectors/frames.json"), "utf8")).valid as { hex: string }[]).map((v) => v.hex);

function build(): void {
  if (fs.existsSync(exe)) return;
  const idf = path.join(projectRoot, "boards/esp-idf");
  const r = spawnSync(process.env.CC ?? "gcc", ["-std=c11", "-Wall", "-Wextra", "-Werror", "-I", path.join(idf, "main"), "-I", path.join(idf, "stub-include"),
    "-I", path.join(projectRoot, "boards/native"),
    path.join(idf, "main/radio.c"), path.join(projectRoot, "test/host/esp-idf/radio-harness.c"), "-o", exe], { encoding: "utf8" });
  if (r.error) assert.fail(`gcc is not available (apt-get install gcc): ${r.error.message}`);
  assert.equal(r.status, 0, r.stderr);
}

function run(commands: string[]): string[] {
  build();
  const r = spawnSync(exe, [], { input: commands.join("\n") + "\n", encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim().split("\n").filter(Boolean);
}

test("ESP-IDF radio: a downlink heard is handed to fw_downlink byte for byte; neighbours' frames never are", () => {
  assert.ok(downlinks.length >= 3 && frames.length >= 3, "vectors present");
  assert.ok(frames.every((f) => f.slice(2, 4) !== "82"), "uplink vectors carry a suite, not the downlink type");
  const out = run([`rx ${frames[0]}`, `rx ${downlinks[0]}`, `rx ${frames[1]}`, `rx ${frames[2]}`, `rx ${downlinks[1]}`, "deliver 1"]);
  assert.deepEqual(out, [`downlink ${downlinks[0]}`, `downlink ${downlinks[1]}`, "dropped 0"]);
});

test("ESP-IDF radio: oversize, truncated and wrong-version datagrams are not downlinks", () => {
  const good = downlinks[0];
  const oversize = "0182" + "00".repeat(63); // 65 bytes with a downlink's first two
  const max = "0182" + "00".repeat(62); // 64 bytes: passed on (the firmware decides it is malformed)
  const out = run([`rx ${oversize}`, "rx 01", `rx 02${good.slice(2)}`, `rx ${max}`, "deliver 1"]);
  assert.deepEqual(out, [`downlink ${max}`, "dropped 0"]);
});

test("ESP-IDF radio: a full queue drops and counts; a firmware without fw_downlink gets none; frames go out up to ESP-NOW's 250 bytes", () => {
  const five = downlinks.concat(downlinks).slice(0, 5);
  const out = run([...five.map((d) => `rx ${d}`), "deliver 1", `rx ${downlinks[0]}`, "deliver 0", "deliver 1",
    `send ${"ab".repeat(250)}`, `send ${"ab".repeat(251)}`]);
  assert.deepEqual(out, [...five.slice(0, 4).map((d) => `downlink ${d}`), "dropped 1", "dropped 0", "dropped 0", `sent ${"ab".repeat(250)}`]);
});
