/*
 * worker.c - start a sandboxed worker, read its frames, end it.
 *
 * The worker program is exec'd fresh for every input (posix_spawn: no
 * state shared with this process, safe from a threaded milter), with four
 * descriptors and nothing else: 0 a socket for the plan, 1 a pipe for
 * frames, 2 a pipe for diagnostics, 3 a sealed memfd holding the input. Its
 * environment is empty but for the locale (and sanitizer options in test
 * builds). Everything it sends is checked here before anyone uses it; a
 * deadline bounds how long it may take, and it is killed when passed.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox/worker.h"

#ifndef MUGAI_LIBEXECDIR
#define MUGAI_LIBEXECDIR "/usr/local/libexec/mugai"
#endif

#define MAX_SIDE      10000
#define MAX_PAGE_MPT  14400000u /* 200 inches */
#define STDERR_KEEP   MUGAI_SANDBOX_DIAG_KEEP
#define PIPE_CAPACITY (1 << 20)

extern char **environ;

struct _MugaiWorker {
  const MugaiConfig *config;
  char *mode;
  pid_t pid;
  int plan_fd;     /* our end of the plan socket */
  int frames_fd;   /* read end */
  int err_fd;      /* read end, or -1 once closed */
  gint64 deadline; /* monotonic microseconds */
  gboolean seen_magic, seen_doc, seen_end, killed_by_us;
  gboolean members;  /* an archive worker: MEMBER and DATA frames, no DOC */
  guint32 n_members; /* MEMBER frames so far */
  gboolean in_file;  /* the last MEMBER was a FILE: DATA may follow */
  guint64 total_pixels;
  guint8 *buf; /* pixels or text of the current frame */
  gsize buf_size;
  GString *diag; /* first STDERR_KEEP bytes of its standard error */
  MugaiPixelSink sink;
  gpointer sink_data;
};

G_DEFINE_QUARK(mugai - sandbox - error - quark, mugai_sandbox_error)

static GMutex pool_lock;
static GCond pool_cond;
static guint pool_used;

guint
mugai_sandbox_pool_size(const MugaiConfig *config)
{
  guint n = config->sandbox.pool_size;

  return n ? n : MAX(1u, g_get_num_processors());
}

gboolean
mugai_sandbox_acquire(const MugaiConfig *config, GError **error)
{
  guint size = mugai_sandbox_pool_size(config);

  g_mutex_lock(&pool_lock);
  while (pool_used >= size) {
    if (!config->deadline)
      g_cond_wait(&pool_cond, &pool_lock);
    else if (!g_cond_wait_until(&pool_cond, &pool_lock, config->deadline) && pool_used >= size) {
      g_mutex_unlock(&pool_lock);
      g_set_error(error, MUGAI_SANDBOX_ERROR, MUGAI_SANDBOX_ERROR_TIMEOUT,
                  "no worker became free before the deadline");
      return FALSE;
    }
  }
  pool_used++;
  g_mutex_unlock(&pool_lock);
  return TRUE;
}

gboolean
mugai_sandbox_try_acquire(const MugaiConfig *config)
{
  gboolean ok;

  g_mutex_lock(&pool_lock);
  ok = pool_used < mugai_sandbox_pool_size(config);
  if (ok)
    pool_used++;
  g_mutex_unlock(&pool_lock);
  return ok;
}

void
mugai_sandbox_release(void)
{
  g_mutex_lock(&pool_lock);
  g_assert(pool_used > 0);
  pool_used--;
  g_cond_signal(&pool_cond);
  g_mutex_unlock(&pool_lock);
}

char *
mugai_sandbox_worker_path(const MugaiConfig *config)
{
  const char *env = g_getenv("MUGAI_WORKER");
  g_autofree char *self = NULL;

  if (config->sandbox.worker)
    return g_strdup(config->sandbox.worker);
  if (env && *env)
    return g_strdup(env);
  /* A build tree or a relocated install: the worker beside the binary. */
  self = g_file_read_link("/proc/self/exe", NULL);
  if (self) {
    g_autofree char *dir = g_path_get_dirname(self);
    char *beside = g_build_filename(dir, "mugai-worker", NULL);
    if (g_file_test(beside, G_FILE_TEST_IS_EXECUTABLE))
      return beside;
    g_free(beside);
  }
  return g_strdup(MUGAI_LIBEXECDIR "/mugai-worker");
}

