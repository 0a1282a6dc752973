/*
 * Pulse and heat flow inputs: GPIO any-edge interrupts -> ring -> one pulse batch per step.
 * The ISR runs from IRAM (ESP_INTR_FLAG_IRAM) and touches only IRAM/DRAM: it reads the level
 * from the GPIO input register (not gpio_get_level, which lives in flash) and its pin table is
 * copied to DRAM at start-up, so edges are stamped even while a flash erase (up to ~45 ms for a
 * 4 KiB sector) stalls the cache. esp_timer_get_time is IRAM-safe in ESP-IDF.
 */
#include <string.h>

#include "board-io.h"
#include "driver/gpio.h"
#include "esp_attr.h"
#include "esp_err.h"
#include "esp_intr_alloc.h"
#include "esp_timer.h"
#include "soc/gpio_reg.h"
#include "soc/soc.h"
#include "soc/soc_caps.h"
#include ACTIVEMETER_BOARD_HEADER

#define EDGE_RING 512 /* power of two; 16.6 Hz S0 with bounce needs far less per 10 ms */
#define EDGE_PINS (ACTIVEMETER_EDGE_INPUTS > 0 ? ACTIVEMETER_EDGE_INPUTS : 1)

static DRAM_ATTR shell_pulse_event_t edge_ring[EDGE_RING];
static DRAM_ATTR volatile uint32_t edge_head, edge_tail, edge_overflows;
static DRAM_ATTR struct { uint8_t input, gpio; } edge_pins[EDGE_PINS];
static shell_pulse_event_t edge_batch[EDGE_RING];
static uint32_t overflows_reported;

static inline uint32_t IRAM_ATTR gpio_level(uint32_t gpio) {
#if SOC_GPIO_PIN_COUNT > 32
  if (gpio >= 32) return (REG_READ(GPIO_IN1_REG) >> (gpio - 32)) & 1u;
#endif
  return (REG_READ(GPIO_IN_REG) >> gpio) & 1u;
}

static void IRAM_ATTR edge_isr(void* arg) {
  const uint32_t i = (uint32_t)(uintptr_t)arg;
  const uint32_t head = edge_head;
  if (head - edge_tail >= EDGE_RING) {
    edge_overflows++;
    return;
  }
  shell_pulse_event_t* e = &edge_ring[head & (EDGE_RING - 1)];
  e->time_us = (uint64_t)esp_timer_get_time();
  e->input = edge_pins[i].input;
  e->level = (uint8_t)gpio_level(edge_pins[i].gpio);
  e->flags = 0;
  edge_head = head + 1;
}

void edges_init(void) {
  ESP_ERROR_CHECK(gpio_install_isr_service(ESP_INTR_FLAG_IRAM));
  shell_pulse_event_t levels[EDGE_PINS];
  for (uint32_t i = 0; i < ACTIVEMETER_EDGE_INPUTS; i++) {
    edge_pins[i].input = activemeter_edge_inputs[i].input;
    edge_pins[i].gpio = activemeter_edge_inputs[i].gpio;
    const gpio_num_t pin = (gpio_num_t)edge_pins[i].gpio;
    const gpio_config_t cfg = {
        .pin_bit_mask = 1ULL << pin, .mode = GPIO_MODE_INPUT, .pull_up_en = GPIO_PULLUP_DISABLE,
        .pull_down_en = GPIO_PULLDOWN_ENABLE, .intr_type = GPIO_INTR_ANYEDGE,
    };
    ESP_ERROR_CHECK(gpio_config(&cfg));
    /* The level at power-up, reported once before any edge (docs/board-abi.md). */
    levels[i] = (shell_pulse_event_t){(uint64_t)esp_timer_get_time(), edge_pins[i].input,
                                      (uint8_t)gpio_level(edge_pins[i].gpio), SHELL_PULSE_POWER_UP};
    ESP_ERROR_CHECK(gpio_isr_handler_add(pin, edge_isr, (void*)(uintptr_t)i));
  }
  shell_pulse_events(levels, ACTIVEMETER_EDGE_INPUTS);
}

void edges_deliver(void) {
  uint32_t n = 0;
  while (edge_tail != edge_head && n < EDGE_RING) edge_batch[n++] = edge_ring[edge_tail++ & (EDGE_RING - 1)];
  /* Inputs interrupt independently: order by time as the ABI wants per input (stable, tiny n). */
  for (uint32_t i = 1; i < n; i++) {
    shell_pulse_event_t e = edge_batch[i];
    uint32_t j = i;
    while (j > 0 && edge_batch[j - 1].time_us > e.time_us) {
      edge_batch[j] = edge_batch[j - 1];
      j--;
    }
    edge_batch[j] = e;
  }
  if (n > 0) shell_pulse_events(edge_batch, n);
}

uint32_t edges_lost(void) {
  const uint32_t seen = edge_overflows; /* only the ISR writes it */
  const uint32_t lost = seen - overflows_reported;
  overflows_reported = seen;
  return lost;
}
