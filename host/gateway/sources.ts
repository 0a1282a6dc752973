// Thin I/O adapters that turn transports into raw frames for the gateway core:
// UDP (one frame per datagram), a serial port (COBS packets, 0x00 delimited) and hex lines
// (files or standard input).
import dgram from "node:dgram";
import fs from "node:fs";
import readline from "node:readline";
import { SerialPort } from "serialport";
import { hexToBytes, FrameError } from "../frame/codec.js";
import { CobsDeframer } from "./deframer.js";
import type { DeframerProblem } from "./deframer.js";

/** Where sources deliver: a frame, or input that could not be one. */
export interface FrameReceiver {
  frame(raw: Uint8Array, source: string): void;
  refuse(reason: "bad_hex" | DeframerProblem, message: string, raw: Uint8Array, source: string): void;
}

export interface Source {
  readonly name: string;
  /** Resolves when the source has no more input (files, stdin); live sources resolve on close. */
  readonly done: Promise<void>;
  close(): Promise<void>;
}

export class SourceError extends Error {}

/** "5000" -> 127.0.0.1:5000, "0.0.0.0:5000", "[::1]:5000". */
export function parseHostPort(text: string, defaultHost = "127.0.0.1"): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]:|([^:]+):)?(\d+)$/.exec(text);
  const port = m ? Number(m[3]) : NaN;
  if (!m || !(port >= 0 && port <= 65535)) throw new SourceError(`'${text}' is not PORT or HOST:PORT`);
  return { host: m[1] ?? m[2] ?? defaultHost, port };
}

/** Receive buffer asked for by default: ~5 000 queued datagrams, room for a whole building's burst. */
export const DEFAULT_UDP_BUFFER_BYTES = 4 * 1024 * 1024;

export interface UdpSource extends Source {
  port: number;
  /** The receive buffer the kernel granted (Linux reports twice the usable size; net.core.rmem_max caps it). */
  recvBufferBytes: number;
  requestedBufferBytes: number;
  /** Send a datagram from this socket (a downlink to the address a node's frames come from). */
  send(bytes: Uint8Array, host: string, port: number): Promise<void>;
}

export async function openUdpSource(host: string, port: number, receiver: FrameReceiver, bufferBytes = DEFAULT_UDP_BUFFER_BYTES): Promise<UdpSource> {
  const socket = dgram.createSocket({ type: host.includes(":") ? "udp6" : "udp4" });
  await new Promise<void>((resolve, reject) => {
    socket.once("error", (e: NodeJS.ErrnoException) => reject(new SourceError(`cannot listen on UDP ${host}:${port}: ${e.code ?? e.message}`)));
    socket.bind(port, host, () => resolve());
  });
  try {
    socket.setRecvBufferSize(bufferBytes);
  } catch (e) {
    socket.close();
    throw new SourceError(`cannot set the UDP receive buffer to ${bufferBytes} bytes: ${(e as Error).message}`);
  }
  const recvBufferBytes = socket.getRecvBufferSize();
  const bound = socket.address().port;
  const name = `udp:${host}:${bound}`;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => { finish = resolve; });
  // The hot path: no copy, no allocation beyond the source label; the core verifies synchronously.
  socket.on("message", (msg, rinfo) => receiver.frame(new Uint8Array(msg.buffer, msg.byteOffset, msg.length), `udp:${rinfo.address}:${rinfo.port}`));
  socket.on("error", () => {});
  return {
    name, port: bound, done, recvBufferBytes, requestedBufferBytes: bufferBytes,
    send: (bytes, host, port) => new Promise<void>((resolve, reject) => socket.send(bytes, port, host,
      (e) => (e ? reject(new SourceError(`cannot send to UDP ${host}:${port}: ${(e as NodeJS.ErrnoException).code ?? e.message}`)) : resolve()))),
    close: () => new Promise<void>((resolve) => socket.close(() => { finish(); resolve(); })),
  };
}

export async function openSerialSource(path: string, baudRate: number, receiver: FrameReceiver): Promise<Source> {
  const name = `serial:${path}`;
  const deframer = new CobsDeframer({
    frame: (bytes) => receiver.frame(bytes, name),
    problem: (kind, detail) => receiver.refuse(kind, detail, new Uint8Array(0), name),
  });
  const port = new SerialPort({ path, baudRate, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(new SourceError(`cannot open serial port ${path}: ${e.message}`)) : resolve())));
  let finish!: () => void;
  const done = new Promise<void>((resolve) => { finish = resolve; });
  port.on("data", (chunk: Buffer) => deframer.push(chunk));
  port.on("error", () => {});
  port.on("close", () => finish());
  return {
    name, done,
    close: () => new Promise<void>((resolve) => {
      if (!port.isOpen) return resolve();
      port.close(() => resolve());
    }),
  };
}

/** Hex lines, one frame per line; blank lines and lines starting with # are skipped. "-" is standard input. */
export function openHexSource(file: string, receiver: FrameReceiver): Source {
  const label = file === "-" ? "stdin" : file;
  let stream: NodeJS.ReadableStream;
  if (file === "-") stream = process.stdin;
  else {
    try {
      fs.accessSync(file, fs.constants.R_OK);
    } catch (e) {
      throw new SourceError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    stream = fs.createReadStream(file);
  }
  const lines = readline.createInterface({ input: stream, crlfDelay: Infinity });
  let lineNo = 0;
  lines.on("line", (line) => {
    lineNo++;
    const text = line.trim();
    if (text === "" || text.startsWith("#")) return;
    const source = `hex:${label}:${lineNo}`;
    let bytes: Uint8Array;
    try {
      bytes = hexToBytes(text);
    } catch (e) {
      if (!(e instanceof FrameError)) throw e;
      receiver.refuse("bad_hex", e.message, new TextEncoder().encode(text.slice(0, 300)), source);
      return;
    }
    receiver.frame(bytes, source);
  });
  const done = new Promise<void>((resolve) => {
    lines.on("close", () => resolve());
    stream.on("error", () => lines.close());
  });
  return {
    name: `hex:${label}`, done,
    close: async () => { lines.close(); },
  };
}