/* mode_worker - the lean one-mode worker (mugai-worker-image, ...) beside
 * the worker mugai would start, when there is one; else that worker
 * (transfer full) */
static char *
mode_worker(const MugaiConfig *config, const char *mode)
{
  g_autofree char *path = mugai_sandbox_worker_path(config);
  g_autofree char *lean = NULL;

  if (strcmp(mode, "image") != 0 && strcmp(mode, "archive") != 0)
    return g_steal_pointer(&path);
  lean = g_strdup_printf("%s-%s", path, mode);
  if (g_file_test(lean, G_FILE_TEST_IS_EXECUTABLE))
    return g_steal_pointer(&lean);
  return g_steal_pointer(&path);
}

/* input_fd - DATA in a sealed memfd (the worker maps it read-only) */
static int
input_fd(GBytes *data, GError **error)
{
  gsize len;
  const guint8 *p = g_bytes_get_data(data, &len);
  int fd = memfd_create("mugai-input", MFD_CLOEXEC | MFD_ALLOW_SEALING);

  if (fd < 0) {
    g_set_error(error, MUGAI_SANDBOX_ERROR, MUGAI_SANDBOX_ERROR_SPAWN, "memfd_create: %s",
                g_strerror(errno));
    return -1;
  }
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      g_set_error(error, MUGAI_SANDBOX_ERROR, MUGAI_SANDBOX_ERROR_SPAWN, "memfd write: %s",
                  g_strerror(n < 0 ? errno : EIO));
      close(fd);
      return -1;
    }
    p += n;
    len -= (gsize)n;
  }
  fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL);
  return fd;
}

/* high_fd - FD moved to 10 or above (so that dup2 onto 0..3 always
 * clears close-on-exec), closing the original */
static int
high_fd(int fd)
{
  int h = fcntl(fd, F_DUPFD_CLOEXEC, 10);

  close(fd);
  return h;
}

/* worker_env - the locale and, in sanitizer builds, their options */
static GStrv
worker_env(void)
{
  static const char *const pass[] = { "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", NULL };
  GPtrArray *env = g_ptr_array_new();

  g_ptr_array_add(env, g_strdup("LANG=C.UTF-8"));
  for (guint i = 0; pass[i]; i++) {
    const char *v = g_getenv(pass[i]);
    /* A worker runs against a memory limit by design: under ASan, a
     * refused allocation is the parser's failure to report, not ASan's. */
    if (v && i == 0)
      g_ptr_array_add(env, g_strdup_printf("%s=%s:allocator_may_return_null=1", pass[i], v));
    else if (v)
      g_ptr_array_add(env, g_strdup_printf("%s=%s", pass[i], v));
  }
  g_ptr_array_add(env, NULL);
  return (GStrv)g_ptr_array_free(env, FALSE);
}

/* send_password - the preamble every worker reads first: a u32 length
 * and that many bytes (0: no password) */
static gboolean
send_password(MugaiWorker *w, const char *password, GError **error)
{
  gsize len = password ? MIN(strlen(password), MUGAI_WIRE_PASSWORD_MAX) : 0;
  g_autofree unsigned char *buf = g_malloc(4 + len);

  mugai_wire_put32(buf, (guint32)len);
  if (len)
    memcpy(buf + 4, password, len);
  if (send(w->plan_fd, buf, 4 + len, MSG_NOSIGNAL) != (ssize_t)(4 + len)) {
    g_set_error(error, MUGAI_SANDBOX_ERROR, MUGAI_SANDBOX_ERROR_SPAWN,
                "%s worker went away before it started", w->mode);
    memset(buf, 0, 4 + len);
    return FALSE;
  }
  memset(buf, 0, 4 + len);
  return TRUE;
}

