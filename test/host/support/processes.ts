// Long-running processes for the gateway's end-to-end tests: the `activemeter` command as a
// child, Debian programs the tests need (mosquitto, socat), free ports.
import { spawn, spawnSync } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { projectRoot } from "./asc-compile.js";

export interface Exit { code: number | null; signal: NodeJS.Signals | null }

/** A running `activemeter …` with its stdout JSON lines and stderr collected. */
export class CliProcess {
  readonly lines: Record<string, unknown>[] = [];
  /** Standard output lines that are not JSON. */
  readonly text: string[] = [];
  stdout = "";
  stderr = "";
  readonly exited: Promise<Exit>;
  private readonly child: ChildProcess;
  private waiters: (() => void)[] = [];

  constructor(args: string[], input?: string) {
    this.child = spawn(process.execPath, [path.join(projectRoot, "bin", "activemeter.js"), ...args], { cwd: projectRoot, stdio: ["pipe", "pipe", "pipe"] });
    this.child.stdout!.setEncoding("utf8").on("data", (text: string) => {
      this.stdout += text;
      let nl: number;
      while ((nl = this.stdout.indexOf("\n")) >= 0) {
        const line = this.stdout.slice(0, nl);
        this.stdout = this.stdout.slice(nl + 1);
        if (!line.trim()) continue;
        try {
          this.lines.push(JSON.parse(line));
        } catch {
          this.text.push(line);
        }
      }
      this.wake();
    });
    this.child.stderr!.setEncoding("utf8").on("data", (text: string) => { this.stderr += text; this.wake(); });
    this.exited = new Promise((resolve) => this.child.on("exit", (code, signal) => { this.wake(); resolve({ code, signal }); }));
    if (input !== undefined) this.child.stdin!.end(input);
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Wait until `ready()` holds, re-checked on every output; fails after `ms` or when the process exits first. */
  async until(ready: () => boolean, what: string, ms = 20_000): Promise<void> {
    const deadline = Date.now() + ms;
    let exited = false;
    void this.exited.then(() => { exited = true; });
    while (!ready()) {
      if (exited) throw new Error(`activemeter exited before ${what}; stderr: ${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; stderr: ${this.stderr}`);
      await new Promise<void>((resolve) => { this.waiters.push(resolve); setTimeout(resolve, 100); });
    }
  }

  /** The UDP port the gateway said it listens on. */
  async udpPort(): Promise<number> {
    await this.until(() => /listening on udp:[^\s]+:\d+/.test(this.stderr), "the gateway to listen");
    return Number(/listening on udp:[^\s]+:(\d+)/.exec(this.stderr)![1]);
  }

  readings(): Record<string, unknown>[] {
    return this.lines.filter((l) => l.type === "reading");
  }

  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<Exit> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** The path of a Debian program, or a failure that names the package to install. */
export function debianProgram(name: string, pkg: string, purpose: string): string {
  for (const dir of ["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"]) {
    const file = path.join(dir, name);
    if (fs.existsSync(file)) return file;
  }
  const which = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" });
  if (which.status === 0 && which.stdout.trim()) return which.stdout.trim();
  throw new Error(`${name} not found: ${purpose} needs Debian's ${pkg} package (npm test installs it as root: tools/test-tools.mjs)`);
}

/** A mosquitto of the test's own on a free port, with persistence so it can be restarted without losing sessions. */
export class Mosquitto {
  private child: ChildProcess | undefined;
  log = "";
  private constructor(readonly port: number, private readonly config: string, private readonly binary: string) {}

  static async start(dir: string): Promise<Mosquitto> {
    const binary = debianProgram("mosquitto", "mosquitto", "the MQTT tests");
    const port = await freePort();
    const config = path.join(dir, "mosquitto.conf");
    fs.writeFileSync(config, [`listener ${port} 127.0.0.1`, "allow_anonymous true", "persistence true",
      `persistence_location ${dir}/`, "user root", ""].join("\n"));
    const broker = new Mosquitto(port, config, binary);
    await broker.restart();
    return broker;
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  async restart(): Promise<void> {
    const child = spawn(this.binary, ["-c", this.config], { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout!.on("data", (d) => { this.log += d; });
    child.stderr!.on("data", (d) => { this.log += d; });
    this.child = child;
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`mosquitto exited: ${this.log}`);
      if (await canConnect(this.port)) return;
      if (Date.now() > deadline) throw new Error(`mosquitto did not listen on ${this.port}: ${this.log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** SIGTERM: mosquitto saves its sessions and queued messages, then exits. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => { child.once("exit", () => resolve()); child.kill("SIGTERM"); });
  }
}

export function canConnect(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, host);
    socket.once("connect", () => { socket.destroy(); resolve(true); });
    socket.once("error", () => resolve(false));
  });
}
