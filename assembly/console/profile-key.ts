// The console's `frame.profile` setting (native | oms | both) and the node-id limit OMS implies.
import { out, outLine } from "./out";
import { tp, tl } from "./tokens";
import { frameProfile, setFrameProfile, PROFILE_NATIVE, PROFILE_OMS, PROFILE_BOTH, OMS_MAX_NODE_ID } from "../oms/profile";
import { nodeId } from "../settings";

export function outFrameProfile(): void {
  out("frame.profile = ");
  outLine(frameProfile == PROFILE_OMS ? "oms" : frameProfile == PROFILE_BOTH ? "both" : "native");
}

/** Word 2 is `word`, ASCII letters in either case ("OMS" is what the collector's manual says). */
function valueIs(word: string): bool {
  const ptr = tp(2);
  if (<i32>tl(2) != word.length) return false;
  for (let i = 0; i < word.length; i++) if ((<i32>load<u8>(ptr + i) | 0x20) != word.charCodeAt(i)) return false;
  return true;
}

/** `set frame.profile <value>`; false after printing an error. */
export function setProfileKey(): bool {
  const p: u32 = valueIs("native") ? PROFILE_NATIVE : valueIs("oms") ? PROFILE_OMS : valueIs("both") ? PROFILE_BOTH : 0;
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