MugaiWorker *
mugai_worker_spawn(const MugaiConfig *config, const char *mode, GBytes *data,
                   const char *const *extra, const char *password, GError **error)
{
  const MugaiSandboxConfig *sb = &config->sandbox;
  g_autofree char *path = mode_worker(config, mode);
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
  g_auto(GStrv) envp = worker_env();
  int frames[2] = { -1, -1 }, diag[2] = { -1, -1 }, plan[2] = { -1, -1 }, in = -1;
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  sigset_t none, all;
  guint64 cpu;
  MugaiWorker *w;
  pid_t pid;
  int rc;

  in = input_fd(data, error);
  if (in < 0)
    return NULL;
  if (pipe2(frames, O_CLOEXEC) != 0 || pipe2(diag, O_CLOEXEC) != 0
      || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, plan) != 0) {
    g_set_error(error, MUGAI_SANDBOX_ERROR, MUGAI_SANDBOX_ERROR_SPAWN, "pipe: %s",
                g_strerror(errno));
    for (int i = 0; i < 2; i++) {
      if (frames[i] >= 0)
        close(frames[i]);
      if (diag[i] >= 0)
        close(diag[i]);
    }
    close(in);
    return NULL;
  }
  fcntl(frames[0], F_SETPIPE_SZ, PIPE_CAPACITY);
  frames[1] = high_fd(frames[1]);
  diag[1] = high_fd(diag[1]);
  plan[1] = high_fd(plan[1]);
  in = high_fd(in);

  /* CPU time is capped at what the longest allowed document may take;
   * the wall-clock deadline is the tighter bound. */
  cpu = (sb->timeout_ms + (guint64)sb->timeout_per_page_ms * sb->max_pages) / 1000 + 1;
  g_ptr_array_add(argv, g_strdup(path));
  g_ptr_array_add(argv, g_strdup(mode));
  g_ptr_array_add(argv, g_strdup_printf("--dpi=%u", sb->dpi));
  g_ptr_array_add(argv, g_strdup_printf("--max-pages=%u", sb->max_pages));
  g_ptr_array_add(argv,
                  g_strdup_printf("--max-page-pixels=%" G_GUINT64_FORMAT, sb->max_page_pixels));
  g_ptr_array_add(argv, g_strdup_printf("--memory=%" G_GUINT64_FORMAT, sb->memory_limit));
  g_ptr_array_add(argv, g_strdup_printf("--cpu=%" G_GUINT64_FORMAT, MIN(cpu, 86400)));
  for (guint i = 0; extra && extra[i]; i++)
    g_ptr_array_add(argv, g_strdup(extra[i]));
  g_ptr_array_add(argv, NULL);

  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, plan[1], 0);
  posix_spawn_file_actions_adddup2(&fa, frames[1], 1);
  posix_spawn_file_actions_adddup2(&fa, diag[1], 2);
  posix_spawn_file_actions_adddup2(&fa, in, 3);
  posix_spawn_file_actions_addclosefrom_np(&fa, 4);
  posix_spawnattr_init(&attr);
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  rc = posix_spawn(&pid, path, &fa, &attr, (char *const *)argv->pdata, envp);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  close(frames[1]);
  close(diag[1]);
  close(plan[1]);
  close(in);
  if (rc != 0) {
    g_set_error(error, MUGAI_SANDBOX_ERROR, MUGAI_SANDBOX_ERROR_SPAWN, "cannot start %s: %s", path,
                g_strerror(rc));
    close(frames[0]);
    close(diag[0]);
    close(plan[0]);
    return NULL;
  }
  w = g_new0(MugaiWorker, 1);
  w->config = config;
  w->mode = g_strdup(mode);
  w->members = !strcmp(mode, "archive");
  w->pid = pid;
  w->plan_fd = plan[0];
  w->frames_fd = frames[0];
  w->err_fd = diag[0];
  w->diag = g_string_new(NULL);
  mugai_worker_set_deadline(w, sb->timeout_ms);
  if (!send_password(w, password, error)) {
    mugai_worker_close(w, TRUE, NULL);
    return NULL;
  }
  return w;
}

void
mugai_worker_set_deadline(MugaiWorker *worker, guint64 ms)
{
  worker->deadline = g_get_monotonic_time() + (gint64)MIN(ms, G_GUINT64_CONSTANT(1) << 40) * 1000;
  if (worker->config->deadline && worker->config->deadline < worker->deadline)
    worker->deadline = worker->config->deadline;
}

