/*
 * activemeter-native: the board shell on a computer. `replay FILE` feeds a recording made by
 * `activemeter sim --record FILE` (docs/native.md) to the native translation of the firmware:
 * every board write into its memory, every export call, and for every import the firmware makes
 * the value the twin's board returned (and the bytes it wrote). Results and outputs are checked
 * against the recording as they happen; at the end the same JSON report as `activemeter sim
 * --json` is printed, computed from the native firmware (registers, status, frames, console).
 *
 * Exit status: 0 replayed and identical; 1 the native firmware diverged from the recording
 * (first difference on stderr); 2 bad usage or recording; 3 the firmware panicked or trapped.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "firmware.h"
#include "firmware-id.h"
#include "shell.h"
#include "replay-parts.h"

#define RECORDING_FORMAT "activemeter-abi-recording/1"
#define MAX_LINE (320u * 1024u) /* a write of the whole 64 KiB memory in hex, and more */
#define MAX_ARGS 8

static int input_fd = -1;
static const char* input_name;
static char line[MAX_LINE];
static unsigned long line_no;
static char first_divergence[1024];
static unsigned long divergences;

/* Outputs for the report (static: sized for days of simulated time; smaller on the RV32 target). */
#ifndef REPLAY_FRAMES_HEX_BYTES
#define REPLAY_FRAMES_HEX_BYTES (32u << 20)
#endif
#ifndef REPLAY_CONSOLE_BYTES
#define REPLAY_CONSOLE_BYTES (8u << 20)
#endif
static char frames_hex[REPLAY_FRAMES_HEX_BYTES];
static size_t frames_len;
static unsigned long frame_count;
static uint32_t frame_start[REPLAY_FRAMES_HEX_BYTES / 64]; /* where each frame's text starts, to drop lost ones */
static uint8_t console_bytes[REPLAY_CONSOLE_BYTES];
static size_t console_len;

/* Report layout: `report KEY JSON` lines, `@` for fields computed here. */
#define MAX_REPORT_FIELDS 32
static struct { char key[64]; char* json; } report_fields[MAX_REPORT_FIELDS];
static unsigned report_count;
static char report_json[1u << 20];
static size_t report_json_len;

static void die(int status, const char* fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));
static void die(int status, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "activemeter-native: ");
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(status);
}

