// The glitch filter against its truth table (docs/pulse-filter.md), row by row.
import {
  filterReset, filterSettle, filterEvent, filterAdopt, filterAcceptedLevel, EVENT_REFUSED,
  ACTION_NONE, ACTION_RISE, ACTION_FALL, ACTION_FIRST, LEVEL_UNKNOWN, ghostEdges, acceptedEdgeUs,
} from "../../assembly/pulse/filter";

const CH = 0;
const FILTER_US: i64 = 10_000;

/** Deliver an edge as the meter does; returns the action of the level steady until it. */
function edge(t: i64, level: i32): i32 {
  return filterEvent(CH, t, level, false);
}

describe("pulse filter truth table", () => {
  beforeEach(() => { filterReset(CH, FILTER_US); });

  it("U: unknown level accepts nothing until the first level has been steady for the filter time", () => {
    expect(filterAcceptedLevel(CH)).toBe(LEVEL_UNKNOWN);
    expect(edge(0, 1)).toBe(ACTION_NONE);
    expect(filterSettle(CH, 9_999)).toBe(ACTION_NONE);
    expect(filterSettle(CH, 10_000)).toBe(ACTION_FIRST); // a high level at start-up is never a pulse
    expect(filterAcceptedLevel(CH)).toBe(1);
  });

  it("L -> high steady for the filter time is one rise, stamped with its edge time", () => {
    filterAdopt(CH, 0, 0);
    expect(edge(50_000, 1)).toBe(ACTION_NONE);
    expect(filterSettle(CH, 59_999)).toBe(ACTION_NONE);
    expect(filterSettle(CH, 60_000)).toBe(ACTION_RISE);
    expect(acceptedEdgeUs).toBe(50_000);
    expect(filterSettle(CH, 70_000)).toBe(ACTION_NONE); // accepted once only
  });

  it("H -> low steady is a fall, not a pulse", () => {
    filterAdopt(CH, 0, 1);
    edge(1_000, 0);
    expect(filterSettle(CH, 11_000)).toBe(ACTION_FALL);
  });

  it("a glitch shorter than the filter time is ignored", () => {
    filterAdopt(CH, 0, 0);
    edge(20_000, 1);
    expect(edge(29_999, 0)).toBe(ACTION_NONE);
    expect(filterSettle(CH, 100_000)).toBe(ACTION_NONE);
    expect(filterAcceptedLevel(CH)).toBe(0);
  });

  it("bounce: the level counts from the last bounce edge, once", () => {
    filterAdopt(CH, 0, 0);
    edge(100_000, 1);
    edge(100_400, 0);
    edge(101_000, 1);
    edge(102_500, 0);
    edge(103_000, 1); // last bounce edge
    expect(filterSettle(CH, 112_999)).toBe(ACTION_NONE);
    expect(filterSettle(CH, 113_000)).toBe(ACTION_RISE);
    expect(acceptedEdgeUs).toBe(103_000);
  });

  it("ghost edge: the same level twice changes nothing and keeps the steady time", () => {
    filterAdopt(CH, 0, 0);
    const before = ghostEdges;
    edge(10_000, 1);
    edge(15_000, 1); // ghost
    expect(ghostEdges).toBe(before + 1);
    expect(filterSettle(CH, 20_000)).toBe(ACTION_RISE); // steady since 10 000, not 15 000
  });

  it("an edge after a steady level accepts that level first (lazy acceptance)", () => {
    filterAdopt(CH, 0, 0);
    edge(10_000, 1);
    expect(edge(40_000, 0)).toBe(ACTION_RISE); // high was steady 30 ms before this edge
    expect(filterSettle(CH, 50_000)).toBe(ACTION_FALL);
  });

  it("power-up low lets the very first rise count; power-up high never counts", () => {
    filterAdopt(CH, 0, 0);
    edge(0, 1);
    expect(filterSettle(CH, 10_000)).toBe(ACTION_RISE);
    filterReset(CH, FILTER_US);
    filterAdopt(CH, 0, 1);
    expect(filterSettle(CH, 1_000_000)).toBe(ACTION_NONE);
  });

  it("refused rows: an edge older than the last, a level other than 0/1, a power-up level after an event", () => {
    expect(filterEvent(CH, 1_000, 0, true)).toBe(ACTION_NONE); // power-up level adopted
    edge(50_000, 1);
    expect(filterEvent(CH, 40_000, 0, false)).toBe(EVENT_REFUSED);
    expect(filterEvent(CH, 60_000, 2, false)).toBe(EVENT_REFUSED);
    expect(filterEvent(CH, 60_000, 0, true)).toBe(EVENT_REFUSED);
    // none of them disturbed the filter: the high level since 50 000 is still one pulse
    expect(filterSettle(CH, 60_000)).toBe(ACTION_RISE);
  });
});
