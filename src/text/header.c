/*
 * header.c - decode untrusted header values: RFC 2047, RFC 2231, raw 8-bit.
 *
 * Real Japanese mail breaks every rule these RFCs make: ISO-2022-JP encoded
 * words split mid-character and mid-escape, encoded words inside quoted
 * strings and glued to other text, Shift_JIS bytes sent raw in a quoted
 * filename (with 0x5C trail bytes that look like backslash escapes), RFC 2231
 * continuations out of order. The decoders here accept all of that, never
 * read past LEN, and hand every byte sequence to charset.c so a Subject
 * decodes exactly like a body would. Everything returned has been through
 * mugai_text_sanitize_line.
 */
#include <string.h>

#include <glib.h>

#include "text/charset.h"
#include "text/header.h"
#include "text/normalize.h"

/* RFC 2231 continuations beyond this index are ignored. */
#define PARAM_SEGMENTS_MAX 64
/* An encoded word's charset (with *lang) longer than this is not one. */
#define EW_CHARSET_MAX 64

typedef struct {
  const char *charset; /* points into the raw value, not terminated */
  gsize charset_len;   /* without any RFC 2231 "*lang" */
  char enc;            /* 'B' or 'Q' */
  const char *text;
  gsize text_len;
  const char *end; /* just after "?=" */
} EncodedWord;

/* Decoded bytes of a run of adjacent encoded words in one charset. */
typedef struct {
  GString *bytes;
  char charset[EW_CHARSET_MAX + 1];
  gboolean active;
  guint32 b64_bits; /* base64 bits carried from the previous word */
  guint b64_nbits;
} EwRun;

