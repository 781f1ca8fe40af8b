/*
 * audit.c - the hash-chained audit log.
 *
 * Appends happen under an exclusive flock so that two processes never read
 * the same previous line; each append is one write(2) of whole lines on an
 * O_APPEND descriptor followed by fsync. That write is not all-or-nothing:
 * Linux stops a write at a page boundary when SIGKILL arrives, so a process
 * killed while appending can leave the first lines of its group and an
 * incomplete last line. Every line before the incomplete one is whole and
 * chained (the rows it names were committed first). The next append, under
 * the lock, cuts the incomplete line off and records the cut as a "repair"
 * line with the cut bytes' count and SHA-256; readers take the log up to
 * its last line end, as seen under a shared lock (an append in progress
 * holds the exclusive one).
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "core/json.h"
#include "core/util.h"
#include "quarantine/audit.h"

#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"
/* Reasons longer than this are cut, so that a line stays short. */
#define MAX_REASON 2000

const char *
mugai_audit_user(void)
{
  static char *user;

  if (!user) {
    struct passwd *pw = getpwuid(geteuid());
    user = pw && pw->pw_name ? g_strdup(pw->pw_name)
                             : g_strdup_printf("uid:%u", (unsigned)geteuid());
  }
  return user;
}

/* Lines are short (a reason is cut at MAX_REASON); the end of the log is
 * read back this far to find the last line end. */
#define TAIL_READ (64 * 1024)

/* Tail - the end of a log: BUF holds its last LEN bytes (TAIL_READ at
 * most), from offset START; STOP is just past the last line end in BUF, 0
 * when there is none. */
typedef struct {
  guint8 *buf;
  off_t start;
  gsize len, stop;
} Tail;

/* read_tail - the end of the log open on FD; the caller holds a lock and
 * frees T->buf */
static gboolean
read_tail(int fd, Tail *t, GError **error)
{
  struct stat st;
  int saved;

  memset(t, 0, sizeof *t);
  if (fstat(fd, &st) != 0) {
    saved = errno;
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved), "cannot stat: %s",
                g_strerror(saved));
    return FALSE;
  }
  t->start = st.st_size > TAIL_READ ? st.st_size - TAIL_READ : 0;
  t->len = (gsize)(st.st_size - t->start);
  t->buf = g_malloc(t->len ? t->len : 1);
  if (t->len && pread(fd, t->buf, t->len, t->start) != (ssize_t)t->len) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot read the end of the log");
    g_clear_pointer(&t->buf, g_free);
    return FALSE;
  }
  t->stop = t->len;
  while (t->stop > 0 && t->buf[t->stop - 1] != '\n')
    t->stop--;
  return TRUE;
}

/* log_tail - under the exclusive lock: the SHA-256 of the last whole line
 * of the log open on FD (ZERO_HASH for an empty log), and the incomplete
 * line after it that a killed writer left, if any: its offset in *CUT_AT,
 * its length in *CUT_LEN (0 when the log ends with a line end) and its
 * SHA-256 in *CUT_HASH. (transfer full) */
static char *
log_tail(int fd, off_t *cut_at, gsize *cut_len, char **cut_hash, GError **error)
{
  Tail t;
  g_autofree guint8 *buf = NULL;
  gsize begin;

  *cut_at = 0;
  *cut_len = 0;
  *cut_hash = NULL;
  if (!read_tail(fd, &t, error))
    return NULL;
  buf = t.buf;
  if (t.stop == 0 && t.start > 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "the last line of the log is too long");
    return NULL;
  }
  if (t.stop < t.len) {
    *cut_at = t.start + (off_t)t.stop;
    *cut_len = t.len - t.stop;
    *cut_hash = mugai_sha256_hex(buf + t.stop, t.len - t.stop);
  }
  if (t.stop == 0)
    return g_strdup(ZERO_HASH); /* empty, or the only line is incomplete */
  begin = t.stop - 1;
  while (begin > 0 && buf[begin - 1] != '\n')
    begin--;
  if (begin == 0 && t.start > 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "the last line of the log is too long");
    return NULL;
  }
  return mugai_sha256_hex(buf + begin, t.stop - 1 - begin);
}

