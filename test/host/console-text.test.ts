// The release build keeps the console's text as ASCII bytes (host/firmware/console-text.ts).
// Reference: the same sources compiled plainly by asc (every literal an AssemblyScript string)
// (unoptimised, to keep the test short) must answer every line byte for byte alike; and the release module holds the messages as
// ASCII, not as UTF-16.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import asc from "assemblyscript/asc";
import { parseScenario } from "../../host/sim/scenario.js";
import { Twin } from "../../host/sim/twin.js";
import { loadFirmwareImage } from "../../host/firmware/firmware.js";
import type { FirmwareImage } from "../../host/firmware/firmware.js";
import { firmwarePath, packageRoot } from "../../host/paths.js";
import { ConsoleTextTable, PAIR_TOKENS, joinRuns } from "../../host/firmware/console-text.js";

const LINES = ["help", "HELP SET", "help unlock", "help metrolog", "help cal", "set node.id 5", "frobnicate", "unlock1234", "unlock 0000", "set report.interval_s 5 kW",
  "cal voltage 20", "cal ct1 power 2.31 kW", "set ct1.gain 3", "set console.pin 12", "config", "status", "metrolog", "log 3", "key set 00", "zero nothing", "metrolog ack", "id",
  "out", "help out", "out 1 on 5", "set out1.on_w 2.1kW", "set out1.min_on_s 5 W", "out 1 auto", "log 2"];

function transcript(image: FirmwareImage): string {
  const t = new Twin(parseScenario(JSON.stringify({ format: "activemeter-scenario/1", board: "esp32-devkitc", seconds: 1, console: LINES })), image);
  // The identity differs (two different modules): the rest must not.
  return t.consoleText.replace(/[0-9a-f]{64}/g, "<sha>").replace(/identity [0-9a-f]{16}\.\.\./g, "identity <sha>...");
}

test("the release module answers exactly as the same sources compiled with plain string literals", async () => {
  const outputs = new Map<string, Uint8Array | string>();
  const { error, stderr } = await asc.main(["assembly/index.ts", "--target", "release", "--outFile", "plain.wasm", "--textFile", "plain.wat", "--optimizeLevel", "0", "--shrinkLevel", "0",
    // Plain literals are UTF-16 with headers: their static data no longer fits the release build's one page.
    "--initialMemory", "2", "--maximumMemory", "2", "--baseDir", packageRoot], {
    writeFile: (name: string, contents: Uint8Array | string) => { outputs.set(name.split("/").pop()!, contents); },
    stdout: { write: () => true } as any,
  } as any);
  assert.equal(error, null, String(stderr));
  const plainBytes = new Uint8Array(outputs.get("plain.wasm") as Uint8Array);
  const plain: FirmwareImage = { ...loadFirmwareImage(), bytes: plainBytes, module: new WebAssembly.Module(plainBytes) } as FirmwareImage;
  const release = loadFirmwareImage();
  assert.equal(transcript(release), transcript(plain));
});

test("the release module holds console text compressed, never as UTF-16, and the build refuses non-ASCII text", () => {
  const wasm = fs.readFileSync(firmwarePath);
  const message = "is protected: unlock first";
  assert.ok(!wasm.includes(Buffer.from(message, "latin1")), "stored byte-pair compressed, not as plain ASCII");
  assert.ok(!wasm.includes(Buffer.from(message, "utf16le")), "no UTF-16 copy");
  assert.ok(!wasm.includes(Buffer.from("nothing was changed", "utf16le")));
  const table = new ConsoleTextTable();
  assert.throws(() => table.rewrite('out("phase \\u00b1 8");', "x.ts"), /printable ASCII/);
  assert.throws(() => table.rewrite('outLine("10°");', "x.ts"), /printable ASCII, not U\+00b0/);
  const a = table.rewrite('out("abc"); outLine("abc"); const t = T("de");', "y.ts");
  assert.match(a, /__outText\(0\); __outLineText\(0\); const t = <u32>1;/, "identical texts share their number; T(...) is the number");
  // Text n starts at index entry n and ends where n + 1 starts: "abc" 3 bytes, then "de" 2.
  assert.match(table.module(), /CONSOLE_INDEX: usize = memory.data<u16>\(\[0,3,5\]\)/);
});

