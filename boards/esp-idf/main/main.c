/*
 * activemeter on ESP-IDF: the board shell of boards/native/ (shell.c, wasm-rt-min.c) around the
 * wasm2c translation of build/firmware.wasm, wired to the chip:
 *
 *   ADC continuous mode (DMA)        -> fw_adc_block   (adc.c: real rate checked at build time, gaps flagged)
 *   GPIO edge interrupts in IRAM     -> fw_pulse_batch (edges.c)
 *   flash partition "amstore"        <- flash_read / flash_program / flash_erase (io.c, sized from the board file)
 *   UART0 (installer console only)  <-> fw_console_input / console_write (io.c; IDF logs elsewhere)
 *   ESP-NOW broadcast                <- radio_send (radio.c)
 *   ESP-NOW downlinks (unicast)      -> fw_downlink    (radio.c: queued by the Wi-Fi task, handed over in the loop)
 *   relay / SSR GPIOs                <- fw_output_state (outputs.c)
 *
 * The main loop runs every 10 ms, like the twin's (docs/scenarios.md): drain the edge queue into
 * one pulse batch, hand over the ADC frames DMA has produced, feed console bytes, tick; after the
 * console and the tick it asks fw_reset_pending and restarts the chip when the firmware wants it
 * (console `reboot`, `factory-reset`: registers are already committed).
 * NOT COMPILED with ESP-IDF here (syntax-checked against stub headers): see ../README.md.
 */
#include <sys/time.h>
#include "esp_sntp.h"
#include <string.h>

#include "board-io.h"
#include "esp_err.h"
#include "esp_log.h"
#include "esp_system.h"
#include "firmware-id.h"
#include "freertos/FreeRTOS.h"
#include "freertos/task.h"
#include "nvs.h"
#include "nvs_flash.h"
#include "sdkconfig.h"
#include ACTIVEMETER_BOARD_HEADER

static const char* TAG = "activemeter";
#define STEP_MS 10

/* The board file is for one chip; this image for the IDF target it was configured with. */
#if (defined(ACTIVEMETER_CHIP_ESP32C3) && !CONFIG_IDF_TARGET_ESP32C3) || (defined(ACTIVEMETER_CHIP_ESP32) && !CONFIG_IDF_TARGET_ESP32) || \
    (defined(ACTIVEMETER_CHIP_ESP32S3) && !CONFIG_IDF_TARGET_ESP32S3)
#error "the board file's chip is not this build's IDF target (idf.py set-target <board chip>)"
#endif

bool firmware_has(const char* name) {
  for (unsigned i = 0; i < shell_export_count; i++)
    if (strcmp(shell_exports[i].name, name) == 0) return true;
  return false;
}

int64_t call_if_present(const char* name, int64_t arg, unsigned argc) {
  int64_t result = -1;
  int has_result;
  if (shell_call(name, &arg, argc, &result, &has_result) != 0) ESP_LOGW(TAG, "firmware has no %s", name);
  return result;
}

/* The node's 16-byte frame key from NVS (namespace "activemeter", blob "frame_key"). */
static void load_key(void) {
  nvs_handle_t h;
  uint8_t key[16];
  size_t len = sizeof key;
  if (nvs_open("activemeter", NVS_READONLY, &h) != ESP_OK) {
    ESP_LOGE(TAG, "no NVS namespace 'activemeter': frames go out unauthenticated");
    return;
  }
  const esp_err_t got = nvs_get_blob(h, "frame_key", key, &len);
  nvs_close(h); /* on every path */
  if (got != ESP_OK || len != sizeof key) {
    ESP_LOGE(TAG, "no 16-byte frame key in NVS (activemeter/frame_key): frames go out unauthenticated");
    memset(key, 0, sizeof key);
    return;
  }
  shell_set_key(key);
  memset(key, 0, sizeof key);
}

/* Wall clock (fw_set_time_utc, issue 20): the RTC keeps the system time across resets, SNTP sets
 * it once a network is up. The firmware gets UTC seconds at start-up and then every minute (it
 * logs steps above 5 s itself); before the time is plausible it gets nothing: time_unknown. */
#ifndef CONFIG_ACTIVEMETER_SNTP_SERVER
#define CONFIG_ACTIVEMETER_SNTP_SERVER "pool.ntp.org"
#endif
static volatile bool sntp_synced;
static void on_sntp_sync(struct timeval* tv) { (void)tv; sntp_synced = true; }

static void clock_to_firmware(void) {
  struct timeval tv;
  gettimeofday(&tv, NULL);
  if (tv.tv_sec < 1577836800) return; /* before 2020: the RTC was never set */
  call_if_present("fw_set_time_utc", (int64_t)tv.tv_sec, 1);
}

static void clock_init(void) {
  esp_sntp_setoperatingmode(ESP_SNTP_OPMODE_POLL);
  esp_sntp_setservername(0, CONFIG_ACTIVEMETER_SNTP_SERVER);
  sntp_set_time_sync_notification_cb(on_sntp_sync);
  esp_sntp_init();
  clock_to_firmware();
}

/* The firmware asked for a reset (console reboot / factory-reset): restart as after power-on. */
static void reset_if_pending(void) {
  if (call_if_present("fw_reset_pending", 0, 0) != 1) return;
  ESP_LOGW(TAG, "firmware requested a reset: restarting");
  console_flush();
  esp_restart();
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

  shell_init(&activemeter_board_ops, NULL);
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
  const bool has_reset = firmware_has("fw_reset_pending");
  const bool has_clock = firmware_has("fw_set_time_utc");
  const bool has_downlink = firmware_has("fw_downlink");
  if (has_clock) clock_init();
  unsigned clock_steps = 0;
  edges_init();
  adc_init();
  outputs_init();
  ESP_LOGW(TAG, "%s on %s, firmware %.16s", ACTIVEMETER_BOARD_NAME, CONFIG_IDF_TARGET, FIRMWARE_SHA256);

  TickType_t wake = xTaskGetTickCount();
  for (;;) {
    edges_deliver();
    adc_deliver();
    console_deliver();
    radio_deliver(has_downlink);
    if (has_reset) reset_if_pending();
    if (has_clock && (sntp_synced || ++clock_steps >= 60000 / STEP_MS)) {
      sntp_synced = false;
      clock_steps = 0;
      clock_to_firmware();
    }
    shell_tick();
    outputs_update();
    if (has_reset) reset_if_pending();
    const uint32_t lost = edges_lost();
    if (lost) ESP_LOGE(TAG, "%u edges lost: ISR queue full", (unsigned)lost);
    const uint32_t dropped = radio_dropped();
    if (dropped) ESP_LOGW(TAG, "%u downlinks dropped: queue full", (unsigned)dropped);
    vTaskDelayUntil(&wake, pdMS_TO_TICKS(STEP_MS));
  }
}
