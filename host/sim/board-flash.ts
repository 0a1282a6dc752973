// The board's flash driver in the twin: NOR flash (host/sim/flash.ts) with the time each
// operation takes, so a power cut can land in the middle of one. Operations queue one after
// another; the firmware believes each is done when the call returns (as on a chip that stalls
// during flash writes), and a cut undoes whatever was still in flight and lands part of it.
import { NorFlash } from "./flash.js";
import type { BoardFlash } from "../firmware/firmware.js";
import { Random } from "./random.js";

/** SPI NOR timings of the kind ESP32 modules use (typical, not worst case). */
export const PROGRAM_BASE_US = 40;
export const PROGRAM_PER_BYTE_US = 3;
export const ERASE_SECTOR_US = 45_000;

export interface FlashOp {
  kind: "program" | "erase";
  startUs: number;
  endUs: number;
  offset: number;
  bytes?: Uint8Array;
  sector?: number;
  /** The affected bytes as they were before the operation. */
  before: Uint8Array;
}

export interface CutReport { atUs: number; cut: FlashOp[] }

export class SimFlash implements BoardFlash {
  busyUntilUs = 0;
  readonly recent: FlashOp[] = [];
  programs = 0;
  erases = 0;

  constructor(readonly nor: NorFlash, private readonly clockUs: () => number) {}

  private log(op: Omit<FlashOp, "startUs" | "endUs">, durationUs: number): void {
    const startUs = Math.max(this.clockUs(), this.busyUntilUs);
    this.busyUntilUs = startUs + durationUs;
    this.recent.push({ ...op, startUs, endUs: this.busyUntilUs });
    // Only operations that can still be in flight matter for a cut.
    while (this.recent.length > 64 && this.recent[0].endUs < this.clockUs()) this.recent.shift();
  }

  read(offset: number, len: number): Uint8Array | null {
    try {
      return this.nor.read(offset, len);
    } catch {
      return null;
    }
  }

  program(offset: number, bytes: Uint8Array): number {
    if (offset < 0 || offset + bytes.length > this.nor.size) return -1;
    const before = this.nor.read(offset, bytes.length);
    this.nor.program(offset, bytes);
    this.programs++;
    this.log({ kind: "program", offset, bytes: bytes.slice(), before }, PROGRAM_BASE_US + PROGRAM_PER_BYTE_US * bytes.length);
    return 0;
  }

  erase(sector: number): number {
    if (sector < 0 || sector >= this.nor.sectors) return -1;
    const offset = sector * this.nor.sectorBytes;
    const before = this.nor.read(offset, this.nor.sectorBytes);
    this.nor.erase(sector);
    this.erases++;
    this.log({ kind: "erase", offset, sector, before }, ERASE_SECTOR_US);
    return 0;
  }

  /** Operations not finished at `atUs` (running, or queued behind the one running), oldest first. */
  inFlight(atUs: number): FlashOp[] {
    return this.recent.filter((op) => atUs < op.endUs);
  }

  /** Undo the operations not finished at `atUs` (newest first): the flash as before them. */
  undoInFlight(atUs: number): FlashOp[] {
    const ops = this.inFlight(atUs);
    for (const op of [...ops].reverse()) {
      this.nor.data.set(op.before, op.offset);
      if (op.kind === "erase") this.nor.eraseCounts[op.sector!]--;
    }
    return ops;
  }

  /** Power fails at `atUs`: the operation running lands partly, the ones queued behind it not at all. */
  cut(atUs: number, random: Random): CutReport {
    const ops = this.undoInFlight(atUs);
    if (ops.length > 0 && ops[0].startUs <= atUs) {
      const op = ops[0];
      if (op.kind === "program") this.nor.programCut(op.offset, op.bytes!, random);
      else this.nor.eraseCut(op.sector!, random);
    }
    this.recent.length = 0;
    this.busyUntilUs = atUs;
    return { atUs, cut: ops };
  }
}
