// The firmware's side of the board ABI (docs/board-abi.md): every export the board calls.
// This file only validates calls and routes them; the work happens in the capability modules.
import "./abi/panic";
import { boardTimeUs } from "./abi/board";
import {
  ABI_VERSION, OK, ERR_NOT_STARTED, ERR_BAD_DESCRIPTOR, ERR_UNSUPPORTED, ERR_CAPACITY,
} from "./abi/version";
import {
  boardDescriptorBuffer, BOARD_DESCRIPTOR_BYTES, pulseEventBuffer, PULSE_EVENT_BYTES, PULSE_EVENT_CAPACITY,
  adcSampleBuffer, ADC_SAMPLE_CAPACITY, temperatureBuffer, TEMPERATURE_CAPACITY,
  consoleInputBuffer, CONSOLE_INPUT_CAPACITY, scratchBuffer, TEMPERATURE_RECORD_BYTES,
} from "./abi/buffers";
import { parseDescriptor } from "./board/descriptor";
import { pulseInit, pulseEdge, pulseAdvance } from "./pulse/meter";
import { heatInit, heatFlowEdge, heatAdvance, heatTemperatures, heatStaleDueUs, FLOW_INPUT_FIRST } from "./heat/meter";
import { filterSettleDueUs, filterRefreshDue } from "./pulse/filter";
import { ctMeterInit, ctMeterActive, ctMeterColumns, ctMeterBlock, ctMeterEventCount, ctMeterEventType, ctMeterEventKey, ctMeterEventValue, ctMeterEventsTaken } from "./ct/meter";
import { adcGapInit, adcGap, adcGapTick } from "./ct/gap";
import { settingsInit } from "./settings";
import { reporterInit, reporterTick } from "./reporter";
import { statusReset, statusSet, statusFlags, STATUS_INPUT_REJECTED, STATUS_VOLATILE } from "./status";
import { REGISTER_COUNT, registerName, registerValue, registerDecimals } from "./registers";
import { lineFeed, linePrompt } from "./console/line";
import { authSetKey, authInit, KEY_BYTES } from "./frame/auth";
import { storeInit, storeTick, storePowerFail, storeIdentity, storeRecordEvent } from "./store/index";
import { configHasFrameKey } from "./store/config";
import { identitySet } from "./identity";
import { sessionInit, sessionTick, sessionStart } from "./console/session";
import { calPoll } from "./console/cal";
import { resetRequested } from "./console/admin";
import { clockInit, clockSetUtc } from "./clock/clock";
import { billingSettingsInit } from "./billing/settings";
import { billingInit, billingTick } from "./billing/billing";
import { BILLING_FIRST, BILLING_END, billingRegisterName, billingRegisterValue, billingRegisterDecimals } from "./billing/registers";
import { outputsInit, outputsStart, outputsTick } from "./outputs/drive";
import { outputsMask } from "./outputs/rules";

let started = false;

export function fw_abi_version(): u32 { return ABI_VERSION; }

export function fw_board_ptr(): usize { return boardDescriptorBuffer; }
export function fw_board_capacity(): u32 { return BOARD_DESCRIPTOR_BYTES; }

/** Start-up: the board has written its descriptor (`len` bytes) at fw_board_ptr(). */
export function fw_start(len: u32): i32 {
  if (len > BOARD_DESCRIPTOR_BYTES || !parseDescriptor(boardDescriptorBuffer, len)) return ERR_BAD_DESCRIPTOR;
  statusReset(STATUS_VOLATILE);
  settingsInit();
  billingSettingsInit();
  clockInit();
  sessionInit();
  pulseInit();
  heatInit();
  ctMeterInit();
  adcGapInit();
  outputsInit();
  storeInit(); // after the defaults: flash overrides them
  billingInit(boardTimeUs()); // billing history and the month so far, after the store
  outputsStart(boardTimeUs()); // after the registers came back: they are its baseline
  sessionStart(boardTimeUs()); // a PIN lockout in flash starts its wait again
  reporterInit(boardTimeUs());
  authInit();
  started = true;
  linePrompt();
  return OK;
}

