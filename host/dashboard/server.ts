// The read-only dashboard (docs/active-house.md): district -> building -> flat, today and this
// month, live power, hourly charts (Chart.js from its npm package) and the demand-response
// state. Binds 127.0.0.1 by default; bound anywhere else it requires an access token.
import http from "node:http";
import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { packageRoot } from "../paths.js";
import type { DashboardView, HourlySeries } from "./model.js";

export const dashboardPageDir = path.join(packageRoot, "host", "dashboard", "page");

export function chartBundlePath(): string {
  const require = createRequire(import.meta.url);
  // chart.js exports no package.json: its main entry sits beside the UMD build in dist/.
  return path.join(path.dirname(require.resolve("chart.js")), "chart.umd.js");
}

/** Where the figures come from: the gateway's live ledger, or a database re-read. */
export interface DashboardData {
  view(nowMs: number): DashboardView;
  series(buildingId: string, nowMs: number, hours: number): HourlySeries | undefined;
}

export interface DashboardOptions {
  port: number;
  /** Default 127.0.0.1. Any other address needs `token`. */
  host?: string;
  token?: string;
  data: DashboardData;
  now?: () => number;
}

export interface Dashboard { url: string; port: number; close(): Promise<void> }

export class DashboardError extends Error {}

const TYPES: Record<string, string> = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8" };

export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function send(res: http.ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, { "content-type": type, "cache-control": "no-store", "x-content-type-options": "nosniff", "referrer-policy": "no-referrer" });
  res.end(body);
}

const digest = (text: string) => crypto.createHash("sha256").update(text).digest();

/** Constant time whatever was given: both sides are hashed to 32 bytes first, so not even the length shows. */
function tokenOk(req: http.IncomingMessage, url: URL, tokenDigest: Buffer): boolean {
  const given = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1] ?? url.searchParams.get("token") ?? "";
  return crypto.timingSafeEqual(digest(given), tokenDigest);
}

/** A fresh access token (144 random bits, URL-safe). */
export function generateToken(): string {
  return crypto.randomBytes(18).toString("base64url");
}

export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const host = options.host ?? "127.0.0.1";
  if (!isLoopback(host) && !options.token) throw new DashboardError(`the dashboard on ${host} needs an access token (--http-token-file FILE): it shows every flat's consumption`);
  if (options.token !== undefined && options.token.length < 16) throw new DashboardError("the dashboard access token must have at least 16 characters");
  const now = options.now ?? (() => Date.now());
  const tokenDigest = options.token === undefined ? undefined : digest(options.token);
  const files = new Map<string, string>();
  for (const name of fs.readdirSync(dashboardPageDir)) files.set(`/${name}`, path.join(dashboardPageDir, name));

  const server = http.createServer((req, res) => {
    try {
      if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, "text/plain", "read-only: GET only\n");
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      if (tokenDigest !== undefined && !tokenOk(req, url, tokenDigest)) return send(res, 401, "text/plain", "access token required\n");
      if (url.pathname === "/vendor/chart.js") return send(res, 200, TYPES[".js"], fs.readFileSync(chartBundlePath()));
      if (url.pathname === "/api/view") return send(res, 200, "application/json", JSON.stringify(options.data.view(now())));
      if (url.pathname === "/api/series") {
        const hours = Number(url.searchParams.get("hours") ?? "24");
        if (!Number.isInteger(hours) || hours < 1 || hours > 24 * 62) return send(res, 400, "text/plain", "hours: 1 to 1488\n");
        const series = options.data.series(url.searchParams.get("building") ?? "", now(), hours);
        return series ? send(res, 200, "application/json", JSON.stringify(series)) : send(res, 404, "text/plain", "no such building\n");
      }
      const file = files.get(url.pathname === "/" ? "/index.html" : url.pathname);
      if (!file) return send(res, 404, "text/plain", "not found\n");
      send(res, 200, TYPES[path.extname(file)] ?? "application/octet-stream", fs.readFileSync(file));
    } catch (e) {
      send(res, 500, "text/plain", `dashboard error: ${(e as Error).message}\n`);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (e) => reject(new DashboardError(`cannot serve the dashboard on ${host}:${options.port}: ${e.message}`)));
    server.listen(options.port, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const shown = host.includes(":") ? `[${host}]` : host === "127.0.0.1" ? "localhost" : host;
  return {
    url: `http://${shown}:${port}/`,
    port,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
