// Downlink commands (docs/frames.md "Downlink", docs/board-abi.md fw_downlink): the host codec
// and the firmware against commands sealed by an independent program (tools/gen-downlink-vectors.py:
// Python `cryptography`'s KBKDFCMAC and CMAC); every kind of refusal changes nothing (flash
// image, control state, counter mark); replays stay refused after a reboot and across power cuts
// landing inside the counter's flash writes.
import { test } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { execFileSync } from "node:child_process";
import { parseScenario } from "../../host/sim/scenario.js";
import { Twin } from "../../host/sim/twin.js";
import type { FirmwareImage } from "../../host/firmware/firmware.js";
import { readEvents } from "../../host/store/journal-reader.js";
import { decodeDownlink, encodeDownlink, DownlinkError } from "../../host/frame/downlink.js";
import type { DownlinkFields } from "../../host/frame/downlink.js";
import { deriveDownlinkKey, FrameKey } from "../../host/frame/frame-keys.js";
import { Keyring, TestKeys, testKey } from "../../host/frame/keyring.js";
import { bytesToHex, hexToBytes } from "../../host/frame/codec.js";
import { Random } from "../../host/sim/random.js";
import { compileHarness } from "./support/asc-compile.js";
import { readVectors } from "./support/cli.js";

const NODE = 8193; // esp32c3-mini's node id
const UTC = 1_796_083_200;
const US = 1_000_000;

/** Downlinks sealed by the Python program (one JSON object each, test key unless `key`). */
function pySeal(commands: object[]): Uint8Array[] {
  const out = execFileSync("/usr/bin/python3", ["tools/gen-downlink-vectors.py", "--seal"], { input: commands.map((c) => JSON.stringify(c)).join("\n") + "\n" });
  return out.toString().trim().split("\n").map(hexToBytes);
}

const cmd = (counter: number, extra: object) => ({ node: NODE, key_version: 1, counter, sent_utc_s: 0, valid_s: 900, command: "demand", level: "shed", ...extra });

// The whole firmware plus read-outs of the control and clock modules (test/harness/downlink.ts).
const harness = await compileHarness("test/harness/downlink.ts", () => 0n, { pages: 2 });
const image: FirmwareImage = {
  bytes: harness.binary, module: new WebAssembly.Module(harness.binary as Uint8Array<ArrayBuffer>),
  sha256: crypto.createHash("sha256").update(harness.binary).digest("hex"),
};

function twin(seconds = 4000): Twin {
  return new Twin(parseScenario(JSON.stringify({ format: "activemeter-scenario/1", board: "esp32c3-mini", seconds, seed: 5 })), image);
}
/* eslint-disable @typescript-eslint/no-explicit-any */
const fw = (t: Twin): any => (t as any).firmware.exports;
const now = (t: Twin) => BigInt(t.clockUs);
function runTo(t: Twin, seconds: number): void {
  while (t.clockUs < seconds * US) t.step();
}
function controlState(t: Twin) {
  const e = fw(t);
  return [e.outputsDrLevel(), e.outputsDrUntilS(), e.outputMode(0), e.outputModeUntilS(0), e.clockUtcAt(now(t))];
}
/** The rules end a level or override at a whole second of uptime (rounded up). */
const endS = (untilUs: bigint) => (untilUs + 999_999n) / 1_000_000n;
const SHED = 2;
const ON = 1;
const AUTO = 2;
const reg = (t: Twin, name: string) => t.registers()[`downlink.${name}`];

test("the host codec reproduces the Python vectors: K_dl, sealing byte for byte, decoding", () => {
  const { vectors } = readVectors<{ vectors: { name: string; node_key: string; k_dl: string; fields: DownlinkFields; hex: string }[] }>("downlink.json");
  assert.ok(vectors.length >= 5);
  for (const v of vectors) {
    const f = v.fields;
    assert.equal(bytesToHex(deriveDownlinkKey(hexToBytes(v.node_key), f.node, f.key_version)), v.k_dl, v.name);
    assert.equal(bytesToHex(encodeDownlink(f, hexToBytes(v.node_key))), v.hex, v.name);
    const ring = new Keyring();
    ring.set(f.node, hexToBytes(v.node_key), f.key_version);
    assert.deepEqual(decodeDownlink(hexToBytes(v.hex), ring), f, v.name);
    // K_dl differs from both uplink keys (another label and length), so no uplink tag is a downlink tag.
    const k = new FrameKey(f.node, f.key_version, hexToBytes(v.node_key)).suite2();
    assert.notDeepEqual(k.mac.mac64(hexToBytes(v.hex).subarray(0, -8)), hexToBytes(v.hex).subarray(-8));
  }
  const bad = hexToBytes(vectors[0].hex);
  bad[bad.length - 1] ^= 1;
  assert.throws(() => decodeDownlink(bad, new TestKeys()), (e: unknown) => e instanceof DownlinkError && e.reason === "bad_mac");
});

