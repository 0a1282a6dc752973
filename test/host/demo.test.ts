// npm start (`activemeter demo`): a compressed PV day at max speed against the definitions and
// the outputs' reference program, and the demo as a user runs it (real speed, Ctrl-C).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { CliProcess } from "./support/processes.js";
import { runCli, scenarioFile } from "./support/cli.js";
import { projectRoot } from "./support/asc-compile.js";

/** Integral (W·s) of a piecewise-linear profile (constant beyond its ends) over [a, b]. */
function integral(points: [number, number][], a: number, b: number): number {
  const at = (t: number) => {
    if (t <= points[0][0]) return points[0][1];
    for (let i = 1; i < points.length; i++) {
      const [t0, w0] = points[i - 1], [t1, w1] = points[i];
      if (t <= t1) return w0 + (w1 - w0) * (t - t0) / (t1 - t0);
    }
    return points[points.length - 1][1];
  };
  const cuts = [a, ...points.map((p) => p[0]).filter((t) => t > a && t < b), b];
  let sum = 0;
  for (let i = 1; i < cuts.length; i++) sum += (at(cuts[i - 1]) + at(cuts[i])) / 2 * (cuts[i] - cuts[i - 1]);
  return sum;
}

// The day compressed to 960 s (40 s an "hour"; the heater's rule keeps its real times: 60 s on
// delay, 30 s off delay, 120 s minimum on): about 10 s of wall time at --speed max.
const DAY_S = 960;

