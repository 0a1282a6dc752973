// The console tried as an attacker would, through the twin and the release firmware: PIN brute
// force across reboots and power cuts, flooding the logs, and secrets in every spelling.
// References are independent of the firmware: the lockout rule as docs/console.md states it
// (modelled here), the metrological log decoded from the flash image by the documented format,
// and the secrets the test itself typed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseScenario } from "../../host/sim/scenario.js";
import { Twin } from "../../host/sim/twin.js";
import { crc32 } from "../../host/frame/crc32.js";
import { decodeFrame, Keyring, hexToBytes } from "../../host/frame/index.js";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { packageRoot } from "../../host/paths.js";

// The page's module, loaded from its source (the page and the CLI use this very file).
const secrets = await import(pathToFileURL(path.join(packageRoot, "host", "web", "page", "console-secrets.js")).href) as {
  maskLine(line: string): string; hasSecret(line: string): boolean;
};

interface Extra { seconds?: number; outages?: { at_s: number; off_s: number }[]; flashImage?: Uint8Array }

function twin(extra: Extra = {}): Twin {
  return new Twin(parseScenario(JSON.stringify({
    format: "activemeter-scenario/1", board: "esp32-devkitc", seconds: extra.seconds ?? 1e8, console: [],
    ...(extra.outages ? { outages: extra.outages } : {}),
  })), undefined, {}, extra.flashImage ? { flashImage: extra.flashImage } : {});
}

function type(t: Twin, line: string): string {
  // Floods of thousands of lines: keep the transcript short (it ends with the prompt, as the twin needs).
  if (t.consoleText.length > 50_000) t.consoleText = t.consoleText.slice(-1000);
  const before = t.consoleText.length;
  t.typeLines([line]);
  return t.consoleText.slice(before);
}

function typeRaw(t: Twin, text: string): string {
  const before = t.consoleText.length;
  t.consoleInput(Buffer.from(text, "latin1"));
  return t.consoleText.slice(before);
}

/** Let `seconds` of simulated time pass (a board with nothing connected: one step at the end). */
function wait(t: Twin, seconds: number): void {
  t.clockUs += Math.round(seconds * 1e6) - 10_000;
  t.step();
}

function runFor(t: Twin, seconds: number): void {
  const end = t.clockUs + seconds * 1e6;
  while (t.clockUs < end) t.step();
}

// ---- the documented lockout rule (docs/console.md), written separately from the firmware ----
const FREE = 3, FIRST_WAIT_S = 60, MAX_WAIT_S = 3600;
function documentedWaitS(inARow: number): number {
  return inARow < FREE ? 0 : Math.min(FIRST_WAIT_S * 2 ** (inARow - FREE), MAX_WAIT_S);
}
/** PINs an attacker who waits out every delay gets checked in `seconds` (the documented figure). */
function documentedGuesses(seconds: number): number {
  let t = 0, n = 0;
  while (t <= seconds) { n++; t += documentedWaitS(n); }
  return n;
}
/** docs/console.md: "at most 31 PINs in the first 24 h, 24 per day after". */
const DOCUMENTED_FIRST_DAY = 31;

test("lockout: the documented arithmetic (31 guesses in the first day, then 24 a day)", () => {
  assert.equal(documentedGuesses(86_400), DOCUMENTED_FIRST_DAY);
  assert.equal(documentedGuesses(2 * 86_400) - documentedGuesses(86_400), 24);
});