/* reap - wait for the worker to exit, killing it if it lingers; returns the
 * wait status */
static int
reap(MugaiWorker *w, gboolean kill_first)
{
  int status = 0;

  if (w->pid <= 0)
    return 0;
  if (kill_first) {
    kill(w->pid, SIGKILL);
    w->killed_by_us = TRUE;
  } else {
    /* It closed its output: it is exiting. Give it a moment, not forever. */
    for (int i = 0; i < 2000; i++) {
      pid_t r = waitpid(w->pid, &status, WNOHANG);
      if (r == w->pid) {
        w->pid = 0;
        return status;
      }
      if (r < 0 && errno != EINTR) {
        w->pid = 0;
        return 0;
      }
      g_usleep(1000);
    }
    kill(w->pid, SIGKILL);
    w->killed_by_us = TRUE;
  }
  while (waitpid(w->pid, &status, 0) < 0 && errno == EINTR)
    ;
  w->pid = 0;
  return status;
}

/* death_error - why a worker that stopped talking is gone */
static void
death_error(MugaiWorker *w, int status, GError **error)
{
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    if (sig == SIGSYS)
      g_set_error(error, MUGAI_SANDBOX_ERROR, MUGAI_SANDBOX_ERROR_CRASHED,
                  "%s worker made a forbidden system call and was killed by the sandbox", w->mode);
    else if (sig == SIGXCPU)
      g_set_error(error, MUGAI_SANDBOX_ERROR, MUGAI_SANDBOX_ERROR_TIMEOUT,
                  "%s worker exceeded its CPU time limit", w->mode);
    else
      g_set_error(error, MUGAI_SANDBOX_ERROR, MUGAI_SANDBOX_ERROR_CRASHED,
                  "%s worker died of signal %d (%s)", w->mode, sig, g_strsignal(sig));
  } else if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
    g_set_error(error, MUGAI_SANDBOX_ERROR, MUGAI_SANDBOX_ERROR_CRASHED,
                "%s worker exited with status %d", w->mode, WEXITSTATUS(status));
  else
    g_set_error(error, MUGAI_SANDBOX_ERROR, MUGAI_SANDBOX_ERROR_PROTOCOL,
                "%s worker stopped before its last frame", w->mode);
}

void
mugai_sandbox_drain_diag(int *fd, GString *keep)
{
  char buf[4096];
  ssize_t n = read(*fd, buf, sizeof buf);

  if (n <= 0) {
    if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
      close(*fd);
      *fd = -1;
    }
    return;
  }
  if (keep->len < MUGAI_SANDBOX_DIAG_KEEP)
    g_string_append_len(keep, buf, MIN((gsize)n, MUGAI_SANDBOX_DIAG_KEEP - keep->len));
}

/* drain_diag - keep the start of the worker's standard error */
static void
drain_diag(MugaiWorker *w)
{
  mugai_sandbox_drain_diag(&w->err_fd, w->diag);
}

/* read_exact - LEN bytes of frames within the deadline */
static gboolean
read_exact(MugaiWorker *w, void *buf, gsize len, GError **error)
{
  guint8 *p = buf;

  while (len > 0) {
    struct pollfd pfd[2] = { { w->frames_fd, POLLIN, 0 }, { w->err_fd, POLLIN, 0 } };
    gint64 left = w->deadline - g_get_monotonic_time();
    int rc;

    if (left <= 0) {
      reap(w, TRUE);
      g_set_error(error, MUGAI_SANDBOX_ERROR, MUGAI_SANDBOX_ERROR_TIMEOUT,
                  "%s worker did not finish in time and was killed", w->mode);
      return FALSE;
    }
    rc = poll(pfd, w->err_fd >= 0 ? 2 : 1, (int)MIN(left / 1000 + 1, G_MAXINT));
    if (rc < 0 && errno == EINTR)
      continue;
    if (rc < 0) {
      g_set_error(error, MUGAI_SANDBOX_ERROR, MUGAI_SANDBOX_ERROR_PROTOCOL, "poll: %s",
                  g_strerror(errno));
      return FALSE;
    }
    if (w->err_fd >= 0 && pfd[1].revents)
      drain_diag(w);
    if (pfd[0].revents) {
      ssize_t n = read(w->frames_fd, p, len);
      if (n < 0 && (errno == EINTR || errno == EAGAIN))
        continue;
      if (n <= 0) {
        death_error(w, reap(w, FALSE), error);
        return FALSE;
      }
      p += n;
      len -= (gsize)n;
    }
  }
  return TRUE;
}

