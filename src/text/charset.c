/*
 * charset.c - decode untrusted bytes to UTF-8, Japanese encodings first.
 *
 * CP50220 (ISO-2022-JP), CP932 (Shift_JIS) and eucJP-ms (EUC-JP) are decoded
 * here by hand from generated tables (charset-tables.h, made by
 * scripts/gen-charset-tables.py) because glibc's converters reject the NEC
 * special characters and IBM extensions that Japanese mail is full of. UTF-8
 * is validated here too; every other label goes through iconv with recovery.
 *
 * All decoders are byte-at-a-time state machines with fast paths for runs of
 * ASCII and complete sequences. When a sequence turns out invalid, the bytes
 * before the offending byte become one U+FFFD and the offending byte is
 * decoded afresh, so only that byte ever needs re-reading: this is what makes
 * feeding whole, in blocks, or byte by byte give the same output.
 *
 * Choices worth knowing:
 *  - JIS X 0208 (ISO-2022-JP, EUC-JP) is mapped by converting row/column to
 *    the Shift_JIS code and using the CP932 table, so wave dash 0x2141 gives
 *    U+FF5E in all three encodings and NEC row 13 works everywhere.
 *  - ESC ( J (JIS-Roman) is decoded as ASCII: 0x5C stays '\' and 0x7E '~',
 *    as Microsoft does; senders use it interchangeably with ESC ( B.
 *  - ISO-2022-JP keeps its shift state across CR/LF (Microsoft does the same)
 *    and tolerates raw 8-bit half-width katakana (CP50222 style).
 *  - CP932 single bytes 0x80, 0xA0 and 0xFD-0xFF are errors (Python's cp932
 *    maps them to U+0080 and private use; they never occur in real text, and
 *    counting them keeps a "clean CP932 decode" meaningful as evidence).
 */
#include <errno.h>
#include <iconv.h>
#include <string.h>

#include <glib.h>

#include "text/charset.h"
#include "text/charset-tables.h"

/* Longest pending sequence any decoder keeps between feeds (iconv included). */
#define PEND_MAX 16
/* Input is decoded in blocks so the output reservation stays bounded. */
#define DEC_BLOCK 16384
/* Labels longer than this are not charset names. */
#define LABEL_MAX 64

enum {
  G0_ASCII = 0,
  G0_KANA,    /* ESC ( I: JIS X 0201 katakana */
  G0_JIS0208, /* ESC $ @, ESC $ B */
  G0_JIS0212, /* ESC $ ( D */
  G0_DBCS_UNKNOWN
};

struct _MugaiDecoder {
  MugaiCharsetKind kind;
  gsize replaced;
  guint8 pend[PEND_MAX]; /* bytes of an incomplete sequence */
  guint pend_len;
  guint8 need;        /* UTF-8: continuation bytes still expected */
  guint8 lo, hi;      /* UTF-8: range allowed for the next byte */
  guint8 g0;          /* ISO-2022-JP: designation of G0 */
  gboolean shift_out; /* ISO-2022-JP: SO seen (katakana) */
  gboolean lead_set;  /* ISO-2022-JP: pend_lead holds a first byte */
  guint8 pend_lead;
  iconv_t cd;
  gboolean uhc_a2e8; /* iconv: see iconv_probe_uhc_a2e8 */
  guint8 u7_shift;   /* UTF-7 (decoded here, not by iconv): '+', or '&' for IMAP; 0 if not */
  guint8 u7_mode;    /* UTF-7: U7_DIRECT, U7_SHIFTED, U7_BASE64 */
  guint8 u7_nbits;   /* UTF-7: bits waiting in u7_bits (< 16) */
  guint32 u7_bits;
  guint16 u7_high; /* UTF-7: a high surrogate waiting for its low one, or 0 */
};

#define REPL_UTF8 "\xEF\xBF\xBD"

/* put_repl - write U+FFFD and count it. */
static inline char *
put_repl(MugaiDecoder *dec, char *p)
{
  p[0] = (char)0xEF;
  p[1] = (char)0xBF;
  p[2] = (char)0xBD;
  dec->replaced++;
  return p + 3;
}

/* put_bmp - write the BMP code point U (non-zero) as UTF-8. */
static inline char *
put_bmp(char *p, guint u)
{
  if (u < 0x80) {
    *p++ = (char)u;
  } else if (u < 0x800) {
    *p++ = (char)(0xC0 | (u >> 6));
    *p++ = (char)(0x80 | (u & 0x3F));
  } else {
    *p++ = (char)(0xE0 | (u >> 12));
    *p++ = (char)(0x80 | ((u >> 6) & 0x3F));
    *p++ = (char)(0x80 | (u & 0x3F));
  }
  return p;
}

/* out_begin - reserve MAX more bytes at the end of OUT; returns where to write. */
static inline char *
out_begin(GString *out, gsize max)
{
  gsize old = out->len;

  g_string_set_size(out, old + max);
  return out->str + old;
}

/* out_end - keep what was written up to P. */
static inline void
out_end(GString *out, char *p)
{
  g_string_truncate(out, (gsize)(p - out->str));
}

/* ascii_run - copy 8-byte words of pure ASCII; returns bytes copied. */
static inline gsize
ascii_run(const guint8 *s, gsize n, char *p)
{
  gsize i = 0;

  while (i + 8 <= n) {
    guint64 w;

    memcpy(&w, s + i, 8);
    if (w & G_GUINT64_CONSTANT(0x8080808080808080))
      break;
    memcpy(p + i, &w, 8);
    i += 8;
  }
  return i;
}

/* sjis_is_lead - a CP932 double-byte lead byte. */
static inline gboolean
sjis_is_lead(guint8 b)
{
  return (b >= 0x81 && b <= 0x9F) || (b >= 0xE0 && b <= 0xFC);
}

/* sjis_is_trail - a CP932 trail byte. */
static inline gboolean
sjis_is_trail(guint8 b)
{
  return b >= 0x40 && b <= 0xFC && b != 0x7F;
}

/* sjis_lookup - CP932 code point of LEAD/TRAIL (both in range), 0 when unmapped. */
static inline guint
sjis_lookup(guint8 lead, guint8 trail)
{
  guint li = lead < 0xA0 ? lead - 0x81u : lead - 0xC1u;

  return mugai_cp932_dbcs[li][trail - 0x40];
}

/* jis0208_lookup - code point of JIS X 0208 ROW/COL (1..94) via its Shift_JIS code. */
static inline guint
jis0208_lookup(guint row, guint col)
{
  guint8 s1 = (guint8)(((row - 1) >> 1) + (row <= 62 ? 0x81 : 0xC1));
  guint8 s2;

  if (row & 1)
    s2 = (guint8)(col + 0x3F + (col >= 64 ? 1 : 0));
  else
    s2 = (guint8)(col + 0x9E);
  return sjis_lookup(s1, s2);
}

/* eucjpms_0208 - eucJP-ms two-byte code ROW/COL: user-defined rows 85-94 are private use. */
static inline guint
eucjpms_0208(guint row, guint col)
{
  if (row >= 85)
    return 0xE000 + (row - 85) * 94 + (col - 1);
  return jis0208_lookup(row, col);
}

/* ------------------------------------------------------------------ UTF-8 */

/* utf8_start - set up the state for lead byte B; FALSE if B cannot start a sequence. */
static inline gboolean
utf8_start(MugaiDecoder *dec, guint8 b)
{
  if (b >= 0xC2 && b <= 0xDF) {
    dec->need = 1;
    dec->lo = 0x80;
    dec->hi = 0xBF;
  } else if (b >= 0xE0 && b <= 0xEF) {
    dec->need = 2;
    dec->lo = b == 0xE0 ? 0xA0 : 0x80; /* no overlongs */
    dec->hi = b == 0xED ? 0x9F : 0xBF; /* no surrogates */
  } else if (b >= 0xF0 && b <= 0xF4) {
    dec->need = 3;
    dec->lo = b == 0xF0 ? 0x90 : 0x80;
    dec->hi = b == 0xF4 ? 0x8F : 0xBF; /* nothing above U+10FFFF */
  } else {
    return FALSE;
  }
  return TRUE;
}

