/*
 * ESP-NOW on ESP-IDF: frames out as broadcasts (radio_send, the board ABI's radio_send), and
 * downlinks in (docs/frames.md, "Downlink"). The receive callback runs in the Wi-Fi task: it only
 * copies a datagram that looks like a downlink (at most 64 bytes, version 0x01, type 0x82; the
 * neighbours' uplink frames carry a suite 0..2 there) into a queue; the main loop hands each to
 * the firmware with fw_downlink between its steps, so the firmware runs in one task only.
 * Whether a downlink is genuine, fresh and for this node is the firmware's decision (MAC,
 * counter, node id, validity); a gateway bridge addresses it to the node's MAC, the source
 * address of the node's frames, because a broadcast one counts as refused at every other node.
 */
#include <string.h>

#include "board-io.h"
#include "esp_err.h"
#include "esp_event.h"
#include "esp_log.h"
#include "esp_netif.h"
#include "esp_now.h"
#include "esp_wifi.h"
#include "freertos/FreeRTOS.h"
#include "freertos/queue.h"

static const char* TAG = "activemeter";

/* docs/frames.md: a downlink is one datagram of at most 64 bytes, version 1, type 0x82. */
#define DOWNLINK_MAX_BYTES 64
#define DOWNLINK_VERSION 0x01
#define DOWNLINK_TYPE 0x82
/* Downlinks waiting for the main loop (it runs every STEP_MS; a gateway sends a few a minute). */
#define DOWNLINK_QUEUE 4

typedef struct {
  uint8_t len;
  uint8_t bytes[DOWNLINK_MAX_BYTES];
} downlink_t;

static const uint8_t broadcast[ESP_NOW_ETH_ALEN] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static QueueHandle_t downlinks;
static volatile uint32_t downlinks_dropped;

/* Wi-Fi task: copy, never call the firmware from here. */
static void on_receive(const esp_now_recv_info_t* info, const uint8_t* data, int len) {
  (void)info;
  if (len < 2 || len > DOWNLINK_MAX_BYTES || data[0] != DOWNLINK_VERSION || data[1] != DOWNLINK_TYPE) return;
  downlink_t d = {.len = (uint8_t)len};
  memcpy(d.bytes, data, (size_t)len);
  if (xQueueSend(downlinks, &d, 0) != pdTRUE) downlinks_dropped++;
}

void radio_init(void) {
  downlinks = xQueueCreate(DOWNLINK_QUEUE, sizeof(downlink_t));
  if (!downlinks) ESP_LOGE(TAG, "no memory for the downlink queue: downlinks will be ignored");
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
  if (downlinks) ESP_ERROR_CHECK(esp_now_register_recv_cb(on_receive));
}

void radio_send(const uint8_t* frame, uint32_t len) {
  if (len <= ESP_NOW_MAX_DATA_LEN) esp_now_send(broadcast, frame, len);
  else ESP_LOGW(TAG, "frame of %u bytes does not fit an ESP-NOW datagram", (unsigned)len);
}

void radio_deliver(bool has_downlink) {
  if (!downlinks) return;
  downlink_t d;
  while (xQueueReceive(downlinks, &d, 0) == pdTRUE) {
    if (!has_downlink) continue; /* a firmware without downlinks: heard and dropped */
    uint8_t* scratch = shell_memory((uint32_t)call_if_present("fw_scratch_ptr", 0, 0), d.len);
    if (!scratch) return;
    memcpy(scratch, d.bytes, d.len);
    const int64_t result = call_if_present("fw_downlink", d.len, 1);
    if (result != 0) ESP_LOGI(TAG, "downlink refused (%d, docs/board-abi.md)", (int)result);
  }
}

uint32_t radio_dropped(void) {
  const uint32_t n = downlinks_dropped;
  downlinks_dropped -= n;
  return n;
}
