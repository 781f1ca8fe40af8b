/*
 * office.c - a bounded, recycled pool of sandboxed LibreOffice converters.
 *
 * A converter is started with posix_spawn as `mugai-worker office-launch`
 * in a new session (so its process group is its own and its id is the
 * launcher's pid), with three descriptors: 0 a pipe for requests, 1 a pipe
 * for replies, 2 a pipe for diagnostics. The launcher confines itself and
 * becomes the agent, which starts LibreOffice; everything they start stays
 * in that process group, which they cannot leave (setsid and setpgid are
 * denied to them). Ending a converter is always the same, whether it is
 * recycled, failed or overran its deadline: SIGKILL to the whole group,
 * reap every member (this process is a child subreaper, so orphans of the
 * group come back here), remove its private directory without following
 * any link it may have planted there, and remove the two sockets
 * LibreOffice leaves in /tmp (it may create them there but not remove
 * them).
 *
 * Everything a converter sends is checked here: frame types and lengths,
 * a PDF no larger than MUGAI_OFFICE_PDF_MAX, error codes from a fixed set,
 * messages reduced to printable ASCII. The PDF itself is not trusted.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox/office.h"
#include "sandbox/wire.h"
#include "sandbox/worker.h"

#define HEADER_SIZE  16
#define STDERR_KEEP  MUGAI_SANDBOX_DIAG_KEEP
#define REMOVE_DEPTH 64
#define READY_MAX    256

typedef struct {
  guint id;
  pid_t pid;       /* launcher, then agent: leader of the process group */
  int to_fd;       /* its standard input (non-blocking) */
  int from_fd;     /* its standard output */
  int err_fd;      /* its standard error, or -1 */
  char *dir;       /* private directory */
  char *pipe_name; /* LibreOffice's UNO pipe */
  char version[32];
  char confinement[64]; /* as the launcher reported it, e.g. seccomp+landlock-v7 */
  guint documents;
  guint recycle_after;
  GString *diag;
} Converter;

static GMutex pool_lock;
static GCond pool_cond;
static GQueue pool_idle = G_QUEUE_INIT;
static guint pool_live;
static guint pool_next_id;
static gboolean pool_atexit;

/* --- talking to a converter ---------------------------------------------- */

/* drain_diag - keep the start of the converter's standard error */
static void
drain_diag(Converter *c)
{
  mugai_sandbox_drain_diag(&c->err_fd, c->diag);
}

/* wait_fd - poll FD for EVENTS until DEADLINE (monotonic us), draining the
 * converter's standard error meanwhile; FALSE with an error on timeout */
static gboolean
wait_fd(Converter *c, int fd, short events, gint64 deadline, GError **error)
{
  for (;;) {
    struct pollfd pfd[2] = { { fd, events, 0 }, { c->err_fd, POLLIN, 0 } };
    gint64 left = deadline - g_get_monotonic_time();
    int rc;

    if (left <= 0) {
      g_set_error(error, MUGAI_SANDBOX_ERROR, MUGAI_SANDBOX_ERROR_TIMEOUT,
                  "LibreOffice did not finish in time; its converter was killed");
      return FALSE;
    }
    rc = poll(pfd, c->err_fd >= 0 ? 2 : 1, (int)MIN(left / 1000 + 1, G_MAXINT));
    if (rc < 0 && errno == EINTR)
      continue;
    if (rc < 0) {
      g_set_error(error, MUGAI_SANDBOX_ERROR, MUGAI_SANDBOX_ERROR_PROTOCOL, "poll: %s",
                  g_strerror(errno));
      return FALSE;
    }
    if (c->err_fd >= 0 && pfd[1].revents)
      drain_diag(c);
    if (pfd[0].revents)
      return TRUE;
  }
}

/* read_exact - LEN bytes of the converter's output before DEADLINE */
static gboolean
read_exact(Converter *c, void *buf, gsize len, gint64 deadline, GError **error)
{
  guint8 *p = buf;

  while (len > 0) {
    ssize_t n;
    if (!wait_fd(c, c->from_fd, POLLIN, deadline, error))
      return FALSE;
    n = read(c->from_fd, p, len);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
      continue;
    if (n <= 0) {
      g_set_error(error, MUGAI_SANDBOX_ERROR, MUGAI_SANDBOX_ERROR_CRASHED,
                  "the LibreOffice converter stopped unexpectedly");
      return FALSE;
    }
    p += n;
    len -= (gsize)n;
  }
  return TRUE;
}

