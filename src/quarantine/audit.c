/*
 * audit.c - the hash-chained audit log.
 *
 * Appends happen under an exclusive flock so that two processes never read
 * the same previous line; each append is one write(2) of whole lines on an
 * O_APPEND descriptor followed by fsync, so a process killed at any point
 * leaves either all of its lines or none.
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

/* last_line_hash - SHA-256 of the last line of the log open on FD (without
 * its newline), or of nothing: ZERO_HASH for an empty log (transfer full) */
static char *
last_line_hash(int fd, GError **error)
{
  struct stat st;
  off_t end, start;
  gsize len;
  g_autofree guint8 *buf = NULL;
  gsize stop, begin;

  if (fstat(fd, &st) != 0) {
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "cannot stat: %s",
                g_strerror(errno));
    return NULL;
  }
  if (st.st_size == 0)
    return g_strdup(ZERO_HASH);
  end = st.st_size;
  /* Lines are short; read back far enough to hold the longest one. */
  start = end > 64 * 1024 ? end - 64 * 1024 : 0;
  len = (gsize)(end - start);
  buf = g_malloc(len);
  if (pread(fd, buf, len, start) != (ssize_t)len) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot read the end of the log");
    return NULL;
  }
  if (buf[len - 1] != '\n') {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                "the log does not end with a whole line; run mugai audit verify");
    return NULL;
  }
  stop = len - 1;
  begin = stop;
  while (begin > 0 && buf[begin - 1] != '\n')
    begin--;
  if (begin == 0 && start > 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "the last line of the log is too long");
    return NULL;
  }
  return mugai_sha256_hex(buf + begin, stop - begin);
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
  g_autoptr(GString) out = g_string_new(NULL);
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
  prev = last_line_hash(fd, error);
  if (!prev) {
    g_prefix_error(error, "%s: ", path);
    goto out;
  }
  for (guint i = 0; i < n; i++) {
    g_autofree char *line = format_line(&records[i], time, prev);
    g_free(prev);
    prev = mugai_sha256_hex((const guint8 *)line, strlen(line));
    g_string_append(out, line);
    g_string_append_c(out, '\n');
  }
  {
    /* One write: a kill between lines of a group cannot leave half of it. */
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

gboolean
mugai_audit_verify(const char *path, guint64 *lines, guint64 *bad_line, char **head, GError **error)
{
  g_autoptr(GMappedFile) map = NULL;
  GError *local = NULL;
  const char *p, *end;
  g_autofree char *prev = g_strdup(ZERO_HASH);
  guint64 n = 0;

  *lines = 0;
  *bad_line = 0;
  if (head)
    *head = NULL;
  map = g_mapped_file_new(path, FALSE, &local);
  if (!map) {
    if (g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
      g_error_free(local);
      if (head)
        *head = g_strdup(ZERO_HASH);
      return TRUE;
    }
    g_propagate_error(error, local);
    return FALSE;
  }
  p = g_mapped_file_get_contents(map);
  end = p + g_mapped_file_get_length(map);
  while (p && p < end) {
    const char *nl = memchr(p, '\n', (gsize)(end - p));
    gsize len = nl ? (gsize)(nl - p) : (gsize)(end - p);

    n++;
    *lines = n;
    if (!nl) {
      *bad_line = n;
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                  "line %" G_GUINT64_FORMAT ": incomplete (no line end)", n);
      return FALSE;
    }
    if (!check_line(p, len, prev, &local)) {
      *bad_line = n;
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "line %" G_GUINT64_FORMAT ": %s", n,
                  local->message);
      g_error_free(local);
      return FALSE;
    }
    g_free(prev);
    prev = mugai_sha256_hex((const guint8 *)p, len);
    p = nl + 1;
  }
  if (head)
    *head = g_steal_pointer(&prev);
  return TRUE;
}
