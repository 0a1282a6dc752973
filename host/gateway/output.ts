// What every gateway output implements: take each outcome as it happens, close on shutdown.
import type { Outcome } from "./gateway.js";

export interface GatewayOutput {
  write(outcome: Outcome): void;
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

  async close(): Promise<void> {}
}
