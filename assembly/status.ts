// Status flags: conditions a gateway must know about, carried in every frame.
// Bit meanings are part of the frame format (docs/frames.md).
export const STATUS_INPUT_REJECTED: u32 = 1 << 0; // the board delivered invalid events since start-up
export const STATUS_VOLATILE: u32 = 1 << 1; // registers are not persisted (no store in this firmware)
export const STATUS_CONFIG_CHANGED: u32 = 1 << 2; // configuration changed since start-up
export const STATUS_SENSOR_FAULT: u32 = 1 << 3; // a temperature sensor reads an impossible value
export const STATUS_STORE_CORRUPT: u32 = 1 << 4; // flash contents were invalid at start-up
export const STATUS_UNAUTHENTICATED: u32 = 1 << 5; // no frame key loaded: frames carry a CRC only
export const STATUS_CT_FAULT: u32 = 1 << 6; // the board's ADC/CT parameters were refused: CT metering (or that clamp) is off
export const STATUS_OVER_RANGE: u32 = 1 << 7; // a CT or the voltage clipped at the ADC, or a clamp beyond its maximum (held 1 min)
export const STATUS_UNDER_VOLTAGE: u32 = 1 << 8; // mains below 80 % of nominal or absent (held 1 min)
export const STATUS_REVERSE_ENERGY: u32 = 1 << 9; // an import-only clamp registered export (held 1 min)
export const STATUS_ADC_GAP: u32 = 1 << 10; // the board reported lost ADC frames (fw_adc_gap) since start-up: that energy is not registered
export const STATUS_TIME_UNKNOWN: u32 = 1 << 11; // the board has not set the wall clock (fw_set_time_utc): no billing dates, history or peak demand
export const STATUS_INFO_CODE: u32 = 1 << 12; // an info code is active (billing register meter.info, docs/billing.md)
// 13 and 14 are the outputs' (assembly/outputs/drive.ts).
export const STATUS_OUTPUT_OVERRIDE: u32 = 1 << 13; // an output is under a manual override (console or downlink)
export const STATUS_DEMAND_RESPONSE: u32 = 1 << 14; // a demand-response level other than normal is in force

let flags: u32 = 0;

export function statusSet(flag: u32): void { flags |= flag; }
export function statusClear(flag: u32): void { flags &= ~flag; }
export function statusFlags(): u32 { return flags; }
export function statusReset(initial: u32): void { flags = initial; }
