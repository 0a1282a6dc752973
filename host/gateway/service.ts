// The gateway service: sources -> gateway core -> group commits into the store -> outputs.
// Frames are verified as they arrive (cheap, synchronous); accepted ones and duplicates wait
// a few milliseconds in a batch that is committed in one transaction, and only then are they
// acknowledged (standard output) and handed to the MQTT outbox. Rejections are counted in
// bounded per-minute rows and their events rate-limited, so a flood costs little and fills
// nothing. Owns the lifecycle: open, run until the inputs end or a signal, close everything.
import { Gateway, REJECTIONS } from "./gateway.js";
import type { GatewayStats, NodeState, Outcome, Rejection } from "./gateway.js";
import type { GatewayOutput } from "./output.js";
import type { FrameReceiver, Source } from "./sources.js";
import type { KeyLookup } from "../frame/keyring.js";
import type { DeframerProblem } from "./deframer.js";
import type { FrameStore } from "./store.js";
import type { MqttPublisher } from "./mqtt.js";
import { EventLimit, RejectTally } from "./rejects.js";
import { scrub } from "./secrets.js";
import { DownlinkSender } from "./downlinks.js";
import type { DownlinkTransport } from "./downlinks.js";

export interface ServiceOptions {
  keys: KeyLookup;
  requireAuthentication: boolean;
  store: FrameStore;
  /** Standard output and the like: final outcomes, after their commit. */
  outputs: GatewayOutput[];
  clock?: () => number;
  /** Where failures are reported (the service goes on). */
  log?: (line: string) => void;
  /** Group commit: at most this many milliseconds of waiting (default 5) … */
  batchMs?: number;
  /** … or this many outcomes (default 2000), whichever comes first. */
  batchFrames?: number;
  /** Rejection events per minute on the outputs (default 600) and on MQTT (default 60); the rest is summed up. */
  rejectEventsPerMinute?: number;
  mqttRejectEventsPerMinute?: number;
}

export class GatewayService implements FrameReceiver {
  readonly gateway: Gateway;
  readonly sources: Source[] = [];
  /** Commands to nodes, sent from the first UDP source to where each node was last heard. */
  readonly downlinks: DownlinkSender;
  private publisher: MqttPublisher | undefined;
  private readonly clock: () => number;
  private readonly tally = new RejectTally();
  private readonly outputLimit: EventLimit;
  private readonly mqttLimit: EventLimit;
  private pending: Outcome[] = [];
  private timer: NodeJS.Timeout | undefined;
  private committing: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private readonly counts: GatewayStats;
  private readonly batchMs: number;
  private readonly batchFrames: number;
  /** Frames lost because a commit failed (the database said why in the log). */
  failedCommits = 0;

  private constructor(private readonly options: ServiceOptions, states: Iterable<NodeState>) {
    this.gateway = new Gateway({
      keys: options.keys, requireAuthentication: options.requireAuthentication,
      store: { load: () => states, remember: () => {} },
    });
    this.clock = options.clock ?? Date.now;
    this.downlinks = new DownlinkSender(options.keys, options.store,
      () => this.sources.find((s): s is Source & DownlinkTransport => typeof (s as Partial<DownlinkTransport>).send === "function"), this.clock);
    this.batchMs = options.batchMs ?? 5;
    this.batchFrames = options.batchFrames ?? 2000;
    this.outputLimit = new EventLimit(options.rejectEventsPerMinute ?? 600);
    this.mqttLimit = new EventLimit(options.mqttRejectEventsPerMinute ?? 60);
    this.counts = {
      received: 0, accepted: 0, duplicate: 0, rejected: 0, gaps: 0, missing_frames: 0, nodes: 0,
      by_reason: Object.fromEntries(REJECTIONS.map((r) => [r, 0])) as Record<Rejection, number>,
    };
  }

  /** A service whose replay state is what the store holds. */
  static async open(options: ServiceOptions): Promise<GatewayService> {
    return new GatewayService(options, await options.store.loadNodes());
  }

  /** Readings go to this broker from the outbox; rejections through its rate limit. */
  attach(publisher: MqttPublisher): void {
    this.publisher = publisher;
  }

  frame(raw: Uint8Array, source: string): void {
    // The codec rejects by throwing; capturing a stack trace for each junk datagram was most of
    // the cost of a rejection (docs/gateway.md, capacity). Nothing reads those stacks.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    let outcome: Outcome;
    try {
      outcome = this.gateway.receive(raw, source, this.clock());
    } finally {
      Error.stackTraceLimit = limit;
    }
    this.take(outcome);
  }

