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

/* A commit group: files staged under temporary names beside their final
 * paths, then made durable and renamed into place together. Nothing is
 * visible under a final name before it is complete and on disk. */
typedef struct _MugaiCommit MugaiCommit;

/* mugai_commit_new - PER_FILE_SYNC fsyncs each file as it is staged;
 * otherwise finish flushes the file system once for the whole group. */
MugaiCommit *mugai_commit_new(gboolean per_file_sync);
/* mugai_commit_stage - write CHUNKS (NULL-terminated) to a temporary file
 * beside PATH. */
gboolean mugai_commit_stage(MugaiCommit *c, const char *path, GBytes *const *chunks,
                            GError **error);
guint mugai_commit_count(const MugaiCommit *c);
/* mugai_commit_finish - sync, rename every staged file in staging order,
 * sync the directories. On failure, files not yet renamed are removed. */
gboolean mugai_commit_finish(MugaiCommit *c, GError **error);
/* mugai_commit_truncate - unstage (and remove) all but the first N files. */
void mugai_commit_truncate(MugaiCommit *c, guint n);
/* mugai_commit_abort - remove every staged temporary file. */
void mugai_commit_abort(MugaiCommit *c);
MugaiCommit *mugai_commit_free(MugaiCommit *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MugaiCommit, mugai_commit_free)

/* mugai_write_all - LEN bytes of DATA to FD, retrying on EINTR and short
 * writes; FALSE with errno set on failure. */
gboolean mugai_write_all(int fd, const void *data, gsize len);

/* mugai_one_line_vprintf - FORMAT formatted, line breaks made spaces: one
 * line for an error message or a log line. (transfer full) */
char *mugai_one_line_vprintf(const char *format, va_list ap) G_GNUC_PRINTF(1, 0);

/* mugai_pread_all - the first LEN bytes of FD, read from offset 0; an error
 * naming NAME when it cannot be read or is shorter. (transfer full) */
GBytes *mugai_pread_all(int fd, gsize len, const char *name, GError **error);

/* mugai_read_fd - the SIZE bytes of the regular file FD: read when small,
 * mapped when large (cheaper than reading, and not held in the heap); an
 * error naming NAME when it cannot be. (transfer full) */
GBytes *mugai_read_fd(int fd, gsize size, const char *name, GError **error);

G_END_DECLS

#endif /* MUGAI_CORE_UTIL_H */
