// The console's `frame.profile` setting (native | oms | both) and the node-id limit OMS implies.
import { out, outLine } from "./out";
import { is } from "./tokens";
import { frameProfile, setFrameProfile, PROFILE_NATIVE, PROFILE_OMS, PROFILE_BOTH, OMS_MAX_NODE_ID } from "../oms/profile";
import { nodeId } from "../settings";

export function outFrameProfile(): void {
  out("frame.profile = ");
  outLine(frameProfile == PROFILE_OMS ? "oms" : frameProfile == PROFILE_BOTH ? "both" : "native");
}

/** `set frame.profile <value>`; false after printing an error. */
export function setProfileKey(): bool {
  const p: u32 = is(2, "native") ? PROFILE_NATIVE : is(2, "oms") ? PROFILE_OMS : is(2, "both") ? PROFILE_BOTH : 0;
  if (p == 0) {
    outLine("error: frame.profile takes native, oms or both; nothing was changed");
    return false;
  }
  if ((p & PROFILE_OMS) != 0 && nodeId > OMS_MAX_NODE_ID) {
    omsNodeIdError();
    return false;
  }
  setFrameProfile(p);
  return true;
}

/** A node id OMS can carry, when the profile sends OMS; false after printing an error. */
export function omsNodeIdAllowed(id: i64): bool {
  if ((frameProfile & PROFILE_OMS) == 0 || id <= <i64>OMS_MAX_NODE_ID) return true;
  omsNodeIdError();
  return false;
}

function omsNodeIdError(): void {
  outLine("error: OMS telegrams need node.id <= 99999999 (8 digits); nothing was changed");
}
