/*
 * fuzz-charset - every charset decoder. The first byte picks the charset
 * label (the Japanese decoders of charset.c and a few iconv ones, or none:
 * detection), the second how the incremental decoder is fed; the rest is
 * the text.
 *
 * Checked: the output is valid UTF-8; feeding the same bytes whole or in
 * blocks gives identical output (charset.h promises it); the ISO-2022-JP
 * encoder takes back whatever was decoded.
 */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-common.h"
#include "text/charset.h"

static const char *const labels[] = {
  NULL,          "iso-2022-jp", "shift_jis",       "euc-jp",      "utf-8",       "us-ascii",
  "cp932",       "windows-31j", "eucjp-ms",        "cp51932",     "iso-8859-1",  "windows-1252",
  "gb2312",      "big5",        "euc-kr",          "koi8-r",      "utf-16",      "utf-7",
  "iso-2022-kr", "x-unknown",   "\"ISO-2022-JP\"", " Shift_JIS ", "csISO2022JP", "ms932",
};

/* one_kind - the incremental decoder of KIND on DATA fed in blocks of
 * STEP, compared with DATA fed whole */
static void
one_kind(MugaiCharsetKind kind, const char *iconv_name, const guint8 *data, gsize len, gsize step)
{
  MugaiDecoder *whole = mugai_decoder_new(kind, iconv_name);
  MugaiDecoder *parts;
  GString *a, *b;

  if (!whole)
    return;
  parts = mugai_decoder_new(kind, iconv_name);
  a = g_string_new(NULL);
  b = g_string_new(NULL);
  mugai_decoder_feed(whole, data, len, a);
  mugai_decoder_finish(whole, a);
  for (gsize off = 0; off < len; off += step)
    mugai_decoder_feed(parts, data + off, MIN(step, len - off), b);
  mugai_decoder_finish(parts, b);
  fuzz_check_utf8(mugai_charset_kind_name(kind), a->str, (long)a->len);
  if (a->len != b->len || memcmp(a->str, b->str, a->len) != 0) {
    fprintf(stderr, "fuzz: %s decodes differently in blocks of %zu\n",
            mugai_charset_kind_name(kind), (size_t)step);
    abort();
  }
  if (mugai_decoder_replacements(whole) != mugai_decoder_replacements(parts)) {
    fprintf(stderr, "fuzz: %s counts replacements differently in blocks of %zu\n",
            mugai_charset_kind_name(kind), (size_t)step);
    abort();
  }
  g_string_free(a, TRUE);
  g_string_free(b, TRUE);
  mugai_decoder_free(whole);
  mugai_decoder_free(parts);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *label, *used;
  MugaiCharsetKind kind;
  GString *out, *back;
  gsize replaced = 0, step;

  if (size < 2)
    return 0;
  label = labels[data[0] % G_N_ELEMENTS(labels)];
  step = (gsize)data[1] % 17 + 1;
  data += 2;
  size -= 2;

  /* the labelled decode, detection and the label fallbacks */
  out = g_string_new(NULL);
  used = mugai_charset_decode(label, data, size, out, &replaced);
  if (!used)
    abort();
  fuzz_check_utf8("decoded", out->str, (long)out->len);
  back = g_string_new(NULL);
  mugai_charset_encode_iso2022jp(out->str, out->len, back);
  for (gsize i = 0; i < back->len; i++)
    if ((guint8)back->str[i] & 0x80)
      abort(); /* ISO-2022-JP is 7-bit */
  g_string_free(back, TRUE);
  g_string_free(out, TRUE);
  (void)mugai_charset_detect(data, size);

  /* each decoder on its own, whole and in blocks */
  kind = mugai_charset_from_label(label);
  if (kind != MUGAI_CHARSET_UNKNOWN)
    one_kind(kind, label, data, size, step);
  else
    for (kind = MUGAI_CHARSET_ASCII; kind <= MUGAI_CHARSET_EUCJPMS; kind++)
      one_kind(kind, NULL, data, size, step);
  return 0;
}
