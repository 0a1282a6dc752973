// The gateway's control input (`activemeter gateway --control PORT`, docs/gateway.md "Downlinks"):
// JSON lines over TCP on the loopback interface only. Each request line is a downlink command,
// each answer line says what was sent (node, counter, address, bytes) or why not. Anyone who can
// connect to it can command the nodes, so it never listens beyond this machine.
import net from "node:net";
import { DEMAND_LEVELS, OUTPUT_MODES } from "../frame/downlink.js";
import type { DownlinkRequest, DownlinkSender } from "./downlinks.js";
import { DownlinkRefused } from "./downlinks.js";
import { SourceError } from "./sources.js";

const MAX_LINE_BYTES = 4096;

export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** A request line as JSON → a checked request; throws DownlinkRefused naming the field. */
export function parseRequest(line: string): DownlinkRequest {
  let r: Record<string, unknown>;
  try {
    r = JSON.parse(line);
  } catch {
    throw new DownlinkRefused("a request is one JSON object per line");
  }
  if (typeof r !== "object" || r === null || Array.isArray(r)) throw new DownlinkRefused("a request is one JSON object per line");
  const int = (key: string, min: number, max: number, optional = false): number | undefined => {
    const v = r[key];
    if (v === undefined && optional) return undefined;
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) throw new DownlinkRefused(`'${key}' must be a whole number from ${min} to ${max}`);
    return v;
  };
  const known = ["node", "command", "valid_s", "counter_at_least", "level", "output", "mode"];
  for (const k of Object.keys(r)) if (!known.includes(k)) throw new DownlinkRefused(`unknown field '${k}' (fields: ${known.join(", ")})`);
  const node = int("node", 1, 4294967294)!;
  const valid_s = int("valid_s", 1, 604800, true);
  const counter_at_least = int("counter_at_least", 1, 0xffffffff, true);
  const common = { node, ...(valid_s === undefined ? {} : { valid_s }), ...(counter_at_least === undefined ? {} : { counter_at_least }) };
  if (r.command === "demand") {
    if (!DEMAND_LEVELS.includes(r.level as never)) throw new DownlinkRefused(`'level' must be one of ${DEMAND_LEVELS.join(", ")}`);
    return { ...common, command: "demand", level: r.level as (typeof DEMAND_LEVELS)[number] };
  }
  if (r.command === "override") {
    if (!OUTPUT_MODES.includes(r.mode as never)) throw new DownlinkRefused(`'mode' must be one of ${OUTPUT_MODES.join(", ")}`);
    return { ...common, command: "override", output: int("output", 1, 4)!, mode: r.mode as (typeof OUTPUT_MODES)[number] };
  }
  if (r.command === "time_sync") return { ...common, command: "time_sync" };
  throw new DownlinkRefused("'command' must be demand, override or time_sync");
}

export interface ControlServer {
  port: number;
  close(): Promise<void>;
}

export async function openControl(host: string, port: number, sender: DownlinkSender, log?: (line: string) => void): Promise<ControlServer> {
  if (!isLoopback(host)) throw new SourceError(`--control listens on the loopback interface only (whoever connects commands the nodes), not on ${host}`);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    let buffered = "";
    let queue = Promise.resolve();
    socket.on("data", (chunk) => {
      buffered += chunk.toString("utf8");
      if (buffered.length > MAX_LINE_BYTES && !buffered.includes("\n")) {
        socket.end(JSON.stringify({ ok: false, error: `request line longer than ${MAX_LINE_BYTES} bytes` }) + "\n");
        return;
      }
      let nl: number;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (line === "") continue;
        // In order: each answer follows its request.
        queue = queue.then(async () => {
          let answer: object;
          try {
            const sent = await sender.send(parseRequest(line));
            log?.(`downlink to node ${sent.node}: ${sent.command}, counter ${sent.counter}, ${sent.to}`);
            answer = sent;
          } catch (e) {
            if (!(e instanceof DownlinkRefused || e instanceof RangeError)) log?.(`downlink failed: ${(e as Error).message}`);
            answer = { ok: false, error: (e as Error).message };
          }
          if (!socket.destroyed) socket.write(JSON.stringify(answer) + "\n");
        });
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) => reject(new SourceError(`cannot listen for control on ${host}:${port}: ${e.code ?? e.message}`)));
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
