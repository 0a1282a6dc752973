// Runs the real `activemeter` command as a user would, and writes scenario files to a temp dir.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { projectRoot } from "./asc-compile.js";

export interface CliResult { status: number | null; stdout: string; stderr: string }

export function runCli(args: string[], input?: string): CliResult {
  const r = spawnSync(process.execPath, [path.join(projectRoot, "bin", "activemeter.js"), ...args], {
    cwd: projectRoot, input, encoding: "utf8", maxBuffer: 64 * 1024 * 1024,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "activemeter-test-"));
let counter = 0;

/** Write a scenario (object or raw text) to a temp file; returns its path. */
export function scenarioFile(content: object | string): string {
  const file = path.join(dir, `scenario-${++counter}.json`);
  fs.writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content));
  return file;
}

export function readVectors<T>(name: string): T {
  const file = path.join(projectRoot, "test", "vectors", name);
  if (!fs.existsSync(file)) throw new Error(`missing test vectors ${file}`);
  return JSON.parse(fs.readFileSync(file, "utf8")) as T;
}
