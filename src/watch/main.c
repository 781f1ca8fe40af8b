/*
 * main.c - mugai-watch: the drop folder.
 *
 *   mugai-watch -c CONFIG [--log-stderr] [--check] [--once]
 *
 * The main thread owns the folders: inotify on the drop folder and every
 * folder below it (to [watch] max_depth), a scan at start and every
 * [watch] rescan seconds (and after an inotify overflow), and the decision
 * that a file is complete: unchanged for [watch] settle milliseconds and
 * open for writing by nobody (a read lease can be taken). A complete file
 * goes to a pool of [watch] jobs threads, which claim and process it
 * (job.c). Signals arrive on a signalfd: SIGTERM and SIGINT stop (files
 * being processed finish; files not yet claimed stay for the next start),
 * SIGHUP reloads the configuration.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <locale.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <gio/gio.h>

#include "core/util.h"
#include "sandbox/office.h"
#include "sandbox/worker.h"
#include "watch/watch.h"

WatchState watch_state;
gint watch_stopping;

static gboolean log_stderr;

void
watch_log(int priority, const char *format, ...)
{
  va_list ap;
  g_autofree char *msg = NULL;

  va_start(ap, format);
  msg = mugai_one_line_vprintf(format, ap);
  va_end(ap);
  syslog(priority, "%s", msg);
}

static int die(const char *format, ...) G_GNUC_PRINTF(1, 2);

static int
die(const char *format, ...)
{
  va_list ap;
  g_autofree char *msg = NULL;

  va_start(ap, format);
  msg = mugai_one_line_vprintf(format, ap);
  va_end(ap);
  fprintf(stderr, "mugai-watch: %s\n", msg);
  if (!log_stderr)
    syslog(LOG_ERR, "%s", msg);
  return 1;
}

static int
usage(FILE *out, int status)
{
  fprintf(out,
          "usage: mugai-watch -c CONFIG [--log-stderr] [--check] [--once]\n"
          "  -c, --config CONFIG  the INI file shared with mugai ([watch]: docs/configuration.md)\n"
          "  --log-stderr         copy every log line to standard error\n"
          "  --check              validate the configuration and the folders, and exit\n"
          "  --once               finish interrupted work, take every file present, exit\n");
  return status;
}

/* ---- folders ---- */

/* A watched folder below the drop folder. */
typedef struct {
  char *rel; /* "" for the drop folder itself */
  int depth; /* -1: the drop folder with per-user folders; 0: a user folder
              * (or the drop folder without them); then one more per level */
  dev_t dev; /* the folder watched, to tell a move within the drop folder */
  ino_t ino; /* (watched again under its new name) from a move out of it */
} Folder;

static void
folder_free(gpointer p)
{
  Folder *f = p;

  g_free(f->rel);
  g_free(f);
}

/* A file seen and not yet handed to a job. */
typedef struct {
  gint64 due; /* monotonic microseconds: look again then */
  gint64 size, mtime_ns;
  gboolean known; /* size and mtime were recorded */
} Pending;

static struct {
  int inotify_fd;
  GHashTable *folders; /* wd -> Folder */
  GHashTable *pending; /* rel -> Pending */
  GHashTable *warned;  /* rel -> 1: logged once already */
  GMutex flight_lock;
  GHashTable *in_flight; /* rel -> 1: handed to a job */
  GHashTable *deferred;  /* rel -> 1: seen again while in flight (a new file
                          * dropped under the name of one being taken) */
  GThreadPool *pool;
  guint max_depth;
  gint64 settle_us;
  gint tasks; /* pushed to the pool and not finished */
  dev_t work_dev;
  ino_t work_ino;
} w;

/* hidden - names never taken: hidden files, Office lock files */
static gboolean
hidden(const char *name)
{
  return name[0] == '.' || g_str_has_prefix(name, "~$");
}

static char *
join(const char *rel, const char *name)
{
  return *rel ? g_strconcat(rel, "/", name, NULL) : g_strdup(name);
}

static void
warn_once(const char *rel, const char *what)
{
  if (g_hash_table_contains(w.warned, rel))
    return;
  g_hash_table_add(w.warned, g_strdup(rel));
  {
    g_autofree char *d = watch_display(rel);
    watch_log(LOG_WARNING, "%s/%s: %s", watch_state.drop, d, what);
  }
}

