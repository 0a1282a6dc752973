// The installer console page (docs/browser-console.md): a small HTTP server on 127.0.0.1 that
// serves the page's files, the Espruino tools' UART connection (Web Serial, Web Bluetooth) from
// its npm package, and, with a twin, the twin's console on a WebSocket (/twin).
import http from "node:http";
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";
import { packageRoot } from "../paths.js";
import { TwinBridge } from "./twin-bridge.js";
import type { TwinBridgeOptions } from "./twin-bridge.js";
import type { Scenario } from "../sim/scenario.js";

/** The page's own files (host/web/page/), served as they are: no build step. */
export const pageDir = path.join(packageRoot, "host", "web", "page");

/** The browser bundle of @espruino-tools/uart (global ESPT_uart), resolved from node_modules. */
export function uartBundlePath(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve("@espruino-tools/uart/package.json")), "min", "main.min.js");
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".png": "image/png",
};

export interface WebConsoleOptions {
  /** TCP port on 127.0.0.1; 0 picks a free one. */
  port: number;
  /** Run a twin of this scenario and offer its console at /twin (WebSocket). */
  twin?: Scenario;
  twinOptions?: TwinBridgeOptions;
  /** Load ws-serial.js into the page: navigator.serial then is the twin's console (no hardware). */
  simulatedSerial?: boolean;
}

export interface WebConsole {
  url: string;
  port: number;
  bridge?: TwinBridge;
  close(): Promise<void>;
}

function send(res: http.ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, { "content-type": type, "cache-control": "no-store", "x-content-type-options": "nosniff" });
  res.end(body);
}

export async function startWebConsole(options: WebConsoleOptions): Promise<WebConsole> {
  const bridge = options.twin ? new TwinBridge(options.twin, options.twinOptions) : undefined;
  const files = new Map<string, string>();
  for (const name of fs.readdirSync(pageDir)) files.set(`/${name}`, path.join(pageDir, name));

  const server = http.createServer((req, res) => {
    if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, "text/plain", "GET only\n");
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (url.pathname === "/vendor/espruino-uart.js") {
      let file: string;
      try {
        file = uartBundlePath();
      } catch {
        return send(res, 500, "text/plain", "@espruino-tools/uart is not installed (npm install)\n");
      }
      return send(res, 200, TYPES[".js"], fs.readFileSync(file));
    }
    if (url.pathname === "/config.js") {
      // What the server offers the page: a twin, and whether its console stands in for a serial port.
      const config = { twin: bridge ? { board: options.twin!.board.name, seconds: options.twin!.seconds } : null, simulatedSerial: !!(bridge && options.simulatedSerial) };
      return send(res, 200, TYPES[".js"], `window.ACTIVEMETER_WEB = ${JSON.stringify(config)};\n`);
    }
    const file = files.get(url.pathname === "/" ? "/index.html" : url.pathname);
    if (!file) return send(res, 404, "text/plain", "not found\n");
    if (file.endsWith("ws-serial.js") && !bridge) return send(res, 404, "text/plain", "no twin on this server (--twin SCENARIO)\n");
    let body = fs.readFileSync(file);
    if (file.endsWith("index.html") && bridge && options.simulatedSerial) {
      body = Buffer.from(body.toString("utf8").replace("<!--simulated-serial-->", '<script src="ws-serial.js"></script>'));
    }
    send(res, 200, TYPES[path.extname(file)] ?? "application/octet-stream", body);
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });
  server.on("upgrade", (req, socket, head) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const address = server.address() as AddressInfo;
    // Only this server's own pages may type into the twin.
    const origin = req.headers.origin;
    const ours = origin === `http://127.0.0.1:${address.port}` || origin === `http://localhost:${address.port}`;
    if (url.pathname !== "/twin" || !bridge || !ours) {
      socket.end("HTTP/1.1 403 Forbidden\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (!bridge.attach(ws)) ws.close(1013, "the twin's console is in use by another page (or the scenario ended)");
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, "127.0.0.1", () => resolve());
  });
  bridge?.start();
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://localhost:${port}/`,
    port,
    bridge,
    close: async () => {
      bridge?.stop();
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
