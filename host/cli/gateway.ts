// `activemeter gateway`: frames from UDP, serial (COBS) and hex files into JSON lines, SQLite
// and MQTT (docs/gateway.md). Argument parsing and wiring only; the work is in host/gateway/.
import { parseArgs } from "node:util";
import { loadKeys } from "./decode.js";
import { UsageError } from "./errors.js";
import { GatewayService, summary } from "../gateway/service.js";
import { JsonLinesOutput } from "../gateway/output.js";
import type { GatewayOutput } from "../gateway/output.js";
import type { CounterStore } from "../gateway/gateway.js";
import { SqliteStore, SqliteError } from "../gateway/sqlite.js";
import { StateFile, StateFileError } from "../gateway/state-file.js";
import { MqttOutput, MqttError } from "../gateway/mqtt.js";
import { openHexSource, openSerialSource, openUdpSource, parseHostPort, SourceError } from "../gateway/sources.js";

export const DEFAULT_DB = "./activemeter-gateway.db";

export const GATEWAY_HELP = `usage: activemeter gateway [SOURCES] [OPTIONS]

Receives activemeter frames, verifies them, refuses replays, counts duplicates, reports gaps,
and writes readings and events to standard output (JSON lines), SQLite and MQTT
(docs/gateway.md). Runs until SIGINT/SIGTERM, or until its hex inputs end when it has only those.

sources (at least one; each may be given more than once):
  --udp [HOST:]PORT        one frame per datagram, on 127.0.0.1 unless HOST is given (0.0.0.0: all)
  --serial PATH            serial port or pty, COBS-framed with 0x00 delimiters
  --baud N                 serial speed (default 115200)
  --hex FILE|-             one frame per line in hex; - is standard input

verification:
  --keys FILE              keyring {"keys": {"<node id>": "<32 hex digits>"}}; without it the
                           documented public test keys are used (docs/frames.md), for the twin only
  --allow-unauthenticated  accept suite 0 frames (CRC only, forgeable); refused by default

outputs (stdout and SQLite by default):
  --db PATH                SQLite database, WAL mode (default ${DEFAULT_DB})
  --no-db                  no database; node counters then live in --state FILE or in memory only
  --state FILE             node counters as JSON, for replay protection across restarts without --db
  --mqtt URL               publish to the broker at URL (mqtt://host:1883, mqtts://user:pw@host:8883)
  --mqtt-prefix P          topic prefix (default activemeter): P/<node>/<register>, P/<node>/reading,
                           P/gateway/events, P/gateway/status
  --ha-prefix P            Home Assistant discovery prefix (default homeassistant)
  --no-discovery           no Home Assistant discovery configs
  --quiet                  no JSON lines on standard output
  -h, --help               this text

Exit status: 0 after a clean shutdown; 2 with a one-line reason for bad options, an unreadable
keyring, or a source, database or broker that cannot be opened.`;

function warn(line: string): void {
  process.stderr.write(`activemeter gateway: ${line}\n`);
}

function usage(e: unknown): never {
  if (e instanceof SourceError || e instanceof SqliteError || e instanceof StateFileError || e instanceof MqttError) throw new UsageError(e.message);
  throw e;
}

export async function gatewayCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      udp: { type: "string", multiple: true }, serial: { type: "string", multiple: true }, baud: { type: "string" },
      hex: { type: "string", multiple: true }, keys: { type: "string" }, "allow-unauthenticated": { type: "boolean" },
      db: { type: "string" }, "no-db": { type: "boolean" }, state: { type: "string" },
      mqtt: { type: "string" }, "mqtt-prefix": { type: "string" }, "ha-prefix": { type: "string" }, "no-discovery": { type: "boolean" },
      quiet: { type: "boolean" }, help: { type: "boolean", short: "h" },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    console.log(GATEWAY_HELP);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`gateway takes no arguments ('${positionals[0]}'); sources are --udp, --serial, --hex`);
  const udp = (values.udp ?? []).map((u) => { try { return parseHostPort(u); } catch (e) { return usage(e); } });
  const serial = values.serial ?? [];
  const hex = values.hex ?? [];
  if (udp.length + serial.length + hex.length === 0) throw new UsageError("gateway needs a source: --udp [HOST:]PORT, --serial PATH or --hex FILE|- (see activemeter gateway --help)");
  const baud = values.baud === undefined ? 115200 : Number(values.baud);
  if (!Number.isInteger(baud) || baud <= 0) throw new UsageError(`--baud must be a positive integer, not '${values.baud}'`);
  if (values["no-db"] && values.db !== undefined) throw new UsageError("--db and --no-db contradict each other");
  if (values.state !== undefined && !values["no-db"]) throw new UsageError("--state is for --no-db; with a database the counters are kept in it");
  for (const [name, value] of [["--mqtt-prefix", values["mqtt-prefix"]], ["--ha-prefix", values["ha-prefix"]]] as const) {
    if (value !== undefined && !/^[A-Za-z0-9_\-/]+$/.test(value)) throw new UsageError(`${name} must be a topic prefix of letters, digits, _ - /, not '${value}'`);
  }
  if (values.mqtt === undefined && (values["mqtt-prefix"] !== undefined || values["ha-prefix"] !== undefined || values["no-discovery"])) {
    throw new UsageError("--mqtt-prefix, --ha-prefix and --no-discovery need --mqtt URL");
  }

  const keys = loadKeys(values.keys);
  if (values.keys === undefined) warn("no --keys: verifying with the documented public test keys (fine for the twin, not for real meters)");

  const outputs: GatewayOutput[] = [];
  let store: CounterStore | undefined;
  try {
    if (!values["no-db"]) {
      const db = new SqliteStore(values.db ?? DEFAULT_DB);
      store = db;
      outputs.push(db);
    } else if (values.state !== undefined) {
      store = new StateFile(values.state);
    } else {
      warn("--no-db without --state: node counters are kept in memory only, replays are refused until the next restart");
    }
    if (!values.quiet) {
      // A closed pipe (| head) ends the JSON lines, not the gateway.
      process.stdout.on("error", () => {});
      outputs.unshift(new JsonLinesOutput(process.stdout));
    }
    if (values.mqtt !== undefined) {
      outputs.push(await MqttOutput.connect(values.mqtt, {
        prefix: values["mqtt-prefix"], discoveryPrefix: values["no-discovery"] ? null : values["ha-prefix"], log: warn,
      }));
    }
  } catch (e) {
    for (const o of outputs) await o.close().catch(() => {});
    return usage(e);
  }

  const service = new GatewayService({ keys, requireAuthentication: !values["allow-unauthenticated"], store, outputs, log: warn });
  try {
    for (const { host, port } of udp) {
      const source = await openUdpSource(host, port, service);
      service.add(source);
      warn(`listening on ${source.name}`);
    }
    for (const path of serial) {
      const source = await openSerialSource(path, baud, service);
      service.add(source);
      warn(`reading ${source.name} at ${baud} baud`);
    }
    for (const file of hex) service.add(openHexSource(file, service));
  } catch (e) {
    await service.close();
    return usage(e);
  }

  const live = udp.length + serial.length > 0;
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      warn(`${signal}: shutting down`);
      resolve();
    };
    process.once("SIGINT", () => stop("SIGINT"));
    process.once("SIGTERM", () => stop("SIGTERM"));
    if (!live) void Promise.all(service.sources.map((s) => s.done)).then(() => resolve());
  });
  await service.close();
  warn(summary(service.stats()));
  process.removeAllListeners("SIGINT");
  process.removeAllListeners("SIGTERM");
  return 0;
}
