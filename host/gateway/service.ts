// The gateway service: sources -> Gateway core -> outputs. Owns the lifecycle (open, run
// until the inputs end or a signal arrives, close every output) and nothing else.
import { Gateway } from "./gateway.js";
import type { CounterStore, GatewayStats, Outcome } from "./gateway.js";
import type { GatewayOutput } from "./output.js";
import type { FrameReceiver, Source } from "./sources.js";
import type { KeyLookup } from "../frame/keyring.js";
import type { DeframerProblem } from "./deframer.js";

export interface ServiceOptions {
  keys: KeyLookup;
  requireAuthentication: boolean;
  store?: CounterStore;
  outputs: GatewayOutput[];
  clock?: () => number;
  /** Where an output's failure is reported (the service goes on with the others). */
  log?: (line: string) => void;
}

export class GatewayService implements FrameReceiver {
  readonly gateway: Gateway;
  readonly sources: Source[] = [];
  private readonly clock: () => number;
  private closing: Promise<void> | undefined;

  constructor(private readonly options: ServiceOptions) {
    this.gateway = new Gateway({ keys: options.keys, requireAuthentication: options.requireAuthentication, store: options.store });
    this.clock = options.clock ?? Date.now;
  }

  frame(raw: Uint8Array, source: string): void {
    this.dispatch(this.gateway.receive(raw, source, this.clock()));
  }

  refuse(reason: "bad_hex" | DeframerProblem, message: string, raw: Uint8Array, source: string): void {
    this.dispatch(this.gateway.refuse(reason, message, raw, source, this.clock()));
  }

  private dispatch(outcome: Outcome): void {
    for (const output of this.options.outputs) {
      try {
        output.write(outcome);
      } catch (e) {
        this.options.log?.(`output ${output.constructor.name} failed: ${(e as Error).message}`);
      }
    }
  }

  add(source: Source): void {
    this.sources.push(source);
  }

  stats(): GatewayStats {
    return this.gateway.stats();
  }

  /** Stop the sources, then close the outputs (database, broker). Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all(this.sources.map((s) => s.close().catch(() => {})));
      for (const output of this.options.outputs) {
        try {
          await output.close();
        } catch (e) {
          this.options.log?.(`closing ${output.constructor.name} failed: ${(e as Error).message}`);
        }
      }
    })();
    return this.closing;
  }
}

/** "120 frames: 117 accepted, 1 duplicate, 2 rejected (replay 1, mac_mismatch 1); 1 gap, 3 frames missing". */
export function summary(stats: GatewayStats): string {
  const reasons = Object.entries(stats.by_reason).filter(([, n]) => n > 0).map(([r, n]) => `${r} ${n}`);
  return `${stats.received} frames: ${stats.accepted} accepted, ${stats.duplicate} duplicate, ${stats.rejected} rejected` +
    (reasons.length ? ` (${reasons.join(", ")})` : "") + `; ${stats.gaps} gaps, ${stats.missing_frames} frames missing; ${stats.nodes} nodes`;
}
