// `activemeter sim`: play a scenario file through the release firmware (docs/scenarios.md).
import { parseArgs } from "node:util";
import { readScenario } from "../sim/scenario.js";
import { Twin } from "../sim/twin.js";
import { paced, parseSpeed } from "./pace.js";

export const SIM_HELP = `usage: activemeter sim --scenario FILE [--json] [--speed N|max]

Plays a scenario file (format activemeter-scenario/1, see docs/scenarios.md) through the
release firmware build/firmware.wasm on a simulated board and reports what it measured.

  --scenario FILE   the scenario to play (required)
  --json            print exactly one JSON report on stdout (format activemeter-report/1)
  --speed N|max     N simulated seconds per real second, or as fast as possible (default max)
  -h, --help        this text

Exit status: 0 when the scenario ran; 2 with a one-line reason on stderr when the file is invalid.`;

export async function simCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { scenario: { type: "string" }, json: { type: "boolean" }, speed: { type: "string" }, help: { type: "boolean", short: "h" } },
    strict: true,
  });
  if (values.help) {
    console.log(SIM_HELP);
    return 0;
  }
  if (!values.scenario) throw new UsageError("sim needs --scenario FILE (see activemeter sim --help)");
  const speed = parseSpeed(values.speed, "max");
  const scenario = readScenario(values.scenario);
  const twin = new Twin(scenario);
  await paced(speed, () => twin.clockUs, () => twin.done, () => twin.step());
  const report = twin.report();
  if (values.json) {
    process.stdout.write(JSON.stringify(report) + "\n");
  } else {
    console.log(`board ${report.board}, ${report.seconds} s simulated, ${report.frames.length} frames`);
    for (const [name, value] of Object.entries(report.registers)) console.log(`  ${name.padEnd(18)} ${value}`);
  }
  return 0;
}

export class UsageError extends Error {}
