#pragma once
#include <stdint.h>
#define REG_READ(reg) (*(volatile uint32_t*)(reg))
