/*
 * Host harness for boards/esp-idf/main/radio.c (test/host/esp-idf-radio.test.ts): the ESP-IDF
 * calls radio.c makes, implemented just enough to run it on the host (a FreeRTOS-like queue,
 * ESP-NOW that records what is sent and hands datagrams to the registered callback), and the
 * two shell calls it uses. Reads commands from stdin, one per line:
 *   rx HEX      a datagram arrives (the Wi-Fi task calls the receive callback)
 *   deliver N   the main loop's radio_deliver(has_downlink = N)
 *   send HEX    radio_send(frame)
 * and prints what the firmware was handed ("downlink HEX"), what went out ("sent HEX"), and
 * "dropped N" after each deliver.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board-io.h"
#include "esp_now.h"
#include "freertos/queue.h"

/* ---- FreeRTOS queue: a fixed ring of items ---- */
struct QueueDefinition { unsigned length, size, head, count; unsigned char* items; };
QueueHandle_t xQueueCreate(UBaseType_t length, UBaseType_t size) {
  QueueHandle_t q = calloc(1, sizeof *q);
  q->length = (unsigned)length; q->size = (unsigned)size; q->items = calloc(length, size);
  return q;
}
BaseType_t xQueueSend(QueueHandle_t q, const void* item, TickType_t wait) {
  (void)wait;
  if (q->count == q->length) return pdFALSE;
  memcpy(q->items + ((q->head + q->count++) % q->length) * q->size, item, q->size);
  return pdTRUE;
}
BaseType_t xQueueReceive(QueueHandle_t q, void* item, TickType_t wait) {
  (void)wait;
  if (q->count == 0) return pdFALSE;
  memcpy(item, q->items + q->head * q->size, q->size);
  q->head = (q->head + 1) % q->length; q->count--;
  return pdTRUE;
}

/* ---- ESP-IDF ---- */
static esp_now_recv_cb_t receive;
esp_err_t esp_netif_init(void) { return ESP_OK; }
esp_err_t esp_event_loop_create_default(void) { return ESP_OK; }
esp_err_t esp_wifi_init(const wifi_init_config_t* c) { (void)c; return ESP_OK; }
esp_err_t esp_wifi_set_storage(wifi_storage_t s) { (void)s; return ESP_OK; }
esp_err_t esp_wifi_set_mode(wifi_mode_t m) { (void)m; return ESP_OK; }
esp_err_t esp_wifi_start(void) { return ESP_OK; }
esp_err_t esp_now_init(void) { return ESP_OK; }
esp_err_t esp_now_add_peer(const esp_now_peer_info_t* p) { (void)p; return ESP_OK; }
esp_err_t esp_now_register_recv_cb(esp_now_recv_cb_t cb) { receive = cb; return ESP_OK; }
static void hex(const char* what, const uint8_t* d, size_t n) {
  printf("%s ", what);
  for (size_t i = 0; i < n; i++) printf("%02x", d[i]);
  printf("\n");
}
esp_err_t esp_now_send(const uint8_t* peer, const uint8_t* data, size_t len) { (void)peer; hex("sent", data, len); return ESP_OK; }
void esp_log_write(int level, const char* tag, const char* format, ...) { (void)level; (void)tag; (void)format; }
void _esp_error_check_failed(esp_err_t rc, const char* f, int l, const char* fn, const char* e) {
  fprintf(stderr, "ESP_ERROR_CHECK failed: %d %s:%d %s %s\n", rc, f, l, fn, e);
  exit(3);
}

/* ---- the shell calls radio.c makes ---- */
static uint8_t scratch[256];
uint8_t* shell_memory(uint32_t ptr, uint32_t len) { return ptr == 64 && len <= sizeof scratch ? scratch : NULL; }
int64_t call_if_present(const char* name, int64_t arg, unsigned argc) {
  if (strcmp(name, "fw_scratch_ptr") == 0 && argc == 0) return 64;
  if (strcmp(name, "fw_downlink") == 0 && argc == 1) { hex("downlink", scratch, (size_t)arg); return 0; }
  fprintf(stderr, "unexpected call %s\n", name);
  exit(3);
}

static size_t unhex(const char* s, uint8_t* out, size_t cap) {
  size_t n = 0;
  while (s[0] && s[1] && s[0] != '\n' && n < cap) { unsigned b; sscanf(s, "%2x", &b); out[n++] = (uint8_t)b; s += 2; }
  return n;
}

int main(void) {
  radio_init();
  if (!receive) { fprintf(stderr, "no receive callback registered\n"); return 3; }
  char line[1024];
  uint8_t data[512];
  while (fgets(line, sizeof line, stdin)) {
    if (strncmp(line, "rx ", 3) == 0) {
      const size_t n = unhex(line + 3, data, sizeof data);
      const esp_now_recv_info_t info = {0};
      receive(&info, data, (int)n);
    } else if (strncmp(line, "deliver ", 8) == 0) {
      radio_deliver(atoi(line + 8) != 0);
      printf("dropped %u\n", (unsigned)radio_dropped());
    } else if (strncmp(line, "send ", 5) == 0) {
      radio_send(data, (uint32_t)unhex(line + 5, data, sizeof data));
    }
  }
  return 0;
}
