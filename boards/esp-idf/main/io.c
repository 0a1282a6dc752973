/*
 * The rest of the board ABI on ESP-IDF: the store partition (flash_*), the installer console on
 * its own UART (logs go to USB-Serial-JTAG or another UART: sdkconfig.defaults.<chip>), frames
 * to radio.c, the clock, randomness, logs, and panic/trap -> restart.
 */
#include <string.h>

#include "board-io.h"
#include "driver/uart.h"
#include "esp_err.h"
#include "esp_log.h"
#include "esp_partition.h"
#include "esp_random.h"
#include "esp_system.h"
#include "esp_timer.h"
#include "freertos/FreeRTOS.h"
#include "sdkconfig.h"
#include ACTIVEMETER_BOARD_HEADER

static const char* TAG = "activemeter";

/* ESP-IDF's own console (boot messages, ESP_LOG) must not be the installer's UART: a log line in
 * the middle of a calibration dialogue would be read as the meter's answer. */
#if defined(CONFIG_ESP_CONSOLE_UART) && CONFIG_ESP_CONSOLE_UART && CONFIG_ESP_CONSOLE_UART_NUM == ACTIVEMETER_CONSOLE_UART
#error "ESP-IDF's console (logs) is on the installer console UART: set CONFIG_ESP_CONSOLE_USB_SERIAL_JTAG (ESP32-C3) or CONFIG_ESP_CONSOLE_UART_CUSTOM with another UART (sdkconfig.defaults.<chip>)"
#endif

/* ---------------- flash partition for the store (sized from the board file) ---------------- */

static const esp_partition_t* store;

static uint32_t b_flash_sector_size(void* ctx) {
  (void)ctx;
  return ACTIVEMETER_FLASH_SECTOR_BYTES;
}
static uint32_t b_flash_sector_count(void* ctx) {
  (void)ctx;
  return store ? ACTIVEMETER_FLASH_SECTORS : 0;
}

static int32_t b_flash_read(void* ctx, uint32_t offset, uint8_t* dst, uint32_t len) {
  (void)ctx;
  return store && esp_partition_read(store, offset, dst, len) == ESP_OK ? 0 : -1;
}

/* NOR programming: raw write, bits only go from 1 to 0 (no flash encryption on this partition). */
static int32_t b_flash_program(void* ctx, uint32_t offset, const uint8_t* src, uint32_t len) {
  (void)ctx;
  return store && esp_partition_write_raw(store, offset, src, len) == ESP_OK ? 0 : -1;
}

static int32_t b_flash_erase(void* ctx, uint32_t sector) {
  (void)ctx;
  if (!store || sector >= ACTIVEMETER_FLASH_SECTORS) return -1;
  return esp_partition_erase_range(store, sector * ACTIVEMETER_FLASH_SECTOR_BYTES, ACTIVEMETER_FLASH_SECTOR_BYTES) == ESP_OK ? 0 : -1;
}

void store_init(void) {
  /* The partition table is generated from the board file (build/native/boards/<board>.partitions.csv). */
  store = esp_partition_find_first(ESP_PARTITION_TYPE_DATA, ESP_PARTITION_SUBTYPE_ANY, "amstore");
  if (!store || store->size < ACTIVEMETER_FLASH_SECTORS * ACTIVEMETER_FLASH_SECTOR_BYTES) {
    ESP_LOGE(TAG, "partition 'amstore' missing or smaller than %u bytes: registers will not survive a reset",
             (unsigned)(ACTIVEMETER_FLASH_SECTORS * ACTIVEMETER_FLASH_SECTOR_BYTES));
    store = NULL;
  }
}

/* ---------------- installer console: its own UART ---------------- */

static uint8_t console_in[256];

void console_init(void) {
  ESP_ERROR_CHECK(uart_driver_install(ACTIVEMETER_CONSOLE_UART, 1024, 1024, 0, NULL, 0));
}

void console_deliver(void) {
  const int n = uart_read_bytes(ACTIVEMETER_CONSOLE_UART, console_in, sizeof console_in, 0);
  if (n > 0) shell_console_input(console_in, (uint32_t)n);
}

/* Before a restart: the answer to `reboot` must reach the installer. */
void console_flush(void) { uart_wait_tx_done(ACTIVEMETER_CONSOLE_UART, pdMS_TO_TICKS(200)); }

static void b_console_write(void* ctx, const uint8_t* data, uint32_t len) {
  (void)ctx;
  uart_write_bytes(ACTIVEMETER_CONSOLE_UART, data, len);
}

/* ---------------- radio: ESP-NOW (radio.c) ---------------- */

static void b_radio_send(void* ctx, const uint8_t* frame, uint32_t len) {
  (void)ctx;
  radio_send(frame, len);
}

/* ---------------- the rest of the board ABI ---------------- */

static uint64_t b_time_us(void* ctx) {
  (void)ctx;
  return (uint64_t)esp_timer_get_time();
}

static void b_log(void* ctx, uint32_t level, const uint8_t* text, uint32_t len) {
  (void)ctx;
  if (level >= 2) ESP_LOGE(TAG, "%.*s", (int)len, (const char*)text);
  else if (level == 1) ESP_LOGW(TAG, "%.*s", (int)len, (const char*)text);
  else ESP_LOGI(TAG, "%.*s", (int)len, (const char*)text);
}

static void b_panic(void* ctx, uint32_t code, const uint8_t* text, uint32_t len) {
  (void)ctx;
  ESP_LOGE(TAG, "firmware panic %u: %.*s; restarting", (unsigned)code, (int)len, (const char*)text);
  esp_restart();
}

static void b_random_fill(void* ctx, uint8_t* dst, uint32_t len) {
  (void)ctx;
  esp_fill_random(dst, len);
}

static void b_trap(void* ctx, int code) {
  (void)ctx;
  ESP_LOGE(TAG, "firmware trap %d; restarting", code);
  esp_restart();
}

const board_ops_t activemeter_board_ops = {
    b_time_us, b_console_write, b_radio_send, b_log, b_panic, b_flash_sector_size, b_flash_sector_count,
    b_flash_read, b_flash_program, b_flash_erase, b_random_fill, b_trap,
};
