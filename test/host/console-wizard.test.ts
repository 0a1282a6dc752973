// Wizard honesty and the installer's typing, through the twin: probe steps are never logged, a
// cancelled or failed step leaves configuration and both logs exactly as they were, a power
// calibration refuses a load that is not resistive (PF in the message), values carry units,
// command words ignore case, arrow keys and Backspace edit, output is ASCII with CRLF only.
// References: the scenario's physics (PF = cos phi of the load) and the transcript before.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseScenario } from "../../host/sim/scenario.js";
import { Twin } from "../../host/sim/twin.js";

const PHI_0866 = 30; // cos 30 deg = 0.866: a motor-like load, not resistive

function twin(seconds: number, ct2Amps = 2): Twin {
  return new Twin(parseScenario(JSON.stringify({
    format: "activemeter-scenario/1", board: "esp32-devkitc", seconds, seed: 3, console: [],
    mains: { vrms: 230, hz: 50 },
    ct: { ct1: { irms: 10, phi_deg: 0, noise_a: 0.01 }, ct2: { irms: ct2Amps, phi_deg: PHI_0866, noise_a: 0.01 } },
  })));
}

function type(t: Twin, line: string): string {
  const before = t.consoleText.length;
  t.typeLines([line]);
  return t.consoleText.slice(before);
}

/** Type a line and let the twin run until the prompt is back (a measurement takes seconds). */
function run(t: Twin, line: string, maxSeconds = 40): string {
  const before = t.consoleText.length;
  t.typeLines([line]);
  const end = t.clockUs + maxSeconds * 1e6;
  while (!t.consoleText.endsWith("am> ") && t.clockUs < end) t.step();
  return t.consoleText.slice(before);
}

function runFor(t: Twin, seconds: number): void {
  const end = t.clockUs + seconds * 1e6;
  while (t.clockUs < end) t.step();
}

/** Everything an auditor would compare: the settings, the event log and the metrological log. */
function evidence(t: Twin): string {
  return [type(t, "config"), type(t, "log 250"), type(t, "metrolog 250")].join("")
    .replace(/room for \d+/, "room") // (unchanged anyway; the figure is not evidence)
    .replace(/wrong PINs: .*\r\n/, "");
}

test("cal ctN phase logs its result only, never the probe steps", () => {
  const t = twin(60);
  type(t, "unlock 0000");
  const answer = run(t, "cal ct1 phase");
  const m = /ct1\.phase_deg 2\.000 -> (-?\d+\.\d{3})/.exec(answer);
  assert.ok(m, answer);
  const log = type(t, "log 250");
  const phaseLines = log.match(/setting ct1\.phase_deg [^\r]*/g) ?? [];
  assert.deepEqual(phaseLines, [`setting ct1.phase_deg 2.000 -> ${m[1]}`], "one record: before -> after, no probe at 2 +/- 8 deg");
  assert.equal((type(t, "metrolog 250").match(/setting ct1\.phase_deg [^\r]*/g) ?? []).join(), `setting ct1.phase_deg 2.000 -> ${m[1]}`);
  assert.match(type(t, "config"), new RegExp(`ct1\\.phase_deg = ${m[1].replace(".", "\\.")}\\r\\n`));
});

test("Ctrl-C in the middle of cal ctN phase leaves config and logs exactly as before", () => {
  const t = twin(60);
  type(t, "unlock 0000");
  const before = evidence(t);
  type(t, "cal ct1 phase");
  runFor(t, 14); // in the second half: the phase is at 2 - 8 deg now
  t.consoleInput(Buffer.from("\x03"));
  assert.match(t.consoleText, /\^C\r\ncancelled; nothing was changed\r\nam> $/);
  assert.equal(evidence(t), before);
});

test("a failed step (no load on the clamp) leaves config and logs exactly as before", () => {
  const t = twin(60, 0.2); // 46 VA on ct2: under the 100 W a calibration needs
  type(t, "unlock 0000");
  const before = evidence(t);
  assert.match(run(t, "cal ct2 phase"), /error: no load on the clamp \(under 100 W\)[^\r]*; nothing was changed\r\nam> $/);
  assert.equal(evidence(t), before);
  assert.match(run(t, "cal ct2 power 46"), /error: no load on the clamp/);
  assert.equal(evidence(t), before);
});

test("cal ctN power refuses a load with PF under 0.98, with the measured PF; nothing changes, save keeps nothing", () => {
  const t = twin(60);
  type(t, "unlock 0000");
  const before = evidence(t);
  const answer = run(t, "cal ct2 power 462");
  const m = /error: ct2: the load's measured power factor is (\d\.\d{3}), under 0\.980: power calibration needs a resistive load/.exec(answer);
  assert.ok(m, answer);
  assert.ok(Math.abs(Number(m[1]) - Math.cos(PHI_0866 * Math.PI / 180)) < 0.01, `PF ${m[1]}, the load's is cos 30 deg = 0.866`);
  assert.equal(evidence(t), before);
  type(t, "save");
  type(t, "reboot");
  assert.match(type(t, "config"), /ct2\.gain = 1\.000000\r\n/);
});

