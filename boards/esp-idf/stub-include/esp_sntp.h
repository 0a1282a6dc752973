#pragma once
/* Stub of ESP-IDF's esp_sntp.h (lwIP SNTP client), the subset the shell uses. */
#include <sys/time.h>
typedef enum { ESP_SNTP_OPMODE_POLL, ESP_SNTP_OPMODE_LISTENONLY } esp_sntp_operatingmode_t;
typedef void (*sntp_sync_time_cb_t)(struct timeval* tv);
void esp_sntp_setoperatingmode(esp_sntp_operatingmode_t operating_mode);
void esp_sntp_setservername(unsigned char idx, const char* server);
void esp_sntp_init(void);
void sntp_set_time_sync_notification_cb(sntp_sync_time_cb_t callback);
