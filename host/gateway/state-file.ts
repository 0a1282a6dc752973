// Node counters in a JSON file, for a gateway without SQLite (--no-db --state FILE): rewritten
// atomically (temporary file + rename) on every accepted frame, so a restart still refuses replays.
import fs from "node:fs";
import { bytesToHex, hexToBytes } from "../frame/codec.js";
import type { CounterStore, NodeState } from "./gateway.js";

export const STATE_FORMAT = "activemeter-gateway-state/1";

export class StateFileError extends Error {}

export class StateFile implements CounterStore {
  private readonly nodes = new Map<number, NodeState>();

  constructor(readonly file: string) {
    let text: string;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
      throw new StateFileError(`cannot read state file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    try {
      const data = JSON.parse(text) as { format?: string; nodes?: Record<string, { counter: number; frame: string }> };
      if (data.format !== STATE_FORMAT || typeof data.nodes !== "object" || data.nodes === null) throw new Error(`not ${STATE_FORMAT}`);
      for (const [id, s] of Object.entries(data.nodes)) {
        const node = Number(id);
        if (!Number.isSafeInteger(node) || !Number.isSafeInteger(s.counter)) throw new Error(`bad entry for node '${id}'`);
        this.nodes.set(node, { node, counter: s.counter, frame: hexToBytes(s.frame) });
      }
    } catch (e) {
      throw new StateFileError(`state file ${file} is damaged (${(e as Error).message}); move it away to start afresh`);
    }
  }

  load(): Iterable<NodeState> {
    return this.nodes.values();
  }

  remember(state: NodeState): void {
    this.nodes.set(state.node, state);
    const nodes: Record<string, { counter: number; frame: string }> = {};
    for (const s of this.nodes.values()) nodes[s.node] = { counter: s.counter, frame: bytesToHex(s.frame) };
    const tmp = `${this.file}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify({ format: STATE_FORMAT, nodes }) + "\n");
    fs.renameSync(tmp, this.file);
  }
}
