// Dashboard data from a gateway database read beside the running gateway (read-only): the
// readings are loaded again when the database changed, at most every `refreshMs`.
import fs from "node:fs";
import { BalanceLedger } from "../site/balance.js";
import type { Site } from "../site/site-file.js";
import { readingsFromSqlite } from "../site/readings.js";
import { dashboardView, hourlySeries } from "./model.js";
import type { DashboardData } from "./server.js";

export class DbDashboardData implements DashboardData {
  private ledger: BalanceLedger;
  private loadedMtimeMs = -1;
  private loading?: Promise<void>;

  constructor(private readonly site: Site, private readonly file: string, private readonly zone: string, private readonly refreshMs = 5000) {
    this.ledger = new BalanceLedger(site);
  }

  /** Re-reads the database when it changed (its WAL file counts). */
  async refresh(): Promise<void> {
    const mtime = Math.max(...[this.file, `${this.file}-wal`].map((f) => (fs.existsSync(f) ? fs.statSync(f).mtimeMs : 0)));
    if (mtime === this.loadedMtimeMs) return;
    const ledger = new BalanceLedger(this.site);
    for (const r of await readingsFromSqlite(this.file)) ledger.add(r);
    this.ledger = ledger;
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
