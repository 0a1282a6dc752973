// Downlinks from the gateway (docs/gateway.md "Downlinks"): the gateway learns each node's UDP
// address and key version from its last *authenticated* frame, seals a command with the node's
// downlink key and a counter the store reserves durably first, and sends it from its UDP socket
// to that address. A forged frame teaches it nothing: only accepted outcomes are heard.
import { encodeDownlink, MAX_VALID_S } from "../frame/downlink.js";
import type { DownlinkCommand, DownlinkFields } from "../frame/downlink.js";
import type { KeyLookup } from "../frame/keyring.js";
import { bytesToHex } from "../frame/codec.js";
import type { Outcome } from "./gateway.js";

export interface DownlinkTransport {
  /** Send one datagram from the gateway's UDP socket. */
  send(bytes: Uint8Array, host: string, port: number): Promise<void>;
}

export interface DownlinkCounters {
  nextDownlinkCounter(node: number, floor: number): Promise<number>;
}

/** What a caller asks for: a command for a node, valid for `valid_s` from now. */
export type DownlinkRequest = DownlinkCommand & { node: number; valid_s?: number; counter_at_least?: number };

export interface DownlinkSent {
  ok: true;
  node: number;
  counter: number;
  key_version: number;
  command: string;
  sent_utc_s: number;
  valid_s: number;
  to: string;
  hex: string;
}

export class DownlinkRefused extends Error {}

/** Default validity: demand response and overrides 15 minutes, a time sync 60 s under way at most. */
export const DEFAULT_VALID_S = { demand: 900, override: 900, time_sync: 60 } as const;

export class DownlinkSender {
  private readonly peers = new Map<number, { host: string; port: number; keyVersion: number | undefined; heard: string }>();
  /** The last demand-response level sent to each node and when its validity ends (the dashboard's column). */
  private readonly demand = new Map<number, { level: string; untilMs: number }>();

  constructor(private readonly keys: KeyLookup, private readonly counters: DownlinkCounters,
    private readonly transport: () => DownlinkTransport | undefined, private readonly clock: () => number = Date.now) {}

  /** An accepted frame: remember where the node is (UDP sources only) and which key version it uses. */
  heard(outcome: Outcome): void {
    if (outcome.verdict !== "accepted" || !outcome.frame?.authenticated) return;
    const m = /^udp:(.+):(\d+)$/.exec(outcome.source);
    if (!m) return;
    const host = m[1].replace(/^\[(.*)\]$/, "$1");
    this.peers.set(outcome.frame.node, { host, port: Number(m[2]), keyVersion: outcome.frame.key_version, heard: outcome.received });
  }

  /** Where a node was last heard (for the control answer and tests). */
  peer(node: number): { host: string; port: number } | undefined {
    return this.peers.get(node);
  }

  /**
   * The demand-response level this gateway last sent the node, while its validity lasts (after
   * that the node is back on its local rules: undefined). Sent, not acknowledged: the node's
   * own registers (downlink.*) and event log say whether it took it.
   */
  state(node: number, nowMs: number): { level: string; untilMs: number | null } | undefined {
    const d = this.demand.get(node);
    return d && nowMs < d.untilMs ? { level: d.level, untilMs: d.untilMs } : undefined;
  }

  async send(request: DownlinkRequest): Promise<DownlinkSent> {
    const peer = this.peers.get(request.node);
    if (!peer) throw new DownlinkRefused(`node ${request.node} has sent no authenticated frame over UDP to this gateway yet: its address is unknown`);
    const transport = this.transport();
    if (!transport) throw new DownlinkRefused("this gateway has no UDP socket to send from (--udp)");
    const key = peer.keyVersion !== undefined ? this.keys.keyFor(request.node, peer.keyVersion) : this.keys.keysOf(request.node)[0];
    if (!key) throw new DownlinkRefused(`no key for node ${request.node}${peer.keyVersion === undefined ? "" : ` of version ${peer.keyVersion}`}`);
    const validS = request.valid_s ?? DEFAULT_VALID_S[request.command];
    if (!Number.isInteger(validS) || validS < 1 || validS > MAX_VALID_S) throw new DownlinkRefused(`valid_s must be 1 to ${MAX_VALID_S} seconds, not ${validS}`);
    const sentUtcS = Math.floor(this.clock() / 1000);
    const base = { node: request.node, key_version: key.version, sent_utc_s: sentUtcS, valid_s: validS };
    let fields: DownlinkFields;
    if (request.command === "demand") fields = { ...base, counter: 0, command: "demand", level: request.level };
    else if (request.command === "override") fields = { ...base, counter: 0, command: "override", output: request.output, mode: request.mode };
    else fields = { ...base, counter: 0, command: "time_sync" };
    // Check the fields before a counter is spent on them.
    encodeDownlink({ ...fields, counter: 1 }, key);
    fields.counter = await this.counters.nextDownlinkCounter(request.node, request.counter_at_least ?? 1);
    const bytes = encodeDownlink(fields, key);
    await transport.send(bytes, peer.host, peer.port);
    if (fields.command === "demand") this.demand.set(request.node, { level: fields.level, untilMs: (sentUtcS + validS) * 1000 });
    return { ok: true, node: request.node, counter: fields.counter, key_version: key.version, command: request.command, sent_utc_s: sentUtcS,
      valid_s: validS, to: `udp:${peer.host.includes(":") ? `[${peer.host}]` : peer.host}:${peer.port}`, hex: bytesToHex(bytes) };
  }
}
