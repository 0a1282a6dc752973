// Node-wide settings (per-channel settings live with their channel's module). Below both the
// console and the store, so neither imports the other for them.
import { defaultNodeId, defaultReportIntervalS } from "./board/descriptor";
import { profileInit } from "./oms/profile";

export let nodeId: u32 = 0;
/** Seconds without a command before an unlocked console session locks itself (console.lock_s). */
export const LOCK_DEFAULT_S: u32 = 300;
export const LOCK_MIN_S: u32 = 30;
export const LOCK_MAX_S: u32 = 86400;
export let lockTimeoutS: u32 = LOCK_DEFAULT_S;
export let reportIntervalS: u32 = 10;

export function settingsInit(): void {
  nodeId = defaultNodeId;
  reportIntervalS = defaultReportIntervalS == 0 ? 10 : defaultReportIntervalS;
  lockTimeoutS = LOCK_DEFAULT_S;
  profileInit();
}
export function setLockTimeoutS(s: u32): void { lockTimeoutS = s; }
export function setNodeId(id: u32): void { nodeId = id; }
export function setReportIntervalS(s: u32): void { reportIntervalS = s; }
