// Which part of a console line is a secret (a PIN or a frame key), by its words, whatever the
// spacing, tabs or case: the host side's copy of the rule in the firmware's command table
// (assembly/console/table.ts, secretStart). The browser page masks its command field and the
// `activemeter console` client its echo and history with it; test/host/console-security.test.ts
// checks on generated spellings that it masks exactly what the firmware's echo masks.

/** Commands with a secret: the word that is secret, the word before it, and "strict" (see the table). */
export const SECRET_COMMANDS = [
  { name: "unlock", secretWord: 1, after: "", strict: false },
  { name: "set", secretWord: 2, after: "console.pin", strict: false },
  { name: "key", secretWord: 2, after: "set", strict: true },
];

const blank = (c) => c === " " || c === "\t";

function words(line) {
  const out = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && blank(line[i])) i++;
    if (i >= line.length) break;
    const start = i;
    while (i < line.length && !blank(line[i])) i++;
    out.push({ start, end: i, text: line.slice(start, i).toLowerCase() });
  }
  return out;
}

/** Index in `line` from which everything is secret (line.length: nothing is). */
export function secretStart(line) {
  const w = words(line);
  if (w.length === 0) return line.length;
  for (const c of SECRET_COMMANDS) {
    if (w[0].text !== c.name) {
      if (c.secretWord === 1 && w[0].text.length > c.name.length && w[0].text.startsWith(c.name)) return w[0].start + c.name.length;
      continue;
    }
    if (w.length < 2) return line.length;
    if (c.secretWord === 1) return w[1].start;
    if (w[1].text === c.after) return w.length > 2 ? w[2].start : line.length;
    if (w[1].text.length > c.after.length && w[1].text.startsWith(c.after)) return w[1].start + c.after.length;
    if (c.strict && !c.after.startsWith(w[1].text)) return w[1].start;
    return line.length;
  }
  return line.length;
}

/** The line as the meter echoes it: tabs as spaces, the secret as '*'. */
export function maskLine(line) {
  const from = secretStart(line);
  let out = "";
  for (let i = 0; i < line.length; i++) out += i >= from ? "*" : line[i] === "\t" ? " " : line[i];
  return out;
}

/** True when the line holds a secret (never kept in a history). */
export function hasSecret(line) {
  return secretStart(line) < line.length;
}
