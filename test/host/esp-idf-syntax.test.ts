// The ESP-IDF shell (boards/esp-idf/, never compiled with ESP-IDF here) checked by
// `gcc -fsyntax-only -Wall -Wextra -Werror` against the stub headers of boards/esp-idf/stub-include
// (ESP-IDF's documented API) with an sdkconfig.h made from the project's sdkconfig.defaults files:
// the C3 board compiles; what the shell must refuse at build time is refused with its message
// (the ESP32's continuous ADC cannot run 3 x 4 kHz; an ADC rate the board file does not state;
// IDF logs on the installer's UART).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { projectRoot } from "./support/asc-compile.js";

const idf = path.join(projectRoot, "boards", "esp-idf");
const generated = path.join(projectRoot, "build", "native");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "activemeter-idf-"));

let built = false;
function buildNative(): void {
  if (built) return;
  const r = spawnSync("sh", [path.join(projectRoot, "boards/native/build.sh")], { cwd: projectRoot, encoding: "utf8" });
  if (r.status === 127) assert.fail(`build:native needs its tools: ${r.stderr}`);
  assert.equal(r.status, 0, r.stderr);
  built = true;
}

/** sdkconfig.h as ESP-IDF's Kconfig would generate it from these `CONFIG_…=…` lines (the subset the shell reads). */
function sdkconfigHeader(lines: string[]): string {
  const values = new Map<string, string>();
  for (const line of lines) {
    const m = /^(CONFIG_\w+)=(.*)$/.exec(line.trim());
    if (m) values.set(m[1], m[2] === "y" ? "1" : m[2]);
  }
  const target = JSON.parse(values.get("CONFIG_IDF_TARGET") ?? '""') as string;
  assert.ok(target, "CONFIG_IDF_TARGET set by the board's generated sdkconfig");
  values.set(`CONFIG_IDF_TARGET_${target.toUpperCase()}`, "1");
  // The console choice: UART0 (CONFIG_ESP_CONSOLE_UART_DEFAULT) unless the defaults pick another.
  if (!values.has("CONFIG_ESP_CONSOLE_USB_SERIAL_JTAG") && !values.has("CONFIG_ESP_CONSOLE_NONE")) {
    values.set("CONFIG_ESP_CONSOLE_UART", "1");
    if (!values.has("CONFIG_ESP_CONSOLE_UART_CUSTOM")) values.set("CONFIG_ESP_CONSOLE_UART_NUM", "0");
  }
  return [...values].map(([k, v]) => `#define ${k} ${v}`).join("\n") + "\n";
}

/** Syntax-check main/*.c for a board; extra sdkconfig lines and a header edit simulate other setups. */
function check(board: string, opts: { sdkconfig?: string[]; dropDefaultsOf?: string; header?: (h: string) => string } = {}) {
  buildNative();
  const chipDefaults = (chip: string) => {
    const f = path.join(idf, `sdkconfig.defaults.${chip}`);
    return chip !== opts.dropDefaultsOf && fs.existsSync(f) ? fs.readFileSync(f, "utf8").split("\n") : [];
  };
  const boardConfig = fs.readFileSync(path.join(generated, "boards", `${board}.sdkconfig`), "utf8").split("\n");
  const target = JSON.parse(/CONFIG_IDF_TARGET=(".*")/.exec(boardConfig.join("\n"))![1]) as string;
  const caseDir = fs.mkdtempSync(path.join(dir, `${board}-`));
  fs.mkdirSync(path.join(caseDir, "boards"));
  fs.writeFileSync(path.join(caseDir, "sdkconfig.h"), sdkconfigHeader([
    ...fs.readFileSync(path.join(idf, "sdkconfig.defaults"), "utf8").split("\n"), ...boardConfig, ...chipDefaults(target), ...(opts.sdkconfig ?? []),
  ]));
  const header = fs.readFileSync(path.join(generated, "boards", `${board}.h`), "utf8");
  fs.writeFileSync(path.join(caseDir, "boards", `${board}.h`), opts.header ? opts.header(header) : header);
  const sources = fs.readdirSync(path.join(idf, "main")).filter((f) => f.endsWith(".c")).map((f) => path.join(idf, "main", f));
  const r = spawnSync(process.env.CC ?? "gcc", ["-fsyntax-only", "-std=gnu11", "-Wall", "-Wextra", "-Werror",
    "-I", caseDir, "-I", path.join(idf, "stub-include"), "-I", path.join(idf, "main"), "-I", path.join(projectRoot, "boards/native"),
    "-I", generated, `-DACTIVEMETER_BOARD_HEADER="boards/${board}.h"`, ...sources], { encoding: "utf8" });
  if (r.error) assert.fail(`gcc is not available (apt-get install gcc): ${r.error.message}`);
  return r;
}

