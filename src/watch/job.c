/*
 * job.c - one dropped file from claim to outputs, and the restart path.
 *
 * Ordering is what makes kill -9 harmless (watch.h has the life of a
 * file): the job record exists before the claim; the original is durable
 * in the quarantine before any output is renamed into place; the outputs
 * are durable under staging names before the record lists the renames;
 * the renames never replace a file; the record goes last. Whatever step a
 * crash interrupts, the record says how to finish it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <gio/gio.h>

#include "core/sanitize.h"
#include "core/util.h"
#include "text/normalize.h"
#include "watch/watch.h"

/* Highest " (N)" tried before a name collision is an error. */
#define MAX_SUFFIX 9999

typedef enum {
  INPUT_UNLINK = 0, /* done: the claimed input is removed */
  INPUT_FAILED,     /* could not be read: kept in <work>/failed for an operator */
} InputFate;

typedef struct {
  char *id;
  char *rel;      /* path below the drop folder, as found */
  char *user;     /* first component with per-user folders, or NULL */
  char *subdir;   /* directories between the user folder and the name, or "" */
  char *name;     /* the file's own name, as found */
  char *outrel;   /* its output folder below <out> */
  gint64 claimed; /* Unix seconds */
  /* after the journal */
  InputFate fate;
  GPtrArray *names; /* final base names, in staging order (the report last) */
  GPtrArray *sums;  /* SHA-256 of each staged file, hex, in the same order */
  /* for the log line, kept in the commit record for a resumed job */
  char *verdict, *actions, *code, *error;
  gint64 size;
} Job;

static void
job_free(Job *j)
{
  if (!j)
    return;
  g_free(j->id);
  g_free(j->rel);
  g_free(j->user);
  g_free(j->subdir);
  g_free(j->name);
  g_free(j->outrel);
  if (j->names)
    g_ptr_array_unref(j->names);
  if (j->sums)
    g_ptr_array_unref(j->sums);
  g_free(j->verdict);
  g_free(j->actions);
  g_free(j->code);
  g_free(j->error);
  g_free(j);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Job, job_free)

/* crash_point - the test hook: die right after step AT, once */
static void
crash_point(WatchCrash at)
{
  if (watch_state.crash == at) {
    watch_log(LOG_WARNING, "MUGAI_WATCH_CRASH: exiting after step %d", (int)at);
    _exit(137);
  }
}

