// A navigator.serial without hardware: its one port is a twin's console, reached over the
// WebSocket /twin of `activemeter console --web --twin SCENARIO` (docs/browser-console.md).
// Loaded by that server into the page, and by the browser test through page.addInitScript.
// A classic script: it must be in place before the page's own scripts run.
(() => {
  const url = globalThis.ACTIVEMETER_TWIN_WS || `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/twin`;
  /** What the page asked of the port (the test checks the baud rate). */
  const record = (globalThis.__activemeterSerial = { opened: [], written: 0, received: 0 });

  class TwinSerialPort extends EventTarget {
    constructor() {
      super();
      this.readable = null;
      this.writable = null;
      this.socket = undefined;
    }

    getInfo() { return { usbVendorId: 0x303a, usbProductId: 0x1001 }; } // Espressif USB serial

    async open(options) {
      if (this.socket) throw new DOMException("The port is already open.", "InvalidStateError");
      if (!options || !Number.isInteger(options.baudRate) || options.baudRate <= 0) throw new TypeError("open() needs a baudRate");
      record.opened.push({ ...options });
      const socket = new WebSocket(url);
      socket.binaryType = "arraybuffer";
      await new Promise((resolve, reject) => {
        socket.onopen = resolve;
        socket.onerror = () => reject(new DOMException(`the twin's console (${url}) did not answer`, "NetworkError"));
      });
      this.socket = socket;
      this.readable = new ReadableStream({
        start(controller) {
          socket.onmessage = (e) => { record.received += e.data.byteLength; controller.enqueue(new Uint8Array(e.data)); };
          socket.onclose = () => { try { controller.close(); } catch { /* already closed */ } };
        },
        cancel() { /* the page stopped reading */ },
      });
      this.writable = new WritableStream({
        write(chunk) {
          const bytes = chunk instanceof ArrayBuffer ? new Uint8Array(chunk) : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
          record.written += bytes.length;
          if (socket.readyState === WebSocket.OPEN) socket.send(bytes.slice());
        },
      });
    }

    async close() {
      this.socket?.close();
      this.socket = undefined;
      this.readable = null;
      this.writable = null;
    }

    async setSignals() {}
    async getSignals() { return { dataCarrierDetect: false, clearToSend: true, ringIndicator: false, dataSetReady: true }; }
  }

  const port = new TwinSerialPort();
  const serial = new EventTarget();
  serial.requestPort = async () => port;
  serial.getPorts = async () => [port];
  Object.defineProperty(navigator, "serial", { value: serial, configurable: true });
})();
