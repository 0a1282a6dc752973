// The installer console's commands through the twin and the release firmware: id, protection
// (unlock, lock, timeout, wrong PINs), key set (write-only), zero, factory-reset, log, reboot.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseScenario } from "../../host/sim/scenario.js";
import { Twin } from "../../host/sim/twin.js";
import { decodeFrame, Keyring, testKey, hexToBytes } from "../../host/frame/index.js";

interface Extra { seconds?: number; board?: string; pulse?: object; flashImage?: Uint8Array }

function twin(lines: string[] = [], extra: Extra = {}): Twin {
  return new Twin(parseScenario(JSON.stringify({
    format: "activemeter-scenario/1", board: extra.board ?? "esp32-devkitc", seconds: extra.seconds ?? 1, console: lines,
    ...(extra.pulse ? { pulse: extra.pulse } : {}),
  })), undefined, {}, extra.flashImage ? { flashImage: extra.flashImage } : {});
}

/** Type one line and return what the terminal shows for it (echo, answer, prompt). */
function type(t: Twin, line: string): string {
  const before = t.consoleText.length;
  t.typeLines([line]);
  return t.consoleText.slice(before);
}

function runFor(t: Twin, seconds: number): void {
  const end = t.clockUs + seconds * 1e6;
  while (t.clockUs < end) t.step();
}

test("id: versions, node id and the SHA-256 of the module the board runs", () => {
  const t = twin();
  const out = type(t, "id");
  assert.match(out, /^id\r\nactivemeter firmware \d+\.\d+\.\d+, ABI 1, node 4097\r\n/);
  assert.ok(out.includes(`software identity (SHA-256 of the firmware module): ${t.image.sha256}\r\n`), out);
  assert.ok(out.endsWith("\r\nam> "));
});

test("help <command> for every command; unknown commands and help topics say what to do", () => {
  const t = twin();
  for (const cmd of ["help", "id", "status", "config", "set", "save", "reboot", "log", "unlock", "lock", "key", "zero", "factory-reset", "cal"]) {
    const out = type(t, `help ${cmd}`);
    assert.ok(!out.includes("error:"), `help ${cmd}: ${out}`);
    assert.ok(out.split("\r\n").length >= 3, `help ${cmd} says something`);
  }
  assert.match(type(t, "frobnicate"), /error: unknown command 'frobnicate' \(try help\)/);
  assert.match(type(t, "help frobnicate"), /error: no help for 'frobnicate' \(try help\)/);
});

test("protection: locked changes are refused and change nothing; unlock, lock, and a wrong PIN", () => {
  const t = twin();
  assert.match(type(t, "set node.id 42"), /error: node\.id is protected: unlock first \(unlock <pin>, see help unlock\); nothing was changed/);
  assert.match(type(t, "set ct1.gain 1.05"), /error: ct1\.gain is protected/);
  assert.match(type(t, "set pulse1.wh_per_pulse 2"), /error: pulse1\.wh_per_pulse is protected/);
  assert.match(type(t, "set heat1.l_per_pulse 2"), /error: heat1\.l_per_pulse is protected/);
  assert.match(type(t, "zero pulse1.wh"), /error: zero is protected/);
  assert.match(type(t, "key set 000102030405060708090a0b0c0d0e0f"), /error: key set is protected/);
  assert.match(type(t, "cal ct1 power 2300"), /error: cal is protected/);
  assert.match(type(t, "factory-reset"), /error: factory-reset is protected/);
  assert.match(type(t, "set report.interval_s 5"), /\r\nok\r\n/, "report.interval_s is not legally relevant");
  assert.match(type(t, "set pulse1.timeout_s 60"), /\r\nok\r\n/);
  assert.match(type(t, "set pulse1.frobnicate 1"), /error: unknown key 'pulse1\.frobnicate'/, "an unknown key is named, locked or not");
  const config = type(t, "config");
  assert.match(config, /node\.id = 4097/);
  assert.match(config, /ct1\.gain = 1\.000000/);
  assert.match(type(t, "status"), /console locked/);

  const wrong = type(t, "unlock 1234");
  assert.equal(wrong, "unlock ****\r\nerror: wrong PIN (1 in a row, counted); still locked\r\nam> ", "the PIN is echoed as *");
  assert.match(type(t, "set node.id 42"), /is protected/);
  assert.match(type(t, "unlock 0000"), /ok: unlocked; locks after 300 s without a command/);
  assert.match(type(t, "status"), /console unlocked/);
  assert.match(type(t, "set node.id 42"), /\r\nok\r\n/);
  assert.match(type(t, "lock"), /ok: locked/);
  assert.match(type(t, "set node.id 43"), /is protected/);
  assert.match(type(t, "config"), /node\.id = 42\r\n/);
  const log = type(t, "log 3");
  assert.match(log, /setting node\.id 4097 -> 42/);
  assert.doesNotMatch(log, /unlock refused/, "wrong PINs are counted, not logged one by one");
  assert.match(type(t, "status"), /wrong PINs 0 in a row \(1 in all\)/);
});

