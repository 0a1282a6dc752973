// A broker outage with a gateway restart (kill -9) inside it: every reading reaches the broker
// afterwards, from the durable outbox in SQLite, and the gateway's memory stays bounded. The
// outage lasts ACTIVEMETER_OUTAGE_S seconds (default 6 here; `npm run bench` uses 60).
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import mqtt from "mqtt";
import { Fleet, GatewayProcess, Sender } from "../../host/bench/gateway-load.js";
import { freePort } from "./support/processes.js";
import { Broker } from "./support/services.js";
import { tempDir } from "./support/gateway.js";

const OUTAGE_S = Number(process.env.ACTIVEMETER_OUTAGE_S ?? 6);

test(`broker outage of ${OUTAGE_S} s with a gateway kill -9 and restart inside it: every reading reaches the broker, memory bounded`, async () => {
  const broker = await Broker.start();
  const fleet = new Fleet(100, 900_000);
  const dir = tempDir();
  const keys = fleet.writeKeyring(path.join(dir, "keys.json"));
  const prefix = `amoutage-${process.pid}`;
  const port = await freePort();
  const args = ["--udp", String(port), "--db", path.join(dir, "gw.db"), "--keys", keys, "--quiet", "--gateway-id", "outage",
    "--mqtt", broker.url, "--mqtt-prefix", prefix, "--no-discovery"];
  const sub = await mqtt.connectAsync(broker.url, { clientId: `amoutage-sub-${process.pid}`, clean: false, reconnectPeriod: 200 });
  const got = new Set<string>();
  sub.on("message", (_t, payload) => { const r = JSON.parse(payload.toString()); got.add(`${r.node}/${r.counter}`); });
  await sub.subscribeAsync(`${prefix}/+/reading`, { qos: 1 });
  const frames = (c: number) => fleet.nodes.map((n) => fleet.frame(n, c));
  const sender = await Sender.open();
  let gw = new GatewayProcess(args);
  try {
    await gw.port();
    await sender.sendAll(frames(1), port);
    const deadline = Date.now() + 20_000;
    while (got.size < 100 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(got.size, 100, "the readings before the outage");
    const outageStart = Date.now();
    await broker.stop();
    for (let c = 2; c <= 4; c++) await sender.sendAll(frames(c), port, 1000);
    await new Promise((r) => setTimeout(r, 300)); // committed (they are in the outbox), then:
    await gw.stop("SIGKILL");
    gw = new GatewayProcess(args);
    await gw.port();
    assert.match(gw.stderr, /unreachable at start/);
    for (let c = 5; c <= 8; c++) await sender.sendAll(frames(c), port, 1000);
    const rest = OUTAGE_S * 1000 - (Date.now() - outageStart);
    if (rest > 0) await new Promise((r) => setTimeout(r, rest));
    const memory = gw.memoryMb();
    await broker.restart();
    const end = Date.now() + 30_000;
    while (got.size < 800 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    const expected = fleet.nodes.flatMap((n) => Array.from({ length: 8 }, (_, i) => `${n}/${i + 1}`));
    assert.deepEqual(expected.filter((k) => !got.has(k)), [], "readings that never reached the broker");
    assert.ok(memory.peak < 200, `gateway peak memory ${memory.peak.toFixed(0)} MB`);
    assert.equal((await gw.stop()).code, 0, gw.stderr);
  } finally {
    await gw.stop("SIGKILL");
    sender.close();
    await sub.endAsync(true);
    await broker.dispose();
  }
});
