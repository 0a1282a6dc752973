// The meter's console over a transport (docs/console.md): one command at a time, each sent once
// the prompt is back, its answer collected up to the next prompt. Parsers for the answers the
// page shows beyond the terminal: id, status, calibration results.

export const PROMPT = "am> ";

export class MeterConsole {
  /**
   * @param {import("./transport.js").EspruinoUartTransport} transport any transport (see transport.js)
   * @param {(text: string) => void} onText what the terminal shows (all but hidden exchanges)
   */
  constructor(transport, onText) {
    this.transport = transport;
    this.onText = onText;
    this.queue = [];
    this.current = undefined; // { line, hidden, resolve, reject, text }
    this.tail = "";
    this.ready = false; // the prompt has been seen and nothing is in flight
    transport.onData((text) => this.received(text));
  }

  /** Ask for a fresh prompt (an empty line); the console answers with one when idle. */
  start() {
    return this.transport.write("\r");
  }

  received(text) {
    const cur = this.current;
    if (cur) cur.text += text;
    if (!cur || !cur.hidden) this.onText(text);
    this.tail = (this.tail + text).slice(-PROMPT.length);
    if (this.tail === PROMPT) {
      this.tail = "";
      if (cur) {
        this.current = undefined;
        cur.resolve(answerOf(cur.text));
      }
      this.ready = true;
      this.next();
    }
  }

  /**
   * Run one command line; resolves with its answer (the lines between the echo and the prompt).
   * Hidden exchanges (the chart's status polls) do not reach the terminal.
   * @returns {Promise<string>}
   */
  run(line, { hidden = false } = {}) {
    return new Promise((resolve, reject) => {
      this.queue.push({ line, hidden, resolve, reject, text: "" });
      this.next();
    });
  }

  /** True when nothing waits: a poll would not delay a command of the user's. */
  get idle() {
    return this.ready && !this.current && this.queue.length === 0;
  }

  next() {
    if (!this.ready || this.current || this.queue.length === 0) return;
    const cmd = this.queue.shift();
    this.current = cmd;
    this.ready = false;
    this.transport.write(`${cmd.line}\r`).catch((e) => {
      if (this.current === cmd) this.current = undefined;
      cmd.reject(e);
    });
  }

  /** Ctrl-C: abandons the line, or cancels a calibration measurement; the prompt comes back. */
  interrupt() {
    return this.transport.write("\x03");
  }

  /** The connection is gone: everything waiting fails. */
  closed() {
    const err = new Error("disconnected");
    if (this.current) this.current.reject(err);
    for (const cmd of this.queue) cmd.reject(err);
    this.current = undefined;
    this.queue = [];
    this.ready = false;
  }
}

/** The answer in an exchange's text: after the echoed line, before the prompt, CR LF -> LF. */
export function answerOf(text) {
  const body = text.endsWith(PROMPT) ? text.slice(0, -PROMPT.length) : text;
  const afterEcho = body.indexOf("\r\n");
  return (afterEcho < 0 ? "" : body.slice(afterEcho + 2)).replace(/\r\n/g, "\n").replace(/\n$/, "");
}

const NUM = "(-?\\d+(?:\\.\\d+)?)";

/**
 * `status`: mains and clamps (`v: 230.084 V, 50.000 Hz`, `ct1: import … Wh, export … Wh,
 * power 2299.290 W, 10.000 A, PF 0.999`) and whether the console is unlocked.
 */
export function parseStatus(answer) {
  const out = { vrms: undefined, hz: undefined, ct: {}, unlocked: undefined };
  const v = new RegExp(`^v: ${NUM} V, ${NUM} Hz`, "m").exec(answer);
  if (v) { out.vrms = Number(v[1]); out.hz = Number(v[2]); }
  const ct = new RegExp(`^(ct\\d+): import ${NUM} Wh, export ${NUM} Wh, power ${NUM} W, ${NUM} A, PF ${NUM}`, "gm");
  for (let m; (m = ct.exec(answer));) {
    out.ct[m[1]] = { importWh: Number(m[2]), exportWh: Number(m[3]), powerW: Number(m[4]), irms: Number(m[5]), pf: Number(m[6]) };
  }
  if (/console unlocked/.test(answer)) out.unlocked = true;
  else if (/console locked/.test(answer)) out.unlocked = false;
  return out;
}

/** `id`: version line and the software identity (SHA-256 of the firmware module). */
export function parseId(answer) {
  const version = /^activemeter firmware (\S+), ABI (\d+), node (\d+)/m.exec(answer);
  const sha = /SHA-256[^:]*:\s*([0-9a-f]{64})/.exec(answer);
  return { version: version?.[1], abi: version ? Number(version[2]) : undefined, node: version ? Number(version[3]) : undefined, sha256: sha?.[1] };
}

/** A calibration's result line: `ct1.gain 1.000000 -> 1.050000 (measured …)`; values as the meter wrote them. */
export function parseCalibration(answer) {
  const m = new RegExp(`^((?:ct\\d+|v)\\.(?:gain|phase_deg)) ${NUM} -> ${NUM}(.*)$`, "m").exec(answer);
  if (!m) return undefined;
  return { key: m[1], before: m[2], after: m[3], detail: m[4].replace(/; save to keep it$/, "").trim() };
}
