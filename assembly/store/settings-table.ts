// The persisted settings, by key id: what the configuration store writes and reads back.
// A value is applied only after the whole record has been read and every value checked.
import { nodeId, reportIntervalS, setNodeId, setReportIntervalS, lockTimeoutS, setLockTimeoutS, LOCK_MIN_S, LOCK_MAX_S } from "../settings";
import { MAX_PULSE, MAX_HEAT, MAX_CT } from "../board/descriptor";
import { frameProfile, setFrameProfile, profileValid } from "../oms/profile";
import { isBillingKey, billingSettingValue, billingSettingValid, billingSettingApply } from "../billing/settings";
import {
  ctMeterActive, ctMeterChannelPresent, ctMeterGainMicro, ctMeterSetGainMicro, ctMeterPhaseMilliDeg, ctMeterSetPhaseMilliDeg,
  ctMeterOffsetMilliW, ctMeterSetOffsetMilliW, ctMeterVoltageGainMicro, ctMeterSetVoltageGainMicro,
  ctMeterVoltagePhaseMilliDeg, ctMeterSetVoltagePhaseMilliDeg,
} from "../ct/meter";
import {
  pulsePerPulseNumerator, pulsePerPulseDenominator, pulseSetFraction, pulseFilterUs, pulseSetFilterUs,
  pulseTimeoutUs, pulseSetTimeoutUs, pulseChannelPresent,
} from "../pulse/meter";
import {
  heatCutoffMilliK, heatSetCutoffMilliK, heatDtminMilliK, heatSetDtminMilliK, heatPressureKPa, heatSetPressureKPa,
  heatMillilitresPerPulse, heatSetMillilitresPerPulse, heatChannelPresent,
} from "../heat/meter";
import { outputPresent, outputParam, outputSetParam, paramMax, PARAMS } from "../outputs/rules";

export const KEY_NODE_ID: u16 = 1;
export const KEY_REPORT_INTERVAL_S: u16 = 2;
export const KEY_LOCK_S: u16 = 3; // console.lock_s (assembly/settings.ts)
export const KEY_V_GAIN: u16 = 4; // v.gain, millionths
export const KEY_V_PHASE: u16 = 5; // v.phase_deg, m°
export const KEY_FRAME_PROFILE: u16 = 6; // frame.profile: 1 native, 2 oms, 3 both (assembly/oms/profile.ts)
export const PULSE_FIRST: u16 = 16; // + ch * 4 + {0 numerator µWh, 1 denominator, 2 filter µs, 3 timeout µs}
export const HEAT_FIRST: u16 = 48; // + c * 4 + {0 cut-off mK, 1 ΔΘmin mK, 2 pressure kPa, 3 mL per pulse}
export const CT_FIRST: u16 = HEAT_FIRST + <u16>(MAX_HEAT * 4); // 56 + n * 4 + {0 gain µ, 1 phase m°, 2 offset mW}
export const OUT_FIRST: u16 = CT_FIRST + <u16>(MAX_CT * 4); // 72 + i * 8 + f: outN.<rule parameter f> (assembly/outputs/rules.ts)
const KEYS_END: u16 = OUT_FIRST + 4 * 8;
/** Key ids stay below this (the store's shadow copy has one slot per id). */
export const SETTING_KEYS_MAX: u16 = 104;

/** An output's rule parameter (outN.*): not legally relevant, protected by the console session. */
@inline function isOutKey(key: u16): bool { return key >= OUT_FIRST && key < KEYS_END; }
@inline function outOf(key: u16): i32 { return <i32>(key - OUT_FIRST) >> 3; }
@inline function fieldOf(key: u16): i32 { return <i32>(key - OUT_FIRST) & 7; }

export function settingKeysEnd(): u16 { return KEYS_END; }

/** Is `key` a setting of this board (channels it lacks have none; some ids are unused)? */
export function settingExists(key: u16): bool {
  if (key == KEY_NODE_ID || key == KEY_REPORT_INTERVAL_S || key == KEY_LOCK_S || key == KEY_FRAME_PROFILE || isBillingKey(key)) return true;
  if (key == KEY_V_GAIN || key == KEY_V_PHASE) return ctMeterActive();
  if (isOutKey(key)) return fieldOf(key) < PARAMS && outputPresent(outOf(key));
  if (key >= CT_FIRST && key < OUT_FIRST) return ((key - CT_FIRST) & 3) < 3 && ctMeterChannelPresent(<i32>(key - CT_FIRST) >> 2);
  if (key >= PULSE_FIRST && key < PULSE_FIRST + <u16>(MAX_PULSE * 4)) return pulseChannelPresent(<i32>(key - PULSE_FIRST) >> 2);
  if (key >= HEAT_FIRST && key < CT_FIRST) return heatChannelPresent(<i32>(key - HEAT_FIRST) >> 2);
  return false;
}

