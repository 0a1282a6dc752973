/*
 * Voltage and CT inputs: ADC continuous mode (DMA) -> interleaved frames [v, ct1, ...] -> fw_adc_block.
 *
 * The rate is checked at build time. The ADC's trigger interval is an integer number of its
 * clock's ticks, so the conversion rate is clock / floor(clock / wanted): on the ESP32-C3
 * (80 MHz / 16 / 2 = 2.5 MHz) 2 columns × 4000 frames/s give 312 ticks, i.e. 4006.41 frames/s.
 * The board file must state that real rate (adc.frame_rate_hz, carried to the firmware in the
 * descriptor); a board that does not is refused here with the figure it needs. A chip whose
 * continuous mode cannot run this slowly (the ESP32's I2S-driven ADC: at least 20 000
 * conversions/s) is refused too.
 */
#include <string.h>

#include "board-io.h"
#include "esp_adc/adc_continuous.h"
#include "esp_attr.h"
#include "esp_err.h"
#include "esp_log.h"
#include "sdkconfig.h"
#include "soc/soc_caps.h"
#include ACTIVEMETER_BOARD_HEADER

#if ACTIVEMETER_ADC_COLUMNS > 0
static const char* TAG = "activemeter-adc";
#define CONVERSIONS_PER_S (ACTIVEMETER_ADC_SAMPLE_RATE_HZ * ACTIVEMETER_ADC_COLUMNS)

#if CONVERSIONS_PER_S < SOC_ADC_SAMPLE_FREQ_THRES_LOW
#error "this chip's ADC continuous mode needs at least SOC_ADC_SAMPLE_FREQ_THRES_LOW conversions/s (ESP32: 20000); the board asks sample_rate_hz x ADC columns fewer (esp32-devkitc: 4000 x 3 = 12000): not supported by this shell"
#elif CONVERSIONS_PER_S > SOC_ADC_SAMPLE_FREQ_THRES_HIGH
#error "the board asks more conversions/s than this chip's ADC continuous mode can do (SOC_ADC_SAMPLE_FREQ_THRES_HIGH)"
#elif CONFIG_IDF_TARGET_ESP32C3
/* The digital controller's trigger clock (ESP-IDF adc_hal: clock source / (div_num + 1) / 2). */
#define ADC_TRIGGER_CLOCK_HZ 2500000ull /* APB 80 MHz / 16 / 2 */
#else
#error "the ADC trigger clock of this chip is not known to this shell: add it (and check the real rate) first"
#endif

#ifdef ADC_TRIGGER_CLOCK_HZ
#define ADC_TRIGGER_TICKS (ADC_TRIGGER_CLOCK_HZ / CONVERSIONS_PER_S)
/* The real frame rate in mHz, and what the board file says (within 10 ppm: its rounding). */
#define ADC_REAL_FRAME_RATE_MHZ (ADC_TRIGGER_CLOCK_HZ * 1000ull / ADC_TRIGGER_TICKS / ACTIVEMETER_ADC_COLUMNS)
#if ADC_REAL_FRAME_RATE_MHZ * 100000ull > ACTIVEMETER_ADC_FRAME_RATE_MHZ * 100001ull || \
    ADC_REAL_FRAME_RATE_MHZ * 100001ull < ACTIVEMETER_ADC_FRAME_RATE_MHZ * 100000ull
#error "the ADC runs at ADC_REAL_FRAME_RATE_MHZ mHz (2.5 MHz / floor(2.5 MHz / conversions per s) / columns; esp32c3-mini: 4006.41 frames/s), not at the board file's rate: set adc.frame_rate_hz in the board file to that value"
#endif
#endif

#if CONFIG_IDF_TARGET_ESP32 || CONFIG_IDF_TARGET_ESP32S2
#define ADC_FORMAT ADC_DIGI_OUTPUT_FORMAT_TYPE1
#define RESULT_CHANNEL(d) ((d)->type1.channel)
#define RESULT_DATA(d) ((d)->type1.data)
#else
#define ADC_FORMAT ADC_DIGI_OUTPUT_FORMAT_TYPE2
#define RESULT_CHANNEL(d) ((d)->type2.channel)
#define RESULT_DATA(d) ((d)->type2.data)
#endif

