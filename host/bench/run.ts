// `npm run bench`: speed and size figures of the firmware, the twin and the frame codec, as
// JSON on stdout (medians of several runs). docs/benchmarks.md records them with the machine.
import os from "node:os";
import { loadFirmwareImage } from "../firmware/firmware.js";
import { parseScenario } from "../sim/scenario.js";
import { Twin } from "../sim/twin.js";
import { decodeFrame, encodeFrame } from "../frame/codec.js";
import { Keyring, testKey } from "../frame/keyring.js";
import { Gateway } from "../gateway/gateway.js";
import { measureWear } from "./wear.js";

const RUNS = 5;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Pulse edges per second through twin + firmware: two bouncy S0 trains at 16.6 Hz. */
function pulseEdgesPerSecond(): number {
  const scenario = parseScenario(JSON.stringify({
    format: "activemeter-scenario/1", board: "esp32-devkitc", seconds: 600, seed: 1,
    pulse: { pulse1: { hz: 16.6, on_ms: 30, bounce_ms: 5 }, pulse2: { hz: 16.6, on_ms: 30, bounce_ms: 5, ghost_prob: 0.5 } },
  }));
  const runs: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    let edges = 0;
    const twin = new Twin(scenario);
    const firmware = (twin as unknown as { firmware: { pulseEvents(e: unknown[]): number } }).firmware;
    const deliver = firmware.pulseEvents.bind(firmware);
    firmware.pulseEvents = (events: unknown[]) => { edges += events.length; return deliver(events); };
    const start = performance.now();
    twin.runToEnd();
    runs.push(edges / ((performance.now() - start) / 1000));
  }
  return median(runs);
}

function framesDecodedPerSecond(): number {
  const frame = encodeFrame({
    node: 4097, counter: 63_072_000, status: 2, event_counter: 12,
    registers: { "ct1.import_wh": 9_999_999.9, "ct1.export_wh": 1234.5, "ct2.import_wh": 777.7, "pulse1.wh": 5_000_000, "heat1.heat_wh": 88_000, "heat1.volume_l": 4321 },
  });
  const runs: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const n = 200_000;
    const start = performance.now();
    for (let i = 0; i < n; i++) decodeFrame(frame);
    runs.push(n / ((performance.now() - start) / 1000));
  }
  return median(runs);
}

/** Authenticated frames through the gateway core: MAC verified, decoded, replay-checked, events made. */
function gatewayFramesPerSecond(): { verified_decoded: number; gateway: number } {
  const fields = {
    node: 4097, status: 2, event_counter: 12,
    registers: { "ct1.import_wh": 9_999_999.9, "ct1.export_wh": 1234.5, "ct2.import_wh": 777.7, "pulse1.wh": 5_000_000, "heat1.heat_wh": 88_000, "heat1.volume_l": 4321 },
  };
  const n = 100_000;
  const frames = Array.from({ length: n }, (_, i) => encodeFrame({ ...fields, counter: 63_000_000 + i }, testKey(4097)));
  const keys = new Keyring();
  keys.set(4097, testKey(4097));
  const verified: number[] = [];
  const through: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    let start = performance.now();
    for (let i = 0; i < n; i++) decodeFrame(frames[i], { keys, requireAuthentication: true });
    verified.push(n / ((performance.now() - start) / 1000));
    const gateway = new Gateway({ keys });
    start = performance.now();
    for (let i = 0; i < n; i++) gateway.receive(frames[i], "bench", 0);
    through.push(n / ((performance.now() - start) / 1000));
    if (gateway.stats().accepted !== n) throw new Error("bench: the gateway refused a good frame");
  }
  return { verified_decoded: median(verified), gateway: median(through) };
}

const image = loadFirmwareImage();
const gatewayRates = gatewayFramesPerSecond();
const result = {
  machine: { cpu: os.cpus()[0]?.model ?? "unknown", cores: os.cpus().length, node: process.version, platform: `${os.platform()} ${os.arch()}` },
  runs_per_figure: RUNS,
  firmware_wasm_bytes: image.bytes.length,
  pulse_edges_per_second_through_twin: Math.round(pulseEdgesPerSecond()),
  frames_decoded_per_second: Math.round(framesDecodedPerSecond()),
  frames_verified_decoded_per_second: Math.round(gatewayRates.verified_decoded),
  gateway_frames_per_second: Math.round(gatewayRates.gateway),
  flash_wear_10kw_every_channel: measureWear(8),
};
process.stdout.write(JSON.stringify(result, null, 2) + "\n");
