// The frame register table: ids are global and stable across boards (docs/frames.md), so a
// gateway decodes any node's frame without knowing its board.

export interface FrameRegister { id: number; name: string; unit: "Wh" | "L" }

function build(): FrameRegister[] {
  const table: FrameRegister[] = [];
  for (let n = 1; n <= 4; n++) {
    table.push({ id: table.length, name: `ct${n}.import_wh`, unit: "Wh" });
    table.push({ id: table.length, name: `ct${n}.export_wh`, unit: "Wh" });
  }
  for (let n = 1; n <= 4; n++) table.push({ id: table.length, name: `pulse${n}.wh`, unit: "Wh" });
  for (let n = 1; n <= 2; n++) {
    table.push({ id: table.length, name: `heat${n}.heat_wh`, unit: "Wh" });
    table.push({ id: table.length, name: `heat${n}.cool_wh`, unit: "Wh" });
    table.push({ id: table.length, name: `heat${n}.volume_l`, unit: "L" });
  }
  return table;
}

export const FRAME_REGISTERS: readonly FrameRegister[] = build();
/** Frame values carry one decimal: 0.1 Wh and 0.1 L. */
export const FRAME_VALUE_SCALE = 10;
export const registerIdByName = new Map(FRAME_REGISTERS.map((r) => [r.name, r.id]));
