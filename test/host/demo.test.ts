// npm start (`activemeter demo`) as a user runs it: real-time speed, embedded defaults, no setup.
// Within seconds its dashboard answers with the demo's house; Ctrl-C stops it cleanly.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CliProcess } from "./support/processes.js";

test("demo: the dashboard URL answers within seconds, with the house and its flats; Ctrl-C stops cleanly", { timeout: 60_000 }, async () => {
  const demo = new CliProcess(["demo", "--http", "0"]);
  try {
    await demo.until(() => demo.text.some((l) => /dashboard on http:\/\/\S+/.test(l)), "the dashboard URL");
    const url = /dashboard on (http:\/\/\S+)/.exec(demo.text.find((l) => /dashboard on/.test(l))!)![1];
    const page = await fetch(url);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<canvas id="chart">/);
    assert.equal((await fetch(`${url}vendor/chart.js`)).status, 200);
    // At 60x, frames leave every 10 simulated s: within a few seconds every meter has been heard.
    const deadline = Date.now() + 30_000;
    let view: { site: string; today: { buildings: { id: string; pvWh: number; flats: unknown[] }[] }; nodes: { lastHeardMs: number | null }[] } | undefined;
    for (;;) {
      view = await (await fetch(`${url}api/view`)).json() as typeof view;
      if (view!.nodes.every((n) => n.lastHeardMs !== null) && view!.today.buildings[0].pvWh > 0) break;
      assert.ok(Date.now() < deadline, `not every meter heard: ${JSON.stringify(view!.nodes)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.equal(view!.site, "Solbacken (demo)");
    assert.equal(view!.today.buildings[0].id, "house-a");
    assert.equal(view!.today.buildings[0].flats.length, 3);
    assert.equal(view!.nodes.length, 4);
  } finally {
    const exit = await demo.stop("SIGINT");
    assert.equal(exit.code, 0, demo.stderr);
  }
  assert.ok(demo.text.includes("stopped."), demo.text.join("\n"));
});
