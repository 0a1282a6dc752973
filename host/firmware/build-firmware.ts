// `npm run build:firmware`: the release module build/firmware.wasm (asconfig.json, target
// release), with the console's text packed as ASCII bytes (host/firmware/console-text.ts).
import fs from "node:fs";
import path from "node:path";
import asc from "assemblyscript/asc";
import { packageRoot } from "../paths.js";
import { ConsoleTextTable, consoleTexts } from "./console-text.js";

const consoleDir = path.join(packageRoot, "assembly", "console");
const textModule = path.join(consoleDir, "text.ts");

function consoleSources(): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of fs.readdirSync(consoleDir).sort()) {
    const file = path.join(consoleDir, name);
    if (!name.endsWith(".ts") || file === textModule || name === "out.ts") continue;
    out.set(file, fs.readFileSync(file, "utf8"));
  }
  return out;
}

/** Every console source rewritten up front, so the table is complete before text.ts is read. */
function rewriteConsole(sources: Map<string, string>, table: ConsoleTextTable): Map<string, string> {
  const out = new Map<string, string>();
  for (const [file, source] of sources) out.set(file, table.rewrite(source, path.relative(packageRoot, file)));
  return out;
}

export async function buildFirmware(): Promise<number> {
  const sources = consoleSources();
  // The compressor is trained on all texts first; the rewrite then stores each compressed.
  const table = new ConsoleTextTable([...sources.values()].flatMap(consoleTexts));
  const rewritten = rewriteConsole(sources, table);
  const { error, stderr } = await asc.main(["assembly/index.ts", "--target", "release",
    // Each transform wraps the module's emitBinary, the last one outermost: the extra inlining
    // round runs first, then the data segments are merged, then the binary is written.
    "--transform", "./host/firmware/merge-data-segments.mjs", "--transform", "./host/firmware/inline-single-callers.mjs"], {
    readFile(filename: string, baseDir: string) {
      const file = path.resolve(packageRoot, baseDir, filename);
      if (file === textModule) return table.module();
      const source = rewritten.get(file);
      if (source !== undefined) return source;
      return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : null;
    },
  });
  if (error) {
    process.stderr.write(stderr.toString());
    process.stderr.write(`build-firmware: ${error.message}\n`);
    return 1;
  }
  const bytes = fs.statSync(path.join(packageRoot, "build", "firmware.wasm")).size;
  process.stdout.write(`build/firmware.wasm: ${bytes} bytes (console text: ${table.size} bytes + ${table.pairBytes} of byte pairs + ${table.indexBytes} of index)\n`);
  return 0;
}

process.exitCode = await buildFirmware();
