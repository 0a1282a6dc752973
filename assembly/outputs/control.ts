// PLACEHOLDER (issue 21, downlink branch): the outputs helper writes the real control module
// (rules, the board's outputs, registers) and it replaces this file at merge. Here it only holds
// the state the downlink hands over, so the downlink path compiles and its tests can see it.
// The interface is the agreed one: outputsSetDemand, outputsOverride; modes as in rules.ts.
// rules.ts is not imported: its tables would land in the module before the real module uses them.
const MAX_OUTPUTS: i32 = 4;

export const OUTPUT_MODE_AUTO: i32 = 0;
export const OUTPUT_MODE_ON: i32 = 1;
export const OUTPUT_MODE_OFF: i32 = 2;

let demandLevel: i32 = 0;
let demandUntilUs: i64 = 0;
const overrideMode = memory.data(4 * 4);
const overrideUntilUs = memory.data(8 * 4);

/** Demand-response level (0 normal, 1 shed, 2 boost) until `untilUs` of the monotonic clock. */
export function outputsSetDemand(level: i32, untilUs: i64): void {
  demandLevel = level;
  demandUntilUs = untilUs;
}

/** Output `index` (0-based) to mode auto/on/off until `untilUs`; false if there is no such output. */
export function outputsOverride(index: i32, mode: i32, untilUs: i64): bool {
  if (index < 0 || index >= MAX_OUTPUTS) return false;
  store<i32>(overrideMode + (<usize>index << 2), mode);
  store<i64>(overrideUntilUs + (<usize>index << 3), untilUs);
  return true;
}

/** The level in force at `nowUs`: after its end the node is back on its local rules (0). */
export function outputsDemandAt(nowUs: i64): i32 { return nowUs < demandUntilUs ? demandLevel : 0; }
export function outputsDemandUntilUs(): i64 { return demandUntilUs; }
/** The override of output `index` in force at `nowUs` (auto after its end). */
export function outputsOverrideAt(index: i32, nowUs: i64): i32 {
  if (index < 0 || index >= MAX_OUTPUTS) return OUTPUT_MODE_AUTO;
  return nowUs < load<i64>(overrideUntilUs + (<usize>index << 3)) ? load<i32>(overrideMode + (<usize>index << 2)) : OUTPUT_MODE_AUTO;
}
export function outputsOverrideUntilUs(index: i32): i64 {
  return index < 0 || index >= MAX_OUTPUTS ? 0 : load<i64>(overrideUntilUs + (<usize>index << 3));
}