/* write_nosigpipe - write(2) to a pipe whose reader may have died: EPIPE,
 * never SIGPIPE (which would kill mugai, a library's caller, outright). The
 * signal is blocked for this thread and, if raised, taken back. */
static ssize_t
write_nosigpipe(int fd, const void *buf, gsize len)
{
  sigset_t pipe_set, old;
  ssize_t n;
  int saved;

  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
  n = write(fd, buf, len);
  saved = errno;
  if (n < 0 && saved == EPIPE) {
    struct timespec zero = { 0, 0 };
    while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR)
      ;
  }
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  errno = saved;
  return n;
}

/* write_all - LEN bytes to the converter's input before DEADLINE */
static gboolean
write_all(Converter *c, const void *buf, gsize len, gint64 deadline, GError **error)
{
  const guint8 *p = buf;

  while (len > 0) {
    ssize_t n;
    if (!wait_fd(c, c->to_fd, POLLOUT, deadline, error))
      return FALSE;
    n = write_nosigpipe(c->to_fd, p, MIN(len, (gsize)1 << 20));
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
      continue;
    if (n <= 0) {
      g_set_error(error, MUGAI_SANDBOX_ERROR, MUGAI_SANDBOX_ERROR_CRASHED,
                  "the LibreOffice converter stopped reading");
      return FALSE;
    }
    p += n;
    len -= (gsize)n;
  }
  return TRUE;
}

/* read_header - one frame header: its type and (untrusted) length */
static gboolean
read_header(Converter *c, guint8 *type, guint64 *untrusted_len, gint64 deadline, GError **error)
{
  unsigned char h[HEADER_SIZE];

  if (!read_exact(c, h, sizeof h, deadline, error))
    return FALSE;
  if (h[1] || h[2] || h[3] || mugai_wire_get32(h + 4)) {
    g_set_error(error, MUGAI_SANDBOX_ERROR, MUGAI_SANDBOX_ERROR_PROTOCOL,
                "the LibreOffice converter sent a malformed frame header");
    return FALSE;
  }
  *type = h[0];
  *untrusted_len = mugai_wire_get64(h + 8);
  return TRUE;
}

/* printable - the printable ASCII of LEN bytes at P (transfer full) */
static char *
printable(const guint8 *p, gsize len)
{
  GString *s = g_string_sized_new(len);

  for (gsize i = 0; i < len; i++)
    if (p[i] >= 0x20 && p[i] < 0x7f)
      g_string_append_c(s, (char)p[i]);
  return g_string_free(s, FALSE);
}

/* read_error - an ERROR frame's payload as an error */
static void
read_error(Converter *c, guint64 untrusted_len, gint64 deadline, GError **error)
{
  static const MugaiSandboxError codes[] = {
    [MUGAI_WIRE_ERR_MALFORMED] = MUGAI_SANDBOX_ERROR_MALFORMED,
    [MUGAI_WIRE_ERR_ENCRYPTED] = MUGAI_SANDBOX_ERROR_ENCRYPTED,
    [MUGAI_WIRE_ERR_LIMIT] = MUGAI_SANDBOX_ERROR_LIMIT,
    [MUGAI_WIRE_ERR_UNSUPPORTED] = MUGAI_SANDBOX_ERROR_MALFORMED,
    [MUGAI_WIRE_ERR_INTERNAL] = MUGAI_SANDBOX_ERROR_CRASHED,
  };
  guint8 buf[4 + MUGAI_WIRE_ERROR_MAX];
  g_autofree char *msg = NULL;
  guint32 untrusted_code;

  if (untrusted_len < 4 || untrusted_len > sizeof buf) {
    g_set_error(error, MUGAI_SANDBOX_ERROR, MUGAI_SANDBOX_ERROR_PROTOCOL,
                "the LibreOffice converter sent a malformed error");
    return;
  }
  if (!read_exact(c, buf, (gsize)untrusted_len, deadline, error))
    return;
  untrusted_code = mugai_wire_get32(buf);
  msg = printable(buf + 4, (gsize)untrusted_len - 4);
  g_set_error(error, MUGAI_SANDBOX_ERROR,
              untrusted_code >= 1 && untrusted_code < G_N_ELEMENTS(codes)
                  ? codes[untrusted_code]
                  : MUGAI_SANDBOX_ERROR_PROTOCOL,
              "%s", *msg ? msg : "LibreOffice failed");
}