/* utf8_seq_len - length of the complete well-formed sequence at S, 0 if not complete and valid. */
static inline gsize
utf8_seq_len(const guint8 *s, gsize n)
{
  guint8 b = s[0];

  if (b >= 0xC2 && b <= 0xDF) {
    if (n >= 2 && (s[1] & 0xC0) == 0x80)
      return 2;
  } else if (b >= 0xE0 && b <= 0xEF) {
    guint8 lo = b == 0xE0 ? 0xA0 : 0x80, hi = b == 0xED ? 0x9F : 0xBF;
    if (n >= 3 && s[1] >= lo && s[1] <= hi && (s[2] & 0xC0) == 0x80)
      return 3;
  } else if (b >= 0xF0 && b <= 0xF4) {
    guint8 lo = b == 0xF0 ? 0x90 : 0x80, hi = b == 0xF4 ? 0x8F : 0xBF;
    if (n >= 4 && s[1] >= lo && s[1] <= hi && (s[2] & 0xC0) == 0x80 && (s[3] & 0xC0) == 0x80)
      return 4;
  }
  return 0;
}

/* utf8_run - decode UTF-8: valid sequences are copied, each maximal invalid subpart is U+FFFD. */
static char *
utf8_run(MugaiDecoder *dec, const guint8 *s, gsize n, char *p)
{
  gsize i = 0;

  while (i < n) {
    guint8 b = s[i];

    if (dec->need) {
      if (b >= dec->lo && b <= dec->hi) {
        dec->pend[dec->pend_len++] = b;
        dec->lo = 0x80;
        dec->hi = 0xBF;
        i++;
        if (--dec->need == 0) {
          memcpy(p, dec->pend, dec->pend_len);
          p += dec->pend_len;
          dec->pend_len = 0;
        }
        continue;
      }
      p = put_repl(dec, p);
      dec->need = 0;
      dec->pend_len = 0;
      continue; /* B starts afresh */
    }
    if (b < 0x80) {
      gsize k = ascii_run(s + i, n - i, p);
      if (k == 0) {
        *p++ = (char)b;
        k = 1;
      } else {
        p += k;
      }
      i += k;
      continue;
    }
    gsize l = utf8_seq_len(s + i, n - i);
    if (l) {
      memcpy(p, s + i, l);
      p += l;
      i += l;
      continue;
    }
    i++;
    if (utf8_start(dec, b)) {
      dec->pend[0] = b;
      dec->pend_len = 1;
    } else {
      p = put_repl(dec, p);
    }
  }
  return p;
}

/* ------------------------------------------------------------------ CP932 */

/* cp932_single - decode B outside a double-byte character. */
static inline char *
cp932_single(MugaiDecoder *dec, guint8 b, char *p)
{
  if (b < 0x80)
    *p++ = (char)b;
  else if (b >= 0xA1 && b <= 0xDF)
    p = put_bmp(p, 0xFF61u + (b - 0xA1u));
  else if (sjis_is_lead(b))
    dec->pend[0] = b, dec->pend_len = 1;
  else
    p = put_repl(dec, p);
  return p;
}

/* cp932_run - decode CP932 (Shift_JIS with Microsoft's extensions). */
static char *
cp932_run(MugaiDecoder *dec, const guint8 *s, gsize n, char *p)
{
  gsize i = 0;

  while (i < n) {
    guint8 b = s[i];

    if (dec->pend_len) {
      guint8 lead = dec->pend[0];

      dec->pend_len = 0;
      if (!sjis_is_trail(b)) {
        p = put_repl(dec, p);
        continue; /* B starts afresh */
      }
      guint u = sjis_lookup(lead, b);
      i++;
      if (u) {
        p = put_bmp(p, u);
      } else {
        p = put_repl(dec, p);
        if (b < 0x80) /* an ASCII trail is text of its own (as WHATWG) */
          *p++ = (char)b;
      }
      continue;
    }
    if (b < 0x80) {
      gsize k = ascii_run(s + i, n - i, p);
      if (k) {
        p += k;
        i += k;
        continue;
      }
      *p++ = (char)b;
      i++;
      continue;
    }
    if (sjis_is_lead(b) && i + 1 < n && sjis_is_trail(s[i + 1])) {
      guint u = sjis_lookup(b, s[i + 1]);
      if (u) {
        p = put_bmp(p, u);
        i += 2;
        continue;
      }
    }
    p = cp932_single(dec, b, p);
    i++;
  }
  return p;
}

/* --------------------------------------------------------------- eucJP-ms */

/* euc_single - decode B with no sequence pending. */
static inline char *
euc_single(MugaiDecoder *dec, guint8 b, char *p)
{
  if (b < 0x80)
    *p++ = (char)b;
  else if (b == 0x8E || b == 0x8F || (b >= 0xA1 && b <= 0xFE))
    dec->pend[0] = b, dec->pend_len = 1;
  else
    p = put_repl(dec, p);
  return p;
}

/* euc_run - decode eucJP-ms: ASCII, 0x8E kana, JIS X 0208 pairs, 0x8F JIS X 0212 triples. */
static char *
euc_run(MugaiDecoder *dec, const guint8 *s, gsize n, char *p)
{
  gsize i = 0;

  while (i < n) {
    guint8 b = s[i];

    if (dec->pend_len) {
      guint8 first = dec->pend[0];
      gboolean in94 = b >= 0xA1 && b <= 0xFE;
      guint u;

      if (first == 0x8E) {
        dec->pend_len = 0;
        if (b >= 0xA1 && b <= 0xDF) {
          p = put_bmp(p, 0xFF61u + (b - 0xA1u));
          i++;
        } else {
          p = put_repl(dec, p);
        }
        continue;
      }
      if (!in94) {
        dec->pend_len = 0;
        p = put_repl(dec, p);
        continue; /* B starts afresh */
      }
      i++;
      if (first == 0x8F && dec->pend_len == 1) {
        dec->pend[1] = b;
        dec->pend_len = 2;
        continue;
      }
      if (first == 0x8F)
        u = mugai_eucjpms_0212[dec->pend[1] - 0xA1][b - 0xA1];
      else
        u = eucjpms_0208(first - 0xA0u, b - 0xA0u);
      dec->pend_len = 0;
      p = u ? put_bmp(p, u) : put_repl(dec, p);
      continue;
    }
    if (b < 0x80) {
      gsize k = ascii_run(s + i, n - i, p);
      if (k) {
        p += k;
        i += k;
        continue;
      }
      *p++ = (char)b;
      i++;
      continue;
    }
    if (b >= 0xA1 && b <= 0xFE && i + 1 < n && s[i + 1] >= 0xA1 && s[i + 1] <= 0xFE) {
      guint u = eucjpms_0208(b - 0xA0u, s[i + 1] - 0xA0u);
      p = u ? put_bmp(p, u) : put_repl(dec, p);
      i += 2;
      continue;
    }
    p = euc_single(dec, b, p);
    i++;
  }
  return p;
}

/* ------------------------------------------------------------ ISO-2022-JP */

