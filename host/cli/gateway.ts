// `activemeter gateway`: frames from UDP, serial (COBS) and hex files into JSON lines, a store
// (SQLite, or PostgreSQL shared by several gateways) and MQTT (docs/gateway.md). Argument
// parsing and wiring only; the work is in host/gateway/.
import os from "node:os";
import { parseArgs } from "node:util";
import { loadKeys } from "./decode.js";
import { UsageError } from "./errors.js";
import { GatewayService, summary } from "../gateway/service.js";
import { JsonLinesOutput } from "../gateway/output.js";
import type { GatewayOutput } from "../gateway/output.js";
import { SqliteStore } from "../gateway/sqlite.js";
import { PostgresStore } from "../gateway/postgres.js";
import { MemoryStore } from "../gateway/memory-store.js";
import { StoreError } from "../gateway/store.js";
import type { FrameStore } from "../gateway/store.js";
import { MqttPublisher, MqttError } from "../gateway/mqtt.js";
import { PASSWORD_ENV, readPasswordFile, readPem, scrub, SecretError } from "../gateway/secrets.js";
import { openControl } from "../gateway/control.js";
import type { ControlServer } from "../gateway/control.js";
import { readSite, SiteError } from "../site/site-file.js";
import { SiteBalanceOutput } from "../gateway/site-balance.js";
import { LiveDashboardData } from "../dashboard/live-source.js";
import { DashboardError, generateToken, isLoopback, startDashboard } from "../dashboard/server.js";
import type { Dashboard } from "../dashboard/server.js";
import { checkZone } from "../dashboard/periods.js";
import { parsePort, readToken } from "./dashboard.js";
import { DEFAULT_UDP_BUFFER_BYTES, openHexSource, openSerialSource, openUdpSource, parseHostPort, SourceError } from "../gateway/sources.js";

export const DEFAULT_DB = "./activemeter-gateway.db";
export const DEFAULT_NODE_EXPIRE_S = 900;