/* --- starting and ending a converter -------------------------------------- */

/* high_fd - FD moved to 10 or above, close-on-exec, the original closed */
static int
high_fd(int fd)
{
  int h = fcntl(fd, F_DUPFD_CLOEXEC, 10);

  close(fd);
  return h;
}

/* launcher_env - the locale, and sanitizer options in test builds (the
 * launcher builds the converter's own environment) */
static GStrv
launcher_env(void)
{
  static const char *const pass[] = { "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", NULL };
  GPtrArray *env = g_ptr_array_new();

  g_ptr_array_add(env, g_strdup("LANG=C.UTF-8"));
  for (guint i = 0; pass[i]; i++) {
    const char *v = g_getenv(pass[i]);
    if (v)
      g_ptr_array_add(env, g_strdup_printf("%s=%s", pass[i], v));
  }
  g_ptr_array_add(env, NULL);
  return (GStrv)g_ptr_array_free(env, FALSE);
}

/* agent_path - the agent script: MUGAI_OFFICE_AGENT, else beside the worker */
static char *
agent_path(const MugaiConfig *config)
{
  const char *env = g_getenv("MUGAI_OFFICE_AGENT");
  g_autofree char *worker = NULL;
  g_autofree char *dir = NULL;

  if (env && *env)
    return g_strdup(env);
  worker = mugai_sandbox_worker_path(config);
  dir = g_path_get_dirname(worker);
  return g_build_filename(dir, MUGAI_OFFICE_AGENT, NULL);
}

/* remove_tree - remove everything beneath the directory open at FD, never
 * following a link; DEPTH bounds the recursion. Called once every process
 * of the converter is dead, so the tree no longer changes. */
static void
remove_tree(int fd, int depth)
{
  DIR *d = fdopendir(fd);
  struct dirent *e;

  if (!d) {
    close(fd);
    return;
  }
  while ((e = readdir(d))) {
    struct stat st;
    int sub;
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
      continue;
    if (unlinkat(dirfd(d), e->d_name, 0) == 0)
      continue;
    if (depth <= 0)
      continue;
    /* A directory it made unreadable is made readable again: nothing runs
     * in the box any more, so what is checked here stays so. */
    if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode)
        && (st.st_mode & 0700) != 0700)
      fchmodat(dirfd(d), e->d_name, 0700, 0);
    sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (sub < 0)
      continue;
    remove_tree(sub, depth - 1);
    unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR);
  }
  closedir(d);
}

/* remove_socket - LibreOffice's socket NAME in /tmp (or /var/tmp), if it is
 * a socket of ours */
static void
remove_socket(const char *name)
{
  static const char *const dirs[] = { "/tmp", "/var/tmp" };

  for (gsize i = 0; i < G_N_ELEMENTS(dirs); i++) {
    g_autofree char *path = g_build_filename(dirs[i], name, NULL);
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode) && st.st_uid == geteuid())
      unlink(path);
  }
}

/* ipc_socket_name - the single-instance socket LibreOffice makes for a
 * profile: OSL_PIPE_<uid>_SingleOfficeIPC_ and the MD5 of the profile's
 * URL in UTF-16LE, each byte in hex without leading zeros (as
 * desktop/source/app/officeipcthread.cxx names it) */
static char *
ipc_socket_name(const char *profile)
{
  g_autofree char *url = g_filename_to_uri(profile, NULL, NULL);
  g_autofree gunichar2 *utf16 = NULL;
  g_autoptr(GChecksum) md5 = g_checksum_new(G_CHECKSUM_MD5);
  guint8 digest[16];
  gsize digest_len = sizeof digest;
  glong n = 0;
  GString *name;

  if (!url || !(utf16 = g_utf8_to_utf16(url, -1, NULL, &n, NULL)))
    return NULL;
  for (glong i = 0; i < n; i++) {
    guint8 le[2] = { (guint8)(utf16[i] & 0xff), (guint8)(utf16[i] >> 8) };
    g_checksum_update(md5, le, 2);
  }
  g_checksum_get_digest(md5, digest, &digest_len);
  name = g_string_new(NULL);
  g_string_append_printf(name, "OSL_PIPE_%u_SingleOfficeIPC_", (guint)geteuid());
  for (gsize i = 0; i < digest_len; i++)
    g_string_append_printf(name, "%x", digest[i]);
  return g_string_free(name, FALSE);
}

