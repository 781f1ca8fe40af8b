/*
 * archive.h - the trusted side of archives: member names from the wire,
 * and the new ZIP the sanitised members are packed into.
 *
 * Nothing of an archive's own structure is reused: the worker sends names
 * and bytes (src/worker/archive.c), the names are decoded here, and the
 * members' sanitised outputs are written into a ZIP that mugai builds from
 * nothing (libarchive's writer, UTF-8 names).
 */
#ifndef MUGAI_SANDBOX_ARCHIVE_H
#define MUGAI_SANDBOX_ARCHIVE_H

#include <glib.h>

G_BEGIN_DECLS

/* mugai_archive_decode_name - a member name as stored, as UTF-8: kept when
 * it is valid UTF-8, else decoded as CP932 (what Japanese Windows' ZIP
 * tools and LHA write without saying so; mugai_charset_decode falls back
 * to eucJP-ms when that fits better). Not yet safe as a path: see
 * mugai_run_add_member. (transfer full) */
char *mugai_archive_decode_name(const guint8 *untrusted, gsize len);

/* mugai_archive_join - DIR/NAME, or NAME when DIR is NULL or empty
 * (transfer full) */
char *mugai_archive_join(const char *dir, const char *name);

/* mugai_archive_unique - PATH, or "stem (2).ext", "stem (3).ext" ... when
 * TAKEN (a set of strings it owns) already holds it; the result is added
 * to TAKEN. Case-insensitive, as Windows extracts. (transfer full) */
char *mugai_archive_unique(GHashTable *taken, const char *path);

/* A new ZIP in memory: regular files only, UTF-8 names (the language
 * encoding flag set), mode 0644, one modification time for all. */
typedef struct _MugaiZipWriter MugaiZipWriter;

/* mugai_zip_writer_new - entries dated MTIME (seconds since the epoch).
 * (transfer full) */
MugaiZipWriter *mugai_zip_writer_new(gint64 mtime, GError **error);

/* mugai_zip_writer_add - one file at PATH (relative, '/'-separated, safe
 * components: the caller's job), deflated when COMPRESS, else stored. */
gboolean mugai_zip_writer_add(MugaiZipWriter *zip, const char *path, GBytes *data,
                              gboolean compress, GError **error);

/* mugai_zip_writer_count - files added so far */
guint mugai_zip_writer_count(const MugaiZipWriter *zip);

/* mugai_zip_writer_finish - the archive's bytes; ZIP is freed either way.
 * (transfer full) */
GBytes *mugai_zip_writer_finish(MugaiZipWriter *zip, GError **error);

MugaiZipWriter *mugai_zip_writer_free(MugaiZipWriter *zip);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MugaiZipWriter, mugai_zip_writer_free)

G_END_DECLS

#endif /* MUGAI_SANDBOX_ARCHIVE_H */
