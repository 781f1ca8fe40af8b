/*
 * charset.h - decoding untrusted text to UTF-8, Japanese first.
 *
 * ISO-2022-JP is decoded as CP50220 (NEC row 13, NEC-selected IBM extensions,
 * half-width katakana), Shift_JIS as CP932, EUC-JP as eucJP-ms, UTF-7 by
 * mugai too (glibc's result depends on how the input is fed); every other
 * label goes through iconv with error recovery. Invalid input never aborts a
 * decode: each bad sequence becomes U+FFFD and decoding resumes at the next
 * byte, so the rest of the text survives.
 */
#ifndef MUGAI_TEXT_CHARSET_H
#define MUGAI_TEXT_CHARSET_H

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  MUGAI_CHARSET_UNKNOWN = 0,
  MUGAI_CHARSET_ASCII,
  MUGAI_CHARSET_UTF8,
  MUGAI_CHARSET_CP50220, /* iso-2022-jp and its aliases */
  MUGAI_CHARSET_CP932,   /* shift_jis, windows-31j, cp932, ms932, x-sjis ... */
  MUGAI_CHARSET_EUCJPMS, /* euc-jp, x-euc-jp, eucjp-ms, cp51932 */
  MUGAI_CHARSET_ICONV    /* anything else iconv knows (iso-8859-*, windows-125x, gb2312, ...) */
} MugaiCharsetKind;

/* mugai_charset_from_label - classify a MIME charset label (case-insensitive,
 * surrounding quotes/space tolerated); NULL or unknown gives UNKNOWN. */
MugaiCharsetKind mugai_charset_from_label(const char *label);

/* mugai_charset_kind_name - canonical name ("CP50220", "CP932", "eucJP-ms", "UTF-8", "US-ASCII"). */
const char *mugai_charset_kind_name(MugaiCharsetKind kind);

/* mugai_charset_detect - guess the encoding of unlabelled bytes by evidence:
 * pure 7-bit with ISO-2022-JP escapes -> CP50220; plain 7-bit -> ASCII;
 * valid UTF-8 -> UTF8; otherwise the better-scoring of CP932 and eucJP-ms. */
MugaiCharsetKind mugai_charset_detect(const guint8 *data, gsize len);

/* mugai_charset_decode - decode untrusted DATA labelled LABEL (may be NULL)
 * and append UTF-8 to OUT. The label is a hint, not the truth: with no label,
 * an unknown label, or us-ascii holding 8-bit bytes, the encoding is
 * detected; when the labelled decode needs replacements and a detected
 * Japanese encoding decodes the same bytes cleanly, the detected one wins.
 * Returns the canonical name of the charset actually used (static string);
 * *n_replaced (may be NULL) receives the number of U+FFFD written. The output
 * is valid UTF-8 but is not yet control-stripped (see normalize.h). */
const char *mugai_charset_decode(const char *label, const guint8 *data, gsize len, GString *out,
                                 gsize *n_replaced);

/* Incremental decoder: feeding the same bytes whole, in blocks, or one byte at
 * a time yields identical output. */
typedef struct _MugaiDecoder MugaiDecoder;

/* mugai_decoder_new - ICONV_NAME is used only for MUGAI_CHARSET_ICONV; returns
 * NULL when iconv does not know it, and for MUGAI_CHARSET_UNKNOWN (detection
 * needs all the bytes: use mugai_charset_decode). (transfer full) */
MugaiDecoder *mugai_decoder_new(MugaiCharsetKind kind, const char *iconv_name);
void mugai_decoder_feed(MugaiDecoder *dec, const guint8 *data, gsize len, GString *out);
/* mugai_decoder_finish - flush a trailing incomplete sequence as U+FFFD. */
void mugai_decoder_finish(MugaiDecoder *dec, GString *out);
gsize mugai_decoder_replacements(const MugaiDecoder *dec);
MugaiDecoder *mugai_decoder_free(MugaiDecoder *dec);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MugaiDecoder, mugai_decoder_free)

/* mugai_base64_value - the 6 bits of base64 character C, C63 being the
 * 64th ('/', or ',' in IMAP's UTF-7), or -1 */
static inline int
mugai_base64_value(guint8 c, guint8 c63)
{
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '+')
    return 62;
  return c == c63 ? 63 : -1;
}

/* mugai_charset_encode_iso2022jp - encode valid UTF-8 as ISO-2022-JP
 * (CP50220 inverse, for legacy clients); characters with no mapping become
 * GETA MARK U+3013. Appends to OUT. */
void mugai_charset_encode_iso2022jp(const char *utf8, gsize len, GString *out);

G_END_DECLS

#endif /* MUGAI_TEXT_CHARSET_H */
