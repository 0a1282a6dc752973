// OMS telegrams from the unchanged firmware through the twin: `set frame.profile oms|both` on
// pulse, CT and heat scenarios. Every telegram verifies (link CRCs, KDF, MAC) and decodes to the
// values of the native frame of the same report (the firmware's persisted registers, truncated
// to 0.1), and the live values match the scenario's physics.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseScenario } from "../../host/sim/scenario.js";
import { Twin } from "../../host/sim/twin.js";
import { decodeFrame } from "../../host/frame/codec.js";
import { TestKeys } from "../../host/frame/keyring.js";
import { decodeOms, isOmsTelegram, stripCrcBlocks, encodeOms } from "../../host/oms/index.js";
import type { OmsFrame } from "../../host/oms/index.js";
import { testKey, bytesToHex } from "../../host/frame/index.js";

const keys = new TestKeys();

function run(extra: object, profile: string, seconds = 60): Twin {
  const t = new Twin(parseScenario(JSON.stringify({
    format: "activemeter-scenario/1", board: "esp32-devkitc", seconds, seed: 11,
    console: ["unlock 0000", `set frame.profile ${profile}`], ...extra,
  })));
  t.runToEnd();
  assert.match(t.consoleText, /set frame\.profile \S+\r?\nok/);
  return t;
}

const PULSES = { pulse: { pulse1: { hz: 2, on_ms: 40, bounce_ms: 2 }, pulse2: { hz: 0.5, on_ms: 40 } } };
const CT = {
  mains: { vrms: 230.0, hz: 50.0 },
  ct: { ct1: { irms: 6.0, phi_deg: 25.0 }, ct2: { irms: 10.0, phi_deg: 180.0 } },
};
const HEAT = { heat: { heat1: { flow_m3h: 0.6, supply_c: 70.0, return_c: 40.0 } } };

/** Reports of a `both` run: [native frame, electricity telegram, heat telegram] per interval. */
function reports(t: Twin): { native: ReturnType<typeof decodeFrame>; oms: OmsFrame[] }[] {
  const out: { native: ReturnType<typeof decodeFrame>; oms: OmsFrame[] }[] = [];
  for (const bytes of t.frames) {
    if (isOmsTelegram(bytes)) {
      const f = decodeOms(bytes, { keys, requireAuthentication: true });
      assert.equal(f.link_crc, true, "the firmware sends the on-air form with CRC blocks");
      out.at(-1)!.oms.push(f);
    } else {
      out.push({ native: decodeFrame(bytes, { keys, requireAuthentication: true }), oms: [] });
    }
  }
  return out;
}

for (const [name, extra] of [["pulse", PULSES], ["CT", CT], ["heat", HEAT]] as const) {
  test(`twin, ${name} scenario, frame.profile both: every telegram verifies and carries the native frame's registers`, () => {
    // Frames carry persisted values (one journal step of 30-70 Wh behind): the CT run lasts long
    // enough for both clamps to pass a step.
    const seconds = name === "CT" ? 240 : 60;
    const t = run(extra, "both", seconds);
    const rs = reports(t);
    assert.equal(rs.length, seconds / 10);
    let counter = 0;
    for (const r of rs) {
      assert.equal(r.native.counter, ++counter);
      assert.equal(r.oms.length, 2, "esp32-devkitc: an electricity and a heat/cooling telegram");
      assert.deepEqual(r.oms.map((f) => f.device_type), [0x02, 0x0d]);
      const merged: Record<string, number> = {};
      for (const f of r.oms) {
        assert.equal(f.counter, ++counter, "one counter sequence for native frames and telegrams");
        assert.equal(f.node, 4097);
        assert.equal(f.manufacturer, "ZAM");
        assert.equal(f.status, r.native.status);
        assert.equal(f.event_counter, r.native.event_counter);
        Object.assign(merged, f.registers);
      }
      // Both carry every frame register of the board, zeros too (docs/frames.md).
      assert.deepEqual(merged, r.native.registers);
    }
    const last = rs.at(-1)!;
    const live = t.registers();
    for (const [reg, v] of Object.entries(Object.assign({}, ...last.oms.map((f) => f.registers)))) {
      assert.ok((v as number) <= live[reg], `${reg}: ${v} never above the firmware's ${live[reg]}`);
    }
    if (name === "pulse") assert.ok(last.oms[0].registers["pulse1.wh"] > 0);
    if (name === "CT") {
      const e = last.oms[0].instantaneous;
      const p1 = 230 * 6 * Math.cos(25 * Math.PI / 180);
      assert.ok(Math.abs(e["ct1.power_w"] - p1) < 0.02 * p1, `ct1 power ${e["ct1.power_w"]} W, expected ≈ ${p1.toFixed(1)}`);
      assert.ok(Math.abs(e["ct2.power_w"] + 2300) < 0.02 * 2300, `ct2 power ${e["ct2.power_w"]} W, expected ≈ -2300`);
      assert.ok(last.oms[0].registers["ct1.import_wh"] > 0 && last.oms[0].registers["ct2.export_wh"] > 0);
    }
    if (name === "heat") {
      const h = last.oms[1].instantaneous;
      assert.ok(Math.abs(h["heat1.supply_c"] - 70) <= 0.5, `supply ${h["heat1.supply_c"]}`);
      assert.ok(Math.abs(h["heat1.return_c"] - 40) <= 0.5, `return ${h["heat1.return_c"]}`);
      assert.ok(Math.abs(h["heat1.flow_l_per_h"] - 600) <= 0.05 * 600, `flow ${h["heat1.flow_l_per_h"]} L/h`);
      assert.ok(last.oms[1].registers["heat1.heat_wh"] > 0, "heat energy reported (volume is persisted in coarser steps)");
    }
  });
}

