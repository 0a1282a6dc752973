// `activemeter console --web`: serve the installer console page (docs/browser-console.md).
import { parseArgs } from "node:util";
import { readScenario } from "../sim/scenario.js";
import { startWebConsole } from "./server.js";

export const DEFAULT_WEB_PORT = 8417;

export const WEB_HELP = `usage: activemeter console --web [--port N] [--twin SCENARIO [--speed N]]

Serves the installer console page on http://localhost:N/ (127.0.0.1 only). Open it in Chrome
or Edge (Web Serial, Web Bluetooth), press Connect and pick the meter's serial port (115200 baud)
or its Bluetooth name (Nordic UART service). See docs/browser-console.md.

  --web             serve the page (this mode)
  --port N          TCP port on 127.0.0.1 (default ${DEFAULT_WEB_PORT}; 0 picks a free one)
  --twin SCENARIO   no hardware: run a twin of this scenario file in real time and let the page's
                    Connect > Web Serial reach its console instead of a serial port
  --speed N         simulated seconds per real second for --twin (default 1)
  -h, --help        this text

Stops with Ctrl-C.`;

export async function webConsoleCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { web: { type: "boolean" }, port: { type: "string" }, twin: { type: "string" }, speed: { type: "string" }, help: { type: "boolean", short: "h" } },
    strict: true,
  });
  if (values.help) {
    console.log(WEB_HELP);
    return 0;
  }
  const port = values.port === undefined ? DEFAULT_WEB_PORT : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port takes a TCP port number (0 .. 65535), not '${values.port}'`);
  const speed = values.speed === undefined ? 1 : Number(values.speed);
  if (!(Number.isFinite(speed) && speed > 0)) throw new Error(`--speed takes a positive number, not '${values.speed}'`);
  if (values.speed !== undefined && !values.twin) throw new Error("--speed needs --twin SCENARIO");
  const scenario = values.twin ? readScenario(values.twin) : undefined;
  const web = await startWebConsole({ port, twin: scenario, twinOptions: { speed }, simulatedSerial: !!scenario }).catch((e: NodeJS.ErrnoException) => {
    throw new Error(e.code === "EADDRINUSE" ? `--port ${port} is in use: pick another (--port 0 picks a free one)` : `--port ${port}: ${e.message}`);
  });
  console.log(`activemeter console: open ${web.url} in Chrome or Edge, then Connect`);
  if (scenario) console.log(`twin of ${scenario.board.name} for ${scenario.seconds} s at ${speed}x: Connect > Web Serial reaches its console`);
  console.log("Ctrl-C stops.");
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await web.close();
  return 0;
}