int
watch_open_dir(int dirfd, const char *rel, gboolean create, mode_t mode, uid_t uid, gid_t gid)
{
  g_auto(GStrv) parts = g_strsplit(rel, "/", -1);
  int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  for (guint i = 0; fd >= 0 && parts[i]; i++) {
    int next;
    if (!*parts[i] || !strcmp(parts[i], "."))
      continue;
    if (!strcmp(parts[i], "..")) {
      close(fd);
      errno = EINVAL;
      return -1;
    }
    next = openat(fd, parts[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (next < 0 && errno == ENOENT && create) {
      if (mkdirat(fd, parts[i], mode) != 0 && errno != EEXIST) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
      }
      next = openat(fd, parts[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (next >= 0 && uid != (uid_t)-1 && fchown(next, uid, gid) != 0) {
        int saved = errno;
        close(next);
        close(fd);
        errno = saved;
        return -1;
      }
    }
    {
      int saved = errno;
      close(fd);
      errno = saved;
    }
    fd = next;
  }
  return fd;
}

/* ---- names ---- */

/* b64 - base64 of S (transfer full) */
static char *
b64(const char *s)
{
  return g_base64_encode((const guchar *)s, strlen(s));
}

/* unb64 - the string S encodes, or NULL when it is not one (transfer full) */
static char *
unb64(const char *s)
{
  gsize n = 0;
  guchar *p;
  char *out;

  if (!s)
    return NULL;
  p = g_base64_decode(s, &n);
  if (memchr(p, 0, n)) {
    g_free(p);
    return NULL;
  }
  out = g_strndup((const char *)p, n);
  g_free(p);
  return out;
}

/* safe_component - NAME as a file name for the LGWAN side: valid UTF-8, no
 * controls or bidi tricks, no reserved characters, at most 200 bytes
 * (transfer full) */
static char *
safe_component(const char *name, const char *fallback)
{
  g_autofree char *valid = g_utf8_make_valid(name, -1);

  return mugai_text_sanitize_filename(valid, fallback);
}

/* output_rel - the output folder of a file below <out> (transfer full) */
static char *
output_rel(const char *user, const char *subdir)
{
  g_auto(GStrv) parts = g_strsplit(subdir, "/", -1);
  GString *s = g_string_new(user ? user : "");

  for (guint i = 0; parts[i]; i++) {
    g_autofree char *c = NULL;
    if (!*parts[i])
      continue;
    c = safe_component(parts[i], "_");
    if (s->len)
      g_string_append_c(s, '/');
    g_string_append(s, c);
  }
  return g_string_free(s, FALSE);
}

char *
watch_display(const char *name)
{
  g_autofree char *valid = g_utf8_make_valid(name ? name : "", -1);
  GString *s = g_string_new(NULL);

  for (const char *p = valid; *p; p = g_utf8_next_char(p)) {
    gunichar c = g_utf8_get_char(p);
    if (c == '"' || c == '\\')
      g_string_append_printf(s, "\\%c", (char)c);
    else if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || (c >= 0x202a && c <= 0x202e)
             || (c >= 0x2066 && c <= 0x2069))
      g_string_append_printf(s, "\\u%04x", c);
    else
      g_string_append_unichar(s, c);
  }
  return g_string_free(s, FALSE);
}

/* suffixed - NAME with " (N)" after STEM when it starts with it, else
 * before its extension; NAME itself for N 1 (transfer full) */
static char *
suffixed(const char *name, const char *stem, guint n)
{
  const char *dot;

  if (n <= 1)
    return g_strdup(name);
  if (*stem && g_str_has_prefix(name, stem))
    return g_strdup_printf("%s (%u)%s", stem, n, name + strlen(stem));
  dot = strrchr(name, '.');
  if (!dot || dot == name)
    return g_strdup_printf("%s (%u)", name, n);
  return g_strdup_printf("%.*s (%u)%s", (int)(dot - name), name, n, dot);
}

/* name_free - whether NAME is neither in DIRFD nor being written there */
static gboolean
name_free(int dirfd, const char *outrel, const char *name)
{
  g_autofree char *key = g_strconcat(outrel, "/", name, NULL);
  struct stat st;

  if (g_hash_table_contains(watch_state.reserved, key))
    return FALSE;
  return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 && errno == ENOENT;
}

/* choose_names - WANT's names, all with the same " (N)" when one of them is
 * taken in DIRFD, reserved until release_names (transfer full) */
static GPtrArray *
choose_names(int dirfd, const char *outrel, const char *stem, GPtrArray *want, GError **error)
{
  g_mutex_lock(&watch_state.names_lock);
  for (guint n = 1; n <= MAX_SUFFIX; n++) {
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    gboolean all = TRUE;
    for (guint i = 0; i < want->len && all; i++) {
      char *cand = suffixed(g_ptr_array_index(want, i), stem, n);
      g_ptr_array_add(names, cand);
      all = name_free(dirfd, outrel, cand);
      for (guint k = 0; all && k < i; k++)
        all = strcmp(g_ptr_array_index(names, k), cand) != 0;
    }
    if (all) {
      for (guint i = 0; i < names->len; i++)
        g_hash_table_add(watch_state.reserved,
                         g_strconcat(outrel, "/", (char *)g_ptr_array_index(names, i), NULL));
      g_mutex_unlock(&watch_state.names_lock);
      return g_steal_pointer(&names);
    }
  }
  g_mutex_unlock(&watch_state.names_lock);
  g_set_error(error, G_IO_ERROR, G_IO_ERROR_EXISTS, "%s: %u files of that name already", outrel,
              MAX_SUFFIX);
  return NULL;
}

static void
release_names(const char *outrel, GPtrArray *names)
{
  if (!names)
    return;
  g_mutex_lock(&watch_state.names_lock);
  for (guint i = 0; i < names->len; i++) {
    g_autofree char *key = g_strconcat(outrel, "/", (char *)g_ptr_array_index(names, i), NULL);
    g_hash_table_remove(watch_state.reserved, key);
  }
  g_mutex_unlock(&watch_state.names_lock);
}

/* ---- jobs running ---- */

/* job_enter - ID is running; FALSE when it already is */
static gboolean
job_enter(const char *id)
{
  gboolean fresh;

  g_mutex_lock(&watch_state.names_lock);
  fresh = g_hash_table_add(watch_state.jobs, g_strdup(id));
  g_mutex_unlock(&watch_state.names_lock);
  return fresh;
}

static void
job_leave(const char *id)
{
  g_mutex_lock(&watch_state.names_lock);
  g_hash_table_remove(watch_state.jobs, id);
  g_mutex_unlock(&watch_state.names_lock);
}

static gboolean
job_running(const char *id)
{
  gboolean yes;

  g_mutex_lock(&watch_state.names_lock);
  yes = g_hash_table_contains(watch_state.jobs, id);
  g_mutex_unlock(&watch_state.names_lock);
  return yes;
}

/* ---- the job record ---- */

static char *
record_name(const char *id)
{
  return g_strconcat(id, ".job", NULL);
}

static char *
input_name(const char *id)
{
  return g_strconcat(id, ".input", NULL);
}

static char *
staging_name(const char *id, guint i)
{
  return g_strdup_printf("%s.%u", id, i);
}

/* record_write - J's record, replacing the one before atomically (a
 * temporary name, then rename); with COMMIT the renames still to do. Not
 * synced here: the caller decides when the record must be durable (the
 * claim record needs no sync of its own: its rename is in the file
 * system's journal before the claim's). */
static gboolean
record_write(const Job *j, gboolean commit, GError **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new();
  g_autofree char *rel = b64(j->rel);
  g_autofree char *file = record_name(j->id);
  g_autofree char *tmp = g_strconcat(file, ".tmp", NULL);
  g_autofree char *text = NULL;
  gsize len = 0;
  int fd, saved;
  gboolean ok;

  g_key_file_set_string(kf, "job", "id", j->id);
  g_key_file_set_string(kf, "job", "rel", rel);
  g_key_file_set_int64(kf, "job", "claimed", j->claimed);
  g_key_file_set_string(kf, "job", "state", commit ? "commit" : "claimed");
  if (commit) {
    g_autofree char *outrel = b64(j->outrel);
    g_key_file_set_string(kf, "commit", "outrel", outrel);
    g_key_file_set_string(kf, "commit", "input", j->fate == INPUT_FAILED ? "failed" : "unlink");
    g_key_file_set_integer(kf, "commit", "count", (gint)j->names->len);
    g_key_file_set_string(kf, "commit", "verdict", j->verdict);
    g_key_file_set_string(kf, "commit", "actions", j->actions);
    g_key_file_set_int64(kf, "commit", "size", j->size);
    if (j->code) {
      g_autofree char *e = b64(j->error ? j->error : "");
      g_key_file_set_string(kf, "commit", "reason", j->code);
      g_key_file_set_string(kf, "commit", "error", e);
    }
    for (guint i = 0; i < j->names->len; i++) {
      g_autofree char *key = g_strdup_printf("name%u", i);
      g_autofree char *v = b64(g_ptr_array_index(j->names, i));
      g_autofree char *skey = g_strdup_printf("sha256_%u", i);
      g_key_file_set_string(kf, "commit", key, v);
      g_key_file_set_string(kf, "commit", skey, g_ptr_array_index(j->sums, i));
    }
  }
  text = g_key_file_to_data(kf, &len, NULL);
  fd = openat(watch_state.work_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
              0600);
  ok = fd >= 0 && mugai_write_all(fd, text, len);
  saved = errno;
  if (fd >= 0 && close(fd) != 0 && ok) {
    ok = FALSE;
    saved = errno;
  }
  if (ok && renameat(watch_state.work_fd, tmp, watch_state.work_fd, file) != 0) {
    ok = FALSE;
    saved = errno;
  }
  if (!ok) {
    unlinkat(watch_state.work_fd, tmp, 0);
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved), "cannot write %s/%s: %s",
                watch_state.work, file, g_strerror(saved));
  }
  return ok;
}

