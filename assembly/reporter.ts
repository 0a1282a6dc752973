// Sends a frame every report interval, on a fixed grid from start-up (no drift).
import { boardRadioSend } from "./abi/board";
import { encodeFrame, frameBuffer } from "./frame/encoder";
import { nodeId, reportIntervalS } from "./settings";
import { statusFlags } from "./status";
import { storeFrameCounterStart, storeFrameCounterRestart, storeReserveFrameCounter, storeEventCounter } from "./store/index";
import { omsMessageCount, omsNativeToo } from "./oms/send";
import { omsEncode, omsBuffer } from "./oms/telegram";
import { billingFrameDue, billingFrameRecord } from "./billing/billing";
import { encodeBillingFrame } from "./billing/frame";

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
  // Native frame and OMS telegrams share one counter sequence (docs/frames.md, OMS profile).
  const oms = omsMessageCount();
  const native: u32 = omsNativeToo(oms) ? 1 : 0;
  // Counters released after being held (a new key): continue above every one that may have been sent.
  const restart = storeFrameCounterRestart();
  if (restart != 0) frameCounter = restart;
  // A billing record (docs/frames.md, billing frames) follows the native frame; OMS carries the billing date itself.
  const billing: u32 = native != 0 && billingFrameDue(nowUs) ? 1 : 0;
  // Nothing is sent in a slot whose counters cannot be reserved (flash failure, counters held,
  // the counter space used up: a counter never wraps round to one already sent).
  const last = frameCounter + native + oms + billing;
  if (last > frameCounter && storeReserveFrameCounter(last, nowUs)) send(native, billing, oms, nowUs);
  // Keep to the grid; after a long gap (ticks missed) skip the missed slots, one frame only.
  const intervalUs = <i64>reportIntervalS * 1_000_000;
  nextReportUs += intervalUs;
  if (nextReportUs <= nowUs) nextReportUs = nowUs + intervalUs;
}

function send(native: u32, billing: u32, oms: u32, nowUs: i64): void {
  if (native != 0) {
    frameCounter++;
    boardRadioSend(frameBuffer, encodeFrame(nodeId, frameCounter, statusFlags(), storeEventCounter()));
    framesSent++;
  }
  if (billing != 0 && billingFrameRecord(nowUs)) {
    frameCounter++;
    boardRadioSend(frameBuffer, encodeBillingFrame(nodeId, frameCounter, statusFlags(), storeEventCounter()));
    framesSent++;
  }
  for (let i: u32 = 0; i < oms; i++) {
    frameCounter++;
    boardRadioSend(omsBuffer, omsEncode(i, nodeId, frameCounter, statusFlags(), storeEventCounter()));
    framesSent++;
  }
}
