/*
 * The chip side of the activemeter ESP-IDF shell, one file per peripheral (edges.c, adc.c,
 * io.c), used by main.c. NOT COMPILED with ESP-IDF here: `gcc -fsyntax-only` against the stub
 * headers of ../stub-include runs in npm test (test/host/esp-idf-syntax.test.ts).
 */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "shell.h"

/* Installer console: its own UART; ESP-IDF's logs go elsewhere (sdkconfig.defaults.<chip>). */
#define ACTIVEMETER_CONSOLE_UART 0

/* edges.c: pulse and heat flow inputs, GPIO interrupts in IRAM. */
void edges_init(void);
void edges_deliver(void);
uint32_t edges_lost(void); /* edges dropped because the ISR queue was full, since the last call */

/* adc.c: ADC continuous mode (DMA) into interleaved frames. */
void adc_init(void);
/* Hands over the frames converted since the last call; a DMA pool overflow is reported to the
 * firmware as a gap (fw_adc_gap, if this firmware has it), never glued over. */
void adc_deliver(void);

/* outputs.c: the board file's relays/SSRs, driven from fw_output_state after every tick. */
void outputs_init(void);
void outputs_update(void);

/* io.c: store partition, console UART, and the board_ops_t for the shell. */
void store_init(void);
void console_init(void);
void console_deliver(void);
void console_flush(void);
extern const board_ops_t activemeter_board_ops;

/* radio.c: ESP-NOW. Frames out as broadcasts; downlinks in, queued by the Wi-Fi task and handed
 * to the firmware (fw_downlink) by radio_deliver in the main loop. */
void radio_init(void);
void radio_send(const uint8_t* frame, uint32_t len);
void radio_deliver(bool has_downlink);
uint32_t radio_dropped(void); /* downlinks dropped because the queue was full, since the last call */

/* main.c: an export by name if this firmware has it (-1 and a warning otherwise). */
int64_t call_if_present(const char* name, int64_t arg, unsigned argc);
bool firmware_has(const char* name);
