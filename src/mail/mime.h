/*
 * mime.h - reading MIME with GMime into items.
 */
#ifndef MUGAI_MAIL_MIME_H
#define MUGAI_MAIL_MIME_H

#include <gmime/gmime.h>

#include "core/run-private.h"

G_BEGIN_DECLS

/* GMime 3.2 declares no autoptr cleanups for its object types. */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GMimeStream, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GMimeParser, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GMimeMessage, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GMimePart, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GMimeMultipart, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GMimeDataWrapper, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GMimeContentType, g_object_unref)

/* mugai_mime_init - initialise GMime once per process. */
void mugai_mime_init(void);

/* mugai_mime_parse - parse untrusted bytes as a message. GMime recovers from
 * almost anything; NULL only when there is no message at all. (transfer full) */
GMimeMessage *mugai_mime_parse(GBytes *data, GError **error);

/* mugai_mime_raw_header - the raw (undecoded, possibly folded) value of the
 * first header NAME of OBJECT, or NULL. (transfer none) */
const char *mugai_mime_raw_header(GMimeObject *object, const char *name);

/* mugai_mime_header_bytes - total size of OBJECT's header block. */
gsize mugai_mime_header_bytes(GMimeObject *object);

/* mugai_mime_add_child - an item for OBJECT under PARENT: decoded name,
 * declared type and charset (recorded, not trusted), decoded content for
 * leaf parts, the structure type for multiparts and messages. Returns NULL
 * when the part limit is reached. (transfer none) */
MugaiItem *mugai_mime_add_child(MugaiRun *run, MugaiItem *parent, GMimeObject *object,
                                MugaiRole role);

G_END_DECLS

#endif /* MUGAI_MAIL_MIME_H */
