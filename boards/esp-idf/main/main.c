/*
 * activemeter on ESP-IDF: the board shell of boards/native/ (shell.c, wasm-rt-min.c) around the
 * wasm2c translation of build/firmware.wasm, wired to the chip:
 *
 *   ADC continuous mode (DMA)      -> fw_adc_block   (voltage and CT channels, interleaved frames)
 *   GPIO edge interrupts + esp_timer -> fw_pulse_batch (pulse inputs and heat flow inputs)
 *   flash partition "amstore"      <- flash_read / flash_program / flash_erase
 *   UART0                          <-> fw_console_input / console_write
 *   ESP-NOW broadcast              <- radio_send (one frame per datagram)
 *   esp_timer_get_time             <- time_us;  esp_fill_random <- random_fill
 *
 * The main loop runs every 10 ms, like the twin's (docs/scenarios.md): drain the edge queue into
 * one pulse batch, hand over the ADC frames DMA has produced, feed console bytes, tick.
 * NOT COMPILED in the repository's CI (no ESP-IDF there): see ../README.md for what is verified.
 */
#include <stdint.h>
#include <string.h>

#include "driver/gpio.h"
#include "driver/uart.h"
#include "esp_adc/adc_continuous.h"
#include "esp_event.h"
#include "esp_log.h"
#include "esp_netif.h"
#include "esp_now.h"
#include "esp_partition.h"
#include "esp_random.h"
#include "esp_system.h"
#include "esp_timer.h"
#include "esp_wifi.h"
#include "freertos/FreeRTOS.h"
#include "freertos/task.h"
#include "nvs.h"
#include "nvs_flash.h"

#include "firmware-id.h"
#include "shell.h"
#include ACTIVEMETER_BOARD_HEADER

static const char* TAG = "activemeter";
#define STEP_MS 10
#define CONSOLE_UART UART_NUM_0

/* ---------------- pulse edges: ISR -> ring -> one batch per step ---------------- */

#define EDGE_RING 512 /* power of two; 16.6 Hz S0 with bounce needs far less per 10 ms */
static shell_pulse_event_t edge_ring[EDGE_RING];
static volatile uint32_t edge_head, edge_tail, edge_overflows;
static shell_pulse_event_t edge_batch[EDGE_RING];

static void IRAM_ATTR edge_isr(void* arg) {
  const uint32_t i = (uint32_t)(uintptr_t)arg;
  const uint32_t head = edge_head;
  if (head - edge_tail >= EDGE_RING) {
    edge_overflows++;
    return;
  }
  shell_pulse_event_t* e = &edge_ring[head & (EDGE_RING - 1)];
  e->time_us = (uint64_t)esp_timer_get_time();
  e->input = activemeter_edge_inputs[i].input;
  e->level = (uint8_t)gpio_get_level((gpio_num_t)activemeter_edge_inputs[i].gpio);
  e->flags = 0;
  edge_head = head + 1;
}

static void edges_init(void) {
  ESP_ERROR_CHECK(gpio_install_isr_service(0));
  shell_pulse_event_t levels[ACTIVEMETER_EDGE_INPUTS > 0 ? ACTIVEMETER_EDGE_INPUTS : 1];
  for (uint32_t i = 0; i < ACTIVEMETER_EDGE_INPUTS; i++) {
    const gpio_num_t pin = (gpio_num_t)activemeter_edge_inputs[i].gpio;
    const gpio_config_t cfg = {
        .pin_bit_mask = 1ULL << pin, .mode = GPIO_MODE_INPUT, .pull_up_en = GPIO_PULLUP_DISABLE,
        .pull_down_en = GPIO_PULLDOWN_ENABLE, .intr_type = GPIO_INTR_ANYEDGE,
    };
    ESP_ERROR_CHECK(gpio_config(&cfg));
    /* The level at power-up, reported once before any edge (docs/board-abi.md). */
    levels[i] = (shell_pulse_event_t){(uint64_t)esp_timer_get_time(), activemeter_edge_inputs[i].input,
                                      (uint8_t)gpio_get_level(pin), SHELL_PULSE_POWER_UP};
    ESP_ERROR_CHECK(gpio_isr_handler_add(pin, edge_isr, (void*)(uintptr_t)i));
  }
  shell_pulse_events(levels, ACTIVEMETER_EDGE_INPUTS);
}

