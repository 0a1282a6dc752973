// The gateway against a real MQTT broker (Debian's mosquitto, started by the test on a free
// port): state topics equal the decoded registers, Home Assistant discovery configs are
// retained and complete, a broker restart in the middle of a run loses no reading, and
// availability is per gateway (one gateway's kill -9 leaves the other online).
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
import { CliProcess } from "./support/processes.js";
import { Broker } from "./support/services.js";
import { tempDir, frame, NODE } from "./support/gateway.js";

const scenario = {
  format: "activemeter-scenario/1", board: "esp32-devkitc", seconds: 200, seed: 9,
  console: ["set pulse1.wh_per_pulse 1"],
  // pulse2 gains more than one 70 Wh journal step (docs/storage.md), so frames carry it
  pulse: { pulse1: { hz: 1, on_ms: 40 }, pulse2: { hz: 0.5, on_ms: 40 } },
  heat: { heat1: { flow_m3h: 0.6, supply_c: 70, return_c: 40 } },
};

let shared: Broker | undefined;

async function brokerUrl(): Promise<string> {
  shared ??= await Broker.start();
  return shared.url;
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
  await shared?.dispose();
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
  const gw = new CliProcess(["gateway", "--hex", hexFile, "--no-db", "--quiet", "--test-keys", "--mqtt", url, "--mqtt-prefix", prefix, "--ha-prefix", ha,
    "--gateway-id", "gw-a", "--node-expire", "600"]);
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
    assert.equal(config.availability_topic, undefined, "no gateway's status decides a node's availability");
    assert.equal(config.expire_after, 600, "--node-expire is Home Assistant's expire_after");
    assert.equal(typeof config.name, "string");
  }
  assert.equal(retained.retained.get(`${prefix}/${last.node}/reading`), undefined, "readings are events, not retained");
  // Clean up the retained topics of this run.
  for (const topic of retained.retained.keys()) await late.publishAsync(topic, "", { retain: true, qos: 1 });
  assert.equal(retained.retained.get(`${prefix}/gateway/gw-a/status`), undefined);
  await late.endAsync();
});

test("MQTT: a broker restart in the middle of a run loses no reading (the gateway queues and resends)", async () => {
  const broker = await Broker.start();
  const prefix = `amrestart-${process.pid}`;
  const frames = twinFrames().map(hexToBytes);
  const n = frames.length;
  // A persistent session (clean: false, QoS 1) keeps the subscriber's messages while it is away too.
  const sub = await connect(broker.url, { clientId: `amtest-sub-${process.pid}`, clean: false });
  const seen = await subscribe(sub, [`${prefix}/+/reading`]);
  const counters = () => new Set(seen.messages.map((m) => JSON.parse(m.payload).counter as number));
  const gw = new CliProcess(["gateway", "--udp", "0", "--no-db", "--quiet", "--test-keys", "--mqtt", broker.url, "--mqtt-prefix", prefix, "--no-discovery"]);
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
    await gw.until(() => /unreachable: readings wait in the outbox/.test(gw.stderr), "the gateway to notice the broker is gone");
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
    await broker.dispose();
  }
});

test("MQTT availability is per gateway: kill -9 of one marks only that one offline (last will); readings name their gateway", async () => {
  const url = await brokerUrl();
  const prefix = `amavail-${process.pid}`;
  const watcher = await connect(url);
  const seen = await subscribe(watcher, [`${prefix}/gateway/+/status`, `${prefix}/+/reading`, "homeassistant/binary_sensor/#"]);
  const start = (id: string) => new CliProcess(["gateway", "--udp", "0", "--no-db", "--quiet", "--test-keys", "--mqtt", url, "--mqtt-prefix", prefix, "--gateway-id", id]);
  const a = start("north");
  const b = start("south");
  try {
    const [pa, pb] = [await a.udpPort(), await b.udpPort()];
    await until(() => seen.retained.get(`${prefix}/gateway/north/status`) === "online" && seen.retained.get(`${prefix}/gateway/south/status`) === "online", "both gateways online");
    const socket = dgram.createSocket("udp4");
    await new Promise<void>((resolve) => socket.send(frame(1), pa, "127.0.0.1", () => resolve()));
    await new Promise<void>((resolve) => socket.send(frame(2), pb, "127.0.0.1", () => resolve()));
    socket.close();
    await until(() => seen.messages.filter((m) => m.topic === `${prefix}/${NODE}/reading`).length === 2, "a reading through each gateway");
    const by = seen.messages.filter((m) => m.topic === `${prefix}/${NODE}/reading`).map((m) => JSON.parse(m.payload)).map((r) => `${r.counter}@${r.gateway}`).sort();
    assert.deepEqual(by, ["1@north", "2@south"]);
    const conf = seen.retained.get("homeassistant/binary_sensor/activemeter_gateway_north/config");
    assert.equal(JSON.parse(conf!).state_topic, `${prefix}/gateway/north/status`);
    await a.stop("SIGKILL");
    await until(() => seen.retained.get(`${prefix}/gateway/north/status`) === "offline", "north's last will", 30_000);
    assert.equal(seen.retained.get(`${prefix}/gateway/south/status`), "online");
    assert.equal((await b.stop("SIGTERM")).code, 0, b.stderr);
    await until(() => seen.retained.get(`${prefix}/gateway/south/status`) === "offline", "south says offline at a clean exit");
  } finally {
    await a.stop("SIGKILL");
    await b.stop("SIGKILL");
    for (const id of ["north", "south"]) await watcher.publishAsync(`${prefix}/gateway/${id}/status`, "", { retain: true, qos: 1 });
    await watcher.endAsync();
  }
});
