// The installer console page's server without a browser (the page itself: test/browser/):
// files, the transport bundle, the twin's console on /twin for this server's pages only, and the
// command's one-line errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { WebSocket } from "ws";
import { startWebConsole } from "../../host/web/server.js";
import { parseScenario } from "../../host/sim/scenario.js";
import { runCli } from "./support/cli.js";

const scenario = parseScenario(JSON.stringify({ format: "activemeter-scenario/1", board: "esp32-devkitc", seconds: 60, mains: { vrms: 230, hz: 50 } }));

function openSocket(url: string, origin: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { origin });
    ws.binaryType = "nodebuffer";
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
  });
}

test("console --web serves the page and the transport bundle on 127.0.0.1, and nothing else", async () => {
  const web = await startWebConsole({ port: 0 });
  try {
    const base = `http://127.0.0.1:${web.port}`;
    const page = await fetch(`${base}/`);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /<script src="vendor\/espruino-uart.js"><\/script>/);
    assert.doesNotMatch(html, /ws-serial.js/, "no simulated serial port without --twin");
    const bundle = await (await fetch(`${base}/vendor/espruino-uart.js`)).text();
    assert.match(bundle, /ESPT_uart/);
    assert.match(bundle, /6e400001-b5a3-f393-e0a9-e50e24dcca9e/, "the Nordic UART service");
    assert.equal((await fetch(`${base}/config.js`)).status, 200);
    assert.equal((await fetch(`${base}/ws-serial.js`)).status, 404);
    assert.equal((await fetch(`${base}/../package.json`)).status, 404);
    assert.equal((await fetch(`${base}/%2e%2e/package.json`)).status, 404);
    assert.equal((await fetch(`${base}/`, { method: "POST" })).status, 405);
  } finally {
    await web.close();
  }
});

test("--twin: /twin carries the twin's console bytes both ways, for this server's own pages only", async () => {
  const web = await startWebConsole({ port: 0, twin: scenario, twinOptions: { speed: 20 }, simulatedSerial: true });
  try {
    const base = `http://127.0.0.1:${web.port}`;
    assert.match(await (await fetch(`${base}/`)).text(), /<script src="ws-serial.js"><\/script>/);
    await assert.rejects(openSocket(`ws://127.0.0.1:${web.port}/twin`, "http://example.com"), /403/);
    const ws = await openSocket(`ws://127.0.0.1:${web.port}/twin`, base);
    let received = "";
    ws.on("message", (data: Buffer) => { received += data.toString("latin1"); });
    ws.send(Buffer.from("id\r"));
    const deadline = Date.now() + 5000;
    while (!/software identity[^\n]*: [0-9a-f]{64}\r\nam> $/.test(received) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.match(received, /^id\r\nactivemeter firmware \d+\.\d+\.\d+, ABI 1, node 4097\r\n/, "echo, then the answer");
    assert.ok(received.endsWith("am> "));
    // One page at a time, like one serial port.
    const second = await openSocket(`ws://127.0.0.1:${web.port}/twin`, base);
    const code = await new Promise<number>((resolve) => second.once("close", (c: number) => resolve(c)));
    assert.equal(code, 1013);
    ws.close();
  } finally {
    await web.close();
  }
});

test("console --web: --help, and bad options are one-line errors with exit status 2", () => {
  const help = runCli(["console", "--web", "--help"]);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /usage: activemeter console --web/);
  for (const [args, message] of [
    [["--port", "99999"], /--port takes a TCP port number/],
    [["--speed", "2"], /--speed needs --twin SCENARIO/],
    [["--twin", "no-such-file.json"], /no-such-file.json/],
  ] as const) {
    const r = runCli(["console", "--web", ...args]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
  }
});
