// A twin's serial console on a WebSocket: what a page's (simulated) serial port would carry.
// Binary messages both ways: page -> bytes typed on the UART, server -> bytes the firmware wrote.
// The twin runs in real time (or `speed` times faster) while the server is up; one connection
// at a time, like one serial port; the twin keeps running between connections.
import type { WebSocket } from "ws";
import { Twin } from "../sim/twin.js";
import type { Scenario } from "../sim/scenario.js";
import type { FirmwareImage } from "../firmware/firmware.js";

export interface TwinBridgeOptions {
  /** Simulated seconds per real second (default 1: a calibration takes as long as on a bench). */
  speed?: number;
  image?: FirmwareImage;
}

export class TwinBridge {
  readonly twin: Twin;
  private readonly speed: number;
  private socket: WebSocket | undefined;
  /** How much of twin.consoleText has gone to the socket (or was dropped while nobody listened). */
  private sent = 0;
  private timer: NodeJS.Timeout | undefined;
  private startWallMs = 0;
  private startSimUs = 0;

  constructor(scenario: Scenario, options: TwinBridgeOptions = {}) {
    this.speed = options.speed ?? 1;
    if (!(this.speed > 0)) throw new Error(`--speed takes a positive number, not '${options.speed}'`);
    this.twin = new Twin(scenario, options.image);
  }

  /** Start the twin's clock. */
  start(): void {
    if (this.timer) return;
    this.startWallMs = performance.now();
    this.startSimUs = this.twin.clockUs;
    this.timer = setInterval(() => this.catchUp(), 5);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.socket?.close(1001, "twin stopped");
    this.socket = undefined;
  }

  /** Step the twin until simulated time has caught up with the wall clock. */
  private catchUp(): void {
    const targetUs = this.startSimUs + (performance.now() - this.startWallMs) * 1000 * this.speed;
    while (!this.twin.done && this.twin.clockUs < targetUs) this.twin.step();
    this.flush();
    if (this.twin.done) {
      this.stop();
    }
  }

  /** Send what the firmware wrote since the last flush. */
  private flush(): void {
    const text = this.twin.consoleText;
    if (text.length === this.sent) return;
    const chunk = text.slice(this.sent);
    this.sent = text.length;
    if (this.socket && this.socket.readyState === this.socket.OPEN) this.socket.send(Buffer.from(chunk, "latin1"));
  }

  /** A page's port opened: it gets the bytes written from now on. Refused while another is open. */
  attach(socket: WebSocket): boolean {
    if (this.socket && this.socket.readyState === this.socket.OPEN) return false;
    if (this.twin.done) return false;
    this.flush(); // what was written while nobody listened is gone, as on a real UART
    this.socket = socket;
    socket.on("message", (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
      const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      if (!isBinary && bytes.length === 0) return;
      this.twin.consoleInput(new Uint8Array(bytes));
      this.flush();
    });
    socket.on("close", () => {
      if (this.socket === socket) this.socket = undefined;
    });
    return true;
  }
}
