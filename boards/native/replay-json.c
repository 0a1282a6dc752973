/* The replay report's JSON, byte for byte what JSON.stringify gives in the twin (replay.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay-parts.h"

/* A double as JavaScript's Number.prototype.toString prints it (shortest round trip). */
void js_number(double x, FILE* out) {
  if (x != x || x == INFINITY || x == -INFINITY) {
    fputs("null", out);
    return;
  }
  if (x == 0) {
    fputc('0', out);
    return;
  }
  if (x < 0) {
    fputc('-', out);
    x = -x;
  }
  char buf[40];
  int p;
  for (p = 1; p <= 17; p++) {
    snprintf(buf, sizeof buf, "%.*e", p - 1, x);
    if (strtod(buf, NULL) == x) break;
  }
  char digits[20];
  int k = 0;
  char* e = strchr(buf, 'e');
  for (char* c = buf; c < e; c++)
    if (*c != '.') digits[k++] = *c;
  while (k > 1 && digits[k - 1] == '0') k--;
  digits[k] = 0;
  int n = atoi(e + 1) + 1; /* x = 0.digits × 10^n */
  if (k <= n && n <= 21) {
    fputs(digits, out);
    for (int i = 0; i < n - k; i++) fputc('0', out);
  } else if (0 < n && n <= 21) {
    fprintf(out, "%.*s.%s", n, digits, digits + n);
  } else if (-6 < n && n <= 0) {
    fputs("0.", out);
    for (int i = 0; i < -n; i++) fputc('0', out);
    fputs(digits, out);
  } else {
    fputc(digits[0], out);
    if (k > 1) fprintf(out, ".%s", digits + 1);
    fprintf(out, "e%c%d", n - 1 >= 0 ? '+' : '-', abs(n - 1));
  }
}

/* JSON.stringify of the latin1 string of these bytes. */
void json_latin1(const uint8_t* s, size_t len, FILE* out) {
  fputc('"', out);
  for (size_t i = 0; i < len; i++) {
    uint8_t c = s[i];
    switch (c) {
      case '"': fputs("\\\"", out); break;
      case '\\': fputs("\\\\", out); break;
      case '\b': fputs("\\b", out); break;
      case '\f': fputs("\\f", out); break;
      case '\n': fputs("\\n", out); break;
      case '\r': fputs("\\r", out); break;
      case '\t': fputs("\\t", out); break;
      default:
        if (c < 0x20) fprintf(out, "\\u%04x", c);
        else if (c < 0x80) fputc(c, out);
        else {
          fputc(0xc0 | c >> 6, out);
          fputc(0x80 | (c & 0x3f), out);
        }
    }
  }
  fputc('"', out);
}
