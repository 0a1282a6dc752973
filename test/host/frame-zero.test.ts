// Zero is a value: after console `zero pulse1.wh` the firmware's frames carry pulse1.wh = 0
// (every register of the board is in every frame), so the gateway stores a 0 row in SQLite and
// publishes 0 as the retained MQTT state (a mosquitto of the test's own). The frames are checked
// by the Python decoder too.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import mqtt from "mqtt";
import { parseScenario } from "../../host/sim/scenario.js";
import { Twin } from "../../host/sim/twin.js";
import { bytesToHex, testKey } from "../../host/frame/index.js";
import { runCli } from "./support/cli.js";
import { Mosquitto } from "./support/processes.js";
import { tempDir } from "./support/gateway.js";
import { pythonDecode } from "./support/python-frames.js";

let broker: Mosquitto | undefined;
after(async () => { await broker?.stop(); });

test("console zero: the store (SQLite) and MQTT show 0 for the register", async () => {
  const t = new Twin(parseScenario(JSON.stringify({
    format: "activemeter-scenario/1", board: "esp32-devkitc", seconds: 120, seed: 4, console: [],
    pulse: { pulse1: { hz: 2, on_ms: 40, stop_s: 40 } },
  })));
  const end = (s: number) => { while (t.clockUs < s * 1e6) t.step(); };
  end(60);
  const before = t.frames.length;
  t.typeLines(["unlock 0000", "zero pulse1.wh"]);
  assert.match(t.consoleText, /pulse1\.wh = 0 \(logged; committed to flash\)/);
  end(90);
  const hex = t.frames.map((f) => bytesToHex(f));
  const python = pythonDecode(hex, { keys: { "4097": bytesToHex(testKey(4097)) } });
  assert.ok(python[before - 1].registers["pulse1.wh"] > 50, `before: ${JSON.stringify(python[before - 1].registers)}`);
  assert.equal(python.at(-1)!.registers["pulse1.wh"], 0, "the frame carries the 0");
  // esp32-devkitc: every register of its channels is in every frame, the zero ones too.
  assert.deepEqual(Object.keys(python.at(-1)!.registers).sort(),
    ["ct1.export_wh", "ct1.import_wh", "ct2.export_wh", "ct2.import_wh", "heat1.cool_wh", "heat1.heat_wh", "heat1.volume_l", "pulse1.wh", "pulse2.wh"]);

  const dir = tempDir();
  broker = await Mosquitto.start(dir);
  const frames = path.join(dir, "frames.hex");
  fs.writeFileSync(frames, hex.join("\n") + "\n");
  const db = path.join(dir, "gw.db");
  const r = runCli(["gateway", "--hex", frames, "--db", db, "--test-keys", "--quiet", "--mqtt", broker.url]);
  assert.equal(r.status, 0, r.stderr);
  const sql = new Database(db, { readonly: true });
  const rows = sql.prepare<{ counter: number; value: number }>("SELECT counter, value FROM readings WHERE node = 4097 AND register = 'pulse1.wh' ORDER BY counter").all();
  sql.close();
  assert.equal(rows.length, hex.length, "a pulse1.wh row for every frame");
  assert.ok(rows[before - 1].value > 50);
  assert.equal(rows.at(-1)!.value, 0);
  const client = await mqtt.connectAsync(broker.url);
  const retained = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no retained activemeter/4097/pulse1_wh")), 10_000);
    client.on("message", (topic, payload) => { if (topic === "activemeter/4097/pulse1_wh") { clearTimeout(timer); resolve(payload.toString()); } });
    client.subscribe("activemeter/4097/pulse1_wh", { qos: 1 });
  });
  await client.endAsync();
  assert.equal(Number(retained), 0, `retained MQTT state '${retained}'`);
});
