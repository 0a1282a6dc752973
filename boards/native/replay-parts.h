/* Parts of the replay tool (replay.c) in their own files. */
#ifndef ACTIVEMETER_REPLAY_PARTS_H
#define ACTIVEMETER_REPLAY_PARTS_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* replay-json.c: a double as JavaScript's Number.prototype.toString prints it; a latin1 string
 * as JSON.stringify escapes it. */
void js_number(double x, FILE* out);
void json_latin1(const uint8_t* s, size_t len, FILE* out);

/* replay-cost.c (builds with SHELL_COUNT_INSTRET=1): account the export call just made; print. */
void cost_add(const char* name, int64_t arg0);
void print_cost(FILE* out);
#endif
