// `activemeter decode HEX…`: decode frames to JSON, one object per line. Encrypted frames
// (suite 2) of nodes without a key show their header only, never values.
import fs from "node:fs";
import { parseArgs } from "node:util";
import { decodeFrameHeader, hexToBytes, FrameError } from "../frame/codec.js";
import { Keyring, TestKeys, KeyringWithTestKeys, KeyringError, NO_KEYS } from "../frame/keyring.js";
import type { KeyLookup } from "../frame/keyring.js";
import { UsageError } from "./errors.js";
import { decodeForCli } from "../oms/input.js";
import { isOmsTelegram } from "../oms/link.js";
import { decodeDownlink, DownlinkError, isDownlink } from "../frame/downlink.js";

export const DECODE_HELP = `usage: activemeter decode [--keys FILE] [--test-keys] [--require-auth] [HEX ...]

Decodes activemeter frames (docs/frames.md) given as hex, one JSON object per frame on stdout.
OMS telegrams (frame.profile oms|both) are read with or without their link-layer CRC blocks;
their JSON adds "telegram": {"with_crc": …, "without_crc": …}, both forms of the same telegram.
With no HEX arguments, reads one frame per line from standard input (blank lines and lines
starting with # are skipped). A corrupted, forged, truncated or unknown frame is reported on
stderr with the reason, and the exit status is 1 if any frame was rejected. Downlink commands
(docs/frames.md "Downlink": 01 82 …) are verified with the node's downlink key and shown as
{"downlink": {…}}.

  --keys FILE      keyring to verify and decrypt frames (docs/gateway.md "Keyring"):
                   {"keys": {"<node id>": {"<key version>": "<32 hex digits>"}}}
  --test-keys      also use the documented public test keys (the twin's frames; docs/frames.md)
                   for nodes that are not in the keyring
  --require-auth   refuse frames that carry only a CRC (suite 0)

Without a key for its node, an encrypted frame (suite 2) is shown as its unverified header
(node, key version, counter) with "encrypted": true and "verified": false, never its values.`;

/** The keys of --keys FILE and --test-keys; none at all when neither is given. */
export function loadKeys(file: string | undefined, testKeys = false): KeyLookup {
  if (file === undefined) return testKeys ? new TestKeys() : NO_KEYS;
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new UsageError(`cannot read keyring ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let ring: Keyring;
  try {
    ring = Keyring.parse(text, file);
  } catch (e) {
    if (e instanceof KeyringError) throw new UsageError(e.message);
    throw e;
  }
  return testKeys ? new KeyringWithTestKeys(ring) : ring;
}

export function decodeCommand(argv: string[]): number {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      keys: { type: "string" }, "test-keys": { type: "boolean" }, "require-auth": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    console.log(DECODE_HELP);
    return 0;
  }
  const keys = loadKeys(values.keys, values["test-keys"]);
  const inputs = positionals.length > 0
    ? positionals
    : fs.readFileSync(0, "utf8").split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("#"));
  if (inputs.length === 0) {
    process.stderr.write("no frames given (try activemeter decode --help)\n");
    return 2;
  }
  let rejected = 0;
  inputs.forEach((hex, i) => {
    try {
      const bytes = hexToBytes(hex);
      if (isDownlink(bytes)) {
        try {
          process.stdout.write(JSON.stringify({ downlink: decodeDownlink(bytes, keys) }) + "\n");
        } catch (e) {
          if (!(e instanceof DownlinkError)) throw e;
          rejected++;
          process.stderr.write(`frame ${i + 1}: rejected downlink (${e.reason}): ${e.message}\n`);
        }
        return;
      }
      const header = isOmsTelegram(bytes) ? undefined : decodeFrameHeader(bytes);
      if (header?.encrypted && !keys.hasKey(header.node)) {
        process.stdout.write(JSON.stringify({ ...header, verified: false }) + "\n");
        process.stderr.write(`frame ${i + 1}: no key for node ${header.node}: header only (not verified; the values are encrypted)\n`);
        return;
      }
      const frame = decodeForCli(bytes, { keys, requireAuthentication: values["require-auth"] }); // native or OMS
      process.stdout.write(JSON.stringify(frame) + "\n");
    } catch (e) {
      if (!(e instanceof FrameError)) throw e;
      rejected++;
      process.stderr.write(`frame ${i + 1}: rejected: ${e.message}\n`);
    }
  });
  return rejected > 0 ? 1 : 0;
}
