// The installer console over a real pseudo-terminal: `activemeter sim --serial-pty` exposes the
// twin's UART on a pty (socat); `activemeter console --script` and picocom attach to it as to a
// board's USB serial port. A missing Debian program fails the test, naming its package.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { projectRoot } from "./support/asc-compile.js";

const cli = path.join(projectRoot, "bin", "activemeter.js");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "activemeter-pty-test-"));

function debianProgram(program: string, pkg: string): string {
  const r = spawnSync("sh", ["-c", `command -v ${program}`], { encoding: "utf8" });
  assert.ok(r.status === 0 && r.stdout.trim(), `${program} is missing: install the Debian package '${pkg}' (npm test installs it as root: tools/test-tools.mjs)`);
  return r.stdout.trim();
}

/** `activemeter sim --serial-pty` in the background; resolves with the pty path it prints. */
async function startSim(scenario: object, speed: number): Promise<{ child: ChildProcess; port: string; output: () => string }> {
  const file = path.join(dir, `scenario-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  fs.writeFileSync(file, JSON.stringify(scenario));
  const child = spawn(process.execPath, [cli, "sim", "--scenario", file, "--serial-pty", "--speed", String(speed)], { cwd: projectRoot, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.setEncoding("utf8").on("data", (t: string) => { out += t; });
  child.stderr!.setEncoding("utf8").on("data", (t: string) => { out += t; });
  const deadline = Date.now() + 15_000;
  for (;;) {
    const m = /serial console on (\S+) /.exec(out);
    if (m) return { child, port: m[1], output: () => out };
    if (child.exitCode !== null) throw new Error(`activemeter sim exited: ${out}`);
    if (Date.now() > deadline) throw new Error(`activemeter sim printed no pty path: ${out}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  child.kill("SIGTERM");
  return exited;
}

function run(command: string, args: string[], input?: string, timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: projectRoot, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (t: string) => { stdout += t; });
    child.stderr.setEncoding("utf8").on("data", (t: string) => { stderr += t; });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("exit", (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
    if (input !== undefined) child.stdin.end(input); else child.stdin.end();
  });
}

const UNIT = path.join(projectRoot, "test", "boards", "ct-tolerance-a.json");
const KETTLE = {
  format: "activemeter-scenario/1", board: UNIT, seconds: 3600, seed: 11,
  mains: { vrms: 230, hz: 50 }, ct: { ct1: { irms: 10, phi_deg: 0 }, ct2: { irms: 10, phi_deg: 0 } },
};

