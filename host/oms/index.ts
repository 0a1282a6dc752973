// Public entry of the OMS telegram codec (docs/frames.md, OMS profile).
export { decodeOms, encodeOms, omsClaimed, OMS_MANUFACTURER, SUITE_OMS_MODE7 } from "./telegram.js";
export type { OmsFrame, OmsFields, OmsDecodeOptions } from "./telegram.js";
export { isOmsTelegram, stripCrcBlocks, addCrcBlocks, crc16En13757, lengthWithCrc } from "./link.js";
