/* activemeter board shell core: see shell.h. */
#include <string.h>

#include "firmware.h"
#include "shell.h"

#if WABT_BIG_ENDIAN
#error "the shell maps ABI buffers directly: little-endian targets only"
#endif
#if WASM_RT_MEMCHECK_SIGNAL_HANDLER
#error "compile with -DWASM_RT_MEMCHECK_SIGNAL_HANDLER=0: bounds checks are explicit, no signal handlers"
#endif

struct Z_board_instance_t {
  const board_ops_t* ops;
  void* ctx;
};

#if SHELL_COUNT_INSTRET
/* Instructions spent in the board's handlers during the current export call: taken out of the
 * export's cost, so a figure is the firmware's own work, whatever the platform does per import. */
static uint64_t import_instr, probe_overhead;
static shell_cost_t last_cost = {0, 0, 0, -1};
#define IMPORT(bit, stmt)                          \
  do {                                             \
    const uint64_t t0_ = shell_instret();          \
    stmt;                                          \
    import_instr += shell_instret() - t0_;         \
    last_cost.imports++;                           \
    last_cost.import_mask |= (bit);                \
  } while (0)
const shell_cost_t* shell_last_cost(void) { return &last_cost; }
uint64_t shell_probe_overhead(void) { return probe_overhead; }
#else
#define IMPORT(bit, stmt) \
  do {                    \
    stmt;                 \
  } while (0)
#endif

static struct Z_board_instance_t board;
/* The firmware's one instance: the translation refers to it by name (single-instance.mjs). */
Z_firmware_instance_t shell_firmware;
static bool running;

void shell_trap(int code) {
  if (board.ops && board.ops->trap) board.ops->trap(board.ctx, code);
  for (;;) {
  }
}

void shell_init(const board_ops_t* ops, void* ctx) {
  board.ops = ops;
  board.ctx = ctx;
  wasm_rt_init();
  Z_firmware_init_module();
#if SHELL_COUNT_INSTRET
  /* What one probe pair costs by itself (the smallest of a few tries). */
  probe_overhead = UINT64_MAX;
  for (int i = 0; i < 8; i++) {
    const uint64_t t0 = shell_instret();
    const uint64_t d = shell_instret() - t0;
    if (d < probe_overhead) probe_overhead = d;
  }
#endif
}

void shell_power_down(void) {
  if (running) Z_firmware_free(&shell_firmware);
  running = false;
}

void shell_power_up(void) {
  shell_power_down();
  Z_firmware_instantiate(&shell_firmware, &board);
  running = true;
}

Z_firmware_instance_t* shell_instance(void) { return &shell_firmware; }

bool shell_abi_ok(void) { return Z_firmwareZ_fw_abi_version(&shell_firmware) == SHELL_ABI_VERSION; }

uint8_t* shell_memory(uint32_t ptr, uint32_t len) {
  wasm_rt_memory_t* m = &shell_firmware.w2c_memory;
  if (!running || (uint64_t)ptr + len > m->size) return NULL;
  return m->data + ptr;
}

uint32_t shell_memory_offset(const uint8_t* p) { return (uint32_t)(p - shell_firmware.w2c_memory.data); }

static uint8_t* span(uint32_t ptr, uint32_t len) {
  uint8_t* p = shell_memory(ptr, len);
  if (!p) shell_trap(SHELL_TRAP_BAD_POINTER);
  return p;
}

/* Export lookup by name through a small hash of recent names (a replay calls by name ~10^5 times). */
#define LOOKUP_SLOTS 64u
static int16_t lookup_cache[LOOKUP_SLOTS];
static bool lookup_ready;

static unsigned name_hash(const char* name) {
  uint32_t h = 2166136261u; /* FNV-1a */
  for (const char* c = name; *c; c++) h = (h ^ (uint8_t)*c) * 16777619u;
  return h % LOOKUP_SLOTS;
}

static int find_export(const char* name) {
  if (!lookup_ready) {
    for (unsigned k = 0; k < LOOKUP_SLOTS; k++) lookup_cache[k] = -1;
    lookup_ready = true;
  }
  const unsigned slot = name_hash(name);
  const int cached = lookup_cache[slot];
  if (cached >= 0 && strcmp(shell_exports[cached].name, name) == 0) return cached;
  for (unsigned i = 0; i < shell_export_count; i++) {
    if (strcmp(shell_exports[i].name, name) == 0) {
      lookup_cache[slot] = (int16_t)i;
      return (int)i;
    }
  }
  return -1;
}