/* iso2022_escape - act on the complete escape sequence in pend[] ending with FINAL. */
static char *
iso2022_escape(MugaiDecoder *dec, guint8 final, char *p)
{
  const guint8 *e = dec->pend; /* e[0] is ESC, then intermediates */
  guint ni = dec->pend_len - 1;
  gboolean g0_set = FALSE;

  dec->pend_len = 0;
  if (ni == 1 && e[1] == '(') {
    g0_set = TRUE;
    if (final == 'B' || final == 'J' || final == 'H')
      dec->g0 = G0_ASCII;
    else if (final == 'I')
      dec->g0 = G0_KANA;
    else
      dec->g0 = G0_ASCII, p = put_repl(dec, p);
  } else if (ni == 1 && e[1] == '$') {
    g0_set = TRUE;
    if (final == '@' || final == 'B')
      dec->g0 = G0_JIS0208;
    else
      dec->g0 = G0_DBCS_UNKNOWN, p = put_repl(dec, p);
  } else if (ni == 2 && e[1] == '$' && e[2] == '(') {
    g0_set = TRUE;
    if (final == '@' || final == 'B' || final == 'O' || final == 'Q')
      dec->g0 = G0_JIS0208; /* JIS X 0213 plane 1 is a superset of 0208 */
    else if (final == 'D')
      dec->g0 = G0_JIS0212;
    else
      dec->g0 = G0_DBCS_UNKNOWN, p = put_repl(dec, p);
  } else if (ni == 1 && e[1] == '&' && final == '@') {
    /* JIS X 0208-1990 announcer, always followed by ESC $ B */
  } else if ((ni == 1 && strchr(")*+-./", e[1]) != NULL)
             || (ni == 2 && e[1] == '$' && strchr(")*+-./", e[2]) != NULL)) {
    /* G1-G3 designations (ISO-2022-JP-2): they do not change G0 */
  } else {
    p = put_repl(dec, p);
  }
  if (g0_set) {
    dec->shift_out = FALSE;
    dec->lead_set = FALSE;
  }
  return p;
}

/* iso2022_dbcs - decode the pair LEAD/B (both 0x21-0x7E) in the current G0 set. */
static inline char *
iso2022_dbcs(MugaiDecoder *dec, guint8 lead, guint8 b, char *p)
{
  guint u = 0;

  if (dec->g0 == G0_JIS0208)
    u = jis0208_lookup(lead - 0x20u, b - 0x20u);
  else if (dec->g0 == G0_JIS0212)
    u = mugai_eucjpms_0212[lead - 0x21][b - 0x21];
  return u ? put_bmp(p, u) : put_repl(dec, p);
}

/* iso2022_run - decode CP50220: ISO-2022-JP with NEC/IBM rows and katakana. */
static char *
iso2022_run(MugaiDecoder *dec, const guint8 *s, gsize n, char *p)
{
  gsize i = 0;

  while (i < n) {
    guint8 b = s[i];

    if (dec->pend_len) { /* inside an escape sequence */
      if (b >= 0x20 && b <= 0x2F && dec->pend_len < 4) {
        dec->pend[dec->pend_len++] = b;
        i++;
      } else if (b >= 0x30 && b <= 0x7E) {
        p = iso2022_escape(dec, b, p);
        i++;
      } else {
        dec->pend_len = 0;
        p = put_repl(dec, p); /* B starts afresh */
      }
      continue;
    }
    if (b == 0x1B || b == 0x0E || b == 0x0F || b < 0x21 || b >= 0x7F) {
      if (dec->lead_set) { /* a lone first byte */
        dec->lead_set = FALSE;
        p = put_repl(dec, p);
      }
      i++;
      if (b == 0x1B) {
        dec->pend[0] = b;
        dec->pend_len = 1;
      } else if (b == 0x0E) {
        dec->shift_out = TRUE;
      } else if (b == 0x0F) {
        dec->shift_out = FALSE;
      } else if (b <= 0x7F) {
        *p++ = (char)b; /* controls and space pass in every state */
      } else if (b >= 0xA1 && b <= 0xDF) {
        p = put_bmp(p, 0xFF61u + (b - 0xA1u)); /* 8-bit katakana */
      } else {
        p = put_repl(dec, p);
      }
      continue;
    }
    /* 0x21-0x7E */
    if (dec->shift_out || dec->g0 == G0_KANA) {
      p = b <= 0x5F ? put_bmp(p, 0xFF61u + (b - 0x21u)) : put_repl(dec, p);
      i++;
      continue;
    }
    if (dec->g0 == G0_ASCII) {
      gsize k = 0;
      while (i + k < n && s[i + k] >= 0x21 && s[i + k] <= 0x7E)
        k++;
      memcpy(p, s + i, k);
      p += k;
      i += k;
      continue;
    }
    if (dec->lead_set) {
      dec->lead_set = FALSE;
      p = iso2022_dbcs(dec, dec->pend_lead, b, p);
      i++;
      continue;
    }
    if (i + 1 < n && s[i + 1] >= 0x21 && s[i + 1] <= 0x7E) {
      p = iso2022_dbcs(dec, b, s[i + 1], p);
      i += 2;
      continue;
    }
    dec->pend_lead = b;
    dec->lead_set = TRUE;
    i++;
  }
  return p;
}

/* ------------------------------------------------------------------ ASCII */

/* ascii_dec_run - US-ASCII: 8-bit bytes are errors. */
static char *
ascii_dec_run(MugaiDecoder *dec, const guint8 *s, gsize n, char *p)
{
  for (gsize i = 0; i < n; i++) {
    if (s[i] < 0x80)
      *p++ = (char)s[i];
    else
      p = put_repl(dec, p);
  }
  return p;
}

/* ------------------------------------------------------------------ iconv */

/* iconv_run - convert IN with recovery; returns bytes consumed (the rest is an incomplete tail). */
static gsize
iconv_run(MugaiDecoder *dec, const guint8 *in, gsize n, GString *out)
{
  gsize done = 0;

  while (done < n) {
    /* cap before multiplying; if it is not enough, E2BIG comes round again */
    gsize room = MIN(n - done, (gsize)DEC_BLOCK) * 4 + 64;
    gsize before = done, old = out->len;
    char *op = out_begin(out, room);
    char *ip = (char *)in + done;
    gsize il = n - done, ol = room;
    size_t r = iconv(dec->cd, &ip, &il, &op, &ol);
    int err = errno;

    done = n - il;
    out_end(out, op);
    if (r != (size_t)-1)
      continue;
    if (err == E2BIG && out->len != old)
      continue;
    if (err == EINVAL && n - done < PEND_MAX)
      break;
    /* EILSEQ (or an implausibly long incomplete tail, or no room for one
     * character, which 64 bytes rule out): U+FFFD, step over one byte.
     * A stateful converter (UTF-7, ISO-2022-KR/CN) starts again from its
     * initial state: what it kept of the broken sequence would otherwise
     * depend on where the feeds were cut. */
    g_string_append(out, REPL_UTF8);
    dec->replaced++;
    iconv(dec->cd, NULL, NULL, NULL, NULL);
    if (dec->uhc_a2e8 && done - before >= 2 && in[done - 2] == 0xA2 && in[done - 1] == 0xE8)
      continue; /* already stepped over, see iconv_probe_uhc_a2e8 */
    if (done < n)
      done++;
  }
  return done;
}

/* iconv_probe_uhc_a2e8 - CD has glibc's UHC bug: 0xA2E8 is rejected after being consumed.
 *
 * glibc's UHC (CP949) maps 0xA2E8 with ksc5601_to_ucs4, which advances the
 * input, then refuses the result (U+327E) and reports EILSEQ after the pair.
 * Skipping one more byte there would eat a good one, and only when the pair
 * is not split between feeds; so such converters are recognised by probing. */
static gboolean
iconv_probe_uhc_a2e8(iconv_t cd)
{
  char in[3] = { (char)0xA2, (char)0xE8, 'A' }, buf[16];
  char *ip = in, *op = buf;
  gsize il = sizeof in, ol = sizeof buf;
  gboolean quirk;

  quirk = iconv(cd, &ip, &il, &op, &ol) == (size_t)-1 && errno == EILSEQ && il == 1;
  iconv(cd, NULL, NULL, NULL, NULL);
  return quirk;
}

/* iconv_feed - feed iconv, carrying an incomplete tail to the next call. */
static void
iconv_feed(MugaiDecoder *dec, const guint8 *data, gsize len, GString *out)
{
  /* Complete the held tail a byte at a time: it is short and this is rare. */
  while (dec->pend_len && len) {
    dec->pend[dec->pend_len++] = *data++;
    len--;
    gsize used = iconv_run(dec, dec->pend, dec->pend_len, out);
    memmove(dec->pend, dec->pend + used, dec->pend_len - used);
    dec->pend_len -= (guint)used;
  }
  if (!len)
    return;
  gsize used = iconv_run(dec, data, len, out);
  g_assert(used <= len && len - used < PEND_MAX); /* iconv_run guarantees it */
  memcpy(dec->pend, data + used, len - used);
  dec->pend_len = (guint)(len - used);
}

