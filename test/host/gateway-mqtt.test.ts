// The gateway against a real MQTT broker (Debian's mosquitto): state topics equal the decoded
// registers, Home Assistant discovery configs are retained and complete, and a broker restart
// in the middle of a run loses no reading. The broker is ACTIVEMETER_MQTT_URL (default
// mqtt://127.0.0.1:1883, which .ci/run starts); when nothing listens there the test starts a
// mosquitto of its own. Without mosquitto installed the test fails and names the package.
import { test } from "node:test";
import assert from "node:assert/strict";
import dgram from "node:dgram";
import fs from "node:fs";
import path from "node:path";
import mqtt from "mqtt";
import type { MqttClient } from "mqtt";
import { decodeFrame, hexToBytes, TestKeys, FRAME_REGISTERS } from "../../host/frame/index.js";
import { registerSlug } from "../../host/gateway/mqtt.js";
import { runCli, scenarioFile } from "./support/cli.js";
import { CliProcess, Mosquitto, canConnect } from "./support/processes.js";
import { tempDir } from "./support/gateway.js";

const scenario = {
  format: "activemeter-scenario/1", board: "esp32-devkitc", seconds: 200, seed: 9,
  console: ["set pulse1.wh_per_pulse 1"],
  // pulse2 gains more than one 70 Wh journal step (docs/storage.md), so frames carry it
  pulse: { pulse1: { hz: 1, on_ms: 40 }, pulse2: { hz: 0.5, on_ms: 40 } },
  heat: { heat1: { flow_m3h: 0.6, supply_c: 70, return_c: 40 } },
};

let ownBroker: Mosquitto | undefined;

/** The broker of the tests: ACTIVEMETER_MQTT_URL, or a mosquitto started here when nothing listens there. */
async function brokerUrl(): Promise<string> {
  const url = process.env.ACTIVEMETER_MQTT_URL ?? "mqtt://127.0.0.1:1883";
  const { hostname, port } = new URL(url);
  if (await canConnect(Number(port || 1883), hostname)) return url;
  if (process.env.ACTIVEMETER_MQTT_URL) throw new Error(`no MQTT broker at ACTIVEMETER_MQTT_URL=${url}`);
  ownBroker ??= await Mosquitto.start(tempDir());
  return ownBroker.url;
}

async function connect(url: string, options: mqtt.IClientOptions = {}): Promise<MqttClient> {
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 200, ...options });
  return client;
}

/** Every message, and the last payload per topic (for a late subscriber: the retained ones). */
interface Collected { retained: Map<string, string>; messages: { topic: string; payload: string }[] }

async function subscribe(client: MqttClient, topics: string[]): Promise<Collected> {
  const out: Collected = { retained: new Map(), messages: [] };
  client.on("message", (topic, payload) => {
    out.messages.push({ topic, payload: payload.toString() });
    out.retained.set(topic, payload.toString());
  });
  await client.subscribeAsync(topics, { qos: 1 });
  return out;
}

async function until(ready: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function twinFrames(): string[] {
  const r = runCli(["sim", "--scenario", scenarioFile(scenario), "--json"]);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout).frames;
}

test.after(async () => {
  await ownBroker?.stop();
});

