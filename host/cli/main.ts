// The `activemeter` command: dispatches to subcommands, turns known errors into one-line
// messages and exit codes (2 = bad input or usage), never a stack trace for user mistakes.
import { simCommand } from "./sim.js";
import { UsageError } from "./errors.js";
import { decodeCommand } from "./decode.js";
import { demoCommand } from "./demo.js";
import { ScenarioError } from "../sim/scenario.js";
import { BoardError, listBoards, loadBoard } from "../board/board.js";
import { FirmwareError } from "../firmware/firmware.js";

const HELP = `usage: activemeter <command> [options]

commands:
  demo       an active house and its flats through the gateway, balance and dashboard (npm start)
  sim        play a scenario file through the release firmware (--help for options)
  console    the installer console on a serial port or the twin's pty; --script for calibrations;
             --web serves it as a page for Chrome (Web Serial, Web Bluetooth)
  decode     decode frames given as hex to JSON
  gateway    receive frames (UDP, serial, hex), verify, store, publish to MQTT; --site: building
             balance, --http: the dashboard
  downlink   send a node a command (demand response, output override, time sync) through a gateway
  balance    building energy balance of a district (site file + the gateway's readings)
  dashboard  read-only district dashboard in the browser (site file + the gateway's database)
  boards     list the board definitions, or check one: activemeter boards [NAME|FILE]
  help       this text

Run 'activemeter <command> --help' for the options of a command.`;

function boardsCommand(argv: string[]): number {
  if (argv.length === 0) {
    for (const name of listBoards()) console.log(name);
    return 0;
  }
  for (const arg of argv) {
    const board = loadBoard(arg);
    console.log(`${arg}: ok (${board.name}: ${board.channels.map((c) => c.name).join(", ")})`);
  }
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    // The installer console page (docs/browser-console.md); a serial console otherwise.
    if (command === "console" && rest.includes("--web")) return await (await import("../web/cli.js")).webConsoleCommand(rest);
    switch (command) {
      case "sim": return await simCommand(rest);
      case "console": return await (await import("./serial-console.js")).consoleCommand(rest);
      case "decode": return decodeCommand(rest);
      case "gateway": return await (await import("./gateway.js")).gatewayCommand(rest); // loads SQLite, serial, MQTT only here
      case "downlink": return await (await import("./downlink.js")).downlinkCommand(rest);
      case "demo": return await demoCommand(rest);
      case "balance": return await (await import("./balance.js")).balanceCommand(rest);
      case "dashboard": return await (await import("./dashboard.js")).dashboardCommand(rest);
      case "boards": return boardsCommand(rest);
      case undefined: case "help": case "-h": case "--help":
        console.log(HELP);
        return command === undefined ? 2 : 0;
      default:
        process.stderr.write(`activemeter: unknown command '${command}' (try activemeter help)\n`);
        return 2;
    }
  } catch (e) {
    const known = e instanceof ScenarioError || e instanceof BoardError || e instanceof UsageError || e instanceof FirmwareError ||
      (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS");
    if (!known && !(e instanceof Error && e.message.startsWith("--"))) throw e;
    process.stderr.write(`activemeter: ${(e as Error).message}\n`);
    return 2;
  }
}