#define ADC_READ_BYTES 1024
static adc_continuous_handle_t adc;
static uint8_t adc_raw[ADC_READ_BYTES];
static uint16_t adc_frames[ADC_READ_BYTES / SOC_ADC_DIGI_RESULT_BYTES];
static uint16_t adc_partial[ACTIVEMETER_ADC_COLUMNS];
static uint32_t adc_column; /* next column expected */
/* Conversions the driver dropped (its pool was full): counted by the ISR, read by the task. */
static DRAM_ATTR volatile uint32_t lost_conversions;
static uint32_t lost_reported;

/* The driver's pool is full: it drops a conversion frame. Called from the ADC interrupt. */
static bool IRAM_ATTR on_pool_ovf(adc_continuous_handle_t handle, const adc_continuous_evt_data_t* edata, void* user) {
  (void)handle;
  (void)user;
  lost_conversions += edata->size / SOC_ADC_DIGI_RESULT_BYTES;
  return false;
}

void adc_init(void) {
  const adc_continuous_handle_cfg_t handle_cfg = {.max_store_buf_size = 8192, .conv_frame_size = ADC_READ_BYTES};
  ESP_ERROR_CHECK(adc_continuous_new_handle(&handle_cfg, &adc));
  adc_digi_pattern_config_t pattern[ACTIVEMETER_ADC_COLUMNS];
  for (uint32_t i = 0; i < ACTIVEMETER_ADC_COLUMNS; i++) {
    pattern[i] = (adc_digi_pattern_config_t){
        .atten = ADC_ATTEN_DB_12, .channel = activemeter_adc_inputs[i], .unit = ADC_UNIT_1, .bit_width = ACTIVEMETER_ADC_BITS,
    };
  }
  const adc_continuous_config_t cfg = {
      .pattern_num = ACTIVEMETER_ADC_COLUMNS, .adc_pattern = pattern, .sample_freq_hz = CONVERSIONS_PER_S,
      .conv_mode = ADC_CONV_SINGLE_UNIT_1, .format = ADC_FORMAT,
  };
  ESP_ERROR_CHECK(adc_continuous_config(adc, &cfg));
  const adc_continuous_evt_cbs_t cbs = {.on_pool_ovf = on_pool_ovf};
  ESP_ERROR_CHECK(adc_continuous_register_event_callbacks(adc, &cbs, NULL));
  ESP_ERROR_CHECK(adc_continuous_start(adc));
}

/* Lost conversions: the frames around them are not contiguous. Tell the firmware (status flag and
 * event, and it restarts its cycle) instead of handing over a block that glues two times together. */
static void report_gap(uint32_t conversions) {
  const uint32_t frames = (conversions + ACTIVEMETER_ADC_COLUMNS - 1) / ACTIVEMETER_ADC_COLUMNS;
  adc_column = 0; /* drop the partial frame */
  if (firmware_has("fw_adc_gap")) call_if_present("fw_adc_gap", frames, 1);
  else ESP_LOGE(TAG, "%u ADC frames lost (DMA pool full); this firmware has no fw_adc_gap to flag it", (unsigned)frames);
}

/* Everything DMA has converted since the last step, as whole frames [v, ct1, ct2, ...]. */
void adc_deliver(void) {
  uint32_t got = 0;
  for (;;) {
    const uint32_t seen = lost_conversions; /* only the ISR writes it: no read-modify-write here */
    if (seen != lost_reported) {
      report_gap(seen - lost_reported);
      lost_reported = seen;
    }
    if (adc_continuous_read(adc, adc_raw, sizeof adc_raw, &got, 0) != ESP_OK || got == 0) break;
    uint32_t codes = 0;
    for (uint32_t at = 0; at + SOC_ADC_DIGI_RESULT_BYTES <= got; at += SOC_ADC_DIGI_RESULT_BYTES) {
      const adc_digi_output_data_t* d = (const adc_digi_output_data_t*)&adc_raw[at];
      if (RESULT_CHANNEL(d) != activemeter_adc_inputs[adc_column]) {
        /* a conversion missing inside the stream: hand over what came before, flag the gap */
        if (codes > 0) shell_adc_block(adc_frames, codes / ACTIVEMETER_ADC_COLUMNS, ACTIVEMETER_ADC_COLUMNS);
        codes = 0;
        report_gap(1);
        if (RESULT_CHANNEL(d) != activemeter_adc_inputs[0]) continue;
      }
      adc_partial[adc_column++] = (uint16_t)RESULT_DATA(d);
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
void adc_init(void) {}
void adc_deliver(void) {}
#endif
