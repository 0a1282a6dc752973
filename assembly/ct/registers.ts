// Import and export energy registers: whole µWh in i64 plus the remainder in fine units
// (2^-32 µWh), so nothing is lost between windows and nothing passes through floating point.
import {
  FINE_BITS, FINE_MASK, regImportMicroWh, regExportMicroWh, regImportFine, regExportFine, getI64, setI64,
} from "./state";

/** Adds one window's energy (fine units, signed: > 0 import, < 0 export) to channel `ch`. */
export function registerEnergy(ch: i32, energyFine: i64): void {
  if (energyFine >= 0) {
    const fine = getI64(regImportFine, ch) + energyFine;
    setI64(regImportMicroWh, ch, getI64(regImportMicroWh, ch) + (fine >> FINE_BITS));
    setI64(regImportFine, ch, fine & FINE_MASK);
  } else {
    const fine = getI64(regExportFine, ch) - energyFine;
    setI64(regExportMicroWh, ch, getI64(regExportMicroWh, ch) + (fine >> FINE_BITS));
    setI64(regExportFine, ch, fine & FINE_MASK);
  }
}

/** Persistence: put back registers saved earlier (remainders start from zero). */
export function restoreRegisters(ch: i32, importMicroWh: i64, exportMicroWh: i64): void {
  setI64(regImportMicroWh, ch, importMicroWh);
  setI64(regExportMicroWh, ch, exportMicroWh);
  setI64(regImportFine, ch, 0);
  setI64(regExportFine, ch, 0);
}
