// `activemeter decode HEX…`: decode frames to JSON, one object per line.
import fs from "node:fs";
import { parseArgs } from "node:util";
import { hexToBytes, FrameError } from "../frame/codec.js";
import { Keyring, TestKeys, KeyringError } from "../frame/keyring.js";
import type { KeyLookup } from "../frame/keyring.js";
import { UsageError } from "./errors.js";
import { decodeForCli } from "../oms/input.js";

export const DECODE_HELP = `usage: activemeter decode [--keys FILE] [--require-auth] [HEX ...]

Decodes activemeter frames (docs/frames.md) given as hex, one JSON object per frame on stdout.
OMS telegrams (frame.profile oms|both) are read with or without their link-layer CRC blocks;
their JSON adds "telegram": {"with_crc": …, "without_crc": …}, both forms of the same telegram.
With no HEX arguments, reads one frame per line from standard input (blank lines and lines
starting with # are skipped). A corrupted, forged, truncated or unknown frame is reported on
stderr with the reason, and the exit status is 1 if any frame was rejected.

  --keys FILE      keyring {"keys": {"<node id>": "<32 hex digits>"}} to verify AES-CMAC frames;
                   without it the documented per-node test keys are used (docs/frames.md)
  --require-auth   refuse frames that carry only a CRC (suite 0)`;

export function loadKeys(file: string | undefined): KeyLookup {
  if (file === undefined) return new TestKeys();
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new UsageError(`cannot read keyring ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return Keyring.parse(text, file);
  } catch (e) {
    if (e instanceof KeyringError) throw new UsageError(e.message);
    throw e;
  }
}

export function decodeCommand(argv: string[]): number {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { keys: { type: "string" }, "require-auth": { type: "boolean" }, help: { type: "boolean", short: "h" } },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    console.log(DECODE_HELP);
    return 0;
  }
  const keys = loadKeys(values.keys);
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
      const frame = decodeForCli(hexToBytes(hex), { keys, requireAuthentication: values["require-auth"] }); // native or OMS
      process.stdout.write(JSON.stringify(frame) + "\n");
    } catch (e) {
      if (!(e instanceof FrameError)) throw e;
      rejected++;
      process.stderr.write(`frame ${i + 1}: rejected: ${e.message}\n`);
    }
  });
  return rejected > 0 ? 1 : 0;
}