static gboolean
in_flight(const char *rel)
{
  gboolean yes;

  g_mutex_lock(&w.flight_lock);
  yes = g_hash_table_contains(w.in_flight, rel);
  g_mutex_unlock(&w.flight_lock);
  return yes;
}

/* Work for the pool: a file to take, or a job to resume. */
typedef struct {
  char *rel; /* a file below the drop folder, or NULL */
  char *id;  /* a job to resume, or NULL */
} Task;

static void
run_task(gpointer data, gpointer user_data)
{
  Task *t = data;

  (void)user_data;
  if (!g_atomic_int_get(&watch_stopping)) {
    if (t->rel)
      watch_job_new(t->rel);
    else
      watch_job_resume(t->id);
  }
  if (t->rel) {
    g_mutex_lock(&w.flight_lock);
    g_hash_table_remove(w.in_flight, t->rel);
    g_mutex_unlock(&w.flight_lock);
  }
  g_free(t->rel);
  g_free(t->id);
  g_free(t);
  g_atomic_int_dec_and_test(&w.tasks);
}

static void
dispatch(const char *rel)
{
  Task *t = g_new0(Task, 1);

  g_hash_table_remove(w.pending, rel);
  g_mutex_lock(&w.flight_lock);
  g_hash_table_add(w.in_flight, g_strdup(rel));
  g_mutex_unlock(&w.flight_lock);
  t->rel = g_strdup(rel);
  g_atomic_int_inc(&w.tasks);
  g_thread_pool_push(w.pool, t, NULL);
}

/* note - REL's size and modification time into P; FALSE when it changed
 * since the last note */
static gboolean
note(const char *rel, Pending *p)
{
  g_autofree char *path = g_build_filename(watch_state.drop, rel, NULL);
  struct stat st;
  gint64 mtime;
  gboolean same;

  if (lstat(path, &st) != 0)
    return FALSE;
  mtime = (gint64)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
  same = p->known && p->size == (gint64)st.st_size && p->mtime_ns == mtime;
  p->known = TRUE;
  p->size = (gint64)st.st_size;
  p->mtime_ns = mtime;
  return same;
}

/* candidate - REL (a non-directory) seen: look at it once it has settled */
static void
candidate(const char *rel)
{
  Pending *p;

  if (in_flight(rel)) {
    g_hash_table_add(w.deferred, g_strdup(rel));
    return;
  }
  p = g_hash_table_lookup(w.pending, rel);
  if (!p) {
    p = g_new0(Pending, 1);
    g_hash_table_insert(w.pending, g_strdup(rel), p);
  }
  note(rel, p);
  p->due = g_get_monotonic_time() + w.settle_us;
}

static void scan(const char *rel, int depth);

/* add_folder - watch REL (a folder at DEPTH) and take what is in it */
static void
add_folder(const char *rel, int depth)
{
  g_autofree char *path
      = *rel ? g_build_filename(watch_state.drop, rel, NULL) : g_strdup(watch_state.drop);
  int wd = -1;

  if (w.inotify_fd >= 0) {
    wd = inotify_add_watch(w.inotify_fd, path,
                           IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_ATTRIB | IN_DELETE_SELF
                               | IN_MOVE_SELF | IN_ONLYDIR | IN_DONT_FOLLOW | IN_EXCL_UNLINK);
    if (wd < 0) {
      int saved = errno;
      g_autofree char *d = watch_display(path);
      watch_log(LOG_ERR, "%s: cannot watch it: %s%s", d, g_strerror(saved),
                saved == ENOSPC ? " (raise fs.inotify.max_user_watches)" : "");
    } else {
      Folder *f = g_new0(Folder, 1);
      struct stat st;
      f->rel = g_strdup(rel);
      f->depth = depth;
      if (lstat(path, &st) == 0) {
        f->dev = st.st_dev;
        f->ino = st.st_ino;
      }
      g_hash_table_replace(w.folders, GINT_TO_POINTER(wd), f);
    }
  }
  scan(rel, depth);
}

