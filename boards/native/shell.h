/*
 * activemeter board shell: the board side of the board ABI (docs/board-abi.md) around the
 * wasm2c translation of build/firmware.wasm. Platform code (the host replay tool, the ESP-IDF
 * application) supplies a board_ops_t and calls the firmware through the functions below.
 *
 * No allocation (one static instance, one static 64 KiB linear memory), no signal handlers
 * (bounds checks are compiled in), no OS calls: everything the core needs comes through ops.
 */
#ifndef ACTIVEMETER_SHELL_H
#define ACTIVEMETER_SHELL_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SHELL_ABI_VERSION 1

/* Trap codes beyond wasm2c's wasm_rt_trap_t. */
#define SHELL_TRAP_RUNTIME_LIMIT 100 /* the module wants more than the shell provides */
#define SHELL_TRAP_BAD_POINTER 101   /* an import got a pointer/length outside the memory */
#define SHELL_TRAP_PANIC_RETURNED 102

/* What the board provides. Pointers are already resolved into the firmware's memory. */
typedef struct board_ops {
  uint64_t (*time_us)(void* ctx);
  void (*console_write)(void* ctx, const uint8_t* data, uint32_t len);
  void (*radio_send)(void* ctx, const uint8_t* frame, uint32_t len);
  void (*log)(void* ctx, uint32_t level, const uint8_t* text, uint32_t len);
  /* Fatal firmware error: record it and reset the chip. Must not return. */
  void (*panic)(void* ctx, uint32_t code, const uint8_t* text, uint32_t len);
  uint32_t (*flash_sector_size)(void* ctx);
  uint32_t (*flash_sector_count)(void* ctx);
  int32_t (*flash_read)(void* ctx, uint32_t offset, uint8_t* dst, uint32_t len);
  int32_t (*flash_program)(void* ctx, uint32_t offset, const uint8_t* src, uint32_t len);
  int32_t (*flash_erase)(void* ctx, uint32_t sector);
  void (*random_fill)(void* ctx, uint8_t* dst, uint32_t len);
  /* A WebAssembly trap (wasm_rt_trap_t code, or SHELL_TRAP_*): reset the chip. Must not return. */
  void (*trap)(void* ctx, int code);
} board_ops_t;

/* Once at boot. */
void shell_init(const board_ops_t* ops, void* ctx);
/* Power-up (or reset): a fresh firmware instance (memory and globals from the module). */
void shell_power_up(void);
/* Drop the running instance (power lost). */
void shell_power_down(void);
/* The firmware's ABI version matches this shell's. */
bool shell_abi_ok(void);

/* The running instance, for direct calls of the wasm2c exports (Z_firmwareZ_fw_*). */
struct Z_firmware_instance_t* shell_instance(void);

/* The firmware's linear memory; shell_memory() is NULL when [ptr, ptr+len) is outside it. */
uint8_t* shell_memory(uint32_t ptr, uint32_t len);
uint32_t shell_memory_offset(const uint8_t* p);

/* Generic export call by name (the generated table, build/native/fw-exports.c).
 * Returns 0, or -1 unknown export, -2 wrong argument count. *has_result = 0 for void exports. */
int shell_call(const char* name, const int64_t* args, unsigned argc, int64_t* result, int* has_result);

/* Typed helpers for ABI 1 (what a board's main loop uses). Results as in docs/board-abi.md. */
int32_t shell_start(const uint8_t* descriptor, uint32_t len);
int32_t shell_set_key(const uint8_t key[16]);
int32_t shell_tick(void);
typedef struct { uint64_t time_us; uint8_t input, level, flags; } shell_pulse_event_t;
#define SHELL_PULSE_POWER_UP 1
/* Events in batches of the buffer's capacity; returns refused events or a negative error. */
int32_t shell_pulse_events(const shell_pulse_event_t* events, uint32_t count);
/* `frames` interleaved frames of `columns` u16 codes (columns = ADC inputs in use). */
int32_t shell_adc_block(const uint16_t* codes, uint32_t frames, uint32_t columns);
typedef struct { uint8_t circuit; int32_t supply_mC, return_mC; } shell_temperature_t;
int32_t shell_temperatures(const shell_temperature_t* records, uint32_t count);
int32_t shell_console_input(const uint8_t* data, uint32_t len);
uint32_t shell_status(void);

/* Cost of the last export called through shell_call, in the target's own instructions (builds
 * with SHELL_COUNT_INSTRET=1: the platform supplies shell_instret(), e.g. the RV32 instret CSR).
 * `instructions` is the firmware's own work: the board's import handlers are measured and taken
 * out, and so is the probe itself. `import_mask` says which imports the call made. */
#define SHELL_IMPORT_TIME 1u
#define SHELL_IMPORT_CONSOLE 2u
#define SHELL_IMPORT_RADIO 4u
#define SHELL_IMPORT_LOG 8u
#define SHELL_IMPORT_FLASH_GEOMETRY 16u
#define SHELL_IMPORT_FLASH_READ 32u
#define SHELL_IMPORT_FLASH_PROGRAM 64u
#define SHELL_IMPORT_FLASH_ERASE 128u
#define SHELL_IMPORT_RANDOM 256u
typedef struct {
  uint64_t instructions;
  uint32_t imports;     /* import calls made during the export */
  uint32_t import_mask; /* SHELL_IMPORT_* bits */
  int export_index;     /* into shell_exports, -1 before the first call */
} shell_cost_t;
#if SHELL_COUNT_INSTRET
uint64_t shell_instret(void); /* the platform's retired-instruction counter */
const shell_cost_t* shell_last_cost(void);
uint64_t shell_probe_overhead(void);
#endif

/* Never returns: ops->trap, or a halt if that returns. */
void shell_trap(int code) __attribute__((noreturn));

/* Exports table, generated from the wasm2c header by boards/native/gen-glue.mjs. */
struct Z_firmware_instance_t;
typedef struct {
  const char* name;
  uint8_t argc;
  uint8_t has_result;
  int64_t (*call)(struct Z_firmware_instance_t* fw, const int64_t* args);
} shell_export_t;
extern const shell_export_t shell_exports[];
extern const unsigned shell_export_count;

#ifdef __cplusplus
}
#endif
#endif
