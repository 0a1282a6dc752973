// `activemeter dashboard`: the read-only district dashboard over a gateway's database.
import fs from "node:fs";
import { parseArgs } from "node:util";
import { readSite } from "../site/site-file.js";
import { DbDashboardData } from "../dashboard/db-source.js";
import { startDashboard, DashboardError } from "../dashboard/server.js";
import { checkZone } from "../dashboard/periods.js";
import { UsageError } from "./errors.js";
import { asUsage } from "./balance.js";

export const DASHBOARD_HELP = `usage: activemeter dashboard --site FILE --db FILE [--http PORT] [--host ADDR] [--http-token-file FILE] [--tz ZONE]

Serves the read-only district dashboard (docs/active-house.md): district -> building -> flat,
today and this month, live power, hourly charts, demand-response state, from the gateway's
SQLite database (re-read when it changes).

  --site FILE             the site file (format activemeter-site/1)
  --db FILE               the gateway's database
  --http PORT             TCP port (default 8418; 0 picks a free one)
  --host ADDR             address to bind (default 127.0.0.1); any other needs a token
  --http-token-file FILE  access token (>= 16 characters, first line of FILE); or ACTIVEMETER_DASHBOARD_TOKEN
  --tz ZONE               the residents' time zone for "today" and "this month" (default Europe/Stockholm)
  -h, --help              this text`;

export function readToken(file: string | undefined): string | undefined {
  if (file === undefined) return process.env.ACTIVEMETER_DASHBOARD_TOKEN || undefined;
  try {
    return fs.readFileSync(file, "utf8").split(/\r?\n/)[0].trim();
  } catch (e) {
    throw new UsageError(`cannot read --http-token-file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

export function parsePort(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--http takes a TCP port 0 to 65535, not '${text}'`);
  return n;
}

export async function dashboardCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { site: { type: "string" }, db: { type: "string" }, http: { type: "string" }, host: { type: "string" }, "http-token-file": { type: "string" }, tz: { type: "string" }, help: { type: "boolean", short: "h" } },
    strict: true,
  });
  if (values.help) {
    console.log(DASHBOARD_HELP);
    return 0;
  }
  if (!values.site || !values.db) throw new UsageError("dashboard needs --site FILE and --db FILE (see activemeter dashboard --help)");
  let zone: string;
  try {
    zone = checkZone(values.tz ?? "Europe/Stockholm");
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const site = await asUsage(() => readSite(values.site!));
  const data = new DbDashboardData(site, values.db, zone);
  await asUsage(() => data.refresh());
  let dashboard;
  try {
    dashboard = await startDashboard({ port: parsePort(values.http, 8418), host: values.host, token: readToken(values["http-token-file"]), data });
  } catch (e) {
    if (e instanceof DashboardError) throw new UsageError(e.message);
    throw e;
  }
  const stop = data.start();
  process.stderr.write(`dashboard on ${dashboard.url} (Ctrl-C to stop)\n`);
  await new Promise<void>((resolve) => { process.once("SIGINT", resolve); process.once("SIGTERM", resolve); });
  stop();
  await dashboard.close();
  return 0;
}
