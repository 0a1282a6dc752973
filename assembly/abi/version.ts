/** Board ABI version: bump on any change of an import, export, buffer layout or descriptor. */
export const ABI_VERSION: u32 = 1;
/** Firmware version, shown by the console's `id` command. */
export const FIRMWARE_VERSION: string = "0.1.0";

// Status codes returned by firmware exports (negative = refused, nothing changed).
export const OK: i32 = 0;
export const ERR_NOT_STARTED: i32 = -1;
export const ERR_BAD_DESCRIPTOR: i32 = -2;
export const ERR_ABI_MISMATCH: i32 = -3;
export const ERR_UNSUPPORTED: i32 = -4;
export const ERR_CAPACITY: i32 = -5;