int shell_call(const char* name, const int64_t* args, unsigned argc, int64_t* result, int* has_result) {
  const int found = find_export(name);
  if (found < 0) return -1;
  const unsigned i = (unsigned)found;
  if (shell_exports[i].argc != argc) return -2;
#if SHELL_COUNT_INSTRET
  import_instr = 0;
  last_cost.imports = last_cost.import_mask = 0;
  last_cost.export_index = (int)i;
  const uint64_t t0 = shell_instret();
  *result = shell_exports[i].call(&shell_firmware, args);
  const uint64_t spent = shell_instret() - t0 - import_instr - probe_overhead * (1u + last_cost.imports);
  last_cost.instructions = (int64_t)spent < 0 ? 0 : spent;
#else
  *result = shell_exports[i].call(&shell_firmware, args);
#endif
  *has_result = shell_exports[i].has_result;
  return 0;
}

/* ---- board imports (module "board"); wasm2c declares only those the module uses ---- */

u64 Z_boardZ_time_us(struct Z_board_instance_t* b) {
  u64 t;
  IMPORT(SHELL_IMPORT_TIME, t = b->ops->time_us(b->ctx));
  return t;
}

void Z_boardZ_console_write(struct Z_board_instance_t* b, u32 ptr, u32 len) {
  uint8_t* p = span(ptr, len);
  IMPORT(SHELL_IMPORT_CONSOLE, b->ops->console_write(b->ctx, p, len));
}

void Z_boardZ_radio_send(struct Z_board_instance_t* b, u32 ptr, u32 len) {
  uint8_t* p = span(ptr, len);
  IMPORT(SHELL_IMPORT_RADIO, b->ops->radio_send(b->ctx, p, len));
}

void Z_boardZ_log(struct Z_board_instance_t* b, u32 level, u32 ptr, u32 len) {
  uint8_t* p = span(ptr, len);
  IMPORT(SHELL_IMPORT_LOG, b->ops->log(b->ctx, level, p, len));
}

void Z_boardZ_panic(struct Z_board_instance_t* b, u32 code, u32 ptr, u32 len) {
  b->ops->panic(b->ctx, code, span(ptr, len), len);
  shell_trap(SHELL_TRAP_PANIC_RETURNED);
}

u32 Z_boardZ_flash_sector_size(struct Z_board_instance_t* b) {
  u32 r;
  IMPORT(SHELL_IMPORT_FLASH_GEOMETRY, r = b->ops->flash_sector_size(b->ctx));
  return r;
}
u32 Z_boardZ_flash_sector_count(struct Z_board_instance_t* b) {
  u32 r;
  IMPORT(SHELL_IMPORT_FLASH_GEOMETRY, r = b->ops->flash_sector_count(b->ctx));
  return r;
}

u32 Z_boardZ_flash_read(struct Z_board_instance_t* b, u32 offset, u32 ptr, u32 len) {
  uint8_t* p = span(ptr, len);
  int32_t r;
  IMPORT(SHELL_IMPORT_FLASH_READ, r = b->ops->flash_read(b->ctx, offset, p, len));
  return (u32)r;
}

u32 Z_boardZ_flash_program(struct Z_board_instance_t* b, u32 offset, u32 ptr, u32 len) {
  uint8_t* p = span(ptr, len);
  int32_t r;
  IMPORT(SHELL_IMPORT_FLASH_PROGRAM, r = b->ops->flash_program(b->ctx, offset, p, len));
  return (u32)r;
}

u32 Z_boardZ_flash_erase(struct Z_board_instance_t* b, u32 sector) {
  int32_t r;
  IMPORT(SHELL_IMPORT_FLASH_ERASE, r = b->ops->flash_erase(b->ctx, sector));
  return (u32)r;
}

void Z_boardZ_random_fill(struct Z_board_instance_t* b, u32 ptr, u32 len) {
  uint8_t* p = span(ptr, len);
  IMPORT(SHELL_IMPORT_RANDOM, b->ops->random_fill(b->ctx, p, len));
}

/* ---- typed helpers (ABI 1) ---- */

