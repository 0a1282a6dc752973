// The console's text as bytes (docs/console.md, "Text as bytes"): AssemblyScript keeps string
// literals as UTF-16 with a header each, twice their ASCII size, and the console's ~300
// messages were a third of the module. For the release build, every `out("...")` and
// `outLine("...")` in assembly/console/ is rewritten to `outText(N)` / `outLineText(N)`, and every
// `T("...")` (a Text value, assembly/console/out.ts) to N itself, where N is the text's number
// in one ASCII table that assembly/console/text.ts then holds, with a u16 index of where each
// text starts (text N ends where N + 1 starts). A small number is a 1- or 2-byte constant at each
// of the ~600 places that name a text (an offset << 12 | length took 4, and on rv32 a lui + addi
// pair where a number below 2048 is one instruction): the index's 2 bytes a text pay for that.
// The sources stay readable; a build without this step (as-pect, harnesses) runs the literals.
// Non-ASCII text is refused here, so the console cannot send a byte above 0x7e by accident.
// The bytes are then compressed by byte-pair encoding (issue 18: 11.5 KB of text was a sixth of
// the module): trained on every text of the build, each byte the text cannot hold (0x7f..0xff and
// the control bytes other than NUL, BS, LF, CR) stands for a pair of bytes, which may be pairs
// again; out.ts expands them as it writes. The pair table holds 2 bytes per token at index
// `pairIndex(token)`: the control bytes at their own value, 0x7f..0xff from 32 on.
// Each text stays a separately addressable slice of the compressed bytes.

const CALL = /\b(out|outLine|T)\("((?:[^"\\]|\\.)*)"\)/g;
/** The index holds u16 offsets: the table's bytes must stay below 64 KiB. */
const MAX_TABLE_BYTES = 0xffff;
/** Control bytes the text itself may hold (never tokens): NUL, BS, LF, CR (bit n = byte n). */
const LITERAL_CONTROLS = 1 << 0 | 1 << 8 | 1 << 10 | 1 << 13;
/** Token bytes in the order pairs are given them: 0x80..0xff, 0x7f, then the free control bytes. */
export const PAIR_TOKENS: number[] = [];
for (let b = 0x80; b <= 0xff; b++) PAIR_TOKENS.push(b);
PAIR_TOKENS.push(0x7f);
for (let b = 1; b < 0x20; b++) if (((LITERAL_CONTROLS >> b) & 1) === 0) PAIR_TOKENS.push(b);
/** Where a token's pair sits in the table (assembly/console/out.ts computes the same). */
export function pairIndex(token: number): number {
  return token < 0x20 ? token : token - 0x5f;
}
/** A pair must replace at least this many bytes to pay for its 2 table bytes. */
const MIN_PAIR_USES = 3;

/**
 * Two or more literal out/outLine statements in a row (only white space between, the first one
 * starting a statement: after `;`, `{` or `}`, so never the body of an `if`/`else`).
 */
const RUN = /(?<=[;{}]\s*)(?:\b(?:out|outLine)\("(?:[^"\\]|\\.)*"\);[ \t]*\n?\s*){2,}/g;

/**
 * Such a run as one call: outLine(s) writes s then CR LF, so the run's texts joined (CR LF after
 * each outLine but the last) go out as one text, by outLine when the run ends in one. Every call
 * and its packed reference costs ~8 bytes of code; the console writes the same bytes.
 */
export function joinRuns(source: string): string {
  return source.replace(RUN, (run: string) => {
    const calls = [...run.matchAll(CALL)];
    let text = "";
    calls.forEach((m, k) => {
      text += decodeLiteral(m[2]);
      if (m[1] === "outLine" && k < calls.length - 1) text += "\r\n";
    });
    const last = calls[calls.length - 1][1];
    const trailing = /\s*$/.exec(run)![0];
    return `${last}(${JSON.stringify(text)});${trailing}`;
  });
}