/* converter_end - kill the whole process group, reap it, remove its files;
 * frees C. LOG_DIAG: its standard error goes to the log. */
static void
converter_end(Converter *c, gboolean log_diag)
{
  int status;

  if (c->to_fd >= 0)
    close(c->to_fd);
  if (c->from_fd >= 0)
    close(c->from_fd);
  if (c->pid > 0) {
    /* The group's id stays reserved until its leader is reaped, so this
     * cannot reach anyone else. */
    kill(-c->pid, SIGKILL);
    kill(c->pid, SIGKILL);
    /* Members whose parents died are re-parented here (subreaper) and
     * reaped; one whose parent was still exiting when the group was last
     * waited for may still be tearing down its memory (LibreOffice's takes
     * a while). Wait until no member of the group is left, so that nothing
     * of a converter outlives it; at most 5 s, the members being killed. */
    for (int i = 0; i < 1000; i++) {
      while (waitpid(-c->pid, &status, i == 0 ? 0 : WNOHANG) > 0)
        ;
      if (kill(-c->pid, 0) != 0 && errno == ESRCH)
        break;
      g_usleep(5000);
    }
    while (waitpid(c->pid, &status, WNOHANG) < 0 && errno == EINTR)
      ;
  }
  if (c->err_fd >= 0) {
    while (c->err_fd >= 0 && c->diag->len < STDERR_KEEP) {
      struct pollfd pfd = { c->err_fd, POLLIN, 0 };
      if (poll(&pfd, 1, 0) <= 0)
        break;
      drain_diag(c);
    }
    if (c->err_fd >= 0)
      close(c->err_fd);
  }
  if (log_diag && c->diag->len > 0) {
    g_autofree char *clean = g_utf8_make_valid(c->diag->str, (gssize)c->diag->len);
    g_strchomp(clean);
    g_message("office converter %u said: %s", c->id, clean);
  }
  if (c->dir) {
    g_autofree char *profile = g_build_filename(c->dir, "profile", NULL);
    g_autofree char *ipc = ipc_socket_name(profile);
    g_autofree char *accept = g_strdup_printf("OSL_PIPE_%u_%s", (guint)geteuid(), c->pipe_name);
    struct stat st;
    int fd;
    if (lstat(c->dir, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 0700) != 0700)
      chmod(c->dir, 0700);
    fd = open(c->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0)
      remove_tree(fd, REMOVE_DEPTH);
    if (rmdir(c->dir) != 0 && errno != ENOENT)
      g_warning("office converter %u: cannot remove %s: %s", c->id, c->dir, g_strerror(errno));
    if (ipc)
      remove_socket(ipc);
    remove_socket(accept);
  }
  g_string_free(c->diag, TRUE);
  g_free(c->dir);
  g_free(c->pipe_name);
  g_free(c);
}

/* read_ready - the greeting and the READY frame */
static gboolean
read_ready(Converter *c, gint64 deadline, GError **error)
{
  char magic[4];
  guint8 type, buf[READY_MAX];
  guint64 untrusted_len;
  g_autofree char *text = NULL;
  char *semi;

  if (!read_exact(c, magic, 4, deadline, error))
    return FALSE;
  if (memcmp(magic, MUGAI_OFFICE_MAGIC, 4) != 0) {
    g_set_error(error, MUGAI_SANDBOX_ERROR, MUGAI_SANDBOX_ERROR_PROTOCOL,
                "the LibreOffice converter sent a bad greeting");
    return FALSE;
  }
  if (!read_header(c, &type, &untrusted_len, deadline, error))
    return FALSE;
  if (type == MUGAI_OFFICE_ERROR) {
    read_error(c, untrusted_len, deadline, error);
    return FALSE;
  }
  if (type != MUGAI_OFFICE_READY || untrusted_len > sizeof buf) {
    g_set_error(error, MUGAI_SANDBOX_ERROR, MUGAI_SANDBOX_ERROR_PROTOCOL,
                "the LibreOffice converter did not say it was ready");
    return FALSE;
  }
  if (!read_exact(c, buf, (gsize)untrusted_len, deadline, error))
    return FALSE;
  text = printable(buf, (gsize)untrusted_len);
  semi = strchr(text, ';');
  if (semi)
    *semi++ = 0;
  g_strlcpy(c->version, text, sizeof c->version);
  g_strlcpy(c->confinement, semi && *semi ? semi : "unknown", sizeof c->confinement);
  /* Without Landlock a converter can write wherever mugai's user can:
   * worth saying once. */
  if (!strstr(c->confinement, "landlock")) {
    static gsize warned;
    if (g_once_init_enter(&warned)) {
      g_warning("LibreOffice converters run without Landlock (%s): their only file-system "
                "barrier is the permissions of mugai's user",
                c->confinement);
      g_once_init_leave(&warned, 1);
    }
  }
  return TRUE;
}