/* job_split - J's user, subdir and name from its rel */
static gboolean
job_split(Job *j)
{
  const char *slash = strrchr(j->rel, '/');
  g_autofree char *dir = slash ? g_strndup(j->rel, (gsize)(slash - j->rel)) : g_strdup("");

  j->name = g_strdup(slash ? slash + 1 : j->rel);
  if (!*j->name || strstr(j->rel, "/../") || g_str_has_prefix(j->rel, "../")
      || g_str_has_prefix(j->rel, "/"))
    return FALSE;
  if (watch_state.per_user) {
    const char *s = strchr(dir, '/');
    if (!*dir)
      return FALSE;
    j->user = s ? g_strndup(dir, (gsize)(s - dir)) : g_strdup(dir);
    j->subdir = g_strdup(s ? s + 1 : "");
  } else
    j->subdir = g_strdup(dir);
  j->outrel = output_rel(j->user, j->subdir);
  return TRUE;
}

/* record_read - the job ID as its record describes it, or NULL */
static Job *
record_read(const char *id, gboolean *commit, GError **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new();
  g_autofree char *file = record_name(id);
  g_autofree char *path = g_build_filename(watch_state.work, file, NULL);
  g_autofree char *state = NULL, *rel = NULL;
  g_autoptr(Job) j = g_new0(Job, 1);

  if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, error))
    return NULL;
  state = g_key_file_get_string(kf, "job", "state", NULL);
  rel = g_key_file_get_string(kf, "job", "rel", NULL);
  j->id = g_strdup(id);
  j->rel = unb64(rel);
  j->claimed = g_key_file_get_int64(kf, "job", "claimed", NULL);
  if (!state || !j->rel || !job_split(j)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s: not a job record", path);
    return NULL;
  }
  *commit = !strcmp(state, "commit");
  if (*commit) {
    g_autofree char *outrel = g_key_file_get_string(kf, "commit", "outrel", NULL);
    g_autofree char *input = g_key_file_get_string(kf, "commit", "input", NULL);
    gint count = g_key_file_get_integer(kf, "commit", "count", NULL);
    g_free(j->outrel);
    j->outrel = unb64(outrel);
    j->fate = input && !strcmp(input, "failed") ? INPUT_FAILED : INPUT_UNLINK;
    j->verdict = g_key_file_get_string(kf, "commit", "verdict", NULL);
    j->actions = g_key_file_get_string(kf, "commit", "actions", NULL);
    j->size = g_key_file_get_int64(kf, "commit", "size", NULL);
    j->code = g_key_file_get_string(kf, "commit", "reason", NULL);
    {
      g_autofree char *e = g_key_file_get_string(kf, "commit", "error", NULL);
      j->error = e ? unb64(e) : NULL;
    }
    j->names = g_ptr_array_new_with_free_func(g_free);
    j->sums = g_ptr_array_new_with_free_func(g_free);
    for (gint i = 0; j->outrel && i < count && i < 64; i++) {
      g_autofree char *key = g_strdup_printf("name%d", i);
      g_autofree char *skey = g_strdup_printf("sha256_%d", i);
      g_autofree char *v = g_key_file_get_string(kf, "commit", key, NULL);
      char *sum = g_key_file_get_string(kf, "commit", skey, NULL);
      char *name = unb64(v);
      if (!name || !*name || strchr(name, '/') || name[0] == '.' || !sum || strlen(sum) != 64) {
        g_free(name);
        g_free(sum);
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s: bad rename list", path);
        return NULL;
      }
      g_ptr_array_add(j->names, name);
      g_ptr_array_add(j->sums, sum);
    }
    if (!j->outrel || (gint)j->names->len != count) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s: bad rename list", path);
      return NULL;
    }
  }
  return g_steal_pointer(&j);
}

/* ---- writing ---- */

/* One flush of the file systems for every job that asks while one is on
 * its way: a job needs a flush that starts after its writes, so it joins
 * the next one; whoever finds none running leads it. */
static struct {
  GMutex lock;
  GCond done;
  guint64 started, finished, failed; /* generations */
  gboolean running;
  int error;
} flush;

/* flush_group - everything written so far durable in the out and work
 * file systems */
static gboolean
flush_group(void)
{
  guint64 need;
  gboolean ok;

  g_mutex_lock(&flush.lock);
  need = flush.started + 1;
  while (flush.finished < need) {
    if (!flush.running) {
      guint64 mine = ++flush.started;
      int err = 0;
      flush.running = TRUE;
      g_mutex_unlock(&flush.lock);
      if (syncfs(watch_state.staging_fd) != 0
          || (!watch_state.same_fs && syncfs(watch_state.work_fd) != 0))
        err = errno;
      g_mutex_lock(&flush.lock);
      flush.running = FALSE;
      flush.finished = mine;
      if (err) {
        flush.failed = mine;
        flush.error = err;
      }
      g_cond_broadcast(&flush.done);
    } else
      g_cond_wait(&flush.done, &flush.lock);
  }
  ok = flush.failed < need;
  if (!ok)
    errno = flush.error;
  g_mutex_unlock(&flush.lock);
  return ok;
}