test("three wrong PINs make unlock wait 60 s; the right PIN works after that", () => {
  const t = twin([], { seconds: 200 });
  type(t, "unlock 1111");
  type(t, "unlock 2222");
  assert.match(type(t, "unlock 3333"), /unlock is refused for 60 s/);
  assert.match(type(t, "unlock 0000"), /error: too many wrong PINs \(3 in a row\): unlock is refused for 60 s more/);
  assert.match(type(t, "status"), /wrong PINs 3 in a row \(3 in all\), unlock refused for 60 s/);
  runFor(t, 61);
  assert.match(type(t, "unlock 0000"), /ok: unlocked/);
  assert.match(type(t, "status"), /wrong PINs 0 in a row \(3 in all\)/);
});

test("an unlocked session locks itself after console.lock_s without a command; the timeout is a protected setting", () => {
  const t = twin([], { seconds: 1000 });
  type(t, "unlock 0000");
  runFor(t, 299);
  assert.match(type(t, "set node.id 42"), /\r\nok\r\n/, "299 s idle: still unlocked (and the command restarts the timer)");
  runFor(t, 301);
  assert.match(type(t, "set node.id 43"), /is protected/, "301 s idle: locked");
  assert.match(type(t, "set console.lock_s 60"), /is protected/);
  type(t, "unlock 0000");
  assert.match(type(t, "set console.lock_s 10"), /error: console\.lock_s takes a whole number of seconds from 30 to 86400, not '10'/);
  assert.match(type(t, "set console.lock_s 60"), /\r\nok\r\n/);
  assert.match(type(t, "config"), /console\.lock_s = 60\r\n/);
  runFor(t, 61);
  assert.match(type(t, "status"), /console locked/);
});

test("the PIN: changed only when unlocked, echoed as *, never shown or logged, kept by save", () => {
  const t = twin([], { board: "esp32c3-mini" });
  type(t, "unlock 0000");
  assert.match(type(t, "set console.pin 12ab"), /error: console\.pin takes 4 to 8 digits; nothing was changed/);
  const set = type(t, "set console.pin 73519");
  assert.equal(set, "set console.pin *****\r\nok\r\nam> ");
  type(t, "save");
  type(t, "lock");
  assert.match(type(t, "unlock 0000"), /wrong PIN/);
  assert.match(type(t, "unlock 73519"), /ok: unlocked/);
  const shown = type(t, "config") + type(t, "log 20") + type(t, "status");
  assert.ok(!shown.includes("73519"), shown);
  assert.match(shown, /setting console\.pin changed \(not shown\)/);
  // survives a reboot (flash kept)
  type(t, "reboot");
  assert.match(type(t, "unlock 0000"), /wrong PIN/);
  assert.match(type(t, "unlock 73519"), /ok: unlocked/);
});