/* converter_start - spawn, confine and wait for a new converter */
static Converter *
converter_start(const MugaiConfig *config, GError **error)
{
  const MugaiOfficeConfig *o = &config->office;
  g_autofree char *worker = mugai_sandbox_worker_path(config);
  g_autofree char *agent = agent_path(config);
  const char *soffice = g_getenv("MUGAI_SOFFICE");
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
  g_auto(GStrv) envp = launcher_env();
  g_autoptr(GError) local = NULL;
  int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  sigset_t none, all;
  guint64 cpu;
  Converter *c;
  pid_t pid;
  int rc;

  if (!soffice || !*soffice)
    soffice = MUGAI_OFFICE_SOFFICE;
  c = g_new0(Converter, 1);
  c->to_fd = c->from_fd = c->err_fd = -1;
  c->diag = g_string_new(NULL);
  c->recycle_after = o->recycle_after;
  g_mutex_lock(&pool_lock);
  c->id = ++pool_next_id;
  g_mutex_unlock(&pool_lock);
  c->dir = g_dir_make_tmp("mugai-office-XXXXXX", NULL);
  if (!c->dir) {
    g_set_error(error, MUGAI_SANDBOX_ERROR, MUGAI_SANDBOX_ERROR_SPAWN,
                "cannot make a private directory for LibreOffice: %s", g_strerror(errno));
    converter_end(c, FALSE);
    return NULL;
  }
  c->pipe_name = g_strdup_printf("mugai_%d_%u_%08x", (int)getpid(), c->id, g_random_int());
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
    g_set_error(error, MUGAI_SANDBOX_ERROR, MUGAI_SANDBOX_ERROR_SPAWN, "pipe: %s",
                g_strerror(errno));
    for (int i = 0; i < 2; i++) {
      if (in[i] >= 0)
        close(in[i]);
      if (out[i] >= 0)
        close(out[i]);
    }
    converter_end(c, FALSE);
    return NULL;
  }
  in[0] = high_fd(in[0]);
  out[1] = high_fd(out[1]);
  err[1] = high_fd(err[1]);
  fcntl(in[1], F_SETFL, O_NONBLOCK);

  /* CPU seconds: every document of its life at its deadline, and a start. */
  cpu = (guint64)(o->timeout_ms / 1000 + 1) * (o->recycle_after + 1);
  g_ptr_array_add(argv, g_strdup(worker));
  g_ptr_array_add(argv, g_strdup("office-launch"));
  g_ptr_array_add(argv, g_strdup_printf("--memory=%" G_GUINT64_FORMAT, o->memory_limit));
  g_ptr_array_add(argv, g_strdup_printf("--cpu=%" G_GUINT64_FORMAT, MIN(cpu, 7 * 86400)));
  g_ptr_array_add(argv, g_strdup_printf("--fsize=%" G_GUINT64_FORMAT, MUGAI_OFFICE_FILE_MAX));
  g_ptr_array_add(argv, g_strdup_printf("--nofile=%u", MUGAI_OFFICE_NOFILE));
  g_ptr_array_add(argv, g_strdup_printf("--dir=%s", c->dir));
  g_ptr_array_add(argv, g_strdup_printf("--pipe=%s", c->pipe_name));
  g_ptr_array_add(argv, g_strdup_printf("--python=%s", MUGAI_OFFICE_PYTHON));
  g_ptr_array_add(argv, g_strdup_printf("--agent=%s", agent));
  g_ptr_array_add(argv, g_strdup_printf("--soffice=%s", soffice));
  g_ptr_array_add(argv, g_strdup_printf("--start-timeout=%u", o->timeout_ms / 1000));
  g_ptr_array_add(argv, NULL);

  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in[0], 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err[1], 2);
  posix_spawn_file_actions_addclosefrom_np(&fa, 3);
  posix_spawnattr_init(&attr);
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  /* A session of its own: its process group is killed as one, and no
   * terminal signal meant for mugai reaches it. */
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSID);
  rc = posix_spawn(&pid, worker, &fa, &attr, (char *const *)argv->pdata, envp);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  close(in[0]);
  close(out[1]);
  close(err[1]);
  c->to_fd = in[1];
  c->from_fd = out[0];
  c->err_fd = err[0];
  if (rc != 0) {
    g_set_error(error, MUGAI_SANDBOX_ERROR, MUGAI_SANDBOX_ERROR_SPAWN, "cannot start %s: %s",
                worker, g_strerror(rc));
    converter_end(c, FALSE);
    return NULL;
  }
  c->pid = pid;
  if (!read_ready(c, g_get_monotonic_time() + (gint64)o->timeout_ms * 1000, &local)) {
    /* Not the document's fault: a converter that cannot start is an
     * internal failure (a timeout stays a timeout). */
    g_set_error(error, MUGAI_SANDBOX_ERROR,
                local->code == MUGAI_SANDBOX_ERROR_TIMEOUT ? MUGAI_SANDBOX_ERROR_TIMEOUT
                                                           : MUGAI_SANDBOX_ERROR_SPAWN,
                "LibreOffice could not be started: %s", local->message);
    converter_end(c, TRUE);
    return NULL;
  }
  return c;
}

