#!/usr/bin/env node
// Entry point of the `activemeter` command. Builds the firmware and host code on first use
// (a fresh clone after `npm install`), then runs the compiled CLI.
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import path from "node:path";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const cli = path.join(root, "build", "ts", "host", "cli", "main.js");
if (!existsSync(cli) || !existsSync(path.join(root, "build", "firmware.wasm"))) {
  process.stderr.write("activemeter: first run, building firmware and host code (npm run build)...\n");
  const built = spawnSync("npm", ["run", "--silent", "build"], { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
  if (built.status !== 0) {
    process.stderr.write("activemeter: build failed; run 'npm run build' to see why\n");
    process.exit(1);
  }
}
const { main } = await import(cli);
process.exitCode = await main(process.argv.slice(2));