  refuse(reason: "bad_hex" | DeframerProblem, message: string, raw: Uint8Array, source: string): void {
    this.take(this.gateway.refuse(reason, message, raw, source, this.clock()));
  }

  private take(outcome: Outcome): void {
    this.counts.received++;
    if (outcome.verdict !== "accepted" && outcome.verdict !== "duplicate") {
      this.countRejection(outcome);
      // Only the events that pass the limit wait in the batch (to keep stdout in arrival order).
      if (!this.outputLimit.allow(outcome.received, outcome.verdict, (m, held) => this.heldBack(m, held))) return;
    }
    this.pending.push(outcome);
    if (this.pending.length >= this.batchFrames) this.flushSoon(0);
    else this.flushSoon(this.batchMs);
  }

  private countRejection(outcome: Outcome): void {
    this.counts.rejected++;
    this.counts.by_reason[outcome.verdict as Rejection]++;
    this.tally.add(outcome);
    if (this.publisher) {
      const event = outcome.events[0];
      if (event && this.mqttLimit.allow(outcome.received, outcome.verdict, (m, held) => this.publisher?.publishVolatile({ type: "rejections_held_back", minute: m, counts: held }))) {
        this.publisher.publishVolatile(event);
      }
    }
  }

  private heldBack(minute: string, held: Record<string, number>): void {
    const line = { type: "rejections_held_back", minute, counts: held };
    for (const output of this.options.outputs) output.note?.(line);
  }

  private flushSoon(ms: number): void {
    if (this.timer && ms > 0) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => { this.timer = undefined; void this.flush(); }, ms);
  }

  /** Commit what is waiting (one transaction), then write the final outcomes. Resolves when nothing waits. */
  async flush(): Promise<void> {
    while (this.committing) await this.committing;
    if (this.pending.length === 0 && this.tally.waiting === 0) return;
    const batch = this.pending;
    this.pending = [];
    const rejects = this.tally.take();
    this.committing = (async () => {
      let final: Outcome[];
      try {
        final = await this.options.store.commit(batch.filter((o) => o.verdict === "accepted" || o.verdict === "duplicate"), rejects);
      } catch (e) {
        const lost = batch.filter((o) => o.verdict === "accepted").length;
        this.failedCommits += lost;
        this.options.log?.(scrub(`database commit failed, ${lost} readings not stored: ${(e as Error).message}`));
        return;
      }
      const learned = (this.options.store as { takeLearned?: () => NodeState[] }).takeLearned?.() ?? [];
      for (const state of learned) this.gateway.adopt(state);
      const decided = new Map<Outcome, Outcome>();
      const committed = batch.filter((o) => o.verdict === "accepted" || o.verdict === "duplicate");
      committed.forEach((o, i) => decided.set(o, final[i]));
      for (const original of batch) {
        const outcome = decided.get(original) ?? original;
        if (outcome.verdict === "accepted") {
          this.counts.accepted++;
          this.downlinks.heard(outcome);
          for (const e of outcome.events) if (e.type === "gap") { this.counts.gaps++; this.counts.missing_frames += e.missing; }
        } else if (outcome.verdict === "duplicate") this.counts.duplicate++;
        else if (decided.has(original)) this.countRejection(outcome); // another gateway was first: a replay after all
        this.write(outcome);
      }
      this.publisher?.kick();
    })();
    try {
      await this.committing;
    } finally {
      this.committing = undefined;
    }
    if (this.pending.length) await this.flush();
  }

  private write(outcome: Outcome): void {
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

  /** received = accepted + duplicate + rejected once everything waiting is committed. */
  stats(): GatewayStats {
    return { ...this.counts, nodes: this.gateway.stats().nodes, by_reason: { ...this.counts.by_reason } };
  }

  /** Stop the sources, commit what waits, let the broker drain the outbox (briefly), close the store. Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all(this.sources.map((s) => s.close().catch(() => {})));
      clearTimeout(this.timer);
      this.outputLimit.flush((m, held) => this.heldBack(m, held));
      await this.flush();
      for (const output of this.options.outputs) await output.close().catch(() => {});
      try {
        await this.publisher?.close();
      } catch (e) {
        this.options.log?.(scrub(`closing the MQTT connection failed: ${(e as Error).message}`));
      }
      try {
        await this.options.store.close();
      } catch (e) {
        this.options.log?.(scrub(`closing ${this.options.store.name} failed: ${(e as Error).message}`));
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