const boardFile = (name: string) => JSON.parse(fs.readFileSync(path.join(projectRoot, "boards", `${name}.json`), "utf8"));

test("ESP-IDF shell: esp32c3-mini passes gcc -fsyntax-only against the stub headers, or is refused for its ADC rate", () => {
  const r = check("esp32c3-mini");
  if (boardFile("esp32c3-mini").adc.frame_rate_hz !== undefined) {
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, "");
  } else {
    // Without the real rate in the board file the chip's 4006.41 frames/s would meter 0.16 % wrong.
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /set adc\.frame_rate_hz in the board file/);
  }
});

test("ESP-IDF shell: a board file claiming the nominal 4000 frames/s on the C3 is refused (the divider gives 4006.41)", () => {
  const r = check("esp32c3-mini", { header: (h) => h.replace(/#define ACTIVEMETER_ADC_FRAME_RATE_MHZ \d+ull/, "#define ACTIVEMETER_ADC_FRAME_RATE_MHZ 4000000ull") });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /set adc\.frame_rate_hz in the board file/);
  // And the real rate is accepted (within the board file's rounding).
  const ok = check("esp32c3-mini", { header: (h) => h.replace(/#define ACTIVEMETER_ADC_FRAME_RATE_MHZ \d+ull/, "#define ACTIVEMETER_ADC_FRAME_RATE_MHZ 4006410ull") });
  assert.equal(ok.status, 0, ok.stderr);
});

test("ESP-IDF shell: esp32-devkitc is refused at build time (continuous ADC needs >= 20 000 conversions/s)", () => {
  const r = check("esp32-devkitc");
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /ADC continuous mode needs at least SOC_ADC_SAMPLE_FREQ_THRES_LOW conversions\/s/);
});

test("ESP-IDF shell: IDF logs on the installer console UART are refused", () => {
  const r = check("esp32c3-mini", {
    dropDefaultsOf: "esp32c3",
    header: (h) => h.replace(/#define ACTIVEMETER_ADC_FRAME_RATE_MHZ \d+ull/, "#define ACTIVEMETER_ADC_FRAME_RATE_MHZ 4006410ull"),
  });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /ESP-IDF's console \(logs\) is on the installer console UART/);
});

test("ESP-IDF project: the store partition is sized from the board file", () => {
  buildNative();
  for (const name of ["esp32c3-mini", "esp32-devkitc"]) {
    const flash = boardFile(name).flash;
    const csv = fs.readFileSync(path.join(generated, "boards", `${name}.partitions.csv`), "utf8");
    const row = csv.split("\n").find((l) => l.startsWith("amstore"));
    assert.ok(row, `${name}: amstore partition`);
    assert.equal(Number(row!.split(",")[4].trim()), flash.sectors * flash.sector_bytes, `${name}: amstore size`);
    const config = fs.readFileSync(path.join(generated, "boards", `${name}.sdkconfig`), "utf8");
    assert.match(config, new RegExp(`CONFIG_PARTITION_TABLE_CUSTOM_FILENAME=".*${name}\\.partitions\\.csv"`));
  }
});
