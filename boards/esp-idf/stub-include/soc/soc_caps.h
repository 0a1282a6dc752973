#pragma once
/* The ADC and GPIO capabilities the shell checks, per chip (ESP-IDF soc_caps.h). */
#include "sdkconfig.h"
#if CONFIG_IDF_TARGET_ESP32C3
#define SOC_GPIO_PIN_COUNT 22
#define SOC_ADC_DIGI_RESULT_BYTES 4
#define SOC_ADC_SAMPLE_FREQ_THRES_HIGH 83333
#define SOC_ADC_SAMPLE_FREQ_THRES_LOW 611
#elif CONFIG_IDF_TARGET_ESP32
#define SOC_GPIO_PIN_COUNT 40
#define SOC_ADC_DIGI_RESULT_BYTES 2
#define SOC_ADC_SAMPLE_FREQ_THRES_HIGH (2 * 1000 * 1000)
#define SOC_ADC_SAMPLE_FREQ_THRES_LOW (20 * 1000)
#else
#error "stub soc_caps.h: unknown target"
#endif