int32_t shell_start(const uint8_t* descriptor, uint32_t len) {
  if (len > Z_firmwareZ_fw_board_capacity(&shell_firmware)) return -2;
  memcpy(span(Z_firmwareZ_fw_board_ptr(&shell_firmware), len), descriptor, len);
  return (int32_t)Z_firmwareZ_fw_start(&shell_firmware, len);
}

int32_t shell_set_key(const uint8_t key[16]) {
  memcpy(span(Z_firmwareZ_fw_scratch_ptr(&shell_firmware), 16), key, 16);
  return (int32_t)Z_firmwareZ_fw_set_key(&shell_firmware, 16);
}

int32_t shell_tick(void) { return (int32_t)Z_firmwareZ_fw_tick(&shell_firmware); }

static void put_u64(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static void put_i32(uint8_t* p, int32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)((uint32_t)v >> (8 * i));
}

int32_t shell_pulse_events(const shell_pulse_event_t* events, uint32_t count) {
  const uint32_t capacity = Z_firmwareZ_fw_pulse_capacity(&shell_firmware);
  int32_t refused = 0;
  for (uint32_t first = 0; first < count; first += capacity) {
    const uint32_t n = count - first < capacity ? count - first : capacity;
    uint8_t* buf = span(Z_firmwareZ_fw_pulse_ptr(&shell_firmware), n * 16);
    memset(buf, 0, n * 16);
    for (uint32_t i = 0; i < n; i++) {
      put_u64(buf + 16 * i, events[first + i].time_us);
      buf[16 * i + 8] = events[first + i].input;
      buf[16 * i + 9] = events[first + i].level;
      buf[16 * i + 10] = events[first + i].flags;
    }
    const int32_t r = (int32_t)Z_firmwareZ_fw_pulse_batch(&shell_firmware, n);
    if (r < 0) return r;
    refused += r;
  }
  return refused;
}

int32_t shell_adc_block(const uint16_t* codes, uint32_t frames, uint32_t columns) {
  const uint32_t capacity = columns ? Z_firmwareZ_fw_adc_capacity(&shell_firmware) / columns : 0;
  if (capacity == 0) return -5;
  for (uint32_t first = 0; first < frames; first += capacity) {
    const uint32_t n = frames - first < capacity ? frames - first : capacity;
    memcpy(span(Z_firmwareZ_fw_adc_ptr(&shell_firmware), n * columns * 2), codes + (size_t)first * columns, n * columns * 2);
    const int32_t r = (int32_t)Z_firmwareZ_fw_adc_block(&shell_firmware, n);
    if (r < 0) return r;
  }
  return 0;
}

int32_t shell_temperatures(const shell_temperature_t* records, uint32_t count) {
  const uint32_t capacity = Z_firmwareZ_fw_temperature_capacity(&shell_firmware);
  int32_t refused = 0;
  for (uint32_t first = 0; first < count; first += capacity) {
    const uint32_t n = count - first < capacity ? count - first : capacity;
    uint8_t* buf = span(Z_firmwareZ_fw_temperature_ptr(&shell_firmware), n * 12);
    memset(buf, 0, n * 12);
    for (uint32_t i = 0; i < n; i++) {
      buf[12 * i] = records[first + i].circuit;
      put_i32(buf + 12 * i + 4, records[first + i].supply_mC);
      put_i32(buf + 12 * i + 8, records[first + i].return_mC);
    }
    const int32_t r = (int32_t)Z_firmwareZ_fw_temperatures(&shell_firmware, n);
    if (r < 0) return r;
    refused += r;
  }
  return refused;
}

int32_t shell_console_input(const uint8_t* data, uint32_t len) {
  const uint32_t capacity = Z_firmwareZ_fw_console_capacity(&shell_firmware);
  for (uint32_t first = 0; first < len; first += capacity) {
    const uint32_t n = len - first < capacity ? len - first : capacity;
    memcpy(span(Z_firmwareZ_fw_console_ptr(&shell_firmware), n), data + first, n);
    const int32_t r = (int32_t)Z_firmwareZ_fw_console_input(&shell_firmware, n);
    if (r < 0) return r;
  }
  return 0;
}

uint32_t shell_status(void) { return Z_firmwareZ_fw_status(&shell_firmware); }
