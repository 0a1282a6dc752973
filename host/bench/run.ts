// `npm run bench`: speed and size figures of the firmware, the twin and the frame codec, as
// JSON on stdout (medians of several runs). docs/benchmarks.md records them with the machine.
import os from "node:os";
import { loadFirmwareImage } from "../firmware/firmware.js";
import { parseScenario } from "../sim/scenario.js";
import { Twin } from "../sim/twin.js";
import { decodeFrame, encodeFrame } from "../frame/codec.js";
import { Keyring, testKey } from "../frame/keyring.js";
import { Gateway } from "../gateway/gateway.js";
import { wearFigures } from "./wear.js";
import { gatewayBench } from "./gateway-bench.js";
import { forgedNodeCampaign } from "./forged-nodes.js";
import { moduleSize } from "./module-size.js";

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

/**
 * ADC sample sets (one frame: voltage + every clamp) per second through the twin and the
 * firmware, for 1 and 2 clamps; and the firmware's share: fw_adc_block alone per channel-sample.
 */
function ctSampleSets(board: string, clamps: string[]): { sample_sets_per_second: number; firmware_ns_per_channel_sample: number } {
  const ct = Object.fromEntries(clamps.map((c) => [c, { irms: 10, phi_deg: 30, noise_a: 0.02 }]));
  const scenario = parseScenario(JSON.stringify({
    format: "activemeter-scenario/1", board, seconds: 60, seed: 1, mains: { vrms: 230, hz: 50 }, ct,
  }));
  const sets: number[] = [];
  const firmwareNs: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const twin = new Twin(scenario);
    const firmware = (twin as unknown as { firmware: { adcBlock(s: Uint16Array, c: number): void } }).firmware;
    const deliver = firmware.adcBlock.bind(firmware);
    let frames = 0;
    let columns = 1;
    let inFirmwareMs = 0;
    firmware.adcBlock = (samples: Uint16Array, c: number) => {
      frames += samples.length / c;
      columns = c;
      const t0 = performance.now();
      deliver(samples, c);
      inFirmwareMs += performance.now() - t0;
    };
    const start = performance.now();
    twin.runToEnd();
    sets.push(frames / ((performance.now() - start) / 1000));
    firmwareNs.push(inFirmwareMs * 1e6 / (frames * columns));
  }
  return { sample_sets_per_second: Math.round(median(sets)), firmware_ns_per_channel_sample: Math.round(median(firmwareNs) * 10) / 10 };
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
  // By section (code, data, headers); the budget is test/host/module-budget.test.ts.
  firmware_wasm_size: moduleSize(image.bytes),
  pulse_edges_per_second_through_twin: Math.round(pulseEdgesPerSecond()),
  frames_decoded_per_second: Math.round(framesDecodedPerSecond()),
  frames_verified_decoded_per_second: Math.round(gatewayRates.verified_decoded),
  gateway_frames_per_second: Math.round(gatewayRates.gateway),
  ct_one_clamp_esp32c3_mini: ctSampleSets("esp32c3-mini", ["ct1"]),
  ct_two_clamps_esp32_devkitc: ctSampleSets("esp32-devkitc", ["ct1", "ct2"]),
  flash_wear: wearFigures(4),
  gateway_service: await gatewayBench(),
  forged_test_key_frames_1m_node_ids: forgedNodeCampaign(1_000_000),
};
process.stdout.write(JSON.stringify(result, null, 2) + "\n");