/** Text bytes: printable ASCII, BS, LF, CR; every other byte is a token (docs/console.md). */
const isText = (b: number) => (b >= 0x20 && b <= 0x7e) || b === 0x08 || b === 0x0a || b === 0x0d;

/** Expands byte-pair tokens, written apart from assembly/console/out.ts: a token is replaced by its pair until none is left. */
function expand(bytes: number[], pairs: Map<number, number[]>): string {
  let symbols = bytes;
  while (!symbols.every(isText)) symbols = symbols.flatMap((b) => (isText(b) ? [b] : pairs.get(b)!));
  return String.fromCharCode(...symbols);
}

test("byte-pair compression: every text comes back exactly, shorter, with pairs never spanning two texts", () => {
  const corpus = ["error: set takes a number", "error: cal takes a number", "usage: set <key> <value>", "nothing was changed", "error: nothing was changed"];
  const table = new ConsoleTextTable(corpus);
  // The pair table as the module gets it (CONSOLE_PAIRS in the generated text.ts).
  const listed = /CONSOLE_PAIRS: usize = memory.data<u8>\(\[([0-9,]*)\]\)/.exec(table.module());
  assert.ok(listed, "text.ts declares the pair table");
  const flat = listed[1].split(",").map(Number);
  // Token t's pair at 2 * (t < 0x20 ? t : t - 0x5f): the control bytes first, then 0x7f..0xff.
  const pairs = new Map<number, number[]>();
  for (let t = 0; t < 0x100; t++) {
    const at = 2 * (t < 0x20 ? t : t - 0x5f);
    if (!isText(t) && t !== 0 && at + 1 < flat.length) pairs.set(t, [flat[at], flat[at + 1]]);
  }
  assert.ok(pairs.size > 0 && PAIR_TOKENS.every((t) => !isText(t) && t !== 0), "tokens are bytes no text holds");
  let stored = 0, plain = 0;
  for (const text of [...corpus, "an untrained text: set a number"]) {
    const bytes = table.compress(text);
    assert.ok(bytes.every((b) => b >= 0 && b <= 0xff));
    assert.equal(expand(bytes, pairs), text);
    stored += bytes.length; plain += text.length;
  }
  assert.ok(stored < 0.8 * plain, `compressed ${stored} of ${plain} bytes`);
  // An empty corpus learns nothing: texts stay plain ASCII.
  assert.deepEqual(new ConsoleTextTable().compress("abc"), [0x61, 0x62, 0x63]);
});

test("literal out/outLine runs are joined into one call only where both run unconditionally", () => {
  // Reference: what each statement writes, worked out by hand (outLine adds CR LF).
  assert.equal(joinRuns(`{\n  outLine("a");\n  out("b");\n  outLine("c");\n}`), `{\n  outLine("a\\r\\nbc");\n}`);
  assert.equal(joinRuns(`x();\n out("a"); out("b");\n y();`), `x();\n out("ab");\n y();`);
  // The first call is an if's or else's body: nothing joined; the two after it are unconditional.
  const guarded = `if (v) outLine("a");\n outLine("b");\n outLine("c");`;
  assert.equal(joinRuns(guarded), `if (v) outLine("a");\n outLine("b\\r\\nc");`);
  assert.equal(joinRuns(`} else outLine("a");\n outLine("b");`), `} else outLine("a");\n outLine("b");`);
  // A comment or any other code between them ends a run.
  const commented = `{ outLine("a");\n // why\n outLine("b"); }`;
  assert.equal(joinRuns(commented), commented);
  assert.equal(joinRuns(`{ outLine("a\\"q"); outLine("b"); }`), `{ outLine("a\\"q\\r\\nb"); }`);
});
