// The twin's NOR flash behaves as NOR flash does (erase to 0xFF, program clears bits only).
import { test } from "node:test";
import assert from "node:assert/strict";
import { NorFlash, FlashError } from "../../host/sim/flash.js";
import { Random } from "../../host/sim/random.js";

test("erased flash reads 0xFF; programming only clears bits; erase restores a whole sector", () => {
  const f = new NorFlash(4096, 4);
  assert.ok(f.read(0, 16384).every((b) => b === 0xff));
  f.program(10, Uint8Array.from([0x0f, 0xf0]));
  f.program(10, Uint8Array.from([0xf3, 0xff]));
  assert.deepEqual([...f.read(10, 2)], [0x03, 0xf0], "0x0f & 0xf3 = 0x03: a 0 bit never becomes 1 by programming");
  f.program(4096, Uint8Array.from([0]));
  f.erase(0);
  assert.ok(f.read(0, 4096).every((b) => b === 0xff));
  assert.equal(f.read(4096, 1)[0], 0, "other sectors keep their data");
  assert.deepEqual([...f.eraseCounts], [1, 0, 0, 0]);
});

test("out-of-range access is an error, never a silent wrap", () => {
  const f = new NorFlash(4096, 2);
  assert.throws(() => f.read(8190, 4), FlashError);
  assert.throws(() => f.program(-1, new Uint8Array(1)), FlashError);
  assert.throws(() => f.erase(2), FlashError);
});

test("a cut program lands a prefix; a cut erase leaves a partly erased sector", () => {
  const random = new Random(1);
  for (let trial = 0; trial < 50; trial++) {
    const f = new NorFlash(256, 2);
    const data = new Uint8Array(64).fill(0x00);
    f.programCut(0, data, random);
    const landed = f.read(0, 64).findIndex((b) => b !== 0x00);
    const prefix = landed < 0 ? 64 : landed;
    assert.ok(f.read(prefix + 1, 63 - Math.min(prefix, 63)).every((b) => b === 0xff), "nothing after the cut point lands");
    f.program(0, new Uint8Array(256).fill(0));
    f.eraseCut(0, random);
    const bytes = f.read(0, 256);
    assert.equal(bytes[0] === 0xff || bytes.some((b) => b === 0), true);
  }
});
