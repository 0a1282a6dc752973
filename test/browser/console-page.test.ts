// The installer console page in a real browser (Debian's chromium, headless, driven by
// playwright-core): the page gets a navigator.serial whose one port is bridged over a WebSocket
// to a twin's console (host/web/page/ws-serial.js, injected with page.addInitScript as a test
// double of the hardware), connects through the @espruino-tools/uart connection's chooser like
// an installer would, and runs identity and one calibration step with the page's buttons.
// Expectations are independent of the page and of the firmware: the SHA-256 of
// build/firmware.wasm computed here, and the calibration the scenario's physics call for.
import { test } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";
import type { Browser, Page } from "playwright-core";
import { startWebConsole, pageDir } from "../../host/web/server.js";
import type { WebConsole } from "../../host/web/server.js";
import { parseScenario } from "../../host/sim/scenario.js";
import { firmwarePath, packageRoot } from "../../host/paths.js";

/** Debian's chromium (ACTIVEMETER_CHROMIUM overrides the path); never a browser downloaded by Playwright. */
const CHROMIUM = process.env.ACTIVEMETER_CHROMIUM || "/usr/bin/chromium";
// Every run saves the page to build/; ACTIVEMETER_UPDATE_SCREENSHOT=1 also replaces the README's
// picture (docs/img/browser-console.png), so test runs leave the docs alone.
const SCREENSHOT = path.join(packageRoot, "build", "browser-console.png");
const DOCS_SCREENSHOT = path.join(packageRoot, "docs", "img", "browser-console.png");

// 230 V 50 Hz, a purely resistive 10 A load on ct1 (2300 W true) and a small export on ct2. The
// installer's reference meter says the load draws REFERENCE_W: the wizard must scale ct1's gain by
// REFERENCE_W / 2300 W, and the clamp must then read REFERENCE_W.
const VRMS = 230, IRMS = 10, TRUE_W = VRMS * IRMS;
const REFERENCE_W = 2415;
const scenario = parseScenario(JSON.stringify({
  format: "activemeter-scenario/1", board: "esp32-devkitc", seconds: 600, seed: 9,
  mains: { vrms: VRMS, hz: 50 },
  // ct2 exports through a load at PF cos 150 deg = -0.866: not resistive, so no power calibration on it.
  ct: { ct1: { irms: IRMS, phi_deg: 0, noise_a: 0.01 }, ct2: { irms: 2, phi_deg: 150, noise_a: 0.01 } },
}), "browser test scenario");

function chromiumPath(): string {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: the browser test needs Debian's chromium package (npm test installs it as root: tools/test-tools.mjs)`);
  }
  return CHROMIUM;
}

async function waitForText(page: Page, selector: string, pattern: RegExp, timeoutMs: number): Promise<string> {
  const handle = await page.waitForFunction(({ selector, source, flags }) => {
    const text = document.querySelector(selector)?.textContent ?? "";
    return new RegExp(source, flags).test(text) ? text : false;
  }, { selector, source: pattern.source, flags: pattern.flags }, { timeout: timeoutMs, polling: 100 });
  return (await handle.jsonValue()) as string;
}

async function chartPoints(page: Page): Promise<number> {
  return Number(await page.getAttribute("#chart", "data-points") ?? "0");
}

async function waitForMorePoints(page: Page, atLeast: number, timeoutMs: number): Promise<void> {
  await page.waitForFunction((n) => Number(document.querySelector("#chart")?.getAttribute("data-points") ?? "0") >= n, atLeast, { timeout: timeoutMs, polling: 100 });
}

