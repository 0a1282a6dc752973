// The console's text as bytes (docs/console.md, "Text as bytes"): AssemblyScript keeps string
// literals as UTF-16 with a header each, twice their ASCII size, and the console's ~300
// messages were a third of the module. For the release build, every `out("...")` and
// `outLine("...")` in assembly/console/ is rewritten to `outText(N)` / `outLineText(N)`, and every
// `T("...")` (a Text value, assembly/console/out.ts) to N itself, where
// N = offset << 12 | length in one packed ASCII table that assembly/console/text.ts then holds.
// The sources stay readable; a build without this step (as-pect, harnesses) runs the literals.
// Non-ASCII text is refused here, so the console cannot send a byte above 0x7e by accident.
// The bytes are then compressed by byte-pair encoding (issue 18: 11.5 KB of text was a sixth of
// the module): trained on every text of the build, each byte 0x80 + k stands for pair k of a
// 2-byte-per-pair table, whose halves may be pairs again; out.ts expands them as it writes.
// Each text stays a separately addressable slice, so a reference is still offset and length
// (of the compressed bytes).

const CALL = /\b(out|outLine|T)\("((?:[^"\\]|\\.)*)"\)/g;
const LENGTH_BITS = 12;
/** Pair tokens are the bytes 0x80..0xff, which printable ASCII never uses. */
export const FIRST_PAIR = 0x80;
const MAX_PAIRS = 0x100 - FIRST_PAIR;
/** A pair must replace at least this many bytes to pay for its 2 table bytes. */
const MIN_PAIR_USES = 3;

/** Every text literal the rewrite would table in `source` (to train the compressor first). */
export function consoleTexts(source: string): string[] {
  return [...source.matchAll(CALL)].map((m) => decodeLiteral(m[2]));
}

function decodeLiteral(literal: string): string {
  return JSON.parse(`"${literal.replace(/\\x([0-9a-fA-F]{2})/g, "\\u00$1").replace(/\\'/g, "'")}"`) as string;
}

function replacePair(symbols: number[], a: number, b: number, token: number): number[] {
  const out: number[] = [];
  for (let j = 0; j < symbols.length; j++) {
    if (j + 1 < symbols.length && symbols[j] === a && symbols[j + 1] === b) { out.push(token); j++; } else out.push(symbols[j]);
  }
  return out;
}

/** Byte-pair table trained on `texts` (distinct texts, each counted once; pairs never span two). */
export function trainPairs(texts: string[]): number[][] {
  let corpus = [...new Set(texts)].map((t) => [...t].map((c) => c.charCodeAt(0)));
  const pairs: number[][] = [];
  while (pairs.length < MAX_PAIRS) {
    const counts = new Map<number, number>();
    let best = -1, bestCount = MIN_PAIR_USES - 1;
    for (const t of corpus) {
      for (let j = 0; j + 1 < t.length; j++) {
        const key = t[j] * 256 + t[j + 1];
        const n = (counts.get(key) ?? 0) + 1;
        counts.set(key, n);
        if (n > bestCount || (n === bestCount && key < best)) { best = key; bestCount = n; }
      }
    }
    if (best < 0) break;
    const token = FIRST_PAIR + pairs.length;
    pairs.push([best >> 8, best & 0xff]);
    corpus = corpus.map((t) => replacePair(t, best >> 8, best & 0xff, token));
  }
  return pairs;
}

export class ConsoleTextTable {
  private readonly bytes: number[] = [];
  private readonly offsets = new Map<string, number>();
  private readonly pairs: number[][];

  /** `corpus`: the texts to train the byte-pair table on (none: the text is stored as it is). */
  constructor(corpus: string[] = []) {
    this.pairs = trainPairs(corpus);
  }

  /** `text` as stored: its bytes with the table's pairs applied in the order they were learnt. */
  compress(text: string): number[] {
    let symbols = [...text].map((c) => c.charCodeAt(0));
    this.pairs.forEach(([a, b], k) => { symbols = replacePair(symbols, a, b, FIRST_PAIR + k); });
    return symbols;
  }

  /** The packed reference of `text` (added once; identical texts share their bytes). */
  ref(text: string, where: string): number {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c > 0x7e || (c < 0x20 && c !== 0x0d && c !== 0x0a && c !== 0x08)) {
        throw new Error(`${where}: console text must be printable ASCII, not U+${c.toString(16).padStart(4, "0")} in ${JSON.stringify(text)}`);
      }
    }
    const stored = this.compress(text);
    if (stored.length >= 1 << LENGTH_BITS) throw new Error(`${where}: console text of ${text.length} characters is too long`);
    let offset = this.offsets.get(text);
    if (offset === undefined) {
      offset = this.bytes.length;
      this.bytes.push(...stored);
      this.offsets.set(text, offset);
    }
    return offset * (1 << LENGTH_BITS) + stored.length;
  }

  /** A console source with its literal out/outLine calls replaced by table references. */
  rewrite(source: string, where: string): string {
    let n = 0;
    const body = source.replace(CALL, (_m, fn: string, literal: string) => {
      n++;
      const text = decodeLiteral(literal);
      const ref = this.ref(text, where);
      return fn === "T" ? `<u32>${ref}` : `${fn === "out" ? "__outText" : "__outLineText"}(${ref})`;
    });
    return n === 0 ? source : `import { outText as __outText, outLineText as __outLineText } from "./out";\n${body}`;
  }

  /** Bytes of the table (compressed text), without the pair table. */
  get size(): number {
    return this.bytes.length;
  }

  /** Bytes of the pair table. */
  get pairBytes(): number {
    return 2 * this.pairs.length;
  }

  /** assembly/console/text.ts with the table. */
  module(): string {
    return `// Generated by host/firmware/console-text.ts for the release build: the console's text, ASCII.\n` +
      `export const CONSOLE_TEXT: usize = memory.data<u8>([${this.bytes.join(",")}]);\n` +
      `export const CONSOLE_PAIRS: usize = memory.data<u8>([${this.pairs.flat().join(",") || "0,0"}]);\n`;
  }
}
