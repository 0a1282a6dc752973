// A module that claims ABI version 99: board shells must refuse it.
export function fw_abi_version(): u32 { return 99; }
