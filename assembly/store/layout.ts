// Where things live in the storage partition (sector indices); see docs/storage.md.
// Changes are additive: new regions (a PIN-lockout record, a metrological log, a billing
// history) take sectors of their own, documented here and in docs/storage.md, without moving
// the configuration copies, the event log or the journal's first sector. Journal formats:
// journal-format.ts (AMJ3), configuration: config.ts (AMC2), records: record.ts.
import { flashSectorBytes, flashSectorCount, outputDeclared } from "../board/descriptor";

function anyOutputDeclared(): bool {
  for (let i = 0; i < 4; i++) if (outputDeclared(i)) return true;
  return false;
}

export const CONFIG_SECTOR_A: u32 = 0;
export const CONFIG_SECTOR_B: u32 = 1;
export const EVENT_SECTOR_0: u32 = 2;
export const EVENT_SECTOR_1: u32 = 3;
export const JOURNAL_FIRST_SECTOR: u32 = 4;
/**
 * The last sectors of the partition: the downlink counter (two, alternating), the console's PIN
 * lockout (two, alternating) and the metrological log (two). They sit at the end so the journal
 * keeps its first sector; each region added later goes in front of the ones before it.
 */
export const TAIL_SECTORS: u32 = 6;
/** The journal needs at least two sectors: one in use, one erased ahead. */
export const MIN_SECTORS: u32 = JOURNAL_FIRST_SECTOR + 2 + TAIL_SECTORS;
/** First of the two lockout sectors (assembly/store/lockout.ts). */
export function lockoutSector(i: u32): u32 { return flashSectorCount - 4 + i; }
/** First of the two metrological-log sectors (assembly/store/metrolog.ts). */
export function metrologSector(i: u32): u32 { return flashSectorCount - 2 + i; }
/** First of the two downlink-counter sectors (assembly/store/downlink-counter.ts). */
export function downlinkSector(i: u32): u32 { return flashSectorCount - 6 + i; }

export function storeUsable(): bool {
  return flashSectorCount >= MIN_SECTORS && flashSectorBytes >= 1024 && flashSectorBytes <= 65536;
}

/**
 * Billing history (assembly/billing/history.ts): 16 sectors of their own just before the tail,
 * on partitions with room for them beside a journal of at least two sectors. The board files
 * grew by these 16 sectors, so the journal kept every sector it had (docs/storage.md).
 */
export const HISTORY_SECTORS: u32 = 16;
export function historyPresent(): bool {
  return storeUsable() && flashSectorCount >= MIN_SECTORS + HISTORY_SECTORS;
}
export function historySector(i: u32): u32 { return flashSectorCount - TAIL_SECTORS - HISTORY_SECTORS + i; }

/**
 * The outputs' day record (assembly/store/output-day.ts): two sectors just before the billing
 * history (or the tail), on boards that declare an output, where a journal of at least two
 * sectors still fits. The board files with outputs grew by these two sectors.
 */
export const OUTPUT_DAY_SECTORS: u32 = 2;
export function outputDayPresent(): bool {
  if (!storeUsable() || !anyOutputDeclared()) return false;
  return flashSectorCount >= MIN_SECTORS + OUTPUT_DAY_SECTORS + (historyPresent() ? HISTORY_SECTORS : 0);
}
export function outputDaySector(i: u32): u32 {
  return flashSectorCount - TAIL_SECTORS - (historyPresent() ? HISTORY_SECTORS : 0) - OUTPUT_DAY_SECTORS + i;
}

export function journalSectors(): u32 {
  return flashSectorCount - JOURNAL_FIRST_SECTOR - TAIL_SECTORS - (historyPresent() ? HISTORY_SECTORS : 0)
    - (outputDayPresent() ? OUTPUT_DAY_SECTORS : 0);
}

@inline export function sectorOffset(sector: u32): u32 {
  return sector * flashSectorBytes;
}