/* ------------------------------------------------------------------ UTF-7 */

/* UTF-7 (RFC 2152) and its IMAP form (RFC 3501: '&' and ',') are decoded
 * here rather than by iconv: glibc's converter reports an incomplete
 * surrogate pair at the end of its input as EILSEQ, so its result depended
 * on where the feeds were cut (found by the fuzzer). Each byte is taken
 * once, in order, so the result does not. */
enum { U7_DIRECT = 0, U7_SHIFTED, U7_BASE64 };

/* utf7_variant - the shift character of the UTF-7 named NAME, or 0 */
static guint8
utf7_variant(const char *name)
{
  static const char *const plain[] = { "UTF-7", "UTF7", "UNICODE-1-1-UTF-7", "CSUNICODE11UTF7" };

  for (guint i = 0; i < G_N_ELEMENTS(plain); i++)
    if (g_ascii_strcasecmp(name, plain[i]) == 0)
      return '+';
  return g_ascii_strcasecmp(name, "UTF-7-IMAP") == 0 ? '&' : 0;
}

/* utf7_value - the 6 bits of base64 character C, or -1 */
static int
utf7_value(const MugaiDecoder *dec, guint8 c)
{
  return mugai_base64_value(c, dec->u7_shift == '&' ? ',' : '/');
}

/* utf7_unit - one UTF-16 code unit U of a base64 run */
static char *
utf7_unit(MugaiDecoder *dec, guint u, char *p)
{
  if (dec->u7_high) {
    if (u >= 0xDC00 && u <= 0xDFFF) {
      guint cp = 0x10000 + ((dec->u7_high - 0xD800u) << 10) + (u - 0xDC00);
      dec->u7_high = 0;
      *p++ = (char)(0xF0 | (cp >> 18));
      *p++ = (char)(0x80 | ((cp >> 12) & 0x3F));
      *p++ = (char)(0x80 | ((cp >> 6) & 0x3F));
      *p++ = (char)(0x80 | (cp & 0x3F));
      return p;
    }
    dec->u7_high = 0;
    p = put_repl(dec, p); /* a high surrogate alone */
  }
  if (u >= 0xD800 && u <= 0xDBFF)
    dec->u7_high = (guint16)u;
  else if (u >= 0xDC00 && u <= 0xDFFF)
    p = put_repl(dec, p); /* a low surrogate alone */
  else if (u == 0)
    *p++ = '\0';
  else
    p = put_bmp(p, u);
  return p;
}

/* utf7_end_run - a base64 run ends: what is left over must be fewer than
 * six bits, all zero, and no surrogate may be waiting */
static char *
utf7_end_run(MugaiDecoder *dec, char *p)
{
  if (dec->u7_high)
    p = put_repl(dec, p);
  if (dec->u7_nbits >= 6 || (dec->u7_bits & ((1u << dec->u7_nbits) - 1)) != 0)
    p = put_repl(dec, p);
  dec->u7_high = 0;
  dec->u7_bits = 0;
  dec->u7_nbits = 0;
  dec->u7_mode = U7_DIRECT;
  return p;
}

/* utf7_run - decode N bytes; each yields at most 9 output bytes */
static char *
utf7_run(MugaiDecoder *dec, const guint8 *s, gsize n, char *p)
{
  for (gsize i = 0; i < n; i++) {
    guint8 c = s[i];
    int v;

    if (dec->u7_mode == U7_SHIFTED) {
      if (c == '-') { /* "+-" is '+' itself */
        *p++ = (char)dec->u7_shift;
        dec->u7_mode = U7_DIRECT;
        continue;
      }
      if (utf7_value(dec, c) < 0) { /* a shift with nothing after it */
        p = put_repl(dec, p);
        dec->u7_mode = U7_DIRECT;
      } else
        dec->u7_mode = U7_BASE64;
    }
    if (dec->u7_mode == U7_BASE64) {
      v = utf7_value(dec, c);
      if (v >= 0) {
        dec->u7_bits = (dec->u7_bits << 6) | (guint)v;
        dec->u7_nbits += 6;
        if (dec->u7_nbits >= 16) {
          dec->u7_nbits -= 16;
          p = utf7_unit(dec, (dec->u7_bits >> dec->u7_nbits) & 0xFFFF, p);
          dec->u7_bits &= (1u << dec->u7_nbits) - 1;
        }
        continue;
      }
      p = utf7_end_run(dec, p);
      if (c == '-')
        continue; /* the run's explicit end */
    }
    if (c == dec->u7_shift)
      dec->u7_mode = U7_SHIFTED;
    else if (c < 0x80)
      *p++ = (char)c;
    else
      p = put_repl(dec, p);
  }
  return p;
}

/* utf7_finish - the end of the input: a shift or a run left open */
static char *
utf7_finish(MugaiDecoder *dec, char *p)
{
  if (dec->u7_mode == U7_SHIFTED)
    p = put_repl(dec, p);
  else if (dec->u7_mode == U7_BASE64)
    p = utf7_end_run(dec, p);
  dec->u7_mode = U7_DIRECT;
  return p;
}

/* ---------------------------------------------------------------- decoder */

/* decoder_init - set DEC up for KIND; for ICONV open ICONV_NAME (FALSE if iconv refuses it). */
static gboolean
decoder_init(MugaiDecoder *dec, MugaiCharsetKind kind, const char *iconv_name)
{
  memset(dec, 0, sizeof *dec);
  dec->kind = kind;
  dec->cd = (iconv_t)-1;
  if (kind == MUGAI_CHARSET_ICONV) {
    if (!iconv_name)
      return FALSE;
    dec->u7_shift = utf7_variant(iconv_name);
    if (dec->u7_shift)
      return TRUE;
    dec->cd = iconv_open("UTF-8", iconv_name);
    if (dec->cd == (iconv_t)-1)
      return FALSE;
    dec->uhc_a2e8 = iconv_probe_uhc_a2e8(dec->cd);
  }
  return kind != MUGAI_CHARSET_UNKNOWN;
}

/* decoder_clear - release what decoder_init acquired. */
static void
decoder_clear(MugaiDecoder *dec)
{
  if (dec->cd != (iconv_t)-1)
    iconv_close(dec->cd);
  dec->cd = (iconv_t)-1;
}

MugaiDecoder *
mugai_decoder_new(MugaiCharsetKind kind, const char *iconv_name)
{
  MugaiDecoder *dec = g_new(MugaiDecoder, 1);

  if (!decoder_init(dec, kind, iconv_name)) {
    decoder_clear(dec);
    g_free(dec);
    return NULL;
  }
  return dec;
}

void
mugai_decoder_feed(MugaiDecoder *dec, const guint8 *data, gsize len, GString *out)
{
  g_return_if_fail(dec != NULL && out != NULL);
  g_return_if_fail(data != NULL || len == 0);

  if (dec->kind == MUGAI_CHARSET_ICONV && !dec->u7_shift) {
    iconv_feed(dec, data, len, out);
    return;
  }
  while (len) {
    gsize n = MIN(len, (gsize)DEC_BLOCK);
    /* every byte, pending ones included, yields at most 3 bytes; in UTF-7
     * at most 9 (a run ended by a bad byte: two replacements and one more) */
    char *p = out_begin(out, (dec->u7_shift ? 9 : 3) * (n + PEND_MAX));

    switch (dec->kind) {
    case MUGAI_CHARSET_UTF8:
      p = utf8_run(dec, data, n, p);
      break;
    case MUGAI_CHARSET_CP932:
      p = cp932_run(dec, data, n, p);
      break;
    case MUGAI_CHARSET_EUCJPMS:
      p = euc_run(dec, data, n, p);
      break;
    case MUGAI_CHARSET_CP50220:
      p = iso2022_run(dec, data, n, p);
      break;
    case MUGAI_CHARSET_ICONV: /* UTF-7 */
      p = utf7_run(dec, data, n, p);
      break;
    default:
      p = ascii_dec_run(dec, data, n, p);
      break;
    }
    out_end(out, p);
    data += n;
    len -= n;
  }
}