/* --- the pool ------------------------------------------------------------ */

/* pool_take - an idle converter, or NULL with a slot reserved for a new
 * one; blocks while every converter is busy */
static Converter *
pool_take(const MugaiConfig *config, gboolean *late)
{
  Converter *c;

  g_mutex_lock(&pool_lock);
  while (!(c = g_queue_pop_head(&pool_idle)) && pool_live >= config->office.converters) {
    if (!config->deadline)
      g_cond_wait(&pool_cond, &pool_lock);
    else if (!g_cond_wait_until(&pool_cond, &pool_lock, config->deadline)
             && pool_live >= config->office.converters && g_queue_is_empty(&pool_idle)) {
      g_mutex_unlock(&pool_lock);
      *late = TRUE;
      return NULL;
    }
  }
  if (!c)
    pool_live++;
  if (!pool_atexit) {
    pool_atexit = TRUE;
    atexit(mugai_office_shutdown);
    /* Members of a converter's group whose parent died come back here to
     * be reaped, instead of to init. */
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  }
  g_mutex_unlock(&pool_lock);
  return c;
}

/* pool_give - C back to the pool when HEALTHY and not due for recycling;
 * else ended (C may be NULL: a start that failed) */
static void
pool_give(const MugaiConfig *config, Converter *c, gboolean healthy)
{
  g_mutex_lock(&pool_lock);
  if (c && healthy && c->documents < c->recycle_after && pool_live <= config->office.converters) {
    g_queue_push_tail(&pool_idle, c);
    c = NULL;
  } else {
    pool_live--;
  }
  g_cond_signal(&pool_cond);
  g_mutex_unlock(&pool_lock);
  if (c)
    converter_end(c, !healthy);
}

void
mugai_office_shutdown(void)
{
  Converter *c;

  for (;;) {
    g_mutex_lock(&pool_lock);
    c = g_queue_pop_head(&pool_idle);
    if (c)
      pool_live--;
    g_mutex_unlock(&pool_lock);
    if (!c)
      break;
    converter_end(c, FALSE);
  }
}

/* --- one document -------------------------------------------------------- */

/* request - send DATA with its hint and password */
static gboolean
request(Converter *c, GBytes *data, const char *format, const char *password, gint64 deadline,
        GError **error)
{
  gsize len, hint_len = strlen(format), pw_len = password ? strlen(password) : 0;
  const guint8 *p = g_bytes_get_data(data, &len);
  gsize head_len = HEADER_SIZE + 4 + hint_len + 4 + pw_len;
  g_autofree unsigned char *head = g_malloc0(head_len);
  gboolean ok;

  head[0] = MUGAI_OFFICE_CONVERT;
  mugai_wire_put64(head + 8, (guint64)(head_len - HEADER_SIZE) + len);
  mugai_wire_put32(head + HEADER_SIZE, (guint32)hint_len);
  memcpy(head + HEADER_SIZE + 4, format, hint_len);
  mugai_wire_put32(head + HEADER_SIZE + 4 + hint_len, (guint32)pw_len);
  if (pw_len)
    memcpy(head + HEADER_SIZE + 8 + hint_len, password, pw_len);
  ok = write_all(c, head, head_len, deadline, error) && write_all(c, p, len, deadline, error);
  memset(head, 0, head_len);
  return ok;
}

