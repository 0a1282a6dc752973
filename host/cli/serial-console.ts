// `activemeter console`: the installer console on a serial port (a board's USB UART, or the
// twin's pseudo-terminal from `activemeter sim --serial-pty`). Interactive with line history, or
// `--script FILE` for repeatable calibrations with a pass/fail exit code (docs/console.md).
import fs from "node:fs";
import path from "node:path";
import readline from "node:readline";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { SerialPort } from "serialport";
import { UsageError } from "./errors.js";
import { packageRoot } from "../paths.js";

/** The console's secret rule, the very module the browser page uses (host/web/page/console-secrets.js). */
interface Secrets { maskLine(line: string): string; hasSecret(line: string): boolean }
const secrets = (await import(pathToFileURL(path.join(packageRoot, "host", "web", "page", "console-secrets.js")).href)) as Secrets;

/** What goes to our stdout: one line ending per line (the terminal adds its own CR), never CR CR LF. */
const lf = (text: string): string => text.replace(/\r\n/g, "\n");

export const CONSOLE_HELP = `usage: activemeter console --port PATH [--baud N] [--script FILE] [--timeout S]

Talks to a meter's serial console (115200 baud, prompt 'am> '). The same console as a page in
Chrome (Web Serial, Web Bluetooth): activemeter console --web (see console --web --help).

  --port PATH     the serial port: /dev/ttyUSB0, or the path 'activemeter sim --serial-pty' prints
  --baud N        speed (default 115200)
  --script FILE   send the file's lines one by one, each once the prompt is back, then exit:
                    # ...            a comment; blank lines are skipped
                    expect REGEX     the last answer must match REGEX (JavaScript syntax)
                    wait SECONDS     pause (e.g. for a load to settle)
                    anything else    a console line
                  exit status 0 when every line was answered without 'error:' and every
                  expect matched; 1 otherwise (the transcript goes to stdout)
  --timeout S     seconds to wait for the prompt after a line (default 120; a calibration
                  takes up to 25 s)
  -h, --help      this text

Without --script: an interactive session with line history (Up/Down); Ctrl-C is sent to the
meter (it cancels a line or a calibration), Ctrl-D ends the session (exit status 0). When the
port goes away (board unplugged, twin ended) the console says so and exits with status 1.`;

const PROMPT = "am> ";

/** The serial line: everything received is appended to `text`; waiters re-check on each byte. */
class Link {
  text = "";
  private waiters: (() => void)[] = [];
  closed = false;

  constructor(readonly port: SerialPort) {
    port.on("data", (chunk: Buffer) => {
      this.text += chunk.toString("latin1");
      this.wake();
    });
    port.on("close", () => { this.closed = true; this.wake(); });
    // A port that vanishes (unplugged, the twin ended) reports an error before it closes.
    port.on("error", (e: Error) => { this.lastError = e.message; });
  }

  lastError = "";

  /** Why the line ended, for the one message the user sees. */
  get lostReason(): string {
    return `the port ${this.port.path} went away (unplugged, or the twin ended)${this.lastError ? `: ${this.lastError}` : ""}`;
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  write(text: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.port.write(Buffer.from(text, "latin1"), (e) => (e ? reject(e) : this.port.drain(() => resolve())));
    });
  }

  /** Wait until the text received after offset `from` holds `mark` and ends with the prompt; false on timeout or a closed port. */
  async prompt(ms: number, from: number, mark = ""): Promise<boolean> {
    const deadline = Date.now() + ms;
    const ready = () => { const t = this.text.slice(from); return t.endsWith(PROMPT) && t.includes(mark); };
    while (!ready()) {
      if (this.closed || Date.now() > deadline) return false;
      await new Promise<void>((resolve) => { this.waiters.push(resolve); setTimeout(resolve, 200); });
    }
    return true;
  }
}

export function openPort(path: string, baudRate: number): Promise<SerialPort> {
  return new Promise((resolve, reject) => {
    const port = new SerialPort({ path, baudRate, autoOpen: false });
    port.open((e) => (e ? reject(new UsageError(`cannot open ${path}: ${e.message}`)) : resolve(port)));
  });
}

function closePort(port: SerialPort): Promise<void> {
  return new Promise((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve()));
}

export async function consoleCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { port: { type: "string" }, baud: { type: "string" }, script: { type: "string" }, timeout: { type: "string" }, help: { type: "boolean", short: "h" } },
    strict: true,
  });
  if (values.help) {
    console.log(CONSOLE_HELP);
    return 0;
  }
  if (!values.port) throw new UsageError("console needs --port PATH (see activemeter console --help)");
  const baud = values.baud === undefined ? 115200 : Number(values.baud);
  if (!Number.isInteger(baud) || baud <= 0) throw new UsageError(`--baud must be a positive integer, not '${values.baud}'`);
  const timeoutS = values.timeout === undefined ? 120 : Number(values.timeout);
  if (!(timeoutS > 0)) throw new UsageError(`--timeout must be a positive number of seconds, not '${values.timeout}'`);
  let script: string[] | undefined;
  if (values.script !== undefined) {
    if (!fs.existsSync(values.script)) throw new UsageError(`no script file ${values.script}`);
    script = fs.readFileSync(values.script, "utf8").split(/\r?\n/);
  }
  const port = await openPort(values.port, baud);
  try {
    return script ? await runScript(new Link(port), script, timeoutS * 1000) : await interactive(new Link(port));
  } finally {
    await closePort(port);
  }
}

