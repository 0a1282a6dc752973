// Refreshes docs/img/dashboard.png (README, docs/active-house.md): runs `activemeter demo` at
// full speed, lets it simulate a few hours, and photographs its dashboard in Debian's chromium.
// Usage: node tools/dashboard-screenshot.mjs [seconds of wall time to run first, default 25]
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const waitS = Number(process.argv[2] ?? 25);
const demo = spawn(process.execPath, [path.join(root, "bin", "activemeter.js"), "demo", "--speed", "max", "--http", "0"], { stdio: ["ignore", "pipe", "inherit"] });
const url = await new Promise((resolve, reject) => {
  let out = "";
  demo.stdout.on("data", (d) => { out += d; const m = /dashboard on (http:\/\/\S+)/.exec(out); if (m) resolve(m[1]); });
  demo.on("exit", () => reject(new Error(`the demo exited: ${out}`)));
});
await new Promise((r) => setTimeout(r, waitS * 1000));
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
