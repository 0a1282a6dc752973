// Services the gateway tests start for themselves, each on a free loopback port in a temporary
// folder, and stop at the end: Debian's mosquitto (plain, TLS with a private CA and client
// certificates, user names and passwords) and Debian's PostgreSQL (which refuses to run as
// root, so it runs as the `postgres` user the package creates). A missing program makes the
// test fail and names the package; nothing is skipped.
import { spawn, spawnSync } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { canConnect, debianProgram, freePort } from "./processes.js";

function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

function run(program: string, args: string[], what: string, options: { cwd?: string } = {}): string {
  const r = spawnSync(program, args, { encoding: "utf8", cwd: options.cwd });
  if (r.status !== 0) throw new Error(`${what} failed (${program} ${args.join(" ")}): ${r.stderr || r.stdout || r.error?.message}`);
  return r.stdout;
}

async function waitFor(ready: () => Promise<boolean>, what: string, child?: ChildProcess, log?: () => string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (child && child.exitCode !== null) throw new Error(`${what}: exited early: ${log?.() ?? ""}`);
    if (await ready()) return;
    if (Date.now() > deadline) throw new Error(`${what}: timed out: ${log?.() ?? ""}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** PEM files of a private CA, a server certificate for 127.0.0.1 and a client certificate, made with openssl. */
export interface Certificates { dir: string; ca: string; caKey: string; serverCert: string; serverKey: string; clientCert: string; clientKey: string }

export function makeCertificates(dir = tempDir("activemeter-pki-")): Certificates {
  const openssl = debianProgram("openssl", "openssl", "the TLS tests");
  const f = (name: string) => path.join(dir, name);
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  run(openssl, ["req", "-x509", ...ec, "-keyout", f("ca.key"), "-out", f("ca.pem"), "-days", "2", "-subj", "/CN=activemeter test CA",
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"], "openssl CA");
  for (const [name, cn, ext] of [["server", "127.0.0.1", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n"], ["client", "gateway-test-client", "extendedKeyUsage=clientAuth\n"]]) {
    run(openssl, ["req", ...ec, "-keyout", f(`${name}.key`), "-out", f(`${name}.csr`), "-subj", `/CN=${cn}`], `openssl ${name} key`);
    fs.writeFileSync(f(`${name}.ext`), ext);
    run(openssl, ["x509", "-req", "-in", f(`${name}.csr`), "-CA", f("ca.pem"), "-CAkey", f("ca.key"), "-CAcreateserial",
      "-out", f(`${name}.pem`), "-days", "2", "-extfile", f(`${name}.ext`)], `openssl ${name} certificate`);
  }
  return { dir, ca: f("ca.pem"), caKey: f("ca.key"), serverCert: f("server.pem"), serverKey: f("server.key"), clientCert: f("client.pem"), clientKey: f("client.key") };
}

export interface BrokerOptions {
  /** TLS with these certificates; clients must present a certificate signed by the CA. */
  tls?: Certificates;
  /** User name -> password; anonymous clients are then refused. */
  users?: Record<string, string>;
}

/** A mosquitto of the test's own, with persistence so that it can be stopped and started again. */
export class Broker {
  private child: ChildProcess | undefined;
  log = "";
  private constructor(readonly port: number, readonly dir: string, private readonly config: string, private readonly binary: string, readonly tls: boolean) {}

  static async start(options: BrokerOptions = {}): Promise<Broker> {
    const binary = debianProgram("mosquitto", "mosquitto", "the MQTT tests");
    const dir = tempDir("activemeter-mqtt-");
    const port = await freePort();
    const lines = [`listener ${port} 127.0.0.1`, "persistence true", `persistence_location ${dir}/`, "user root"];
    if (options.users) {
      const passwd = debianProgram("mosquitto_passwd", "mosquitto", "the MQTT password test");
      const file = path.join(dir, "passwd");
      fs.writeFileSync(file, "");
      for (const [user, password] of Object.entries(options.users)) run(passwd, ["-b", file, user, password], "mosquitto_passwd");
      lines.push("allow_anonymous false", `password_file ${file}`);
    } else lines.push("allow_anonymous true");
    if (options.tls) {
      lines.push(`cafile ${options.tls.ca}`, `certfile ${options.tls.serverCert}`, `keyfile ${options.tls.serverKey}`, "require_certificate true", "tls_version tlsv1.2");
    }
    const config = path.join(dir, "mosquitto.conf");
    fs.writeFileSync(config, lines.join("\n") + "\n");
    const broker = new Broker(port, dir, config, binary, !!options.tls);
    await broker.restart();
    return broker;
  }

  get url(): string {
    return `${this.tls ? "mqtts" : "mqtt"}://127.0.0.1:${this.port}`;
  }

  async restart(): Promise<void> {
    const child = spawn(this.binary, ["-c", this.config], { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout!.on("data", (d) => { this.log += d; });
    child.stderr!.on("data", (d) => { this.log += d; });
    this.child = child;
    await waitFor(() => canConnect(this.port), `mosquitto on ${this.port}`, child, () => this.log);
  }

  /** SIGTERM: mosquitto saves its sessions and queued messages, then exits. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => { child.once("exit", () => resolve()); child.kill("SIGTERM"); });
  }

  /** Stop and remove the folder. */
  async dispose(): Promise<void> {
    await this.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

function postgresProgram(name: string): string {
  const root = "/usr/lib/postgresql";
  const versions = fs.existsSync(root) ? fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, "bin", name))).sort((a, b) => Number(b) - Number(a)) : [];
  if (versions.length) return path.join(root, versions[0], "bin", name);
  return debianProgram(name, "postgresql", "the PostgreSQL gateway tests");
}

/** A PostgreSQL cluster of the test's own: initdb in a temporary folder, trust authentication on 127.0.0.1 only. */
export class Postgres {
  private constructor(readonly port: number, readonly dir: string, private readonly asPostgres: (program: string, args: string[]) => [string, string[]]) {}

  static async start(options: { fsync?: boolean } = {}): Promise<Postgres> {
    const initdb = postgresProgram("initdb");
    const pgCtl = postgresProgram("pg_ctl");
    const root = process.getuid?.() === 0;
    if (root) {
      debianProgram("runuser", "util-linux", "running PostgreSQL as the postgres user");
      if (spawnSync("id", ["-u", "postgres"]).status !== 0) throw new Error("no postgres user: the PostgreSQL tests need Debian's postgresql package (apt-get install postgresql)");
    }
    const asPostgres = (program: string, args: string[]): [string, string[]] => (root ? ["runuser", ["-u", "postgres", "--", program, ...args]] : [program, args]);
    const dir = tempDir("activemeter-pg-");
    if (root) run("chown", ["postgres:postgres", dir], "chown of the PostgreSQL folder");
    const data = path.join(dir, "data");
    run(...asPostgres(initdb, ["-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"]), "initdb", { cwd: dir });
    const port = await freePort();
    const pg = new Postgres(port, dir, asPostgres);
    const settings = [`-p ${port}`, `-k ${dir}`, "-c listen_addresses=127.0.0.1", "-c max_connections=50", ...(options.fsync === false ? ["-c fsync=off"] : [])];
    run(...asPostgres(pgCtl, ["-D", data, "-o", settings.join(" "), "-l", path.join(dir, "log"), "-w", "-t", "30", "start"]), "pg_ctl start", { cwd: dir });
    await waitFor(() => canConnect(port), `PostgreSQL on ${port}`, undefined, () => pg.log());
    return pg;
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  log(): string {
    try {
      return fs.readFileSync(path.join(this.dir, "log"), "utf8");
    } catch {
      return "";
    }
  }

  /** A fresh database in this cluster (each test its own). */
  createDatabase(name: string): string {
    run(...this.asPostgres(postgresProgram("createdb"), ["-h", "127.0.0.1", "-p", String(this.port), "-U", "postgres", name]), "createdb", { cwd: this.dir });
    return `postgres://postgres@127.0.0.1:${this.port}/${name}`;
  }

  async stop(): Promise<void> {
    if (!fs.existsSync(path.join(this.dir, "data", "postmaster.pid"))) return;
    run(...this.asPostgres(postgresProgram("pg_ctl"), ["-D", path.join(this.dir, "data"), "-m", "fast", "-w", "stop"]), "pg_ctl stop", { cwd: this.dir });
  }

  async dispose(): Promise<void> {
    await this.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
