// The independent frame decoder: tools/gen-frame-vectors.py --decode (Python `cryptography`),
// so frames the firmware made are checked by a program that shares no code with the host codec.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import assert from "node:assert/strict";
import { projectRoot } from "./asc-compile.js";

export interface PythonFrame { suite: number; node: number; counter: number; key_version?: number; status: number; event_counter: number; registers: Record<string, number>; error?: string }

/** Decode hex frames with `keyring` ({"keys": …}) in Python; fails the test if python3 or cryptography is missing. */
export function pythonDecode(frames: string[], keyring: object): PythonFrame[] {
  const python = fs.existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "activemeter-py-")), "keys.json");
  fs.writeFileSync(file, JSON.stringify(keyring));
  const r = spawnSync(python, [path.join(projectRoot, "tools", "gen-frame-vectors.py"), "--decode", file], { input: frames.join("\n") + "\n", encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.error || r.status !== 0) assert.fail(`the Python frame decoder did not run (needs python3 with the 'cryptography' package, Debian python3-cryptography): ${r.error?.message ?? r.stderr}`);
  return r.stdout.trim().split("\n").map((l) => JSON.parse(l) as PythonFrame);
}