/** Periodic tick (at least every 100 ms): time-driven work such as frames. */
export function fw_tick(): i32 {
  if (!started) return ERR_NOT_STARTED;
  const now = boardTimeUs();
  // Each step below returns at once when it has nothing due (docs/native.md, "Idle tick"): the
  // glitch filters and heat readings keep the earliest time they can act.
  const settle = now >= filterSettleDueUs();
  if (settle) pulseAdvance(now);
  if (settle || now >= heatStaleDueUs()) heatAdvance(now);
  if (settle) filterRefreshDue();
  // CT refusals and condition onsets go to the event log (docs/ct.md).
  const events = ctMeterEventCount();
  if (events > 0) {
    for (let i = 0; i < events; i++) storeRecordEvent(ctMeterEventType(i), ctMeterEventKey(i), 0, ctMeterEventValue(i));
    ctMeterEventsTaken();
  }
  outputsTick(now);
  storeTick(now);
  billingTick(now); // before the frame: a record due now is in flash first
  reporterTick(now);
  adcGapTick(now);
  sessionTick(now);
  calPoll();
  return OK;
}

export function fw_pulse_ptr(): usize { return pulseEventBuffer; }
export function fw_pulse_capacity(): u32 { return PULSE_EVENT_CAPACITY; }

const PULSE_FLAG_POWER_UP: u8 = 1;

/** A batch of `count` edge events; returns how many were refused (or a negative error). */
export function fw_pulse_batch(count: u32): i32 {
  if (!started) return ERR_NOT_STARTED;
  if (count > PULSE_EVENT_CAPACITY) return ERR_CAPACITY;
  let refused = 0;
  for (let i: u32 = 0; i < count; i++) {
    const event = pulseEventBuffer + i * PULSE_EVENT_BYTES;
    const input = <i32>load<u8>(event, 8);
    const powerUp = (load<u8>(event, 10) & PULSE_FLAG_POWER_UP) != 0;
    // Inputs 0..3 are pulse1..4, 8..9 the flow inputs of heat1..2 (docs/board-abi.md).
    const accepted = input >= FLOW_INPUT_FIRST
      ? heatFlowEdge(input - FLOW_INPUT_FIRST, load<i64>(event), <i32>load<u8>(event, 9), powerUp)
      : pulseEdge(input, load<i64>(event), <i32>load<u8>(event, 9), powerUp);
    if (!accepted) refused++;
  }
  if (refused > 0) statusSet(STATUS_INPUT_REJECTED);
  return refused;
}

export function fw_adc_ptr(): usize { return adcSampleBuffer; }
export function fw_adc_capacity(): u32 { return ADC_SAMPLE_CAPACITY; }
/**
 * A block of `frames` interleaved ADC frames [v, ct1, …] continuing the previous block (CT
 * metering, assembly/ct/meter.ts). -4 when the board has no CT metering (no voltage reference,
 * or its parameters were refused: status `ct_fault`), -5 when the block overruns the buffer.
 */
export function fw_adc_block(frames: u32): i32 {
  if (!started) return ERR_NOT_STARTED;
  if (frames == 0) return OK;
  if (!ctMeterActive()) return ERR_UNSUPPORTED;
  if (frames > ADC_SAMPLE_CAPACITY / <u32>ctMeterColumns()) return ERR_CAPACITY;
  ctMeterBlock(adcSampleBuffer, <i32>frames);
  calPoll(); // a block holds less than a window, so no window close is missed
  return OK;
}

/**
 * The board lost `frames` ADC frames since the last block (its DMA pool overflowed, a conversion
 * was missing): the next block does not continue the last one. Status `adc_gap`, an event, and
 * the CT core restarts its cycle (assembly/ct/gap.ts). -4 without CT metering.
 */
export function fw_adc_gap(frames: u32): i32 {
  if (!started) return ERR_NOT_STARTED;
  if (!ctMeterActive()) return ERR_UNSUPPORTED;
  if (frames > 0) adcGap(frames, boardTimeUs());
  return OK;
}