/* stage - DATA as staging file I of J */
static gboolean
stage(const Job *j, guint i, GBytes *data, uid_t uid, gid_t gid, GError **error)
{
  g_autofree char *file = staging_name(j->id, i);
  gsize len;
  const guint8 *p = g_bytes_get_data(data, &len);
  int fd = openat(watch_state.staging_fd, file,
                  O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0640);
  gboolean ok
      = fd >= 0 && mugai_write_all(fd, p, len) && (uid == (uid_t)-1 || fchown(fd, uid, gid) == 0);
  int saved = errno;

  if (fd >= 0 && close(fd) != 0 && ok) {
    ok = FALSE;
    saved = errno;
  }
  if (!ok)
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved), "cannot write %s/%s: %s",
                watch_state.staging, file, g_strerror(saved));
  return ok;
}

/* staged_intact - whether every staged file J's rename list names, that
 * is still staged, has the SHA-256 the list records */
static gboolean
staged_intact(const Job *j)
{
  for (guint i = 0; i < j->names->len; i++) {
    g_autofree char *file = staging_name(j->id, i);
    int fd = openat(watch_state.staging_fd, file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
    guint8 buf[65536];
    ssize_t n;
    gboolean same;
    if (fd < 0 && errno == ENOENT)
      continue; /* renamed already */
    if (fd < 0)
      return FALSE;
    while ((n = read(fd, buf, sizeof buf)) > 0)
      g_checksum_update(sum, buf, (gsize)n);
    close(fd);
    same = n == 0 && !strcmp(g_checksum_get_string(sum), g_ptr_array_index(j->sums, i));
    if (!same)
      return FALSE;
  }
  return TRUE;
}

/* owner - who the outputs of J belong to: the owner of its user folder in
 * the drop folder, when we are root and there is one */
static void
owner(const Job *j, uid_t *uid, gid_t *gid)
{
  struct stat st;

  *uid = (uid_t)-1;
  *gid = (gid_t)-1;
  if (!watch_state.as_root || !j->user)
    return;
  if (fstatat(watch_state.drop_fd, j->user, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode)) {
    *uid = st.st_uid;
    *gid = st.st_gid;
  }
}

static void log_done(const Job *j, gboolean resumed, gint64 t0);

/* finish - J's renames (those not done yet), then its input gone, its log
 * line (RESUMED, T0: see log_done), and its record gone; every output is
 * complete when it appears, and none replaces a file. Returns the names as
 * finally given (changed only when something took a name between the
 * choice and the rename). The log line comes before the record goes, so
 * that a kill between them cannot leave a file that was never logged: a
 * resume then logs it again, with resumed=outputs-placed. */
static gboolean
finish(Job *j, gboolean resumed, gint64 t0, GError **error)
{
  uid_t uid;
  gid_t gid;
  int dfd;
  g_autofree char *input = input_name(j->id);
  g_autofree char *record = record_name(j->id);
  int saved;

  owner(j, &uid, &gid);
  dfd = watch_open_dir(watch_state.out_fd, j->outrel, TRUE, 0750, uid, gid);
  if (dfd < 0) {
    saved = errno;
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved), "cannot open %s/%s: %s",
                watch_state.out, j->outrel, g_strerror(saved));
    return FALSE;
  }
  for (guint i = 0; i < j->names->len; i++) {
    g_autofree char *from = staging_name(j->id, i);
    const char *want = g_ptr_array_index(j->names, i);
    for (guint n = 1; n <= MAX_SUFFIX; n++) {
      g_autofree char *to = suffixed(want, "", n);
      if (renameat2(watch_state.staging_fd, from, dfd, to, RENAME_NOREPLACE) == 0) {
        if (n > 1) {
          g_free(j->names->pdata[i]);
          j->names->pdata[i] = g_steal_pointer(&to);
        }
        break;
      }
      if (errno == ENOENT)
        break; /* renamed before a crash */
      if (errno != EEXIST) {
        saved = errno;
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved),
                    "cannot rename to %s/%s/%s: %s", watch_state.out, j->outrel, to,
                    g_strerror(saved));
        close(dfd);
        return FALSE;
      }
    }
    if (i == 0)
      crash_point(WATCH_CRASH_RENAME);
  }
  /* On one file system the journal keeps the renames before the removal
   * of the record; across two, the renames are synced first. */
  if (!watch_state.same_fs && fsync(dfd) != 0) {
    saved = errno;
    close(dfd);
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved), "cannot sync %s/%s: %s",
                watch_state.out, j->outrel, g_strerror(saved));
    return FALSE;
  }
  close(dfd);
  if (j->fate == INPUT_FAILED) {
    /* The only copy: moved aside for an operator, never removed. */
    g_autofree char *kept = g_strconcat(j->id, ".input", NULL);
    g_autofree char *kept_record = g_strconcat(j->id, ".job", NULL);
    int ffd
        = openat(watch_state.work_fd, "failed", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    gboolean moved
        = ffd >= 0 && (renameat(watch_state.work_fd, input, ffd, kept) == 0 || errno == ENOENT);
    saved = errno;
    if (moved)
      linkat(watch_state.work_fd, record, ffd, kept_record, 0); /* where it came from */
    if (ffd >= 0)
      close(ffd);
    if (!moved) {
      g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved), "cannot move %s/%s to %s: %s",
                  watch_state.work, input, watch_state.failed, g_strerror(saved));
      return FALSE;
    }
  } else
    unlinkat(watch_state.work_fd, input, 0);
  log_done(j, resumed, t0);
  crash_point(WATCH_CRASH_LOGGED);
  if (unlinkat(watch_state.work_fd, record, 0) != 0 && errno != ENOENT) {
    saved = errno;
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved), "cannot remove %s/%s: %s",
                watch_state.work, record, g_strerror(saved));
    return FALSE;
  }
  return TRUE;
}