/* protocol_error - the worker broke the wire format: it is killed */
static gboolean
protocol_error(MugaiWorker *w, GError **error, MugaiSandboxError code, const char *what)
{
  reap(w, TRUE);
  g_set_error(error, MUGAI_SANDBOX_ERROR, code, "%s worker sent %s", w->mode, what);
  return FALSE;
}

/* frame_buffer - room for LEN+1 bytes */
static guint8 *
frame_buffer(MugaiWorker *w, gsize len)
{
  if (w->buf_size < len + 1) {
    g_free(w->buf);
    w->buf = g_malloc(len + 1);
    w->buf_size = len + 1;
  }
  return w->buf;
}

/* worker_error - an ERROR frame as an error */
static gboolean
worker_error(MugaiWorker *w, const guint8 *payload, gsize len, GError **error)
{
  static const MugaiSandboxError codes[] = {
    [MUGAI_WIRE_ERR_MALFORMED] = MUGAI_SANDBOX_ERROR_MALFORMED,
    [MUGAI_WIRE_ERR_ENCRYPTED] = MUGAI_SANDBOX_ERROR_ENCRYPTED,
    [MUGAI_WIRE_ERR_LIMIT] = MUGAI_SANDBOX_ERROR_LIMIT,
    [MUGAI_WIRE_ERR_UNSUPPORTED] = MUGAI_SANDBOX_ERROR_UNSUPPORTED,
    [MUGAI_WIRE_ERR_INTERNAL] = MUGAI_SANDBOX_ERROR_CRASHED,
  };
  guint32 untrusted_code = mugai_wire_get32(payload);
  GString *msg = g_string_new(NULL);
  MugaiSandboxError code;

  /* Only printable ASCII of the message is kept. */
  for (gsize i = 4; i < len; i++)
    if (payload[i] >= 0x20 && payload[i] < 0x7f)
      g_string_append_c(msg, (char)payload[i]);
  code = untrusted_code >= 1 && untrusted_code < G_N_ELEMENTS(codes) ? codes[untrusted_code]
                                                                     : MUGAI_SANDBOX_ERROR_PROTOCOL;
  reap(w, TRUE);
  g_set_error(error, MUGAI_SANDBOX_ERROR, code, "%s", msg->len ? msg->str : "worker error");
  g_string_free(msg, TRUE);
  return FALSE;
}