static void edges_deliver(void) {
  uint32_t n = 0;
  while (edge_tail != edge_head && n < EDGE_RING) edge_batch[n++] = edge_ring[edge_tail++ & (EDGE_RING - 1)];
  /* Inputs interrupt independently: order by time as the ABI wants per input (stable, tiny n). */
  for (uint32_t i = 1; i < n; i++) {
    shell_pulse_event_t e = edge_batch[i];
    uint32_t j = i;
    while (j > 0 && edge_batch[j - 1].time_us > e.time_us) edge_batch[j] = edge_batch[j - 1], j--;
    edge_batch[j] = e;
  }
  if (n > 0) shell_pulse_events(edge_batch, n);
}

/* ---------------- ADC continuous mode (DMA) -> interleaved frames ---------------- */

#if ACTIVEMETER_ADC_COLUMNS > 0
#define ADC_READ_BYTES 1024
static adc_continuous_handle_t adc;
static uint8_t adc_raw[ADC_READ_BYTES];
static uint16_t adc_frames[ADC_READ_BYTES / SOC_ADC_DIGI_RESULT_BYTES];
static uint16_t adc_partial[ACTIVEMETER_ADC_COLUMNS];
static uint32_t adc_column; /* next column expected */

static void adc_init(void) {
  const adc_continuous_handle_cfg_t handle_cfg = {.max_store_buf_size = 8192, .conv_frame_size = ADC_READ_BYTES};
  ESP_ERROR_CHECK(adc_continuous_new_handle(&handle_cfg, &adc));
  adc_digi_pattern_config_t pattern[ACTIVEMETER_ADC_COLUMNS];
  for (uint32_t i = 0; i < ACTIVEMETER_ADC_COLUMNS; i++) {
    pattern[i] = (adc_digi_pattern_config_t){
        .atten = ADC_ATTEN_DB_12, .channel = activemeter_adc_inputs[i], .unit = ADC_UNIT_1, .bit_width = ACTIVEMETER_ADC_BITS,
    };
  }
  const adc_continuous_config_t cfg = {
      .pattern_num = ACTIVEMETER_ADC_COLUMNS, .adc_pattern = pattern,
      .sample_freq_hz = ACTIVEMETER_ADC_SAMPLE_RATE_HZ * ACTIVEMETER_ADC_COLUMNS,
      .conv_mode = ADC_CONV_SINGLE_UNIT_1, .format = ADC_DIGI_OUTPUT_FORMAT_TYPE2,
  };
  ESP_ERROR_CHECK(adc_continuous_config(adc, &cfg));
  ESP_ERROR_CHECK(adc_continuous_start(adc));
}

/* Everything DMA has converted since the last step, as whole frames [v, ct1, ct2, ...]. */
static void adc_deliver(void) {
  uint32_t got = 0;
  while (adc_continuous_read(adc, adc_raw, sizeof adc_raw, &got, 0) == ESP_OK && got > 0) {
    uint32_t codes = 0;
    for (uint32_t at = 0; at + SOC_ADC_DIGI_RESULT_BYTES <= got; at += SOC_ADC_DIGI_RESULT_BYTES) {
      const adc_digi_output_data_t* d = (const adc_digi_output_data_t*)&adc_raw[at];
      if (d->type2.channel != activemeter_adc_inputs[adc_column]) {
        adc_column = 0; /* a lost conversion: drop the partial frame, resynchronise */
        if (d->type2.channel != activemeter_adc_inputs[0]) continue;
      }
      adc_partial[adc_column++] = (uint16_t)d->type2.data;
      if (adc_column == ACTIVEMETER_ADC_COLUMNS) {
        memcpy(&adc_frames[codes], adc_partial, sizeof adc_partial);
        codes += ACTIVEMETER_ADC_COLUMNS;
        adc_column = 0;
      }
    }
    if (codes > 0) shell_adc_block(adc_frames, codes / ACTIVEMETER_ADC_COLUMNS, ACTIVEMETER_ADC_COLUMNS);
  }
}
#else
static void adc_init(void) {}
static void adc_deliver(void) {}
#endif