/* ---- the report beside the outputs ---- */

static const char *const outcome_ja[] = {
  "無害化したファイルを出力しました。",
  "保留しました。原本は隔離されています。必要な場合は管理者にお問い合わせください。",
  "無害化できないため、内容は出力していません。",
};
static const char *const verdict_ja[] = { "無害化済み", "保留", "不可" };
static const char *const outcome_en[] = {
  "Sanitised files were written.",
  "Held: the original is kept in the quarantine. Ask your administrator if you need it.",
  "Not delivered: the file could not be made harmless.",
};

/* report_text - <name>.mugai.txt: who, what, outcome, quarantine id, the
 * outputs, then the notice. R NULL: WHY says why nothing was done;
 * STORED: the original is in the quarantine under J's id (transfer full) */
static GBytes *
report_text(const Job *j, MugaiResult *r, const char *why, gboolean stored, GPtrArray *outputs)
{
  GString *s = g_string_new(NULL);
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_local(j->claimed);
  g_autofree char *stamp = g_date_time_format(when, "%Y-%m-%d %H:%M:%S %z");
  g_autofree char *path
      = j->subdir && *j->subdir ? g_strconcat(j->subdir, "/", j->name, NULL) : g_strdup(j->name);
  g_autofree char *where = watch_display(path);
  guint v = r ? (guint)mugai_result_get_verdict(r) : MUGAI_VERDICT_REJECTED;
  g_autoptr(GString) list = g_string_new(NULL);

  for (guint i = 0; outputs && i < outputs->len; i++)
    g_string_append_printf(list, "%s%s", i ? ", " : "", (char *)g_ptr_array_index(outputs, i));

  g_string_append(s, "【mugai 無害化レポート】\n");
  g_string_append_printf(s, "元のファイル: %s\n", where);
  if (j->user)
    g_string_append_printf(s, "フォルダ: %s\n", j->user);
  g_string_append_printf(s, "受付日時: %s\n", stamp);
  g_string_append_printf(s, "判定: %s (%s)\n", verdict_ja[v], mugai_verdict_name((MugaiVerdict)v));
  g_string_append_printf(s, "結果: %s\n", outcome_ja[v]);
  if (why)
    g_string_append_printf(s, "理由: %.*s\n",
                           (int)(strchr(why, '\t') ? strchr(why, '\t') - why : (gssize)strlen(why)),
                           why);
  if (list->len)
    g_string_append_printf(s, "出力ファイル: %s\n", list->str);
  if (stored)
    g_string_append_printf(s,
                           "隔離ID: %s（原本は隔離領域に保管されています。"
                           "問い合わせの際はこの ID をお伝えください）\n",
                           j->id);
  else
    g_string_append(s, "隔離ID: なし（原本は保管されていません）\n");
  g_string_append(s, "\n[mugai sanitisation report]\n");
  g_string_append_printf(s, "Original file: %s\n", where);
  if (j->user)
    g_string_append_printf(s, "Folder: %s\n", j->user);
  g_string_append_printf(s, "Received: %s\n", stamp);
  g_string_append_printf(s, "Verdict: %s\n", mugai_verdict_name((MugaiVerdict)v));
  g_string_append_printf(s, "Outcome: %s\n", outcome_en[v]);
  if (why)
    g_string_append_printf(s, "Reason: %s\n", strchr(why, '\t') ? strchr(why, '\t') + 1 : why);
  if (list->len)
    g_string_append_printf(s, "Output files: %s\n", list->str);
  if (stored)
    g_string_append_printf(s,
                           "Quarantine id: %s (the original is kept in the quarantine; "
                           "quote this id when you ask about it)\n",
                           j->id);
  else
    g_string_append(s, "Quarantine id: none (the original was not kept)\n");
  if (r) {
    g_autofree char *notice = mugai_result_notice(r);
    g_string_append_printf(s, "\n%s", notice);
    if (s->str[s->len - 1] != '\n')
      g_string_append_c(s, '\n');
  }
  return g_string_free_to_bytes(s);
}

/* ---- one job ---- */

static const char *
type_word(mode_t mode, gboolean japanese)
{
  if (S_ISLNK(mode))
    return japanese ? "シンボリックリンクのため開いていません" : "a symbolic link: not followed";
  if (S_ISFIFO(mode))
    return japanese ? "名前付きパイプ (FIFO) のため開いていません"
                    : "a named pipe (FIFO): not opened";
  if (S_ISSOCK(mode))
    return japanese ? "ソケットのため開いていません" : "a socket: not opened";
  if (S_ISCHR(mode) || S_ISBLK(mode))
    return japanese ? "デバイスファイルのため開いていません" : "a device file: not opened";
  return japanese ? "通常のファイルではないため開いていません" : "not a regular file: not opened";
}

static const char *
type_code(mode_t mode)
{
  if (S_ISLNK(mode))
    return "symlink";
  if (S_ISFIFO(mode))
    return "fifo";
  if (S_ISSOCK(mode))
    return "socket";
  if (S_ISCHR(mode) || S_ISBLK(mode))
    return "device";
  return "not-regular";
}

/* is_mail_name - .eml, in any case */
static gboolean
is_mail_name(const char *name)
{
  gsize n = strlen(name);

  return n > 4 && !g_ascii_strcasecmp(name + n - 4, ".eml");
}

/* store_with_retry - the original durable in the quarantine; while the
 * store fails, retry (backing off) rather than release anything */