/* format_line - one record as a JSON line chained to PREV (transfer full) */
static char *
format_line(const MugaiAuditRecord *r, const char *time, const char *prev)
{
  GString *s = g_string_sized_new(256);
  MugaiJson j;
  g_autofree char *reason = NULL;

  if (r->reason && strlen(r->reason) > MAX_REASON) {
    const char *cut = g_utf8_find_prev_char(r->reason, r->reason + MAX_REASON);
    reason = g_strndup(r->reason, cut ? (gsize)(cut - r->reason) : MAX_REASON);
  }
  mugai_json_init(&j, s, FALSE);
  mugai_json_begin_object(&j);
  mugai_json_member(&j, "time", time);
  mugai_json_member(&j, "user", mugai_audit_user());
  mugai_json_member(&j, "action", r->action);
  mugai_json_member(&j, "id", r->id);
  mugai_json_member(&j, "reason", reason ? reason : r->reason);
  for (guint i = 0; r->extra && r->extra[i] && r->extra[i + 1]; i += 2)
    mugai_json_member(&j, r->extra[i], r->extra[i + 1]);
  mugai_json_member(&j, "prev", prev);
  mugai_json_end_object(&j);
  /* The compact writer never emits a newline inside a line. */
  return g_string_free(s, FALSE);
}

gboolean
mugai_audit_append(const char *path, const MugaiAuditRecord *records, guint n, GError **error)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc();
  g_autofree char *time = g_date_time_format(now, "%Y-%m-%dT%H:%M:%S.%fZ");
  g_autofree char *prev = NULL;
  g_autofree char *cut_hash = NULL;
  g_autofree char *cut_bytes = NULL;
  g_autoptr(GString) out = g_string_new(NULL);
  off_t cut_at;
  gsize cut_len;
  int fd, saved;
  gboolean ok = FALSE;

  if (n == 0)
    return TRUE;
  /* Read and write: the last line is read under the same lock. */
  fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
  if (fd < 0) {
    saved = errno;
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved), "cannot open the audit log %s: %s",
                path, g_strerror(saved));
    return FALSE;
  }
  while (flock(fd, LOCK_EX) != 0)
    if (errno != EINTR) {
      saved = errno;
      g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved), "cannot lock %s: %s", path,
                  g_strerror(saved));
      close(fd);
      return FALSE;
    }
  prev = log_tail(fd, &cut_at, &cut_len, &cut_hash, error);
  if (!prev) {
    g_prefix_error(error, "%s: ", path);
    goto out;
  }
  if (cut_len > 0) {
    /* A writer was killed in the middle of its write: cut its incomplete
     * line off, and say so first. */
    const char *extra[] = { "bytes", NULL, "sha256", cut_hash, NULL };
    MugaiAuditRecord repair = { "repair", NULL,
                                "an append was cut short (its writer was killed); "
                                "the incomplete last line was removed",
                                extra };
    g_autofree char *line = NULL;

    cut_bytes = g_strdup_printf("%" G_GSIZE_FORMAT, cut_len);
    extra[1] = cut_bytes;
    if (ftruncate(fd, cut_at) != 0) {
      saved = errno;
      g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved),
                  "%s: cannot cut the incomplete last line: %s", path, g_strerror(saved));
      goto out;
    }
    line = format_line(&repair, time, prev);
    g_free(prev);
    prev = mugai_sha256_hex((const guint8 *)line, strlen(line));
    g_string_append(out, line);
    g_string_append_c(out, '\n');
  }
  for (guint i = 0; i < n; i++) {
    g_autofree char *line = format_line(&records[i], time, prev);
    g_free(prev);
    prev = mugai_sha256_hex((const guint8 *)line, strlen(line));
    g_string_append(out, line);
    g_string_append_c(out, '\n');
  }
  {
    /* One write: its lines are appended together unless the writer is
     * killed in the middle (see the top of this file). */
    ssize_t w = write(fd, out->str, out->len);
    saved = errno;
    if (w != (ssize_t)out->len) {
      if (w > 0) {
        /* A short write (disk full): cut back to whole lines. */
        struct stat st;
        if (fstat(fd, &st) == 0)
          (void)!ftruncate(fd, st.st_size - w);
      }
      g_set_error(error, G_IO_ERROR, g_io_error_from_errno(w < 0 ? saved : ENOSPC),
                  "cannot write the audit log %s: %s", path, g_strerror(w < 0 ? saved : ENOSPC));
      goto out;
    }
  }
  if (fsync(fd) != 0) {
    saved = errno;
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved), "cannot sync %s: %s", path,
                g_strerror(saved));
    goto out;
  }
  ok = TRUE;
