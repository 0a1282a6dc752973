// Frame keys by node id and key version. A keyring file is JSON (docs/gateway.md "Keyring"):
//   {"keys": {"4097": {"1": "<32 hex digits>", "2": "<32 hex digits>"}, "4098": "<32 hex digits>"}}
// A plain string is version 1 (the format before key versions). The documented public test
// keys are a separate lookup (TestKeys), used only when asked for (--test-keys).
import { AES_KEY_BYTES } from "../crypto/cmac.js";
import { FrameKey, MAX_KEY_VERSION } from "./frame-keys.js";
import { parseJsonWithLines, JsonLineError } from "./json-lines.js";
import type { JsonValue } from "./json-lines.js";

export class KeyringError extends Error {}

export const MAX_NODE_ID = 4294967294;

/** Test key of a node: ASCII "activemeter:" followed by the node id, 32-bit big-endian (key version 1). */
export function testKey(node: number): Uint8Array {
  const key = new Uint8Array(AES_KEY_BYTES);
  key.set(new TextEncoder().encode("activemeter:"));
  new DataView(key.buffer).setUint32(12, node >>> 0, false);
  return key;
}

export interface KeyLookup {
  /** The key of `node` with `version`, or undefined. */
  keyFor(node: number, version: number): FrameKey | undefined;
  /** Every key of the node, newest version first (suite 1 frames carry no version); empty when none. */
  keysOf(node: number): readonly FrameKey[];
  /** True when the node has a key: then only authenticated frames are ever accepted from it. */
  hasKey(node: number): boolean;
}

function isNodeId(node: number): boolean {
  return Number.isInteger(node) && node >= 1 && node <= MAX_NODE_ID;
}

export class Keyring implements KeyLookup {
  private readonly nodes = new Map<number, FrameKey[]>();

  /** Add (or replace) the key of `node` with `version` (default 1). */
  set(node: number, key: Uint8Array, version = 1): void {
    if (!isNodeId(node)) throw new KeyringError(`'${node}' is not a node id (1 … ${MAX_NODE_ID})`);
    if (key.length !== AES_KEY_BYTES) throw new KeyringError(`key for node ${node} must be 16 bytes, not ${key.length}`);
    if (!Number.isInteger(version) || version < 1 || version > MAX_KEY_VERSION) throw new KeyringError(`key version ${version} of node ${node} out of range (1 … ${MAX_KEY_VERSION})`);
    const list = (this.nodes.get(node) ?? []).filter((k) => k.version !== version);
    list.push(new FrameKey(node, version, key));
    list.sort((a, b) => b.version - a.version);
    this.nodes.set(node, list);
  }

  /** Number of nodes with at least one key. */
  get size(): number {
    return this.nodes.size;
  }

  /** Number of (node, version) keys. */
  get keyCount(): number {
    let n = 0;
    for (const list of this.nodes.values()) n += list.length;
    return n;
  }

  keyFor(node: number, version: number): FrameKey | undefined {
    return this.nodes.get(node)?.find((k) => k.version === version);
  }

  keysOf(node: number): readonly FrameKey[] {
    return this.nodes.get(node) ?? [];
  }

  hasKey(node: number): boolean {
    return this.nodes.has(node);
  }

