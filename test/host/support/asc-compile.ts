// Compiles an AssemblyScript harness (test/harness/*.ts) with the firmware's release
// options, so host tests can drive one firmware module directly against reference data
// (JSON vectors) that as-pect, running inside WebAssembly, cannot read.
import asc from "assemblyscript/asc";
import { fileURLToPath } from "node:url";
import path from "node:path";

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../../..");

export interface CompiledHarness {
  binary: Uint8Array;
  exports: Record<string, any>;
  memory: WebAssembly.Memory;
  boardOutput: { console: string; frames: Uint8Array[]; logs: string[] };
}

/** Compile `harnessFile` (relative to the project root) and instantiate it with a recording board. */
export async function compileHarness(harnessFile: string, nowUs: () => bigint = () => 0n, options: { pages?: number } = {}): Promise<CompiledHarness> {
  const pages = String(options.pages ?? 1);
  const outputs = new Map<string, Uint8Array | string>();
  const stderr: string[] = [];
  const { error } = await asc.main(
    [harnessFile, "assembly/abi/panic.ts", "--runtime", "stub", "-O3", "--shrinkLevel", "1",
      "--initialMemory", pages, "--maximumMemory", pages, "--outFile", "harness.wasm",
      "--use", "abort=assembly/abi/panic/abortToPanic", "--baseDir", projectRoot,
      // An empty config: the project's asconfig.json would add the whole firmware as an entry.
      "--config", "test/harness/asconfig.json"],
    {
      writeFile: (name: string, contents: Uint8Array | string) => { outputs.set(path.basename(name), contents); },
      stderr: { write: (s: string) => { stderr.push(String(s)); return true; } } as any,
      stdout: { write: () => true } as any,
    } as any,
  );
  if (error) throw new Error(`asc failed on ${harnessFile}: ${error.message}\n${stderr.join("")}`);
  const binary = outputs.get("harness.wasm");
  if (!(binary instanceof Uint8Array)) throw new Error(`asc produced no binary for ${harnessFile}`);
  const boardOutput = { console: "", frames: [] as Uint8Array[], logs: [] as string[] };
  let memory!: WebAssembly.Memory;
  const text = (ptr: number, len: number) => Buffer.from(new Uint8Array(memory.buffer, ptr, len)).toString("latin1");
  const board = {
    time_us: () => nowUs(),
    console_write: (ptr: number, len: number) => { boardOutput.console += text(ptr, len); },
    radio_send: (ptr: number, len: number) => { boardOutput.frames.push(new Uint8Array(memory.buffer, ptr, len).slice()); },
    log: (_level: number, ptr: number, len: number) => { boardOutput.logs.push(text(ptr, len)); },
    panic: (code: number, ptr: number, len: number) => { throw new Error(`firmware panic ${code}: ${text(ptr, len)}`); },
    // No flash here (a harness of the whole firmware runs in the twin instead: its `binary`).
    flash_read: () => -1, flash_program: () => -1, flash_erase: () => -1, random_fill: () => {},
  };
  const module = await WebAssembly.compile(binary as Uint8Array<ArrayBuffer>);
  const imports: WebAssembly.Imports = { board };
  const instance = await WebAssembly.instantiate(module, imports);
  memory = instance.exports.memory as WebAssembly.Memory;
  return { binary, exports: instance.exports as Record<string, any>, memory, boardOutput };
}
