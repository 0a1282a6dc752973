/*
 * Minimal wasm2c runtime for the activemeter board shells (wabt 1.0.32 wasm-rt.h API).
 *
 * Replaces wabt's wasm-rt-impl.c, which uses malloc/mmap for memories, a signal handler for
 * bounds checks and setjmp/longjmp for traps. Here:
 *  - one linear memory, statically allocated (SHELL_MEMORY_PAGES pages, default 1 = 64 KiB);
 *    memory.grow always fails; the firmware is checked to have initial = maximum = 1 page;
 *  - bounds checks are explicit (compile the translation with WASM_RT_MEMCHECK_SIGNAL_HANDLER=0);
 *  - a trap calls shell_trap(), which never returns (the board logs it and resets the chip);
 *  - function types are interned in a fixed table (no allocation, no varargs storage).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "wasm-rt.h"
#include "shell.h"

#ifndef SHELL_MEMORY_PAGES
#define SHELL_MEMORY_PAGES 1
#endif
#define PAGE_BYTES 65536u

/* Not static: the translation addresses it directly (wasm-rt-fixed.h). */
uint8_t shell_linear_memory[SHELL_MEMORY_PAGES * PAGE_BYTES] __attribute__((aligned(16)));
static bool memory_in_use;
static bool initialized;

#if WASM_RT_USE_STACK_DEPTH_COUNT
uint32_t wasm_rt_call_stack_depth;
#endif

void wasm_rt_init(void) { initialized = true; }
bool wasm_rt_is_initialized(void) { return initialized; }
void wasm_rt_free(void) { initialized = false; }

void wasm_rt_trap(wasm_rt_trap_t code) {
#if WASM_RT_USE_STACK_DEPTH_COUNT
  wasm_rt_call_stack_depth = 0;
#endif
  shell_trap((int)code);
}

const char* wasm_rt_strerror(wasm_rt_trap_t trap) {
  switch (trap) {
    case WASM_RT_TRAP_NONE: return "no error";
    case WASM_RT_TRAP_OOB: return "out of bounds memory access";
    case WASM_RT_TRAP_INT_OVERFLOW: return "integer overflow";
    case WASM_RT_TRAP_DIV_BY_ZERO: return "integer divide by zero";
    case WASM_RT_TRAP_INVALID_CONVERSION: return "invalid conversion";
    case WASM_RT_TRAP_UNREACHABLE: return "unreachable executed";
    case WASM_RT_TRAP_CALL_INDIRECT: return "invalid call_indirect";
    case WASM_RT_TRAP_UNCAUGHT_EXCEPTION: return "uncaught exception";
#if !WASM_RT_MERGED_OOB_AND_EXHAUSTION_TRAPS
    case WASM_RT_TRAP_EXHAUSTION: return "call stack exhausted";
#endif
  }
  return "unknown trap";
}

/* Function types: (params, results, types...) interned so equal signatures get equal ids. */
#define MAX_FUNC_TYPES 64
#define MAX_FUNC_TYPE_ARITY 16
static struct { uint8_t params, results, types[MAX_FUNC_TYPE_ARITY]; } func_types[MAX_FUNC_TYPES];
static uint32_t func_type_count;

uint32_t wasm_rt_register_func_type(uint32_t params, uint32_t results, ...) {
  uint8_t types[MAX_FUNC_TYPE_ARITY];
  if (params + results > MAX_FUNC_TYPE_ARITY) shell_trap(SHELL_TRAP_RUNTIME_LIMIT);
  va_list ap;
  va_start(ap, results);
  for (uint32_t i = 0; i < params + results; i++) types[i] = (uint8_t)va_arg(ap, int);
  va_end(ap);
  for (uint32_t id = 0; id < func_type_count; id++) {
    if (func_types[id].params == params && func_types[id].results == results &&
        memcmp(func_types[id].types, types, params + results) == 0)
      return id + 1;
  }
  if (func_type_count == MAX_FUNC_TYPES) shell_trap(SHELL_TRAP_RUNTIME_LIMIT);
  func_types[func_type_count].params = (uint8_t)params;
  func_types[func_type_count].results = (uint8_t)results;
  memcpy(func_types[func_type_count].types, types, params + results);
  return ++func_type_count;
}

void wasm_rt_allocate_memory(wasm_rt_memory_t* memory, uint32_t initial_pages, uint32_t max_pages) {
  (void)max_pages;
  /* One memory per shell, re-used on every power-up (instantiate after free). */
  /* Exactly SHELL_MEMORY_PAGES: the translation's bounds checks compare with that constant. */
  if (memory_in_use || initial_pages != SHELL_MEMORY_PAGES) shell_trap(SHELL_TRAP_RUNTIME_LIMIT);
  memory_in_use = true;
  memset(shell_linear_memory, 0, sizeof shell_linear_memory);
  memory->data = shell_linear_memory;
  memory->pages = initial_pages;
  memory->max_pages = initial_pages; /* memory.grow is refused: nothing is allocated at run time */
  memory->size = initial_pages * PAGE_BYTES;
}

uint32_t wasm_rt_grow_memory(wasm_rt_memory_t* memory, uint32_t pages) {
  (void)memory;
  (void)pages;
  return (uint32_t)-1;
}

void wasm_rt_free_memory(wasm_rt_memory_t* memory) {
  memory->data = NULL;
  memory->size = memory->pages = 0;
  memory_in_use = false;
}
