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
#include <openssl/evp.h>

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
  /* libcrypto's SHA-256 uses the CPU's SHA extensions where present; GLib's
   * portable one cost a tenth of the whole pipeline. */
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  static const char hex[] = "0123456789abcdef";
  char *out;

  if (!EVP_Digest(data, len, md, &n, EVP_sha256(), NULL))
    return g_compute_checksum_for_data(G_CHECKSUM_SHA256, data, len);
  out = g_malloc(2 * n + 1);
  for (unsigned int i = 0; i < n; i++) {
    out[2 * i] = hex[md[i] >> 4];
    out[2 * i + 1] = hex[md[i] & 15];
  }
  out[2 * n] = '\0';
  return out;
}

gboolean
mugai_write_all(int fd, const void *data, gsize len)
{
  const guint8 *p = data;

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

typedef struct {
  char *tmp;
  char *path;
} Staged;

struct _MugaiCommit {
  GArray *staged; /* of Staged, in rename order */
  gboolean per_file_sync;
};

/* staged_clear - GArray element destructor */
static void
staged_clear(gpointer p)
{
  Staged *s = p;

  g_free(s->tmp);
  g_free(s->path);
}

MugaiCommit *
mugai_commit_new(gboolean per_file_sync)
{
  MugaiCommit *c = g_new0(MugaiCommit, 1);

  c->staged = g_array_new(FALSE, FALSE, sizeof(Staged));
  g_array_set_clear_func(c->staged, staged_clear);
  c->per_file_sync = per_file_sync;
  return c;
}

guint
mugai_commit_count(const MugaiCommit *c)
{
  return c->staged->len;
}

gboolean
mugai_commit_stage(MugaiCommit *c, const char *path, GBytes *const *chunks, GError **error)
{
  g_autofree char *dir = g_path_get_dirname(path);
  g_autofree char *base = g_path_get_basename(path);
  Staged s;
  int fd, saved;

  /* A hidden name in the same directory, so rename(2) is atomic and
   * directory watchers can ignore it. */
  s.tmp = g_strdup_printf("%s/.%s.tmp-XXXXXX", dir, base);
  s.path = g_strdup(path);
  fd = g_mkstemp_full(s.tmp, O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0) {
    saved = errno;
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved), "cannot create %s: %s", path,
                g_strerror(saved));
    staged_clear(&s);
    return FALSE;
  }
  for (gsize i = 0; chunks[i]; i++) {
    gsize n;
    const guint8 *p = g_bytes_get_data(chunks[i], &n);
    if (!mugai_write_all(fd, p, n))
      goto fail;
  }
  if (c->per_file_sync && fsync(fd) != 0)
    goto fail;
  if (close(fd) != 0) {
    fd = -1;
    goto fail;
  }
  g_array_append_val(c->staged, s);
  return TRUE;

fail:
  saved = errno;
  if (fd >= 0)
    close(fd);
  unlink(s.tmp);
  g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved), "cannot write %s: %s", path,
              g_strerror(saved));
  staged_clear(&s);
  return FALSE;
}

void
mugai_commit_truncate(MugaiCommit *c, guint n)
{
  for (guint i = n; i < c->staged->len; i++)
    unlink(g_array_index(c->staged, Staged, i).tmp);
  if (n < c->staged->len)
    g_array_set_size(c->staged, n);
}

void
mugai_commit_abort(MugaiCommit *c)
{
  mugai_commit_truncate(c, 0);
}

