/*
 * util.c - ids, hashes, durable atomic writes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>

#include "core/util.h"

char *
mugai_id_new(void)
{
  static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  guint64 ms = (guint64)(g_get_real_time() / 1000);
  guint8 rnd[10];
  char *id = g_malloc(27);
  guint64 hi = 0, lo = 0;

  for (gsize i = 0; i < sizeof rnd; i++)
    rnd[i] = (guint8)g_random_int_range(0, 256);
  /* 48 bits of time: 10 characters (the first carries 3 bits). */
  for (int i = 9; i >= 0; i--) {
    id[i] = alphabet[ms & 31];
    ms >>= 5;
  }
  /* 80 random bits: 16 characters. */
  for (int i = 0; i < 5; i++)
    hi = (hi << 8) | rnd[i];
  for (int i = 5; i < 10; i++)
    lo = (lo << 8) | rnd[i];
  for (int i = 7; i >= 0; i--) {
    id[10 + i] = alphabet[hi & 31];
    hi >>= 5;
  }
  for (int i = 7; i >= 0; i--) {
    id[18 + i] = alphabet[lo & 31];
    lo >>= 5;
  }
  id[26] = '\0';
  return id;
}

char *
mugai_sha256_hex(const guint8 *data, gsize len)
{
  return g_compute_checksum_for_data(G_CHECKSUM_SHA256, data, len);
}

/* write_all - write LEN bytes, retrying on EINTR and short writes */
static gboolean
write_all(int fd, const guint8 *p, gsize len)
{
  while (len > 0) {
    ssize_t n = write(fd, p, MIN(len, (gsize)G_MAXSSIZE));
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return FALSE;
    }
    p += n;
    len -= (gsize)n;
  }
  return TRUE;
}

/* fsync_dir - make a rename in DIR durable */
static gboolean
fsync_dir(const char *dir)
{
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  gboolean ok;

  if (fd < 0)
    return FALSE;
  ok = fsync(fd) == 0 || errno == EINVAL;
  close(fd);
  return ok;
}

gboolean
mugai_write_atomic(const char *path, GBytes *const *chunks, GError **error)
{
  g_autofree char *dir = g_path_get_dirname(path);
  g_autofree char *base = g_path_get_basename(path);
  g_autofree char *tmp = NULL;
  int fd, saved;

  /* A hidden name in the same directory, so rename(2) is atomic and
   * directory watchers can ignore it. */
  tmp = g_strdup_printf("%s/.%s.tmp-XXXXXX", dir, base);
  fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0) {
    saved = errno;
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved), "cannot create %s: %s", path,
                g_strerror(saved));
    return FALSE;
  }
  for (gsize i = 0; chunks[i]; i++) {
    gsize n;
    const guint8 *p = g_bytes_get_data(chunks[i], &n);
    if (!write_all(fd, p, n))
      goto fail;
  }
  if (fsync(fd) != 0)
    goto fail;
  if (close(fd) != 0) {
    fd = -1;
    goto fail;
  }
  fd = -1;
  if (rename(tmp, path) != 0)
    goto fail;
  if (!fsync_dir(dir)) {
    saved = errno;
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved), "cannot sync directory %s: %s",
                dir, g_strerror(saved));
    return FALSE;
  }
  return TRUE;

fail:
  saved = errno;
  if (fd >= 0)
    close(fd);
  unlink(tmp);
  g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved), "cannot write %s: %s", path,
              g_strerror(saved));
  return FALSE;
}

gboolean
mugai_write_atomic_data(const char *path, const void *data, gsize len, GError **error)
{
  g_autoptr(GBytes) b = g_bytes_new_static(data, len);
  GBytes *chunks[] = { b, NULL };

  return mugai_write_atomic(path, chunks, error);
}