export const GATEWAY_HELP = `usage: activemeter gateway [SOURCES] [OPTIONS]

Receives activemeter frames, verifies them, refuses replays, counts duplicates, reports gaps,
and writes readings and events to standard output (JSON lines), a database and MQTT
(docs/gateway.md). Runs until SIGINT/SIGTERM, or until its hex inputs end when it has only those.

sources (at least one; each may be given more than once):
  --udp [HOST:]PORT        one frame per datagram, on 127.0.0.1 unless HOST is given (0.0.0.0: all)
  --udp-buffer BYTES       UDP receive buffer to ask the kernel for (default ${DEFAULT_UDP_BUFFER_BYTES}; K/M suffixes;
                           the kernel caps it at net.core.rmem_max; the granted size is logged)
  --serial PATH            serial port or pty, COBS-framed with 0x00 delimiters
  --baud N                 serial speed (default 115200)
  --hex FILE|-             one frame per line in hex; - is standard input

verification:
  --keys FILE              keyring {"keys": {"<node id>": {"<key version>": "<32 hex digits>"}}}
                           (docs/gateway.md "Keyring"); a bad file stops the gateway, naming the line
  --test-keys              also accept the documented PUBLIC test keys (docs/frames.md) for nodes not
                           in the keyring: for the twin and demos only, never for real meters
  --allow-unauthenticated  accept suite 0 frames (CRC only, forgeable); refused by default

store (replay state, readings, rejects, MQTT outbox; SQLite by default):
  --db PATH                SQLite database, WAL, fsynced group commits (default ${DEFAULT_DB})
  --db postgres://USER@HOST:PORT/DB
                           PostgreSQL shared by several gateways (password: PGPASSWORD or ~/.pgpass)
  --no-db                  no store: replay state and MQTT queue in memory only, lost at exit
  --gateway-id ID          this gateway's name in the store and on MQTT (default: the host name)
  --batch-ms N             group commit: wait at most N ms (default 5) ...
  --batch-frames N         ... or N frames (default 2000) before committing

MQTT:
  --mqtt URL               publish to the broker at URL (mqtt://host:1883, mqtts://host:8883, ws://, wss://)
  --mqtt-username NAME     user name
  --mqtt-password-file F   the password: first line of F (or the environment variable ${PASSWORD_ENV});
                           never on the command line, never printed
  --mqtt-ca FILE           PEM CA certificate(s) to trust instead of the public CAs (a private CA)
  --mqtt-cert FILE         PEM client certificate, with --mqtt-key FILE its private key
  --mqtt-prefix P          topic prefix (default activemeter): P/<node>/<register>, P/<node>/reading,
                           P/gateway/<id>/status, P/gateway/<id>/events
  --ha-prefix P            Home Assistant discovery prefix (default homeassistant)
  --node-expire SECONDS    Home Assistant expire_after: a node's sensors become unavailable when no
                           gateway has published them for this long (default ${DEFAULT_NODE_EXPIRE_S}; 0: never)
  --no-discovery           no Home Assistant discovery configs

downlinks (docs/gateway.md "Downlinks"):
  --control [HOST:]PORT    accept downlink commands as JSON lines over TCP on the loopback interface
                           (127.0.0.1 unless HOST is ::1; never another address): activemeter downlink
                           --gateway PORT …; each goes from the first --udp socket to the address the
                           node's last authenticated frame came from, sealed with its downlink key

building balance and dashboard (docs/active-house.md):
  --site FILE              site file (activemeter-site/1): compute each building's and flat's balance
                           from the readings (stored ones first), store it (table site_balance) and,
                           with --mqtt, publish it with Home Assistant discovery
  --balance-interval S     compute/store/publish the balance every S seconds (default 60)
  --http PORT              serve the read-only dashboard on PORT (0: a free one; needs --site); the
                           gateway then runs until a signal even with only --hex sources
  --http-bind ADDR         address of the dashboard (default 127.0.0.1); any other needs a token:
                           --http-token-file FILE (first line, >= 16 characters), or
                           ACTIVEMETER_DASHBOARD_TOKEN, or one is generated and printed on stderr
  --tz ZONE                the residents' time zone for "today" and "this month" (default Europe/Stockholm)

  --quiet                  no JSON lines on standard output
  -h, --help               this text

Exit status: 0 after a clean shutdown; 2 with a one-line reason for bad options, an unreadable
keyring, or a source, database or broker that cannot be opened (with a database, a broker that is
merely unreachable at start is retried: readings wait in the outbox).`;

function warn(line: string): void {
  process.stderr.write(`activemeter gateway: ${scrub(line)}\n`);
}

function usage(e: unknown): never {
  if (e instanceof SiteError || e instanceof DashboardError) throw new UsageError(e.message);
  if (e instanceof SourceError || e instanceof StoreError || e instanceof MqttError || e instanceof SecretError) throw new UsageError(scrub(e.message));
  throw e;
}