/* entry - NAME found in folder REL at DEPTH, a folder when IS_DIR */
static void
entry(const char *rel, int depth, const char *name, gboolean is_dir)
{
  g_autofree char *child = join(rel, name);

  if (hidden(name))
    return;
  if (is_dir) {
    struct stat st;
    g_autofree char *path = g_build_filename(watch_state.drop, child, NULL);
    if (lstat(path, &st) == 0 && st.st_dev == w.work_dev && st.st_ino == w.work_ino)
      return;
    if (depth + 1 > (int)w.max_depth) {
      warn_once(child, "deeper than [watch] max_depth; not watched");
      return;
    }
    add_folder(child, depth + 1);
    return;
  }
  if (depth < 0) {
    warn_once(child, "not in a user folder ([watch] per_user = true); left in place");
    return;
  }
  candidate(child);
}

static void
scan(const char *rel, int depth)
{
  int fd = watch_open_dir(watch_state.drop_fd, rel, FALSE, 0, (uid_t)-1, (gid_t)-1);
  DIR *d;
  struct dirent *e;

  if (fd < 0)
    return;
  d = fdopendir(fd);
  if (!d) {
    close(fd);
    return;
  }
  while ((e = readdir(d))) {
    struct stat st;
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
      continue;
    if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
      continue;
    entry(rel, depth, e->d_name, S_ISDIR(st.st_mode));
  }
  closedir(d);
}

static void
rescan(void)
{
  add_folder("", watch_state.per_user ? -1 : 0);
}

/* writer_open - whether a process has REL open for writing: a read lease
 * cannot be had then. Without the right to take leases (not the owner and
 * no CAP_LEASE) the settle time alone decides. */
static gboolean
writer_open(const char *rel)
{
  g_autofree char *dir = g_path_get_dirname(rel);
  g_autofree char *base = g_path_get_basename(rel);
  int pfd = watch_open_dir(watch_state.drop_fd, strcmp(dir, ".") ? dir : "", FALSE, 0, (uid_t)-1,
                           (gid_t)-1);
  int fd;
  gboolean busy = FALSE;

  if (pfd < 0)
    return FALSE;
  fd = openat(pfd, base, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
  close(pfd);
  if (fd < 0)
    return FALSE;
  if (fcntl(fd, F_SETLEASE, F_RDLCK) == 0)
    fcntl(fd, F_SETLEASE, F_UNLCK);
  else if (errno == EAGAIN)
    busy = TRUE;
  close(fd);
  return busy;
}

/* look - the pending files that are due: gone, changed, busy or ready */
static gint64
look(void)
{
  gint64 now = g_get_monotonic_time(), next = G_MAXINT64;
  g_autoptr(GPtrArray) ready = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GPtrArray) again = g_ptr_array_new_with_free_func(g_free);
  GHashTableIter it;
  gpointer key, value;

  g_hash_table_iter_init(&it, w.deferred);
  while (g_hash_table_iter_next(&it, &key, NULL))
    if (!in_flight(key)) {
      g_ptr_array_add(again, g_strdup(key));
      g_hash_table_iter_remove(&it);
    } else
      next = MIN(next, now + 100 * 1000);
  for (guint i = 0; i < again->len; i++)
    candidate(g_ptr_array_index(again, i));
  if (again->len)
    next = MIN(next, now + w.settle_us);

  g_hash_table_iter_init(&it, w.pending);
  while (g_hash_table_iter_next(&it, &key, &value)) {
    Pending *p = value;
    g_autofree char *path = NULL;
    struct stat st;
    if (p->due > now) {
      next = MIN(next, p->due);
      continue;
    }
    path = g_build_filename(watch_state.drop, (char *)key, NULL);
    if (lstat(path, &st) != 0) {
      g_hash_table_iter_remove(&it);
      continue;
    }
    if (!S_ISREG(st.st_mode)) {
      g_ptr_array_add(ready, g_strdup(key));
      continue;
    }
    if (!note(key, p)) {
      /* still changing */
      p->due = now + MAX(w.settle_us, 50 * 1000);
      next = MIN(next, p->due);
      continue;
    }
    if (writer_open(key)) {
      p->due = now + MAX(w.settle_us, 100 * 1000);
      next = MIN(next, p->due);
      continue;
    }
    g_ptr_array_add(ready, g_strdup(key));
  }
  for (guint i = 0; i < ready->len; i++)
    dispatch(g_ptr_array_index(ready, i));
  return next;
}

