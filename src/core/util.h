/*
 * util.h - small things every module needs: ids, hashes, durable writes.
 */
#ifndef MUGAI_CORE_UTIL_H
#define MUGAI_CORE_UTIL_H

#include <glib.h>

G_BEGIN_DECLS

/* mugai_id_new - a unique, time-sortable id (ULID: 48-bit milliseconds and
 * 80 random bits in Crockford base32, 26 characters). (transfer full) */
char *mugai_id_new(void);

/* mugai_sha256_hex - hex SHA-256 of DATA. (transfer full) */
char *mugai_sha256_hex(const guint8 *data, gsize len);

/* mugai_write_atomic - write the concatenation of CHUNKS (GBytes, NULL
 * terminated) to PATH: a temporary file beside it, fsync, rename, fsync of
 * the directory. On failure nothing is left at PATH or beside it. */
gboolean mugai_write_atomic(const char *path, GBytes *const *chunks, GError **error);

/* mugai_write_atomic_data - the one-buffer form. */
gboolean mugai_write_atomic_data(const char *path, const void *data, gsize len, GError **error);

G_END_DECLS

#endif /* MUGAI_CORE_UTIL_H */
