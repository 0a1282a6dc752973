// Where the balance gets its readings: the gateway's JSON lines (stdout, or a file of them)
// and the gateway's SQLite store. Lines that are not readings are skipped; a line that is not
// JSON is an error with its line number, so a truncated capture never passes unnoticed.
import fs from "node:fs";
import type { Reading } from "./balance.js";

export class ReadingsError extends Error {}

export function readingsFromJsonLines(text: string, source: string): Reading[] {
  const out: Reading[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === "") return;
    let event: Record<string, unknown>;
    try {
      event = JSON.parse(line);
    } catch {
      throw new ReadingsError(`${source}:${i + 1}: not a JSON line`);
    }
    if (event.type !== "reading") return;
    const timeMs = Date.parse(String(event.received));
    if (!Number.isInteger(event.node) || !Number.isFinite(timeMs) || typeof event.registers !== "object" || event.registers === null) {
      throw new ReadingsError(`${source}:${i + 1}: a reading needs node, received (ISO time) and registers`);
    }
    out.push({ node: event.node as number, timeMs, registers: event.registers as Record<string, number> });
  });
  return out;
}

/** Readings of the gateway's SQLite database (table readings) stored after row `afterRowid`, in storage order. */
export async function readSqliteReadings(file: string, afterRowid = 0): Promise<{ readings: Reading[]; lastRowid: number }> {
  if (!fs.existsSync(file)) throw new ReadingsError(`no database ${file}`);
  const { default: Database } = await import("better-sqlite3");
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare("SELECT rowid, node, counter, received, register, value FROM readings WHERE rowid > ? ORDER BY rowid").all(afterRowid) as
      { rowid: number; node: number; counter: number; received: string; register: string; value: number }[];
    const byFrame = new Map<string, Reading>();
    for (const r of rows) {
      const k = `${r.node}/${r.counter}`;
      let reading = byFrame.get(k);
      if (!reading) byFrame.set(k, (reading = { node: r.node, timeMs: Date.parse(r.received), registers: {} }));
      reading.registers[r.register] = r.value;
    }
    return { readings: [...byFrame.values()], lastRowid: rows.length > 0 ? rows[rows.length - 1].rowid : afterRowid };
  } catch (e) {
    throw new ReadingsError(`cannot read readings from ${file}: ${(e as Error).message}`);
  } finally {
    db.close();
  }
}

/** Every reading of the gateway's SQLite database. */
export async function readingsFromSqlite(file: string): Promise<Reading[]> {
  return (await readSqliteReadings(file)).readings;
}
