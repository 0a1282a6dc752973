// `activemeter demo` (npm start): a simulated apartment meter feeding the gateway decoder,
// with a live table of registers, power and frames received, until the end or Ctrl-C.
import { parseArgs } from "node:util";
import { parseScenario } from "../sim/scenario.js";
import { Twin } from "../sim/twin.js";
import { FrameError } from "../frame/codec.js";
import { decodeAny } from "../oms/input.js";
import { TestKeys } from "../frame/keyring.js";
import type { Frame } from "../frame/codec.js";
import { paced, parseSpeed } from "./pace.js";

export const DEMO_HELP = `usage: activemeter demo [--speed N|max] [--seconds S] [--scenario FILE]

Runs a simulated apartment meter (board esp32-devkitc) on 230 V 50 Hz mains: a CT clamp on the
grid feed (ct1: 6 A at 25° lag, importing 1.25 kW), a CT clamp on the PV inverter's feed (ct2:
3.6 kW exported, 15.65 A), the same inverter's S0 output on pulse1 (1000 imp/kWh, with contact
bounce) and a heat meter's energy pulse output on pulse2 (10 Wh per pulse, 4.5 kW). Its frames go through the gateway's frame decoder; the table shows
the firmware's registers beside what the gateway received. Ctrl-C stops it cleanly.

  --speed N|max    simulated seconds per real second (default 60)
  --seconds S      simulated duration (default 86400: one day)
  --scenario FILE  play another scenario file instead of the built-in apartment`;

export function apartmentScenario(seconds: number): string {
  return JSON.stringify({
    format: "activemeter-scenario/1",
    board: "esp32-devkitc",
    seconds,
    seed: 1,
    console: ["unlock 0000", "set pulse2.wh_per_pulse 10"],
    mains: { vrms: 230, hz: 50, harmonics: [[3, 0.02, 0], [5, 0.015, 0]] },
    ct: {
      ct1: { irms: 6.0, phi_deg: 25, harmonics: [[3, 0.25, 0], [5, 0.1, 0]], noise_a: 0.02 },
      ct2: { irms: 3600 / 230, phi_deg: 180, harmonics: [[5, 0.03, 0]], noise_a: 0.02 },
    },
    pulse: {
      pulse1: { hz: 1.0, on_ms: 40, bounce_ms: 3 },
      pulse2: { hz: 0.125, on_ms: 100, bounce_ms: 2 },
    },
  });
}

const LABELS: Record<string, string> = { ct1: "grid", ct2: "PV inverter", pulse1: "PV production", pulse2: "heat meter" };

function clock(us: number): string {
  const s = Math.floor(us / 1e6);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}`;
}

export async function demoCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { speed: { type: "string" }, seconds: { type: "string" }, scenario: { type: "string" }, help: { type: "boolean", short: "h" } },
    strict: true,
  });
  if (values.help) {
    console.log(DEMO_HELP);
    return 0;
  }
  const speed = parseSpeed(values.speed, 60);
  const seconds = values.seconds === undefined ? 86400 : Number(values.seconds);
  if (!(seconds > 0)) throw new Error(`--seconds takes a positive number, not '${values.seconds}'`);
  const scenario = values.scenario
    ? parseScenario((await import("node:fs")).readFileSync(values.scenario, "utf8"), values.scenario)
    : parseScenario(apartmentScenario(seconds), "built-in apartment scenario");

  const keys = new TestKeys();
  let received = 0;
  let rejected = 0;
  let last: Frame | undefined;
  const twin = new Twin(scenario, undefined, {
    frame: (bytes) => {
      try {
        last = decodeAny(bytes, { keys, requireAuthentication: true }); // native frame or OMS telegram
        received++;
      } catch (e) {
        if (!(e instanceof FrameError)) throw e;
        rejected++;
      }
    },
  });

  const tty = process.stdout.isTTY === true;
  let drawnLines = 0;
  const draw = (final: boolean) => {
    const regs = twin.registers();
    const lines: string[] = [];
    lines.push(`activemeter demo: ${scenario.board.name}, node ${last?.node ?? scenario.board.node_id}, simulated ${clock(twin.clockUs)} at ${speed === "max" ? "max" : speed + "x"} speed`);
    lines.push(`${"channel".padEnd(22)}${"count".padStart(10)}${"energy (firmware)".padStart(20)}${"power".padStart(12)}${"energy (gateway)".padStart(20)}`);
    for (const name of scenario.ct.keys()) {
      // a clamp: one row per direction; power is signed (> 0 import)
      for (const direction of ["import", "export"]) {
        const label = `${name} ${LABELS[name] ?? ""} ${direction}`.replace(/ +/g, " ");
        const watts = regs[`${name}.power_w`];
        const power = (direction === "import") === (watts >= 0) ? (watts.toFixed(1) + " W").padStart(12) : "".padStart(12);
        lines.push(
          `${label.padEnd(22)}${"".padStart(10)}${(regs[`${name}.${direction}_wh`].toFixed(3) + " Wh").padStart(20)}${power}` +
          `${((last?.registers[`${name}.${direction}_wh`] ?? 0).toFixed(1) + " Wh").padStart(20)}`,
        );
      }
    }
    for (const name of scenario.pulse.keys()) {
      const label = `${name} ${LABELS[name] ?? ""}`.trim();
      lines.push(
        `${label.padEnd(22)}${String(regs[`${name}.count`]).padStart(10)}` +
        `${(regs[`${name}.wh`].toFixed(3) + " Wh").padStart(20)}${(regs[`${name}.power_w`].toFixed(1) + " W").padStart(12)}` +
        `${((last?.registers[`${name}.wh`] ?? 0).toFixed(1) + " Wh").padStart(20)}`,
      );
    }
    lines.push(`frames received ${received}, rejected ${rejected}, last counter ${last?.counter ?? "-"}, status ${last?.status_flags.join(",") || "-"}`);
    lines.push(final ? "stopped." : "Ctrl-C to stop");
    if (tty) {
      if (drawnLines > 0) process.stdout.write(`\x1b[${drawnLines}A\x1b[J`);
      process.stdout.write(lines.join("\n") + "\n");
      drawnLines = lines.length;
    } else if (final) {
      process.stdout.write(lines.join("\n") + "\n");
    }
  };

  let stop = false;
  const onSigint = () => { stop = true; };
  process.on("SIGINT", onSigint);
  if (tty) process.stdout.write("\x1b[?25l");
  const timer = setInterval(() => draw(false), 250);
  try {
    await paced(speed, () => twin.clockUs, () => twin.done, () => twin.step(), () => stop);
  } finally {
    clearInterval(timer);
    draw(true);
    if (tty) process.stdout.write("\x1b[?25h");
    process.off("SIGINT", onSigint);
  }
  return 0;
}
