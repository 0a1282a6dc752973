// Sends a frame every report interval, on a fixed grid from start-up (no drift).
import { boardRadioSend } from "./abi/board";
import { encodeFrame, frameBuffer } from "./frame/encoder";
import { nodeId, reportIntervalS } from "./settings";
import { statusFlags } from "./status";
import { storeFrameCounterStart, storeReserveFrameCounter, storeEventCounter } from "./store/index";

export let framesSent: u32 = 0;
let frameCounter: u32 = 0;
let nextReportUs: i64 = 0;

export function reporterInit(nowUs: i64): void {
  framesSent = 0;
  // Never reuse a counter after a power cut: start past everything reserved before it.
  frameCounter = storeFrameCounterStart();
  nextReportUs = nowUs + <i64>reportIntervalS * 1_000_000;
}

export function reporterTick(nowUs: i64): void {
  if (nowUs < nextReportUs) return;
  if (!storeReserveFrameCounter(frameCounter + 1, nowUs)) return;
  frameCounter++;
  const len = encodeFrame(nodeId, frameCounter, statusFlags(), storeEventCounter());
  boardRadioSend(frameBuffer, len);
  framesSent++;
  // Keep to the grid; after a long gap (ticks missed) skip the missed slots, one frame only.
  const intervalUs = <i64>reportIntervalS * 1_000_000;
  nextReportUs += intervalUs;
  if (nextReportUs <= nowUs) nextReportUs = nowUs + intervalUs;
}
