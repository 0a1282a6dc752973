// What every gateway output implements: take each final outcome once it is committed (so a
// line on standard output means the reading is in the store), close on shutdown.
import type { Outcome } from "./gateway.js";

export interface GatewayOutput {
  write(outcome: Outcome): void;
  /** A line of the service's own (a summary of rejection events held back by the rate limit). */
  note?(line: object): void;
  close(): Promise<void>;
}

/** JSON lines: one object per event (readings, gaps, duplicates, rejections). */
export class JsonLinesOutput implements GatewayOutput {
  constructor(private readonly stream: { write(text: string): unknown }) {}

  write(outcome: Outcome): void {
    let text = "";
    for (const event of outcome.events) text += JSON.stringify(event) + "\n";
    if (text) this.stream.write(text);
  }

  note(line: object): void {
    this.stream.write(JSON.stringify(line) + "\n");
  }

  async close(): Promise<void> {}
}
