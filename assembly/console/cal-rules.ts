// Limits of the calibration wizard shared with its documentation (docs/console.md) and the
// browser page: a power calibration needs a resistive, steady load.

/** `cal ctN power` refuses a load whose mean power factor is below 0.980. */
export const MIN_RESISTIVE_PF_MILLI: i64 = 980;
/** ... or whose window powers spread by more than 1 % of their mean (10 000 ppm). */
export const MAX_SPREAD_PPM: i64 = 10_000;
