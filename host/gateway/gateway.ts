// The gateway core: frames in, verdicts and events out. Verifies each frame with the keyring,
// rejects replays (a counter not above the last accepted one of that node), counts duplicates,
// reports gaps, and counts every kind of rejection. Pure: no I/O, no clock of its own (the
// caller says when a frame arrived), and it never throws on bad input.
import type { BillingRecord } from "../frame/billing-payload.js";
import { bytesToHex } from "../frame/codec.js";
import type { Frame, FrameRejection } from "../frame/codec.js";
import type { KeyLookup } from "../frame/keyring.js";
import type { DeframerProblem } from "./deframer.js";
import { verifyFrame, claimedHeader, counterApplies } from "./verify.js";

/** The last accepted frame of a node: what replay and duplicate checks compare against. */
export interface NodeState {
  node: number;
  counter: number;
  frame: Uint8Array;
}

/** Where node states survive a restart (the SQLite store or a state file). */
export interface CounterStore {
  load(): Iterable<NodeState>;
  /** Called for every accepted frame; the store persists it (now, or with the frame's row). */
  remember(state: NodeState): void;
}

export type Rejection = FrameRejection | "replay" | DeframerProblem | "internal_error";
export type Verdict = "accepted" | "duplicate" | Rejection;

export const REJECTIONS: readonly Rejection[] = [
  "too_short", "too_long", "bad_version", "bad_suite", "crc_mismatch", "mac_mismatch", "unknown_node", "unknown_key_version", "unauthenticated",
  "malformed", "bad_hex", "replay", "cobs_invalid", "overlong", "internal_error",
];

interface EventBase { received: string; source: string }
export interface ReadingEvent extends EventBase {
  type: "reading"; node: number; counter: number; suite: string; authenticated: boolean; encrypted: boolean; key_version?: number;
  status: number; status_flags: string[]; event_counter: number; registers: Record<string, number>;
  /** A billing frame's record (docs/billing.md); its registers are then empty. */
  billing?: BillingRecord;
}
export interface GapEvent extends EventBase { type: "gap"; node: number; counter: number; last_counter: number; missing: number }
export interface DuplicateEvent extends EventBase { type: "duplicate"; node: number; counter: number }
export interface RejectedEvent extends EventBase {
  type: "rejected"; reason: Rejection; message: string;
  /** The node id the frame claims (not verified), when it can be read. */
  node?: number; counter?: number; key_version?: number; last_counter?: number; bytes: number; hex: string;
}
export type GatewayEvent = ReadingEvent | GapEvent | DuplicateEvent | RejectedEvent;

/** What happened to one input: the verdict, the decoded frame when accepted, events to publish. */
export interface Outcome {
  verdict: Verdict;
  raw: Uint8Array;
  received: string;
  source: string;
  /** Set for accepted frames and duplicates. */
  frame?: Frame;
  /** The node the frame claims and its counter, when readable (unverified for rejections). */
  node?: number;
  counter?: number;
  events: GatewayEvent[];
}

export interface GatewayOptions {
  /** The keyring (and the test keys only if asked for): docs/gateway.md "Keyring". */
  keys: KeyLookup;
  /** Refuse suite 0 (CRC-only) frames; default true. A node with a key never gets them accepted. */
  requireAuthentication?: boolean;
  store?: CounterStore;
}

export interface GatewayStats {
  received: number;
  accepted: number;
  duplicate: number;
  rejected: number;
  gaps: number;
  missing_frames: number;
  nodes: number;
  by_reason: Record<Rejection, number>;
}

