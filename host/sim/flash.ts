// NOR flash model: erased bytes read 0xFF, programming can only clear bits, erase works on
// whole sectors. Counts erases per sector (for wear budgets) and can cut an operation at a
// random point to model a power failure in the middle of it.
import { Random } from "./random.js";

export class FlashError extends Error {}

export class NorFlash {
  readonly data: Uint8Array;
  readonly eraseCounts: Uint32Array;

  constructor(readonly sectorBytes: number, readonly sectors: number) {
    this.data = new Uint8Array(sectorBytes * sectors).fill(0xff);
    this.eraseCounts = new Uint32Array(sectors);
  }

  get size(): number { return this.data.length; }

  private checkRange(offset: number, len: number): void {
    if (!Number.isInteger(offset) || !Number.isInteger(len) || offset < 0 || len < 0 || offset + len > this.size) {
      throw new FlashError(`flash access out of range: offset ${offset}, length ${len}, size ${this.size}`);
    }
  }

  read(offset: number, len: number): Uint8Array {
    this.checkRange(offset, len);
    return this.data.slice(offset, offset + len);
  }

  /** Program bytes: each stored byte becomes old AND new (bits only go from 1 to 0). */
  program(offset: number, bytes: Uint8Array): void {
    this.checkRange(offset, bytes.length);
    for (let i = 0; i < bytes.length; i++) this.data[offset + i] &= bytes[i];
  }

  erase(sector: number): void {
    if (!Number.isInteger(sector) || sector < 0 || sector >= this.sectors) throw new FlashError(`no flash sector ${sector}`);
    this.data.fill(0xff, sector * this.sectorBytes, (sector + 1) * this.sectorBytes);
    this.eraseCounts[sector]++;
  }

  /** A program cut by power loss: a random prefix of bytes lands, the byte at the cut partly. */
  programCut(offset: number, bytes: Uint8Array, random: Random): void {
    this.checkRange(offset, bytes.length);
    const landed = random.int(0, bytes.length);
    this.program(offset, bytes.subarray(0, landed));
    if (landed < bytes.length) this.data[offset + landed] &= bytes[landed] | (random.nextU32() & 0xff);
  }

  /** An erase cut by power loss: part of the sector is erased, the rest keeps old bits, and
   *  bits already on their way to 1 in the boundary region are random. */
  eraseCut(sector: number, random: Random): void {
    if (sector < 0 || sector >= this.sectors) throw new FlashError(`no flash sector ${sector}`);
    const start = sector * this.sectorBytes;
    const erased = random.int(0, this.sectorBytes);
    this.data.fill(0xff, start, start + erased);
    for (let i = erased; i < Math.min(erased + 16, this.sectorBytes); i++) this.data[start + i] |= random.nextU32() & 0xff;
    this.eraseCounts[sector]++;
  }
}