  /** Parse a keyring file's text; every problem names the line and the entry. */
  static parse(text: string, source = "keyring"): Keyring {
    let root: JsonValue;
    try {
      root = parseJsonWithLines(text);
    } catch (e) {
      if (e instanceof JsonLineError) throw new KeyringError(`${source}: line ${e.line}: not valid JSON: ${e.reason}`);
      throw e;
    }
    const fail = (line: number, reason: string): never => { throw new KeyringError(`${source}: line ${line}: ${reason}`); };
    const shape = `must be an object {"keys": {"<node id>": {"<key version>": "<32 hex digits>"}}}`;
    if (root.kind !== "object") return fail(root.line, `the keyring ${shape}`);
    const extra = root.entries.find((e) => e.key !== "keys");
    if (extra) fail(extra.keyLine, `unknown entry "${extra.key}": the keyring ${shape}`);
    const keys = root.entries.find((e) => e.key === "keys");
    if (!keys) return fail(root.line, `no "keys" entry: the keyring ${shape}`);
    if (keys.value.kind !== "object") return fail(keys.value.line, `"keys" must be an object of node id -> key or {key version -> key}`);
    const ring = new Keyring();
    const hexKey = (v: JsonValue, what: string): Uint8Array => {
      if (v.kind !== "string" || !/^[0-9a-fA-F]{32}$/.test(v.value)) {
        const got = v.kind === "string" ? `${v.value.length} characters${/^[0-9a-fA-F]*$/.test(v.value) ? "" : ", not all hex digits"}` : `a ${v.kind}`;
        return fail(v.line, `${what} must be a string of 32 hex digits (16 bytes), got ${got}`);
      }
      return Uint8Array.from(v.value.match(/../g)!.map((b) => parseInt(b, 16)));
    };
    for (const entry of keys.value.entries) {
      const node = Number(entry.key);
      if (!/^\d+$/.test(entry.key) || !isNodeId(node)) fail(entry.keyLine, `"${entry.key}" is not a node id (1 … ${MAX_NODE_ID})`);
      if (entry.value.kind === "string") {
        ring.set(node, hexKey(entry.value, `the key of node ${node}`), 1);
        continue;
      }
      if (entry.value.kind !== "object") fail(entry.value.line, `node ${node}: expected a key (32 hex digits) or an object {"<key version>": "<32 hex digits>"}, got a ${entry.value.kind}`);
      const versions = (entry.value as Extract<JsonValue, { kind: "object" }>).entries;
      if (versions.length === 0) fail(entry.value.line, `node ${node} has no key versions`);
      for (const v of versions) {
        const version = Number(v.key);
        if (!/^\d+$/.test(v.key) || version < 1 || version > MAX_KEY_VERSION) fail(v.keyLine, `node ${node}: "${v.key}" is not a key version (1 … ${MAX_KEY_VERSION})`);
        ring.set(node, hexKey(v.value, `the key of node ${node} version ${version}`), version);
      }
    }
    return ring;
  }
}

/**
 * Bound on the test keys kept ready: a forger sending frames for a million different node ids
 * costs a key schedule each (and is refused), never memory.
 */
export const TEST_KEY_CACHE_NODES = 1024;

/** The public test keys of every node (version 1), for the twin and demos only (--test-keys). */
export class TestKeys implements KeyLookup {
  private readonly cache = new Map<number, FrameKey>();

  keyFor(node: number, version: number): FrameKey | undefined {
    if (version !== 1 || !isNodeId(node)) return undefined;
    let key = this.cache.get(node);
    if (key) {
      this.cache.delete(node); // most recently used last
    } else {
      key = new FrameKey(node, 1, testKey(node));
      if (this.cache.size >= TEST_KEY_CACHE_NODES) this.cache.delete(this.cache.keys().next().value!);
    }
    this.cache.set(node, key);
    return key;
  }

  keysOf(node: number): readonly FrameKey[] {
    const key = this.keyFor(node, 1);
    return key ? [key] : [];
  }

  hasKey(node: number): boolean {
    return isNodeId(node);
  }

  /** Keys held right now (bounded by TEST_KEY_CACHE_NODES). */
  get cachedNodes(): number {
    return this.cache.size;
  }
}

/**
 * A keyring with the test keys behind it (`--keys FILE --test-keys`): a node in the keyring is
 * verified with its keys only, never with its public test key.
 */
export class KeyringWithTestKeys implements KeyLookup {
  constructor(private readonly ring: Keyring, private readonly test = new TestKeys()) {}

  keyFor(node: number, version: number): FrameKey | undefined {
    return this.ring.hasKey(node) ? this.ring.keyFor(node, version) : this.test.keyFor(node, version);
  }

  keysOf(node: number): readonly FrameKey[] {
    return this.ring.hasKey(node) ? this.ring.keysOf(node) : this.test.keysOf(node);
  }

  hasKey(node: number): boolean {
    return this.ring.hasKey(node) || this.test.hasKey(node);
  }
}

/** No keys at all: every authenticated frame is from an unknown node. */
export const NO_KEYS: KeyLookup = { keyFor: () => undefined, keysOf: () => [], hasKey: () => false };
