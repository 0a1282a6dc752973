// A pseudo-terminal pair for `activemeter sim --serial-pty`: Debian's socat makes two linked
// ptys; the twin's UART holds one end, a terminal program (picocom, tio, activemeter console)
// opens the other as it would a board's USB serial port.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { UsageError } from "./errors.js";

export interface PtyPair { boardPath: string; terminalPath: string; close(): void }

export async function openPtyPair(): Promise<PtyPair> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "activemeter-pty-"));
  const boardPath = path.join(dir, "board");
  const terminalPath = path.join(dir, "ttyAM0");
  // ignoreeof on the terminal's end: a terminal program that exits does not end the link.
  const child: ChildProcess = spawn("socat", [`pty,raw,echo=0,link=${boardPath}`, `pty,raw,echo=0,ignoreeof,link=${terminalPath}`], { stdio: "ignore" });
  const failed = new Promise<Error>((resolve) => child.on("error", resolve));
  const deadline = Date.now() + 5000;
  while (!(fs.existsSync(boardPath) && fs.existsSync(terminalPath))) {
    const e = await Promise.race([failed, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 50))]);
    if (e) {
      const missing = (e as NodeJS.ErrnoException).code === "ENOENT";
      throw new UsageError(missing ? "--serial-pty needs socat (Debian package socat: apt-get install socat)" : `socat failed: ${e.message}`);
    }
    if (child.exitCode !== null || Date.now() > deadline) throw new UsageError("socat made no pty pair (is /dev/pts available?)");
  }
  return {
    boardPath,
    terminalPath,
    close: () => {
      child.kill();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