gboolean
mugai_commit_finish(MugaiCommit *c, GError **error)
{
  g_autoptr(GHashTable) dirs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  GHashTableIter it;
  gpointer key;
  int saved;

  if (c->staged->len == 0)
    return TRUE;
  if (!c->per_file_sync) {
    /* One flush of the file system for the whole group instead of one
     * fsync per file: the group commit that makes batches fast. */
    g_autofree char *dir = g_path_get_dirname(g_array_index(c->staged, Staged, 0).tmp);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    gboolean ok = dfd >= 0 && syncfs(dfd) == 0;
    saved = errno;
    if (dfd >= 0)
      close(dfd);
    if (!ok) {
      g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved), "cannot sync %s: %s", dir,
                  g_strerror(saved));
      mugai_commit_abort(c);
      return FALSE;
    }
  }
  for (guint i = 0; i < c->staged->len; i++) {
    Staged *s = &g_array_index(c->staged, Staged, i);
    if (rename(s->tmp, s->path) != 0) {
      saved = errno;
      g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved), "cannot rename to %s: %s",
                  s->path, g_strerror(saved));
      for (guint j = i; j < c->staged->len; j++)
        unlink(g_array_index(c->staged, Staged, j).tmp);
      g_array_set_size(c->staged, 0);
      return FALSE;
    }
    g_hash_table_add(dirs, g_path_get_dirname(s->path));
  }
  g_array_set_size(c->staged, 0);
  if (!c->per_file_sync && g_hash_table_size(dirs) > 1) {
    /* Renames spread over many directories (the quarantine's fan-out):
     * one flush per file system instead of one journal commit per
     * directory. */
    g_autoptr(GHashTable) devs = g_hash_table_new(g_direct_hash, g_direct_equal);
    g_hash_table_iter_init(&it, dirs);
    while (g_hash_table_iter_next(&it, &key, NULL)) {
      struct stat st;
      int dfd;
      gboolean ok;
      dfd = open(key, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      ok = dfd >= 0 && fstat(dfd, &st) == 0;
      if (ok && g_hash_table_contains(devs, GSIZE_TO_POINTER((gsize)st.st_dev))) {
        close(dfd);
        continue;
      }
      if (ok) {
        g_hash_table_add(devs, GSIZE_TO_POINTER((gsize)st.st_dev));
        ok = syncfs(dfd) == 0;
      }
      saved = errno;
      if (dfd >= 0)
        close(dfd);
      if (!ok) {
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved), "cannot sync directory %s: %s",
                    (char *)key, g_strerror(saved));
        return FALSE;
      }
    }
    return TRUE;
  }
  g_hash_table_iter_init(&it, dirs);
  while (g_hash_table_iter_next(&it, &key, NULL))
    if (!fsync_dir(key)) {
      saved = errno;
      g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved), "cannot sync directory %s: %s",
                  (char *)key, g_strerror(saved));
      return FALSE;
    }
  return TRUE;
}

MugaiCommit *
mugai_commit_free(MugaiCommit *c)
{
  if (c) {
    mugai_commit_abort(c);
    g_array_unref(c->staged);
    g_free(c);
  }
  return NULL;
}

gboolean
mugai_write_atomic(const char *path, GBytes *const *chunks, GError **error)
{
  g_autoptr(MugaiCommit) c = mugai_commit_new(TRUE);

  return mugai_commit_stage(c, path, chunks, error) && mugai_commit_finish(c, error);
}

gboolean
mugai_write_atomic_data(const char *path, const void *data, gsize len, GError **error)
{
  g_autoptr(GBytes) b = g_bytes_new_static(data, len);
  GBytes *chunks[] = { b, NULL };

  return mugai_write_atomic(path, chunks, error);
}

char *
mugai_one_line_vprintf(const char *format, va_list ap)
{
  char *msg = g_strdup_vprintf(format, ap);

  for (char *p = msg; *p; p++)
    if (*p == '\n' || *p == '\r')
      *p = ' ';
  return msg;
}

GBytes *
mugai_pread_all(int fd, gsize len, const char *name, GError **error)
{
  guint8 *buf = g_malloc(len ? len : 1);
  gsize got = 0;

  while (got < len) {
    ssize_t n = pread(fd, buf + got, len - got, (off_t)got);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      int saved = n < 0 ? errno : EIO;
      g_free(buf);
      g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved), "cannot read %s: %s", name,
                  n < 0 ? g_strerror(saved) : "file shrank while being read");
      return NULL;
    }
    got += (gsize)n;
  }
  return g_bytes_new_take(buf, len);
}

/* Inputs up to this size are read rather than mapped. */
#define SMALL_INPUT (1 << 20)

GBytes *
mugai_read_fd(int fd, gsize size, const char *name, GError **error)
{
  GMappedFile *map;
  GError *local = NULL;
  GBytes *bytes;

  if (size == 0)
    return g_bytes_new(NULL, 0);
  if (size <= SMALL_INPUT)
    return mugai_pread_all(fd, size, name, error);
  map = g_mapped_file_new_from_fd(fd, FALSE, &local);
  if (!map) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot read %s: %s", name, local->message);
    g_error_free(local);
    return NULL;
  }
  bytes = g_mapped_file_get_bytes(map);
  g_mapped_file_unref(map);
  return bytes;
}
