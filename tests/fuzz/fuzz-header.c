/*
 * fuzz-header - header values: RFC 2047 encoded words, RFC 2231
 * parameters, raw 8-bit. The first byte picks the function (and the
 * parameter name); the rest is the raw value. Every result must be valid
 * UTF-8 with no line breaks in a decoded text line.
 */
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-common.h"
#include "text/header.h"

static const char *const params[] = { "filename", "name", "charset", "boundary", "format", "x" };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *raw;
  char *s;
  gsize len;

  if (size < 1)
    return 0;
  raw = (const char *)data + 1;
  len = size - 1;
  switch (data[0] % 3) {
  case 0:
    s = mugai_header_decode_text(raw, len);
    fuzz_check_utf8("decoded text", s, -1);
    if (s && strpbrk(s, "\r\n"))
      abort(); /* "one line" */
    break;
  case 1:
    s = mugai_header_param(raw, len, params[(data[0] / 3) % G_N_ELEMENTS(params)]);
    fuzz_check_utf8("parameter", s, -1);
    break;
  default:
    s = mugai_header_value_token(raw, len);
    fuzz_check_utf8("token", s, -1);
    break;
  }
  g_free(s);
  return 0;
}