export function settingValue(key: u16): i64 {
  if (key == KEY_NODE_ID) return nodeId;
  if (key == KEY_REPORT_INTERVAL_S) return reportIntervalS;
  if (key == KEY_LOCK_S) return lockTimeoutS;
  if (key == KEY_FRAME_PROFILE) return frameProfile;
  if (isBillingKey(key)) return billingSettingValue(key);
  if (key == KEY_V_GAIN) return ctMeterVoltageGainMicro();
  if (key == KEY_V_PHASE) return ctMeterVoltagePhaseMilliDeg();
  if (isOutKey(key)) return outputParam(outOf(key), fieldOf(key));
  if (key >= CT_FIRST) {
    const n = <i32>(key - CT_FIRST) >> 2;
    const f = (key - CT_FIRST) & 3;
    return f == 0 ? ctMeterGainMicro(n) : f == 1 ? ctMeterPhaseMilliDeg(n) : ctMeterOffsetMilliW(n);
  }
  if (key >= HEAT_FIRST) {
    const c = <i32>(key - HEAT_FIRST) >> 2;
    const f = (key - HEAT_FIRST) & 3;
    return f == 0 ? heatCutoffMilliK(c) : f == 1 ? heatDtminMilliK(c) : f == 2 ? heatPressureKPa(c) : heatMillilitresPerPulse(c);
  }
  const ch = <i32>(key - PULSE_FIRST) >> 2;
  const f = (key - PULSE_FIRST) & 3;
  return f == 0 ? pulsePerPulseNumerator(ch) : f == 1 ? pulsePerPulseDenominator(ch) : f == 2 ? pulseFilterUs(ch) : pulseTimeoutUs(ch);
}

/** Every setting except report.interval_s and pulseN.timeout_s is legally relevant (protected, metrological log). */
export function settingLegallyRelevant(key: u16): bool {
  if (key == KEY_REPORT_INTERVAL_S || isOutKey(key)) return false;
  return !(key >= PULSE_FIRST && key < HEAT_FIRST && ((key - PULSE_FIRST) & 3) == 3);
}

/** Plausibility of a stored value (the console checked it when it was set). */
export function settingValid(key: u16, v: i64): bool {
  if (key == KEY_NODE_ID) return v >= 1 && v <= 4294967294;
  if (key == KEY_REPORT_INTERVAL_S) return v >= 1 && v <= 3600;
  if (key == KEY_LOCK_S) return v >= <i64>LOCK_MIN_S && v <= <i64>LOCK_MAX_S;
  if (key == KEY_FRAME_PROFILE) return profileValid(v);
  if (isBillingKey(key)) return billingSettingValid(key, v);
  if (key == KEY_V_GAIN) return v >= 500_000 && v <= 2_000_000;
  if (key == KEY_V_PHASE) return v >= -10_000 && v <= 10_000;
  if (isOutKey(key)) return v >= 0 && v <= <i64>paramMax(fieldOf(key));
  if (key >= CT_FIRST) {
    const f = (key - CT_FIRST) & 3;
    return f == 0 ? v >= 500_000 && v <= 2_000_000 : f == 1 ? v >= -10_000 && v <= 10_000 : v >= -1_000_000 && v <= 1_000_000;
  }
  if (key >= HEAT_FIRST) return v >= 0 && v <= 100_000_000;
  const f = (key - PULSE_FIRST) & 3;
  if (f == 0) return v >= 1 && v <= 1_000_000_000_000;
  if (f == 1) return v >= 1 && v <= 1_000_000;
  return v >= 100 && v <= 86_400_000_000;
}

export function settingApply(key: u16, v: i64): void {
  if (key == KEY_NODE_ID) { setNodeId(<u32>v); return; }
  if (key == KEY_REPORT_INTERVAL_S) { setReportIntervalS(<u32>v); return; }
  if (key == KEY_LOCK_S) { setLockTimeoutS(<u32>v); return; }
  if (key == KEY_FRAME_PROFILE) { setFrameProfile(<u32>v); return; }
  if (isBillingKey(key)) { billingSettingApply(key, v); return; }
  if (key == KEY_V_GAIN) { ctMeterSetVoltageGainMicro(<i32>v); return; }
  if (key == KEY_V_PHASE) { ctMeterSetVoltagePhaseMilliDeg(<i32>v); return; }
  if (isOutKey(key)) { outputSetParam(outOf(key), fieldOf(key), v); return; }
  if (key >= CT_FIRST) {
    const n = <i32>(key - CT_FIRST) >> 2;
    const f = (key - CT_FIRST) & 3;
    if (f == 0) ctMeterSetGainMicro(n, <i32>v);
    else if (f == 1) ctMeterSetPhaseMilliDeg(n, <i32>v);
    else ctMeterSetOffsetMilliW(n, <i32>v);
    return;
  }
  if (key >= HEAT_FIRST) {
    const c = <i32>(key - HEAT_FIRST) >> 2;
    const f = (key - HEAT_FIRST) & 3;
    if (f == 0) heatSetCutoffMilliK(c, <i32>v);
    else if (f == 1) heatSetDtminMilliK(c, <i32>v);
    else if (f == 2) heatSetPressureKPa(c, <i32>v);
    else heatSetMillilitresPerPulse(c, v);
    return;
  }
  const ch = <i32>(key - PULSE_FIRST) >> 2;
  const f = (key - PULSE_FIRST) & 3;
  if (f == 0) pulseSetFraction(ch, v, pulsePerPulseDenominator(ch));
  else if (f == 1) pulseSetFraction(ch, pulsePerPulseNumerator(ch), v);
  else if (f == 2) pulseSetFilterUs(ch, v);
  else pulseSetTimeoutUs(ch, v);
}