test("brute force: 3 wrong PINs, reboot and a power cut do not undo the lockout; the right PIN waits out the grown delay", () => {
  const t = twin({ seconds: 1e6, outages: [{ at_s: 200, off_s: 5 }] });
  type(t, "unlock 0000");
  assert.match(type(t, "unlock 9999"), /wrong PIN \(1 in a row/);
  assert.match(type(t, "status"), /console locked/, "a wrong PIN closes an open session too");
  for (const pin of ["1111"]) assert.match(type(t, `unlock ${pin}`), /wrong PIN \(\d in a row, counted\); still locked/);
  assert.match(type(t, "unlock 3333"), /wrong PIN \(3 in a row, counted\); unlock is refused for 60 s/);
  assert.match(type(t, "reboot"), /ok: rebooting/);
  assert.equal(t.reboots, 1);
  assert.match(type(t, "status"), /console locked, wrong PINs 3 in a row \(3 in all\), unlock refused for 60 s/, "status reports the lockout after reboot");
  assert.match(type(t, "unlock 0000"), /error: too many wrong PINs \(3 in a row\): unlock is refused for 60 s more/, "the right PIN is refused after reboot");
  assert.match(type(t, "factory-reset"), /is protected/);
  wait(t, 61);
  // The 4th wrong PIN doubles the wait to 120 s.
  assert.match(type(t, "unlock 4444"), /wrong PIN \(4 in a row, counted\); unlock is refused for 120 s/);
  // Power cut at 200 s (scenario outage); the board starts again 5 s later.
  runFor(t, 200 - t.clockUs / 1e6 + 1);
  assert.equal(t.powerCuts, 1);
  assert.match(type(t, "status"), /wrong PINs 4 in a row \(4 in all\), unlock refused for 1[12]\d s/, "the lockout survived the power cut, its wait restarted");
  assert.match(type(t, "unlock 0000"), /error: too many wrong PINs \(4 in a row\)/);
  const restartS = 205;
  wait(t, restartS + documentedWaitS(4) - 2 - t.clockUs / 1e6);
  assert.match(type(t, "unlock 0000"), /error: too many wrong PINs/, "refused 2 s before the grown delay has passed");
  wait(t, 3);
  assert.match(type(t, "unlock 0000"), /ok: unlocked/, "accepted once the grown delay has passed");
  assert.match(type(t, "status"), /wrong PINs 0 in a row \(4 in all\)/);
});

test("brute force for a simulated day: waiting, rebooting or cutting power, no more guesses than documented", () => {
  for (const strategy of ["wait", "reboot", "power-cut"]) {
    const t = twin({ seconds: 1e6 });
    const startS = t.clockUs / 1e6;
    let checked = 0;
    let pin = 1;
    while (t.clockUs / 1e6 - startS <= 86_400) {
      const answer = type(t, `unlock ${String(pin).padStart(4, "0")}`);
      if (/wrong PIN \(/.test(answer)) { checked++; pin++; continue; }
      const m = /refused for (\d+) s more/.exec(answer);
      assert.ok(m, answer);
      if (strategy === "reboot") type(t, "reboot");
      // The earliest a board's answer can leave the UART: its CPU stalls on the flash write before it
      // (the twin writes console text at once and lets the flash finish later).
      if (strategy === "power-cut") t.powerCut(Math.max(t.clockUs, t.flashDriver.busyUntilUs), 1_000_000);
      const left = strategy === "wait" ? Number(m[1]) : /refused for (\d+) s/.exec(type(t, "status"))?.[1];
      wait(t, Number(left ?? 0) + 0.02);
    }
    assert.ok(checked <= DOCUMENTED_FIRST_DAY, `${strategy}: ${checked} PINs checked in a day, documented at most ${DOCUMENTED_FIRST_DAY}`);
    if (strategy === "wait") assert.equal(checked, documentedGuesses(86_400), "the firmware follows the documented rule");
  }
});

// ---- metrological log -----------------------------------------------------------------------
interface MetroRecord { seq: number; counter: number; type: number; key: number; oldV: bigint; newV: bigint }

/** The metrological log decoded from a flash image as docs/console.md describes it (last two sectors, 40-byte records). */
function readMetrolog(image: Uint8Array, sectorBytes: number, sectors: number): MetroRecord[] {
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const out: MetroRecord[] = [];
  for (let s = sectors - 2; s < sectors; s++) {
    for (let at = s * sectorBytes; at + 40 <= (s + 1) * sectorBytes; at += 40) {
      if (image.subarray(at, at + 40).every((b) => b === 0xff)) continue;
      if (view.getUint32(at + 36, true) !== crc32(image, at, at + 36)) continue;
      out.push({ seq: view.getUint32(at, true), counter: view.getUint32(at + 4, true), type: view.getUint16(at + 16, true), key: view.getUint16(at + 18, true),
        oldV: view.getBigInt64(at + 20, true), newV: view.getBigInt64(at + 28, true) });
    }
  }
  return out.sort((a, b) => a.seq - b.seq);
}

const EV_CONFIG = 1, EV_RESET = 3, EV_KEY = 4, EV_ACK = 20;
const KEY_PIN = 230;

test("log eviction: 10 000 wrong PINs and 1 000 unprotected commands remove no legally relevant record; a full log refuses the next protected change", () => {
  const t = twin();
  const board = t.scenario.board;
  const legal = ["unlock 0000", "set ct1.gain 1.012345", "set pulse1.wh_per_pulse 2.5", "key set 00112233445566778899aabbccddeeff", "zero pulse1.wh", "set console.pin 97531"];
  for (const line of legal) assert.doesNotMatch(type(t, line), /error/, line);
  type(t, "lock");
  const before = readMetrolog(t.flash.data, board.flash.sector_bytes, board.flash.sectors);
  const changes = before.filter((r) => r.type !== 2); // the firmware identity of the first start-up is one too
  assert.deepEqual(changes.map((r) => r.type), [EV_CONFIG, EV_CONFIG, EV_KEY, EV_RESET, EV_CONFIG]);
  assert.equal(changes[0].newV, 1_012_345n, "ct1.gain in millionths");
  assert.equal(changes[4].key, KEY_PIN);
  assert.ok(!changes.some((r) => r.newV === 0x3133353739n || r.oldV === 0x3133353739n), "the PIN's digits are not in the record");

  // 10 000 wrong PINs, each one checked (the attacker waits out every delay).
  let wrong = 0;
  while (wrong < 10_000) {
    const answer = type(t, `unlock ${String(wrong % 9000 + 1000)}`);
    if (/wrong PIN \(/.test(answer)) { wrong++; continue; }
    const m = /refused for (\d+) s more/.exec(answer);
    assert.ok(m, answer);
    wait(t, Number(m[1]) + 0.02);
  }
  for (let i = 0; i < 1000; i++) assert.match(type(t, i % 2 ? `set report.interval_s ${10 + (i % 50)}` : `SET\tpulse1.timeout_s ${60 + (i % 50)}`), /\r\nok\r\n/);
  assert.match(type(t, "status"), new RegExp(`wrong PINs 10000 in a row \\(10000 in all\\)`));
  const after = readMetrolog(t.flash.data, board.flash.sector_bytes, board.flash.sectors);
  assert.deepEqual(after, before, "not one metrological record was added, lost or changed by the flood");
  const shown = type(t, "metrolog");
  assert.match(shown, /setting ct1\.gain 1\.000000 -> 1\.012345/);
  assert.match(shown, /setting console\.pin changed \(not shown\)/);
  assert.match(shown, /register reset pulse1\.wh/);
  assert.match(shown, /wrong PINs: 10000 since manufacture, 10000 in a row/);

  // Fill it: protected changes until one is refused.
  wait(t, 3601);
  assert.match(type(t, "unlock 97531"), /ok: unlocked/);
  let refused = "";
  let made = 0;
  for (let i = 0; i < 1000 && !refused; i++) {
    const answer = type(t, `set ct1.gain ${i % 2 ? "1.1" : "1.2"}`);
    if (/error/.test(answer)) refused = answer; else made++;
  }
  assert.match(refused, /error: the metrological log is full \(\d+ records not acknowledged\): read it out with metrolog, then metrolog ack; nothing was changed/);
  const full = readMetrolog(t.flash.data, board.flash.sector_bytes, board.flash.sectors);
  assert.equal(full.length, 2 * Math.floor(board.flash.sector_bytes / 40) - 3, "full = capacity less the 3 reserved records");
  assert.deepEqual(full.slice(0, before.length), before, "the oldest records are still there");
  assert.match(type(t, "config"), /ct1\.gain = 1\.(1|2)00000/);
  const gainBefore = /ct1\.gain = ([\d.]+)/.exec(type(t, "config"))![1];
  assert.match(type(t, "zero pulse1.wh"), /metrological log is full/);
  assert.match(type(t, "key set 00112233445566778899aabbccddeeff"), /metrological log is full/);
  assert.match(type(t, "cal ct1 power 100"), /metrological log is full/);
  assert.match(type(t, "config"), new RegExp(`ct1\\.gain = ${gainBefore.replace(".", "\\.")}`), "the refused change changed nothing");
  assert.match(type(t, "set report.interval_s 12"), /\r\nok\r\n/, "unprotected settings still work");

  // Acknowledge: only after a whole read-out, only unlocked; the ack is itself recorded.
  assert.match(type(t, "metrolog ack"), /error: read the whole log out first/);
  assert.match(type(t, "metrolog 5"), /metrological log, newest first/);
  assert.match(type(t, "metrolog ack"), /error: read the whole log out first/, "a partial read-out is not a read-out");
  const readout = type(t, "metrolog");
  assert.equal((readout.match(/^\[\d+\] #\d+ boot/mg) ?? []).length, full.length, "the read-out prints every record");
  type(t, "lock");
  assert.match(type(t, "metrolog ack"), /is protected/);
  type(t, "unlock 97531");
  assert.match(type(t, "metrolog ack"), /ok: metrological log acknowledged up to record \d+/);
  const acked = readMetrolog(t.flash.data, board.flash.sector_bytes, board.flash.sectors);
  assert.equal(acked[acked.length - 1].type, EV_ACK);
  assert.match(type(t, "set ct1.gain 1.05"), /\r\nok\r\n/, "protected changes work again after the acknowledgement");
  // The event counter in frames kept counting through all of it (frames are signed with the console's key now).
  const keyring = new Keyring();
  keyring.set(board.node_id, hexToBytes("00112233445566778899aabbccddeeff"), 2); // the console key follows the board key (version 1): version 2
  wait(t, 3600); // report.interval_s was set up to 59 s above
  const newest = readMetrolog(t.flash.data, board.flash.sector_bytes, board.flash.sectors).at(-1)!;
  const frame = decodeFrame(t.frames[t.frames.length - 1], { keys: keyring });
  assert.ok(newest.counter > full[full.length - 1].counter, "the event counter went on counting past the full log");
  assert.ok(frame.event_counter >= newest.counter, `the frame's event counter ${frame.event_counter} includes record ${newest.counter}`);
  assert.ok(made > 150);
});

// ---- masking ------------------------------------------------------------------------------------
function spell(word: string, r: () => number): string {
  return [...word].map((c) => (r() < 0.5 ? c.toUpperCase() : c)).join("");
}

function spellings(): { line: string; secret: string }[] {
  let x = 0x2545f491;
  const r = () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x / 2 ** 32; };
  const gaps = [" ", "  ", "\t", " \t ", "\t\t", "   "];
  const gap = () => gaps[Math.floor(r() * gaps.length)];
  const out: { line: string; secret: string }[] = [];
  for (let i = 0; i < 80; i++) {
    const pin = String(10000 + Math.floor(r() * 89999));
    out.push({ line: `${r() < 0.3 ? gap() : ""}${spell("unlock", r)}${gap()}${pin}${r() < 0.3 ? gap() : ""}`, secret: pin });
    const hex = [...Array(32)].map(() => "0123456789abcdefABCDEF"[Math.floor(r() * 22)]).join("");
    out.push({ line: `${r() < 0.3 ? gap() : ""}${spell("key", r)}${gap()}${spell("set", r)}${gap()}${hex}`, secret: hex });
    const newPin = String(10000 + Math.floor(r() * 89999));
    out.push({ line: `${r() < 0.3 ? gap() : ""}${spell("set", r)}${gap()}${spell("console.pin", r)}${gap()}${newPin}${r() < 0.3 ? gap() : ""}`, secret: newPin });
  }
  // Typed without the blank, or with a stray character: still never echoed.
  out.push({ line: "unlock13579", secret: "13579" }, { line: "UNLOCK\t\t24680", secret: "24680" }, { line: "set console.pin=86420", secret: "86420" },
    { line: "key 00112233445566778899aabbccddeeff", secret: "00112233445566778899aabbccddeeff" });
  return out;
}

/** A secret shows if any 5 of its characters in a row appear in the text. */
function shows(text: string, secret: string): boolean {
  for (let i = 0; i + 5 <= secret.length; i++) if (text.toLowerCase().includes(secret.slice(i, i + 5).toLowerCase())) return true;
  return false;
}

test("masking: 244 spellings of unlock, key set and set console.pin never echo the secret (firmware, page and CLI rule)", () => {
  const cases = spellings();
  assert.ok(cases.length >= 200);
  const t = twin();
  for (const { line, secret } of cases) {
    const shown = typeRaw(t, `${line}\r`);
    assert.ok(!shows(shown, secret), `${JSON.stringify(line)} echoed ${JSON.stringify(shown)}`);
    const echo = shown.slice(0, shown.indexOf("\r\n"));
    assert.equal(echo.length, line.length, "one echoed character per typed one");
    assert.equal((echo.match(/\*/g) ?? []).length >= secret.length, true, `${JSON.stringify(echo)} masks the secret`);
    // The host side's rule (browser page, activemeter console) gives the same mask.
    const masked = secrets.maskLine(line);
    assert.ok(!shows(masked, secret), `host mask of ${JSON.stringify(line)}: ${masked}`);
    assert.equal(masked, echo, `host and firmware mask ${JSON.stringify(line)} alike`);
    assert.ok(secrets.hasSecret(line));
  }
  // Wrong PINs above were real attempts: the transcript holds none of the secrets either.
  for (const { secret } of cases) assert.ok(!shows(t.consoleText, secret)); // (the whole transcript: typeRaw never trims it)
});

test("metrological log on damaged flash: a record cut by a power failure is not damage; a bad older record is, and is logged", () => {
  const t = twin({ seconds: 100 });
  const board = t.scenario.board;
  for (const line of ["unlock 0000", "set ct1.gain 1.1", "set ct1.gain 1.2", "set ct1.gain 1.3"]) type(t, line);
  const base = (board.flash.sectors - 2) * board.flash.sector_bytes;
  const records = readMetrolog(t.flash.data, board.flash.sector_bytes, board.flash.sectors);
  assert.equal(records.length, 4, "identity + three gains");
  // The newest record half programmed (bits still 1 where the cut stopped): a torn write.
  const torn = t.flash.data.slice();
  torn.fill(0xff, base + 3 * 40 + 20, base + 4 * 40);
  const a = twin({ seconds: 100, flashImage: torn });
  assert.doesNotMatch(type(a, "metrolog"), /store damage/, "a cut write is not damage");
  const flags = (x: Twin) => parseInt(/status flags 0x([0-9a-f]{4})/.exec(type(x, "status"))![1], 16);
  assert.equal(flags(a) & 0x10, 0, "no store_corrupt flag");
  assert.match(type(a, "metrolog"), /setting ct1\.gain 1\.100000 -> 1\.200000/);
  // An older record with a flipped bit: damage, logged in the metrological log.
  const flipped = t.flash.data.slice();
  flipped[base + 1 * 40 + 30] ^= 0x04;
  const b = twin({ seconds: 100, flashImage: flipped });
  assert.match(type(b, "metrolog"), /store damage found at start-up \(metrolog \)/);
  assert.equal(flags(b) & 0x10, 0x10, "store_corrupt flag set");
});
