// Dashboard data from the gateway's own live balance (gateway --site --http): the ledger the
// gateway fills as readings commit, the nodes' last frames, and what it knows of demand response.
import type { SiteBalanceOutput } from "../gateway/site-balance.js";
import type { Site } from "../site/site-file.js";
import { dashboardView, hourlySeries } from "./model.js";
import type { DemandResponseSource } from "./model.js";
import type { DashboardData } from "./server.js";

export class LiveDashboardData implements DashboardData {
  constructor(private readonly site: Site, private readonly balance: SiteBalanceOutput, private readonly zone: string, private readonly dr?: DemandResponseSource) {}

  view(nowMs: number) {
    return dashboardView(this.site, this.balance.ledger, this.zone, nowMs, this.balance.nodes, this.dr);
  }

  series(buildingId: string, nowMs: number, hours: number) {
    return hourlySeries(this.site, this.balance.ledger, buildingId, nowMs, hours);
  }
}