/* events - what inotify reported */
static void
events(void)
{
  char buf[64 * 1024] __attribute__((aligned(__alignof__(struct inotify_event))));
  ssize_t n;

  while ((n = read(w.inotify_fd, buf, sizeof buf)) > 0) {
    for (char *p = buf; p < buf + n;) {
      const struct inotify_event *ev = (const struct inotify_event *)p;
      Folder *f = g_hash_table_lookup(w.folders, GINT_TO_POINTER(ev->wd));
      p += sizeof *ev + ev->len;
      if (ev->mask & IN_Q_OVERFLOW) {
        watch_log(LOG_WARNING, "inotify queue overflow: rescanning");
        rescan();
        continue;
      }
      if (!f)
        continue;
      if (ev->mask & IN_IGNORED) {
        g_hash_table_remove(w.folders, GINT_TO_POINTER(ev->wd));
        continue;
      }
      if (ev->mask & IN_MOVE_SELF) {
        /* Moved within the drop folder, it was watched again under its
         * new name when the move arrived at its new parent (same watch):
         * its folder is still where the watch says. Moved out, it is
         * not: forget it. */
        g_autofree char *path = *f->rel ? g_build_filename(watch_state.drop, f->rel, NULL)
                                        : g_strdup(watch_state.drop);
        struct stat st;
        if (lstat(path, &st) == 0 && st.st_dev == f->dev && st.st_ino == f->ino)
          continue;
        inotify_rm_watch(w.inotify_fd, ev->wd);
        g_hash_table_remove(w.folders, GINT_TO_POINTER(ev->wd));
        continue;
      }
      if (ev->mask & IN_DELETE_SELF) {
        inotify_rm_watch(w.inotify_fd, ev->wd);
        g_hash_table_remove(w.folders, GINT_TO_POINTER(ev->wd));
        continue;
      }
      if (!ev->len)
        continue;
      if ((ev->mask & IN_ISDIR) && (ev->mask & (IN_CREATE | IN_MOVED_TO))) {
        g_autofree char *rel = g_strdup(f->rel);
        int depth = f->depth;
        entry(rel, depth, ev->name, TRUE);
      } else if (!(ev->mask & IN_ISDIR))
        entry(f->rel, f->depth, ev->name, FALSE);
    }
  }
}

/* ---- start ---- */

/* open_path_dir - PATH as a directory descriptor (no symbolic link at the
 * end), or -1 with ERROR naming WHAT */
static int
open_path_dir(const char *path, const char *what, GError **error)
{
  int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

  if (fd < 0) {
    int saved = errno;
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved), "%s %s: %s", what, path,
                g_strerror(saved));
  }
  return fd;
}

/* prepare - the folders of CONFIG opened and checked */
static gboolean
prepare(const MugaiConfig *c, GError **error)
{
  struct stat a, b;

  if (!c->watch.drop_dir || !c->watch.out_dir) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                "%s: [watch] drop_dir and out_dir must both be set",
                c->source ? c->source : "configuration");
    return FALSE;
  }
  watch_state.drop = g_strdup(c->watch.drop_dir);
  watch_state.out = g_strdup(c->watch.out_dir);
  watch_state.work = c->watch.work_dir ? g_strdup(c->watch.work_dir)
                                       : g_build_filename(watch_state.drop, ".mugai-work", NULL);
  watch_state.staging = g_build_filename(watch_state.out, ".mugai-staging", NULL);
  watch_state.failed = g_build_filename(watch_state.work, "failed", NULL);
  watch_state.per_user = c->watch.per_user;
  watch_state.drop_fd = open_path_dir(watch_state.drop, "[watch] drop_dir", error);
  if (watch_state.drop_fd < 0)
    return FALSE;
  watch_state.out_fd = open_path_dir(watch_state.out, "[watch] out_dir", error);
  if (watch_state.out_fd < 0)
    return FALSE;
  if (fstat(watch_state.drop_fd, &a) == 0 && fstat(watch_state.out_fd, &b) == 0
      && a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                "[watch] drop_dir and out_dir are the same folder");
    return FALSE;
  }
  {
    g_autofree char *d = realpath(watch_state.drop, NULL);
    g_autofree char *o = realpath(watch_state.out, NULL);
    g_autofree char *ds = d ? g_strconcat(d, "/", NULL) : NULL;
    g_autofree char *os = o ? g_strconcat(o, "/", NULL) : NULL;
    if (ds && os && (g_str_has_prefix(os, ds) || g_str_has_prefix(ds, os))) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                  "[watch] drop_dir %s and out_dir %s overlap (one is inside the other)", d, o);
      return FALSE;
    }
  }
  if ((g_mkdir_with_parents(watch_state.work, 0700) != 0
       || g_mkdir_with_parents(watch_state.failed, 0700) != 0)
      || (mkdir(watch_state.staging, 0700) != 0 && errno != EEXIST)) {
    int saved = errno;
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved), "cannot create %s or %s: %s",
                watch_state.work, watch_state.staging, g_strerror(saved));
    return FALSE;
  }
  watch_state.work_fd = open_path_dir(watch_state.work, "[watch] work_dir", error);
  if (watch_state.work_fd < 0)
    return FALSE;
  watch_state.staging_fd = open_path_dir(watch_state.staging, "staging folder", error);
  if (watch_state.staging_fd < 0)
    return FALSE;
  if (fstat(watch_state.work_fd, &b) != 0 || a.st_dev != b.st_dev) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                "[watch] work_dir %s is not on the file system of drop_dir %s (files are claimed "
                "by renaming them there)",
                watch_state.work, watch_state.drop);
    return FALSE;
  }
  w.work_dev = b.st_dev;
  w.work_ino = b.st_ino;
  {
    struct stat o;
    watch_state.same_fs = fstat(watch_state.out_fd, &o) == 0 && o.st_dev == b.st_dev;
  }
  return TRUE;
}

