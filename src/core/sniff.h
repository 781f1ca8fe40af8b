/*
 * sniff.h - what the bytes are, whatever the sender said.
 */
#ifndef MUGAI_CORE_SNIFF_H
#define MUGAI_CORE_SNIFF_H

#include <glib.h>

G_BEGIN_DECLS

/* How many leading bytes libmagic looks at. */
#define MUGAI_SNIFF_BYTES (256 * 1024)

/* mugai_sniff_type - the MIME type libmagic finds in DATA ("text/plain",
 * "application/pdf", ...), or "application/octet-stream" when it cannot tell.
 * Thread-safe (one libmagic handle per thread). (transfer full) */
char *mugai_sniff_type(const guint8 *data, gsize len);

/* mugai_sniff_text_type - mugai's own classifier for text, used for body
 * parts, where libmagic's fixed cost (hundreds of microseconds per call,
 * mostly in text heuristics) would dominate: "text/html" when markup
 * appears near the start, "text/plain" for other clean text, NULL when the
 * bytes are not clean text or start like a format libmagic should name
 * (then the caller asks libmagic). (transfer none) */
const char *mugai_sniff_text_type(const guint8 *data, gsize len);

/* mugai_sniff_is_mail - whether DATA starts like an RFC 5322 message: a
 * header block of well-formed fields that includes at least one field a
 * message carries (From, Date, Subject, Message-ID, Received, ...), or an
 * mbox "From " line followed by such a block. */
gboolean mugai_sniff_is_mail(const guint8 *data, gsize len);

/* mugai_sniff_name_mismatch - when NAME's extension promises a type the
 * content TYPE is not (".pdf but content is application/x-dosexec"), that
 * remark; NULL when they agree or the extension promises nothing.
 * (transfer full) */
char *mugai_sniff_name_mismatch(const char *name, const char *type);

G_END_DECLS

#endif /* MUGAI_CORE_SNIFF_H */