test("twin, frame.profile oms: only telegrams, counters consecutive, and the host encoder rebuilds the firmware's bytes", () => {
  const t = run({ ...PULSES, ...HEAT }, "oms", 40);
  assert.equal(t.frames.length, 8);
  t.frames.forEach((bytes, i) => {
    assert.ok(isOmsTelegram(bytes), `frame ${i + 1} is an OMS telegram`);
    const f = decodeOms(bytes, { keys, requireAuthentication: true });
    assert.equal(f.counter, i + 1);
    const heat = f.device_type === 0x0d;
    const e = encodeOms({
      node: f.node, counter: f.counter, device: heat ? "heat" : "electricity",
      channels: heat ? { heat: [1] } : { ct: [1, 2], pulse: [1, 2] },
      registers: f.registers, instantaneous: f.instantaneous, status: f.status, event_counter: f.event_counter,
    }, testKey(4097));
    assert.equal(bytesToHex(e.withCrc), bytesToHex(bytes));
    assert.equal(bytesToHex(e.plain), bytesToHex(stripCrcBlocks(bytes).plain));
  });
});

test("frame.profile is protected, validated, shown by config and kept by save", () => {
  const t = new Twin(parseScenario(JSON.stringify({
    format: "activemeter-scenario/1", board: "esp32-devkitc", seconds: 1, seed: 1,
    console: ["set frame.profile oms", "unlock 0000", "set frame.profile wireless", "set node.id 123456789", "set frame.profile oms",
      "set node.id 4097", "set frame.profile OMS", "config", "set frame.profile both", "set node.id 100000000", "save", "config"],
  })));
  t.runToEnd();
  const text = t.consoleText;
  assert.match(text, /frame\.profile is protected: unlock first/);
  assert.match(text, /frame\.profile takes native, oms or both; nothing was changed/);
  // Refused both ways round: the profile for a 9-digit node id, a 9-digit node id under the profile.
  assert.match(text, /set node\.id 123456789\r\nok\r\nam> set frame\.profile oms\r\nerror: OMS telegrams need node\.id <= 99999999 \(8 digits\); nothing was changed/);
  assert.match(text, /set node\.id 100000000\r\nerror: OMS telegrams need node\.id <= 99999999 \(8 digits\); nothing was changed/);
  assert.match(text, /frame\.profile = oms\r/, "the value in either case");
  assert.match(text, /frame\.profile = both/);
  // A reboot restores the saved profile from flash.
  t.typeLines(["reboot"]);
  t.typeLines(["config"]);
  assert.match(t.consoleText.slice(text.length), /frame\.profile = both/);
});
