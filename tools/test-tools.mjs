#!/usr/bin/env node
// The tools `npm test` needs beyond Node and npm: one list, read by `npm test` (pretest) and
// `.ci/run` alike. Missing tools are installed once from Debian's packages when we are root
// on a system with apt-get; otherwise we stop before any test runs with the one command that
// installs them. Usage: node tools/test-tools.mjs [--check | --list | --help]
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

// Each entry: what a test runs, where it may live besides PATH, the Debian package, and why.
// No npm package ships an equally real build of these (see README "Development").
export const TOOLS = [
  { tool: "wasm2c", debian: "wabt", why: "translates the firmware to C for the native shells (native replay tests)" },
  { tool: "gcc", debian: "gcc", why: "builds the native shell (x86-64)" },
  { tool: "mosquitto", paths: ["/usr/sbin/mosquitto"], debian: "mosquitto", why: "MQTT broker the gateway tests start" },
  { tool: "openssl", debian: "openssl", why: "makes the private CA and certificates of the MQTT TLS test" },
  { tool: "pg_ctl", paths: ["/usr/lib/postgresql/*/bin/pg_ctl"], debian: "postgresql", why: "PostgreSQL server of the multi-gateway tests" },
  { tool: "socat", debian: "socat", why: "pty pairs of the serial gateway and console tests" },
  { tool: "picocom", debian: "picocom", why: "a real terminal program in the console pty test" },
  { tool: "chromium", debian: "chromium", why: "headless browser of the browser console and dashboard tests" },
  { tool: "qemu-system-riscv32", debian: "qemu-system-misc", why: "runs the RV32IMC (ESP32-C3 core) build" },
  { tool: "riscv64-unknown-elf-gcc", debian: "gcc-riscv64-unknown-elf", why: "builds the RV32IMC shell" },
  { tool: "picolibc.specs", file: "/usr/lib/picolibc/riscv64-unknown-elf/picolibc.specs", debian: "picolibc-riscv64-unknown-elf", why: "C library of the RV32IMC shell" },
];

const SEARCH_DIRS = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

// Every absolute path is looked up below this prefix (empty: the real file system). The tests
// point it at a temporary folder to play a machine without the tools, or with a stand-in apt-get.
const ROOT = process.env.ACTIVEMETER_TOOLS_ROOT ?? "";
const at = (file) => (ROOT ? path.join(ROOT, file) : file);

/** Expands one `*` path component (e.g. the PostgreSQL major version). */
function expand(pattern) {
  if (!pattern.includes("*")) return [at(pattern)];
  const parts = pattern.split("/");
  const star = parts.findIndex((p) => p.includes("*"));
  const dir = at(parts.slice(0, star).join("/") || "/");
  const re = new RegExp(`^${parts[star].replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`);
  let names = [];
  try { names = fs.readdirSync(dir).filter((n) => re.test(n)); } catch { return []; }
  return names.map((n) => [dir, n, ...parts.slice(star + 1)].join("/")); // already below ROOT
}

function executable(file) {
  try { fs.accessSync(file, fs.constants.X_OK); return fs.statSync(file).isFile(); } catch { return false; }
}

/** Where a tool is, or undefined: PATH, then the system folders (sbin is often not on a user's PATH). */
export function locate(entry, searchPath = process.env.PATH ?? "") {
  if (entry.file) return fs.existsSync(at(entry.file)) ? at(entry.file) : undefined;
  const dirs = [...searchPath.split(path.delimiter).filter((d) => path.isAbsolute(d)), ...SEARCH_DIRS];
  for (const dir of dirs) {
    const file = at(path.join(dir, entry.tool));
    if (executable(file)) return file;
  }
  for (const p of entry.paths ?? []) for (const file of expand(p)) if (executable(file)) return file;
  return undefined;
}

export function missingTools() {
  return TOOLS.filter((t) => !locate(t));
}

export function installCommand(packages) {
  return `apt-get update && apt-get install -y ${packages.join(" ")}`;
}

const APT_GET = at("/usr/bin/apt-get");
function hasAptGet() {
  return executable(APT_GET);
}

// ACTIVEMETER_TOOLS_UID plays another user in the tests (with a stand-in root only).
function isRoot() {
  const uid = ROOT && process.env.ACTIVEMETER_TOOLS_UID !== undefined ? Number(process.env.ACTIVEMETER_TOOLS_UID) : process.getuid?.();
  return uid === 0;
}

function main(argv) {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(`usage: node tools/test-tools.mjs [--check | --list]

Makes sure the tools npm test needs are installed (run by npm test before anything else).
  (none)    install what is missing from Debian's packages when root with apt-get, else fail
  --check   only check: exit 1 with the install command when something is missing
  --list    print the Debian packages, one a line
`);
    return 0;
  }
  if (argv.includes("--list")) {
    process.stdout.write([...new Set(TOOLS.map((t) => t.debian))].join("\n") + "\n");
    return 0;
  }
  const missing = missingTools();
  if (missing.length === 0) return 0;
  const packages = [...new Set(missing.map((t) => t.debian))];
  const names = missing.map((t) => t.tool).join(", ");
  if (argv.includes("--check") || !isRoot() || !hasAptGet()) {
    const why = !isRoot() ? "not root" : !hasAptGet() ? "no apt-get here" : "--check";
    process.stderr.write(`npm test needs ${names} (${why}, so nothing was installed). Install them with:\n  sudo sh -c '${installCommand(packages)}'\n`);
    return 1;
  }
  process.stderr.write(`npm test: installing Debian packages ${packages.join(" ")} for ${names} (${missing.map((t) => t.why).join("; ")})\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const run = (args) => spawnSync(APT_GET, args, { stdio: ["ignore", "ignore", "inherit"], env }).status === 0;
  if (!run(["update", "-q"]) || !run(["install", "-y", "-q", ...packages])) {
    process.stderr.write(`npm test: apt-get failed; run by hand: ${installCommand(packages)}\n`);
    return 1;
  }
  const still = missingTools();
  if (still.length > 0) {
    process.stderr.write(`npm test: still missing after apt-get: ${still.map((t) => t.tool).join(", ")}\n`);
    return 1;
  }
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exit(main(process.argv.slice(2)));
