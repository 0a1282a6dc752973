// Dashboard data from a gateway database read beside the running gateway (read-only): when
// the database changed (checked at most every `refreshMs`) only the rows stored since the last
// look are read and added to the ledger.
import fs from "node:fs";
import { BalanceLedger } from "../site/balance.js";
import type { Site } from "../site/site-file.js";
import { readSqliteReadings } from "../site/readings.js";
import { dashboardView, hourlySeries } from "./model.js";
import type { DashboardData } from "./server.js";

export class DbDashboardData implements DashboardData {
  private readonly ledger: BalanceLedger;
  private loadedMtimeMs = -1;
  private lastRowid = 0;
  private loading?: Promise<void>;

  constructor(private readonly site: Site, private readonly file: string, private readonly zone: string, private readonly refreshMs = 5000) {
    this.ledger = new BalanceLedger(site);
  }

  /** Reads the rows stored since the last call, when the database changed (its WAL file counts). */
  async refresh(): Promise<void> {
    const mtime = Math.max(...[this.file, `${this.file}-wal`].map((f) => (fs.existsSync(f) ? fs.statSync(f).mtimeMs : 0)));
    if (mtime === this.loadedMtimeMs) return;
    const { readings, lastRowid } = await readSqliteReadings(this.file, this.lastRowid);
    for (const r of readings) this.ledger.add(r);
    this.lastRowid = lastRowid;
    this.loadedMtimeMs = mtime;
  }

  start(): () => void {
    const timer = setInterval(() => {
      this.loading ??= this.refresh().catch((e: Error) => { process.stderr.write(`activemeter dashboard: ${e.message}\n`); }).finally(() => { this.loading = undefined; });
    }, this.refreshMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  view(nowMs: number) { return dashboardView(this.site, this.ledger, this.zone, nowMs); }
  series(buildingId: string, nowMs: number, hours: number) { return hourlySeries(this.site, this.ledger, buildingId, nowMs, hours); }
}