void
mugai_decoder_finish(MugaiDecoder *dec, GString *out)
{
  g_return_if_fail(dec != NULL && out != NULL);

  /* an incomplete sequence, escape or first byte is one replacement; ending
   * in a double-byte ISO-2022-JP state is not an error */
  if (dec->pend_len || dec->lead_set || dec->need) {
    g_string_append(out, REPL_UTF8);
    dec->replaced++;
  }
  if (dec->u7_shift)
    out_end(out, utf7_finish(dec, out_begin(out, 16)));
  dec->pend_len = 0;
  dec->lead_set = FALSE;
  dec->need = 0;
  dec->g0 = G0_ASCII;
  dec->shift_out = FALSE;
  if (dec->cd != (iconv_t)-1)
    iconv(dec->cd, NULL, NULL, NULL, NULL);
}

gsize
mugai_decoder_replacements(const MugaiDecoder *dec)
{
  g_return_val_if_fail(dec != NULL, 0);
  return dec->replaced;
}

MugaiDecoder *
mugai_decoder_free(MugaiDecoder *dec)
{
  if (dec) {
    decoder_clear(dec);
    g_free(dec);
  }
  return NULL;
}

/* -------------------------------------------------------------- detection */

typedef struct {
  MugaiCharsetKind kind;
  gsize sjis_pairs, sjis_kana, sjis_bad; /* kana: hiragana/katakana pairs */
  gsize euc_pairs, euc_kana, euc_bad;
  gssize sjis_score, euc_score;
} DetectStats;

/* first_high - index of the first byte >= 0x80, LEN if none. */
static gsize
first_high(const guint8 *s, gsize len)
{
  gsize i = 0;

  while (i + 8 <= len) {
    guint64 w;

    memcpy(&w, s + i, 8);
    if (w & G_GUINT64_CONSTANT(0x8080808080808080))
      break;
    i += 8;
  }
  while (i < len && s[i] < 0x80)
    i++;
  return i;
}

/* has_jis_escape - 7-bit S contains ESC $ B, ESC $ @ or ESC ( I. */
static gboolean
has_jis_escape(const guint8 *s, gsize len)
{
  const guint8 *p = s, *end = s + len;

  while ((p = memchr(p, 0x1B, (gsize)(end - p))) != NULL) {
    if (end - p >= 3
        && ((p[1] == '$' && (p[2] == 'B' || p[2] == '@')) || (p[1] == '(' && p[2] == 'I')))
      return TRUE;
    p++;
  }
  return FALSE;
}

/* utf8_valid_from - S[I..] is well-formed UTF-8, allowing a cut-off final sequence. */
static gboolean
utf8_valid_from(const guint8 *s, gsize i, gsize len)
{
  while (i < len) {
    if (s[i] < 0x80) {
      i++;
      continue;
    }
    gsize l = utf8_seq_len(s + i, len - i);
    if (l) {
      i += l;
      continue;
    }
    /* invalid, unless it is a valid prefix running into the end */
    MugaiDecoder d;
    memset(&d, 0, sizeof d);
    if (!utf8_start(&d, s[i]))
      return FALSE;
    for (gsize k = i + 1; k < len; k++) {
      if (s[k] < d.lo || s[k] > d.hi)
        return FALSE;
      d.lo = 0x80;
      d.hi = 0xBF;
      d.need--;
    }
    return TRUE;
  }
  return TRUE;
}

/* score_sjis - weigh S as CP932: common kana/kanji pairs count most, half-width kana little. */
static void
score_sjis(const guint8 *s, gsize i, gsize len, DetectStats *st)
{
  gssize score = 0;

  while (i < len) {
    guint8 b = s[i];
    if (b < 0x80) {
      i++;
    } else if (b >= 0xA1 && b <= 0xDF) {
      score += 1;
      i++;
    } else if (sjis_is_lead(b) && i + 1 < len && sjis_is_trail(s[i + 1])) {
      guint8 t = s[i + 1];
      if (!sjis_lookup(b, t)) {
        st->sjis_bad++;
        i++;
        continue;
      }
      st->sjis_pairs++;
      if ((b == 0x82 && t >= 0x9F) || (b == 0x83 && t <= 0x96)) {
        st->sjis_kana++;
        score += 6;
      } else if (b == 0x81 || b == 0x82 || (b >= 0x88 && b <= 0x98)) {
        score += 6; /* punctuation, full-width alphanumerics, level 1 kanji */
      } else {
        score += 2;
      }
      i += 2;
    } else if (sjis_is_lead(b) && i + 1 == len) {
      i++; /* cut off at the end: no evidence either way */
    } else {
      st->sjis_bad++;
      i++;
    }
  }
  st->sjis_score = score - 20 * (gssize)st->sjis_bad;
}

/* score_euc - weigh S as eucJP-ms, on the same scale as score_sjis. */
static void
score_euc(const guint8 *s, gsize i, gsize len, DetectStats *st)
{
  gssize score = 0;

  while (i < len) {
    guint8 b = s[i];
    gboolean next94 = i + 1 < len && s[i + 1] >= 0xA1 && s[i + 1] <= 0xFE;

    if (b < 0x80) {
      i++;
    } else if (b >= 0xA1 && b <= 0xFE && next94) {
      guint row = b - 0xA0u;
      if (!eucjpms_0208(row, s[i + 1] - 0xA0u)) {
        st->euc_bad++;
        i++;
        continue;
      }
      st->euc_pairs++;
      if (row == 4 || row == 5) {
        st->euc_kana++;
        score += 6;
      } else if (row <= 3 || (row >= 16 && row <= 47)) {
        score += 6;
      } else if (row < 85) {
        score += 2;
      }
      i += 2;
    } else if (b == 0x8E && i + 1 < len && s[i + 1] >= 0xA1 && s[i + 1] <= 0xDF) {
      score += 1;
      i += 2;
    } else if (b == 0x8F && next94 && i + 2 < len && s[i + 2] >= 0xA1 && s[i + 2] <= 0xFE) {
      if (mugai_eucjpms_0212[s[i + 1] - 0xA1][s[i + 2] - 0xA1])
        score += 1;
      else
        st->euc_bad++;
      i += 3;
    } else if (i + 1 == len || (b == 0x8F && i + 2 == len)) {
      i = len;
    } else {
      st->euc_bad++;
      i++;
    }
  }
  st->euc_score = score - 20 * (gssize)st->euc_bad;
}

/* detect_stats - mugai_charset_detect, keeping the evidence. */
static void
detect_stats(const guint8 *data, gsize len, DetectStats *st)
{
  memset(st, 0, sizeof *st);
  gsize i = first_high(data, len);

  if (i == len) {
    st->kind = has_jis_escape(data, len) ? MUGAI_CHARSET_CP50220 : MUGAI_CHARSET_ASCII;
    return;
  }
  if (utf8_valid_from(data, i, len)) {
    st->kind = MUGAI_CHARSET_UTF8;
    return;
  }
  score_sjis(data, i, len, st);
  score_euc(data, i, len, st);
  st->kind = st->euc_score > st->sjis_score ? MUGAI_CHARSET_EUCJPMS : MUGAI_CHARSET_CP932;
}

MugaiCharsetKind
mugai_charset_detect(const guint8 *data, gsize len)
{
  DetectStats st;

  if (!data)
    return MUGAI_CHARSET_ASCII;
  detect_stats(data, len, &st);
  return st.kind;
}

