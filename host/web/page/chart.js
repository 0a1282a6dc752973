// A small live chart on a canvas: one panel per series (own scale and unit), a time axis shared
// by all, shaded bands for calibration measurements (the console answers nothing while it
// measures, so the series pause there) and the last value of each series written beside it.

export class LiveChart {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {{ key: string, label: string, unit: string, color: string, decimals: number }[]} series
   * @param {number} windowS seconds of history shown
   */
  constructor(canvas, series, windowS = 60) {
    this.canvas = canvas;
    this.series = series;
    this.windowS = windowS;
    this.points = []; // { t (s), values: { key: number } }
    this.bands = []; // { from, to | undefined, label }
    this.t0 = undefined;
  }

  now() {
    const t = performance.now() / 1000;
    if (this.t0 === undefined) this.t0 = t;
    return t - this.t0;
  }

  add(values) {
    this.points.push({ t: this.now(), values });
    const keep = this.now() - this.windowS * 2;
    while (this.points.length > 0 && this.points[0].t < keep) this.points.shift();
    this.draw();
  }

  latest(key) {
    for (let i = this.points.length - 1; i >= 0; i--) {
      const v = this.points[i].values[key];
      if (v !== undefined) return v;
    }
    return undefined;
  }

  bandStart(label) { this.bands.push({ from: this.now(), to: undefined, label }); this.draw(); }

  bandEnd(label) {
    const band = this.bands[this.bands.length - 1];
    if (band && band.to === undefined) { band.to = this.now(); if (label) band.label = label; }
    this.draw();
  }

  clear() { this.points = []; this.bands = []; this.t0 = undefined; this.draw(); }

  setLabels(labels) {
    for (const s of this.series) if (labels[s.key]) s.label = labels[s.key];
    this.draw();
  }

  draw() {
    const c = this.canvas;
    const ratio = window.devicePixelRatio || 1;
    const w = c.clientWidth, h = c.clientHeight;
    if (c.width !== Math.round(w * ratio) || c.height !== Math.round(h * ratio)) { c.width = Math.round(w * ratio); c.height = Math.round(h * ratio); }
    const g = c.getContext("2d");
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, w, h);
    g.font = "12px system-ui, sans-serif";
    const left = 10, right = 150, axis = 18;
    const plotW = w - left - right;
    const panelH = (h - axis) / this.series.length;
    // "now" at the right edge: new values come in there and scroll to the left.
    const tEnd = this.now();
    const tStart = tEnd - this.windowS;
    const x = (t) => left + ((t - tStart) / this.windowS) * plotW;

    // Calibration bands across all panels.
    for (const b of this.bands) {
      const x0 = Math.max(left, x(b.from)), x1 = Math.min(left + plotW, x(b.to ?? tEnd));
      if (x1 <= left) continue;
      g.fillStyle = "rgba(240, 170, 40, 0.18)";
      g.fillRect(x0, 0, Math.max(2, x1 - x0), h - axis);
      const tw = g.measureText(b.label).width;
      const lx = Math.min(x0 + 4, left + plotW - tw - 4);
      g.fillStyle = "rgba(255, 255, 255, 0.85)";
      g.fillRect(lx - 2, h - axis - 17, tw + 4, 15);
      g.fillStyle = "#8a5a00";
      g.fillText(b.label, lx, h - axis - 6);
    }

    this.series.forEach((s, i) => {
      const top = i * panelH + 4, bottom = (i + 1) * panelH - 4;
      const pts = this.points.filter((p) => p.values[s.key] !== undefined && p.t >= tStart - 1);
      g.strokeStyle = "#d5d9e0";
      g.lineWidth = 1;
      g.strokeRect(left + 0.5, top + 0.5, plotW, bottom - top);
      let lo = Infinity, hi = -Infinity;
      for (const p of pts) { lo = Math.min(lo, p.values[s.key]); hi = Math.max(hi, p.values[s.key]); }
      if (pts.length > 0) {
        // Scale with a margin; a flat line sits in the middle of a ±0.5 % range.
        const span = Math.max(hi - lo, Math.abs(hi) * 0.01, 1e-3);
        const mid = (hi + lo) / 2;
        lo = mid - span * 0.6; hi = mid + span * 0.6;
        const y = (v) => bottom - ((v - lo) / (hi - lo)) * (bottom - top);
        g.strokeStyle = s.color;
        g.lineWidth = 2;
        g.beginPath();
        pts.forEach((p, k) => (k === 0 ? g.moveTo(x(p.t), y(p.values[s.key])) : g.lineTo(x(p.t), y(p.values[s.key]))));
        g.stroke();
        g.fillStyle = s.color;
        for (const p of pts) g.fillRect(x(p.t) - 2, y(p.values[s.key]) - 2, 4, 4);
        g.fillStyle = "#6b7280";
        g.fillText(hi.toFixed(s.decimals), left + plotW + 6, top + 10);
        g.fillText(lo.toFixed(s.decimals), left + plotW + 6, bottom - 2);
      }
      const last = pts.length ? pts[pts.length - 1].values[s.key] : undefined;
      g.fillStyle = s.color;
      g.font = "bold 13px system-ui, sans-serif";
      g.fillText(`${s.label}`, left + plotW + 6, (top + bottom) / 2 - 2);
      g.fillText(last === undefined ? "–" : `${last.toFixed(s.decimals)} ${s.unit}`, left + plotW + 6, (top + bottom) / 2 + 14);
      g.font = "12px system-ui, sans-serif";
    });

    // Time axis: seconds ago.
    g.fillStyle = "#6b7280";
    for (let ago = 0; ago <= this.windowS; ago += 10) {
      const xx = x(tEnd - ago);
      g.fillText(ago === 0 ? "now" : `−${ago} s`, xx - (ago === 0 ? 20 : 14), h - 4);
    }
  }
}