out:
  close(fd); /* releases the lock */
  return ok;
}

/* check_line - LINE parses as a log record chained to PREV */
static gboolean
check_line(const char *line, gsize len, const char *prev, GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new();
  JsonNode *root;
  JsonObject *o;
  const char *got;

  if (!json_parser_load_from_data(parser, line, (gssize)len, NULL)
      || !(root = json_parser_get_root(parser)) || !JSON_NODE_HOLDS_OBJECT(root)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "not a JSON object");
    return FALSE;
  }
  o = json_node_get_object(root);
  if (!json_object_has_member(o, "prev") || !json_object_has_member(o, "action")
      || !json_object_has_member(o, "time") || !json_object_has_member(o, "user")) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                "a member of time, user, action, prev is missing");
    return FALSE;
  }
  got = json_object_get_string_member_with_default(o, "prev", "");
  if (strcmp(got, prev) != 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                "prev does not match the line before it (edited, deleted or moved)");
    return FALSE;
  }
  return TRUE;
}

/* Lines longer than this are refused by verify (an append never writes one). */
#define MAX_LINE (1024 * 1024)

/* log_end - under a shared lock, so at a moment when no append is in
 * progress (appends hold the exclusive one): the length of the log open on
 * FD up to its last line end in *END, and the length of the incomplete line
 * after it in *CUT. Appends only add after *END or cut what is after it, so
 * the bytes before it can be read afterwards without the lock. */
static gboolean
log_end(int fd, off_t *end, guint64 *cut, GError **error)
{
  Tail t;
  gboolean ok;
  int saved;

  *end = 0;
  *cut = 0;
  while (flock(fd, LOCK_SH) != 0)
    if (errno != EINTR) {
      saved = errno;
      g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved), "cannot lock: %s",
                  g_strerror(saved));
      return FALSE;
    }
  ok = read_tail(fd, &t, error);
  flock(fd, LOCK_UN);
  if (!ok)
    return FALSE;
  /* No line end in the last TAIL_READ bytes: read_lines reports it. */
  *end = t.stop == 0 && t.start > 0 ? t.start + (off_t)t.len : t.start + (off_t)t.stop;
  *cut = (guint64)(t.start + (off_t)t.len - *end);
  g_free(t.buf);
  return TRUE;
}

/* read_lines - every whole line of the log open on FD before END, in order,
 * to F, a chunk at a time. *LINES is the number of lines read, *BAD the
 * line that F refused or that is too long (0 for other failures), *LEFT
 * the length of what follows the last line end. */
static gboolean
read_lines(int fd, off_t end, MugaiAuditLineFunc f, gpointer data, guint64 *lines, guint64 *bad,
           guint64 *left, GError **error)
{
  g_autofree char *buf = g_malloc(MAX_LINE);
  gsize have = 0;
  off_t pos = 0;
  guint64 n = 0;
  int saved;

  *lines = 0;
  *bad = 0;
  *left = 0;
  while (pos < end) {
    gsize want = MIN(MAX_LINE - have, (gsize)(end - pos));
    ssize_t got = pread(fd, buf + have, want, pos);
    char *p, *nl, *stop;

    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0) {
      saved = errno;
      g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved), "cannot read: %s",
                  g_strerror(saved));
      return FALSE;
    }
    if (got == 0) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "the log was cut while it was read");
      return FALSE;
    }
    pos += got;
    have += (gsize)got;
    p = buf;
    stop = buf + have;
    while ((nl = memchr(p, '\n', (gsize)(stop - p)))) {
      *lines = ++n;
      if (!f(p, (gsize)(nl - p), n, data, error)) {
        *bad = n;
        return FALSE;
      }
      p = nl + 1;
    }
    have = (gsize)(stop - p);
    memmove(buf, p, have);
    if (have == MAX_LINE) {
      *bad = n + 1;
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                  "line %" G_GUINT64_FORMAT ": longer than %d bytes", n + 1, MAX_LINE);
      return FALSE;
    }
  }
  *left = have;
  return TRUE;
}