test("key set: frames verify with the new key; the key never appears in any output; save keeps it across a power cut", () => {
  const hex = "5f3a9c0e11d2b4a68790cafe0badf00d";
  const key = hexToBytes(hex);
  const t = twin([], { seconds: 120, board: "esp32c3-mini" });
  runFor(t, 11);
  const oldFrames = t.frames.length;
  assert.ok(oldFrames >= 1);
  type(t, "unlock 0000");
  assert.match(type(t, "key set 0011"), /error: key set takes exactly 32 hex digits \(16 bytes\); nothing was changed/);
  assert.match(type(t, "key set " + "g".repeat(32)), /error: key set takes hex digits 0-9, a-f only/);
  const answer = type(t, `key set ${hex}`);
  assert.equal(answer, `key set ${"*".repeat(32)}\r\nok: key loaded; frames are signed with it from now on; save keeps it across power cuts\r\nam> `);
  runFor(t, 21);
  const node = 8193;
  const newRing = new Keyring();
  newRing.set(node, key);
  const oldRing = new Keyring();
  oldRing.set(node, testKey(node));
  assert.doesNotThrow(() => decodeFrame(t.frames[0], { keys: oldRing }), "frames before: the board's key");
  const after = t.frames.slice(oldFrames);
  assert.ok(after.length >= 2);
  for (const f of after) {
    assert.equal(decodeFrame(f, { keys: newRing }).authenticated, true);
    assert.throws(() => decodeFrame(f, { keys: oldRing }), /MAC mismatch/);
  }
  type(t, "save");
  assert.match(type(t, "log 5"), /frame key set on the console \(not shown\)/);
  runFor(t, 1); // the flash writes of save take ~50 ms: a cut right away would tear them
  t.powerCut(t.clockUs, 1_000_000);
  const cutFrames = t.frames.length;
  runFor(t, 21);
  const late = t.frames.slice(cutFrames);
  assert.ok(late.length >= 1);
  for (const f of late) assert.equal(decodeFrame(f, { keys: newRing }).authenticated, true, "the saved key wins over the board's key after a power cut");
  type(t, "config");
  type(t, "status");
  const everything = t.consoleText.toLowerCase();
  assert.ok(!everything.includes(hex), "the key's digits never appear");
  for (let i = 0; i + 8 <= 32; i += 4) assert.ok(!everything.includes(hex.slice(i, i + 8)), "not even part of it");
});

test("zero: a cumulative register goes to 0, logged, committed at once: it stays 0 after a power cut", () => {
  const t = twin([], { seconds: 200, pulse: { pulse1: { hz: 5 } } });
  runFor(t, 100);
  const before = t.registers()["pulse1.wh"];
  assert.ok(before > 400);
  type(t, "unlock 0000");
  assert.match(type(t, "zero pulse1.power_w"), /error: 'pulse1\.power_w' is not a cumulative register of this board/);
  assert.match(type(t, "zero pulse3.wh"), /is not a cumulative register/);
  assert.match(type(t, "zero pulse1.wh"), /pulse1\.wh = 0 \(logged; committed to flash\)/);
  assert.equal(t.registers()["pulse1.wh"], 0);
  assert.ok(t.registers()["pulse1.count"] > 400, "only that register");
  runFor(t, 0.5);
  t.powerCut(t.clockUs, 500_000);
  const r = t.registers();
  assert.ok(r["pulse1.wh"] < 10, `after the cut pulse1.wh resumes from 0, not ${before} (got ${r["pulse1.wh"]})`);
  assert.match(type(t, "log 3"), new RegExp(`register reset pulse1\\.wh ${before.toFixed(6).replace(".", "\\.")} -> 0\\.000000`));
});

test("factory-reset: settings, PIN and console key to defaults, logged; registers kept; reboots", () => {
  const t = twin([], { seconds: 100, pulse: { pulse1: { hz: 2 } } });
  runFor(t, 40);
  type(t, "unlock 0000");
  type(t, "set pulse1.wh_per_pulse 2");
  type(t, "set node.id 77");
  type(t, "set console.pin 4444");
  type(t, "key set 00112233445566778899aabbccddeeff");
  type(t, "save");
  runFor(t, 10);
  const wh = t.registers()["pulse1.wh"];
  assert.ok(wh > 90, `${wh}`);
  const out = type(t, "factory-reset");
  assert.match(out, /ok: settings, PIN and console key erased \(logged\); registers kept; rebooting with the defaults\r\nam> $/);
  assert.equal(t.reboots, 1);
  assert.ok(t.registers()["pulse1.wh"] >= wh, "registers kept exactly (committed before the restart)");
  const config = type(t, "config");
  assert.match(config, /node\.id = 4097/);
  assert.match(config, /pulse1\.wh_per_pulse = 1\.000000/);
  assert.match(type(t, "unlock 0000"), /ok: unlocked/, "the PIN is the default again");
  assert.match(type(t, "log 10"), /factory reset: settings, PIN and console key to defaults/);
  // the copies are gone: a power cut brings back nothing
  runFor(t, 1);
  t.powerCut(t.clockUs, 100_000);
  assert.match(type(t, "config"), /node\.id = 4097/);
  // the board's key signs frames again
  const ring = new Keyring();
  ring.set(4097, testKey(4097));
  const n = t.frames.length;
  runFor(t, 11);
  assert.ok(t.frames.length > n);
  assert.equal(decodeFrame(t.frames[t.frames.length - 1], { keys: ring }).authenticated, true);
});

