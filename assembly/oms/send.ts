// What a report sends under `frame.profile`: OMS telegrams need a key (mode 7 is authenticated)
// and an 8-digit node id; without them the node falls back to its native frame.
import { frameProfile, PROFILE_NATIVE, PROFILE_OMS, OMS_MAX_NODE_ID } from "./profile";
import { omsTelegramCount } from "./telegram";
import { authHasKey } from "../frame/auth";
import { nodeId } from "../settings";

export function omsMessageCount(): u32 {
  if ((frameProfile & PROFILE_OMS) == 0 || !authHasKey() || nodeId > OMS_MAX_NODE_ID) return 0;
  return omsTelegramCount();
}

/** The native frame goes out too: asked for, or no OMS telegram can be sent. */
export function omsNativeToo(omsCount: u32): bool {
  return (frameProfile & PROFILE_NATIVE) != 0 || omsCount == 0;
}