/* read_page - the PAGE payload: header checked before any pixel is read */
static gboolean
read_page(MugaiWorker *w, MugaiFrame *f, guint64 untrusted_len, GError **error)
{
  const MugaiSandboxConfig *sb = &w->config->sandbox;
  unsigned char h[MUGAI_WIRE_PAGE_SIZE];
  guint32 untrusted_w, untrusted_h, untrusted_ch, untrusted_pw, untrusted_ph;
  guint64 pixels, bytes;
  guint8 *dest;

  if (untrusted_len < MUGAI_WIRE_PAGE_SIZE)
    return protocol_error(w, error, MUGAI_SANDBOX_ERROR_PROTOCOL, "a short PAGE frame");
  if (!read_exact(w, h, sizeof h, error))
    return FALSE;
  untrusted_w = mugai_wire_get32(h);
  untrusted_h = mugai_wire_get32(h + 4);
  untrusted_ch = mugai_wire_get32(h + 8);
  untrusted_pw = mugai_wire_get32(h + 16);
  untrusted_ph = mugai_wire_get32(h + 20);
  if (untrusted_w < 1 || untrusted_w > MAX_SIDE || untrusted_h < 1 || untrusted_h > MAX_SIDE)
    return protocol_error(w, error, MUGAI_SANDBOX_ERROR_LIMIT, "page dimensions outside 1..10000");
  if (untrusted_ch != 1 && untrusted_ch != 3 && untrusted_ch != 4)
    return protocol_error(w, error, MUGAI_SANDBOX_ERROR_PROTOCOL, "an unknown pixel layout");
  pixels = (guint64)untrusted_w * untrusted_h; /* <= 1e8: no overflow */
  if (pixels > sb->max_page_pixels)
    return protocol_error(w, error, MUGAI_SANDBOX_ERROR_LIMIT, "a page over the pixel limit");
  if (w->total_pixels + pixels > sb->max_total_pixels)
    return protocol_error(w, error, MUGAI_SANDBOX_ERROR_LIMIT,
                          "pages over the document's pixel budget");
  bytes = pixels * untrusted_ch;
  if (untrusted_len != MUGAI_WIRE_PAGE_SIZE + bytes)
    return protocol_error(w, error, MUGAI_SANDBOX_ERROR_PROTOCOL,
                          "a PAGE frame whose length does not match its pixels");
  if ((untrusted_pw || untrusted_ph)
      && (untrusted_pw < 1000 || untrusted_pw > MAX_PAGE_MPT || untrusted_ph < 1000
          || untrusted_ph > MAX_PAGE_MPT))
    return protocol_error(w, error, MUGAI_SANDBOX_ERROR_LIMIT, "an impossible page size");
  dest = w->sink ? w->sink(w->sink_data, (gsize)bytes) : frame_buffer(w, (gsize)bytes);
  if (!dest)
    return protocol_error(w, error, MUGAI_SANDBOX_ERROR_LIMIT, "a page there is no memory for");
  if (!read_exact(w, dest, (gsize)bytes, error))
    return FALSE;
  w->total_pixels += pixels;
  f->width = untrusted_w;
  f->height = untrusted_h;
  f->channels = untrusted_ch;
  f->page_width_pt = untrusted_pw / 1000.0;
  f->page_height_pt = untrusted_ph / 1000.0;
  f->pixels = dest;
  return TRUE;
}

/* member_frame - the frames of an archive worker, after the header: a
 * MEMBER's kind and name length checked against its payload, DATA only
 * for the FILE announced last and within one frame's maximum */
static gboolean
member_frame(MugaiWorker *w, MugaiFrame *f, guint64 untrusted_len, GError **error)
{
  guint8 *payload;
  guint32 untrusted_kind, untrusted_name_len;

  switch (f->type) {
  case MUGAI_WIRE_MEMBER:
    if (untrusted_len < MUGAI_WIRE_MEMBER_SIZE
        || untrusted_len > MUGAI_WIRE_MEMBER_SIZE + MUGAI_WIRE_NAME_MAX || f->index != w->n_members)
      return protocol_error(w, error, MUGAI_SANDBOX_ERROR_PROTOCOL, "a malformed MEMBER frame");
    payload = frame_buffer(w, (gsize)untrusted_len);
    if (!read_exact(w, payload, (gsize)untrusted_len, error))
      return FALSE;
    untrusted_kind = mugai_wire_get32(payload);
    untrusted_name_len = mugai_wire_get32(payload + 4);
    if (untrusted_kind < MUGAI_WIRE_MEMBER_FILE || untrusted_kind > MUGAI_WIRE_MEMBER_SPECIAL)
      return protocol_error(w, error, MUGAI_SANDBOX_ERROR_PROTOCOL, "an unknown member kind");
    if ((guint64)untrusted_name_len + MUGAI_WIRE_MEMBER_SIZE != untrusted_len
        || memchr(payload + MUGAI_WIRE_MEMBER_SIZE, 0, untrusted_name_len))
      return protocol_error(w, error, MUGAI_SANDBOX_ERROR_PROTOCOL,
                            "a MEMBER frame whose name does not match its length");
    w->n_members++;
    w->in_file = untrusted_kind == MUGAI_WIRE_MEMBER_FILE;
    f->kind = untrusted_kind;
    f->bytes = payload + MUGAI_WIRE_MEMBER_SIZE;
    f->bytes_len = untrusted_name_len;
    return TRUE;
  case MUGAI_WIRE_DATA:
    if (!w->in_file || f->index + 1 != w->n_members || untrusted_len < 1
        || untrusted_len > MUGAI_WIRE_DATA_MAX)
      return protocol_error(w, error, MUGAI_SANDBOX_ERROR_PROTOCOL, "a misplaced DATA frame");
    payload = frame_buffer(w, (gsize)untrusted_len);
    if (!read_exact(w, payload, (gsize)untrusted_len, error))
      return FALSE;
    f->bytes = payload;
    f->bytes_len = (gsize)untrusted_len;
    return TRUE;
  case MUGAI_WIRE_END:
    if (untrusted_len != 0)
      return protocol_error(w, error, MUGAI_SANDBOX_ERROR_PROTOCOL, "a malformed END frame");
    w->seen_end = TRUE;
    return TRUE;
  default:
    return protocol_error(w, error, MUGAI_SANDBOX_ERROR_PROTOCOL,
                          "a frame an archive worker does not send");
  }
}