test("cal ctN power refuses a load that changes while it measures (a kettle switching), nothing changes", () => {
  const t = twin(60);
  type(t, "unlock 0000");
  const before = evidence(t);
  type(t, "cal ct1 power 2300");
  runFor(t, 3.5);
  // The load steps up by 5 % in the middle of the measurement: the twin's analog model of ct1
  // (columns v, ct1, ct2) gets a larger current, as if a second element switched on.
  const ct1 = (t as any).adc.frontEnd.cols[1];
  for (const c of ct1.components) c.amplitudeCodes *= 1.05;
  const start = t.consoleText.length;
  while (!t.consoleText.endsWith("am> ")) t.step();
  assert.match(t.consoleText.slice(start), /error: ct1: the load was not steady \(power varied by [\d.]+ W between windows, over 1 %\)[^\r]*; nothing was changed\r\nam> $/);
  assert.equal(evidence(t), before);
});

test("units where an installer types them: 2.31kW, 2310 W, 230V; a wrong unit gets a hint", () => {
  const t = twin(80);
  type(t, "UNLOCK 0000");
  for (const [line, load] of [["cal ct1 power 2.31kW", "2310.000"], ["CAL CT1 POWER 2310 W", "2310.000"], ["cal\tct1  power\t2300w", "2300.000"]]) {
    const answer = run(t, line);
    assert.match(answer, new RegExp(`ct1\\.gain \\d\\.\\d{6} -> \\d\\.\\d{6} \\(measured [\\d.]+ W, load ${load.replace(".", "\\.")} W\\)`), `${line}: ${answer}`);
  }
  assert.match(run(t, "cal voltage 230V"), /v\.gain 1\.000000 -> \d\.\d{6} \(measured [\d.]+ V, true 230\.000 V\)/);
  assert.match(type(t, "cal ct1 power 231V"), /error: cal takes ctN power <watts>[^\r]*, not '231V' \(the unit is W or kW, or none\); nothing was changed/);
  assert.match(type(t, "cal voltage 230 kV"), /\(the unit is V, or none\)/);
  assert.match(type(t, "set report.interval_s 20s"), /\r\nok\r\n/);
  assert.match(type(t, "set pulse1.filter_ms 5 ms"), /\r\nok\r\n/);
  assert.match(type(t, "set pulse1.filter_ms 5 s"), /error: pulse1\.filter_ms takes a number of ms from 0\.1 to 1000, not '5 s' \(the unit is ms, or none\)/);
  assert.match(type(t, "set ct1.offset_w -2.5W"), /\r\nok\r\n/);
  const config = type(t, "CONFIG");
  assert.match(config, /report\.interval_s = 20\r\n/);
  assert.match(config, /pulse1\.filter_ms = 5\.000\r\n/);
  assert.match(config, /ct1\.offset_w = -2\.500\r\n/);
});

test("terminal: case-insensitive words, arrow keys recall lines (never run as text), Backspace; ASCII and one CRLF per line", () => {
  const t = twin(2);
  assert.match(type(t, "HELP"), /commands \(\* = needs unlock/);
  assert.match(type(t, "Help Unlock"), /doubling/);
  // Up arrow recalls the last line; Left/Right and other sequences are dropped, never typed.
  const recalled = (() => { const b = t.consoleText.length; t.consoleInput(Buffer.from("id\r\x1b[A\x1b[D\x1b[C\r")); return t.consoleText.slice(b); })();
  assert.equal((recalled.match(/activemeter firmware/g) ?? []).length, 2, recalled);
  assert.doesNotMatch(recalled, /unknown command/);
  // A secret is never kept in the history.
  type(t, "unlock 97531");
  const b = t.consoleText.length;
  t.consoleInput(Buffer.from("\x1b[A\x1bOA\r"));
  const shown = t.consoleText.slice(b);
  assert.doesNotMatch(shown, /97531/);
  assert.doesNotMatch(shown, /^unlock/m, "Up skips the line with the PIN");
  // Backspace and DEL.
  assert.match((() => { const k = t.consoleText.length; t.consoleInput(Buffer.from("idd\x08\r")); return t.consoleText.slice(k); })(), /activemeter firmware/);
  type(t, "help cal");
  type(t, "status");
  type(t, "help set");
  const text = t.consoleText;
  for (let i = 0; i < text.length; i++) assert.ok(text.charCodeAt(i) < 0x80, `non-ASCII byte 0x${text.charCodeAt(i).toString(16)} at ${i}`);
  assert.doesNotMatch(text, /\r\r/, "no doubled CR");
  assert.doesNotMatch(text, /[^\r]\n/, "every line ends CRLF");
});
