// Refreshes docs/img/dashboard.png (README, docs/active-house.md): runs `activemeter demo` at
// full speed until its simulated day (from midnight, Europe/Stockholm) reaches an hour, and
// photographs its dashboard in Debian's chromium: by default 16:30, after the midday surplus and
// the water heater's hours (about 7 minutes of wall time on an idle 2-core machine).
// Usage: node tools/dashboard-screenshot.mjs [hour of the simulated day, default 16.5]
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const untilHour = Number(process.argv[2] ?? 16.5);
if (!(untilHour > 0 && untilHour < 24)) throw new Error(`the hour of the simulated day must be within 0..24, not ${process.argv[2]}`);
const demo = spawn(process.execPath, [path.join(root, "bin", "activemeter.js"), "demo", "--speed", "max", "--http", "0"], { stdio: ["ignore", "pipe", "inherit"] });
const url = await new Promise((resolve, reject) => {
  let out = "";
  demo.stdout.on("data", (d) => { out += d; const m = /dashboard on (http:\/\/\S+)/.exec(out); if (m) resolve(m[1]); });
  demo.on("exit", () => reject(new Error(`the demo exited: ${out}`)));
});
const hourOf = (ms) => {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone: "Europe/Stockholm", hourCycle: "h23", hour: "2-digit", minute: "2-digit" }).formatToParts(new Date(ms));
  const get = (t) => Number(parts.find((p) => p.type === t).value);
  return get("hour") + get("minute") / 60;
};
for (;;) {
  const view = await (await fetch(`${url}api/view`)).json();
  if (hourOf(view.nowMs) >= untilHour) break;
  await new Promise((r) => setTimeout(r, 2000));
}
const browser = await chromium.launch({ executablePath: process.env.ACTIVEMETER_CHROMIUM || "/usr/bin/chromium", headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"] });
try {
  const page = await (await browser.newContext({ viewport: { width: 1200, height: 900 } })).newPage();
  await page.goto(url);
  await page.waitForFunction(() => document.body.dataset.loaded === "1");
  await page.waitForTimeout(500);
  const file = path.join(root, "docs", "img", "dashboard.png");
  await page.screenshot({ path: file, fullPage: true });
  console.log(`wrote ${file}`);
} finally {
  await browser.close();
  demo.kill("SIGINT");
}