/* ---------------- flash partition for the store ---------------- */

static const esp_partition_t* store;

static uint32_t b_flash_sector_size(void* ctx) { return ACTIVEMETER_FLASH_SECTOR_BYTES; }
static uint32_t b_flash_sector_count(void* ctx) { return store ? ACTIVEMETER_FLASH_SECTORS : 0; }

static int32_t b_flash_read(void* ctx, uint32_t offset, uint8_t* dst, uint32_t len) {
  return store && esp_partition_read(store, offset, dst, len) == ESP_OK ? 0 : -1;
}

/* NOR programming: raw write, bits only go from 1 to 0 (no flash encryption on this partition). */
static int32_t b_flash_program(void* ctx, uint32_t offset, const uint8_t* src, uint32_t len) {
  return store && esp_partition_write_raw(store, offset, src, len) == ESP_OK ? 0 : -1;
}

static int32_t b_flash_erase(void* ctx, uint32_t sector) {
  if (!store || sector >= ACTIVEMETER_FLASH_SECTORS) return -1;
  return esp_partition_erase_range(store, sector * ACTIVEMETER_FLASH_SECTOR_BYTES, ACTIVEMETER_FLASH_SECTOR_BYTES) == ESP_OK ? 0 : -1;
}

static void store_init(void) {
  store = esp_partition_find_first(ESP_PARTITION_TYPE_DATA, ESP_PARTITION_SUBTYPE_ANY, "amstore");
  if (!store || store->size < ACTIVEMETER_FLASH_SECTORS * ACTIVEMETER_FLASH_SECTOR_BYTES) {
    ESP_LOGE(TAG, "partition 'amstore' missing or smaller than %u bytes: registers will not survive a reset",
             (unsigned)(ACTIVEMETER_FLASH_SECTORS * ACTIVEMETER_FLASH_SECTOR_BYTES));
    store = NULL;
  }
}

/* ---------------- console UART ---------------- */

static uint8_t console_in[256];

static void console_init(void) { ESP_ERROR_CHECK(uart_driver_install(CONSOLE_UART, 1024, 1024, 0, NULL, 0)); }

static void console_deliver(void) {
  const int n = uart_read_bytes(CONSOLE_UART, console_in, sizeof console_in, 0);
  if (n > 0) shell_console_input(console_in, (uint32_t)n);
}

static void b_console_write(void* ctx, const uint8_t* data, uint32_t len) { uart_write_bytes(CONSOLE_UART, data, len); }

/* ---------------- radio: ESP-NOW broadcast, one frame per datagram ---------------- */

static const uint8_t broadcast[ESP_NOW_ETH_ALEN] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

static void radio_init(void) {
  ESP_ERROR_CHECK(esp_netif_init());
  ESP_ERROR_CHECK(esp_event_loop_create_default());
  const wifi_init_config_t cfg = WIFI_INIT_CONFIG_DEFAULT();
  ESP_ERROR_CHECK(esp_wifi_init(&cfg));
  ESP_ERROR_CHECK(esp_wifi_set_storage(WIFI_STORAGE_RAM));
  ESP_ERROR_CHECK(esp_wifi_set_mode(WIFI_MODE_STA));
  ESP_ERROR_CHECK(esp_wifi_start());
  ESP_ERROR_CHECK(esp_now_init());
  esp_now_peer_info_t peer = {.channel = 0, .ifidx = WIFI_IF_STA, .encrypt = false};
  memcpy(peer.peer_addr, broadcast, ESP_NOW_ETH_ALEN);
  ESP_ERROR_CHECK(esp_now_add_peer(&peer));
}

static void b_radio_send(void* ctx, const uint8_t* frame, uint32_t len) {
  if (len <= ESP_NOW_MAX_DATA_LEN) esp_now_send(broadcast, frame, len);
  else ESP_LOGW(TAG, "frame of %u bytes does not fit an ESP-NOW datagram", (unsigned)len);
}

/* ---------------- the rest of the board ABI ---------------- */

static uint64_t b_time_us(void* ctx) { return (uint64_t)esp_timer_get_time(); }