export function fw_temperature_ptr(): usize { return temperatureBuffer; }
export function fw_temperature_capacity(): u32 { return TEMPERATURE_CAPACITY; }
/** `count` temperature records (u8 circuit, 3 reserved, i32 supply m°C, i32 return m°C); returns how many were refused. */
export function fw_temperatures(count: u32): i32 {
  if (!started) return ERR_NOT_STARTED;
  if (count > TEMPERATURE_CAPACITY) return ERR_CAPACITY;
  let refused = 0;
  for (let i: u32 = 0; i < count; i++) {
    const record = temperatureBuffer + i * TEMPERATURE_RECORD_BYTES;
    if (!heatTemperatures(<i32>load<u8>(record), load<i32>(record, 4), load<i32>(record, 8))) refused++;
  }
  if (refused > 0) statusSet(STATUS_INPUT_REJECTED);
  return refused;
}

export function fw_console_ptr(): usize { return consoleInputBuffer; }
export function fw_console_capacity(): u32 { return CONSOLE_INPUT_CAPACITY; }
export function fw_console_input(len: u32): i32 {
  if (!started) return ERR_NOT_STARTED;
  if (len > CONSOLE_INPUT_CAPACITY) return ERR_CAPACITY;
  lineFeed(consoleInputBuffer, len);
  return OK;
}

/**
 * Load the node's 128-bit frame key: the board wrote 16 bytes at fw_scratch_ptr(). The key is
 * wiped from there at once and can never be read back. Call after fw_start.
 */
export function fw_set_key(len: u32): i32 {
  if (!started) return ERR_NOT_STARTED;
  if (len != KEY_BYTES) return ERR_CAPACITY;
  if (configHasFrameKey()) {
    memory.fill(scratchBuffer, 0, KEY_BYTES); // a key set on the console and saved takes precedence
    return OK;
  }
  authSetKey(scratchBuffer, 1); // the board's key is key version 1 (docs/frames.md)
  return OK;
}

/** The board's supply monitor says power is about to fail: commit every register now. */
export function fw_power_fail(): i32 {
  if (!started) return ERR_NOT_STARTED;
  return storePowerFail() ? OK : ERR_UNSUPPORTED;
}

/** The SHA-256 of this firmware module (32 bytes at fw_scratch_ptr()), computed by the board. */
export function fw_set_identity(len: u32): i32 {
  if (!started) return ERR_NOT_STARTED;
  if (len != 32) return ERR_CAPACITY;
  identitySet(scratchBuffer);
  storeIdentity(scratchBuffer);
  return OK;
}

/**
 * 1 when the firmware asks the board to reset the chip (console `reboot`, `factory-reset`),
 * after its answer has been written; the board polls it after fw_console_input and fw_tick.
 */
export function fw_reset_pending(): i32 { return resetRequested ? 1 : 0; }

/**
 * The board's wall clock (RTC, SNTP): UTC seconds now. Call after fw_start and whenever the
 * board's time source updates; -5 when outside 2020 … 2105 (nothing changed). Added within ABI 1:
 * a shell calls it only if the export exists (docs/board-abi.md).
 */
export function fw_set_time_utc(utcSeconds: i64): i32 {
  if (!started) return ERR_NOT_STARTED;
  return clockSetUtc(utcSeconds, boardTimeUs()) ? OK : ERR_CAPACITY;
}

export function fw_status(): u32 { return statusFlags(); }
/**
 * Bit i set: output i + 1 (out1..out4 of the board file) is to be on. The board drives its relays
 * from it after every fw_tick (docs/board-abi.md); 0 before start-up. Added within ABI 1.
 */
export function fw_output_state(): u32 { return started ? outputsMask() : 0; }
export function fw_register_count(): i32 { return BILLING_END; }
export function fw_scratch_ptr(): usize { return scratchBuffer; }
/** Name of register `id` written at fw_scratch_ptr(); length, 0 if the board lacks it. */
export function fw_register_name(id: i32): u32 {
  if (!started) return 0;
  return id >= BILLING_FIRST ? billingRegisterName(id, scratchBuffer) : registerName(id, scratchBuffer);
}
export function fw_register_value(id: i32): i64 {
  if (!started) return 0;
  return id >= BILLING_FIRST ? billingRegisterValue(id) : registerValue(id);
}
export function fw_register_decimals(id: i32): i32 { return id >= BILLING_FIRST ? billingRegisterDecimals(id) : registerDecimals(id); }