/* is_lwsp - folding white space. */
static inline gboolean
is_lwsp(char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* hex_val - value of hex digit C, or -1. */
static inline int
hex_val(char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* parse_encoded_word - recognise "=?charset?B|Q?text?=" at P; FALSE if malformed. */
static gboolean
parse_encoded_word(const char *p, const char *end, EncodedWord *ew)
{
  const char *untrusted_cs = p + 2, *q = untrusted_cs;

  while (q < end && *q != '?') {
    guchar c = (guchar)*q;
    if (c <= ' ' || c >= 0x7F || c == '=' || c == '"' || q - untrusted_cs >= EW_CHARSET_MAX)
      return FALSE;
    q++;
  }
  if (q == untrusted_cs || end - q < 4 || q[2] != '?')
    return FALSE;
  ew->enc = g_ascii_toupper(q[1]);
  if (ew->enc != 'B' && ew->enc != 'Q')
    return FALSE;
  ew->charset = untrusted_cs;
  ew->charset_len = (gsize)(q - untrusted_cs);
  for (gsize i = 0; i < ew->charset_len; i++) {
    if (untrusted_cs[i] == '*') { /* RFC 2231 language suffix */
      ew->charset_len = i;
      break;
    }
  }
  ew->text = q + 3;
  for (q = ew->text; q < end; q++) {
    if (*q == '?') {
      if (q + 1 < end && q[1] == '=') {
        ew->text_len = (gsize)(q - ew->text);
        ew->end = q + 2;
        return TRUE;
      }
      return FALSE;
    }
    if (is_lwsp(*q) || *q == '\0')
      return FALSE;
  }
  return FALSE;
}

/* run_flush - decode the bytes of RUN in its charset and append them to OUT. */
static void
run_flush(EwRun *run, GString *out)
{
  if (!run->active)
    return;
  mugai_charset_decode(run->charset[0] ? run->charset : NULL, (const guint8 *)run->bytes->str,
                       run->bytes->len, out, NULL);
  g_string_truncate(run->bytes, 0);
  run->active = FALSE;
  run->b64_bits = 0;
  run->b64_nbits = 0;
}

/* run_add - append EW's decoded bytes to RUN; a new charset starts a new run. */
static void
run_add(EwRun *run, const EncodedWord *ew, GString *out)
{
  char cs[EW_CHARSET_MAX + 1];

  memcpy(cs, ew->charset, ew->charset_len);
  cs[ew->charset_len] = '\0';
  if (run->active && g_ascii_strcasecmp(cs, run->charset) != 0)
    run_flush(run, out);
  if (!run->active) {
    memcpy(run->charset, cs, ew->charset_len + 1);
    run->active = TRUE;
  }

  if (ew->enc == 'B') {
    /* base64 as a stream: a word split mid-quantum continues in the next */
    for (gsize i = 0; i < ew->text_len; i++) {
      char c = ew->text[i];
      int v = mugai_base64_value((guint8)c, '/');
      if (c == '=') {
        run->b64_bits = 0;
        run->b64_nbits = 0;
        continue;
      }
      if (v < 0)
        continue;
      run->b64_bits = (run->b64_bits << 6) | (guint32)v;
      run->b64_nbits += 6;
      if (run->b64_nbits >= 8) {
        run->b64_nbits -= 8;
        g_string_append_c(run->bytes, (char)((run->b64_bits >> run->b64_nbits) & 0xFF));
      }
      run->b64_bits &= (1u << run->b64_nbits) - 1;
    }
    return;
  }
  run->b64_bits = 0; /* a Q word ends any base64 quantum */
  run->b64_nbits = 0;
  for (gsize i = 0; i < ew->text_len; i++) {
    char c = ew->text[i];
    if (c == '_') {
      g_string_append_c(run->bytes, ' ');
    } else if (c == '=' && i + 2 < ew->text_len && hex_val(ew->text[i + 1]) >= 0
               && hex_val(ew->text[i + 2]) >= 0) {
      g_string_append_c(run->bytes,
                        (char)(hex_val(ew->text[i + 1]) * 16 + hex_val(ew->text[i + 2])));
      i += 2;
    } else {
      g_string_append_c(run->bytes, c);
    }
  }
}

/* all_lwsp - P..END is only folding white space. */
static gboolean
all_lwsp(const char *p, const char *end)
{
  for (; p < end; p++)
    if (!is_lwsp(*p))
      return FALSE;
  return TRUE;
}

/* needs_decode - P..END has 8-bit bytes or an ESC (raw ISO-2022-JP). */
static gboolean
needs_decode(const char *p, const char *end)
{
  for (; p < end; p++)
    if ((guchar)*p >= 0x80 || *p == 0x1B)
      return TRUE;
  return FALSE;
}

/* raw_label - the charset to read the raw (not encoded) text of RAW with, by
 * detection over all of it, so short runs between encoded words agree. */
static const char *
raw_label(const char *raw, const char *end)
{
  g_autoptr(GString) bytes = g_string_new(NULL);
  const char *p = raw, *text = raw;
  EncodedWord ew;

  while ((p = memchr(p, '=', (gsize)(end - p))) != NULL && end - p >= 2) {
    if (p[1] == '?' && parse_encoded_word(p, end, &ew)) {
      g_string_append_len(bytes, text, p - text);
      g_string_append_c(bytes, ' ');
      p = text = ew.end;
    } else {
      p++;
    }
  }
  g_string_append_len(bytes, text, end - text);
  return mugai_charset_kind_name(mugai_charset_detect((const guint8 *)bytes->str, bytes->len));
}

/* decode_text_into - decode the unstructured value RAW..END into UTF-8 in OUT (not sanitised). */
static void
decode_text_into(const char *raw, const char *end, GString *out)
{
  EwRun run = { 0 };
  const char *p = raw, *text = raw, *label = NULL;
  gboolean after_ew = FALSE;
  EncodedWord ew;

  if (needs_decode(raw, end))
    label = raw_label(raw, end);
  run.bytes = g_string_new(NULL);

  while ((p = memchr(p, '=', (gsize)(end - p))) != NULL && end - p >= 2) {
    if (p[1] != '?' || !parse_encoded_word(p, end, &ew)) {
      p++;
      continue;
    }
    /* white space between two encoded words is not text (RFC 2047 6.2) */
    if (!(after_ew && all_lwsp(text, p)) && p > text) {
      run_flush(&run, out);
      if (label)
        mugai_charset_decode(label, (const guint8 *)text, (gsize)(p - text), out, NULL);
      else
        g_string_append_len(out, text, p - text);
    }
    run_add(&run, &ew, out);
    after_ew = TRUE;
    p = text = ew.end;
  }
  run_flush(&run, out);
  if (end > text) {
    if (label)
      mugai_charset_decode(label, (const guint8 *)text, (gsize)(end - text), out, NULL);
    else
      g_string_append_len(out, text, end - text);
  }
  g_string_free(run.bytes, TRUE);
}

char *
mugai_header_decode_text(const char *raw, gsize len)
{
  g_autoptr(GString) out = NULL;

  if (!raw)
    return g_strdup("");
  len = MIN(len, (gsize)MUGAI_HEADER_VALUE_MAX);
  out = g_string_sized_new(len + len / 2 + 1);
  decode_text_into(raw, raw + len, out);
  return mugai_text_sanitize_line(out->str, (gssize)out->len);
}

/* ------------------------------------------------------------ parameters */

typedef struct {
  GString *value;   /* raw bytes (unquoted) */
  gboolean encoded; /* name*N*= : percent-encoded, segment 0 with charset'lang' */
} ParamSegment;

typedef struct {
  GString *plain; /* name= */
  GString *ext;   /* name*= */
  ParamSegment seg[PARAM_SEGMENTS_MAX];
  gboolean any_seg;
} ParamFound;

/* scan_quoted - read a quoted string after its opening quote into OUT; returns
 * the position after the closing quote. With SJIS a Shift_JIS lead byte takes
 * the next byte as its trail even when that is 0x5C (raw Shift_JIS names). */
static const char *
scan_quoted(const char *p, const char *end, gboolean sjis, GString *out)
{
  while (p < end) {
    guchar c = (guchar)*p;

    if (sjis && ((c >= 0x81 && c <= 0x9F) || (c >= 0xE0 && c <= 0xFC)) && p + 1 < end
        && (guchar)p[1] >= 0x40 && (guchar)p[1] <= 0xFC && (guchar)p[1] != 0x7F) {
      g_string_append_len(out, p, 2);
      p += 2;
      continue;
    }
    if (c == '\\' && p + 1 < end) {
      g_string_append_c(out, p[1]);
      p += 2;
      continue;
    }
    if (c == '"')
      return p + 1;
    g_string_append_c(out, (char)c);
    p++;
  }
  return end;
}

/* read_quoted - read a quoted string, choosing between standard escapes and
 * raw Shift_JIS (whose 0x5C trail bytes are not escapes) by what decodes. */
static const char *
read_quoted(const char *p, const char *end, GString *out)
{
  g_autoptr(GString) std = g_string_new(NULL);
  const char *after = scan_quoted(p, end, FALSE, std);
  gboolean high = FALSE, backslash = FALSE;

  for (const char *q = p; q < after; q++) {
    high |= (guchar)*q >= 0x80;
    backslash |= *q == '\\';
  }
  if (high && backslash && !g_utf8_validate_len(std->str, std->len, NULL)) {
    g_autoptr(GString) sj = g_string_new(NULL);
    const char *after_sj = scan_quoted(p, end, TRUE, sj);
    if (mugai_charset_detect((const guint8 *)sj->str, sj->len) == MUGAI_CHARSET_CP932) {
      g_string_append_len(out, sj->str, (gssize)sj->len);
      return after_sj;
    }
  }
  g_string_append_len(out, std->str, (gssize)std->len);
  return after;
}

/* skip_to_semicolon - position of the next ';' outside quoted strings (or END). */
static const char *
skip_to_semicolon(const char *p, const char *end)
{
  while (p < end && *p != ';') {
    if (*p == '"') {
      g_autoptr(GString) junk = g_string_new(NULL);
      p = read_quoted(p + 1, end, junk);
      continue;
    }
    p++;
  }
  return p;
}

/* classify_attr - ATTR vs NAME: 0 name, 1 name*, 2 name*K, 3 name*K*, -1 no match. */
static int
classify_attr(const char *attr, gsize n, const char *name, guint *index)
{
  gsize nl = strlen(name);
  gsize i;
  guint k = 0;

  if (n < nl || g_ascii_strncasecmp(attr, name, nl) != 0)
    return -1;
  if (n == nl)
    return 0;
  if (attr[nl] != '*')
    return -1;
  if (n == nl + 1)
    return 1;
  for (i = nl + 1; i < n && g_ascii_isdigit(attr[i]); i++) {
    if (k >= PARAM_SEGMENTS_MAX) /* also stops overflow */
      return -1;
    k = k * 10 + (guint)(attr[i] - '0');
  }
  if (i == nl + 1 || k >= PARAM_SEGMENTS_MAX)
    return -1;
  *index = k;
  if (i == n)
    return 2;
  if (i + 1 == n && attr[i] == '*')
    return 3;
  return -1;
}

/* pct_decode - append the %XX-decoded bytes of P..END to OUT (a bad % stays literal). */
static void
pct_decode(const char *p, const char *end, GString *out)
{
  while (p < end) {
    if (*p == '%' && end - p >= 3 && hex_val(p[1]) >= 0 && hex_val(p[2]) >= 0) {
      g_string_append_c(out, (char)(hex_val(p[1]) * 16 + hex_val(p[2])));
      p += 3;
    } else {
      g_string_append_c(out, *p++);
    }
  }
}

/* split_2231 - split "charset'lang'" off V; returns where the value starts. */
static const char *
split_2231(const GString *v, char charset[EW_CHARSET_MAX + 1])
{
  const char *q1 = memchr(v->str, '\'', v->len);
  const char *q2 = q1 ? memchr(q1 + 1, '\'', v->len - (gsize)(q1 + 1 - v->str)) : NULL;

  charset[0] = '\0';
  if (!q2) /* no charset'lang' (broken sender): all value */
    return v->str;
  if ((gsize)(q1 - v->str) <= EW_CHARSET_MAX) {
    memcpy(charset, v->str, (gsize)(q1 - v->str));
    charset[q1 - v->str] = '\0';
  }
  return q2 + 1;
}

/* decode_bytes - charset-decode BYTES as CHARSET (empty: detect) and sanitise to one line. */
static char *
decode_bytes(const GString *bytes, const char *charset)
{
  g_autoptr(GString) out = g_string_sized_new(bytes->len + 16);

  mugai_charset_decode(charset[0] ? charset : NULL, (const guint8 *)bytes->str, bytes->len, out,
                       NULL);
  return mugai_text_sanitize_line(out->str, (gssize)out->len);
}

/* param_result - pick the best form found: name*=, then name*N, then name=. */
static char *
param_result(ParamFound *f)
{
  char charset[EW_CHARSET_MAX + 1];

  if (f->ext) {
    g_autoptr(GString) bytes = g_string_new(NULL);
    const char *v = split_2231(f->ext, charset);
    pct_decode(v, f->ext->str + f->ext->len, bytes);
    return decode_bytes(bytes, charset);
  }
  if (f->any_seg) {
    g_autoptr(GString) bytes = g_string_new(NULL);
    gboolean encoded = FALSE;

    charset[0] = '\0';
    for (guint i = 0; i < PARAM_SEGMENTS_MAX; i++) {
      ParamSegment *s = &f->seg[i];
      const char *v;
      if (!s->value)
        continue;
      if (!s->encoded) {
        g_string_append_len(bytes, s->value->str, (gssize)s->value->len);
        continue;
      }
      encoded = TRUE;
      v = i == 0 ? split_2231(s->value, charset) : s->value->str;
      pct_decode(v, s->value->str + s->value->len, bytes);
    }
    if (encoded)
      return decode_bytes(bytes, charset);
    /* plain continuations: may hold RFC 2047 or raw 8-bit, like name= */
    return mugai_header_decode_text(bytes->str, bytes->len);
  }
  if (f->plain)
    return mugai_header_decode_text(f->plain->str, f->plain->len);
  return NULL;
}

/* param_found_clear - free what a ParamFound holds. */
static void
param_found_clear(ParamFound *f)
{
  if (f->plain)
    g_string_free(f->plain, TRUE);
  if (f->ext)
    g_string_free(f->ext, TRUE);
  for (guint i = 0; i < PARAM_SEGMENTS_MAX; i++)
    if (f->seg[i].value)
      g_string_free(f->seg[i].value, TRUE);
}

char *
mugai_header_param(const char *raw, gsize len, const char *name)
{
  ParamFound f;
  const char *p, *end;
  char *result;

  g_return_val_if_fail(name != NULL && *name != '\0', NULL);
  if (!raw)
    return NULL;
  len = MIN(len, (gsize)MUGAI_HEADER_VALUE_MAX);
  end = raw + len;
  memset(&f, 0, sizeof f);

  p = skip_to_semicolon(raw, end); /* the type/subtype or disposition */
  while (p < end) {
    const char *attr;
    gsize attr_len;
    GString *value;
    guint index = 0;
    int form;

    while (p < end && (*p == ';' || is_lwsp(*p)))
      p++;
    attr = p;
    while (p < end && *p != '=' && *p != ';' && *p != '"' && !is_lwsp(*p))
      p++;
    attr_len = (gsize)(p - attr);
    while (p < end && is_lwsp(*p))
      p++;
    if (p >= end || *p != '=' || attr_len == 0) {
      p = skip_to_semicolon(p, end);
      continue;
    }
    p++;
    while (p < end && is_lwsp(*p))
      p++;
    value = g_string_new(NULL);
    if (p < end && *p == '"') {
      p = read_quoted(p + 1, end, value);
      p = skip_to_semicolon(p, end);
    } else {
      const char *v = p;
      p = skip_to_semicolon(p, end);
      const char *ve = p;
      while (ve > v && is_lwsp(ve[-1]))
        ve--;
      g_string_append_len(value, v, ve - v);
    }

    form = classify_attr(attr, attr_len, name, &index);
    if (form == 0 && !f.plain) {
      f.plain = value;
    } else if (form == 1 && !f.ext) {
      f.ext = value;
    } else if ((form == 2 || form == 3) && !f.seg[index].value) {
      f.seg[index].value = value;
      f.seg[index].encoded = form == 3;
      f.any_seg = TRUE;
    } else {
      g_string_free(value, TRUE);
    }
  }
  result = param_result(&f);
  param_found_clear(&f);
  return result;
}

char *
mugai_header_value_token(const char *raw, gsize len)
{
  GString *tok;
  const char *p, *end;

  if (!raw)
    return NULL;
  len = MIN(len, (gsize)MUGAI_HEADER_VALUE_MAX);
  p = raw;
  end = raw + len;
  tok = g_string_new(NULL);
  for (;;) {
    while (p < end && is_lwsp(*p))
      p++;
    if (p < end && *p == '(') { /* comment */
      int depth = 0;
      for (; p < end; p++) {
        if (*p == '\\' && p + 1 < end)
          p++;
        else if (*p == '(')
          depth++;
        else if (*p == ')' && --depth == 0) {
          p++;
          break;
        }
      }
      continue;
    }
    break;
  }
  while (p < end) {
    guchar c = (guchar)*p;
    if (c <= ' ' || c >= 0x7F || strchr(";\"(),<>@[]=?", c) != NULL)
      break;
    g_string_append_c(tok, g_ascii_tolower((char)c));
    p++;
    if (c != '/') {
      /* tolerate "text / plain" */
      const char *q = p;
      while (q < end && (*q == ' ' || *q == '\t'))
        q++;
      if (q > p && q < end && *q == '/')
        p = q;
    } else {
      while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    }
  }
  if (tok->len == 0) {
    g_string_free(tok, TRUE);
    return NULL;
  }
  return g_string_free(tok, FALSE);
}