test("accepted commands are acted on (control state, clock), counted and logged with their counter", () => {
  const t = twin();
  runTo(t, 2);
  const [demand, override, sync] = pySeal([
    cmd(1, {}),
    cmd(2, { command: "override", output: 1, mode: "on", valid_s: 600 }),
    { node: NODE, key_version: 1, counter: 4, command: "time_sync", sent_utc_s: UTC, valid_s: 60 },
  ]);
  assert.equal(t.downlink(demand).result, "accepted");
  const at = now(t);
  assert.equal(fw(t).outputsDrLevel(), SHED);
  assert.equal(fw(t).outputsDrUntilS(), endS(at + 900n * 1_000_000n));
  assert.equal(t.downlink(override).result, "accepted");
  assert.equal(fw(t).outputMode(0), ON, "out1 on");
  assert.equal(fw(t).outputModeUntilS(0), endS(at + 600n * 1_000_000n));
  const [absent] = pySeal([cmd(3, { command: "override", output: 2, mode: "on" })]);
  assert.equal(t.downlink(absent).result, "not_applicable", "esp32c3-mini has out1 only: the counter is used up");
  const three = 4;
  assert.equal(t.downlink(sync).result, "accepted");
  assert.equal(fw(t).clockUtcAt(at), BigInt(UTC));
  assert.deepEqual([reg(t, "accepted"), reg(t, "refused"), reg(t, "counter"), reg(t, "last_result")], [3, 1, three, 0]);
  const events = readEvents(t.flash.data, 4096).filter((e) => e.type >= 40 && e.type <= 49);
  assert.deepEqual(events.map((e) => [e.type, e.key, e.oldValue, e.newValue]), [
    [40, SHED, 1n, 900n], [41, (1 << 8) | ON, 2n, 600n], [42, 0, 4n, BigInt(UTC)],
  ]);
  // A week later by the synced clock, a command sent at the sync has expired; one sent 100 s ago holds for the rest.
  runTo(t, 700);
  assert.equal(fw(t).outputMode(0), AUTO, "the override ended: out1 back to its rule");
  const [old, fresh] = pySeal([cmd(5, { sent_utc_s: UTC, valid_s: 600 }), cmd(6, { sent_utc_s: UTC + 598, valid_s: 300, level: "reduce" })]);
  assert.equal(t.downlink(old).result, "expired");
  assert.equal(t.downlink(fresh).result, "accepted");
  assert.equal(fw(t).outputsDrUntilS(), endS(now(t) + 200n * 1_000_000n), "300 s from its sending, 100 s ago by the node's clock");
  runTo(t, 902);
  assert.equal(fw(t).outputsDrLevel(), 0, "no command for its validity: back to the local rules");
});

