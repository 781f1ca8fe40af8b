/*
 * archive.c - member names from the wire, and the ZIP mugai rebuilds.
 *
 * The writer is libarchive's, fed only what mugai produced: file names it
 * sanitised and bytes its filters wrote. Names go in as UTF-8 with the
 * language encoding flag (hdrcharset=UTF-8), whatever the process locale
 * is, so that Windows' Explorer and every modern unzip show the Japanese
 * names rather than mojibake.
 */
#include <errno.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "sandbox/archive.h"
#include "text/charset.h"

#define ZIP_ERROR (g_quark_from_static_string("mugai-zip"))

struct _MugaiZipWriter {
  struct archive *a;
  GByteArray *out;
  gint64 mtime;
  guint count;
};

char *
mugai_archive_decode_name(const guint8 *untrusted, gsize len)
{
  GString *out;

  if (g_utf8_validate((const char *)untrusted, (gssize)len, NULL))
    return g_strndup((const char *)untrusted, len);
  out = g_string_sized_new(len * 3 / 2 + 1);
  mugai_charset_decode("cp932", untrusted, len, out, NULL);
  return g_string_free(out, FALSE);
}

char *
mugai_archive_join(const char *dir, const char *name)
{
  if (!dir || !*dir)
    return g_strdup(name);
  return g_strconcat(dir, "/", name, NULL);
}

char *
mugai_archive_unique(GHashTable *taken, const char *path)
{
  const char *slash = strrchr(path, '/');
  const char *base = slash ? slash + 1 : path;
  const char *dot = strrchr(base, '.');
  gsize stem_len = dot && dot != base ? (gsize)(dot - path) : strlen(path);
  g_autofree char *stem = g_strndup(path, stem_len);
  const char *ext = path + stem_len;
  char *candidate = g_strdup(path);

  for (guint i = 2;; i++) {
    g_autofree char *key = g_utf8_casefold(candidate, -1);
    if (!g_hash_table_contains(taken, key)) {
      g_hash_table_add(taken, g_steal_pointer(&key));
      return candidate;
    }
    g_free(candidate);
    candidate = g_strdup_printf("%s (%u)%s", stem, i, ext);
  }
}

/* zip_write - libarchive's write callback: append to the buffer */
static la_ssize_t
zip_write(struct archive *a, void *user_data, const void *buf, size_t len)
{
  MugaiZipWriter *zip = user_data;

  if (len > G_MAXUINT - zip->out->len) {
    archive_set_error(a, EFBIG, "the new ZIP would be over 4 GiB");
    return -1;
  }
  g_byte_array_append(zip->out, buf, (guint)len);
  return (la_ssize_t)len;
}

/* zip_fail - an error from libarchive's message */
static gboolean
zip_fail(MugaiZipWriter *zip, GError **error, const char *what)
{
  const char *msg = archive_error_string(zip->a);

  g_set_error(error, ZIP_ERROR, 0, "cannot write the new ZIP (%s): %s", what,
              msg ? msg : "unknown error");
  return FALSE;
}

MugaiZipWriter *
mugai_zip_writer_new(gint64 mtime, GError **error)
{
  MugaiZipWriter *zip = g_new0(MugaiZipWriter, 1);

  zip->a = archive_write_new();
  zip->out = g_byte_array_new();
  zip->mtime = mtime;
  /* No blocking: every write goes straight to the buffer, and the archive
   * ends where its central directory does (no padding). */
  if (archive_write_set_format_zip(zip->a) != ARCHIVE_OK
      || archive_write_set_options(zip->a, "hdrcharset=UTF-8") != ARCHIVE_OK
      || archive_write_set_bytes_per_block(zip->a, 0) != ARCHIVE_OK
      || archive_write_open2(zip->a, zip, NULL, zip_write, NULL, NULL) != ARCHIVE_OK) {
    zip_fail(zip, error, "set-up");
    return mugai_zip_writer_free(zip);
  }
  return zip;
}

gboolean
mugai_zip_writer_add(MugaiZipWriter *zip, const char *path, GBytes *data, gboolean compress,
                     GError **error)
{
  gsize len;
  const guint8 *p = g_bytes_get_data(data, &len);
  struct archive_entry *e = archive_entry_new();
  gboolean ok = TRUE;

  g_return_val_if_fail(g_utf8_validate(path, -1, NULL), FALSE);
  archive_entry_set_pathname_utf8(e, path);
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_perm(e, 0644);
  archive_entry_set_size(e, (la_int64_t)len);
  archive_entry_set_mtime(e, (time_t)zip->mtime, 0);
  if ((compress ? archive_write_zip_set_compression_deflate(zip->a)
                : archive_write_zip_set_compression_store(zip->a))
          != ARCHIVE_OK
      || archive_write_header(zip->a, e) != ARCHIVE_OK)
    ok = zip_fail(zip, error, path);
  /* archive_write_data takes at most what fits in a ssize_t at a time */
  while (ok && len > 0) {
    la_ssize_t n = archive_write_data(zip->a, p, MIN(len, (gsize)1 << 30));
    if (n <= 0) {
      ok = zip_fail(zip, error, path);
      break;
    }
    p += n;
    len -= (gsize)n;
  }
  if (ok && archive_write_finish_entry(zip->a) != ARCHIVE_OK)
    ok = zip_fail(zip, error, path);
  archive_entry_free(e);
  if (ok)
    zip->count++;
  return ok;
}

guint
mugai_zip_writer_count(const MugaiZipWriter *zip)
{
  return zip->count;
}

GBytes *
mugai_zip_writer_finish(MugaiZipWriter *zip, GError **error)
{
  GBytes *bytes = NULL;

  if (archive_write_close(zip->a) != ARCHIVE_OK)
    zip_fail(zip, error, "central directory");
  else
    bytes = g_byte_array_free_to_bytes(g_steal_pointer(&zip->out));
  mugai_zip_writer_free(zip);
  return bytes;
}

MugaiZipWriter *
mugai_zip_writer_free(MugaiZipWriter *zip)
{
  if (!zip)
    return NULL;
  if (zip->a)
    archive_write_free(zip->a);
  if (zip->out)
    g_byte_array_unref(zip->out);
  g_free(zip);
  return NULL;
}
