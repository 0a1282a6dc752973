import "./abi/panic";
import { boardTimeUs, boardConsoleWrite } from "./abi/board";
export function fw_abi_version(): u32 { return 1; }
export function fw_tick(): void { const t = boardTimeUs(); if (t < 0) boardConsoleWrite(0, 0); assert(t >= -5, "bad"); }
