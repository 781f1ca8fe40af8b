/*
 * normalize.h - make decoded text safe to show: no controls, no bidi tricks.
 */
#ifndef MUGAI_TEXT_NORMALIZE_H
#define MUGAI_TEXT_NORMALIZE_H

#include <glib.h>

G_BEGIN_DECLS

/* mugai_text_sanitize - in place on UTF-8 (invalid sequences become U+FFFD):
 * CRLF and lone CR become LF; NUL, other C0 controls except TAB and LF, DEL
 * and C1 controls are dropped; the bidi embeddings/overrides/isolates
 * U+202A-U+202E and U+2066-U+2069 and a BOM are dropped. Returns how many
 * code points were dropped or replaced. */
gsize mugai_text_sanitize(GString *s);

/* mugai_text_sanitize_line - as mugai_text_sanitize, but for one-line values
 * (headers, names): TAB and LF become a space, runs of white space collapse,
 * leading and trailing space is trimmed. (transfer full) */
char *mugai_text_sanitize_line(const char *utf8, gssize len);

/* mugai_text_sanitize_filename - a display/attachment name that is safe on
 * every file system: sanitize_line, then '/', '\\', ':' and other reserved
 * characters become '_', leading dots and trailing dots/spaces go, at most
 * 200 bytes cut on a character boundary (extension kept when possible); an
 * empty result becomes FALLBACK. (transfer full) */
char *mugai_text_sanitize_filename(const char *utf8, const char *fallback);

G_END_DECLS

#endif /* MUGAI_TEXT_NORMALIZE_H */