/** The answer to a line: what came after its echo, without the prompt. */
function answerOf(received: string): string {
  const afterEcho = received.indexOf("\r\n");
  const body = afterEcho < 0 ? "" : received.slice(afterEcho + 2);
  return body.endsWith(PROMPT) ? body.slice(0, -PROMPT.length) : body;
}

async function runScript(link: Link, lines: string[], timeoutMs: number): Promise<number> {
  const fail = (n: number, why: string): number => {
    process.stderr.write(`activemeter console: line ${n}: ${why}\n`);
    return 1;
  };
  // Ctrl-C clears anything half-typed and gets a fresh prompt.
  await link.write("\x03");
  if (!(await link.prompt(Math.min(timeoutMs, 10_000), 0, "^C\r\n"))) return fail(0, `no prompt '${PROMPT}' from the meter (wrong port or speed?)`);
  let answer = "";
  let sent = 0;
  for (let i = 0; i < lines.length; i++) {
    const n = i + 1;
    const line = lines[i].replace(/\s+$/, "");
    if (line.trim() === "" || line.trimStart().startsWith("#")) continue;
    const expect = /^expect\s+(.*)$/.exec(line);
    if (expect) {
      let re: RegExp;
      try {
        re = new RegExp(expect[1]);
      } catch (e) {
        return fail(n, `bad regular expression: ${(e as Error).message}`);
      }
      if (!re.test(answer)) return fail(n, `expected /${expect[1]}/ in the last answer: ${JSON.stringify(answer)}`);
      continue;
    }
    const wait = /^wait\s+(\d+(?:\.\d+)?)$/.exec(line);
    if (wait) {
      await new Promise((resolve) => setTimeout(resolve, Number(wait[1]) * 1000));
      continue;
    }
    const start = link.text.length;
    await link.write(`${line}\r`);
    sent++;
    if (!(await link.prompt(timeoutMs, start, "\r\n"))) {
      process.stdout.write(lf(link.text.slice(start)));
      return fail(n, link.closed ? link.lostReason : `no prompt within ${timeoutMs / 1000} s after '${secrets.maskLine(line)}'`);
    }
    const received = link.text.slice(start);
    process.stdout.write(lf(PROMPT + received.slice(0, received.length - PROMPT.length)));
    answer = answerOf(received);
    if (/^error:/m.test(answer)) return fail(n, `the meter answered an error to '${secrets.maskLine(line)}'`);
  }
  process.stdout.write("\n");
  process.stderr.write(`activemeter console: script passed (${sent} lines)\n`);
  return 0;
}

async function interactive(link: Link): Promise<number> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY, historySize: 200, prompt: PROMPT });
  // The meter echoes what it receives; the line was already shown by readline, so its echo is skipped.
  let echo = "";
  let shown = 0;
  const flush = () => {
    let text = link.text.slice(shown);
    shown = link.text.length;
    while (echo.length > 0 && text.length > 0 && (text[0] === echo[0] || (echo[0] !== "\r" && echo[0] !== "\n" && text[0] === "*"))) {
      echo = echo.slice(1);
      text = text.slice(1);
    }
    const prompted = text.endsWith(PROMPT);
    if (prompted) text = text.slice(0, -PROMPT.length);
    if (text) process.stdout.write(lf(text));
    if (prompted) rl.prompt();
  };
  // Lines typed (or pasted) go out one at a time, each once the prompt is back.
  const queue: string[] = [];
  let waiting = true; // for the first prompt
  const sendNext = () => {
    if (waiting || queue.length === 0) return;
    const line = queue.shift()!;
    if (process.stdin.isTTY) echo = `${secrets.maskLine(line)}\r\n`; // piped lines were not shown: keep the meter's echo
    waiting = true;
    void link.write(`${line}\r`);
  };
  link.port.on("data", () => setImmediate(() => {
    flush();
    if (link.text.endsWith(PROMPT)) { waiting = false; sendNext(); }
  }));
  // A PIN or key is never shown while typed, nor kept in the history.
  const rlAny = rl as unknown as { line: string; history?: string[]; _writeToOutput(s: string): void };
  const write = rlAny._writeToOutput.bind(rl);
  rlAny._writeToOutput = (s: string) => {
    if (s.includes("\n") || !secrets.hasSecret(rlAny.line)) write(s);
    else write(`\r\x1b[K${PROMPT}${secrets.maskLine(rlAny.line)}`);
  };
  rl.on("line", (line) => {
    if (secrets.hasSecret(line) && rlAny.history?.[0] === line) rlAny.history.shift();
    queue.push(line);
    sendNext();
  });
  rl.on("SIGINT", () => void link.write("\x03"));
  const closed = new Promise<void>((resolve) => { rl.on("close", resolve); link.port.on("close", () => rl.close()); });
  await link.write("\r");
  await closed;
  // Input ended (Ctrl-D, or the end of piped lines): let the queued lines be answered first.
  const deadline = Date.now() + 120_000;
  while ((queue.length > 0 || waiting) && !link.closed && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  process.stdout.write("\n");
  if (link.closed) {
    process.stderr.write(`activemeter console: ${link.lostReason}\n`);
    return 1;
  }
  return 0;
}
