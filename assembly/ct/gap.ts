// ADC gaps reported by the board (fw_adc_gap): conversions were lost (the DMA pool overflowed,
// a conversion went missing in the stream), so the frames after the gap do not continue the
// frames before it. The CT core drops its unfinished cycle and window instead of gluing the two
// together, the status flag `adc_gap` says since start-up that some energy was not registered,
// and the event log gets an entry with the frames lost: at most one a minute (a board stuck
// overflowing must not wear out the flash), later gaps added to the next entry.
import { statusSet, STATUS_ADC_GAP } from "../status";
import { storeRecordEvent } from "../store/index";
import { EVENT_ADC_GAP } from "../store/events";
import { ctMeterGap } from "./meter";

const EVENT_SPACING_US: i64 = 60_000_000;

let pendingFrames: i64 = 0;
let lastEventUs: i64 = 0;
let logged = false;

function flush(nowUs: i64): void {
  if (pendingFrames == 0 || (logged && nowUs - lastEventUs < EVENT_SPACING_US)) return;
  storeRecordEvent(EVENT_ADC_GAP, 0, 0, pendingFrames);
  pendingFrames = 0;
  lastEventUs = nowUs;
  logged = true;
}

export function adcGapInit(): void {
  pendingFrames = 0;
  lastEventUs = 0;
  logged = false;
}

/** The board lost `frames` ADC frames before the next block. */
export function adcGap(frames: u32, nowUs: i64): void {
  ctMeterGap();
  statusSet(STATUS_ADC_GAP);
  pendingFrames += <i64>frames;
  flush(nowUs);
}

/** From fw_tick: gaps held back by the spacing are logged once it has passed. */
export function adcGapTick(nowUs: i64): void { if (pendingFrames != 0) flush(nowUs); }