test("MQTT: twin frames through the gateway into the broker; state equals the decoded registers; Home Assistant discovery", async () => {
  const url = await brokerUrl();
  const prefix = `amtest-${process.pid}-${Date.now().toString(36)}`;
  const ha = `${prefix}-ha`;
  const frames = twinFrames();
  const dir = tempDir();
  const hexFile = path.join(dir, "frames.hex");
  fs.writeFileSync(hexFile, frames.join("\n") + "\n");

  const live = await connect(url);
  const seen = await subscribe(live, [`${prefix}/#`]);
  const gw = new CliProcess(["gateway", "--hex", hexFile, "--no-db", "--quiet", "--mqtt", url, "--mqtt-prefix", prefix, "--ha-prefix", ha]);
  const exit = await gw.exited;
  assert.equal(exit.code, 0, gw.stderr);
  const readingTopics = () => seen.messages.filter((m) => /\/reading$/.test(m.topic));
  await until(() => readingTopics().length === frames.length, "every reading on the broker");
  await live.endAsync();

  const keys = new TestKeys();
  const decoded = frames.map((f) => decodeFrame(hexToBytes(f), { keys, requireAuthentication: true }));
  const last = decoded.at(-1)!;
  assert.deepEqual(readingTopics().map((m) => JSON.parse(m.payload).counter), decoded.map((d) => d.counter), "readings in order, none lost");
  assert.ok(Object.keys(last.registers).length >= 4, JSON.stringify(last.registers));

  // A client arriving later gets the retained state and discovery configs.
  const late = await connect(url);
  const retained = await subscribe(late, [`${prefix}/${last.node}/+`, `${ha}/sensor/+/config`]);
  const units = new Map(FRAME_REGISTERS.map((r) => [r.name, r.unit]));
  await until(() => Object.keys(last.registers).every((r) => retained.retained.has(`${ha}/sensor/activemeter_${last.node}_${registerSlug(r)}/config`)), "retained discovery configs", 5000);
  await until(() => Object.keys(last.registers).every((r) => retained.retained.get(`${prefix}/${last.node}/${registerSlug(r)}`) === String(last.registers[r])), "retained state equal to the last frame", 5000);
  for (const [register, value] of Object.entries(last.registers)) {
    const slug = registerSlug(register);
    assert.equal(Number(retained.retained.get(`${prefix}/${last.node}/${slug}`)), value, register);
    const config = JSON.parse(retained.retained.get(`${ha}/sensor/activemeter_${last.node}_${slug}/config`)!);
    const unit = units.get(register);
    assert.equal(config.state_topic, `${prefix}/${last.node}/${slug}`);
    assert.equal(config.unique_id, `activemeter_${last.node}_${slug}`);
    assert.equal(config.device_class, unit === "Wh" ? "energy" : "volume");
    assert.equal(config.state_class, "total_increasing");
    assert.equal(config.unit_of_measurement, unit);
    assert.deepEqual(config.device.identifiers, [`activemeter_${last.node}`]);
    assert.equal(typeof config.device.name, "string");
    assert.equal(config.availability_topic, `${prefix}/gateway/status`);
    assert.equal(typeof config.name, "string");
  }
  assert.equal(retained.retained.get(`${prefix}/${last.node}/reading`), undefined, "readings are events, not retained");
  // Clean up the retained topics of this run.
  for (const topic of retained.retained.keys()) await late.publishAsync(topic, "", { retain: true, qos: 1 });
  await late.publishAsync(`${prefix}/gateway/status`, "", { retain: true, qos: 1 });
  await late.endAsync();
});

test("MQTT: a broker restart in the middle of a run loses no reading (the gateway queues and resends)", async () => {
  const broker = await Mosquitto.start(tempDir());
  const prefix = `amrestart-${process.pid}`;
  const frames = twinFrames().map(hexToBytes);
  const n = frames.length;
  // A persistent session (clean: false, QoS 1) keeps the subscriber's messages while it is away too.
  const sub = await connect(broker.url, { clientId: `amtest-sub-${process.pid}`, clean: false });
  const seen = await subscribe(sub, [`${prefix}/+/reading`]);
  const counters = () => new Set(seen.messages.map((m) => JSON.parse(m.payload).counter as number));
  const gw = new CliProcess(["gateway", "--udp", "0", "--no-db", "--quiet", "--mqtt", broker.url, "--mqtt-prefix", prefix, "--no-discovery"]);
  try {
    const port = await gw.udpPort();
    const socket = dgram.createSocket("udp4");
    const send = async (from: number, to: number) => {
      for (let i = from; i < to; i++) await new Promise<void>((resolve, reject) => socket.send(frames[i], port, "127.0.0.1", (e) => (e ? reject(e) : resolve())));
    };
    const third = Math.floor(n / 3);
    await send(0, third);
    await until(() => counters().size === third, "the first third of the readings");
    await broker.stop();
    await send(third, 2 * third);
    await gw.until(() => /unreachable: queueing/.test(gw.stderr), "the gateway to notice the broker is gone");
    await new Promise((r) => setTimeout(r, 300));
    await broker.restart();
    await send(2 * third, n);
    await until(() => counters().size === n, `all ${n} readings after the restart (have ${counters().size})`, 30_000);
    socket.close();
    assert.deepEqual([...counters()].sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i + 1));
    assert.equal((await gw.stop()).code, 0, gw.stderr);
    assert.match(gw.stderr, new RegExp(`${n} frames: ${n} accepted`));
  } finally {
    await gw.stop();
    await sub.endAsync(true);
    await broker.stop();
  }
});
