// Frame keys by node id. A keyring file is JSON: {"keys": {"<node id>": "<32 hex digits>"}}.
// The documented test key lets the twin's frames verify out of the box; it is public, so a
// gateway that meters for real loads its own keyring instead.
import { AesCmac, AES_KEY_BYTES } from "../crypto/cmac.js";

export class KeyringError extends Error {}

/** Test key of a node: ASCII "activemeter:" followed by the node id, 32-bit big-endian. */
export function testKey(node: number): Uint8Array {
  const key = new Uint8Array(AES_KEY_BYTES);
  key.set(new TextEncoder().encode("activemeter:"));
  new DataView(key.buffer).setUint32(12, node >>> 0, false);
  return key;
}

export interface KeyLookup {
  /** The CMAC engine for a node, or undefined when the node has no key. */
  cmacFor(node: number): AesCmac | undefined;
}

export class Keyring implements KeyLookup {
  private readonly engines = new Map<number, AesCmac>();

  set(node: number, key: Uint8Array): void {
    if (key.length !== AES_KEY_BYTES) throw new KeyringError(`key for node ${node} must be 16 bytes, not ${key.length}`);
    this.engines.set(node, new AesCmac(key));
  }

  get size(): number {
    return this.engines.size;
  }

  cmacFor(node: number): AesCmac | undefined {
    return this.engines.get(node);
  }

  /** Parse a keyring file's text; every problem names the entry. */
  static parse(text: string, source = "keyring"): Keyring {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (e) {
      throw new KeyringError(`${source} is not valid JSON: ${(e as Error).message}`);
    }
    const keys = (data as { keys?: unknown })?.keys;
    if (typeof data !== "object" || data === null || Array.isArray(data) || Object.keys(data).some((k) => k !== "keys")) {
      throw new KeyringError(`${source} must be an object {"keys": {"<node id>": "<32 hex digits>"}}`);
    }
    if (typeof keys !== "object" || keys === null || Array.isArray(keys)) throw new KeyringError(`${source}: 'keys' must be an object of node id -> key`);
    const ring = new Keyring();
    for (const [id, hex] of Object.entries(keys)) {
      const node = Number(id);
      if (!/^\d+$/.test(id) || node < 1 || node > 4294967294) throw new KeyringError(`${source}: '${id}' is not a node id (1 .. 4294967294)`);
      if (typeof hex !== "string" || !/^[0-9a-fA-F]{32}$/.test(hex)) throw new KeyringError(`${source}: key of node ${id} must be 32 hex digits`);
      ring.set(node, Uint8Array.from(hex.match(/../g)!.map((b) => parseInt(b, 16))));
    }
    return ring;
  }
}

/** Test keys for every node, derived on demand (for the twin and for `decode` without --keys). */
export class TestKeys implements KeyLookup {
  private readonly cache = new Map<number, AesCmac>();

  cmacFor(node: number): AesCmac | undefined {
    let engine = this.cache.get(node);
    if (!engine) {
      engine = new AesCmac(testKey(node));
      this.cache.set(node, engine);
    }
    return engine;
  }
}