gboolean
mugai_worker_next(MugaiWorker *w, MugaiFrame *f, GError **error)
{
  const MugaiSandboxConfig *sb = &w->config->sandbox;
  unsigned char h[MUGAI_WIRE_HEADER_SIZE];
  guint64 untrusted_len;
  guint8 *payload;

  memset(f, 0, sizeof *f);
  if (w->seen_end)
    return protocol_error(w, error, MUGAI_SANDBOX_ERROR_PROTOCOL, "nothing after END");
  if (!w->seen_magic) {
    char magic[4];
    if (!read_exact(w, magic, 4, error))
      return FALSE;
    if (memcmp(magic, MUGAI_WIRE_MAGIC, 4) != 0)
      return protocol_error(w, error, MUGAI_SANDBOX_ERROR_PROTOCOL, "a bad greeting");
    w->seen_magic = TRUE;
  }
  if (!read_exact(w, h, sizeof h, error))
    return FALSE;
  if (h[1] || h[2] || h[3])
    return protocol_error(w, error, MUGAI_SANDBOX_ERROR_PROTOCOL, "a malformed frame header");
  f->type = h[0];
  f->index = mugai_wire_get32(h + 4);
  untrusted_len = mugai_wire_get64(h + 8);
  if (w->members && f->type != MUGAI_WIRE_ERROR)
    return member_frame(w, f, untrusted_len, error);
  switch (f->type) {
  case MUGAI_WIRE_DOC:
    if (untrusted_len != 8 || w->seen_doc)
      return protocol_error(w, error, MUGAI_SANDBOX_ERROR_PROTOCOL, "a malformed DOC frame");
    payload = frame_buffer(w, 8);
    if (!read_exact(w, payload, 8, error))
      return FALSE;
    f->page_count = mugai_wire_get32(payload);
    f->flags = mugai_wire_get32(payload + 4);
    if (f->page_count < 1 || f->page_count > sb->max_pages)
      return protocol_error(w, error, MUGAI_SANDBOX_ERROR_LIMIT, "a page count over the limit");
    w->seen_doc = TRUE;
    return TRUE;
  case MUGAI_WIRE_TEXT:
    if (!w->seen_doc || untrusted_len > MUGAI_WIRE_TEXT_MAX)
      return protocol_error(w, error, MUGAI_SANDBOX_ERROR_PROTOCOL, "an oversized TEXT frame");
    payload = frame_buffer(w, (gsize)untrusted_len);
    if (!read_exact(w, payload, (gsize)untrusted_len, error))
      return FALSE;
    payload[untrusted_len] = 0;
    f->text = (const char *)payload;
    f->text_len = (gsize)untrusted_len;
    return TRUE;
  case MUGAI_WIRE_PAGE:
    if (!w->seen_doc)
      return protocol_error(w, error, MUGAI_SANDBOX_ERROR_PROTOCOL, "a PAGE before DOC");
    return read_page(w, f, untrusted_len, error);
  case MUGAI_WIRE_ERROR:
    if (untrusted_len < 4 || untrusted_len > 4 + MUGAI_WIRE_ERROR_MAX)
      return protocol_error(w, error, MUGAI_SANDBOX_ERROR_PROTOCOL, "a malformed ERROR frame");
    payload = frame_buffer(w, (gsize)untrusted_len);
    if (!read_exact(w, payload, (gsize)untrusted_len, error))
      return FALSE;
    return worker_error(w, payload, (gsize)untrusted_len, error);
  case MUGAI_WIRE_END:
    if (untrusted_len != 0 || !w->seen_doc)
      return protocol_error(w, error, MUGAI_SANDBOX_ERROR_PROTOCOL, "a malformed END frame");
    w->seen_end = TRUE;
    return TRUE;
  default:
    return protocol_error(w, error, MUGAI_SANDBOX_ERROR_PROTOCOL, "an unknown frame type");
  }
}