test("installer console page: Web Serial (bridged to a twin), identity and a power calibration end to end", { timeout: 120_000 }, async () => {
  const executablePath = chromiumPath();
  const sha256 = crypto.createHash("sha256").update(fs.readFileSync(firmwarePath)).digest("hex");

  let web: WebConsole | undefined;
  let browser: Browser | undefined;
  const pageErrors: string[] = [];
  try {
    // The twin runs in real time: a calibration takes as long as on a bench.
    web = await startWebConsole({ port: 0, twin: scenario, twinOptions: { speed: 1 } });
    browser = await chromium.launch({
      executablePath,
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-quic", "--no-first-run", "--disable-sync", "--disable-dev-shm-usage"],
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    page.on("pageerror", (e) => pageErrors.push(e.message));
    await page.addInitScript({ content: fs.readFileSync(path.join(pageDir, "ws-serial.js"), "utf8") });
    await page.goto(`http://127.0.0.1:${web.port}/`);

    // The page loaded the transport package's browser bundle.
    assert.equal(await page.evaluate(() => typeof (globalThis as any).ESPT_uart?.uart?.connect), "function", "the @espruino-tools/uart bundle is loaded");

    // Connect: the package's chooser offers Web Bluetooth and Web Serial; pick Web Serial.
    await page.click("#connect");
    await page.getByText("Web Bluetooth", { exact: true }).waitFor({ timeout: 5000 });
    await page.getByText("Web Serial", { exact: true }).click();
    await waitForText(page, "#conn-state", /^connected$/, 10_000);
    const serial = await page.evaluate(() => (globalThis as any).__activemeterSerial);
    assert.deepEqual(serial.opened.map((o: { baudRate: number }) => o.baudRate), [115200], "the port is opened once at 115200 baud");
    await waitForText(page, "#terminal", /am> $/, 10_000);

    // Identity: the button sends `id`; the firmware's answer carries the SHA-256 computed here.
    await page.click("#btn-id");
    const shown = await waitForText(page, "#id-sha", /^[0-9a-f]{64}$/, 10_000);
    assert.equal(shown, sha256, "the identity panel shows the SHA-256 of build/firmware.wasm");
    const term = await waitForText(page, "#terminal", new RegExp(`software identity \\(SHA-256 of the firmware module\\): ${sha256}`), 5000);
    assert.match(term, /am> id\nactivemeter firmware \d+\.\d+\.\d+, ABI 1, node \d+\n/);
    assert.equal(await page.textContent("#id-node"), String(scenario.board.node_id));

    // Status: the clamps' lines reach the page (the clamp selector lists them).
    await page.click("#btn-status");
    await waitForText(page, "#terminal", /ct1: import [\d.]+ Wh, export [\d.]+ Wh, power [\d.-]+ W/, 10_000);
    assert.deepEqual(await page.$$eval("#clamp option", (o) => o.map((x) => x.textContent)), ["ct1", "ct2"]);

    // The wizard: unlock with the documented default PIN; the live chart starts.
    await page.fill("#pin", "0000");
    await page.click("#btn-unlock");
    await waitForText(page, "#lock-state", /^unlocked$/, 10_000);
    assert.match(await page.textContent("#terminal") ?? "", /am> unlock \*\*\*\*\nok: unlocked/, "the PIN is echoed as * by the meter");
    await waitForMorePoints(page, 3, 10_000);
    const before = Number(await page.textContent("#latest-p"));
    assert.ok(Math.abs(before - TRUE_W) / TRUE_W < 0.005, `before calibration ct1 reads ${before} W, the load draws ${TRUE_W} W`);

    // One calibration step: ct1 against a reference load of REFERENCE_W.
    await page.selectOption("#clamp", "ct1");
    await page.fill("#watts", String(REFERENCE_W));
    await page.click("#btn-cal-power");
    await waitForText(page, "#cal-result", /measuring/, 5000);
    const result = await waitForText(page, "#cal-result", /before .* after/, 30_000);
    assert.match(result, /^ct1\.gain/);
    const gainBefore = await page.textContent("#cal-result [data-before]");
    const gainAfter = Number(await page.textContent("#cal-result [data-after]"));
    assert.equal(gainBefore, "1.000000", "a fresh board's gain is 1, shown as the meter wrote it");
    const expectedGain = REFERENCE_W / TRUE_W;
    assert.ok(Math.abs(gainAfter - expectedGain) / expectedGain < 0.003, `gain after ${gainAfter}, expected ${expectedGain.toFixed(6)} (reference / true power)`);
    const measured = Number(/measured ([\d.]+) W/.exec(result)?.[1]);
    assert.ok(Math.abs(measured - TRUE_W) / TRUE_W < 0.005, `measured ${measured} W, true ${TRUE_W} W`);
    const termText = await page.textContent("#terminal") ?? "";
    assert.match(termText, new RegExp(`am> cal ct1 power ${REFERENCE_W}\\.000\\nct1: measuring over \\d+ s of whole mains cycles; Ctrl-C cancels\\nct1\\.gain 1\\.000000 -> ${gainAfter.toFixed(6)} \\(measured`));

    // The live chart goes on after the measurement and shows the corrected reading.
    const pointsAtResult = await chartPoints(page);
    await waitForMorePoints(page, pointsAtResult + 4, 15_000);
    const after = Number(await page.textContent("#latest-p"));
    assert.ok(Math.abs(after - REFERENCE_W) / REFERENCE_W < 0.005, `after calibration ct1 reads ${after} W, the reference says ${REFERENCE_W} W`);
    assert.equal(termText.match(/am> status\n/g)?.length, 1, "only the Status button's status is in the terminal, not the chart's polls");

    // Save keeps it.
    await page.click("#btn-save");
    await waitForText(page, "#save-state", /^ok: settings saved$/, 10_000);

    // The same rule as the firmware's in the browser wizard: a load with PF under 0.98 is refused, PF shown.
    await page.selectOption("#clamp", "ct2");
    await waitForText(page, "#latest-pf", /^-?0\.8[5-8]\d$/, 10_000);
    await page.fill("#watts", "400");
    await page.click("#btn-cal-power");
    const refusedText = await waitForText(page, "#cal-result", /power factor is 0\.8[5-8]\d \(live reading\), under 0\.98/, 5000);
    assert.match(refusedText, /nothing was sent or changed/);
    assert.doesNotMatch(await page.textContent("#terminal") ?? "", /cal ct2 power/, "the page refused it before sending");
    // Typed by hand, the firmware refuses it too, with the PF it measured.
    await page.fill("#line", "cal ct2 power 400");
    await page.press("#line", "Enter");
    await waitForText(page, "#terminal", /error: ct2: the load's measured power factor is 0\.8[5-8]\d, under 0\.980[^\n]*nothing was changed\nam> $/, 30_000);
    assert.ok(web.bridge!.twin.consoleText.includes("ct2.gain") === false, "no ct2.gain change anywhere in the transcript");
    // A PIN typed into the command field is hidden there, and echoed as * in the terminal.
    await page.fill("#line", "");
    await page.type("#line", "Set\tConsole.Pin  97531");
    assert.equal(await page.getAttribute("#line", "type"), "password", "the field hides the PIN");
    await page.press("#line", "Enter");
    await waitForText(page, "#terminal", /am> Set Console\.Pin  \*\*\*\*\*\nok\nam> $/, 10_000);
    assert.doesNotMatch(await page.textContent("#terminal") ?? "", /97531/);
    assert.doesNotMatch(await page.content(), /97531/, "the PIN is nowhere on the page");

    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    if (process.env.ACTIVEMETER_UPDATE_SCREENSHOT === "1") {
      fs.mkdirSync(path.dirname(DOCS_SCREENSHOT), { recursive: true });
      fs.copyFileSync(SCREENSHOT, DOCS_SCREENSHOT);
    }
    assert.deepEqual(pageErrors, [], "no script errors on the page");

    // What reached the twin is what the page typed: the firmware kept the new gain.
    assert.ok(web.bridge!.twin.consoleText.includes(`ct1.gain 1.000000 -> ${gainAfter.toFixed(6)}`));
    await context.close();
  } finally {
    await browser?.close();
    await web?.close();
  }
});
