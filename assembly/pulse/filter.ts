// Glitch filter for pulse inputs, driven by edge events with µs timestamps.
// A level is accepted only after the input has stayed at it for `filterUs`; the state table
// is in docs/pulse-filter.md. Acceptance is decided lazily, when the next edge arrives or
// when time is advanced by a tick, so the result does not depend on how often ticks come.
// One filter slot per edge input: pulse inputs first, then the heat circuits' flow inputs.
import { getI32, setI32, getI64, setI64 } from "../util/mem";
import { MAX_PULSE, MAX_HEAT } from "../board/descriptor";

export const LEVEL_UNKNOWN: i32 = -1;

/** What an input did, for the meter. */
export const ACTION_NONE: i32 = 0;
export const ACTION_RISE: i32 = 1; // accepted low -> high: one pulse
export const ACTION_FALL: i32 = 2; // accepted high -> low
export const ACTION_FIRST: i32 = 3; // first level accepted after start-up: never a pulse
/** filterEvent refused the event (bad level, time going backwards, late power-up level). */
export const EVENT_REFUSED: i32 = -1;

/** Slots 0..MAX_PULSE-1 are pulseN; slot FLOW_FILTER_FIRST + c is the flow input of heat circuit c. */
export const FLOW_FILTER_FIRST: i32 = MAX_PULSE;
const FILTER_SLOTS: i32 = MAX_PULSE + MAX_HEAT;

const acceptedLevel = memory.data(4 * FILTER_SLOTS);
const rawLevel = memory.data(4 * FILTER_SLOTS);
const rawSinceUs = memory.data(8 * FILTER_SLOTS);
const lastEdgeUs = memory.data(8 * FILTER_SLOTS);
const filterUsTable = memory.data(8 * FILTER_SLOTS);
// First edge that left the accepted level (the true start of a bounced transition), -1 none.
const departureUs = memory.data(8 * FILTER_SLOTS);

/** Time of the edge behind the last accepted transition (the end of its bounce). */
export let acceptedEdgeUs: i64 = 0;
/** Time of the first edge of the last accepted transition (its bounce started there). */
export let acceptedStartUs: i64 = 0;
/** Edges ignored since start-up because they repeated the level ("ghost" interrupts). */
export let ghostEdges: u32 = 0;

// The tick's fast path: no filterSettle can act before settleDueUs. A change of a slot's state
// lowers it to that slot's earliest time (`touch`); filterRefreshDue, after a tick settled the
// slots, recomputes it from their state. Ticks before it skip the settle passes.
let settleDueUs: i64 = 0;

/** Earliest time a filterSettle of some slot may act (i64.MAX_VALUE: no transition pending). */
export function filterSettleDueUs(): i64 { return settleDueUs; }

// A sum that wraps is early, never late: the tick then runs the settle passes, as it always did.
function touch(ch: i32): void {
  settleDueUs = min(settleDueUs, getI64(rawSinceUs, ch) + getI64(filterUsTable, ch));
}

/** After a tick's settle passes: the earliest time a slot with a transition pending may act. */
export function filterRefreshDue(): void {
  let due = i64.MAX_VALUE;
  for (let ch = 0; ch < FILTER_SLOTS; ch++) {
    const raw = getI32(rawLevel, ch);
    // (filterSettle acts on a slot only with a raw level away from the accepted one or a departure pending)
    if (raw != LEVEL_UNKNOWN && (raw != getI32(acceptedLevel, ch) || getI64(departureUs, ch) >= 0)) {
      due = min(due, getI64(rawSinceUs, ch) + getI64(filterUsTable, ch));
    }
  }
  settleDueUs = due;
}

export function filterReset(ch: i32, filterUs: i64): void {
  setI32(acceptedLevel, ch, LEVEL_UNKNOWN);
  setI32(rawLevel, ch, LEVEL_UNKNOWN);
  setI64(rawSinceUs, ch, 0);
  setI64(lastEdgeUs, ch, i64.MIN_VALUE);
  setI64(filterUsTable, ch, filterUs);
  setI64(departureUs, ch, -1);
  settleDueUs = 0; // the next tick looks at every slot
}

