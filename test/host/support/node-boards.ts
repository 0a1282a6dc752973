// A shipped board file under another node id, for tests that meter a whole site with twins.
import fs from "node:fs";
import path from "node:path";
import { projectRoot } from "./asc-compile.js";

/** Writes boards/<base>.json with `nodeId` into `dir`; returns the file for a scenario's "board". */
export function boardWithNodeId(dir: string, base: string, nodeId: number): string {
  const b = JSON.parse(fs.readFileSync(path.join(projectRoot, "boards", `${base}.json`), "utf8"));
  delete b.$schema;
  b.node_id = nodeId;
  const file = path.join(dir, `${base}-${nodeId}.json`);
  fs.writeFileSync(file, JSON.stringify(b));
  return file;
}