test("forged, replayed, expired, out-of-order, unknown, malformed and truncated commands are refused with their code, changing nothing", () => {
  const t = twin();
  runTo(t, 2);
  const [first, second] = pySeal([cmd(10, {}), cmd(12, { level: "reduce" })]);
  assert.equal(t.downlink(second).result, "accepted"); // counter 12 first: 10 is now out of order
  const cases: [string, Uint8Array, string][] = [];
  const sealed = pySeal([
    cmd(13, { key: "2b7e151628aed2a6abf7158809cf4f3c" }), // another key
    cmd(13, { node: NODE + 1, key: bytesToHex(testKey(NODE)) }), // sealed for another node id
    cmd(13, { key_version: 2 }), // a key version the node does not hold
    cmd(12, { level: "normal" }), // same counter, other command
    cmd(13, { valid_s: 0 }),
    cmd(13, { command_code: 9 }),
    cmd(13, { level_code: 3 }),
    cmd(13, { command: "override", output: 0, mode: "on" }),
    cmd(13, { command: "override", output: 5, mode: "on" }),
    cmd(13, { command: "override", output: 1, mode_code: 3 }),
    cmd(13, { extra_hex: "00" }),
    { node: NODE, key_version: 1, counter: 13, command: "time_sync", sent_utc_s: 1_000_000_000, valid_s: 60 },
  ]);
  const names = ["bad_mac", "bad_mac", "bad_mac", "replay", "expired", "unknown_command", "malformed", "malformed", "malformed", "malformed", "malformed", "malformed"];
  sealed.forEach((b, i) => cases.push([`case ${i}`, b, names[i]]));
  cases.push(["the same command again", second, "replay"], ["an older counter", first, "replay"]);
  for (let bit = 0; bit < second.length * 8; bit++) {
    const b = second.slice();
    b[bit >> 3] ^= 1 << (bit & 7);
    cases.push([`bit ${bit} flipped`, b, ""]);
  }
  for (let n = 0; n < second.length; n++) cases.push([`truncated to ${n}`, second.subarray(0, n), n < 16 ? "malformed" : ""]);
  const rnd = new Random(21, 1);
  for (let i = 0; i < 200; i++) {
    const b = Uint8Array.from({ length: rnd.int(2, 64) }, () => rnd.int(0, 255));
    if (i % 2 === 0) b.set([1, 0x82]); // garbage behind a valid-looking header
    cases.push([`garbage ${i}`, b, ""]);
  }
  const flashBefore = t.flash.data.slice();
  const stateBefore = controlState(t);
  for (const [name, bytes, expected] of cases) {
    const r = t.downlink(bytes).result;
    if (expected) assert.equal(r, expected, name);
    else assert.notEqual(r, "accepted", name);
  }
  assert.deepEqual(controlState(t), stateBefore, "control and clock unchanged");
  assert.ok(Buffer.from(t.flash.data).equals(Buffer.from(flashBefore)), "no refusal wrote to flash");
  assert.deepEqual([reg(t, "accepted"), reg(t, "refused"), reg(t, "counter")], [1, cases.length, 12]);
  assert.equal(t.downlink(pySeal([cmd(13, {})])[0]).result, "accepted", "the next counter still works");
});

test("a replay after a reboot or a power cut is refused; cuts inside the counter's flash writes never lose an accepted counter", () => {
  const t = twin(3600);
  runTo(t, 2);
  let counter = 0;
  const send = (c: number, extra: object = {}) => t.downlink(pySeal([cmd(c, extra)])[0]).result;
  assert.equal(send(++counter), "accepted");
  t.typeLines(["reboot"]);
  runTo(t, 3);
  assert.equal(t.reboots, 1);
  assert.equal(reg(t, "counter"), 1, "the mark survives the reboot");
  assert.equal(send(1), "replay");
  t.powerCut(t.clockUs, 2 * US);
  assert.equal(send(1), "replay", "and a power cut");
  // Cuts at every few µs after a command, a third of them after a jump that rolls to the other sector.
  const rnd = new Random(7, 3);
  let rolled = 0;
  for (let i = 0; i < 60; i++) {
    runTo(t, t.clockUs / US + 1);
    const jump = i % 3 === 0 ? 1000 : 1;
    const c = counter + jump;
    assert.equal(send(c), "accepted", `command ${c}`);
    const busy = t.flashDriver.busyUntilUs - t.clockUs;
    if (jump > 1) rolled++;
    t.powerCut(t.clockUs + rnd.int(0, Math.max(busy, 1)), US);
    const mark = reg(t, "counter");
    assert.ok(mark === c || mark === counter, `after the cut the mark is ${mark}: neither ${counter} nor ${c}`);
    const damage = readEvents(t.flash.data, 4096).filter((e) => e.type === 5).map((e) => e.key.toString(2));
    assert.equal(t.status() & (1 << 4), 0, `a cut is not damage (cut ${i}, damage events ${damage})`);
    // Whatever the mark, nothing at or below it is accepted again, and the next counter is.
    assert.equal(send(mark), "replay");
    counter = mark;
  }
  assert.ok(rolled >= 20);
});

test("consecutive commands cost tally steps, not erases; a forged flood writes nothing", () => {
  const t = twin(100);
  runTo(t, 1);
  const sectors = t.flash.sectors;
  const downlinkSectors = [sectors - 6, sectors - 5];
  const erases = () => downlinkSectors.map((s) => t.flash.eraseCounts[s]).reduce((a, b) => a + b);
  const before = erases();
  const batch = pySeal(Array.from({ length: 600 }, (_, i) => cmd(i + 1, {})));
  for (const b of batch) assert.equal(t.downlink(b).result, "accepted");
  assert.equal(erases() - before, 1, "600 commands: the first roll only");
  const forged = encodeDownlink({ node: NODE, key_version: 1, counter: 601, command: "demand", level: "shed", sent_utc_s: 0, valid_s: 60 }, crypto.randomBytes(16));
  const image = t.flash.data.slice();
  for (let i = 0; i < 1000; i++) assert.equal(t.downlink(forged).result, "bad_mac");
  assert.ok(Buffer.from(image).equals(Buffer.from(t.flash.data)));
});
