// Node-wide settings (per-channel settings live with their channel's module).
import { defaultNodeId, defaultReportIntervalS } from "./board/descriptor";
import { profileInit } from "./oms/profile";

export let nodeId: u32 = 0;
export let reportIntervalS: u32 = 10;

export function settingsInit(): void {
  nodeId = defaultNodeId;
  reportIntervalS = defaultReportIntervalS == 0 ? 10 : defaultReportIntervalS;
  profileInit();
}
export function setNodeId(id: u32): void { nodeId = id; }
export function setReportIntervalS(s: u32): void { reportIntervalS = s; }
