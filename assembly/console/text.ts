// The console's text as ASCII bytes. The release build (host/firmware/build-firmware.ts) puts
// the packed table of every out("...")/outLine("...") of assembly/console/ here and rewrites the
// calls to outText/outLineText; builds without that step keep the literals and leave this empty.
// CONSOLE_PAIRS: the byte-pair table the text is compressed with (host/firmware/console-text.ts).
export const CONSOLE_TEXT: usize = memory.data(4);
export const CONSOLE_PAIRS: usize = memory.data(2);
// CONSOLE_INDEX: where each text starts (u16 offsets; text N ends where text N + 1 starts).
export const CONSOLE_INDEX: usize = memory.data(4, 2);