/* open_log - the log at PATH for reading, with its end as log_end finds
 * it; -1 with no error when there is no log */
static int
open_log(const char *path, off_t *end, guint64 *cut, GError **error)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

  *end = 0;
  *cut = 0;
  if (fd < 0) {
    int saved = errno;
    if (saved != ENOENT)
      g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved), "cannot open: %s",
                  g_strerror(saved));
    return -1;
  }
  if (!log_end(fd, end, cut, error)) {
    close(fd);
    return -1;
  }
  return fd;
}

/* verify_line - a LineFunc: LINE chains to the line before it, whose hash
 * is in *DATA, and becomes the previous line */
static gboolean
verify_line(const char *line, gsize len, guint64 n, gpointer data, GError **error)
{
  char **prev = data;
  GError *local = NULL;

  if (!check_line(line, len, *prev, &local)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "line %" G_GUINT64_FORMAT ": %s", n,
                local->message);
    g_error_free(local);
    return FALSE;
  }
  g_free(*prev);
  *prev = mugai_sha256_hex((const guint8 *)line, len);
  return TRUE;
}

gboolean
mugai_audit_verify(const char *path, guint64 *lines, guint64 *bad_line, guint64 *cut, char **head,
                   GError **error)
{
  g_autofree char *prev = g_strdup(ZERO_HASH);
  GError *local = NULL;
  off_t end;
  guint64 left;
  gboolean ok;
  int fd;

  *lines = 0;
  *bad_line = 0;
  if (head)
    *head = NULL;
  fd = open_log(path, &end, cut, &local);
  if (fd < 0) {
    if (local) {
      g_propagate_error(error, local);
      return FALSE;
    }
    if (head)
      *head = g_strdup(ZERO_HASH);
    return TRUE; /* no log: an empty chain */
  }
  ok = read_lines(fd, end, verify_line, &prev, lines, bad_line, &left, error);
  close(fd);
  if (!ok)
    return FALSE;
  /* Left over: an incomplete line longer than TAIL_READ (log_end). */
  *cut += left;
  if (head)
    *head = g_steal_pointer(&prev);
  return TRUE;
}

/* member - the string value after the first KEY ("name":") in LINE (LEN
 * bytes), if it is there and plain: the writer puts action and id before
 * any free text, and a quote inside a value is escaped (transfer full) */
static char *
member(const char *line, gsize len, const char *key)
{
  const char *p = g_strstr_len(line, (gssize)len, key), *q, *end = line + len;

  if (!p)
    return NULL;
  p += strlen(key);
  for (q = p; q < end && *q != '"' && *q != '\\'; q++)
    ;
  return q < end && *q == '"' ? g_strndup(p, (gsize)(q - p)) : NULL;
}

/* find_line - a LineFunc: the line's "ACTION ID" leaves the table DATA */
static gboolean
find_line(const char *line, gsize len, guint64 n, gpointer data, GError **error)
{
  GHashTable *wanted = data;
  g_autofree char *action = member(line, len, "\"action\":\"");
  g_autofree char *id = action ? member(line, len, "\"id\":\"") : NULL;

  if (id) {
    g_autofree char *key = g_strconcat(action, " ", id, NULL);
    g_hash_table_remove(wanted, key);
  }
  return TRUE;
}

gboolean
mugai_audit_foreach(const char *path, MugaiAuditLineFunc f, gpointer data, GError **error)
{
  GError *local = NULL;
  off_t end;
  guint64 cut, lines, bad, left;
  gboolean ok;
  int fd;

  fd = open_log(path, &end, &cut, &local);
  if (fd < 0) {
    if (!local)
      return TRUE; /* no log: no lines */
    g_propagate_error(error, local);
    return FALSE;
  }
  ok = read_lines(fd, end, f, data, &lines, &bad, &left, error);
  close(fd);
  return ok;
}

gboolean
mugai_audit_find(const char *path, GHashTable *wanted, GError **error)
{
  return g_hash_table_size(wanted) == 0 || mugai_audit_foreach(path, find_line, wanted, error);
}