test("activemeter console --script calibrates a twin board over a pty (exit 0); a failed expect or an error answer exits 1", async () => {
  debianProgram("socat", "socat");
  const sim = await startSim(KETTLE, 20);
  try {
    const script = path.join(dir, "cal.script");
    fs.writeFileSync(script, [
      "# unit A, a 2300 W kettle on ct1",
      "id",
      "expect software identity \\(SHA-256 of the firmware module\\): [0-9a-f]{64}",
      "unlock 0000",
      "cal voltage 230",
      "expect v\\.gain 1\\.000000 -> 1\\.02\\d{4}",
      "cal ct1 phase",
      "expect ct1\\.phase_deg 2\\.000 -> 3\\.\\d{3}",
      "cal ct1 power 2300",
      "expect ct1\\.gain 1\\.000000 -> 1\\.05\\d{4}",
      "save",
      "expect ok: settings saved",
      "config",
      "expect ct1\\.gain = 1\\.05",
      "",
    ].join("\n"));
    const ok = await run(process.execPath, [cli, "console", "--port", sim.port, "--script", script]);
    assert.equal(ok.code, 0, `console --script: ${ok.stderr}\n${ok.stdout}`);
    assert.match(ok.stderr, /script passed \(7 lines\)/);
    assert.match(ok.stdout, /am> cal ct1 power 2300\nct1: measuring over 5 s[^\n]*\nct1\.gain 1\.000000 -> 1\.05\d{4}/);
    assert.match(ok.stdout, /am> unlock \*\*\*\*\nok: unlocked/, "the PIN is echoed as *");
    assert.doesNotMatch(ok.stdout, /\r/, "the client writes one line ending per line (LF; never CR CR LF on a terminal)");

    const badExpect = path.join(dir, "bad-expect.script");
    fs.writeFileSync(badExpect, "id\nexpect node 9999\n");
    const r1 = await run(process.execPath, [cli, "console", "--port", sim.port, "--script", badExpect]);
    assert.equal(r1.code, 1);
    assert.match(r1.stderr, /line 2: expected \/node 9999\/ in the last answer/);

    const errorAnswer = path.join(dir, "error.script");
    fs.writeFileSync(errorAnswer, "lock\nset node.id 5\nid\n");
    const r2 = await run(process.execPath, [cli, "console", "--port", sim.port, "--script", errorAnswer]);
    assert.equal(r2.code, 1);
    assert.match(r2.stderr, /line 2: the meter answered an error to 'set node\.id 5'/);
    assert.match(r2.stdout, /error: node\.id is protected/);
    const wrongPin = path.join(dir, "wrong-pin.script");
    fs.writeFileSync(wrongPin, "UNLOCK\t97531\n");
    const r3 = await run(process.execPath, [cli, "console", "--port", sim.port, "--script", wrongPin]);
    assert.equal(r3.code, 1);
    assert.match(r3.stderr, /the meter answered an error to 'UNLOCK \*\*\*\*\*'/);
    assert.doesNotMatch(r3.stdout + r3.stderr, /97531/, "neither the transcript nor the message shows the PIN");
  } finally {
    await stop(sim.child);
  }
});

test("picocom reaches the twin's console over the pty: the prompt and an id answer", async () => {
  debianProgram("socat", "socat");
  const picocom = debianProgram("picocom", "picocom");
  const sim = await startSim({ ...KETTLE, seconds: 600 }, 1);
  try {
    // picocom reads the keys from its stdin; --exit-after ends it once the line is idle.
    const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(picocom, ["-b", "115200", "-q", "--exit-after", "1500", sim.port], { stdio: ["pipe", "pipe", "pipe"] });
      let out = "";
      child.stdout.setEncoding("latin1").on("data", (t: string) => { out += t; });
      child.stderr.setEncoding("latin1").on("data", (t: string) => { out += t; });
      child.stdin.write("\rid\r");
      const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
      child.on("exit", (code) => { clearTimeout(timer); resolve({ code, out }); });
      setTimeout(() => child.stdin.end(), 3000);
    });
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /am> id\r\nactivemeter firmware \d+\.\d+\.\d+, ABI 1, node 4301\r\nsoftware identity \(SHA-256 of the firmware module\): [0-9a-f]{64}\r\nam> /);
    // after picocom has gone, the console command still reaches the board (the pty pair stays up)
    const script = path.join(dir, "after.script");
    fs.writeFileSync(script, "status\nexpect ct1: import\n");
    const again = await run(process.execPath, [cli, "console", "--port", sim.port, "--script", script]);
    assert.equal(again.code, 0, again.stderr);
    // the interactive mode with piped lines: each sent once the prompt is back, all answered before it exits
    const piped = await run(process.execPath, [cli, "console", "--port", sim.port], "id\nconfig\n");
    assert.equal(piped.code, 0, piped.stderr);
    assert.match(piped.stdout, /am> id\nactivemeter firmware[^\n]*node 4301\n[^\n]*\nam> config\nnode\.id = 4301\n/);
  } finally {
    await stop(sim.child);
  }
});

test("console: usage errors exit 2 with a reason", async () => {
  const r = await run(process.execPath, [cli, "console"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /console needs --port PATH/);
  const r2 = await run(process.execPath, [cli, "console", "--port", path.join(dir, "no-such-tty")]);
  assert.equal(r2.code, 2);
  assert.match(r2.stderr, /cannot open/);
});
