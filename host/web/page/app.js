// The installer console page: terminal, buttons for the common steps, the calibration wizard
// and its live chart, on a transport (transport.js) to the meter's serial console.
import { EspruinoUartTransport } from "./transport.js";
import { MeterConsole, parseStatus, parseId, parseCalibration } from "./meter.js";
import { LiveChart } from "./chart.js";
import { hasSecret } from "./console-secrets.js";

const $ = (id) => document.getElementById(id);
const POLL_MS = 1000;
/** A power calibration needs a resistive load: the firmware's rule (assembly/console/cal-rules.ts), checked here first on the live PF. */
const MIN_RESISTIVE_PF = 0.98;
/** The live chart stops by itself this long after the installer's last action (each poll is a command, which keeps an unlocked session open). */
const CHART_IDLE_STOP_MS = 5 * 60 * 1000;

const terminal = $("terminal");
const transport = new EspruinoUartTransport();
const meter = new MeterConsole(transport, termWrite);
const chart = new LiveChart($("chart"), [
  { key: "p", label: "ct1 power", unit: "W", color: "#1f6feb", decimals: 1 },
  { key: "irms", label: "ct1 Irms", unit: "A", color: "#8250df", decimals: 3 },
  { key: "vrms", label: "v Vrms", unit: "V", color: "#1a7f37", decimals: 2 },
]);
let connected = false;
let chartTimer;
let lastActionMs = 0;

const config = globalThis.ACTIVEMETER_WEB ?? {};
if (config.simulatedSerial) notice(`No hardware: Connect → Web Serial reaches the console of a twin (${config.twin.board}) run by the server.`);
if (!navigator.serial && !navigator.bluetooth) notice("This browser has neither Web Serial nor Web Bluetooth: open the page in Chrome or Edge.");

function notice(text) {
  const n = $("notice");
  n.textContent = text;
  n.hidden = !text;
}

// ---- terminal ----

function termWrite(text) {
  let t = terminal.textContent;
  for (const ch of text) {
    if (ch === "\r") continue;
    if (ch === "\b") { t = t.slice(0, -1); continue; }
    t += ch;
  }
  if (t.length > 200_000) t = t.slice(-150_000);
  const atBottom = terminal.scrollTop + terminal.clientHeight >= terminal.scrollHeight - 4;
  terminal.textContent = t;
  if (atBottom) terminal.scrollTop = terminal.scrollHeight;
}

function termNote(text) {
  termWrite(`\n[${text}]\n`);
}

// ---- connection ----

function setConnected(on) {
  connected = on;
  $("conn-state").textContent = on ? "connected" : "not connected";
  $("conn-state").className = `state ${on ? "on" : "off"}`;
  $("disconnect").disabled = !on;
  $("connect").disabled = on;
  for (const b of document.querySelectorAll("button.cmd, #send, #ctrl-c")) b.disabled = !on;
  $("line").disabled = !on;
  if (!on) stopChart();
}

$("connect").addEventListener("click", async () => {
  $("conn-state").textContent = "choosing a device…";
  $("conn-state").className = "state busy";
  try {
    await transport.connect();
  } catch (e) {
    setConnected(false);
    notice(`Not connected: ${e.message}`);
    return;
  }
  notice("");
  setConnected(true);
  termNote("connected");
  await meter.start();
});

$("disconnect").addEventListener("click", () => transport.close());

transport.onClose(() => {
  meter.closed();
  if (connected) termNote("disconnected");
  setConnected(false);
});

// ---- commands ----

/** A command of the installer's: shown in the terminal; errors go to the notice line. */
async function command(line) {
  lastActionMs = performance.now();
  try {
    return await meter.run(line);
  } catch (e) {
    notice(`${line}: ${e.message}`);
    throw e;
  }
}

// A PIN or key typed into the command field is hidden like a password (the meter echoes it as *).
$("line").addEventListener("input", () => {
  $("line").type = hasSecret($("line").value) ? "password" : "text";
});

$("line-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const line = $("line").value;
  $("line").value = "";
  $("line").type = "text";
  command(line).then(afterAnswer, () => {});
});

$("ctrl-c").addEventListener("click", () => meter.interrupt());

/** Answers that change what the page shows, whoever typed them. */
function afterAnswer(answer) {
  if (/^ok: unlocked/m.test(answer)) setLock(true);
  if (/^ok: locked/m.test(answer)) setLock(false);
  const st = parseStatus(answer);
  if (st.vrms !== undefined || Object.keys(st.ct).length > 0) showStatus(st, false);
  const id = parseId(answer);
  if (id.version) {
    $("id-version").textContent = `${id.version} (ABI ${id.abi})`;
    $("id-node").textContent = String(id.node);
    $("id-sha").textContent = id.sha256 ?? "unknown";
  }
  return answer;
}

$("btn-id").addEventListener("click", () => command("id").then(afterAnswer, () => {}));
$("btn-status").addEventListener("click", () => command("status").then(afterAnswer, () => {}));

function setLock(unlocked) {
  $("lock-state").textContent = unlocked ? "unlocked" : "locked";
  $("lock-state").className = `state ${unlocked ? "on" : "off"}`;
}

