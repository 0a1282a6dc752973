/* The RV32 replay's cost report (replay.c --cost): instructions per export, fw_tick by kind. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay-parts.h"
#include "shell.h"

/* ---- cost in the target's own instructions (builds with SHELL_COUNT_INSTRET=1) ---- */
#if SHELL_COUNT_INSTRET
#define MAX_EXPORTS 64
#define KEEP 65536u /* per-class samples kept for medians (the first ones, beyond that) */
typedef struct {
  unsigned long calls;
  uint64_t instructions, min, max, arg0_sum;
} cost_sum_t;
typedef struct {
  cost_sum_t sum;
  uint32_t kept[KEEP];
  unsigned n_kept;
} cost_class_t;
static cost_sum_t export_cost[MAX_EXPORTS];
/* fw_tick by what it did: nothing but read the clock; sent a frame; wrote flash; anything else. */
enum { TICK_IDLE, TICK_FRAME, TICK_FLASH, TICK_OTHER, TICK_CLASSES };
static const char* const tick_class_name[TICK_CLASSES] = {"idle", "frame", "flash", "other"};
static cost_class_t tick_cost[TICK_CLASSES];

static void sum_add(cost_sum_t* s, uint64_t n, int64_t arg0) {
  if (s->calls == 0 || n < s->min) s->min = n;
  if (n > s->max) s->max = n;
  s->calls++;
  s->instructions += n;
  s->arg0_sum += (uint64_t)arg0;
}

void cost_add(const char* name, int64_t arg0) {
  const shell_cost_t* c = shell_last_cost();
  if (c->export_index < 0 || c->export_index >= MAX_EXPORTS) return;
  sum_add(&export_cost[c->export_index], c->instructions, arg0);
  if (strcmp(name, "fw_tick") != 0) return;
  const uint32_t m = c->import_mask;
  const int k = (m & ~SHELL_IMPORT_TIME) == 0 ? TICK_IDLE
                : m & SHELL_IMPORT_RADIO ? TICK_FRAME
                : m & (SHELL_IMPORT_FLASH_PROGRAM | SHELL_IMPORT_FLASH_ERASE) ? TICK_FLASH
                : TICK_OTHER;
  sum_add(&tick_cost[k].sum, c->instructions, 0);
  if (tick_cost[k].n_kept < KEEP) tick_cost[k].kept[tick_cost[k].n_kept++] = c->instructions > UINT32_MAX ? UINT32_MAX : (uint32_t)c->instructions;
}

static int cmp_u32(const void* a, const void* b) {
  uint32_t x = *(const uint32_t*)a, y = *(const uint32_t*)b;
  return x < y ? -1 : x > y;
}

static void print_sum(FILE* out, const cost_sum_t* s) {
  fprintf(out, "\"calls\":%lu,\"instructions\":%" PRIu64 ",\"min\":%" PRIu64 ",\"max\":%" PRIu64, s->calls, s->instructions,
          s->calls ? s->min : 0, s->max);
}

void print_cost(FILE* out) {
  fprintf(out, "{\"counter\":\"instret\",\"probe_overhead\":%" PRIu64 ",\"exports\":{", shell_probe_overhead());
  int first = 1;
  for (unsigned i = 0; i < shell_export_count && i < MAX_EXPORTS; i++) {
    if (export_cost[i].calls == 0) continue;
    fprintf(out, "%s\"%s\":{", first ? "" : ",", shell_exports[i].name);
    print_sum(out, &export_cost[i]);
    fprintf(out, ",\"arg0_sum\":%" PRIu64 "}", export_cost[i].arg0_sum);
    first = 0;
  }
  fputs("},\"fw_tick\":{", out);
  for (int k = 0; k < TICK_CLASSES; k++) {
    cost_class_t* c = &tick_cost[k];
    qsort(c->kept, c->n_kept, sizeof c->kept[0], cmp_u32);
    fprintf(out, "%s\"%s\":{", k ? "," : "", tick_class_name[k]);
    print_sum(out, &c->sum);
    fprintf(out, ",\"median\":%" PRIu32 "}", c->n_kept ? c->kept[c->n_kept / 2] : 0);
  }
  fputs("}}\n", out);
}
#endif
