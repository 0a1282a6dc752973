// `activemeter downlink`: one command to a node through a running gateway's control input
// (`activemeter gateway --udp … --control PORT`, docs/gateway.md "Downlinks"). Argument parsing
// and one request line; the gateway seals, numbers and sends it.
import net from "node:net";
import { parseArgs } from "node:util";
import { UsageError } from "./errors.js";
import { parseHostPort } from "../gateway/sources.js";
import { DEMAND_LEVELS, OUTPUT_MODES, MAX_VALID_S } from "../frame/downlink.js";

export const DOWNLINK_HELP = `usage: activemeter downlink --gateway [HOST:]PORT --node ID COMMAND [--valid SECONDS] [--counter-at-least N]

Sends one authenticated command to a node through a running gateway's control input
(activemeter gateway --udp … --control PORT). The gateway seals it with the node's downlink key
(docs/frames.md "Downlink"), gives it the node's next downlink counter and sends it from its UDP
socket to the address of the node's last authenticated frame. Prints the gateway's answer (JSON).

commands:
  demand normal|reduce|shed    demand-response level (reduce: nothing switches on for PV surplus;
                               shed: every output off), for --valid seconds (default 900); then the
                               node is back on its local rules
  override OUTPUT on|off|auto  output 1..4 forced on or off (auto: back to its rules) for --valid
                               seconds (default 900)
  time-sync                    the gateway's UTC time; --valid (default 60) is how long it may be
                               under way (a node with a synced clock refuses older ones)

options:
  --gateway [HOST:]PORT        the gateway's --control address (loopback)
  --node ID                    the node id
  --valid SECONDS              1 … ${MAX_VALID_S}
  --counter-at-least N         start this node's downlink counters at N or above (after the node's
                               counter moved ahead of the gateway's, e.g. a restored database)
  -h, --help                   this text

Exit status: 0 when the gateway sent it (the node's answer is fw_downlink's: its downlink.*
registers and event log show it), 1 when the gateway refused it (unknown node address, no key),
2 for bad options or a gateway that cannot be reached.`;

export async function downlinkCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { gateway: { type: "string" }, node: { type: "string" }, valid: { type: "string" }, "counter-at-least": { type: "string" }, help: { type: "boolean", short: "h" } },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    console.log(DOWNLINK_HELP);
    return 0;
  }
  if (values.gateway === undefined) throw new UsageError("downlink needs --gateway [HOST:]PORT, the gateway's --control address (see activemeter downlink --help)");
  let target: { host: string; port: number };
  try {
    target = parseHostPort(values.gateway);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const node = Number(values.node);
  if (values.node === undefined || !Number.isInteger(node) || node < 1 || node > 4294967294) throw new UsageError(`--node must be a node id from 1 to 4294967294, not '${values.node ?? ""}'`);
  const request: Record<string, unknown> = { node };
  if (values.valid !== undefined) {
    const v = Number(values.valid);
    if (!Number.isInteger(v) || v < 1 || v > MAX_VALID_S) throw new UsageError(`--valid must be 1 to ${MAX_VALID_S} seconds, not '${values.valid}'`);
    request.valid_s = v;
  }
  if (values["counter-at-least"] !== undefined) {
    const v = Number(values["counter-at-least"]);
    if (!Number.isInteger(v) || v < 1 || v > 0xffffffff) throw new UsageError(`--counter-at-least must be 1 to 4294967295, not '${values["counter-at-least"]}'`);
    request.counter_at_least = v;
  }
  const [command, ...args] = positionals;
  if (command === "demand" && args.length === 1 && DEMAND_LEVELS.includes(args[0] as never)) Object.assign(request, { command, level: args[0] });
  else if (command === "override" && args.length === 2 && /^[1-4]$/.test(args[0]) && OUTPUT_MODES.includes(args[1] as never)) Object.assign(request, { command, output: Number(args[0]), mode: args[1] });
  else if (command === "time-sync" && args.length === 0) request.command = "time_sync";
  else throw new UsageError(`expected 'demand ${DEMAND_LEVELS.join("|")}', 'override 1..4 ${OUTPUT_MODES.join("|")}' or 'time-sync', not '${positionals.join(" ")}'`);
  const answer = await new Promise<string>((resolve, reject) => {
    const socket = net.connect(target.port, target.host);
    let text = "";
    socket.setTimeout(10_000, () => socket.destroy(new Error("no answer within 10 s")));
    socket.on("connect", () => socket.write(JSON.stringify(request) + "\n"));
    socket.on("data", (chunk) => {
      text += chunk.toString("utf8");
      if (text.includes("\n")) { socket.end(); resolve(text.slice(0, text.indexOf("\n"))); }
    });
    socket.on("error", (e: NodeJS.ErrnoException) => reject(new UsageError(`cannot reach the gateway's control input at ${target.host}:${target.port}: ${e.code ?? e.message}`)));
    socket.on("close", () => reject(new UsageError("the gateway closed the connection without an answer")));
  });
  console.log(answer);
  return (JSON.parse(answer) as { ok?: boolean }).ok ? 0 : 1;
}