/** Every text literal the rewrite would table in `source` (to train the compressor first). */
export function consoleTexts(source: string): string[] {
  return [...joinRuns(source).matchAll(CALL)].map((m) => decodeLiteral(m[2]));
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
  while (pairs.length < PAIR_TOKENS.length) {
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
    const token = PAIR_TOKENS[pairs.length];
    pairs.push([best >> 8, best & 0xff]);
    corpus = corpus.map((t) => replacePair(t, best >> 8, best & 0xff, token));
  }
  return pairs;
}

export class ConsoleTextTable {
  private readonly bytes: number[] = [];
  /** Text number by text; text n's bytes start at starts[n]. */
  private readonly numbers = new Map<string, number>();
  private readonly starts: number[] = [];
  private readonly pairs: number[][];

  /** `corpus`: the texts to train the byte-pair table on (none: the text is stored as it is). */
  constructor(corpus: string[] = []) {
    this.pairs = trainPairs(corpus);
  }

  /** `text` as stored: its bytes with the table's pairs applied in the order they were learnt. */
  compress(text: string): number[] {
    let symbols = [...text].map((c) => c.charCodeAt(0));
    this.pairs.forEach(([a, b], k) => { symbols = replacePair(symbols, a, b, PAIR_TOKENS[k]); });
    return symbols;
  }

  /** The number of `text` (added once; identical texts share their number and bytes). */
  ref(text: string, where: string): number {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c > 0x7e || (c < 0x20 && c !== 0x0d && c !== 0x0a && c !== 0x08)) {
        throw new Error(`${where}: console text must be printable ASCII, not U+${c.toString(16).padStart(4, "0")} in ${JSON.stringify(text)}`);
      }
    }
    let n = this.numbers.get(text);
    if (n === undefined) {
      const stored = this.compress(text);
      if (this.bytes.length + stored.length > MAX_TABLE_BYTES) throw new Error(`${where}: the console's text table would exceed ${MAX_TABLE_BYTES} bytes`);
      n = this.starts.length;
      this.starts.push(this.bytes.length);
      this.bytes.push(...stored);
      this.numbers.set(text, n);
    }
    return n;
  }

  /** A console source with its literal out/outLine calls replaced by table references. */
  rewrite(source: string, where: string): string {
    let n = 0;
    const body = joinRuns(source).replace(CALL, (_m, fn: string, literal: string) => {
      n++;
      const text = decodeLiteral(literal);
      const ref = this.ref(text, where);
      return fn === "T" ? `<u32>${ref}` : `${fn === "out" ? "__outText" : "__outLineText"}(${ref})`;
    });
    return n === 0 ? source : `import { outText as __outText, outLineText as __outLineText } from "./out";\n${body}`;
  }

  /** Bytes of the table (compressed text), without the pair table and the index. */
  get size(): number {
    return this.bytes.length;
  }

  /** The pair table as out.ts reads it: 2 bytes at 2 * pairIndex(token), unused slots 0. */
  pairTable(): number[] {
    const table: number[] = [];
    this.pairs.forEach((pair, k) => {
      const at = 2 * pairIndex(PAIR_TOKENS[k]);
      while (table.length < at + 2) table.push(0);
      table[at] = pair[0];
      table[at + 1] = pair[1];
    });
    return table;
  }

  /** Bytes of the index (2 per text and 2 for the end). */
  get indexBytes(): number {
    return 2 * (this.starts.length + 1);
  }

  /** Bytes of the pair table. */
  get pairBytes(): number {
    return this.pairTable().length;
  }

  /** assembly/console/text.ts with the table. */
  module(): string {
    return `// Generated by host/firmware/console-text.ts for the release build: the console's text, ASCII.\n` +
      `export const CONSOLE_TEXT: usize = memory.data<u8>([${this.bytes.join(",")}]);\n` +
      `export const CONSOLE_PAIRS: usize = memory.data<u8>([${this.pairTable().join(",") || "0,0"}]);\n` +
      `export const CONSOLE_INDEX: usize = memory.data<u16>([${[...this.starts, this.bytes.length].join(",")}]);\n`;
  }
}
