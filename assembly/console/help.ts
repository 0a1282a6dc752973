// `help <command>`: what each command does, its arguments and whether it needs unlock.
import { out, outLine, outBytes, textEquals, T, Text } from "./out";

function named(ptr: usize, len: u32, word: Text): bool { return textEquals(ptr, len, word); }

export function commandHelp(ptr: usize, len: u32): void {
  if (named(ptr, len, T("help"))) {
    outLine("help [command]: the list of commands, or details of one (help set lists every key)");
  } else if (named(ptr, len, T("id"))) {
    outLine("id: firmware version, board ABI version, node id, and the software identity:");
    outLine("  the SHA-256 of the firmware module as the board computed it (WELMEC 7.2)");
  } else if (named(ptr, len, T("status"))) {
    outLine("status: live values: per pulse input count, energy, power; per heat circuit heat, cool,");
    outLine("  volume, power; mains Vrms and Hz; per clamp import, export, power, Irms, PF;");
    outLine("  frames sent, status flags, and whether the console is locked");
  } else if (named(ptr, len, T("config"))) {
    outLine("config: every setting (the PIN and keys are never shown)");
  } else if (named(ptr, len, T("save"))) {
    outLine("save: write the settings to flash (two copies); without save a change lasts until power-off");
  } else if (named(ptr, len, T("reboot"))) {
    outLine("reboot: restart the meter as after a power cut; registers and saved settings are kept");
  } else if (named(ptr, len, T("log"))) {
    outLine("log [count]: the newest events (default 10, at most 250): counter, boot, uptime,");
    outLine("  what changed, old -> new; every setting change, register resets, keys, new firmware.");
    outLine("  A ring: old events make room for new ones; the legally relevant ones are also in metrolog");
  } else if (named(ptr, len, T("metrolog"))) {
    outLine("metrolog [count]: the metrological log (calibration, protected settings, PIN, key,");
    outLine("  firmware identity, zeroing, store damage), newest first; nothing evicts it. Without a");
    outLine("  count: all of it (a read-out). When it is nearly full, protected changes are refused");
    outLine("  until it is read out and acknowledged: metrolog ack (needs unlock; itself recorded)");
  } else if (named(ptr, len, T("unlock"))) {
    outLine("unlock <pin>: open a session for protected changes (PIN default 0000, change it with");
    outLine("  set console.pin); it locks after console.lock_s s without a command (default 300).");
    outLine("  Wrong PINs are counted in flash: after 3 in a row unlock waits 60 s, doubling with");
    outLine("  each further one up to 1 h; reboot and power cuts start the wait again (see status)");
  } else if (named(ptr, len, T("lock"))) {
    outLine("lock: close the protected session now");
  } else if (named(ptr, len, T("key"))) {
    outLine("key set <32 hex digits>: the node's new 128-bit frame key (AES-128-CMAC). Write-only:");
    outLine("  echoed as *, never shown or logged (the change is); save keeps it. Needs unlock");
  } else if (named(ptr, len, T("zero"))) {
    outLine("zero <register>: set a cumulative register (e.g. ct1.import_wh, pulse1.wh, pulse1.count,");
    outLine("  heat1.volume_l) to 0, logged and committed to flash at once. The only way a register");
    outLine("  and the values in frames go down. Needs unlock");
  } else if (named(ptr, len, T("factory-reset"))) {
    outLine("factory-reset: every setting, the PIN and a console key back to the defaults (logged),");
    outLine("  then a reboot; registers, both logs and a PIN lockout are kept. Needs unlock");
  } else if (named(ptr, len, T("cal"))) {
    outLine("cal voltage <volts>: with the true mains voltage, sets v.gain (5 s)");
    outLine("cal ctN phase: with a resistive load (PF 1) on ctN, sets ctN.phase_deg (22 s)");
    outLine("cal ctN power <watts>: with that known resistive load on ctN, sets ctN.gain (6 s);");
    outLine("  refused when the load's PF is under 0.98 or its power varies by over 1 %");
    outLine("  order: voltage, phase, power. Prints before -> after; save keeps it. Needs unlock");
  } else if (named(ptr, len, T("out"))) {
    outLine("out: the outputs, their state, counters and the demand-response level; out <N> on|off");
    outLine("  [minutes]: manual override (until out <N> auto); rules: outN.* in help set. Needs unlock");
  } else {
    out("error: no help for '");
    outBytes(ptr, len);
    outLine("' (try help)");
  }
}