void
mugai_worker_set_pixel_sink(MugaiWorker *w, MugaiPixelSink sink, gpointer user_data)
{
  w->sink = sink;
  w->sink_data = user_data;
}

gboolean
mugai_worker_send_plan(MugaiWorker *w, guint32 offset, guint32 stride, GError **error)
{
  unsigned char buf[MUGAI_WIRE_PLAN_SIZE];

  mugai_wire_put32(buf, offset);
  mugai_wire_put32(buf + 4, stride);
  if (send(w->plan_fd, buf, sizeof buf, MSG_NOSIGNAL) != (ssize_t)sizeof buf) {
    reap(w, TRUE);
    g_set_error(error, MUGAI_SANDBOX_ERROR, MUGAI_SANDBOX_ERROR_CRASHED,
                "%s worker went away before its plan", w->mode);
    return FALSE;
  }
  return TRUE;
}

gboolean
mugai_worker_close(MugaiWorker *w, gboolean kill_it, GError **error)
{
  gboolean ok = TRUE;
  int status;

  if (!w)
    return TRUE;
  close(w->frames_fd);
  close(w->plan_fd);
  status = reap(w, kill_it || !w->seen_end);
  if (!kill_it && w->seen_end && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
    death_error(w, status, error);
    ok = FALSE;
  }
  if (w->err_fd >= 0) {
    /* whatever it wrote before it ended */
    while (w->err_fd >= 0 && w->diag->len < STDERR_KEEP) {
      struct pollfd pfd = { w->err_fd, POLLIN, 0 };
      if (poll(&pfd, 1, 0) <= 0)
        break;
      drain_diag(w);
    }
    if (w->err_fd >= 0)
      close(w->err_fd);
  }
  if (w->diag->len > 0) {
    g_autofree char *clean = g_utf8_make_valid(w->diag->str, (gssize)w->diag->len);
    g_strchomp(clean);
    g_message("%s worker said: %s", w->mode, clean);
  }
  g_string_free(w->diag, TRUE);
  g_free(w->buf);
  g_free(w->mode);
  g_free(w);
  return ok;
}

MugaiReason
mugai_sandbox_error_reason(const GError *error)
{
  if (!error || error->domain != MUGAI_SANDBOX_ERROR)
    return MUGAI_REASON_WORKER_FAILED;
  switch ((MugaiSandboxError)error->code) {
  case MUGAI_SANDBOX_ERROR_ENCRYPTED:
    return MUGAI_REASON_ENCRYPTED;
  case MUGAI_SANDBOX_ERROR_TIMEOUT:
    return MUGAI_REASON_TIMEOUT;
  case MUGAI_SANDBOX_ERROR_LIMIT:
    return MUGAI_REASON_RENDER_LIMIT;
  case MUGAI_SANDBOX_ERROR_MALFORMED:
  case MUGAI_SANDBOX_ERROR_UNSUPPORTED:
    return MUGAI_REASON_MALFORMED;
  default:
    return MUGAI_REASON_WORKER_FAILED;
  }
}

void
mugai_sandbox_record_failure(MugaiItem *item, const MugaiConfig *config, const GError *error)
{
  MugaiReason reason = mugai_sandbox_error_reason(error);
  MugaiAction action;

  if (reason == MUGAI_REASON_ENCRYPTED)
    action = config->sandbox.remove_encrypted ? MUGAI_ACTION_REMOVED : MUGAI_ACTION_HELD;
  else
    action = config->sandbox.hold_on_failure ? MUGAI_ACTION_HELD : MUGAI_ACTION_REMOVED;
  mugai_item_set_outcome(item, action, reason, "%s", error ? error->message : "worker failed");
}