/* japanese_evidence - the detected Japanese encoding is clean and reads as Japanese (has kana). */
static gboolean
japanese_evidence(const DetectStats *st)
{
  if (st->kind == MUGAI_CHARSET_CP932)
    return st->sjis_bad == 0 && st->sjis_kana > 0 && st->sjis_kana * 4 >= st->sjis_pairs;
  if (st->kind == MUGAI_CHARSET_EUCJPMS)
    return st->euc_bad == 0 && st->euc_kana > 0 && st->euc_kana * 4 >= st->euc_pairs;
  return FALSE;
}

/* ----------------------------------------------------------------- labels */

enum { LABEL_LATIN = 1 }; /* labels that are often slapped on UTF-8 or Japanese text */

typedef struct {
  const char *label; /* normalised: lower case */
  MugaiCharsetKind kind;
  const char *iconv_name;
  int flags;
} CharsetAlias;

static const CharsetAlias charset_aliases[] = {
  { "us-ascii", MUGAI_CHARSET_ASCII, NULL, LABEL_LATIN },
  { "ascii", MUGAI_CHARSET_ASCII, NULL, LABEL_LATIN },
  { "ansi_x3.4-1968", MUGAI_CHARSET_ASCII, NULL, LABEL_LATIN },
  { "ansi_x3.4-1986", MUGAI_CHARSET_ASCII, NULL, LABEL_LATIN },
  { "iso646-us", MUGAI_CHARSET_ASCII, NULL, LABEL_LATIN },
  { "iso-ir-6", MUGAI_CHARSET_ASCII, NULL, LABEL_LATIN },
  { "csascii", MUGAI_CHARSET_ASCII, NULL, LABEL_LATIN },
  { "cp367", MUGAI_CHARSET_ASCII, NULL, LABEL_LATIN },
  { "us", MUGAI_CHARSET_ASCII, NULL, LABEL_LATIN },
  { "utf-8", MUGAI_CHARSET_UTF8, NULL, 0 },
  { "utf8", MUGAI_CHARSET_UTF8, NULL, 0 },
  { "unicode-1-1-utf-8", MUGAI_CHARSET_UTF8, NULL, 0 },
  { "x-unicode20utf8", MUGAI_CHARSET_UTF8, NULL, 0 },
  { "iso-2022-jp", MUGAI_CHARSET_CP50220, NULL, 0 },
  { "iso2022jp", MUGAI_CHARSET_CP50220, NULL, 0 },
  { "csiso2022jp", MUGAI_CHARSET_CP50220, NULL, 0 },
  { "iso-2022-jp-1", MUGAI_CHARSET_CP50220, NULL, 0 },
  { "iso-2022-jp-2", MUGAI_CHARSET_CP50220, NULL, 0 },
  { "csiso2022jp2", MUGAI_CHARSET_CP50220, NULL, 0 },
  { "iso-2022-jp-3", MUGAI_CHARSET_CP50220, NULL, 0 },
  { "iso-2022-jp-2004", MUGAI_CHARSET_CP50220, NULL, 0 },
  { "iso-2022-jp-ms", MUGAI_CHARSET_CP50220, NULL, 0 },
  { "cp50220", MUGAI_CHARSET_CP50220, NULL, 0 },
  { "cp50221", MUGAI_CHARSET_CP50220, NULL, 0 },
  { "cp50222", MUGAI_CHARSET_CP50220, NULL, 0 },
  { "jis", MUGAI_CHARSET_CP50220, NULL, 0 },
  { "shift_jis", MUGAI_CHARSET_CP932, NULL, 0 },
  { "shift-jis", MUGAI_CHARSET_CP932, NULL, 0 },
  { "sjis", MUGAI_CHARSET_CP932, NULL, 0 },
  { "s-jis", MUGAI_CHARSET_CP932, NULL, 0 },
  { "x-sjis", MUGAI_CHARSET_CP932, NULL, 0 },
  { "x-shift_jis", MUGAI_CHARSET_CP932, NULL, 0 },
  { "x-shift-jis", MUGAI_CHARSET_CP932, NULL, 0 },
  { "ms_kanji", MUGAI_CHARSET_CP932, NULL, 0 },
  { "ms-kanji", MUGAI_CHARSET_CP932, NULL, 0 },
  { "csshiftjis", MUGAI_CHARSET_CP932, NULL, 0 },
  { "windows-31j", MUGAI_CHARSET_CP932, NULL, 0 },
  { "cswindows31j", MUGAI_CHARSET_CP932, NULL, 0 },
  { "windows-932", MUGAI_CHARSET_CP932, NULL, 0 },
  { "cp932", MUGAI_CHARSET_CP932, NULL, 0 },
  { "ms932", MUGAI_CHARSET_CP932, NULL, 0 },
  { "x-ms-cp932", MUGAI_CHARSET_CP932, NULL, 0 },
  { "ibm-943", MUGAI_CHARSET_CP932, NULL, 0 },
  { "ibm943", MUGAI_CHARSET_CP932, NULL, 0 },
  { "sjis-win", MUGAI_CHARSET_CP932, NULL, 0 },
  { "sjis-open", MUGAI_CHARSET_CP932, NULL, 0 },
  { "shift_jisx0213", MUGAI_CHARSET_CP932, NULL, 0 },
  { "shift_jis-2004", MUGAI_CHARSET_CP932, NULL, 0 },
  { "euc-jp", MUGAI_CHARSET_EUCJPMS, NULL, 0 },
  { "eucjp", MUGAI_CHARSET_EUCJPMS, NULL, 0 },
  { "x-euc-jp", MUGAI_CHARSET_EUCJPMS, NULL, 0 },
  { "x-euc", MUGAI_CHARSET_EUCJPMS, NULL, 0 },
  { "eucjp-ms", MUGAI_CHARSET_EUCJPMS, NULL, 0 },
  { "euc-jp-ms", MUGAI_CHARSET_EUCJPMS, NULL, 0 },
  { "eucjp-win", MUGAI_CHARSET_EUCJPMS, NULL, 0 },
  { "eucjp-open", MUGAI_CHARSET_EUCJPMS, NULL, 0 },
  { "cp51932", MUGAI_CHARSET_EUCJPMS, NULL, 0 },
  { "ujis", MUGAI_CHARSET_EUCJPMS, NULL, 0 },
  { "cseucpkdfmtjapanese", MUGAI_CHARSET_EUCJPMS, NULL, 0 },
  { "extended_unix_code_packed_format_for_japanese", MUGAI_CHARSET_EUCJPMS, NULL, 0 },
  { "euc-jisx0213", MUGAI_CHARSET_EUCJPMS, NULL, 0 },
  { "euc-jis-2004", MUGAI_CHARSET_EUCJPMS, NULL, 0 },
  /* labels that say nothing: detect instead */
  { "x-unknown", MUGAI_CHARSET_UNKNOWN, NULL, 0 },
  { "unknown", MUGAI_CHARSET_UNKNOWN, NULL, 0 },
  { "unknown-8bit", MUGAI_CHARSET_UNKNOWN, NULL, 0 },
  { "x-unknown-8bit", MUGAI_CHARSET_UNKNOWN, NULL, 0 },
  { "default", MUGAI_CHARSET_UNKNOWN, NULL, 0 },
  { "x-user-defined", MUGAI_CHARSET_UNKNOWN, NULL, 0 },
  { "8bit", MUGAI_CHARSET_UNKNOWN, NULL, 0 },
  { "binary", MUGAI_CHARSET_UNKNOWN, NULL, 0 },
  { "none", MUGAI_CHARSET_UNKNOWN, NULL, 0 },
  { "charset", MUGAI_CHARSET_UNKNOWN, NULL, 0 },
  { "_autodetect", MUGAI_CHARSET_UNKNOWN, NULL, 0 },
  { "_autodetect_all", MUGAI_CHARSET_UNKNOWN, NULL, 0 },
  /* iconv, with the supersets mailers really mean (as WHATWG does) */
  { "iso-8859-1", MUGAI_CHARSET_ICONV, "WINDOWS-1252", LABEL_LATIN },
  { "iso8859-1", MUGAI_CHARSET_ICONV, "WINDOWS-1252", LABEL_LATIN },
  { "iso_8859-1", MUGAI_CHARSET_ICONV, "WINDOWS-1252", LABEL_LATIN },
  { "iso_8859-1:1987", MUGAI_CHARSET_ICONV, "WINDOWS-1252", LABEL_LATIN },
  { "latin1", MUGAI_CHARSET_ICONV, "WINDOWS-1252", LABEL_LATIN },
  { "l1", MUGAI_CHARSET_ICONV, "WINDOWS-1252", LABEL_LATIN },
  { "cp819", MUGAI_CHARSET_ICONV, "WINDOWS-1252", LABEL_LATIN },
  { "csisolatin1", MUGAI_CHARSET_ICONV, "WINDOWS-1252", LABEL_LATIN },
  { "windows-1252", MUGAI_CHARSET_ICONV, "WINDOWS-1252", LABEL_LATIN },
  { "cp1252", MUGAI_CHARSET_ICONV, "WINDOWS-1252", LABEL_LATIN },
  { "x-cp1252", MUGAI_CHARSET_ICONV, "WINDOWS-1252", LABEL_LATIN },
  { "iso-8859-9", MUGAI_CHARSET_ICONV, "WINDOWS-1254", 0 },
  { "latin5", MUGAI_CHARSET_ICONV, "WINDOWS-1254", 0 },
  { "gb2312", MUGAI_CHARSET_ICONV, "GB18030", 0 },
  { "csgb2312", MUGAI_CHARSET_ICONV, "GB18030", 0 },
  { "gbk", MUGAI_CHARSET_ICONV, "GB18030", 0 },
  { "x-gbk", MUGAI_CHARSET_ICONV, "GB18030", 0 },
  { "cp936", MUGAI_CHARSET_ICONV, "GB18030", 0 },
  { "ms936", MUGAI_CHARSET_ICONV, "GB18030", 0 },
  { "windows-936", MUGAI_CHARSET_ICONV, "GB18030", 0 },
  { "euc-cn", MUGAI_CHARSET_ICONV, "GB18030", 0 },
  { "x-euc-cn", MUGAI_CHARSET_ICONV, "GB18030", 0 },
  { "gb18030", MUGAI_CHARSET_ICONV, "GB18030", 0 },
  { "big5", MUGAI_CHARSET_ICONV, "BIG5-HKSCS", 0 },
  { "x-big5", MUGAI_CHARSET_ICONV, "BIG5-HKSCS", 0 },
  { "csbig5", MUGAI_CHARSET_ICONV, "BIG5-HKSCS", 0 },
  { "cn-big5", MUGAI_CHARSET_ICONV, "BIG5-HKSCS", 0 },
  { "big5-hkscs", MUGAI_CHARSET_ICONV, "BIG5-HKSCS", 0 },
  { "euc-kr", MUGAI_CHARSET_ICONV, "CP949", 0 },
  { "cseuckr", MUGAI_CHARSET_ICONV, "CP949", 0 },
  { "ks_c_5601-1987", MUGAI_CHARSET_ICONV, "CP949", 0 },
  { "ks_c_5601-1989", MUGAI_CHARSET_ICONV, "CP949", 0 },
  { "ks_c_5601", MUGAI_CHARSET_ICONV, "CP949", 0 },
  { "ksc5601", MUGAI_CHARSET_ICONV, "CP949", 0 },
  { "ksc_5601", MUGAI_CHARSET_ICONV, "CP949", 0 },
  { "korean", MUGAI_CHARSET_ICONV, "CP949", 0 },
  { "cp949", MUGAI_CHARSET_ICONV, "CP949", 0 },
  { "windows-949", MUGAI_CHARSET_ICONV, "CP949", 0 },
  { "uhc", MUGAI_CHARSET_ICONV, "CP949", 0 },
};

