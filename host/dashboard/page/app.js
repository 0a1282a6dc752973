// The dashboard page: reads /api/view (figures) and /api/series (hourly chart) every 10 s and
// draws them. Every figure carries data-figure="<building>.<name>" so it can be found again.
"use strict";
const token = new URLSearchParams(location.search).get("token");
const auth = token ? { headers: { authorization: `Bearer ${token}` } } : {};
let period = "today";
let view = null;
let chart = null;

const kwh = (wh) => (wh / 1000).toFixed(3);
const pct = (x) => (x === null ? "–" : `${(x * 100).toFixed(1)} %`);
const watts = (w) => (w === null ? "–" : `${Math.round(w)}`);

function row(label, value, figure, unit) {
  return `<tr><td>${label}</td><td class="num" data-figure="${figure}">${value}</td><td>${unit}</td></tr>`;
}

function card(b, dr, id, nodes) {
  const f = (name) => `${id}.${name}`;
  let html = `<div class="card" data-building="${id}"><h2>${b.name ?? id}<span class="dr ${dr.replace("/", "-")}" data-figure="${f("demandResponse")}">${dr}</span></h2><table>`;
  html += row("Grid import", kwh(b.importWh), f("importWh"), "kWh");
  html += row("Grid export", kwh(b.exportWh), f("exportWh"), "kWh");
  html += row("PV yield", kwh(b.pvWh), f("pvWh"), "kWh");
  html += row("Self-consumption", kwh(b.selfConsumptionWh), f("selfConsumptionWh"), "kWh");
  html += row("Self-sufficiency", pct(b.selfSufficiency), f("selfSufficiency"), "");
  html += row("Heat exported", kwh(b.heatExportedWh), f("heatExportedWh"), "kWh");
  if (b.importW !== undefined) html += row("Live import/export/PV", `${watts(b.importW)} / ${watts(b.exportW)} / ${watts(b.pvW)}`, f("livePower"), "W");
  html += "</table>";
  if (b.flats && b.flats.length > 0) {
    html += `<table class="flats"><tr><th>Flat</th><th class="num">kWh</th><th class="num">self-suff.</th><th class="num">W</th></tr>`;
    for (const flat of b.flats) {
      const f = `${id}.flat.${flat.id}`;
      html += `<tr><td>${flat.name}</td><td class="num" data-figure="${f}">${kwh(flat.consumptionWh)}</td>` +
        `<td class="num" data-figure="${f}.selfSufficiency">${pct(flat.selfSufficiency)}</td><td class="num" data-figure="${f}.powerW">${watts(flat.powerW)}</td></tr>`;
    }
    html += "</table>";
  }
  if (nodes && nodes.length > 0) {
    html += `<table class="nodes"><tr><th>Node</th><th>meters</th><th>last heard</th><th>demand response</th></tr>`;
    for (const n of nodes) {
      const heard = n.lastHeardMs === null ? "never" : new Date(n.lastHeardMs).toLocaleTimeString([], { timeZone: view.zone });
      html += `<tr><td>${n.node}</td><td>${n.roles.join(", ")}</td><td data-figure="node.${n.node}.lastHeard">${heard}</td>` +
        `<td data-figure="node.${n.node}.demandResponse" title="${n.demandResponse === "normal/unknown" ? "no demand-response command on record: the node follows its local rules" : ""}">${n.demandResponse}</td></tr>`;
    }
    html += "</table>";
  }
  if (b.missing && b.missing.length > 0) html += `<p class="missing">no readings yet: ${b.missing.join(", ")}</p>`;
  return html + "</div>";
}

function districtTotals(buildings) {
  const sum = (k) => buildings.reduce((s, b) => s + b[k], 0);
  const consumption = sum("consumptionWh");
  const self = sum("selfConsumptionWh");
  return { name: "District", importWh: sum("importWh"), exportWh: sum("exportWh"), pvWh: sum("pvWh"), selfConsumptionWh: self,
    selfSufficiency: consumption > 0 ? self / consumption : null, heatExportedWh: sum("heatExportedWh"), flats: [], missing: [] };
}

function render() {
  if (!view) return;
  const p = view[period];
  document.getElementById("site").textContent = view.site;
  document.getElementById("stamp").textContent = `${period === "today" ? "today" : "this month"} since ${new Date(p.fromMs).toLocaleString([], { timeZone: view.zone })} · updated ${new Date(view.nowMs).toLocaleTimeString([], { timeZone: view.zone })} (${view.zone})`;
  document.getElementById("district").innerHTML = `<div class="cards">${card(districtTotals(p.buildings), "", "district").replace(/<span class="dr [^"]*"[^>]*><\/span>/, "")}</div>`;
  document.getElementById("buildings").innerHTML = `<div class="cards">${p.buildings.map((b) => card(b, view.demandResponse[b.id] ?? "normal/unknown", b.id, (view.nodes ?? []).filter((n) => n.building === b.id))).join("")}</div>`;
  const select = document.getElementById("chart-building");
  if (select.options.length === 0) {
    for (const b of p.buildings) select.add(new Option(b.name ?? b.id, b.id));
    select.onchange = () => void loadChart();
  }
}

async function loadChart() {
  const id = document.getElementById("chart-building").value;
  if (!id) return;
  const r = await fetch(`api/series?building=${encodeURIComponent(id)}&hours=24`, auth);
  if (!r.ok) return;
  const s = await r.json();
  const labels = s.startMs.map((ms) => new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", timeZone: view.zone }));
  const data = {
    labels,
    datasets: [
      { label: "import kWh", data: s.importWh.map((x) => x / 1000), backgroundColor: "#c62828" },
      { label: "export kWh", data: s.exportWh.map((x) => x / 1000), backgroundColor: "#1565c0" },
      { label: "PV kWh", data: s.pvWh.map((x) => x / 1000), backgroundColor: "#f9a825" },
      { label: "heat exported kWh", data: s.heatExportedWh.map((x) => x / 1000), backgroundColor: "#6a1b9a" },
    ],
  };
  if (chart) { chart.data = data; chart.update("none"); return; }
  chart = new Chart(document.getElementById("chart"), { type: "bar", data, options: { animation: false, responsive: true, maintainAspectRatio: false, scales: { y: { beginAtZero: true, title: { display: true, text: "kWh" } } } } });
}

async function refresh() {
  try {
    const r = await fetch("api/view", auth);
    if (!r.ok) throw new Error(`${r.status} ${await r.text()}`);
    view = await r.json();
    render();
    await loadChart();
    document.body.dataset.loaded = "1";
  } catch (e) {
    document.getElementById("stamp").textContent = `cannot load: ${e.message}`;
  }
}

for (const button of document.querySelectorAll("#periods button")) {
  button.onclick = () => {
    period = button.dataset.period;
    for (const b of document.querySelectorAll("#periods button")) b.classList.toggle("on", b === button);
    render();
  };
}
void refresh();
setInterval(refresh, 10_000);
