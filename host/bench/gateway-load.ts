// Load campaigns against the real `activemeter gateway` process: bursts, floods of junk,
// kill -9, several gateways on one PostgreSQL. `npm run bench` runs them at full size; the
// tests run them scaled down and assert the results against what was sent (the sender's own
// bookkeeping, not the gateway's report).
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import dgram from "node:dgram";
import fs from "node:fs";
import path from "node:path";
import { encodeFrame } from "../frame/codec.js";
import { packageRoot } from "../paths.js";
import { Random } from "../sim/random.js";

/** Nodes with keys of their own (not the public test keys) and the keyring file that holds them. */
export class Fleet {
  readonly keys = new Map<number, Uint8Array>();
  readonly nodes: number[];

  constructor(count: number, readonly firstNode = 100_000, seed = 1) {
    this.nodes = Array.from({ length: count }, (_, i) => firstNode + i);
    for (const node of this.nodes) this.keys.set(node, crypto.createHash("sha256").update(`fleet ${seed} ${node}`).digest().subarray(0, 16));
  }

  writeKeyring(file: string): string {
    const keys = Object.fromEntries([...this.keys].map(([n, k]) => [String(n), Buffer.from(k).toString("hex")]));
    fs.writeFileSync(file, JSON.stringify({ keys }));
    return file;
  }

  /** A genuine frame: pulse energy and a volume derived from node and counter, so a stored reading can be checked. */
  frame(node: number, counter: number): Uint8Array {
    return encodeFrame({ node, counter, status: 0, registers: { "pulse1.wh": counter * 10 + 0.5, "heat1.volume_l": node % 1000 + counter } }, this.keys.get(node));
  }
}

/** The registers a Fleet frame carries, computed independently of the codec. */
export function expectedRegisters(node: number, counter: number): Record<string, number> {
  return { "pulse1.wh": counter * 10 + 0.5, "heat1.volume_l": node % 1000 + counter };
}

/** A running `activemeter gateway`: stderr kept, stdout JSON lines counted (readings acknowledged). */
export class GatewayProcess {
  readonly child: ChildProcess;
  stderr = "";
  readonly acknowledged: { node: number; counter: number }[] = [];
  private partial = "";
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(args: string[], env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, [path.join(packageRoot, "bin", "activemeter.js"), "gateway", ...args],
      { cwd: packageRoot, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
    this.child.stderr!.setEncoding("utf8").on("data", (t: string) => { this.stderr += t; });
    this.child.stdout!.setEncoding("utf8").on("data", (t: string) => {
      const text = this.partial + t;
      const lines = text.split("\n");
      this.partial = lines.pop()!; // an incomplete last line is not an acknowledgement
      for (const line of lines) {
        if (!line.startsWith('{"type":"reading"')) continue;
        const r = JSON.parse(line) as { node: number; counter: number };
        this.acknowledged.push({ node: r.node, counter: r.counter });
      }
    });
    this.exited = new Promise((resolve) => this.child.on("exit", (code, signal) => resolve({ code, signal })));
  }

  async until(ready: () => boolean, what: string, ms = 30_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!ready()) {
      if (this.child.exitCode !== null) throw new Error(`gateway exited before ${what}: ${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${this.stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Wait until `expected` readings were acknowledged, or none came for `quietMs` (the rest is lost). */
  async settle(expected: number, quietMs = 3000): Promise<number> {
    let seen = -1;
    let since = Date.now();
    while (this.acknowledged.length < expected && this.child.exitCode === null) {
      if (this.acknowledged.length !== seen) { seen = this.acknowledged.length; since = Date.now(); }
      if (Date.now() - since > quietMs) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.acknowledged.length;
  }

  async port(): Promise<number> {
    await this.until(() => /listening on udp:\S+:\d+/.test(this.stderr) && /store /.test(this.stderr), "the gateway to listen");
    return Number(/listening on udp:\S+:(\d+)/.exec(this.stderr)![1]);
  }

  /** Peak resident memory so far (VmHWM) and now (VmRSS), in MB. */
  memoryMb(): { peak: number; now: number } {
    const status = fs.readFileSync(`/proc/${this.child.pid}/status`, "utf8");
    const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
    return { peak: kb("VmHWM") / 1024, now: kb("VmRSS") / 1024 };
  }

  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }
}

/** UDP senders, optionally bound to several loopback addresses (127.0.0.x) to look like many sources. */
export class Sender {
  private readonly sockets: dgram.Socket[] = [];
  private next = 0;
  private constructor() {}

  static async open(addresses = ["127.0.0.1"]): Promise<Sender> {
    const s = new Sender();
    for (const address of addresses) {
      const socket = dgram.createSocket("udp4");
      socket.on("error", () => {});
      await new Promise<void>((resolve) => socket.bind(0, address, () => resolve()));
      socket.setSendBufferSize(4 * 1024 * 1024);
      s.sockets.push(socket);
    }
    return s;
  }

  send(data: Uint8Array, port: number): Promise<void> {
    const socket = this.sockets[this.next++ % this.sockets.length];
    return new Promise((resolve) => socket.send(data, port, "127.0.0.1", () => resolve()));
  }

  /** Send everything, at most `perSecond` datagrams per second (0: as fast as loopback takes them). */
  async sendAll(datagrams: Uint8Array[], port: number, perSecond = 0): Promise<number> {
    const start = performance.now();
    const chunk = perSecond > 0 ? 64 : 1000;
    for (let i = 0; i < datagrams.length; i += chunk) {
      await Promise.all(datagrams.slice(i, i + chunk).map((d) => this.send(d, port)));
      if (perSecond > 0) {
        const due = start + ((i + chunk) / perSecond) * 1000;
        const wait = due - performance.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      }
    }
    return performance.now() - start;
  }

  close(): void {
    for (const s of this.sockets) s.close();
  }
}

/** Junk of three kinds, in equal parts: random bytes (1..250), forged frames (valid layout, wrong MAC), 64 KB datagrams. */
export function junk(count: number, fleet: Fleet, seed = 7): Uint8Array[] {
  const random = new Random(seed);
  const big = new Uint8Array(65_000).map((_, i) => (i * 131) & 0xff);
  const out: Uint8Array[] = [];
  const wrongKey = new Uint8Array(16).fill(0x5a);
  for (let i = 0; i < count; i++) {
    const kind = i % 3;
    if (kind === 0) out.push(crypto.randomBytes(random.int(1, 250)));
    else if (kind === 1) out.push(encodeFrame({ node: fleet.nodes[i % fleet.nodes.length], counter: 1_000_000 + i, registers: { "pulse1.wh": 1e6 } }, wrongKey));
    else out.push(big);
  }
  return out;
}

/** Interleave b into a evenly (genuine frames spread through a flood). */
export function interleave<T>(a: T[], b: T[]): T[] {
  const out: T[] = [];
  const step = a.length / Math.max(1, b.length);
  let j = 0;
  for (let i = 0; i < a.length; i++) {
    while (j < b.length && j * step <= i) out.push(b[j++]);
    out.push(a[i]);
  }
  while (j < b.length) out.push(b[j++]);
  return out;
}

export function fileBytes(file: string): number {
  let n = 0;
  for (const f of [file, `${file}-wal`, `${file}-shm`]) if (fs.existsSync(f)) n += fs.statSync(f).size;
  return n;
}