static void b_log(void* ctx, uint32_t level, const uint8_t* text, uint32_t len) {
  if (level >= 2) ESP_LOGE(TAG, "%.*s", (int)len, (const char*)text);
  else if (level == 1) ESP_LOGW(TAG, "%.*s", (int)len, (const char*)text);
  else ESP_LOGI(TAG, "%.*s", (int)len, (const char*)text);
}

static void b_panic(void* ctx, uint32_t code, const uint8_t* text, uint32_t len) {
  ESP_LOGE(TAG, "firmware panic %u: %.*s; restarting", (unsigned)code, (int)len, (const char*)text);
  esp_restart();
}

static void b_random_fill(void* ctx, uint8_t* dst, uint32_t len) { esp_fill_random(dst, len); }

static void b_trap(void* ctx, int code) {
  ESP_LOGE(TAG, "firmware trap %d; restarting", code);
  esp_restart();
}

static const board_ops_t board = {
    b_time_us, b_console_write, b_radio_send, b_log, b_panic, b_flash_sector_size, b_flash_sector_count,
    b_flash_read, b_flash_program, b_flash_erase, b_random_fill, b_trap,
};

/* The node's 16-byte frame key from NVS (namespace "activemeter", blob "frame_key"). */
static void load_key(void) {
  nvs_handle_t h;
  uint8_t key[16];
  size_t len = sizeof key;
  if (nvs_open("activemeter", NVS_READONLY, &h) != ESP_OK || nvs_get_blob(h, "frame_key", key, &len) != ESP_OK || len != 16) {
    ESP_LOGE(TAG, "no frame key in NVS (activemeter/frame_key): frames go out unauthenticated");
    return;
  }
  nvs_close(h);
  shell_set_key(key);
  memset(key, 0, sizeof key);
}

/* Call an export by name if this firmware version has it (the generated table knows them all). */
static int64_t call_if_present(const char* name, int64_t arg, unsigned argc) {
  int64_t result = -1;
  int has_result;
  if (shell_call(name, &arg, argc, &result, &has_result) != 0) ESP_LOGW(TAG, "firmware has no %s", name);
  return result;
}

void app_main(void) {
  esp_err_t err = nvs_flash_init();
  if (err == ESP_ERR_NVS_NO_FREE_PAGES || err == ESP_ERR_NVS_NEW_VERSION_FOUND) {
    ESP_ERROR_CHECK(nvs_flash_erase());
    err = nvs_flash_init();
  }
  ESP_ERROR_CHECK(err);
  console_init();
  store_init();
  radio_init();

  shell_init(&board, NULL);
  shell_power_up();
  if (!shell_abi_ok()) {
    ESP_LOGE(TAG, "firmware speaks another board ABI than this shell (%d): refusing to run it", SHELL_ABI_VERSION);
    return;
  }
  const int32_t started = shell_start(activemeter_board_descriptor, sizeof activemeter_board_descriptor);
  if (started < 0) {
    ESP_LOGE(TAG, "board descriptor refused (%d)", (int)started);
    return;
  }
  load_key();
  /* The firmware's identity: the sha256 of the .wasm this image translates (as the twin does). */
  static const uint8_t identity[32] = FIRMWARE_SHA256_BYTES;
  uint8_t* scratch = shell_memory((uint32_t)call_if_present("fw_scratch_ptr", 0, 0), 32);
  if (scratch) {
    memcpy(scratch, identity, sizeof identity);
    call_if_present("fw_set_identity", 32, 1);
  }
  edges_init();
  adc_init();
  ESP_LOGW(TAG, "%s on %s, firmware %.16s", ACTIVEMETER_BOARD_NAME, CONFIG_IDF_TARGET, FIRMWARE_SHA256);

  TickType_t wake = xTaskGetTickCount();
  for (;;) {
    edges_deliver();
    adc_deliver();
    console_deliver();
    shell_tick();
    if (edge_overflows) {
      ESP_LOGW(TAG, "%u edges lost: ISR queue full", (unsigned)edge_overflows);
      edge_overflows = 0;
    }
    vTaskDelayUntil(&wake, pdMS_TO_TICKS(STEP_MS));
  }
}