/* lock_work - only one watcher per work folder */
static gboolean
lock_work(GError **error)
{
  int fd = openat(watch_state.work_fd, "lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

  char pid[32] = "";
  ssize_t n;

  if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int saved = errno;
    if (fd >= 0 && saved == EWOULDBLOCK && (n = pread(fd, pid, sizeof pid - 1, 0)) > 0)
      pid[strcspn(pid, "\n")] = 0;
    g_set_error(
        error, G_IO_ERROR, g_io_error_from_errno(saved), "%s/lock: %s%s%s%s", watch_state.work,
        saved == EWOULDBLOCK ? "another mugai-watch is using this work folder" : g_strerror(saved),
        *pid ? " (pid " : "", pid, *pid ? ")" : "");
    return FALSE;
  }
  /* Who holds it, for the message above. */
  g_snprintf(pid, sizeof pid, "%d\n", (int)getpid());
  if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, strlen(pid), 0) < 0)
    watch_log(LOG_WARNING, "%s/lock: cannot record the pid: %s", watch_state.work,
              g_strerror(errno));
  return TRUE; /* held until exit */
}

/* crash_from_env - the test hook MUGAI_WATCH_CRASH, in builds with tests
 * only; the names in WatchCrash order */
static WatchCrash
crash_from_env(void)
{
#ifdef MUGAI_WATCH_FAULTS
  static const char *const names[] = { "", "claim", "store", "journal", "rename", "logged" };
  const char *f = g_getenv("MUGAI_WATCH_CRASH");
  for (guint i = 1; f && i < G_N_ELEMENTS(names); i++)
    if (!strcmp(f, names[i]))
      return (WatchCrash)i;
#endif
  return WATCH_CRASH_NONE;
}

/* reload - SIGHUP */
static void
reload(const char *config_path)
{
  g_autoptr(GError) error = NULL;
  MugaiConfig *c = mugai_config_load(config_path, &error);
  MugaiSharedConfig *old;

  if (!c) {
    watch_log(LOG_ERR, "reload failed, keeping the configuration in force: %s", error->message);
    return;
  }
  old = mugai_config_in_force();
  if (g_strcmp0(c->watch.drop_dir, old->config->watch.drop_dir)
      || g_strcmp0(c->watch.out_dir, old->config->watch.out_dir)
      || g_strcmp0(c->watch.work_dir, old->config->watch.work_dir)
      || c->watch.per_user != old->config->watch.per_user
      || c->watch.jobs != old->config->watch.jobs
      || g_strcmp0(c->state_dir, old->config->state_dir))
    watch_log(LOG_WARNING, "reloaded; [watch] folders, per_user, jobs and [paths] state_dir "
                           "change only at a restart (restart needed)");
  else
    watch_log(LOG_INFO, "reloaded %s", config_path);
  w.settle_us = (gint64)c->watch.settle_ms * 1000;
  w.max_depth = c->watch.max_depth;
  mugai_shared_config_unref(old);
  mugai_config_put_in_force(c);
}