test("demo (npm start), a compressed day: morning import, midday surplus switching the heater exactly when the rule says, evening import", { timeout: 120_000 }, () => {
  const printed = runCli(["demo", "--print-scenario", "--day", String(DAY_S)]);
  assert.equal(printed.status, 0, printed.stderr);
  const scenario = JSON.parse(printed.stdout);
  const ref = spawnSync("/usr/bin/python3", [path.join(projectRoot, "tools", "ref-output-twin.py"), scenarioFile(scenario)], { cwd: projectRoot, encoding: "utf8" });
  assert.equal(ref.status, 0, `the reference program needs /usr/bin/python3: ${ref.error?.message ?? ref.stderr}`);
  const expected = JSON.parse(ref.stdout) as { events: [number, number, number][]; on_s: number[]; switches: number[]; margin_w: number };
  assert.ok(expected.margin_w >= 50, `the demo's day must keep every second 50 W from a threshold (margin ${expected.margin_w} W)`);
  assert.equal(expected.switches[0], 2, "the reference: on at midday, off in the afternoon");

  const r = runCli(["demo", "--speed", "max", "--day", String(DAY_S), "--http", "0"]);
  assert.equal(r.status, 0, r.stderr);
  const heater = /water heater \(out1, 2000 W on ct1\): (ON|off), switches (\d+), on (\d+) s, energy ([\d.]+) Wh .*switched: (.*)$/m.exec(r.stdout);
  assert.ok(heater, r.stdout);
  assert.equal(heater[1], "off");
  assert.equal(Number(heater[2]), expected.switches[0]);
  assert.equal(Number(heater[3]), expected.on_s[0]);
  assert.ok(Math.abs(Number(heater[4]) - 2000 * expected.on_s[0] / 3600) <= 0.05, `heater energy ${heater[4]}`);
  // The relay follows the rule's evaluation of second t 10 ms later (the twin's step).
  const switched = heater[5].split(", ").map((s) => /^(on|off) ([\d.]+) s$/.exec(s)!);
  assert.deepEqual(switched.map((m) => [Number(m[2]), m[1] === "on" ? 1 : 0]), expected.events.map(([t, , state]) => [t + 0.01, state]));

  const row = (label: string) => {
    const m = new RegExp(`${label}\\s+([\\d.]+) Wh\\s+([\\d.]+) Wh`).exec(r.stdout);
    assert.ok(m, `row ${label} in ${r.stdout}`);
    return { firmware: Number(m[1]), gateway: Number(m[2]) };
  };
  // The definitions: CT registers cover whole 1 s windows, 959 of a 960 s run (docs/ct.md); ct2
  // carries the PV profile, ct1 the house's 3300 W less the PV plus the heater while on (from
  // t + 0.01 s of each switch at second t).
  const windowS = DAY_S - 1;
  const pvWh = -integral(scenario.ct.ct2.profile_w, 0, windowS) / 3600;
  assert.ok(Math.abs(row("ct2 PV export").firmware - pvWh) / pvWh < 0.005, `PV ${row("ct2 PV export").firmware} vs ${pvWh}`);
  const [[on], [off]] = expected.events;
  const netWh = 3300 * windowS / 3600 - pvWh + 2000 * (off - on) / 3600;
  const imp = row("ct1 grid import").firmware, exp = row("ct1 grid export").firmware;
  assert.ok(imp > 100 && exp > 50, `morning/evening import ${imp}, midday export ${exp}`);
  assert.ok(Math.abs(imp - exp - netWh) < 0.005 * (imp + exp), `grid net ${imp - exp} vs ${netWh}`);
  const pulses = (watts: number) => Math.ceil(DAY_S * watts / 3600 - 1e-9); // pulses of a train starting at 0, before the end
  assert.equal(row("flat A1 pulse1").firmware, pulses(900));
  assert.equal(row("flat A2 pulse1").firmware, pulses(1300));
  assert.equal(row("flat A3 pulse1").firmware, pulses(700));
  assert.equal(row("pulse2 heat exported").firmware, 10 * Math.ceil(DAY_S * 3000 / 3600 / 10 - 1e-9));
  // The gateway received the journal's persisted values: never above the firmware, at most one
  // journal step below (40 Wh on the clamps, 70 Wh / 30 Wh on the boards' pulse inputs).
  const steps = [["ct1 grid import", 40], ["ct1 grid export", 40], ["ct2 PV export", 40], ["pulse2 heat exported", 70], ["flat A1 pulse1", 30], ["flat A2 pulse1", 30], ["flat A3 pulse1", 30]] as const;
  for (const [label, step] of steps) {
    const { firmware, gateway } = row(label);
    assert.ok(gateway <= firmware + 1e-9 && gateway >= firmware - step, `${label}: gateway ${gateway}, firmware ${firmware}`);
  }
  // The balance spans the first and last readings (10 s to 960 s; nothing persisted yet at 10 s):
  // each term within two steps of the firmware's; self-sufficiency neither 0 nor 100 % over a day.
  const balance = /import ([\d.]+) kWh, export ([\d.]+) kWh, PV ([\d.]+) kWh, self-consumption ([\d.]+) kWh, self-sufficiency ([\d.]+) %/.exec(r.stdout);
  assert.ok(balance, r.stdout);
  const [bImp, bExp, bPv, bSelf] = balance.slice(1, 5).map((x) => Number(x) * 1000);
  assert.ok(Math.abs(bImp - imp) <= 2 * 40 && Math.abs(bExp - exp) <= 2 * 40 && Math.abs(bPv - pvWh) <= 2 * 40, balance[0]);
  assert.ok(Math.abs(bSelf - (bPv - bExp)) <= 1, `self-consumption ${bSelf}`);
  const sufficiency = Number(balance[5]);
  assert.ok(Math.abs(sufficiency - 100 * bSelf / (bSelf + bImp)) <= 0.1 && sufficiency > 20 && sufficiency < 80, balance[0]);
  assert.match(r.stdout, /frames received 384, accepted 384, rejected 0/); // 4 meters, one frame every 10 s
  assert.match(r.stdout, /stopped\./);
});

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
    let view: { site: string; today: { buildings: { id: string; importWh: number; flats: unknown[] }[] }; nodes: { lastHeardMs: number | null }[] } | undefined;
    for (;;) {
      view = await (await fetch(`${url}api/view`)).json() as typeof view;
      if (view!.nodes.every((n) => n.lastHeardMs !== null)) break;
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
  // Stopped within the first simulated hour, before sunrise (PV from 06:00): no PV, the heater never on.
  assert.ok(demo.text.some((l) => /ct2 PV export\s+0\.000 Wh/.test(l)), demo.text.join("\n"));
  assert.ok(demo.text.some((l) => /water heater \(out1, 2000 W on ct1\): off, switches 0, on 0 s/.test(l)), demo.text.join("\n"));
});