const MAX_HEX_IN_EVENT = 600;

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class Gateway {
  private readonly states = new Map<number, NodeState>();
  private readonly requireAuthentication: boolean;
  private readonly counts: GatewayStats;

  constructor(private readonly options: GatewayOptions) {
    this.requireAuthentication = options.requireAuthentication ?? true;
    this.counts = {
      received: 0, accepted: 0, duplicate: 0, rejected: 0, gaps: 0, missing_frames: 0, nodes: 0,
      by_reason: Object.fromEntries(REJECTIONS.map((r) => [r, 0])) as Record<Rejection, number>,
    };
    for (const s of options.store?.load() ?? []) this.states.set(s.node, { node: s.node, counter: s.counter, frame: s.frame.slice() });
  }

  /** A copy of the counters: received = accepted + duplicate + rejected. */
  stats(): GatewayStats {
    return { ...this.counts, nodes: this.states.size, by_reason: { ...this.counts.by_reason } };
  }

  /** A newer state of a node learnt from a database shared with other gateways; an older one changes nothing. */
  adopt(state: NodeState): void {
    const current = this.states.get(state.node);
    if (!current || state.counter > current.counter) this.states.set(state.node, { node: state.node, counter: state.counter, frame: state.frame.slice() });
  }

  lastCounter(node: number): number | undefined {
    return this.states.get(node)?.counter;
  }

  /** One frame as it arrived (datagram, COBS packet, hex line). Never throws. */
  receive(raw: Uint8Array, source: string, receivedMs: number): Outcome {
    const received = new Date(receivedMs).toISOString();
    this.counts.received++;
    const verified = verifyFrame(raw, this.options.keys, this.requireAuthentication);
    if (!verified.ok) return this.reject(verified.reason, verified.message, raw, source, received, verified.reason === "internal_error" ? {} : claimedHeader(raw));
    const frame = verified.frame;
    try {
      return this.check(frame, raw, source, received);
    } catch (e) {
      return this.reject("internal_error", `gateway failed: ${(e as Error)?.message ?? String(e)}`, raw, source, received,
        { node: frame.node, counter: frame.counter });
    }
  }

  /** Input that never became a frame: bad hex line, broken COBS packet, over-long run. Never throws. */
  refuse(reason: "bad_hex" | DeframerProblem, message: string, raw: Uint8Array, source: string, receivedMs: number): Outcome {
    this.counts.received++;
    return this.reject(reason, message, raw, source, new Date(receivedMs).toISOString(), {});
  }

  private check(frame: Frame, raw: Uint8Array, source: string, received: string): Outcome {
    const { node, counter } = frame;
    const known = this.states.get(node);
    const last = counterApplies(known, frame) ? known : undefined;
    const events: GatewayEvent[] = [];
    if (last && counter <= last.counter) {
      if (counter === last.counter && sameBytes(raw, last.frame)) {
        this.counts.duplicate++;
        return { verdict: "duplicate", raw, received, source, frame, node, counter, events: [{ type: "duplicate", node, counter, received, source }] };
      }
      // The same counter with other bytes under the same key would be a reused nonce: say so.
      const reused = counter === last.counter && frame.encrypted && claimedHeader(last.frame).key_version === frame.key_version;
      return this.reject("replay", `replay: node ${node} counter ${counter} is not above the last accepted ${last.counter}`
        + (reused ? " (verified, same key version, other bytes: the node repeated a counter, a nonce reuse; check its store)" : ""), raw, source, received,
        { node, counter, last_counter: last.counter });
    }
    if (last && counter > last.counter + 1) {
      const missing = counter - last.counter - 1;
      this.counts.gaps++;
      this.counts.missing_frames += missing;
      events.push({ type: "gap", node, counter, last_counter: last.counter, missing, received, source });
    }
    const state = { node, counter, frame: raw.slice() };
    this.states.set(node, state);
    this.options.store?.remember(state);
    this.counts.accepted++;
    events.unshift({
      type: "reading", node, counter, suite: frame.suite, authenticated: frame.authenticated, encrypted: frame.encrypted,
      ...(frame.key_version === undefined ? {} : { key_version: frame.key_version }), status: frame.status,
      status_flags: frame.status_flags, event_counter: frame.event_counter, registers: frame.registers, received, source,
      ...(frame.billing ? { billing: frame.billing } : {}),
    });
    return { verdict: "accepted", raw, received, source, frame, node, counter, events };
  }

  private reject(reason: Rejection, message: string, raw: Uint8Array, source: string, received: string,
    about: { node?: number; counter?: number; key_version?: number; last_counter?: number }): Outcome {
    this.counts.rejected++;
    this.counts.by_reason[reason]++;
    const hex = bytesToHex(raw.length > MAX_HEX_IN_EVENT / 2 ? raw.subarray(0, MAX_HEX_IN_EVENT / 2) : raw);
    const event: RejectedEvent = { type: "rejected", reason, message, ...about, bytes: raw.length, hex, received, source };
    return { verdict: reason, raw, received, source, node: about.node, counter: about.counter, events: [event] };
  }
}