test("reboot restarts the firmware like a power cycle: flash kept, unsaved settings lost, event log intact", () => {
  const t = twin([], { seconds: 60, pulse: { pulse1: { hz: 2 } } });
  runFor(t, 20);
  type(t, "unlock 0000");
  type(t, "set node.id 50");
  type(t, "save");
  type(t, "set node.id 51");
  const out = type(t, "reboot");
  assert.equal(out, "reboot\r\nok: rebooting (settings not saved are lost)\r\nam> ");
  assert.equal(t.reboots, 1);
  assert.match(type(t, "config"), /node\.id = 50\r\n/);
  assert.match(type(t, "status"), /console locked/, "a reboot locks");
  assert.ok(t.registers()["pulse1.count"] >= 30);
  const log = type(t, "log 4");
  assert.match(log, /setting node\.id 50 -> 51/);
  assert.match(log, /setting node\.id 4097 -> 50/);
  assert.match(log, /^#\d+ boot \d+ up \d+ s: /m);
});

test("log: newest first, a count, bad counts refused; the scenario contract's transcript stays terminal-exact", () => {
  const t = twin(["unlock 0000", "set report.interval_s 7", "set report.interval_s 8", "log 2", "log 0", "log x"]);
  const text = t.consoleText;
  assert.match(text, /am> log 2\r\nevent log, newest first \(\d+ events since manufacture\):\r\n#\d+ boot 1 up 0 s: setting report\.interval_s 7 -> 8\r\n#\d+ boot 1 up 0 s: setting report\.interval_s 10 -> 7\r\nam> /);
  assert.match(text, /error: log takes a number of events from 1 to 250, not '0'/);
  assert.match(text, /error: log takes a number of events from 1 to 250, not 'x'/);
  assert.ok(text.startsWith("am> unlock ****\r\nok: unlocked"));
  assert.ok(text.endsWith("am> "));
  assert.ok(!/[^\r]\n/.test(text), "every line ends CRLF");
});

test("cal refuses what it cannot do, and changes nothing", () => {
  const t = twin(["unlock 0000", "cal", "cal ct3 power 100", "cal ct1 power abc", "cal ct1 power 5", "cal voltage 20", "cal ct1 frob", "cal frob",
    "cal ct1 power 2300", "config"], { seconds: 10 });
  runFor(t, 5);
  const text = t.consoleText;
  assert.match(text, /error: usage: cal voltage <volts> \| cal ctN power <watts> \| cal ctN phase/);
  assert.match(text, /error: this board has no clamp ct3/);
  assert.match(text, /error: cal takes ctN power <watts>: the known resistive load from 10 to 100000 W \(2310, 2310W, 2310 W or 2\.31kW\), not 'abc'/);
  assert.match(text, /error: cal takes voltage <volts>: the true mains voltage from 50 to 500 V \(230, 230V or 230 V\), not '20'/);
  assert.match(text, /error: cal takes voltage or a clamp ctN, not 'frob'/);
  // no mains in this scenario: the measurement gives up
  assert.match(text, /ct1: measuring over 5 s of whole mains cycles; Ctrl-C cancels\r\nerror: no (measurement|mains voltage)[^\r]*; nothing was changed\r\nam> config/);
  assert.match(text, /ct1\.gain = 1\.000000/);
});