function positiveInt(value: string | undefined, name: string, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${name} must be an integer of at least ${min}, not '${value}'`);
  return n;
}

/** "4194304", "4096K", "4M" -> bytes. */
function byteSize(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const m = /^(\d+)([KkMm]?)$/.exec(value);
  const n = m ? Number(m[1]) * (m[2] ? (m[2].toLowerCase() === "k" ? 1024 : 1024 * 1024) : 1) : NaN;
  if (!(n >= 1024 && n <= 1024 * 1024 * 1024)) throw new UsageError(`${name} must be a size from 1024 bytes to 1G (4194304, 4096K, 4M), not '${value}'`);
  return n;
}

export async function gatewayCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      udp: { type: "string", multiple: true }, "udp-buffer": { type: "string" }, serial: { type: "string", multiple: true }, baud: { type: "string" },
      hex: { type: "string", multiple: true }, keys: { type: "string" }, "test-keys": { type: "boolean" }, "allow-unauthenticated": { type: "boolean" },
      db: { type: "string" }, "no-db": { type: "boolean" }, state: { type: "string" }, "gateway-id": { type: "string" },
      "batch-ms": { type: "string" }, "batch-frames": { type: "string" },
      mqtt: { type: "string" }, "mqtt-username": { type: "string" }, "mqtt-password-file": { type: "string" }, "mqtt-password": { type: "string" },
      "mqtt-ca": { type: "string" }, "mqtt-cert": { type: "string" }, "mqtt-key": { type: "string" },
      "mqtt-prefix": { type: "string" }, "ha-prefix": { type: "string" }, "no-discovery": { type: "boolean" }, "node-expire": { type: "string" },
      site: { type: "string" }, "balance-interval": { type: "string" }, http: { type: "string" }, "http-bind": { type: "string" },
      "http-token-file": { type: "string" }, tz: { type: "string" },
      quiet: { type: "boolean" }, help: { type: "boolean", short: "h" }, control: { type: "string" },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    console.log(GATEWAY_HELP);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`gateway takes no arguments ('${positionals[0]}'); sources are --udp, --serial, --hex`);
  if (values.state !== undefined) throw new UsageError("--state is gone: the replay state lives in the database, committed with the readings (--db PATH)");
  if (values["mqtt-password"] !== undefined) throw new UsageError(`--mqtt-password would show the password in ps: use --mqtt-password-file FILE or ${PASSWORD_ENV}`);
  const udp = (values.udp ?? []).map((u) => { try { return parseHostPort(u); } catch (e) { return usage(e); } });
  const serial = values.serial ?? [];
  const hex = values.hex ?? [];
  if (udp.length + serial.length + hex.length === 0) throw new UsageError("gateway needs a source: --udp [HOST:]PORT, --serial PATH or --hex FILE|- (see activemeter gateway --help)");
  let control: { host: string; port: number } | undefined;
  try {
    control = values.control === undefined ? undefined : parseHostPort(values.control);
  } catch (e) {
    return usage(e);
  }
  if (control && udp.length === 0) throw new UsageError("--control needs --udp: downlinks go back over UDP to where the nodes' frames came from");
  const baud = values.baud === undefined ? 115200 : Number(values.baud);
  if (!Number.isInteger(baud) || baud <= 0) throw new UsageError(`--baud must be a positive integer, not '${values.baud}'`);
  const udpBuffer = byteSize(values["udp-buffer"], "--udp-buffer", DEFAULT_UDP_BUFFER_BYTES);
  if (values["udp-buffer"] !== undefined && udp.length === 0) throw new UsageError("--udp-buffer needs --udp");
  if (values["no-db"] && values.db !== undefined) throw new UsageError("--db and --no-db contradict each other");
  const gatewayId = values["gateway-id"] ?? os.hostname();
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(gatewayId)) throw new UsageError(`--gateway-id must be 1 to 64 letters, digits, _ . -, not '${gatewayId}'${values["gateway-id"] === undefined ? " (the host name): give one" : ""}`);
  const batchMs = positiveInt(values["batch-ms"], "--batch-ms", 5, 0);
  const batchFrames = positiveInt(values["batch-frames"], "--batch-frames", 2000);
  const nodeExpire = positiveInt(values["node-expire"], "--node-expire", DEFAULT_NODE_EXPIRE_S, 0);
  for (const [name, value] of [["--mqtt-prefix", values["mqtt-prefix"]], ["--ha-prefix", values["ha-prefix"]]] as const) {
    if (value !== undefined && !/^[A-Za-z0-9_\-/]+$/.test(value)) throw new UsageError(`${name} must be a topic prefix of letters, digits, _ - /, not '${value}'`);
  }
  const mqttOnly = ["mqtt-prefix", "ha-prefix", "no-discovery", "mqtt-username", "mqtt-password-file", "mqtt-ca", "mqtt-cert", "mqtt-key", "node-expire"] as const;
  const stray = mqttOnly.filter((o) => values[o] !== undefined);
  if (values.mqtt === undefined && stray.length) throw new UsageError(`${stray.map((o) => `--${o}`).join(", ")} need --mqtt URL`);
  if ((values["mqtt-cert"] === undefined) !== (values["mqtt-key"] === undefined)) throw new UsageError("--mqtt-cert and --mqtt-key go together");

  for (const o of ["balance-interval", "http", "tz"] as const) {
    if (values[o] !== undefined && values.site === undefined) throw new UsageError(`--${o} needs --site FILE`);
  }
  for (const o of ["http-bind", "http-token-file"] as const) {
    if (values[o] !== undefined && values.http === undefined) throw new UsageError(`--${o} needs --http PORT`);
  }
  const balanceIntervalS = values["balance-interval"] === undefined ? 60 : Number(values["balance-interval"]);
  if (!(balanceIntervalS >= 0.1 && balanceIntervalS <= 86400)) throw new UsageError(`--balance-interval takes seconds from 0.1 to 86400, not '${values["balance-interval"]}'`);
  let zone = "Europe/Stockholm";
  try {
    zone = checkZone(values.tz ?? zone);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const site = values.site === undefined ? undefined : (() => { try { return readSite(values.site!); } catch (e) { return usage(e); } })();
  const httpPort = values.http === undefined ? undefined : parsePort(values.http, 0);
  const httpBind = values["http-bind"] ?? "127.0.0.1";
  let httpToken = values.http === undefined ? undefined : readToken(values["http-token-file"]);
  let tokenGenerated = false;
  if (httpPort !== undefined && !isLoopback(httpBind) && httpToken === undefined) {
    httpToken = generateToken();
    tokenGenerated = true;
  }

  const keys = loadKeys(values.keys, values["test-keys"]);
  if (values["test-keys"]) warn("--test-keys: accepting frames signed with the documented PUBLIC test keys (fine for the twin, never for real meters)");
  else if (values.keys === undefined) warn("no --keys (and no --test-keys): every authenticated frame will be refused as unknown_node");

  // MQTT credentials and certificates are read before anything is opened: a typo fails at once.
  let password: string | undefined;
  let tls: { ca?: Buffer; cert?: Buffer; key?: Buffer } = {};
  try {
    if (values["mqtt-password-file"] !== undefined) password = readPasswordFile(values["mqtt-password-file"]);
    else if (values.mqtt !== undefined && process.env[PASSWORD_ENV]) password = process.env[PASSWORD_ENV];
    tls = {
      ca: values["mqtt-ca"] === undefined ? undefined : readPem(values["mqtt-ca"], "--mqtt-ca"),
      cert: values["mqtt-cert"] === undefined ? undefined : readPem(values["mqtt-cert"], "--mqtt-cert"),
      key: values["mqtt-key"] === undefined ? undefined : readPem(values["mqtt-key"], "--mqtt-key"),
    };
  } catch (e) {
    return usage(e);
  }
  if (values.mqtt !== undefined && /^[a-z]+:\/\/[^/@]*:[^/@]*@/i.test(values.mqtt)) {
    warn("the --mqtt URL contains a password, which ps shows to every user: use --mqtt-password-file");
  }

  const outputs: GatewayOutput[] = [];
  let store: FrameStore;
  const wantOutbox = values.mqtt !== undefined;
  try {
    if (values["no-db"]) {
      store = new MemoryStore(wantOutbox);
      warn("--no-db: replay state and the MQTT queue are kept in memory only and lost at exit");
    } else if (/^postgres(ql)?:\/\//i.test(values.db ?? "")) {
      store = await PostgresStore.open(values.db!, { gateway: gatewayId, outbox: wantOutbox });
    } else {
      store = new SqliteStore(values.db ?? DEFAULT_DB, { gateway: gatewayId, outbox: wantOutbox });
    }
  } catch (e) {
    return usage(e);
  }
  if (!values.quiet) {
    // A closed pipe (| head) ends the JSON lines, not the gateway.
    process.stdout.on("error", () => {});
    outputs.push(new JsonLinesOutput(process.stdout));
  }
  let controlServer: ControlServer | undefined;
  let siteBalance: SiteBalanceOutput | undefined;
  if (site) {
    try {
      siteBalance = await SiteBalanceOutput.open({ site, store, intervalMs: balanceIntervalS * 1000, log: warn });
    } catch (e) {
      await store.close().catch(() => {});
      return usage(e);
    }
    outputs.push(siteBalance);
  }
  const service = await GatewayService.open({
    keys, requireAuthentication: !values["allow-unauthenticated"], store, outputs, log: warn, batchMs, batchFrames,
  });
  let dashboard: Dashboard | undefined;
  try {
    if (values.mqtt !== undefined) {
      const publisher = await MqttPublisher.connect(values.mqtt, store, {
        gatewayId, prefix: values["mqtt-prefix"], discoveryPrefix: values["no-discovery"] ? null : values["ha-prefix"],
        expireAfterS: nodeExpire, username: values["mqtt-username"], password, ...tls, log: warn, startOffline: !values["no-db"],
      });
      service.attach(publisher);
      siteBalance?.attach(publisher, publisher.prefix, values["no-discovery"] ? null : values["ha-prefix"] ?? "homeassistant");
    }
    if (siteBalance) {
      siteBalance.start();
      void siteBalance.tick(); // the stored readings' balance, at once
      warn(`site ${site!.name}: ${site!.buildings.length} buildings, balance every ${balanceIntervalS} s`);
    }
    if (httpPort !== undefined) {
      dashboard = await startDashboard({ port: httpPort, host: httpBind, token: httpToken, data: new LiveDashboardData(site!, siteBalance!, zone, service.downlinks) });
      // The token is printed only when the gateway made it up: otherwise the operator has it already.
      warn(`dashboard on ${dashboard.url}${tokenGenerated ? `?token=${httpToken} (access token generated for this run; --http-token-file FILE to choose one)` : ""}`);
    }
    for (const { host, port } of udp) {
      const source = await openUdpSource(host, port, service, udpBuffer);
      service.add(source);
      const small = source.recvBufferBytes < udpBuffer ? ` (less than the ${udpBuffer} asked for: raise net.core.rmem_max)` : "";
      warn(`listening on ${source.name}, receive buffer ${source.recvBufferBytes} bytes granted${small}`);
    }
    for (const path of serial) {
      const source = await openSerialSource(path, baud, service);
      service.add(source);
      warn(`reading ${source.name} at ${baud} baud`);
    }
    for (const file of hex) service.add(openHexSource(file, service));
    if (control) {
      controlServer = await openControl(control.host, control.port, service.downlinks, warn);
      warn(`downlink control on tcp:${control.host}:${controlServer.port}`);
    }
  } catch (e) {
    await dashboard?.close();
    await service.close();
    return usage(e);
  }
  warn(`gateway ${gatewayId}, store ${store.name}`);

  const live = udp.length + serial.length > 0 || dashboard !== undefined;
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      warn(`${signal}: shutting down`);
      resolve();
    };
    process.once("SIGINT", () => stop("SIGINT"));
    process.once("SIGTERM", () => stop("SIGTERM"));
    if (!live) void Promise.all(service.sources.map((s) => s.done)).then(() => resolve());
  });
  await controlServer?.close();
  await dashboard?.close();
  await service.close();
  warn(summary(service.stats()));
  process.removeAllListeners("SIGINT");
  process.removeAllListeners("SIGTERM");
  return 0;
}
