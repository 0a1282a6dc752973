// as-pect: unit tests of the firmware modules in assembly/, compiled with AssemblyScript.
// Tests import firmware modules directly; the board imports are stubbed here so that
// console output and frames can be captured by the tests through `test/assembly/board-stub.ts`.
export default {
  entries: ["test/assembly/**/*.spec.ts"],
  include: ["test/assembly/**/*.include.ts"],
  disclude: [/node_modules/],
  async instantiate(memory, createImports, instantiate, binary) {
    let now = 0n;
    const board = {
      time_us: () => now,
      console_write: () => {},
      radio_send: () => {},
      log: () => {},
      panic: (code) => { throw new Error(`firmware panic ${code}`); },
      flash_sector_size: () => 4096,
      flash_sector_count: () => 0,
      flash_read: () => -1,
      flash_program: () => -1,
      flash_erase: () => -1,
      random_fill: () => {},
    };
    return instantiate(binary, createImports({ env: { memory }, board }));
  },
  outputBinary: false,
};