export function filterSetTime(ch: i32, filterUs: i64): void {
  setI64(filterUsTable, ch, filterUs);
  touch(ch);
}

export function filterTimeUs(ch: i32): i64 {
  return getI64(filterUsTable, ch);
}

export function filterAcceptedLevel(ch: i32): i32 {
  return getI32(acceptedLevel, ch);
}

/**
 * The level the board read at power-up (not an edge). Adopted at once: a high level is never
 * counted because its rise was not seen; a low level lets the very next rise count.
 */
export function filterAdopt(ch: i32, timeUs: i64, level: i32): void {
  setI32(acceptedLevel, ch, level);
  setI32(rawLevel, ch, level);
  setI64(rawSinceUs, ch, timeUs);
  setI64(lastEdgeUs, ch, timeUs);
  setI64(departureUs, ch, -1);
  touch(ch);
}

/**
 * While a transition is being filtered: the time its first edge left the accepted level, else -1.
 * (The pulse meter freezes its elapsed-time bound there, so power does not dip during the filter.)
 */
export function filterPendingSinceUs(ch: i32): i64 {
  return getI64(departureUs, ch);
}

/** Accept the raw level if it has been steady for the filter time by `nowUs`. */
export function filterSettle(ch: i32, nowUs: i64): i32 {
  const raw = getI32(rawLevel, ch);
  const accepted = getI32(acceptedLevel, ch);
  if (raw == LEVEL_UNKNOWN) return ACTION_NONE;
  const since = getI64(rawSinceUs, ch);
  if (raw == accepted) {
    // A glitch went back to the accepted level and stayed: no transition is pending any more.
    if (getI64(departureUs, ch) >= 0 && nowUs - since >= getI64(filterUsTable, ch)) setI64(departureUs, ch, -1);
    return ACTION_NONE;
  }
  if (nowUs - since < getI64(filterUsTable, ch)) return ACTION_NONE;
  setI32(acceptedLevel, ch, raw);
  acceptedEdgeUs = since;
  const departure = getI64(departureUs, ch);
  acceptedStartUs = departure >= 0 ? departure : since;
  setI64(departureUs, ch, -1);
  if (accepted == LEVEL_UNKNOWN) return ACTION_FIRST;
  return raw == 1 ? ACTION_RISE : ACTION_FALL;
}

/**
 * Record an edge already checked by filterEvent (level 0/1, not older than the last one), after
 * filterSettle, so that a level steady until this edge is accepted before the edge replaces it.
 */
function filterEdge(ch: i32, timeUs: i64, level: i32): void {
  setI64(lastEdgeUs, ch, timeUs);
  if (level == getI32(rawLevel, ch)) {
    ghostEdges++;
    return;
  }
  if (getI64(departureUs, ch) < 0 && getI32(rawLevel, ch) == getI32(acceptedLevel, ch) && getI32(acceptedLevel, ch) != LEVEL_UNKNOWN) {
    setI64(departureUs, ch, timeUs);
  }
  setI32(rawLevel, ch, level);
  setI64(rawSinceUs, ch, timeUs);
}

/** Time of the last accepted edge (so callers can refuse events older than it). */
export function filterLastEdgeUs(ch: i32): i64 {
  return getI64(lastEdgeUs, ch);
}

/**
 * One event from the board for slot `ch`: an edge, or (`powerUpLevel`) the level read at
 * power-up, which is only taken before any other event. Returns the action of the level that
 * was steady until this edge (ACTION_RISE: count a pulse stamped `acceptedEdgeUs`), or
 * EVENT_REFUSED (dropped; nothing changes).
 */
export function filterEvent(ch: i32, timeUs: i64, level: i32, powerUpLevel: bool): i32 {
  if ((level != 0 && level != 1) || timeUs < getI64(lastEdgeUs, ch)) return EVENT_REFUSED;
  if (powerUpLevel) {
    if (getI32(acceptedLevel, ch) != LEVEL_UNKNOWN) return EVENT_REFUSED;
    filterAdopt(ch, timeUs, level);
    return ACTION_NONE;
  }
  const action = filterSettle(ch, timeUs);
  filterEdge(ch, timeUs, level);
  touch(ch);
  return action;
}