/* reply - the PDF, or an error */
static GBytes *
reply(Converter *c, gint64 deadline, GError **error)
{
  guint8 type;
  guint64 untrusted_len;
  guint8 *pdf;

  if (!read_header(c, &type, &untrusted_len, deadline, error))
    return NULL;
  if (type == MUGAI_OFFICE_ERROR) {
    read_error(c, untrusted_len, deadline, error);
    return NULL;
  }
  if (type != MUGAI_OFFICE_PDF) {
    g_set_error(error, MUGAI_SANDBOX_ERROR, MUGAI_SANDBOX_ERROR_PROTOCOL,
                "the LibreOffice converter sent an unexpected frame");
    return NULL;
  }
  if (untrusted_len < 5 || untrusted_len > MUGAI_OFFICE_PDF_MAX) {
    g_set_error(error, MUGAI_SANDBOX_ERROR, MUGAI_SANDBOX_ERROR_LIMIT,
                "LibreOffice made a PDF of %" G_GUINT64_FORMAT " bytes (limit %" G_GUINT64_FORMAT
                ")",
                untrusted_len, MUGAI_OFFICE_PDF_MAX);
    return NULL;
  }
  pdf = g_try_malloc((gsize)untrusted_len);
  if (!pdf) {
    g_set_error(error, MUGAI_SANDBOX_ERROR, MUGAI_SANDBOX_ERROR_LIMIT,
                "no memory for a PDF of %" G_GUINT64_FORMAT " bytes", untrusted_len);
    return NULL;
  }
  if (!read_exact(c, pdf, (gsize)untrusted_len, deadline, error)) {
    g_free(pdf);
    return NULL;
  }
  return g_bytes_new_take(pdf, (gsize)untrusted_len);
}

GBytes *
mugai_office_convert(const MugaiConfig *config, GBytes *data, const char *format,
                     const char *password, MugaiOfficeStats *stats, GError **error)
{
  MugaiOfficeStats local_stats;
  Converter *c;
  GBytes *pdf = NULL;
  gint64 t0, deadline;

  g_return_val_if_fail(data && format && strlen(format) <= MUGAI_OFFICE_HINT_MAX, NULL);
  if (!stats)
    stats = &local_stats;
  memset(stats, 0, sizeof *stats);
  if (password && strlen(password) > MUGAI_WIRE_PASSWORD_MAX) {
    g_set_error(error, MUGAI_SANDBOX_ERROR, MUGAI_SANDBOX_ERROR_ENCRYPTED,
                "the password given is longer than %u bytes", MUGAI_WIRE_PASSWORD_MAX);
    return NULL;
  }
  {
    gboolean late = FALSE;
    c = pool_take(config, &late);
    if (late) {
      g_set_error(error, MUGAI_SANDBOX_ERROR, MUGAI_SANDBOX_ERROR_TIMEOUT,
                  "no converter became free before the deadline");
      return NULL;
    }
  }
  t0 = g_get_monotonic_time();
  if (!c) {
    c = converter_start(config, error);
    if (!c) {
      pool_give(config, NULL, FALSE);
      return NULL;
    }
    stats->start_ms = (guint64)(g_get_monotonic_time() - t0) / 1000;
    t0 = g_get_monotonic_time();
  }
  c->documents++;
  stats->converter = c->id;
  stats->document = c->documents;
  g_strlcpy(stats->version, c->version, sizeof stats->version);
  g_strlcpy(stats->confinement, c->confinement, sizeof stats->confinement);
  deadline = t0 + (gint64)config->office.timeout_ms * 1000;
  if (config->deadline && config->deadline < deadline)
    deadline = config->deadline;
  if (request(c, data, format, password, deadline, error))
    pdf = reply(c, deadline, error);
  stats->convert_ms = (guint64)(g_get_monotonic_time() - t0) / 1000;
  /* Any failure, even a document's own (encrypted, malformed), ends the
   * converter: the next document gets a LibreOffice in a known state. */
  pool_give(config, c, pdf != NULL);
  return pdf;
}
