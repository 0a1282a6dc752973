// Console side of the outputs (docs/console.md): `out` shows them, `out N on|off|auto [minutes]`
// overrides one (unlocked session, logged), `set outN.<parameter>` changes its rule.
import { out, outLine, outU64, outFixed, outText, textEquals, T } from "./out";
import { tp, tl, tokenCount, outToken } from "./tokens";
import { quantity, quantityValue, refuseValue } from "./units";
import { requireSession } from "./session";
import { outputDeclared, outputEntry, OUTPUT_SSR } from "../board/descriptor";
import {
  MAX_OUTPUTS, PARAMS, P_MAX_DAY, outputPresent, outputIsOn, outputMode, outputModeUntilS, outputSwitches, outputOnTotalS,
  outputOnTodayS, outputDivertedMicroWh, outputParam, outputSetParam, paramMax, outputsDrLevel, outputsDrUntilS, MODE_AUTO, MODE_ON,
} from "../outputs/rules";
import { outputsOverride } from "../outputs/control";
import { boardTimeUs } from "../abi/board";

/** The rule parameters' key names (outN.<name>), in rules.ts order: W, W, then seconds. */
const NAMES: StaticArray<u32> = [T("on_w"), T("off_w"), T("on_delay_s"), T("off_delay_s"), T("min_on_s"), T("min_off_s"), T("max_on_s_per_day")];
const MODES: StaticArray<u32> = [T("off"), T("on"), T("auto")];
const DR_NAMES: StaticArray<u32> = [T("normal"), T("reduce"), T("shed")];

/** Print "outN.<name>" of rule parameter f. */
export function outParamKey(i: i32, f: i32): void {
  out("out");
  outU64(i + 1);
  out(".");
  outText(unchecked(NAMES[f]));
}

export function outHelpSetLines(): void {
  outLine("  outN.on_w *, outN.off_w * 0 .. 100000 W export to switch on, import to switch off");
  outLine("  outN.on_delay_s, off_delay_s, min_on_s, min_off_s, max_on_s_per_day * 0 .. 86400 s");
}

export function outConfigLines(): void {
  for (let i = 0; i < MAX_OUTPUTS; i++) {
    if (!outputPresent(i)) continue;
    for (let f = 0; f < PARAMS; f++) {
      outParamKey(i, f);
      out(" = ");
      outU64(outputParam(i, f));
      outLine("");
    }
  }
}

function remainingS(untilS: i64): i64 {
  const left = untilS - boardTimeUs() / 1_000_000;
  return left > 0 ? left : 0;
}

/** `out`: every output's state, mode, counters; the demand-response level. */
function outList(): void {
  let any = false;
  for (let i = 0; i < MAX_OUTPUTS; i++) {
    if (!outputPresent(i)) continue;
    any = true;
    out("out");
    outU64(i + 1);
    outText((outputEntry(i, 1) & OUTPUT_SSR) != 0 ? T(" (ssr, gpio ") : T(" (relay, gpio "));
    outU64(outputEntry(i, 0));
    out("): ");
    outText(outputIsOn(i) ? T("on, ") : T("off, "));
    const m = outputMode(i);
    if (m == MODE_AUTO) out("auto");
    else {
      out("manual ");
      outText(unchecked(MODES[m]));
      const until = outputModeUntilS(i);
      if (until > 0) { out(" for "); outU64(remainingS(until)); out(" s more"); }
    }
    out("; clamp ct");
    outU64(outputEntry(i, 2));
    if (outputEntry(i, 3) != 0) { out(", load ct"); outU64(outputEntry(i, 3)); }
    out("; switches ");
    outU64(outputSwitches(i));
    out(", on ");
    outU64(outputOnTotalS(i));
    out(" s (today ");
    outU64(outputOnTodayS(i));
    out(" of ");
    outU64(outputParam(i, P_MAX_DAY));
    out(" s)");
    if (outputEntry(i, 3) != 0) { out(", diverted "); outFixed(outputDivertedMicroWh(i), 6); out(" Wh"); }
    outLine("");
  }
  if (!any) { outLine("this board has no outputs"); return; }
  out("demand response: ");
  outText(unchecked(DR_NAMES[outputsDrLevel()]));
  if (outputsDrUntilS() > 0) { out(" for "); outU64(remainingS(outputsDrUntilS())); out(" s more"); }
  outLine("");
}

/** `out` or `out N on|off|auto [minutes]`. */
export function outCommand(): void {
  if (tokenCount == 1) { outList(); return; }
  const n = tl(1) == 1 ? <i32>load<u8>(tp(1)) - 0x31 : -1;
  let mode = -1;
  for (let m = 0; m < 3; m++) if (tokenCount >= 3 && textEquals(tp(2), tl(2), unchecked(MODES[m]))) mode = m;
  let minutes: i64 = 0;
  const timed = tokenCount == 4 && mode != MODE_AUTO;
  if (timed && quantity(3, 0, 10080, T("min"), false, false) == 1 && quantityValue > 0) minutes = quantityValue;
  if (n < 0 || n >= MAX_OUTPUTS || mode < 0 || tokenCount > 4 || (tokenCount == 4 && minutes == 0)) {
    outLine("error: usage: out, or out <N> on|off [minutes 1..10080], or out <N> auto (try help out)");
    return;
  }
  if (!outputDeclared(n)) {
    out("error: this board has no output out");
    outToken(1);
    outLine(" (see out)");
    return;
  }
  if (!requireSession(T("out"))) return;
  outputsOverride(n, mode, minutes > 0 ? boardTimeUs() + minutes * 60_000_000 : 0);
  out("ok: out");
  outToken(1);
  if (mode == MODE_AUTO) { outLine(" follows its rule again (from the next second; logged)"); return; }
  outText(mode == MODE_ON ? T(" on") : T(" off"));
  if (minutes > 0) { out(" for "); outU64(minutes); out(" min"); } else out(" until out N auto");
  outLine(" (from the next second; logged)");
}

/** `set outN.<name> <value>` (the caller saw the "out" prefix); false after printing an error. */
export function outSetKey(): bool {
  const key = tp(1);
  const keyLen = tl(1);
  const i = keyLen > 5 ? <i32>load<u8>(key + 3) - 0x31 : -1;
  let f = -1;
  if (i >= 0 && i < MAX_OUTPUTS && load<u8>(key + 4) == 0x2e) {
    for (let k = 0; k < PARAMS; k++) if (textEquals(key + 5, keyLen - 5, unchecked(NAMES[k]))) f = k;
  }
  if (f < 0) {
    out("error: unknown key '");
    outToken(1);
    outLine("' (try help set)");
    return false;
  }
  if (!outputPresent(i)) {
    out("error: this board has no output out");
    outU64(i + 1);
    outLine(" (see out)");
    return false;
  }
  if (!requireSession(T("outN settings"))) return false;
  const words = quantity(2, 0, paramMax(f), f <= 1 ? T("W") : T("s"), f <= 1, false);
  if (words > 0 && 2 + words == tokenCount && outputSetParam(i, f, quantityValue)) return true;
  refuseValue(key, keyLen, 2, f <= 1 ? T("a whole number of W from 0 to 100000") : T("a whole number of seconds from 0 to 86400"), f <= 1 ? T("W") : T("s"), f <= 1);
  return false;
}