/* resume - the jobs a crash, a stop or a failure left in the work
 * folder, before anything new; AT_START also clears what only a dead
 * process can have left */
static guint
resume(gboolean at_start)
{
  g_autoptr(GPtrArray) ids = watch_jobs_pending(at_start);

  for (guint i = 0; i < ids->len; i++) {
    Task *t = g_new0(Task, 1);
    t->id = g_strdup(ids->pdata[i]);
    g_atomic_int_inc(&w.tasks);
    g_thread_pool_push(w.pool, t, NULL);
  }
  return ids->len;
}

static guint
busy(void)
{
  return (guint)g_atomic_int_get(&w.tasks);
}

int
main(int argc, char **argv)
{
  static const struct option options[] = {
    { "config", required_argument, NULL, 'c' }, { "log-stderr", no_argument, NULL, 'L' },
    { "check", no_argument, NULL, 'C' },        { "once", no_argument, NULL, 'O' },
    { "help", no_argument, NULL, 'h' },         { NULL, 0, NULL, 0 },
  };
  g_autofree char *config_path = NULL;
  g_autoptr(GError) error = NULL;
  gboolean check = FALSE, once = FALSE;
  MugaiConfig *c;
  sigset_t mask;
  int sfd, opt;
  guint jobs, resumed;
  gint64 next_rescan;
  gboolean stop = FALSE;

  setlocale(LC_ALL, "");
  opterr = 0; /* our own one-line messages */
  while ((opt = getopt_long(argc, argv, ":c:h", options, NULL)) != -1) {
    switch (opt) {
    case 'c':
      g_free(config_path);
      config_path = g_strdup(optarg);
      break;
    case 'L':
      log_stderr = TRUE;
      break;
    case 'C':
      check = TRUE;
      break;
    case 'O':
      once = TRUE;
      break;
    case 'h':
      return usage(stdout, 0);
    case ':':
      fprintf(stderr, "mugai-watch: %s needs a value\n", argv[optind - 1]);
      return usage(stderr, 2);
    default:
      fprintf(stderr, "mugai-watch: unknown option %s\n", argv[optind - 1]);
      return usage(stderr, 2);
    }
  }
  if (optind < argc) {
    fprintf(stderr, "mugai-watch: unexpected argument \"%s\"\n", argv[optind]);
    return usage(stderr, 2);
  }
  if (!config_path) {
    fprintf(stderr, "mugai-watch: missing -c CONFIG ([watch] drop_dir and out_dir are needed)\n");
    return usage(stderr, 2);
  }
  openlog("mugai-watch", LOG_PID | LOG_NDELAY | (log_stderr ? LOG_PERROR : 0), LOG_DAEMON);
  c = mugai_config_load(config_path, &error);
  if (!c)
    return die("%s", error->message);
  if (!prepare(c, &error)) {
    mugai_config_free(c);
    return die("%s", error->message);
  }
  if (check) {
    printf("%s: ok (drop %s, out %s, work %s)\n", config_path, watch_state.drop, watch_state.out,
           watch_state.work);
    mugai_config_free(c);
    return 0;
  }
  if (!lock_work(&error)) {
    mugai_config_free(c);
    return die("%s", error->message);
  }
#ifndef __SANITIZE_ADDRESS__
  /* No core file with users' documents in it. */
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
#endif
  /* Before any thread: the stop and reload signals come through the
   * signalfd only; a lease broken by a writer is not our business. */
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  sigaddset(&mask, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &mask, NULL);
  signal(SIGIO, SIG_IGN);
  signal(SIGPIPE, SIG_IGN);
  sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sfd < 0)
    return die("signalfd: %s", g_strerror(errno));

  watch_state.store = mugai_store_open(c, &error);
  if (!watch_state.store)
    return die("%s", error->message);
  watch_state.committer = mugai_committer_new(watch_state.store, &error);
  if (!watch_state.committer)
    return die("%s", error->message);
  watch_state.crash = crash_from_env();
  watch_state.as_root = geteuid() == 0;
  watch_state.reserved = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  watch_state.jobs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  w.folders = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, folder_free);
  w.pending = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  w.warned = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  w.in_flight = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  w.deferred = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  w.settle_us = (gint64)c->watch.settle_ms * 1000;
  w.max_depth = c->watch.max_depth;
  /* A job mostly waits (for a worker, for the disk): four per core keep
   * the cores busy and let flushes and quarantine commits group. */
  jobs = c->watch.jobs ? c->watch.jobs : 4 * (guint)MAX(1, g_get_num_processors());
  mugai_config_put_in_force(c);
  w.pool = g_thread_pool_new(run_task, NULL, (gint)jobs, TRUE, &error);
  if (!w.pool)
    return die("%s", error->message);

  resumed = resume(TRUE);
  if (resumed)
    watch_log(LOG_INFO, "resumed %u interrupted file%s", resumed, resumed == 1 ? "" : "s");
  w.inotify_fd = once ? -1 : inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (!once && w.inotify_fd < 0)
    return die("inotify: %s", g_strerror(errno));
  rescan();
  if (once)
    watch_log(LOG_INFO, "ready: taking what is in %s once, output %s, %u jobs", watch_state.drop,
              watch_state.out, jobs);
  else
    watch_log(LOG_INFO, "ready: watching %s (%u folders), output %s, %u jobs", watch_state.drop,
              g_hash_table_size(w.folders), watch_state.out, jobs);
  next_rescan = c->watch.rescan_s
                    ? g_get_monotonic_time() + (gint64)c->watch.rescan_s * G_USEC_PER_SEC
                    : G_MAXINT64;

  while (!stop) {
    gint64 next = look(), now = g_get_monotonic_time();
    struct pollfd fds[2] = { { sfd, POLLIN, 0 }, { w.inotify_fd, POLLIN, 0 } };
    int timeout;
    if (once && g_hash_table_size(w.pending) == 0 && g_hash_table_size(w.deferred) == 0
        && busy() == 0)
      break;
    if (once && next == G_MAXINT64)
      next = now + 50 * 1000; /* wait for the jobs */
    next = MIN(next, next_rescan);
    timeout = next == G_MAXINT64 ? -1 : (int)MIN((next - now + 999) / 1000, 60 * 1000);
    if (timeout < 0 && next != G_MAXINT64)
      timeout = 0;
    if (poll(fds, w.inotify_fd >= 0 ? 2 : 1, timeout) < 0 && errno != EINTR)
      return die("poll: %s", g_strerror(errno));
    if (fds[0].revents & POLLIN) {
      struct signalfd_siginfo si;
      while (read(sfd, &si, sizeof si) == sizeof si) {
        if (si.ssi_signo == SIGHUP)
          reload(config_path);
        else
          stop = TRUE;
      }
    }
    if (w.inotify_fd >= 0 && (fds[1].revents & POLLIN))
      events();
    if (g_get_monotonic_time() >= next_rescan) {
      MugaiSharedConfig *wc = mugai_config_in_force();
      guint n = resume(FALSE);
      if (n)
        watch_log(LOG_INFO, "retrying %u interrupted file%s", n, n == 1 ? "" : "s");
      rescan();
      next_rescan
          = wc->config->watch.rescan_s
                ? g_get_monotonic_time() + (gint64)wc->config->watch.rescan_s * G_USEC_PER_SEC
                : G_MAXINT64;
      mugai_shared_config_unref(wc);
    }
  }

  if (stop)
    watch_log(LOG_INFO, "stopping: letting %u file%s being sanitised finish", busy(),
              busy() == 1 ? "" : "s");
  g_atomic_int_set(&watch_stopping, 1);
  g_thread_pool_free(w.pool, FALSE, TRUE);
  mugai_committer_free(watch_state.committer);
  mugai_store_free(watch_state.store);
  mugai_office_shutdown();
  g_hash_table_unref(w.folders);
  g_hash_table_unref(w.pending);
  g_hash_table_unref(w.warned);
  g_hash_table_unref(w.in_flight);
  g_hash_table_unref(w.deferred);
  g_hash_table_unref(watch_state.reserved);
  g_hash_table_unref(watch_state.jobs);
  if (w.inotify_fd >= 0)
    close(w.inotify_fd);
  close(sfd);
  mugai_config_put_in_force(NULL);
  watch_log(LOG_INFO, "stopped");
  return 0;
}
