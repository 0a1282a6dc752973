// The twin's radio wired to real transports, so its frames reach `activemeter gateway` end to
// end: UDP (one frame per datagram), a serial device or pty (COBS, 0x00 delimited) and a file
// of hex lines. Each frame is sent as it leaves the simulated radio.
import dgram from "node:dgram";
import fs from "node:fs";
import { SerialPort } from "serialport";
import { bytesToHex } from "../frame/codec.js";
import { cobsFrame } from "./cobs.js";
import { parseHostPort, SourceError } from "./sources.js";

export interface FeedOptions {
  /** HOST:PORT or PORT (127.0.0.1) to send each frame to as a datagram. */
  udp?: string;
  /** Serial device or pty to write COBS-framed frames to. */
  serial?: string;
  baud?: number;
  /** File to write one hex line per frame to ("-" for standard output). */
  framesOut?: string;
  /** Datagrams arriving on the UDP socket (a gateway's downlinks to this node: docs/gateway.md). */
  onDatagram?: (bytes: Uint8Array, from: string) => void;
}

export interface FrameFeed {
  /** Hand a frame to every transport; sends are queued, never block the twin. */
  send(frame: Uint8Array): void;
  /** Wait until everything was sent, then close the transports. */
  close(): Promise<void>;
}

export async function openFrameFeed(options: FeedOptions): Promise<FrameFeed> {
  const senders: ((frame: Uint8Array) => Promise<void>)[] = [];
  const closers: (() => Promise<void>)[] = [];
  if (options.udp !== undefined) {
    const { host, port } = parseHostPort(options.udp);
    const socket = dgram.createSocket(host.includes(":") ? "udp6" : "udp4");
    socket.on("error", () => {});
    // The gateway answers to the address its frames came from: this socket.
    if (options.onDatagram) socket.on("message", (msg, rinfo) => options.onDatagram!(new Uint8Array(msg), `udp:${rinfo.address}:${rinfo.port}`));
    senders.push((frame) => new Promise<void>((resolve, reject) =>
      socket.send(frame, port, host, (e) => (e ? reject(new SourceError(`cannot send to UDP ${host}:${port}: ${(e as NodeJS.ErrnoException).code ?? e.message}`)) : resolve()))));
    closers.push(() => new Promise<void>((resolve) => socket.close(() => resolve())));
  }
  if (options.serial !== undefined) {
    const path = options.serial;
    const port = new SerialPort({ path, baudRate: options.baud ?? 115200, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(new SourceError(`cannot open serial port ${path}: ${e.message}`)) : resolve())));
    senders.push((frame) => new Promise<void>((resolve, reject) => {
      port.write(Buffer.from(cobsFrame(frame)), (e) => (e ? reject(new SourceError(`cannot write to ${path}: ${e.message}`)) : resolve()));
    }));
    closers.push(() => new Promise<void>((resolve) => port.drain(() => port.close(() => resolve()))));
  }
  if (options.framesOut !== undefined) {
    let fd: number;
    try {
      fd = options.framesOut === "-" ? 1 : fs.openSync(options.framesOut, "w");
    } catch (e) {
      throw new SourceError(`cannot write ${options.framesOut}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    senders.push(async (frame) => { fs.writeSync(fd, bytesToHex(frame) + "\n"); });
    if (fd !== 1) closers.push(async () => fs.closeSync(fd));
  }
  let pending: Promise<void> = Promise.resolve();
  let failure: Error | undefined;
  return {
    send(frame: Uint8Array): void {
      const copy = frame.slice();
      // In order, one after the other, so a datagram or COBS packet is never interleaved or reordered.
      pending = pending.then(() => Promise.all(senders.map((s) => s(copy)))).then(() => {}, (e) => { failure ??= e; });
    },
    async close(): Promise<void> {
      await pending;
      for (const close of closers) await close();
      if (failure) throw failure;
    },
  };
}
