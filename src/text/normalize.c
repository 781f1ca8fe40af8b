/*
 * normalize.c - make decoded text safe to show: no controls, no bidi tricks.
 *
 * Text reaching here has been decoded from hostile bytes. It may still carry
 * terminal escapes, NULs that truncate C strings downstream, C1 controls, or
 * bidi overrides that make "invoice<U+202E>fdp.exe" look like "invoiceexe.pdf".
 * One pass over valid UTF-8 drops them in place; invalid UTF-8 is first
 * repaired with the UTF-8 decoder (each bad sequence becomes U+FFFD).
 */
#include <string.h>

#include <glib.h>

#include "text/charset.h"
#include "text/normalize.h"

/* Longest display/attachment name we produce, in bytes. */
#define FILENAME_MAX_BYTES 200
/* An extension longer than this is not worth keeping when cutting a name. */
#define FILENAME_EXT_MAX 16

/* utf8_valid - LEN bytes at S are UTF-8 (embedded NULs allowed: they are dropped later). */
static gboolean
utf8_valid(const char *s, gsize len)
{
  const char *p = s, *end = s + len;

  while (p < end) {
    const char *stop;

    if (g_utf8_validate_len(p, (gsize)(end - p), &stop))
      return TRUE;
    if (stop >= end || *stop != '\0')
      return FALSE;
    p = stop + 1;
  }
  return TRUE;
}

/* utf8_seq_bytes - length of the (valid) UTF-8 sequence starting with lead byte B. */
static inline gsize
utf8_seq_bytes(guchar b)
{
  if (b < 0xE0)
    return 2;
  if (b < 0xF0)
    return 3;
  return 4;
}

gsize
mugai_text_sanitize(GString *s)
{
  gsize dropped = 0, r = 0, w = 0, n;
  char *d;

  g_return_val_if_fail(s != NULL, 0);

  if (!utf8_valid(s->str, s->len)) {
    g_autoptr(MugaiDecoder) dec = mugai_decoder_new(MUGAI_CHARSET_UTF8, NULL);
    g_autoptr(GString) fixed = g_string_sized_new(s->len + s->len / 2 + 16);

    mugai_decoder_feed(dec, (const guint8 *)s->str, s->len, fixed);
    mugai_decoder_finish(dec, fixed);
    dropped += mugai_decoder_replacements(dec);
    g_string_truncate(s, 0);
    g_string_append_len(s, fixed->str, (gssize)fixed->len);
  }

  /* Output is never longer than input, so write over what was read. Line
   * ending normalisation (CR, CRLF -> LF) is not counted: it hides nothing. */
  d = s->str;
  n = s->len;
  while (r < n) {
    guchar b = (guchar)d[r];

    if (b >= 0x20 && b < 0x7F) {
      d[w++] = (char)b;
      r++;
      continue;
    }
    if (b < 0x80) {
      r++;
      if (b == '\t' || b == '\n') {
        d[w++] = (char)b;
      } else if (b == '\r') {
        d[w++] = '\n';
        if (r < n && d[r] == '\n')
          r++;
      } else {
        dropped++; /* NUL, other C0, DEL */
      }
      continue;
    }
    gsize l = utf8_seq_bytes(b);
    const guchar *u = (const guchar *)d + r;
    gboolean drop = (b == 0xC2 && u[1] <= 0x9F)                                    /* C1 */
                    || (b == 0xE2 && u[1] == 0x80 && u[2] >= 0xAA && u[2] <= 0xAE) /* LRE..RLO */
                    || (b == 0xE2 && u[1] == 0x81 && u[2] >= 0xA6 && u[2] <= 0xA9) /* LRI..PDI */
                    || (b == 0xEF && u[1] == 0xBB && u[2] == 0xBF);                /* BOM */
    if (drop) {
      dropped++;
    } else {
      if (w != r)
        memmove(d + w, d + r, l);
      w += l;
    }
    r += l;
  }
  g_string_truncate(s, w);
  return dropped;
}

char *
mugai_text_sanitize_line(const char *utf8, gssize len)
{
  GString *s;
  gsize w = 0;
  gboolean space = FALSE;

  if (!utf8)
    return g_strdup("");
  if (len < 0)
    len = (gssize)strlen(utf8);
  s = g_string_new_len(utf8, len);
  mugai_text_sanitize(s);
  /* TAB and LF become spaces; runs collapse; ends are trimmed */
  for (gsize r = 0; r < s->len; r++) {
    char c = s->str[r];
    if (c == ' ' || c == '\t' || c == '\n') {
      space = TRUE;
      continue;
    }
    if (space && w > 0)
      s->str[w++] = ' ';
    space = FALSE;
    s->str[w++] = c;
  }
  g_string_truncate(s, w);
  return g_string_free(s, FALSE);
}

/* reserved_device_name - Windows refuses these as file names, with any extension. */
static gboolean
reserved_device_name(const char *name)
{
  static const char *const devices[] = { "con", "prn", "aux", "nul" };
  gsize stem = strcspn(name, ". ");

  for (gsize i = 0; i < G_N_ELEMENTS(devices); i++)
    if (stem == 3 && g_ascii_strncasecmp(name, devices[i], 3) == 0)
      return TRUE;
  if (stem == 4
      && (g_ascii_strncasecmp(name, "com", 3) == 0 || g_ascii_strncasecmp(name, "lpt", 3) == 0)
      && name[3] >= '1' && name[3] <= '9')
    return TRUE;
  return FALSE;
}

/* trim_dots_spaces - drop leading dots/spaces and trailing dots/spaces of S. */
static void
trim_dots_spaces(GString *s)
{
  gsize a = 0, b = s->len;

  while (a < b && (s->str[a] == '.' || s->str[a] == ' '))
    a++;
  while (b > a && (s->str[b - 1] == '.' || s->str[b - 1] == ' '))
    b--;
  g_string_truncate(s, b);
  g_string_erase(s, 0, (gssize)a);
}

/* utf8_cut - largest length <= MAX that ends on a character boundary of S. */
static gsize
utf8_cut(const char *s, gsize len, gsize max)
{
  if (len <= max)
    return len;
  while (max > 0 && ((guchar)s[max] & 0xC0) == 0x80)
    max--;
  return max;
}

char *
mugai_text_sanitize_filename(const char *utf8, const char *fallback)
{
  g_autofree char *line = mugai_text_sanitize_line(utf8, -1);
  GString *s = g_string_new(line);

  for (gsize i = 0; i < s->len; i++)
    if (strchr("/\\:*?\"<>|", s->str[i]) != NULL)
      s->str[i] = '_';
  trim_dots_spaces(s);

  if (s->len > FILENAME_MAX_BYTES) {
    const char *dot = strrchr(s->str, '.');
    gsize ext = dot ? s->len - (gsize)(dot - s->str) : 0;

    if (ext > FILENAME_EXT_MAX || (dot && strchr(dot, ' ')))
      ext = 0;
    gsize keep = utf8_cut(s->str, s->len, FILENAME_MAX_BYTES - ext);
    if (ext)
      memmove(s->str + keep, s->str + s->len - ext, ext);
    g_string_truncate(s, keep + ext);
    trim_dots_spaces(s);
  }
  if (s->len && reserved_device_name(s->str))
    g_string_prepend_c(s, '_');
  if (s->len == 0) {
    g_string_free(s, TRUE);
    return g_strdup(fallback ? fallback : "_");
  }
  return g_string_free(s, FALSE);
}
