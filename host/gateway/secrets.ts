// Credentials stay out of sight: passwords come from a file or the environment (not the
// command line, which `ps` shows), and every line the gateway logs passes through scrub(), which
// masks the password of any URL in it.
import fs from "node:fs";

export const PASSWORD_ENV = "ACTIVEMETER_MQTT_PASSWORD";

export class SecretError extends Error {}

/** "mqtts://meter:s3cret@host:8883" -> "mqtts://meter:***@host:8883". */
export function redactUrl(url: string): string {
  return scrub(url);
}

/** Mask the password of every URL in a line of text. */
export function scrub(line: string): string {
  return line.replace(/([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*):[^\s@/]*@/gi, "$1:***@");
}

/** The password in a file: its first line, without the line end. */
export function readPasswordFile(file: string): string {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new SecretError(`cannot read password file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const password = text.split(/\r?\n/)[0];
  if (password === "") throw new SecretError(`password file ${file} is empty`);
  return password;
}

/** A PEM file's contents for TLS options, with a clear error naming the option. */
export function readPem(file: string, option: string): Buffer {
  try {
    const data = fs.readFileSync(file);
    if (!data.includes("-----BEGIN")) throw new Error("not a PEM file");
    return data;
  } catch (e) {
    throw new SecretError(`${option} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}
