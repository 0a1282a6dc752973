// Imports from the board (module "board"): the only way the firmware reaches hardware.
// Every function here is part of ABI version ABI_VERSION; see docs/board-abi.md.

/** Monotonic time since power-up, in microseconds. */
@external("board", "time_us")
export declare function boardTimeUs(): i64;

/** Bytes for the serial console (UART). */
@external("board", "console_write")
export declare function boardConsoleWrite(ptr: usize, len: u32): void;

/** One complete frame for the radio (or any datagram transport). */
@external("board", "radio_send")
export declare function boardRadioSend(ptr: usize, len: u32): void;

/** A log line (level 0 = info, 1 = warning, 2 = error). */
@external("board", "log")
export declare function boardLog(level: u32, ptr: usize, len: u32): void;

/** A fatal firmware error; the board records it and resets the chip. Never returns. */
@external("board", "panic")
export declare function boardPanic(code: u32, ptr: usize, len: u32): void;

/** Read `len` bytes of the storage partition at `offset` into memory; 0 or a negative error. */
@external("board", "flash_read")
export declare function boardFlashRead(offset: u32, ptr: usize, len: u32): i32;

/** NOR program: stored bits can only go from 1 to 0. 0 or a negative error. */
@external("board", "flash_program")
export declare function boardFlashProgram(offset: u32, ptr: usize, len: u32): i32;

/** Erase one sector of the storage partition to 0xFF. 0 or a negative error. */
@external("board", "flash_erase")
export declare function boardFlashErase(sector: u32): i32;
