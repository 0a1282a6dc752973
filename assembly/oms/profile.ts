// Which frames the node sends (console `frame.profile`, docs/frames.md): activemeter's native
// frames, OMS telegrams (EN 13757-4/-3, OMS security mode 7), or both. Bits, so "both" is 3.
export const PROFILE_NATIVE: u32 = 1;
export const PROFILE_OMS: u32 = 2;
export const PROFILE_BOTH: u32 = 3;
/** The OMS identification number is 8 BCD digits: node ids above this cannot speak OMS. */
export const OMS_MAX_NODE_ID: u32 = 99_999_999;

export let frameProfile: u32 = PROFILE_NATIVE;

export function profileInit(): void { frameProfile = PROFILE_NATIVE; }
export function setFrameProfile(p: u32): void { frameProfile = p; }
export function profileValid(p: i64): bool { return p >= <i64>PROFILE_NATIVE && p <= <i64>PROFILE_BOTH; }
