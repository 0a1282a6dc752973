#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "esp_err.h"
#include "esp_wifi.h"
#define ESP_NOW_ETH_ALEN 6
#define ESP_NOW_KEY_LEN 16
#define ESP_NOW_MAX_DATA_LEN 250
typedef struct {
  uint8_t peer_addr[ESP_NOW_ETH_ALEN];
  uint8_t lmk[ESP_NOW_KEY_LEN];
  uint8_t channel;
  wifi_interface_t ifidx;
  bool encrypt;
  void* priv;
} esp_now_peer_info_t;
esp_err_t esp_now_init(void);
esp_err_t esp_now_add_peer(const esp_now_peer_info_t* peer);
esp_err_t esp_now_send(const uint8_t* peer_addr, const uint8_t* data, size_t len);
/* ESP-IDF v5: what the receive callback is told about a datagram. */
typedef struct {
  uint8_t* src_addr;
  uint8_t* des_addr;
  struct wifi_pkt_rx_ctrl_t* rx_ctrl; /* RSSI, channel: not used by the shell */
} esp_now_recv_info_t;
typedef void (*esp_now_recv_cb_t)(const esp_now_recv_info_t* esp_now_info, const uint8_t* data, int data_len);
esp_err_t esp_now_register_recv_cb(esp_now_recv_cb_t cb);
