// The page's transport to the meter's serial console, and its implementation on the
// @espruino-tools/uart connection (Web Serial at 115200 baud, Web Bluetooth through the Nordic
// UART service). The meter is no Espruino REPL: only the package's connection, its write and its
// receive paths are used; nothing of its eval/REPL layer.
//
// A transport is any object with these members, so another one can replace this
// (a direct navigator.serial one, a WebSocket one, a test double):
//
//   name: string                       what the page shows ("Web Serial", …)
//   connect(): Promise<void>           asks the user for a device; resolves once it is open
//   write(text: string): Promise<void> bytes to the meter (text is ASCII)
//   onData(cb: (text) => void)         bytes from the meter, as they come (latin1 text)
//   onClose(cb: () => void)            the device went away or close() was called
//   close(): Promise<void>

export class EspruinoUartTransport {
  /** @param {any} uart the package's UART object (global ESPT_uart.uart of its browser bundle) */
  constructor(uart = globalThis.ESPT_uart?.uart) {
    this.uart = uart;
    this.name = "Web Serial / Web Bluetooth (@espruino-tools/uart)";
    this.connection = undefined;
    this.dataListeners = [];
    this.closeListeners = [];
  }

  /**
   * Opens the package's chooser (Web Bluetooth or Web Serial), then the browser's device picker.
   * Resolves when the connection is open; rejects when the chooser is closed. (When the browser's
   * own picker is cancelled the package reports nothing: the promise then stays pending, and the
   * page lets the user press Connect again.)
   */
  connect() {
    if (!this.uart) return Promise.reject(new Error("the @espruino-tools/uart bundle did not load (vendor/espruino-uart.js)"));
    return new Promise((resolve, reject) => {
      const connection = this.uart.connect((open) => {
        if (!open) { reject(new Error("no device chosen")); return; }
        this.connection = open;
        resolve();
      });
      // The package's connection object: one handler per event, set before any data arrives.
      connection.on("data", (text) => { for (const cb of this.dataListeners) cb(text); });
      connection.on("close", () => {
        this.connection = undefined;
        for (const cb of this.closeListeners) cb();
      });
    });
  }

  write(text) {
    const connection = this.connection;
    if (!connection || !connection.isOpen) return Promise.reject(new Error("not connected"));
    return new Promise((resolve) => connection.write(text, () => resolve()));
  }

  onData(cb) { this.dataListeners.push(cb); }

  onClose(cb) { this.closeListeners.push(cb); }

  close() {
    if (this.connection) this.connection.close();
    else this.uart?.close();
    return Promise.resolve();
  }
}