typedef struct {
  MugaiCharsetKind kind;
  const char *iconv_name; /* static or interned; ICONV only */
  gboolean latin;
} LabelInfo;

/* label_normalise - trim, drop an RFC 2231 "*lang", lower-case into BUF; FALSE if no name. */
static gboolean
label_normalise(const char *untrusted_label, char buf[LABEL_MAX + 1])
{
  const char *s = untrusted_label, *e;

  while (*s == ' ' || *s == '\t' || *s == '"' || *s == '\'')
    s++;
  e = s;
  while (*e && *e != '*' && *e != '"' && *e != '\'' && *e != ' ' && *e != '\t' && *e != ';')
    e++;
  if (e == s || e - s > LABEL_MAX)
    return FALSE;
  for (const char *q = s; q < e; q++) {
    /* only what charset names are made of: keeps "//TRANSLIT" and paths away from iconv */
    if (!g_ascii_isalnum(*q) && !strchr("-_.:+()", *q))
      return FALSE;
    buf[q - s] = g_ascii_tolower(*q);
  }
  buf[e - s] = '\0';
  return TRUE;
}

/* label_classify - what LABEL means: kind, iconv name (ICONV only), latin-ish or not. */
static LabelInfo
label_classify(const char *label)
{
  LabelInfo li = { MUGAI_CHARSET_UNKNOWN, NULL, FALSE };
  char buf[LABEL_MAX + 1];

  if (!label || !label_normalise(label, buf))
    return li;
  for (gsize i = 0; i < G_N_ELEMENTS(charset_aliases); i++) {
    if (strcmp(charset_aliases[i].label, buf) == 0) {
      li.kind = charset_aliases[i].kind;
      li.iconv_name = charset_aliases[i].iconv_name;
      li.latin = (charset_aliases[i].flags & LABEL_LATIN) != 0;
      return li;
    }
  }
  g_autofree char *upper = g_ascii_strup(buf, -1);
  iconv_t cd = iconv_open("UTF-8", upper);
  if (cd == (iconv_t)-1)
    return li;
  iconv_close(cd);
  li.kind = MUGAI_CHARSET_ICONV;
  /* bounded: iconv knows a finite set of names and the rest were refused */
  li.iconv_name = g_intern_string(upper);
  return li;
}

MugaiCharsetKind
mugai_charset_from_label(const char *label)
{
  return label_classify(label).kind;
}

const char *
mugai_charset_kind_name(MugaiCharsetKind kind)
{
  switch (kind) {
  case MUGAI_CHARSET_ASCII:
    return "US-ASCII";
  case MUGAI_CHARSET_UTF8:
    return "UTF-8";
  case MUGAI_CHARSET_CP50220:
    return "CP50220";
  case MUGAI_CHARSET_CP932:
    return "CP932";
  case MUGAI_CHARSET_EUCJPMS:
    return "eucJP-ms";
  case MUGAI_CHARSET_ICONV:
    return "iconv";
  case MUGAI_CHARSET_UNKNOWN:
  default:
    return "unknown";
  }
}

/* decode_as - decode DATA as KIND into OUT; returns replacements, -1 if iconv refused. */
static gssize
decode_as(MugaiCharsetKind kind, const char *iconv_name, const guint8 *data, gsize len,
          GString *out)
{
  MugaiDecoder dec;
  gssize n;

  if (!decoder_init(&dec, kind, iconv_name)) {
    decoder_clear(&dec);
    return -1;
  }
  mugai_decoder_feed(&dec, data, len, out);
  mugai_decoder_finish(&dec, out);
  n = (gssize)dec.replaced;
  decoder_clear(&dec);
  return n;
}