$("btn-unlock").addEventListener("click", async () => {
  const pin = $("pin").value.trim();
  $("pin").value = "";
  const answer = await command(`unlock ${pin}`).catch(() => undefined);
  if (answer === undefined) return;
  afterAnswer(answer);
  if (/^ok/m.test(answer)) startChart();
  else showResult(answer, "error");
});

// ---- calibration wizard ----

function clamp() { return $("clamp").value; }

$("clamp").addEventListener("change", () => {
  chart.setLabels({ p: `${clamp()} power`, irms: `${clamp()} Irms` });
  showLatest();
});

function showResult(html, kind) {
  const r = $("cal-result");
  r.className = `result ${kind ?? ""}`;
  r.innerHTML = html;
}

const escape = (s) => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

async function calibrate(line, label) {
  startChart();
  chart.bandStart(label);
  showResult(`${escape(line)}: measuring… (the console answers nothing until it is done; Ctrl-C cancels)`, "");
  let answer;
  try {
    answer = await command(line);
  } catch {
    chart.bandEnd();
    return;
  }
  const cal = parseCalibration(answer);
  chart.bandEnd(cal ? `${label}: ${cal.before} → ${cal.after}` : `${label}: no change`);
  if (cal) {
    showResult(`<div>${escape(cal.key)}</div><div>before <span class="before" data-before>${cal.before}</span> → after <span class="after" data-after>${cal.after}</span></div>` +
      `<div>${escape(cal.detail)}</div><div>not kept until Save</div>`, "ok");
    $("save-state").textContent = "unsaved change";
  } else {
    showResult(escape(answer || "(no answer)"), "error");
  }
}

$("btn-cal-voltage").addEventListener("click", () => calibrate(`cal voltage ${Number($("volts").value).toFixed(3)}`, "voltage"));
$("btn-cal-phase").addEventListener("click", () => calibrate(`cal ${clamp()} phase`, `${clamp()} phase`));
$("btn-cal-power").addEventListener("click", () => {
  // The same rule as the firmware's: refuse at once when the live reading shows a load that is not resistive.
  const pf = latest.pf === undefined ? undefined : Math.abs(latest.pf);
  if (chartTimer && pf !== undefined && pf < MIN_RESISTIVE_PF) {
    showResult(`${escape(clamp())}: the load's power factor is <span data-pf>${pf.toFixed(3)}</span> (live reading), under ${MIN_RESISTIVE_PF.toFixed(2)}: ` +
      "a power calibration needs a resistive load (kettle, heater); nothing was sent or changed", "error");
    return;
  }
  calibrate(`cal ${clamp()} power ${Number($("watts").value).toFixed(3)}`, `${clamp()} power`);
});

$("btn-save").addEventListener("click", async () => {
  const answer = await command("save").catch(() => undefined);
  if (answer === undefined) return;
  $("save-state").textContent = /^ok/m.test(answer) ? answer : "";
  if (!/^ok/m.test(answer)) showResult(escape(answer), "error");
});

// ---- live chart ----

function showStatus(st, fromPoll) {
  if (st.unlocked !== undefined) setLock(st.unlocked);
  const clamps = Object.keys(st.ct);
  const select = $("clamp");
  if (clamps.length > 0 && clamps.join() !== [...select.options].map((o) => o.value).join()) {
    const keep = select.value;
    select.innerHTML = clamps.map((c) => `<option>${c}</option>`).join("");
    if (clamps.includes(keep)) select.value = keep;
  }
  const c = st.ct[clamp()];
  if (fromPoll || chartTimer) chart.add({ p: c?.powerW, irms: c?.irms, vrms: st.vrms });
  latest = { p: c?.powerW, irms: c?.irms, vrms: st.vrms, pf: c?.pf };
  showLatest();
}

let latest = {};
function showLatest() {
  const fmt = (v, d) => (v === undefined ? "–" : v.toFixed(d));
  $("latest-p").textContent = fmt(latest.p, 1);
  $("latest-irms").textContent = fmt(latest.irms, 3);
  $("latest-vrms").textContent = fmt(latest.vrms, 2);
  $("latest-pf").textContent = fmt(latest.pf, 3);
  $("chart").dataset.points = String(chart.points.length);
}

function startChart() {
  lastActionMs = performance.now();
  if (chartTimer) return;
  $("btn-chart").textContent = "Stop live chart";
  chartTimer = setInterval(poll, POLL_MS);
  poll();
}

function stopChart() {
  if (!chartTimer) return;
  clearInterval(chartTimer);
  chartTimer = undefined;
  $("btn-chart").textContent = "Start live chart";
}

function poll() {
  if (performance.now() - lastActionMs > CHART_IDLE_STOP_MS) { stopChart(); return; }
  // Only when nothing else waits: during a measurement the console reads nothing but Ctrl-C.
  if (!connected || !meter.idle) return;
  meter.run("status", { hidden: true }).then((answer) => showStatus(parseStatus(answer), true), () => {});
}

$("btn-chart").addEventListener("click", () => (chartTimer ? stopChart() : startChart()));
window.addEventListener("resize", () => chart.draw());
chart.draw();
setConnected(false);
