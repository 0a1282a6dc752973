// tools/test-tools.mjs, the one list of tools npm test needs: played on stand-in machines (a
// temporary folder as the file system root) so that every branch runs here — nothing there,
// not root, and root with an apt-get stand-in that records what it is asked to install.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { projectRoot } from "./support/asc-compile.js";

const SCRIPT = path.join(projectRoot, "tools", "test-tools.mjs");
interface Tool { tool: string; debian: string; file?: string; paths?: string[] }
const { TOOLS } = (await import(pathToFileURL(SCRIPT).href)) as { TOOLS: Tool[] };
const PACKAGES = [...new Set(TOOLS.map((t) => t.debian))];

function emptyRoot(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "activemeter-tools-"));
  fs.chmodSync(dir, 0o755);
  return dir;
}

const AM_ROOT = process.getuid?.() === 0;

/** Runs the check on the stand-in machine `root`, as root or as a plain user. */
function run(root: string, asRoot = true) {
  const env: NodeJS.ProcessEnv = { ...process.env, ACTIVEMETER_TOOLS_ROOT: root, PATH: "/usr/local/bin:/usr/bin:/bin" };
  delete env.ACTIVEMETER_TOOLS_UID;
  // A real user switch where we can (CI runs as root); otherwise the uid is played.
  if (!AM_ROOT && asRoot) env.ACTIVEMETER_TOOLS_UID = "0";
  const viaRunuser = AM_ROOT && !asRoot;
  const started = performance.now();
  const r = viaRunuser
    ? spawnSync("/usr/sbin/runuser", ["-u", "nobody", "--", process.execPath, SCRIPT], { env, encoding: "utf8" })
    : spawnSync(process.execPath, [SCRIPT], { env, encoding: "utf8" });
  if (r.error) throw new Error(`cannot run the tool check${viaRunuser ? " through /usr/sbin/runuser (util-linux)" : ""}: ${r.error.message}`);
  return { ...r, ms: performance.now() - started };
}

/** Where a stand-in of `tool` goes below `root`, so that the script finds it. */
function placeTool(root: string, t: Tool): void {
  const file = path.join(root, t.file ?? (t.paths?.[0]?.includes("*") ? t.paths[0].replace("*", "15") : t.paths?.[0] ?? `/usr/bin/${t.tool}`));
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, "#!/bin/sh\n", { mode: 0o755 });
}

test("no tools and no apt-get: fails at once with the single command that installs every package", () => {
  const r = run(emptyRoot());
  assert.equal(r.status, 1);
  assert.ok(r.ms < 10_000, `${r.ms} ms`);
  const lines = r.stderr.trim().split("\n");
  assert.equal(lines.length, 2, r.stderr);
  assert.match(lines[0], /no apt-get here/);
  assert.equal(lines[1].trim(), `sudo sh -c 'apt-get update && apt-get install -y ${PACKAGES.join(" ")}'`);
  for (const t of TOOLS) assert.ok(lines[0].includes(t.tool), `${t.tool} not named`);
});

test("not root: fails in under 10 s naming what is missing, installs nothing", () => {
  const root = emptyRoot();
  placeTool(root, TOOLS.find((t) => t.tool === "gcc")!);
  fs.mkdirSync(path.join(root, "usr/bin"), { recursive: true });
  fs.writeFileSync(path.join(root, "usr/bin/apt-get"), "#!/bin/sh\necho called >> \"$0.log\"\n", { mode: 0o755 });
  const r = run(root, false);
  assert.equal(r.status, 1, r.stderr);
  assert.ok(r.ms < 10_000, `${r.ms} ms`);
  assert.match(r.stderr, /not root/);
  const listed = /apt-get install -y ([^']*)'/.exec(r.stderr)![1].split(" ");
  assert.deepEqual(listed, PACKAGES.filter((p) => p !== "gcc"), "gcc is present and must not be listed");
  assert.ok(!fs.existsSync(path.join(root, "usr/bin/apt-get.log")), "apt-get must not run without root");
});

test("root with apt-get: one update, one install of exactly the missing packages, one line saying what and why", () => {
  const root = emptyRoot();
  const present = TOOLS.filter((t) => ["gcc", "openssl"].includes(t.tool));
  for (const t of present) placeTool(root, t);
  // The stand-in records its arguments and "installs" by placing every tool.
  const place = TOOLS.map((t) => path.join(root, t.file ?? (t.paths?.[0]?.includes("*") ? t.paths[0].replace("*", "15") : t.paths?.[0] ?? `/usr/bin/${t.tool}`)));
  const script = `#!/bin/sh\necho "$*" >> "${root}/apt.log"\nif [ "$1" = install ]; then\n${place.map((f) => `  mkdir -p "${path.dirname(f)}"; printf '#!/bin/sh\\n' > "${f}"; chmod 755 "${f}"`).join("\n")}\nfi\n`;
  fs.mkdirSync(path.join(root, "usr/bin"), { recursive: true });
  fs.writeFileSync(path.join(root, "usr/bin/apt-get"), script, { mode: 0o755 });
  const r = run(root);
  assert.equal(r.status, 0, r.stderr);
  const calls = fs.readFileSync(path.join(root, "apt.log"), "utf8").trim().split("\n");
  const missing = PACKAGES.filter((p) => !present.some((t) => t.debian === p));
  assert.deepEqual(calls, ["update -q", `install -y -q ${missing.join(" ")}`]);
  const said = r.stderr.trim().split("\n");
  assert.equal(said.length, 1, r.stderr);
  assert.match(said[0], new RegExp(`^npm test: installing Debian packages ${missing.join(" ")} for `));
  // A second run finds everything and says nothing.
  const again = run(root);
  assert.equal(again.status, 0);
  assert.equal(again.stderr, "");
});

test("the package list is the one .ci/run and the README rely on", () => {
  const ci = fs.readFileSync(path.join(projectRoot, ".ci", "run"), "utf8");
  const commands = ci.split("\n").filter((l) => l.trim() && !l.startsWith("#") && !l.startsWith("set ") && !l.startsWith("cd "));
  assert.deepEqual(commands, ["npm ci", "npm test"]);
  const pkg = JSON.parse(fs.readFileSync(path.join(projectRoot, "package.json"), "utf8"));
  assert.match(pkg.scripts.pretest, /^node tools\/test-tools\.mjs && /);
  const listed = spawnSync(process.execPath, [SCRIPT, "--list"], { encoding: "utf8" }).stdout.trim().split("\n");
  assert.deepEqual(listed, PACKAGES);
});
