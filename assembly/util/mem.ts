// The one thin layer of raw memory access: fixed tables in linear memory, indexed by channel.
// Everything above it uses these helpers instead of load/store with hand-computed offsets.

/** Reserve a zeroed table of `count` 64-bit slots in the data segment. */
// (memory.data needs compile-time constants, so callers call memory.data themselves.)

@inline export function getI64(table: usize, index: i32): i64 {
  return load<i64>(table + (<usize>index << 3));
}
@inline export function setI64(table: usize, index: i32, value: i64): void {
  store<i64>(table + (<usize>index << 3), value);
}
@inline export function getI32(table: usize, index: i32): i32 {
  return load<i32>(table + (<usize>index << 2));
}
@inline export function setI32(table: usize, index: i32, value: i32): void {
  store<i32>(table + (<usize>index << 2), value);
}