static void diverged(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
static void diverged(const char* fmt, ...) {
  if (divergences++ == 0) {
    va_list ap;
    va_start(ap, fmt);
    int n = snprintf(first_divergence, sizeof first_divergence, "%s line %lu: ", input_name, line_no);
    vsnprintf(first_divergence + n, sizeof first_divergence - (size_t)n, fmt, ap);
    va_end(ap);
  }
}

/* The start of the current line, for messages (snprintf would scan a whole long line). */
static void line_head(char* dst, size_t cap) {
  size_t n = strnlen(line, cap - 1);
  memcpy(dst, line, n);
  dst[n] = 0;
}

/* Lines through a large buffer over read(): the same on a computer and over RV32 semihosting
 * (where stdio would make one host call per few bytes). */
static char inbuf[1u << 19];
static size_t in_pos, in_len;
static int in_eof;

static int next_line(void) {
  size_t n = 0;
  for (;;) {
    if (in_pos == in_len) {
      if (in_eof) break;
      ssize_t got = read(input_fd, inbuf, sizeof inbuf);
      if (got < 0) die(2, "%s: read error", input_name);
      if (got == 0) {
        in_eof = 1;
        break;
      }
      in_pos = 0;
      in_len = (size_t)got;
    }
    const char* start = inbuf + in_pos;
    const char* nl = memchr(start, '\n', in_len - in_pos);
    size_t take = nl ? (size_t)(nl - start) : in_len - in_pos;
    if (n + take >= sizeof line) die(2, "%s line %lu: longer than %u bytes", input_name, line_no + 1, MAX_LINE);
    memcpy(line + n, start, take);
    n += take;
    in_pos += take;
    if (nl) {
      in_pos++;
      line[n] = 0;
      line_no++;
      return 1;
    }
  }
  if (n == 0) return 0;
  line[n] = 0; /* a last line without a newline */
  line_no++;
  return 1;
}

/* Hex digit values, 0xff for anything else (a table: most of a replay's time is decoding hex). */
static uint8_t hex_value[256];
static void hex_table_init(void) {
  memset(hex_value, 0xff, sizeof hex_value);
  for (int i = 0; i < 10; i++) hex_value['0' + i] = (uint8_t)i;
  for (int i = 0; i < 6; i++) hex_value['a' + i] = hex_value['A' + i] = (uint8_t)(10 + i);
}

/* Decode hex text into dst (capacity cap); returns the byte count. */
static uint32_t unhex(const char* text, uint8_t* dst, uint32_t cap) {
  size_t n = strlen(text);
  if (n % 2 != 0 || n / 2 > cap) die(2, "%s line %lu: bad hex data", input_name, line_no);
  const uint8_t* t = (const uint8_t*)text;
  for (size_t i = 0; i < n / 2; i++) {
    const uint8_t hi = hex_value[t[2 * i]], lo = hex_value[t[2 * i + 1]];
    if ((hi | lo) & 0xf0) die(2, "%s line %lu: bad hex data", input_name, line_no);
    dst[i] = (uint8_t)(hi << 4 | lo);
  }
  return (uint32_t)(n / 2);
}

static int64_t parse_int(const char* s) {
  char* end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (*s == 0 || *end != 0) die(2, "%s line %lu: '%s' is not an integer", input_name, line_no, s);
  return (int64_t)v;
}

/* ---- one parsed line: `verb name args... [= value] [: hex]` ---- */
typedef struct {
  char* verb;
  char* name;
  int64_t args[MAX_ARGS];
  unsigned argc;
  int has_value;
  int64_t value;
  char* hex;
} record_t;

static record_t parse(void) {
  record_t r = {0};
  char* save = NULL;
  r.verb = strtok_r(line, " ", &save);
  if (!r.verb) die(2, "%s line %lu: empty line", input_name, line_no);
  r.name = strtok_r(NULL, " ", &save);
  for (char* tok; (tok = strtok_r(NULL, " ", &save));) {
    if (strcmp(tok, "=") == 0) {
      char* v = strtok_r(NULL, " ", &save);
      if (!v) die(2, "%s line %lu: '=' without a value", input_name, line_no);
      r.has_value = 1;
      r.value = parse_int(v);
    } else if (strcmp(tok, ":") == 0) {
      r.hex = strtok_r(NULL, " ", &save);
      if (!r.hex) r.hex = (char*)"";
    } else {
      if (r.argc == MAX_ARGS) die(2, "%s line %lu: too many arguments", input_name, line_no);
      r.args[r.argc++] = parse_int(tok);
    }
  }
  return r;
}

/* ---- board imports, answered from the recording ---- */

static uint8_t scratch[65536];
static int in_call;

/* The next line must be this import; checks the arguments the native firmware passed. */
static record_t expect_import(const char* name, const int64_t* args, unsigned argc, int inputs_depend_on_args) {
  if (!in_call || !next_line())
    die(1, "%s line %lu: the native firmware called board.%s, the recording has nothing there", input_name, line_no, name);
  char copy[160];
  line_head(copy, sizeof copy);
  record_t r = parse();
  if (strcmp(r.verb, "import") != 0 || !r.name || strcmp(r.name, name) != 0)
    die(1, "%s line %lu: the native firmware called board.%s where the recording has '%.120s'", input_name, line_no, name, copy);
  int same = r.argc == argc;
  for (unsigned i = 0; same && i < argc; i++) same = r.args[i] == args[i];
  if (!same) {
    if (inputs_depend_on_args)
      die(1, "%s line %lu: board.%s called with other arguments than recorded ('%.120s')", input_name, line_no, name, copy);
    diverged("board.%s called with other arguments than recorded ('%.120s')", name, copy);
  }
  return r;
}

static void expect_output(const char* name, const int64_t* args, unsigned argc, const uint8_t* data, uint32_t len) {
  record_t r = expect_import(name, args, argc, 0);
  uint32_t n = unhex(r.hex ? r.hex : "", scratch, sizeof scratch);
  if (n != len || memcmp(scratch, data, len) != 0) diverged("board.%s: other bytes than recorded", name);
}

/* After the recording ends the board's clock stands still (the twin reports at its end time). */
static int replay_ended;
static uint64_t last_time_us;

static uint64_t r_time_us(void* ctx) {
  (void)ctx;
  if (replay_ended) return last_time_us;
  record_t r = expect_import("time_us", NULL, 0, 1);
  if (!r.has_value) die(2, "%s line %lu: time_us without a value", input_name, line_no);
  return last_time_us = (uint64_t)r.value;
}

static void r_console_write(void* ctx, const uint8_t* data, uint32_t len) {
  (void)ctx;
  int64_t args[2] = {shell_memory_offset(data), len};
  expect_output("console_write", args, 2, data, len);
  if (console_len + len > sizeof console_bytes) die(2, "console transcript larger than %zu bytes", sizeof console_bytes);
  memcpy(console_bytes + console_len, data, len);
  console_len += len;
}

static void r_radio_send(void* ctx, const uint8_t* frame, uint32_t len) {
  (void)ctx;
  int64_t args[2] = {shell_memory_offset(frame), len};
  expect_output("radio_send", args, 2, frame, len);
  if (frames_len + 2 * (size_t)len + 4 > sizeof frames_hex || frame_count == sizeof frame_start / sizeof frame_start[0])
    die(2, "more frames than this replay keeps");
  frame_start[frame_count] = (uint32_t)frames_len;
  frames_hex[frames_len++] = frame_count++ ? ',' : '[';
  frames_hex[frames_len++] = '"';
  for (uint32_t i = 0; i < len; i++) frames_len += (size_t)sprintf(frames_hex + frames_len, "%02x", frame[i]);
  frames_hex[frames_len++] = '"';
}

static void r_log(void* ctx, uint32_t level, const uint8_t* text, uint32_t len) {
  (void)ctx;
  int64_t args[3] = {level, shell_memory_offset(text), len};
  expect_output("log", args, 3, text, len);
}

static void r_panic(void* ctx, uint32_t code, const uint8_t* text, uint32_t len) {
  (void)ctx;
  die(3, "firmware panic %u: %.*s", (unsigned)code, (int)len, (const char*)text);
}

static uint32_t r_flash_sector_size(void* ctx) {
  (void)ctx;
  return (uint32_t)expect_import("flash_sector_size", NULL, 0, 1).value;
}

static uint32_t r_flash_sector_count(void* ctx) {
  (void)ctx;
  return (uint32_t)expect_import("flash_sector_count", NULL, 0, 1).value;
}

static int32_t r_flash_read(void* ctx, uint32_t offset, uint8_t* dst, uint32_t len) {
  (void)ctx;
  int64_t args[3] = {offset, shell_memory_offset(dst), len};
  record_t r = expect_import("flash_read", args, 3, 1);
  if (unhex(r.hex ? r.hex : "", dst, len) != len) die(2, "%s line %lu: flash_read data is not %u bytes", input_name, line_no, (unsigned)len);
  return (int32_t)r.value;
}

static int32_t r_flash_program(void* ctx, uint32_t offset, const uint8_t* src, uint32_t len) {
  (void)ctx;
  int64_t args[3] = {offset, shell_memory_offset(src), len};
  record_t r = expect_import("flash_program", args, 3, 0);
  uint32_t n = unhex(r.hex ? r.hex : "", scratch, sizeof scratch);
  if (n != len || memcmp(scratch, src, len) != 0) diverged("board.flash_program: other bytes than recorded");
  return (int32_t)r.value;
}

static int32_t r_flash_erase(void* ctx, uint32_t sector) {
  (void)ctx;
  int64_t args[1] = {sector};
  return (int32_t)expect_import("flash_erase", args, 1, 0).value;
}

static void r_random_fill(void* ctx, uint8_t* dst, uint32_t len) {
  (void)ctx;
  int64_t args[2] = {shell_memory_offset(dst), len};
  record_t r = expect_import("random_fill", args, 2, 1);
  if (unhex(r.hex ? r.hex : "", dst, len) != len) die(2, "%s line %lu: random_fill data is not %u bytes", input_name, line_no, (unsigned)len);
}

static void r_trap(void* ctx, int code) {
  (void)ctx;
  die(3, "firmware trap %d (%s) during %s line %lu", code,
      code < 100 ? wasm_rt_strerror((wasm_rt_trap_t)code) : "shell limit", input_name, line_no);
}

static const board_ops_t replay_ops = {
    r_time_us, r_console_write, r_radio_send, r_log, r_panic, r_flash_sector_size, r_flash_sector_count,
    r_flash_read, r_flash_program, r_flash_erase, r_random_fill, r_trap,
};

/* ---- the report (byte for byte what JSON.stringify gives in the twin) ---- */

static void print_registers(FILE* out) {
  Z_firmware_instance_t* fw = shell_instance();
  static const double pow10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
                                 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  int32_t count = (int32_t)Z_firmwareZ_fw_register_count(fw);
  uint32_t scratch_ptr = Z_firmwareZ_fw_scratch_ptr(fw);
  int first = 1;
  fputc('{', out);
  for (int32_t id = 0; id < count; id++) {
    uint32_t len = Z_firmwareZ_fw_register_name(fw, (u32)id);
    if (len == 0) continue;
    const uint8_t* name = shell_memory(scratch_ptr, len);
    if (!name) die(3, "register %d: name outside memory", (int)id);
    int64_t value = (int64_t)Z_firmwareZ_fw_register_value(fw, (u32)id);
    int32_t decimals = (int32_t)Z_firmwareZ_fw_register_decimals(fw, (u32)id);
    if (decimals < 0 || decimals > 22) die(3, "register %d: %d decimals", (int)id, (int)decimals);
    if (!first) fputc(',', out);
    first = 0;
    json_latin1(name, len, out);
    fputc(':', out);
    js_number((double)value / pow10[decimals], out);
  }
  fputc('}', out);
}

static void print_report(FILE* out) {
  if (report_count == 0) die(2, "%s: no report layout ('report' lines): record with activemeter sim --record", input_name);
  fputc('{', out);
  for (unsigned i = 0; i < report_count; i++) {
    const char* key = report_fields[i].key;
    if (i) fputc(',', out);
    fprintf(out, "\"%s\":", key);
    if (strcmp(report_fields[i].json, "@") != 0) fputs(report_fields[i].json, out);
    else if (strcmp(key, "firmware") == 0) fprintf(out, "{\"sha256\":\"%s\",\"bytes\":%u}", FIRMWARE_SHA256, FIRMWARE_BYTES);
    else if (strcmp(key, "registers") == 0) print_registers(out);
    else if (strcmp(key, "status") == 0) fprintf(out, "%" PRIu32, shell_status());
    else if (strcmp(key, "frames") == 0) {
      if (frame_count) fprintf(out, "%.*s]", (int)frames_len, frames_hex);
      else fputs("[]", out);
    } else if (strcmp(key, "console") == 0) json_latin1(console_bytes, console_len, out);
    else die(2, "%s: report field '%s' is computed by the board shell, but this shell does not know it", input_name, key);
  }
  fputs("}\n", out);
}

/* ---- the replay loop ---- */

static void replay(void) {
  if (!next_line() || strcmp(line, RECORDING_FORMAT) != 0)
    die(2, "%s: not a recording of format %s", input_name, RECORDING_FORMAT);
  shell_init(&replay_ops, NULL);
  int powered = 0, ended = 0;
  while (!ended && next_line()) {
    if (strncmp(line, "report ", 7) == 0) {
      char* key = line + 7;
      char* json = strchr(key, ' ');
      if (!json || report_count == MAX_REPORT_FIELDS || (size_t)(json - key) >= sizeof report_fields[0].key)
        die(2, "%s line %lu: bad report line", input_name, line_no);
      *json++ = 0;
      size_t n = strlen(json) + 1;
      if (report_json_len + n > sizeof report_json) die(2, "%s: report fields too large", input_name);
      snprintf(report_fields[report_count].key, sizeof report_fields[0].key, "%s", key);
      report_fields[report_count++].json = memcpy(report_json + report_json_len, json, n);
      report_json_len += n;
      continue;
    }
    if (strncmp(line, "power ", 6) == 0) {
      unsigned long n;
      char sha[65];
      unsigned long bytes;
      if (sscanf(line + 6, "%lu %64s %lu", &n, sha, &bytes) != 3) die(2, "%s line %lu: bad power line", input_name, line_no);
      if (strcmp(sha, FIRMWARE_SHA256) != 0 || bytes != FIRMWARE_BYTES)
        die(2, "%s was recorded with firmware %s (%lu bytes); this build translates %s (%u bytes): "
               "rebuild with npm run build:native, or record again", input_name, sha, bytes, FIRMWARE_SHA256, FIRMWARE_BYTES);
      shell_power_up(); /* a fresh instance: power-on or reset */
      powered = 1;
      continue;
    }
    if (!powered) die(2, "%s line %lu: '%.40s' before the first power-up", input_name, line_no, line);
    if (strncmp(line, "write ", 6) == 0) {
      char* save = NULL;
      strtok_r(line, " ", &save);
      char* ptr_text = strtok_r(NULL, " ", &save);
      char* hex = strtok_r(NULL, " ", &save);
      if (!ptr_text || !hex) die(2, "%s line %lu: bad write line", input_name, line_no);
      int64_t ptr = parse_int(ptr_text);
      uint32_t len = (uint32_t)(strlen(hex) / 2);
      uint8_t* dst = ptr >= 0 && ptr <= UINT32_MAX ? shell_memory((uint32_t)ptr, len) : NULL;
      if (!dst) die(2, "%s line %lu: write outside the firmware's memory", input_name, line_no);
      unhex(hex, dst, len);
      continue;
    }
    char copy[160];
    line_head(copy, sizeof copy);
    record_t r = parse();
    if (strcmp(r.verb, "end") == 0) {
      ended = 1;
    } else if (strcmp(r.verb, "lost") == 0 && r.name && r.argc == 1) {
      /* the board discarded its last outputs of this import (frames that never left the radio) */
      if (strcmp(r.name, "radio_send") != 0) die(2, "%s line %lu: lost outputs of %s: unknown here", input_name, line_no, r.name);
      if (r.args[0] < 0 || (uint64_t)r.args[0] > frame_count) die(1, "%s line %lu: more frames lost than sent", input_name, line_no);
      frame_count -= (unsigned long)r.args[0];
      frames_len = frame_count ? frame_start[frame_count] : 0;
    } else if (strcmp(r.verb, "call") == 0 && r.name) {
      char name[64];
      const size_t name_len = strnlen(r.name, sizeof name - 1); /* (snprintf: 600 instructions a call) */
      memcpy(name, r.name, name_len);
      name[name_len] = 0;
      int64_t result = 0;
      int has_result = 0;
      in_call = 1;
      int status = shell_call(name, r.args, r.argc, &result, &has_result);
      in_call = 0;
      if (status == -1) die(1, "%s line %lu: the native firmware has no export %s", input_name, line_no, name);
      if (status == -2) die(1, "%s line %lu: export %s takes another number of arguments", input_name, line_no, name);
#if SHELL_COUNT_INSTRET
      cost_add(name, r.argc ? r.args[0] : 0);
#endif
      if (!next_line()) die(2, "%s: ends inside a call of %s", input_name, name);
      line_head(copy, sizeof copy);
      record_t ret = parse();
      if (strcmp(ret.verb, "ret") != 0)
        die(1, "%s line %lu: %s returned, but the recording has '%.120s' (the native firmware made fewer board calls)",
            input_name, line_no, name, copy);
      int64_t recorded = ret.name ? parse_int(ret.name) : 0;
      if ((ret.name != NULL) != (has_result != 0) || recorded != result)
        diverged("%s returned %" PRId64 ", the recording has '%.60s'", name, result, copy);
    } else {
      die(2, "%s line %lu: unexpected '%.120s'", input_name, line_no, copy);
    }
  }
  if (!ended) die(2, "%s: ends without 'end' (the recording was cut short)", input_name);
  replay_ended = 1;
}

static const char usage[] =
    "usage: activemeter-native replay RECORDING [--report FILE] [--cost FILE]\n"
    "         (record with activemeter sim --record RECORDING; the report goes to stdout or FILE;\n"
    "          --cost: instructions per export, in builds that count them: the RV32 build)\n"
    "       activemeter-native version\n";

static FILE* open_output(const char* path) {
  FILE* f = fopen(path, "w");
  if (!f) die(2, "cannot write %s", path);
  return f;
}

int shell_main(int argc, char** argv) {
  if (argc == 2 && strcmp(argv[1], "version") == 0) {
    printf("{\"firmware\":{\"sha256\":\"%s\",\"bytes\":%u},\"abi\":%d}\n", FIRMWARE_SHA256, FIRMWARE_BYTES, SHELL_ABI_VERSION);
    return 0;
  }
  const char* report_path = NULL;
  const char* cost_path = NULL;
  int ok = argc >= 3 && strcmp(argv[1], "replay") == 0;
  for (int i = 3; ok && i < argc; i += 2) {
    if (i + 1 >= argc) ok = 0;
    else if (strcmp(argv[i], "--report") == 0) report_path = argv[i + 1];
    else if (strcmp(argv[i], "--cost") == 0) cost_path = argv[i + 1];
    else ok = 0;
  }
  if (!ok) {
    fputs(usage, stderr);
    return 2;
  }
#if !SHELL_COUNT_INSTRET
  if (cost_path) die(2, "--cost: this build does not count instructions (the RV32 build does: npm run replay:rv32)");
#endif
  input_name = argv[2];
  hex_table_init();
  input_fd = open(input_name, O_RDONLY);
  if (input_fd < 0) die(2, "cannot open %s", input_name);
  replay();
  close(input_fd);
  FILE* out = report_path ? open_output(report_path) : stdout;
  print_report(out);
  if (out != stdout) fclose(out);
  else fflush(stdout);
#if SHELL_COUNT_INSTRET
  if (cost_path) {
    FILE* c = open_output(cost_path);
    print_cost(c);
    fclose(c);
  }
#endif
  if (divergences) {
    fprintf(stderr, "activemeter-native: diverged from the recording %lu time(s); first: %s\n", divergences, first_divergence);
    return 1;
  }
  return 0;
}

#ifndef REPLAY_NO_MAIN
int main(int argc, char** argv) { return shell_main(argc, argv); }
#endif