const char *
mugai_charset_decode(const char *label, const guint8 *data, gsize len, GString *out,
                     gsize *n_replaced)
{
  LabelInfo li = label_classify(label);
  MugaiCharsetKind kind = li.kind;
  gboolean detected = FALSE;
  DetectStats st;
  gsize start;
  gssize r;

  g_return_val_if_fail(out != NULL, "unknown");
  if (!data) {
    data = (const guint8 *)"";
    len = 0;
  }
  start = out->len;
  if (start < G_MAXSIZE / 4 && len < G_MAXSIZE / 4 - start) { /* pre-size: text grows by half */
    g_string_set_size(out, start + len + len / 2);
    g_string_truncate(out, start);
  }

  if (kind == MUGAI_CHARSET_ASCII && first_high(data, len) < len)
    kind = MUGAI_CHARSET_UNKNOWN;
  if (kind == MUGAI_CHARSET_UNKNOWN) {
    detect_stats(data, len, &st);
    kind = st.kind;
    detected = TRUE;
  } else if (li.latin && first_high(data, len) < len) {
    /* iso-8859-1 and windows-1252 decode anything without a replacement, so
     * the replacement rule below never fires for them; yet mailers very often
     * put these labels on UTF-8 or on Japanese text. Valid non-ASCII UTF-8 is
     * taken as UTF-8, and a clean CP932/eucJP-ms decode containing kana (no
     * Latin text produces kana pairs) as that encoding. */
    detect_stats(data, len, &st);
    detected = TRUE;
    if (st.kind == MUGAI_CHARSET_UTF8 || japanese_evidence(&st))
      kind = st.kind;
  }

  r = decode_as(kind, li.iconv_name, data, len, out);
  if (r < 0) { /* iconv changed its mind: decode as detected */
    if (!detected)
      detect_stats(data, len, &st);
    detected = TRUE;
    kind = st.kind;
    r = decode_as(kind, NULL, data, len, out);
  }
  if (r > 0) {
    /* the label is a hint: if a detected Japanese encoding (or UTF-8) reads
     * the same bytes cleanly, it wins */
    if (!detected)
      detect_stats(data, len, &st);
    if (st.kind != kind
        && (st.kind == MUGAI_CHARSET_UTF8 || st.kind == MUGAI_CHARSET_CP932
            || st.kind == MUGAI_CHARSET_EUCJPMS || st.kind == MUGAI_CHARSET_CP50220)) {
      g_autoptr(GString) alt = g_string_sized_new(MIN(len, G_MAXSIZE / 4) + 16);
      if (decode_as(st.kind, NULL, data, len, alt) == 0) {
        g_string_truncate(out, start);
        g_string_append_len(out, alt->str, (gssize)alt->len);
        kind = st.kind;
        r = 0;
      }
    }
  }
  if (n_replaced)
    *n_replaced = (gsize)r;
  if (kind == MUGAI_CHARSET_ICONV)
    return li.iconv_name;
  return mugai_charset_kind_name(kind);
}

/* --------------------------------------------------------------- encoding */

#define JIS_GETA 0x222E /* U+3013 GETA MARK */

static guint16 *jis_reverse; /* U+0000-U+FFFF -> JIS X 0208 code (CP50220 rows), 0 = none */

/* jis_reverse_get - the reverse table, built on first use. */
static const guint16 *
jis_reverse_get(void)
{
  static gsize once = 0;

  if (g_once_init_enter(&once)) {
    guint16 *t = g_new0(guint16, 0x10000);
    /* ascending rows: JIS X 0208 proper (1-8, 16-84) wins over the NEC row
     * 13 duplicates, which win over NEC-selected IBM rows 89-92 */
    for (guint row = 1; row <= 94; row++) {
      for (guint col = 1; col <= 94; col++) {
        guint u = jis0208_lookup(row, col);
        if (u && !t[u])
          t[u] = (guint16)(((row + 0x20) << 8) | (col + 0x20));
      }
    }
    /* code points other converters produce for the same characters */
    static const guint16 extra[][2] = {
      { 0x301C, 0x2141 }, /* WAVE DASH */
      { 0x2016, 0x2142 }, /* DOUBLE VERTICAL LINE */
      { 0x2212, 0x215D }, /* MINUS SIGN */
      { 0x2014, 0x213D }, /* EM DASH */
      { 0x00A2, 0x2171 }, /* CENT SIGN */
      { 0x00A3, 0x2172 }, /* POUND SIGN */
      { 0x00AC, 0x224C }, /* NOT SIGN */
      { 0x00A5, 0x216F }, /* YEN SIGN */
      { 0x203E, 0x2131 }, /* OVERLINE */
    };
    for (gsize i = 0; i < G_N_ELEMENTS(extra); i++)
      if (!t[extra[i][0]])
        t[extra[i][0]] = extra[i][1];
    jis_reverse = t;
    g_once_init_leave(&once, 1);
  }
  return jis_reverse;
}

/* U+FF61-U+FF9F half-width katakana -> full-width (RFC 1468 has no half-width) */
static const guint16 hw_kana_full[63] = {
  0x3002, 0x300C, 0x300D, 0x3001, 0x30FB, 0x30F2, 0x30A1, 0x30A3, 0x30A5, 0x30A7, 0x30A9,
  0x30E3, 0x30E5, 0x30E7, 0x30C3, 0x30FC, 0x30A2, 0x30A4, 0x30A6, 0x30A8, 0x30AA, 0x30AB,
  0x30AD, 0x30AF, 0x30B1, 0x30B3, 0x30B5, 0x30B7, 0x30B9, 0x30BB, 0x30BD, 0x30BF, 0x30C1,
  0x30C4, 0x30C6, 0x30C8, 0x30CA, 0x30CB, 0x30CC, 0x30CD, 0x30CE, 0x30CF, 0x30D2, 0x30D5,
  0x30D8, 0x30DB, 0x30DE, 0x30DF, 0x30E0, 0x30E1, 0x30E2, 0x30E4, 0x30E6, 0x30E8, 0x30E9,
  0x30EA, 0x30EB, 0x30EC, 0x30ED, 0x30EF, 0x30F3, 0x309B, 0x309C,
};

/* kana_compose - full-width BASE with a following half-width (semi-)voiced MARK, or 0. */
static guint
kana_compose(guint base, gunichar mark)
{
  gboolean ka_to = base >= 0x30AB && base <= 0x30C8; /* カ..ト: voiced is +1 */
  gboolean ha = base >= 0x30CF && base <= 0x30DB && (base - 0x30CF) % 3 == 0;

  if (mark == 0xFF9E) {
    if (base == 0x30A6)
      return 0x30F4; /* ヴ */
    if ((ka_to && base != 0x30C3 && (base < 0x30C3 ? (base - 0x30AB) % 2 == 0 : base % 2 == 0))
        || ha)
      return base + 1;
  } else if (mark == 0xFF9F && ha) {
    return base + 2;
  }
  return 0;
}

void
mugai_charset_encode_iso2022jp(const char *utf8, gsize len, GString *out)
{
  const guint16 *rev = jis_reverse_get();
  const char *p = utf8, *end = utf8 + len;
  gboolean jis = FALSE;

  g_return_if_fail(out != NULL);
  g_return_if_fail(utf8 != NULL || len == 0);

  while (p < end) {
    gunichar c = g_utf8_get_char_validated(p, end - p);
    guint code;

    if (c == (gunichar)-1 || c == (gunichar)-2) {
      c = 0x3013; /* invalid input: one GETA per bad byte */
      p++;
    } else {
      p = g_utf8_next_char(p);
    }
    if (c < 0x80 && c != 0x1B && c != 0x0E && c != 0x0F) {
      if (jis)
        g_string_append(out, "\x1B(B");
      jis = FALSE;
      g_string_append_c(out, (char)c);
      continue;
    }
    if (c >= 0xFF61 && c <= 0xFF9F) {
      c = hw_kana_full[c - 0xFF61];
      if (p < end) {
        gunichar m = g_utf8_get_char_validated(p, end - p);
        guint k = (m == 0xFF9E || m == 0xFF9F) ? kana_compose(c, m) : 0;
        if (k) {
          c = k;
          p = g_utf8_next_char(p);
        }
      }
    }
    code = c <= 0xFFFF ? rev[c] : 0;
    if (!code)
      code = JIS_GETA;
    if (!jis)
      g_string_append(out, "\x1B$B");
    jis = TRUE;
    g_string_append_c(out, (char)(code >> 8));
    g_string_append_c(out, (char)(code & 0xFF));
  }
  if (jis)
    g_string_append(out, "\x1B(B");
}
