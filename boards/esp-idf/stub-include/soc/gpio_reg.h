#pragma once
#include "sdkconfig.h"
#if CONFIG_IDF_TARGET_ESP32C3
#define GPIO_IN_REG 0x6000403Cu
#else /* ESP32 */
#define GPIO_IN_REG 0x3FF4403Cu
#define GPIO_IN1_REG 0x3FF44040u
#endif