static gboolean
store_with_retry(MugaiResult *r, GBytes *original, const char *user)
{
  for (guint wait = 1;; wait = MIN(wait * 2, 60)) {
    g_autoptr(GError) error = NULL;
    if (mugai_committer_store(watch_state.committer, r, original, "watch", user, NULL, &error))
      return TRUE;
    watch_log(LOG_ERR, "id=%s: cannot store the original, retrying in %u s: %s",
              mugai_result_get_id(r), wait, error->message);
    for (guint i = 0; i < wait * 10; i++) {
      if (g_atomic_int_get(&watch_stopping))
        return FALSE;
      g_usleep(100 * 1000);
    }
  }
}

/* log_done - the one line for J, a file taken and finished (RESUMED: its
 * outputs were put in place after a restart) */
static void
log_done(const Job *j, gboolean resumed, gint64 t0)
{
  g_autoptr(GString) names = g_string_new(NULL);
  g_autofree char *u = watch_display(j->user ? j->user : "-");
  g_autofree char *display = watch_display(j->user ? j->rel + strlen(j->user) + 1 : j->rel);
  g_autofree char *nd = NULL;
  const char *note = resumed ? " resumed=outputs-placed" : "";
  gint64 ms = (g_get_monotonic_time() - t0) / 1000;

  for (guint i = 0; i < j->names->len; i++)
    g_string_append_printf(names, "%s%s", i ? "," : "", (char *)g_ptr_array_index(j->names, i));
  nd = watch_display(names->str);
  if (!j->code)
    watch_log(
        LOG_INFO,
        "id=%s user=%s file=\"%s\" verdict=%s actions=%s outputs=\"%s\" size=%" G_GINT64_FORMAT
        "%s ms=%" G_GINT64_FORMAT,
        j->id, u, display, j->verdict ? j->verdict : "?", j->actions ? j->actions : "?", nd,
        j->size, note, ms);
  else {
    g_autofree char *err = watch_display(j->error ? j->error : "");
    watch_log(
        LOG_INFO,
        "id=- user=%s file=\"%s\" verdict=rejected reason=%s error=\"%s\"%s%s outputs=\"%s\"%s"
        " ms=%" G_GINT64_FORMAT,
        u, display, j->code, err, j->fate == INPUT_FAILED ? " kept=failed/" : "",
        j->fate == INPUT_FAILED ? j->id : "", nd, note, ms);
  }
}

/* job_run - J claimed (its input in the work folder): sanitise, store
 * unless STORED already, write; one log line */
static void
job_run(Job *j, gboolean stored)
{
  gint64 t0 = g_get_monotonic_time();
  MugaiSharedConfig *wc = mugai_config_in_force();
  MugaiConfig c = *wc->config;
  g_autofree char *input = input_name(j->id);
  g_autofree char *display = watch_display(j->user ? j->rel + strlen(j->user) + 1 : j->rel);
  g_autofree char *user_utf8 = j->user ? g_utf8_make_valid(j->user, -1) : NULL;
  g_autofree char *safe = safe_component(j->name, "file");
  g_autofree char *stem = NULL;
  g_autofree char *why = NULL;
  g_autofree char *code = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) original = NULL;
  g_autoptr(MugaiResult) r = NULL;
  g_autoptr(GPtrArray) files = NULL;
  g_autoptr(GPtrArray) want = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GPtrArray) outputs = g_ptr_array_new();
  g_autoptr(GBytes) report = NULL;
  struct stat st;
  uid_t uid;
  gid_t gid;
  int dfd = -1, fd = -1;

  c.run_id = j->id;
  {
    const char *dot = strrchr(safe, '.');
    stem = dot && dot != safe ? g_strndup(safe, (gsize)(dot - safe)) : g_strdup(safe);
  }
  owner(j, &uid, &gid);
  j->fate = INPUT_UNLINK;

  if (fstatat(watch_state.work_fd, input, &st, AT_SYMLINK_NOFOLLOW) != 0) {
    int saved = errno;
    watch_log(LOG_ERR, "id=%s file=\"%s\": claimed input missing: %s", j->id, display,
              g_strerror(saved));
    goto out;
  }
  if (!S_ISREG(st.st_mode)) {
    why = g_strdup_printf("%s\t%s", type_word(st.st_mode, TRUE), type_word(st.st_mode, FALSE));
    code = g_strdup(type_code(st.st_mode));
  } else {
    fd = openat(watch_state.work_fd, input,
                O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      int saved = errno;
      why = g_strdup_printf("読み取れません: %s\tcannot be read: %s", g_strerror(saved),
                            g_strerror(saved));
      code = g_strdup("unreadable");
      j->fate = INPUT_FAILED;
    } else {
      MugaiInputKind kind = is_mail_name(j->name) ? MUGAI_INPUT_MAIL : MUGAI_INPUT_FILE;
      original = mugai_read_fd(fd, (gsize)st.st_size, j->name, &error);
      if (original && (guint64)st.st_size > c.limits.max_message_size)
        r = mugai_sanitize_fd(&c, fd, j->name, kind, &error);
      else if (original)
        r = mugai_sanitize_bytes(&c, original, j->name, kind, &error);
      if (!r) {
        why = g_strdup_printf("読み取れません: %s\tcannot be read: %s", error->message,
                              error->message);
        code = g_strdup("unreadable");
        j->fate = INPUT_FAILED;
        g_clear_pointer(&original, g_bytes_unref);
      }
    }
  }

  /* The names: the outputs of a delivered file, then the report. */
  if (r && mugai_result_get_verdict(r) == MUGAI_VERDICT_DELIVERED) {
    files = mugai_result_files(r, safe);
    for (guint i = 0; i < files->len; i++)
      g_ptr_array_add(want, g_strdup(((MugaiOutputFile *)files->pdata[i])->name));
  }
  g_ptr_array_add(want, g_strconcat(safe, ".mugai.txt", NULL));
  dfd = watch_open_dir(watch_state.out_fd, j->outrel, TRUE, 0750, uid, gid);
  if (dfd < 0) {
    int saved = errno;
    watch_log(LOG_ERR, "id=%s file=\"%s\": cannot open the output folder %s/%s: %s", j->id, display,
              watch_state.out, j->outrel, g_strerror(saved));
    goto out;
  }
  j->names = choose_names(dfd, j->outrel, stem, want, &error);
  if (!j->names) {
    watch_log(LOG_ERR, "id=%s file=\"%s\": %s", j->id, display, error->message);
    goto out;
  }
  for (guint i = 0; i + 1 < j->names->len; i++)
    g_ptr_array_add(outputs, g_ptr_array_index(j->names, i));
  if (r)
    mugai_result_set_written(r, (const char *const *)j->names->pdata, j->names->len - 1);

  /* The original durable before anything is released. */
  if (r && !stored && !store_with_retry(r, original, user_utf8)) {
    watch_log(LOG_WARNING, "id=%s file=\"%s\": left for the next start (stopping)", j->id, display);
    goto out;
  }
  crash_point(WATCH_CRASH_STORE);

  report = report_text(j, r, why, r != NULL, outputs);
  j->sums = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 0; i < j->names->len; i++) {
    GBytes *data = i + 1 < j->names->len ? ((MugaiOutputFile *)files->pdata[i])->data : report;
    gsize n;
    const guint8 *p = g_bytes_get_data(data, &n);
    g_ptr_array_add(j->sums, mugai_sha256_hex(p, n));
    if (!stage(j, i, data, uid, gid, &error)) {
      watch_log(LOG_ERR, "id=%s file=\"%s\": %s; left for the next start", j->id, display,
                error->message);
      goto out;
    }
  }
  /* The staged outputs and the rename list durable together: one flush
   * of each file system for every job that gets here meanwhile. The list
   * carries each staged file's SHA-256, so a list that outlives a power
   * cut its staged files did not is recognised at resume (staged_intact)
   * and the file sanitised again: no rename happens before the flush. */
  j->verdict = g_strdup(r ? mugai_verdict_name(mugai_result_get_verdict(r)) : "rejected");
  j->actions = r ? mugai_result_action_summary(r) : g_strdup("none");
  j->size = (gint64)st.st_size;
  if (!r) {
    j->code = g_strdup(code);
    j->error = g_strdup(strchr(why, '\t') ? strchr(why, '\t') + 1 : why);
  }
  if (!record_write(j, TRUE, &error) || !flush_group()) {
    watch_log(LOG_ERR, "id=%s file=\"%s\": cannot commit: %s; left for the next start", j->id,
              display, error ? error->message : g_strerror(errno));
    goto out;
  }
  crash_point(WATCH_CRASH_JOURNAL);
  if (!finish(j, FALSE, t0, &error)) {
    watch_log(LOG_ERR, "id=%s file=\"%s\": %s; left for the next start", j->id, display,
              error->message);
    goto out;
  }

