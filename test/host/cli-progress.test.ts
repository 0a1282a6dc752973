// `activemeter sim` progress and `activemeter console` when its port goes away (issue: a fresh
// machine). The progress line is checked against figures worked out by hand from the clock it
// is given; the console against a real pty (socat) whose twin ends under it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { SimProgress, formatDuration } from "../../host/cli/progress.js";
import { projectRoot } from "./support/asc-compile.js";

const cli = path.join(projectRoot, "bin", "activemeter.js");

function fakeTerminal(isTTY: boolean) {
  const writes: string[] = [];
  return { stream: { isTTY, write: (s: string) => { writes.push(s); return true; } } as unknown as NodeJS.WriteStream, writes };
}

test("formatDuration: hours, minutes and seconds, days when there are any", () => {
  assert.equal(formatDuration(0), "00:00:00");
  assert.equal(formatDuration(3661), "01:01:01");
  assert.equal(formatDuration(30 * 86400 + 59), "30 d 00:00:59");
});

test("progress line: simulated time, share, speed and ETA from the wall clock", () => {
  let now = 0;
  const { stream, writes } = fakeTerminal(true);
  const p = new SimProgress({ totalUs: 30 * 86400e6, stream, now: () => now });
  p.update(1e6);
  now = 4000; p.update(3600e6);
  assert.equal(writes.length, 0, "silent during the first 5 s of wall time");
  // 6 s of wall time for 1 day simulated: 14 400x; the 29 days left take 29 * 86400 / 14400 s = 174 s.
  now = 6000; p.update(86400e6);
  assert.equal(writes.length, 1);
  assert.equal(writes[0], "\rsim: 1 d 00:00:00 of 30 d 00:00:00 simulated (3.3 %), 14400x real time, ETA 00:02:54\x1b[K");
  now = 6200; p.update(2 * 86400e6);
  assert.equal(writes.length, 1, "at most two redraws a second");
  p.finish();
  assert.equal(writes.at(-1), "\r\x1b[K", "the line is cleared at the end");
});

test("progress stays off when stderr is not a terminal", () => {
  let now = 0;
  const { stream, writes } = fakeTerminal(false);
  const p = new SimProgress({ totalUs: 1e9, stream, now: () => now });
  now = 60_000; p.update(5e8);
  p.finish();
  assert.deepEqual(writes, []);
});

test("sim --json with stderr piped: one JSON line on stdout, nothing on stderr", () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "activemeter-progress-")), "s.json");
  fs.writeFileSync(file, JSON.stringify({ format: "activemeter-scenario/1", board: "esp32c3-mini", seconds: 20, seed: 1, pulse: { pulse1: { hz: 1, on_ms: 40 } } }));
  const r = spawnSync(process.execPath, [cli, "sim", "--scenario", file, "--json"], { cwd: projectRoot, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, "");
  assert.equal(JSON.parse(r.stdout).registers["pulse1.count"], 20);
  const q = spawnSync(process.execPath, [cli, "sim", "--scenario", file, "--json", "--quiet"], { cwd: projectRoot, encoding: "utf8" });
  assert.equal(q.status, 0, q.stderr);
  assert.equal(q.stdout, r.stdout, "--quiet changes nothing but the progress line");
});

test("console --port exits 1 and says so when the twin behind the pty ends", async () => {
  const socat = spawnSync("sh", ["-c", "command -v socat"], { encoding: "utf8" });
  assert.ok(socat.status === 0, "socat is missing: install the Debian package 'socat' (npm test installs it as root)");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "activemeter-gone-"));
  const file = path.join(dir, "s.json");
  fs.writeFileSync(file, JSON.stringify({ format: "activemeter-scenario/1", board: "esp32c3-mini", seconds: 4, seed: 1 }));
  const sim = spawn(process.execPath, [cli, "sim", "--scenario", file, "--serial-pty", "--speed", "1"], { cwd: projectRoot, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  sim.stdout!.setEncoding("utf8").on("data", (t: string) => { out += t; });
  sim.stderr!.setEncoding("utf8").on("data", (t: string) => { out += t; });
  const deadline = Date.now() + 15_000;
  let port = "";
  while (!port) {
    port = /serial console on (\S+) /.exec(out)?.[1] ?? "";
    if (sim.exitCode !== null || Date.now() > deadline) throw new Error(`sim printed no pty: ${out}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  // stdin stays open (a user at the keyboard): only the port going away can end the session.
  const consoleProc = spawn(process.execPath, [cli, "console", "--port", port], { cwd: projectRoot, stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  consoleProc.stderr!.setEncoding("utf8").on("data", (t: string) => { stderr += t; });
  consoleProc.stdout!.resume();
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => { consoleProc.kill(); resolve(-1); }, 30_000);
    consoleProc.on("exit", (c) => { clearTimeout(timer); resolve(c); });
  });
  consoleProc.stdin!.destroy();
  assert.equal(code, 1, `console exit status (stderr: ${stderr})`);
  assert.match(stderr, /^activemeter console: the port \S+ went away \(unplugged, or the twin ended\)/m);
});
