// A strict JSON parser (RFC 8259) that remembers the line of every value, so a keyring file
// with a mistake is refused with the line and the reason ("line 7: key of node 4097 version 2
// must be 32 hex digits"), and that refuses duplicate object keys, which JSON.parse silently
// resolves to the last one (a keyring listing a node twice is a mistake, not a choice).

export class JsonLineError extends Error {
  constructor(readonly line: number, readonly reason: string) {
    super(`line ${line}: ${reason}`);
  }
}

export type JsonValue =
  | { kind: "object"; line: number; entries: { key: string; keyLine: number; value: JsonValue }[] }
  | { kind: "array"; line: number; items: JsonValue[] }
  | { kind: "string"; line: number; value: string }
  | { kind: "number"; line: number; value: number; text: string }
  | { kind: "boolean"; line: number; value: boolean }
  | { kind: "null"; line: number };

export function parseJsonWithLines(text: string): JsonValue {
  let at = 0;
  let line = 1;
  const fail = (reason: string): never => { throw new JsonLineError(line, reason); };
  const skip = () => {
    while (at < text.length) {
      const c = text[at];
      if (c === "\n") line++;
      else if (c !== " " && c !== "\t" && c !== "\r") break;
      at++;
    }
  };
  const describe = () => (at >= text.length ? "end of file" : `'${text[at]}'`);
  const expect = (c: string) => {
    skip();
    if (text[at] !== c) fail(`expected '${c}', found ${describe()}`);
    at++;
  };
  const string = (): string => {
    if (text[at] !== '"') fail(`expected a string in double quotes, found ${describe()}`);
    at++;
    let out = "";
    for (;;) {
      if (at >= text.length) fail("string not closed before the end of the file");
      const c = text[at++];
      if (c === '"') return out;
      if (c === "\n" || c < " ") fail("control character or line break inside a string");
      if (c !== "\\") { out += c; continue; }
      const e = text[at++];
      const simple: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
      if (e in simple) out += simple[e];
      else if (e === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(at, at + 4))) { out += String.fromCharCode(parseInt(text.slice(at, at + 4), 16)); at += 4; }
      else fail(`bad escape '\\${e ?? ""}' in a string`);
    }
  };
  const value = (depth: number): JsonValue => {
    if (depth > 32) fail("nested too deeply");
    skip();
    const start = line;
    const c = text[at];
    if (c === "{") {
      at++;
      const entries: { key: string; keyLine: number; value: JsonValue }[] = [];
      const seen = new Set<string>();
      skip();
      if (text[at] === "}") { at++; return { kind: "object", line: start, entries }; }
      for (;;) {
        skip();
        const keyLine = line;
        const key = string();
        if (seen.has(key)) fail(`"${key}" appears twice in the same object`);
        seen.add(key);
        expect(":");
        entries.push({ key, keyLine, value: value(depth + 1) });
        skip();
        if (text[at] === ",") { at++; continue; }
        if (text[at] === "}") { at++; return { kind: "object", line: start, entries }; }
        fail(`expected ',' or '}' after the value of "${key}", found ${describe()}`);
      }
    }
    if (c === "[") {
      at++;
      const items: JsonValue[] = [];
      skip();
      if (text[at] === "]") { at++; return { kind: "array", line: start, items }; }
      for (;;) {
        items.push(value(depth + 1));
        skip();
        if (text[at] === ",") { at++; continue; }
        if (text[at] === "]") { at++; return { kind: "array", line: start, items }; }
        fail(`expected ',' or ']' in an array, found ${describe()}`);
      }
    }
    if (c === '"') return { kind: "string", line: start, value: string() };
    const number = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(at, at + 400));
    if (number) { at += number[0].length; return { kind: "number", line: start, value: Number(number[0]), text: number[0] }; }
    for (const [word, v] of [["true", true], ["false", false]] as const) {
      if (text.startsWith(word, at)) { at += word.length; return { kind: "boolean", line: start, value: v }; }
    }
    if (text.startsWith("null", at)) { at += 4; return { kind: "null", line: start }; }
    return fail(`expected a JSON value, found ${describe()}`);
  };
  if (text.charCodeAt(0) === 0xfeff) at = 1; // a byte-order mark some editors write
  const result = value(0);
  skip();
  if (at < text.length) fail(`unexpected ${describe()} after the end of the JSON value`);
  return result;
}
