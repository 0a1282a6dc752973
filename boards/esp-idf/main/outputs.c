/*
 * Digital outputs (relays, SSRs of the board file's "outputs"): after every tick the firmware's
 * fw_output_state (bit i = outN, N = i + 1) goes to the output GPIOs, active high. At power-up
 * and after a reset every output is low (off) until the firmware says otherwise. A firmware
 * without fw_output_state leaves them off.
 */
#include "board-io.h"
#include "driver/gpio.h"
#include "esp_err.h"
#include ACTIVEMETER_BOARD_HEADER

static bool has_state;

void outputs_init(void) {
  has_state = firmware_has("fw_output_state");
#if ACTIVEMETER_OUTPUTS > 0
  for (unsigned i = 0; i < ACTIVEMETER_OUTPUTS; i++) {
    const gpio_config_t cfg = {
        .pin_bit_mask = 1ull << activemeter_outputs[i].gpio,
        .mode = GPIO_MODE_OUTPUT,
        .pull_up_en = GPIO_PULLUP_DISABLE,
        .pull_down_en = GPIO_PULLDOWN_DISABLE,
        .intr_type = GPIO_INTR_DISABLE,
    };
    ESP_ERROR_CHECK(gpio_config(&cfg));
    gpio_set_level(activemeter_outputs[i].gpio, 0);
  }
#endif
}

void outputs_update(void) {
  if (!has_state) return;
#if ACTIVEMETER_OUTPUTS > 0
  const uint32_t mask = (uint32_t)call_if_present("fw_output_state", 0, 0);
  for (unsigned i = 0; i < ACTIVEMETER_OUTPUTS; i++) gpio_set_level(activemeter_outputs[i].gpio, (mask >> activemeter_outputs[i].bit) & 1u);
#endif
}
