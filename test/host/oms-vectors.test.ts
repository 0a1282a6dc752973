// The OMS codec against vectors an independent program built from the standards
// (tools/gen-oms-vectors.py: Python cryptography for AES-CBC and CMAC, its own CRC-16, KDF and
// DIF/VIF), and against the published OMS Vol. 2 annex example (security profile B).
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import { decodeOms, encodeOms, isOmsTelegram, stripCrcBlocks, crc16En13757 } from "../../host/oms/index.js";
import type { OmsFields } from "../../host/oms/index.js";
import { Keyring, hexToBytes, bytesToHex, FrameError } from "../../host/frame/index.js";
import { statusNames } from "../../host/frame/codec.js";

const vectors = JSON.parse(fs.readFileSync(new URL("../../../../test/vectors/oms.json", import.meta.url), "utf8"));

function ring(node: number, keyHex: string): Keyring {
  const r = new Keyring();
  r.set(node, hexToBytes(keyHex));
  return r;
}

/** The register names and Wh/L values the vector describes (zeros too, as in native frames). */
function expectedRegisters(v: { registers: Record<string, number>; channels: OmsFields["channels"] }): Record<string, number> {
  // The generator encodes a record for every register of every present channel; those it does not list are 0.
  const names = [
    ...(v.channels.ct ?? []).flatMap((n) => [`ct${n}.import_wh`, `ct${n}.export_wh`]),
    ...(v.channels.pulse ?? []).map((p) => `pulse${p}.wh`),
    ...(v.channels.heat ?? []).flatMap((c) => [`heat${c}.heat_wh`, `heat${c}.cool_wh`, `heat${c}.volume_l`]),
  ];
  return Object.fromEntries(names.map((n) => [n, (v.registers[n] ?? 0) / 10]));
}

function expectedLive(v: { instantaneous: Record<string, number>; channels: OmsFields["channels"]; device: string }): Record<string, number> {
  const out: Record<string, number> = {};
  if (v.device === "electricity") {
    for (const n of v.channels.ct ?? []) out[`ct${n}.power_w`] = (v.instantaneous[`ct${n}.power_w`] ?? 0) / 10;
  } else {
    for (const c of v.channels.heat ?? []) {
      out[`heat${c}.power_w`] = (v.instantaneous[`heat${c}.power_w`] ?? 0) / 10;
      out[`heat${c}.flow_l_per_h`] = v.instantaneous[`heat${c}.flow_l_per_h`] ?? 0;
      if (`heat${c}.supply_c` in v.instantaneous) {
        out[`heat${c}.supply_c`] = v.instantaneous[`heat${c}.supply_c`] / 10;
        out[`heat${c}.return_c`] = v.instantaneous[`heat${c}.return_c`] / 10;
      }
    }
  }
  return out;
}

test("CRC-16/EN-13757 check value", () => {
  assert.equal(crc16En13757(new TextEncoder().encode("123456789")), 0xc2b7);
});

test("published OMS example: CRC blocks, KDF, MAC and decryption verify", () => {
  const p = vectors.published;
  const keys = ring(p.node, p.key);
  for (const hex of [p.telegram, p.telegram_plain]) {
    const bytes = hexToBytes(hex);
    assert.ok(isOmsTelegram(bytes));
    assert.throws(() => decodeOms(bytes, { keys }), (e: FrameError) => e.reason === "bad_suite", "not an activemeter telegram");
    const f = decodeOms(bytes, { keys, foreign: true });
    assert.equal(f.node, 12345678);
    assert.equal(f.manufacturer, "ELS");
    assert.equal(f.version, 0x33);
    assert.equal(f.device_type, 3);
    assert.equal(f.counter, p.counter);
    assert.equal(f.link_crc, hex === p.telegram);
    // 0C 14: the gas volume, 8 BCD digits in 0.01 m³.
    const volume = f.records!.find((r) => r.vif.length === 1 && r.vif[0] === 0x14);
    assert.equal(volume!.value! / 100, p.volume_m3);
  }
  assert.equal(bytesToHex(stripCrcBlocks(hexToBytes(p.telegram)).plain), p.telegram_plain.toLowerCase());
  const wrong = hexToBytes(p.key);
  wrong[0] ^= 1;
  assert.throws(() => decodeOms(hexToBytes(p.telegram), { keys: ring(p.node, bytesToHex(wrong)), foreign: true }), (e: FrameError) => e.reason === "mac_mismatch");
});

for (const v of vectors.telegrams) {
  test(`vector: ${v.name}`, () => {
    const keys = ring(v.node, v.key);
    for (const [hex, crc] of [[v.telegram, true], [v.telegram_plain, false]]) {
      const f = decodeOms(hexToBytes(hex), { keys });
      assert.equal(f.node, v.node);
      assert.equal(f.counter, v.counter);
      assert.equal(f.suite, "oms-mode7");
      assert.equal(f.authenticated, true);
      assert.equal(f.manufacturer, "ZAM");
      assert.equal(f.device_type, v.device === "electricity" ? 2 : 0x0d);
      assert.equal(f.link_crc, crc);
      assert.equal(f.status, v.status);
      assert.deepEqual(f.status_flags, statusNames(v.status));
      assert.equal(f.event_counter, v.event_counter);
      assert.deepEqual(f.registers, expectedRegisters(v));
      assert.deepEqual(f.instantaneous, expectedLive(v));
    }
    // The host encoder rebuilds both forms byte for byte.
    const live: Record<string, number> = {};
    for (const [name, value] of Object.entries(expectedLive(v))) live[name] = value;
    const e = encodeOms({
      node: v.node, counter: v.counter, device: v.device, channels: v.channels,
      registers: Object.fromEntries(Object.entries(v.registers).map(([n, t]) => [n, (t as number) / 10])),
      instantaneous: Object.fromEntries(Object.entries(live).filter(([n]) => n in v.instantaneous || !n.endsWith("_c"))),
      status: v.status, event_counter: v.event_counter,
    }, hexToBytes(v.key));
    assert.equal(bytesToHex(e.withCrc), v.telegram);
    assert.equal(bytesToHex(e.plain), v.telegram_plain);
  });
}
