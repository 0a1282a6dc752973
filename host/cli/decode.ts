// `activemeter decode HEX…`: decode frames to JSON, one object per line.
import fs from "node:fs";
import { decodeFrame, hexToBytes, FrameError } from "../frame/codec.js";

export const DECODE_HELP = `usage: activemeter decode [HEX ...]

Decodes activemeter frames (docs/frames.md) given as hex, one JSON object per frame on stdout.
With no HEX arguments, reads one frame per line from standard input (blank lines and lines
starting with # are skipped). A corrupted, truncated or unknown frame is reported on stderr
with the reason, and the exit status is 1 if any frame was rejected.`;

export function decodeCommand(argv: string[]): number {
  if (argv.includes("-h") || argv.includes("--help")) {
    console.log(DECODE_HELP);
    return 0;
  }
  const inputs = argv.length > 0
    ? argv
    : fs.readFileSync(0, "utf8").split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("#"));
  let rejected = 0;
  inputs.forEach((hex, i) => {
    try {
      const frame = decodeFrame(hexToBytes(hex));
      process.stdout.write(JSON.stringify(frame) + "\n");
    } catch (e) {
      if (!(e instanceof FrameError)) throw e;
      rejected++;
      process.stderr.write(`frame ${i + 1}: rejected: ${e.message}\n`);
    }
  });
  if (inputs.length === 0) {
    process.stderr.write("no frames given (try activemeter decode --help)\n");
    return 2;
  }
  return rejected > 0 ? 1 : 0;
}
