// The serial console through the twin: answers, errors that say what to do, and garbage
// that changes nothing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseScenario } from "../../host/sim/scenario.js";
import { Twin } from "../../host/sim/twin.js";

function twin(lines: string[] = []): Twin {
  return new Twin(parseScenario(JSON.stringify({ format: "activemeter-scenario/1", board: "esp32-devkitc", seconds: 1, console: lines })));
}

function typeRaw(t: Twin, bytes: Uint8Array): string {
  const before = t.consoleText.length;
  (t as any).firmware.consoleInput(bytes);
  return t.consoleText.slice(before);
}

test("help lists the commands; help set lists keys with ranges", () => {
  const t = twin(["help", "help set"]);
  for (const cmd of ["help", "id", "status", "config", "set"]) assert.match(t.consoleText, new RegExp(`\\n  ${cmd}\\b`));
  assert.match(t.consoleText, /pulseN\.wh_per_pulse \* 0\.000001 \.\. 1000000 Wh/);
});

test("set validates range and units; an error changes nothing", () => {
  const t = twin(["unlock 0000", "set pulse1.wh_per_pulse 2.5", "set pulse1.wh_per_pulse abc", "set pulse1.wh_per_pulse 0", "set pulse9.wh_per_pulse 1",
    "set report.interval_s 99999", "set node.id 42", "config"]);
  assert.match(t.consoleText, /error: pulse1\.wh_per_pulse takes a number of Wh from 0\.000001 to 1000000, not 'abc'; nothing was changed/);
  assert.match(t.consoleText, /not '0'; nothing was changed/);
  assert.match(t.consoleText, /error: unknown key 'pulse9\.wh_per_pulse'/);
  assert.match(t.consoleText, /report\.interval_s takes a whole number of seconds from 1 to 3600, not '99999'/);
  assert.match(t.consoleText, /pulse1\.wh_per_pulse = 2\.500000/);
  assert.match(t.consoleText, /node\.id = 42/);
  assert.match(t.consoleText, /report\.interval_s = 10\r\n/);
});

test("a key for an input the board lacks is refused", () => {
  const t = new Twin(parseScenario(JSON.stringify({ format: "activemeter-scenario/1", board: "esp32c3-mini", seconds: 1, console: ["unlock 0000", "set pulse2.filter_ms 5"] })));
  assert.match(t.consoleText, /error: this board has no input pulse2/);
});

test("binary garbage, control bytes and over-long lines never crash the console or change settings", () => {
  const t = twin();
  const garbage = new Uint8Array(4096);
  let x = 12345;
  for (let i = 0; i < garbage.length; i++) { x = (x * 1103515245 + 12345) >>> 0; garbage[i] = x >>> 24; }
  typeRaw(t, garbage);
  typeRaw(t, new TextEncoder().encode("\r"));
  const long = typeRaw(t, new TextEncoder().encode("set node.id " + "9".repeat(500) + "\r"));
  assert.match(long, /error: line too long \(at most 120 characters\); nothing was changed/);
  const after = typeRaw(t, new TextEncoder().encode("config\r"));
  assert.match(after, /node\.id = 4097/);
  assert.match(after, /pulse1\.wh_per_pulse = 1\.000000/);
});

test("backspace edits the line; CRLF is one line end", () => {
  const t = twin();
  const out = typeRaw(t, new TextEncoder().encode("idx\x7f\r\nid\r\n"));
  assert.equal((out.match(/activemeter firmware/g) ?? []).length, 2);
  assert.ok(!/unknown command/.test(out));
});
