// The console's `frame.profile` setting (native | oms | both) and the node-id limit OMS implies.
import { out, outLine, outLineText, textEquals, T, Text } from "./out";
import { tp, tl } from "./tokens";
import { frameProfile, setFrameProfile, PROFILE_NATIVE, PROFILE_OMS, PROFILE_BOTH, OMS_MAX_NODE_ID } from "../oms/profile";
import { nodeId } from "../settings";

export function outFrameProfile(): void {
  out("frame.profile = ");
  outLineText(frameProfile == PROFILE_OMS ? T("oms") : frameProfile == PROFILE_BOTH ? T("both") : T("native"));
}

/** Word 2 is `word`, ASCII letters in either case ("OMS" is what the collector's manual says). */
function valueIs(word: Text): bool { return textEquals(tp(2), tl(2), word); }

/** `set frame.profile <value>`; false after printing an error. */
export function setProfileKey(): bool {
  const p: u32 = valueIs(T("native")) ? PROFILE_NATIVE : valueIs(T("oms")) ? PROFILE_OMS : valueIs(T("both")) ? PROFILE_BOTH : 0;
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