out:
  if (j->names)
    release_names(j->outrel, j->names);
  if (dfd >= 0)
    close(dfd);
  if (fd >= 0)
    close(fd);
  mugai_shared_config_unref(wc);
}

/* still_written - whether a process has the claimed input INPUT open for
 * writing (it opened the file between the readiness check and the claim):
 * a read lease cannot be had then */
static gboolean
still_written(const char *input)
{
  int fd = openat(watch_state.work_fd, input,
                  O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
  gboolean busy = FALSE;

  if (fd < 0)
    return FALSE;
  if (fcntl(fd, F_SETLEASE, F_RDLCK) == 0)
    fcntl(fd, F_SETLEASE, F_UNLCK);
  else
    busy = errno == EAGAIN;
  close(fd);
  return busy;
}

gboolean
watch_job_new(const char *rel)
{
  g_autoptr(Job) j = g_new0(Job, 1);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *input = NULL;
  g_autofree char *record = NULL;
  g_autofree char *display = watch_display(rel);
  int pfd;
  struct stat st;

  j->rel = g_strdup(rel);
  if (!job_split(j))
    return FALSE;
  dir = j->user ? (*j->subdir ? g_strconcat(j->user, "/", j->subdir, NULL) : g_strdup(j->user))
                : g_strdup(j->subdir);
  pfd = watch_open_dir(watch_state.drop_fd, dir, FALSE, 0, (uid_t)-1, (gid_t)-1);
  if (pfd < 0)
    return FALSE;
  if (fstatat(pfd, j->name, &st, AT_SYMLINK_NOFOLLOW) != 0 || S_ISDIR(st.st_mode)) {
    close(pfd);
    return FALSE;
  }
  j->id = mugai_id_new();
  j->claimed = g_get_real_time() / G_USEC_PER_SEC;
  input = input_name(j->id);
  record = record_name(j->id);
  job_enter(j->id);
  if (!record_write(j, FALSE, &error)) {
    watch_log(LOG_ERR, "file=\"%s\": cannot record the claim: %s", display, error->message);
    goto not_taken;
  }
  if (renameat2(pfd, j->name, watch_state.work_fd, input, RENAME_NOREPLACE) != 0) {
    int saved = errno;
    if (saved != ENOENT)
      watch_log(LOG_ERR, "file=\"%s\": cannot claim it: %s", display, g_strerror(saved));
    unlinkat(watch_state.work_fd, record, 0);
    goto not_taken;
  }
  if (S_ISREG(st.st_mode) && still_written(input)) {
    if (renameat2(watch_state.work_fd, input, pfd, j->name, RENAME_NOREPLACE) == 0) {
      /* Given back: it is looked at again when its writer is done. */
      unlinkat(watch_state.work_fd, record, 0);
    } else
      /* Its name was taken meanwhile: it stays claimed, and the rescan
       * takes it up once the writer is done. */
      watch_log(LOG_WARNING, "file=\"%s\": still being written; left claimed for the next rescan",
                display);
    goto not_taken;
  }
  close(pfd);
  crash_point(WATCH_CRASH_CLAIM);
  job_run(j, FALSE);
  job_leave(j->id);
  return TRUE;

not_taken:
  close(pfd);
  job_leave(j->id);
  return FALSE;
}

void
watch_job_resume(const char *id)
{
  g_autoptr(GError) error = NULL;
  gboolean commit = FALSE;
  g_autoptr(Job) j = NULL;
  g_autofree char *input = input_name(id);
  g_autoptr(MugaiEntry) e = NULL;
  struct stat st;

  if (!job_enter(id))
    return; /* running */
  j = record_read(id, &commit, &error);
  if (!j) {
    /* Not a record this program wrote (or one a power cut emptied): it
     * and its input go to failed/, for an operator, once. */
    g_autofree char *record = record_name(id);
    int ffd
        = openat(watch_state.work_fd, "failed", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (ffd >= 0 && renameat(watch_state.work_fd, record, ffd, record) == 0) {
      renameat(watch_state.work_fd, input, ffd, input);
      watch_log(LOG_ERR, "id=%s: %s; moved to %s for an operator", id, error->message,
                watch_state.failed);
    }
    if (ffd >= 0)
      close(ffd);
    job_leave(id);
    return;
  }
  if (commit && !staged_intact(j)) {
    /* Listed, but its staged files did not all reach the disk (a power
     * cut before the flush): nothing was renamed; sanitised again. */
    g_autofree char *display = watch_display(j->rel);
    watch_log(LOG_WARNING, "id=%s file=\"%s\": staged outputs incomplete; sanitising it again", id,
              display);
    commit = FALSE;
    g_clear_pointer(&j->names, g_ptr_array_unref);
    g_clear_pointer(&j->sums, g_ptr_array_unref);
    g_free(j->outrel);
    j->outrel = output_rel(j->user, j->subdir);
    j->fate = INPUT_UNLINK;
  }
  if (commit) {
    g_autofree char *display = watch_display(j->user ? j->rel + strlen(j->user) + 1 : j->rel);
    g_autofree char *u = watch_display(j->user ? j->user : "-");
    if (!finish(j, TRUE, g_get_monotonic_time(), &error))
      watch_log(LOG_ERR, "id=%s user=%s file=\"%s\": %s", id, u, display, error->message);
    job_leave(id);
    return;
  }
  if (fstatat(watch_state.work_fd, input, &st, AT_SYMLINK_NOFOLLOW) != 0) {
    /* The claim never happened: the file is still in the drop folder. */
    g_autofree char *record = record_name(id);
    unlinkat(watch_state.work_fd, record, 0);
    job_leave(id);
    return;
  }
  if (S_ISREG(st.st_mode) && still_written(input)) {
    job_leave(id); /* a writer still has it open: the next rescan */
    return;
  }
  /* Staged files of an attempt that did not get to list its renames. */
  for (guint i = 0; i < 64; i++) {
    g_autofree char *f = staging_name(id, i);
    unlinkat(watch_state.staging_fd, f, 0);
  }
  /* Stored before the interruption: not stored again. (A job that is not
   * running has nothing in a commit on its way, so the index is final.) */
  e = mugai_store_get(watch_state.store, id, NULL);
  job_run(j, e != NULL);
  job_leave(id);
}

/* is_id - 26 Crockford base32 characters */
static gboolean
is_id(const char *s, gsize len)
{
  if (len != 26)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isdigit(s[i]) && !g_ascii_isupper(s[i]))
      return FALSE;
  return TRUE;
}

GPtrArray *
watch_jobs_pending(gboolean at_start)
{
  GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GHashTable) commits = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GDir) dir = g_dir_open(watch_state.work, 0, NULL);
  g_autoptr(GDir) sdir = NULL;
  const char *e;

  while (dir && (e = g_dir_read_name(dir))) {
    gsize n = strlen(e);
    if (n == 30 && g_str_has_suffix(e, ".job") && is_id(e, 26)) {
      g_autofree char *id = g_strndup(e, 26);
      g_autoptr(GError) error = NULL;
      gboolean commit = FALSE;
      g_autoptr(Job) j = NULL;
      if (job_running(id))
        continue;
      j = record_read(id, &commit, &error);
      if (j && commit)
        g_hash_table_add(commits, g_strdup(id));
      g_ptr_array_add(ids, g_steal_pointer(&id));
    } else if (!at_start)
      continue;
    else if (n == 34 && g_str_has_suffix(e, ".job.tmp") && is_id(e, 26)) {
      /* a record being replaced when the process died: the one before
       * it is still in place */
      unlinkat(watch_state.work_fd, e, 0);
    } else if (n == 32 && g_str_has_suffix(e, ".input") && is_id(e, 26)) {
      g_autofree char *id = g_strndup(e, 26);
      g_autofree char *record = record_name(id);
      struct stat st;
      if (fstatat(watch_state.work_fd, record, &st, 0) != 0)
        watch_log(LOG_ERR, "%s/%s: a claimed file without its job record; left for an operator",
                  watch_state.work, e);
    }
  }
  /* Staged outputs of jobs that had not listed their renames are
   * rewritten when the job is resumed. */
  sdir = at_start ? g_dir_open(watch_state.staging, 0, NULL) : NULL;
  while (sdir && (e = g_dir_read_name(sdir))) {
    g_autofree char *id = g_strndup(e, 26);
    if (strlen(e) > 27 && e[26] == '.' && is_id(id, 26) && g_hash_table_contains(commits, id))
      continue;
    unlinkat(watch_state.staging_fd, e, 0);
  }
  return ids;
}
