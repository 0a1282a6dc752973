/*
 * Size probe for rv32imc (ESP32-C3 instruction set): the board shell and the translated firmware
 * linked with a stub board (no drivers), so `size` shows what the firmware and the shell cost.
 * Built by boards/native/size.sh; never run. Drivers are the ESP-IDF project's (boards/esp-idf/).
 * It calls every entry point a board shell uses (boards/esp-idf/main/ does: the console, the key,
 * temperatures, and shell_call, which reaches every fw_* export by name): the linker keeps only
 * what is reachable, so a probe that skipped one would measure a firmware without it.
 */
#include <stdint.h>
#include "shell.h"

static volatile uint64_t clock_us;
static volatile uint32_t sink;

static uint64_t b_time_us(void* c) { (void)c; return clock_us; }
static void b_bytes(void* c, const uint8_t* d, uint32_t n) { (void)c; sink += n ? d[0] : 0; }
static void b_log(void* c, uint32_t l, const uint8_t* d, uint32_t n) { (void)c; (void)l; b_bytes(c, d, n); }
static void b_panic(void* c, uint32_t code, const uint8_t* d, uint32_t n) { (void)c; (void)code; (void)d; (void)n; for (;;) {} }
static uint32_t b_sector_size(void* c) { (void)c; return 4096; }
static uint32_t b_sector_count(void* c) { (void)c; return 16; }
static int32_t b_read(void* c, uint32_t o, uint8_t* d, uint32_t n) { (void)c; (void)o; for (uint32_t i = 0; i < n; i++) d[i] = 0xff; return 0; }
static int32_t b_program(void* c, uint32_t o, const uint8_t* d, uint32_t n) { (void)c; (void)o; b_bytes(c, d, n); return 0; }
static int32_t b_erase(void* c, uint32_t s) { (void)c; (void)s; return 0; }
static void b_random(void* c, uint8_t* d, uint32_t n) { (void)c; for (uint32_t i = 0; i < n; i++) d[i] = (uint8_t)i; }
static void b_trap(void* c, int code) { (void)c; (void)code; for (;;) {} }

static const board_ops_t ops = {
    b_time_us, b_bytes, b_bytes, b_log, b_panic, b_sector_size, b_sector_count, b_read, b_program, b_erase, b_random, b_trap,
};

static const uint8_t descriptor[36] = {0x41, 0x4d, 0x42, 0x44, 1, 0};
static uint16_t adc[3 * 60];

int main(void) {
  shell_init(&ops, 0);
  shell_power_up();
  if (!shell_abi_ok()) return 1;
  shell_start(descriptor, sizeof descriptor);
  for (;;) {
    shell_adc_block(adc, 60, 3);
    shell_pulse_events(0, 0);
    shell_tick();
    clock_us += 10000;
    if (sink == 0x5a5a5a5a) { // never true at run time; the compiler cannot know
      static const uint8_t line[] = "status\r";
      static const uint8_t key[16];
      int64_t arg = sink, result = 0;
      int has_result = 0;
      shell_console_input(line, sizeof line - 1);
      shell_set_key(key);
      shell_temperatures(0, 0);
      (void)shell_call((const char*)line, &arg, 1, &result, &has_result);
      sink += shell_status() + (uint32_t)result;
    }
  }
}
