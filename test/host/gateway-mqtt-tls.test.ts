// The gateway against Debian's mosquitto configured by the test for TLS with a private CA
// (certificates made here with openssl), client certificates required, and user names with
// passwords. The password comes from a file or the environment and never shows in any output.
import { test } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import mqtt from "mqtt";
import { bytesToHex } from "../../host/frame/index.js";
import { runCli } from "./support/cli.js";
import { CliProcess } from "./support/processes.js";
import { Broker, makeCertificates } from "./support/services.js";
import { frame, tempDir } from "./support/gateway.js";

const password = `pw-${crypto.randomBytes(9).toString("hex")}`;
const certs = makeCertificates();
let broker: Broker;
const dir = tempDir();
const passwordFile = path.join(dir, "mqtt-password");
fs.writeFileSync(passwordFile, password + "\n");
const hexFile = path.join(dir, "frames.hex");
const N = 20;
fs.writeFileSync(hexFile, Array.from({ length: N }, (_, i) => bytesToHex(frame(i + 1))).join("\n") + "\n");

test.before(async () => {
  broker = await Broker.start({ tls: certs, users: { meter: password, watcher: password } });
});
test.after(async () => {
  await broker.dispose();
  fs.rmSync(certs.dir, { recursive: true, force: true });
});

const tlsArgs = () => ["--mqtt-ca", certs.ca, "--mqtt-cert", certs.clientCert, "--mqtt-key", certs.clientKey];

async function watch(prefix: string) {
  const client = await mqtt.connectAsync(broker.url, {
    username: "watcher", password, ca: fs.readFileSync(certs.ca), cert: fs.readFileSync(certs.clientCert), key: fs.readFileSync(certs.clientKey),
  });
  const counters: number[] = [];
  client.on("message", (_t, payload) => counters.push(JSON.parse(payload.toString()).counter));
  await client.subscribeAsync(`${prefix}/+/reading`, { qos: 1 });
  return { client, counters };
}

function run(args: string[], env?: Record<string, string>) {
  const p = new CliProcess(args, undefined, env);
  return p.exited.then((exit) => ({ exit, stderr: p.stderr, stdout: p.stdout + p.lines.map((l) => JSON.stringify(l)).join("\n") }));
}

test("TLS with a private CA and a client certificate, password from a file: every reading arrives, the password is never printed", async () => {
  const prefix = `amtls-${process.pid}`;
  const w = await watch(prefix);
  const r = await run(["gateway", "--hex", hexFile, "--no-db", "--test-keys", "--mqtt", broker.url, "--mqtt-prefix", prefix, "--gateway-id", "tls-gw",
    "--mqtt-username", "meter", "--mqtt-password-file", passwordFile, ...tlsArgs()]);
  assert.equal(r.exit.code, 0, r.stderr);
  const deadline = Date.now() + 10_000;
  while (w.counters.length < N && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
  assert.deepEqual(w.counters, Array.from({ length: N }, (_, i) => i + 1));
  assert.ok(!r.stderr.includes(password) && !r.stdout.includes(password));
  await w.client.endAsync();
});

test("the password from ACTIVEMETER_MQTT_PASSWORD works too", async () => {
  const prefix = `amtlsenv-${process.pid}`;
  const w = await watch(prefix);
  const r = await run(["gateway", "--hex", hexFile, "--no-db", "--quiet", "--test-keys", "--mqtt", broker.url, "--mqtt-prefix", prefix,
    "--gateway-id", "env-gw", "--mqtt-username", "meter", ...tlsArgs()], { ACTIVEMETER_MQTT_PASSWORD: password });
  assert.equal(r.exit.code, 0, r.stderr);
  const deadline = Date.now() + 10_000;
  while (w.counters.length < N && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
  assert.equal(w.counters.length, N);
  await w.client.endAsync();
});

const refusals: [string, () => string[], RegExp][] = [
  ["a wrong password", () => ["--mqtt-username", "meter", "--mqtt-password-file", path.join(dir, "wrong"), ...tlsArgs()], /Not authorized|Bad username or password/i],
  ["no client certificate", () => ["--mqtt-username", "meter", "--mqtt-password-file", passwordFile, "--mqtt-ca", certs.ca], /cannot connect to MQTT broker/],
  ["the public CAs only (no --mqtt-ca)", () => ["--mqtt-username", "meter", "--mqtt-password-file", passwordFile, "--mqtt-cert", certs.clientCert, "--mqtt-key", certs.clientKey], /certificate/i],
];
fs.writeFileSync(path.join(dir, "wrong"), "not-the-password\n");

for (const [what, args, message] of refusals) {
  test(`a broker refusing the gateway (${what}) stops it at start with one line, exit 2, even with a database`, async () => {
    const r = await run(["gateway", "--udp", "0", "--db", path.join(dir, `${what.length}.db`), "--mqtt", broker.url, ...args()]);
    assert.equal(r.exit.code, 2, r.stderr);
    const lines = r.stderr.trim().split("\n").filter((l) => !/public test keys|refused as unknown_node/i.test(l));
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], message);
    assert.ok(!r.stderr.includes(password));
  });
}

test("a password inside the URL is masked in every line the gateway prints", async () => {
  const secret = "inside-url-secret";
  const url = broker.url.replace("mqtts://", `mqtts://meter:${secret}@`);
  const r = await run(["gateway", "--udp", "0", "--no-db", "--test-keys", "--mqtt", url, ...tlsArgs()]);
  assert.equal(r.exit.code, 2);
  assert.ok(!r.stderr.includes(secret), r.stderr);
  assert.match(r.stderr, /meter:\*\*\*@127\.0\.0\.1/);
  assert.match(r.stderr, /ps shows/);
});

test("MQTT credential options are checked before anything starts", () => {
  const missing = runCli(["gateway", "--udp", "0", "--no-db", "--mqtt", "mqtt://127.0.0.1:1", "--mqtt-password-file", "/nonexistent/pw"]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /cannot read password file \/nonexistent\/pw: ENOENT/);
  const inline = runCli(["gateway", "--udp", "0", "--no-db", "--mqtt", "mqtt://127.0.0.1:1", "--mqtt-password", "x"]);
  assert.match(inline.stderr, /would show the password in ps/);
  const half = runCli(["gateway", "--udp", "0", "--no-db", "--mqtt", "mqtt://127.0.0.1:1", "--mqtt-cert", certs.clientCert]);
  assert.match(half.stderr, /--mqtt-cert and --mqtt-key go together/);
  const notPem = runCli(["gateway", "--udp", "0", "--no-db", "--mqtt", "mqtt://127.0.0.1:1", "--mqtt-ca", passwordFile]);
  assert.match(notPem.stderr, /--mqtt-ca .*not a PEM file/);
});
