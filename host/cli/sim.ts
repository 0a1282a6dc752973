// `activemeter sim`: play a scenario file through the release firmware (docs/scenarios.md).
import fs from "node:fs";
import { parseArgs } from "node:util";
import { readScenario } from "../sim/scenario.js";
import { Twin } from "../sim/twin.js";
import { AbiRecording } from "../firmware/recorder.js";
import { paced, parseSpeed } from "./pace.js";
import { UsageError } from "./errors.js";
import { SimProgress } from "./progress.js";

export const SIM_HELP = `usage: activemeter sim --scenario FILE [--json] [--speed N|max] [--record FILE] [--serial-pty] [--flash FILE] [--quiet]

Plays a scenario file (format activemeter-scenario/1, see docs/scenarios.md) through the
release firmware build/firmware.wasm on a simulated board and reports what it measured.

  --scenario FILE   the scenario to play (required)
  --json            print exactly one JSON report on stdout (format activemeter-report/1)
  --speed N|max     N simulated seconds per real second, or as fast as possible (default max)
  --record FILE     write everything fed through the board ABI to FILE, for
                    build/native/activemeter-native replay FILE (docs/native.md)
  --udp [HOST:]PORT send each frame as a UDP datagram as it leaves the radio (activemeter gateway --udp);
                    datagrams coming back on that socket are the gateway's downlinks: the radio
                    hands them to the firmware (fw_downlink) and each result is a line on stderr
                    and in the report's "downlinks" (a paced run, --speed N, hears them as they come)
  --serial PATH     write each frame COBS-framed to a serial port or pty (activemeter gateway --serial)
  --baud N          serial speed (default 115200)
  --frames-out FILE write each frame as a hex line to FILE (activemeter gateway --hex FILE)
  --serial-pty      expose the board's serial console on a pseudo-terminal (needs socat) and
                    print its path: attach 'activemeter console --port PATH' or picocom/tio;
                    plays in real time unless --speed says otherwise
  --flash FILE      the board's flash image: read at power-up if FILE exists, written at the
                    end, so a later run continues the same unit (calibration, registers, log)
  --quiet           no progress line (on a terminal, runs over ~5 s show simulated time,
                    speed and ETA on stderr; never when stderr is not a terminal)
  -h, --help        this text

A channel driven above 120 % of the board's rating (CT rated current, pulse and heat rated_kw,
rated_m3h, the voltage input's range) runs, flagged: a warning on stderr and the list in the JSON
report's "overload" (the journal's wear and loss figures, docs/storage.md, assume the rating).

Exit status: 0 when the scenario ran; 2 with a one-line reason on stderr when the file is invalid.`;

export async function simCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { scenario: { type: "string" }, json: { type: "boolean" }, speed: { type: "string" }, udp: { type: "string" }, serial: { type: "string" }, baud: { type: "string" }, "frames-out": { type: "string" }, record: { type: "string" }, "serial-pty": { type: "boolean" }, flash: { type: "string" }, quiet: { type: "boolean", short: "q" }, help: { type: "boolean", short: "h" } },
    strict: true,
  });
  if (values.help) {
    console.log(SIM_HELP);
    return 0;
  }
  if (!values.scenario) throw new UsageError("sim needs --scenario FILE (see activemeter sim --help)");
  const speed = parseSpeed(values.speed, values["serial-pty"] ? 1 : "max");
  const scenario = readScenario(values.scenario);
  const recording = values.record ? new AbiRecording(values.record) : undefined;
  const baud = values.baud === undefined ? 115200 : Number(values.baud);
  if (!Number.isInteger(baud) || baud <= 0) throw new UsageError(`--baud must be a positive integer, not '${values.baud}'`);
  const feeding = values.udp !== undefined || values.serial !== undefined || values["frames-out"] !== undefined;
  // The twin exists only below; a downlink that arrives before it is kept for its first step.
  let deliver: ((bytes: Uint8Array) => void) | undefined;
  const early: Uint8Array[] = [];
  const onDatagram = (bytes: Uint8Array) => {
    if (deliver) deliver(bytes);
    else early.push(bytes);
  };
  const feed = feeding ? await (await import("../gateway/feed.js")).openFrameFeed({ udp: values.udp, serial: values.serial, baud, framesOut: values["frames-out"], onDatagram }).catch((e: Error) => {
    throw new UsageError(e.message);
  }) : undefined;
  const flashImage = values.flash !== undefined && fs.existsSync(values.flash) ? new Uint8Array(fs.readFileSync(values.flash)) : undefined;
  const pty = values["serial-pty"] ? await (await import("./pty.js")).openPtyPair() : undefined;
  const uart = pty ? await (await import("./serial-console.js")).openPort(pty.boardPath, baud) : undefined;
  const twin = new Twin(scenario, undefined, {
    frame: (f) => feed?.send(f),
    console: uart ? (text) => { uart.write(Buffer.from(text, "latin1")); } : undefined,
  }, { recorder: recording, flashImage });
  deliver = (bytes) => {
    const r = twin.downlink(bytes);
    process.stderr.write(`downlink at ${r.at_s.toFixed(2)} s${r.counter === undefined ? "" : ` counter ${r.counter} ${r.command}`}: ${r.result}\n`);
  };
  for (const bytes of early.splice(0)) deliver(bytes);
  // Above the board's rating the journal's wear and loss figures no longer hold: say so.
  for (const line of twin.overload) process.stderr.write(`warning: overload (above 120 % of the board's rating): ${line}\n`);
  let stopped = false;
  const stop = () => { stopped = true; };
  if (pty && uart) {
    uart.write(Buffer.from(twin.consoleText, "latin1")); // the prompt of the power-up
    uart.on("data", (bytes: Buffer) => twin.consoleInput(new Uint8Array(bytes)));
    (values.json ? process.stderr : process.stdout).write(`serial console on ${pty.terminalPath} (activemeter console --port ${pty.terminalPath}, or picocom -b ${baud} ${pty.terminalPath}); Ctrl-C ends the simulation\n`);
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  }
  // A pty session has its own terminal traffic: no progress line there.
  const progress = values.quiet || pty ? undefined : new SimProgress({ totalUs: scenario.seconds * 1e6 });
  try {
    await paced(speed, () => twin.clockUs, () => twin.done, () => twin.step(), () => stopped, progress && ((us) => progress.update(us)));
  } finally {
    progress?.finish();
    if (uart) await new Promise<void>((resolve) => uart.drain(() => uart.close(() => resolve())));
    pty?.close();
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
    if (values.flash !== undefined) fs.writeFileSync(values.flash, twin.flash.data);
  }
  await feed?.close().catch((e: Error) => { throw new UsageError(e.message); });
  const report = twin.report();
  recording?.close(report);
  if (values.json) {
    process.stdout.write(JSON.stringify(report) + "\n");
  } else {
    console.log(`board ${report.board}, ${report.seconds} s simulated, ${report.frames.length} frames`);
    for (const [name, value] of Object.entries(report.registers)) console.log(`  ${name.padEnd(18)} ${value}`);
  }
  return 0;
}
