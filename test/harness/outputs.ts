// Host-test harness: the output rule engine, exported for test/host/output-rules.test.ts.
import { outputDeclare, outputSetParam, paramMax, PARAMS } from "../../assembly/outputs/rules";
export {
  outputsReset, outputsBoot, outputsClampSecond, outputsSecond, outputOverride, outputsDemandResponse,
  outputsMask, outputSwitches, outputOnTotalS, outputOnTodayS, outputDivertedMicroWh, outputsDrLevel,
} from "../../assembly/outputs/rules";

/** Declares output `i` with its whole rule; false (nothing kept) for values out of range. */
export function outputConfigure(i: i32, clamp: i32, loadClamp: i32, surplusW: i32, importW: i32, onDelay: i32, offDelay: i32,
  minOn: i32, minOff: i32, maxPerDay: i32): bool {
  const v = memory.data(4 * 7);
  store<i32>(v, surplusW); store<i32>(v, importW, 4); store<i32>(v, onDelay, 8); store<i32>(v, offDelay, 12);
  store<i32>(v, minOn, 16); store<i32>(v, minOff, 20); store<i32>(v, maxPerDay, 24);
  for (let f = 0; f < PARAMS; f++) { const x = load<i32>(v + (<usize>f << 2)); if (x < 0 || x > paramMax(f)) return false; }
  if (!outputDeclare(i, clamp, loadClamp)) return false;
  for (let f = 0; f < PARAMS; f++) outputSetParam(i, f, load<i32>(v + (<usize>f << 2)));
  return true;
}
