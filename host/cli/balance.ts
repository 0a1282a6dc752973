// `activemeter balance`: a district's building energy balance (import, export, PV yield,
// self-consumption, self-sufficiency, heat traded) from the gateway's readings and a site file.
import fs from "node:fs";
import { parseArgs } from "node:util";
import { readSite, SiteError } from "../site/site-file.js";
import { BalanceLedger } from "../site/balance.js";
import type { Reading } from "../site/balance.js";
import { readingsFromJsonLines, readingsFromSqlite, ReadingsError } from "../site/readings.js";
import { UsageError } from "./errors.js";

export const BALANCE_HELP = `usage: activemeter balance --site FILE (--db FILE | --readings FILE|-) [--from TIME] [--to TIME]

Prints one JSON object: per building and per flat, grid import and export, PV yield,
self-consumption, self-sufficiency and heat traded with the district-heating network over the
period (docs/active-house.md).

  --site FILE       the site file (format activemeter-site/1)
  --db FILE         the gateway's SQLite database (its readings table)
  --readings FILE   the gateway's JSON lines (its stdout), or - for standard input
  --from TIME       start of the period (ISO 8601, e.g. 2026-12-01T00:00:00Z); default: all
  --to TIME         end of the period; default: now
  -h, --help        this text`;

function time(text: string | undefined, name: string, fallback: number): number {
  if (text === undefined) return fallback;
  const ms = Date.parse(text);
  if (!Number.isFinite(ms)) throw new UsageError(`--${name} takes an ISO 8601 time such as 2026-12-01T00:00:00Z, not '${text}'`);
  return ms;
}

/** Bad site files and readings are the user's input: one line and exit status 2, like any usage error. */
export async function asUsage<T>(work: () => Promise<T> | T): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof SiteError || e instanceof ReadingsError) throw new UsageError(e.message);
    throw e;
  }
}

export async function balanceCommand(argv: string[]): Promise<number> {
  return asUsage(() => balance(argv));
}

async function balance(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { site: { type: "string" }, db: { type: "string" }, readings: { type: "string" }, from: { type: "string" }, to: { type: "string" }, help: { type: "boolean", short: "h" } },
    strict: true,
  });
  if (values.help) {
    console.log(BALANCE_HELP);
    return 0;
  }
  if (!values.site) throw new UsageError("balance needs --site FILE (see activemeter balance --help)");
  if ((values.db === undefined) === (values.readings === undefined)) throw new UsageError("balance needs exactly one of --db FILE and --readings FILE");
  const site = readSite(values.site);
  const fromMs = time(values.from, "from", -8.64e15);
  const toMs = time(values.to, "to", Date.now());
  if (toMs < fromMs) throw new UsageError("--to is before --from");
  let readings: Reading[];
  if (values.db !== undefined) readings = await readingsFromSqlite(values.db);
  else {
    const file = values.readings!;
    if (file !== "-" && !fs.existsSync(file)) throw new UsageError(`no readings file ${file}`);
    readings = readingsFromJsonLines(fs.readFileSync(file === "-" ? 0 : file, "utf8"), file === "-" ? "stdin" : file);
  }
  const ledger = new BalanceLedger(site);
  for (const r of readings) ledger.add(r);
  const balance = ledger.balance(fromMs, toMs);
  process.stdout.write(JSON.stringify({ format: "activemeter-balance/1", site: site.name, ...balance }) + "\n");
  return balance.buildings.some((b) => b.missing.length > 0) ? 1 : 0;
}
