/*
 * header.h - decoding untrusted header values: RFC 2047, RFC 2231, raw 8-bit.
 *
 * Every charset goes through charset.h, so a Subject in ISO-2022-JP with NEC
 * special characters decodes the same as the body does.
 */
#ifndef MUGAI_TEXT_HEADER_H
#define MUGAI_TEXT_HEADER_H

#include <glib.h>

G_BEGIN_DECLS

/* Upper bound on the raw header value these functions look at; longer input
 * is cut (callers enforce the message-level header limit first). */
#define MUGAI_HEADER_VALUE_MAX (64 * 1024)

/* mugai_header_decode_text - decode an unstructured value (Subject, a display
 * name) as found in the message, folded or not: RFC 2047 B and Q encoded words
 * in any charset (adjacent encoded words are joined before decoding, because
 * ISO-2022-JP senders split them mid-character and mid-escape), malformed
 * encoded words left as text, raw 8-bit runs detected (UTF-8, CP932,
 * eucJP-ms). Returns one line of sanitised UTF-8. (transfer full) */
char *mugai_header_decode_text(const char *raw, gsize len);

/* mugai_header_param - find parameter NAME (case-insensitive) in a raw
 * structured value such as a Content-Type or Content-Disposition value.
 * Handles RFC 2231 (name*=charset'lang'%XX, continuations name*0*= name*1=
 * in any order, capped count), quoted strings with RFC 2047 inside (common
 * though non-standard), and raw 8-bit Shift_JIS. Returns sanitised UTF-8 or
 * NULL when absent. (transfer full) */
char *mugai_header_param(const char *raw, gsize len, const char *name);

/* mugai_header_value_token - the first token of a structured value (the
 * "type/subtype" of a Content-Type, "attachment" of a Content-Disposition),
 * lower-cased; NULL when there is none. (transfer full) */
char *mugai_header_value_token(const char *raw, gsize len);

G_END_DECLS

#endif /* MUGAI_TEXT_HEADER_H */
