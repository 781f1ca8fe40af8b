/*
 * main.c - mugai-milter: the process around the libmilter callbacks.
 *
 *   mugai-milter -c CONFIG [--socket SPEC] [--log-stderr] [--check]
 *
 * Runs in the foreground. The main thread only waits for signals: SIGHUP
 * reloads the configuration (messages in flight keep the one they started
 * with), SIGTERM and SIGINT stop gracefully (new messages are refused with
 * 451, messages in flight finish). libmilter's listener runs in a thread of
 * its own. libmilter also has a signal thread that would treat SIGHUP as
 * "stop"; every signal is blocked before any thread starts, so a
 * process-directed signal goes to the main thread, which waits in sigwait
 * (the kernel tries the thread-group leader first).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <locale.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include <gio/gio.h>

#include "core/util.h"
#include "milter/milter.h"
#include "sandbox/office.h"

MilterState milter_state;

static gboolean log_stderr;

void
milter_log(int priority, const char *format, ...)
{
  va_list ap;
  g_autofree char *msg = NULL;

  va_start(ap, format);
  msg = mugai_one_line_vprintf(format, ap);
  va_end(ap);
  syslog(priority, "%s", msg);
  (void)log_stderr; /* LOG_PERROR copies it to stderr */
}

static int
usage(FILE *out, int status)
{
  fprintf(out, "usage: mugai-milter -c CONFIG [--socket SPEC] [--log-stderr] [--check]\n"
               "  -c, --config CONFIG  the INI file shared with mugai (docs/configuration.md)\n"
               "  --socket SPEC        listen here instead of [milter] socket\n"
               "                       (unix:/path or inet:PORT@HOST)\n"
               "  --log-stderr         copy every log line to standard error\n"
               "  --check              validate the configuration and exit\n");
  return status;
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
  fprintf(stderr, "mugai-milter: %s\n", msg);
  if (!log_stderr)
    syslog(LOG_ERR, "%s", msg);
  return 1;
}

/* load - CONFIG_PATH (or the defaults) with SOCKET overriding [milter]
 * socket (transfer full) */
static MugaiConfig *
load(const char *config_path, const char *socket_spec, GError **error)
{
  MugaiConfig *c = config_path ? mugai_config_load(config_path, error) : mugai_config_new_default();

  if (c && socket_spec) {
    g_free(c->milter.socket);
    c->milter.socket = g_strdup(socket_spec);
  }
  return c;
}

/* unix_path - the path of a unix: or local: socket SPEC, or NULL */
static const char *
unix_path(const char *spec)
{
  if (g_str_has_prefix(spec, "unix:"))
    return spec + 5;
  if (g_str_has_prefix(spec, "local:"))
    return spec + 6;
  return NULL;
}

/* socket_in_use - whether something already answers on the unix socket
 * PATH (a stale file left by a crash does not) */
static gboolean
socket_in_use(const char *path)
{
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  int fd;
  gboolean live;

  if (strlen(path) >= sizeof sa.sun_path)
    return FALSE;
  strcpy(sa.sun_path, path);
  fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return FALSE;
  live = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
  close(fd);
  return live;
}

/* tcp_nodelay - TCP_NODELAY on every listening TCP socket of the process
 * (libmilter's, which it does not expose; Linux copies the option to the
 * sockets accept() returns). Without it, libmilter's small writes at end
 * of message meet delayed ACK: two 40 ms stalls per message. */
static void
tcp_nodelay(void)
{
  for (int fd = 3; fd < 1024; fd++) {
    int listening = 0, domain = 0, one = 1;
    socklen_t len = sizeof listening;
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || !listening)
      continue;
    len = sizeof domain;
    if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) != 0)
      continue;
    if (domain == AF_INET || domain == AF_INET6)
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
}

/* drop_privileges - become USER (when running as root) */
static gboolean
drop_privileges(const char *user, GError **error)
{
  struct passwd *pw;

  if (!user || geteuid() != 0)
    return TRUE;
  pw = getpwnam(user);
  if (!pw) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "[milter] user: no user \"%s\"", user);
    return FALSE;
  }
  if (setgroups(0, NULL) != 0 || initgroups(pw->pw_name, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0
      || setuid(pw->pw_uid) != 0) {
    int saved = errno;
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved), "cannot become %s: %s", user,
                g_strerror(saved));
    return FALSE;
  }
  if (setuid(0) == 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                "still able to regain root after dropping to %s", user);
    return FALSE;
  }
  return TRUE;
}

/* prepare_socket - libmilter's listening socket opened as configured */
static gboolean
prepare_socket(const MugaiConfig *c, GError **error)
{
  const char *path = unix_path(c->milter.socket);
  struct passwd *pw = c->milter.user && geteuid() == 0 ? getpwnam(c->milter.user) : NULL;

  if (path) {
    g_autofree char *dir = g_path_get_dirname(path);
    if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                  "%s: the directory %s does not exist (systemd: RuntimeDirectory=mugai)",
                  c->milter.socket, dir);
      return FALSE;
    }
  }
  if (path && socket_in_use(path)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE,
                "%s: another process is listening there", c->milter.socket);
    return FALSE;
  }
  if (smfi_setconn(c->milter.socket) != MI_SUCCESS || smfi_opensocket(true) != MI_SUCCESS) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot listen on %s", c->milter.socket);
    return FALSE;
  }
  if (path) {
    if (chmod(path, c->milter.socket_mode) != 0
        || (pw && chown(path, pw->pw_uid, pw->pw_gid) != 0)) {
      int saved = errno;
      g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved), "%s: %s", path,
                  g_strerror(saved));
      return FALSE;
    }
  } else
    tcp_nodelay();
  return TRUE;
}

/* fault_from_env - the test hook, in builds with tests only */
static MilterFault
fault_from_env(void)
{
#ifdef MUGAI_MILTER_FAULTS
  const char *f = g_getenv("MUGAI_MILTER_FAULT");
  if (f && !strcmp(f, "pipeline"))
    return MILTER_FAULT_PIPELINE;
  if (f && !strcmp(f, "store"))
    return MILTER_FAULT_STORE;
  if (f && !strcmp(f, "slow"))
    return MILTER_FAULT_SLOW;
#endif
  return MILTER_FAULT_NONE;
}

/* open_state - the quarantine, its committer and the spool directory */
static gboolean
open_state(const MugaiConfig *c, GError **error)
{
  g_autofree char *state = mugai_config_state_dir(c);

  milter_state.spool_dir = g_build_filename(state, "spool", NULL);
  if (g_mkdir_with_parents(milter_state.spool_dir, 0700) != 0) {
    int saved = errno;
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved), "cannot create %s: %s",
                milter_state.spool_dir, g_strerror(saved));
    return FALSE;
  }
  milter_state.store = mugai_store_open(c, error);
  if (!milter_state.store)
    return FALSE;
  milter_state.committer = mugai_committer_new(milter_state.store, error);
  return milter_state.committer != NULL;
}

static gpointer
listener_main(gpointer data)
{
  int rc = smfi_main();

  (void)data;
  /* Tell the main thread, whatever the reason. */
  kill(getpid(), SIGUSR1);
  return GINT_TO_POINTER(rc);
}

/* reload - a new configuration from PATH, or the old one kept */
static void
reload(const char *path, const char *socket_spec)
{
  g_autoptr(GError) error = NULL;
  MugaiConfig *c = load(path, socket_spec, &error);
  MugaiSharedConfig *old;
  g_autofree char *old_state = NULL, *new_state = NULL;

  if (!c) {
    milter_log(LOG_ERR, "reload failed, the old configuration stays: %s", error->message);
    return;
  }
  old = mugai_config_in_force();
  old_state = mugai_config_state_dir(old->config);
  new_state = mugai_config_state_dir(c);
  if (strcmp(old->config->milter.socket, c->milter.socket) != 0
      || g_strcmp0(old->config->milter.user, c->milter.user) != 0
      || strcmp(old_state, new_state) != 0)
    milter_log(LOG_WARNING,
               "reload: [milter] socket, [milter] user and the state directory take effect at "
               "the next restart");
  mugai_shared_config_unref(old);
  mugai_config_put_in_force(c);
  milter_log(LOG_NOTICE, "reloaded %s", path ? path : "the built-in defaults");
}

/* wait_idle - until no message is in flight, or DEADLINE (monotonic) */
static gboolean
wait_idle(gint64 deadline)
{
  gboolean idle;

  g_mutex_lock(&milter_state.lock);
  while (milter_state.in_flight > 0)
    if (!g_cond_wait_until(&milter_state.idle, &milter_state.lock, deadline))
      break;
  idle = milter_state.in_flight == 0;
  g_mutex_unlock(&milter_state.lock);
  return idle;
}

int
main(int argc, char **argv)
{
  const char *config_path = NULL, *socket_spec = NULL;
  gboolean check = FALSE;
  g_autoptr(GError) error = NULL;
  MugaiConfig *c;
  sigset_t set;
  int sig = 0, status = 0;
  guint timeout_ms;

  setlocale(LC_ALL, "");
  for (int i = 1; i < argc; i++) {
    if ((!strcmp(argv[i], "-c") || !strcmp(argv[i], "--config")) && i + 1 < argc)
      config_path = argv[++i];
    else if (!strcmp(argv[i], "--socket") && i + 1 < argc)
      socket_spec = argv[++i];
    else if (!strcmp(argv[i], "--log-stderr"))
      log_stderr = TRUE;
    else if (!strcmp(argv[i], "--check"))
      check = TRUE;
    else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
      return usage(stdout, 0);
    else if (!strcmp(argv[i], "--version")) {
      printf("mugai-milter %s\n", MUGAI_VERSION);
      return 0;
    } else {
      fprintf(stderr, "mugai-milter: unknown or incomplete option \"%s\"\n", argv[i]);
      return usage(stderr, 2);
    }
  }
  openlog("mugai-milter", LOG_PID | LOG_NDELAY | (log_stderr ? LOG_PERROR : 0), LOG_MAIL);
  c = load(config_path, socket_spec, &error);
  if (!c)
    return die("%s", error->message);
  if (!g_str_has_prefix(c->milter.socket, "unix:") && !g_str_has_prefix(c->milter.socket, "local:")
      && !g_str_has_prefix(c->milter.socket, "inet:")
      && !g_str_has_prefix(c->milter.socket, "inet6:"))
    return die("--socket: \"%s\" is neither unix:/PATH nor inet:PORT@HOST", c->milter.socket);
  if (check) {
    printf("mugai-milter: configuration OK (%s)\n", config_path ? config_path : "defaults");
    mugai_config_free(c);
    return 0;
  }
#ifndef __SANITIZE_ADDRESS__
  /* No core file with mail in it; see src/cli/main.c. */
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
#endif
  /* Before any thread exists: every thread inherits this mask, so the
   * signals reach only the sigwait below (and libmilter's own thread, which
   * the kernel picks only when the main thread is busy). */
  sigemptyset(&set);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &set, NULL);
  signal(SIGPIPE, SIG_IGN);

  g_mutex_init(&milter_state.lock);
  g_cond_init(&milter_state.idle);
  milter_state.fault = fault_from_env();
  if (smfi_register(*milter_callbacks()) != MI_SUCCESS)
    return die("smfi_register failed");
  smfi_setbacklog(128);
  if (!prepare_socket(c, &error) || !drop_privileges(c->milter.user, &error)
      || !open_state(c, &error))
    return die("%s", error->message);
  timeout_ms = c->milter.timeout_ms;
  milter_state.unix_socket = unix_path(c->milter.socket) != NULL;
  mugai_config_put_in_force(c);

  if (!g_thread_try_new("milter-listen", listener_main, NULL, &error))
    return die("cannot start the listener: %s", error->message);
  milter_log(LOG_NOTICE, "ready on %s", c->milter.socket);

  for (;;) {
    if (sigwait(&set, &sig) != 0)
      continue;
    if (sig == SIGHUP) {
      reload(config_path, socket_spec);
      {
        MugaiSharedConfig *now = mugai_config_in_force();
        timeout_ms = now->config->milter.timeout_ms;
        mugai_shared_config_unref(now);
      }
      continue;
    }
    break;
  }
  g_mutex_lock(&milter_state.lock);
  milter_state.stopping = TRUE;
  g_mutex_unlock(&milter_state.lock);
  if (sig == SIGUSR1) {
    /* The listener ended on its own: libmilter's signal thread took a
     * signal meant for us, or the socket failed. Stop, and say so. */
    milter_log(LOG_ERR, "the milter listener stopped unexpectedly; stopping");
    status = 1;
  } else {
    milter_log(LOG_NOTICE, "stopping (signal %d): finishing messages in flight", sig);
    smfi_stop();
  }
  if (wait_idle(g_get_monotonic_time() + ((gint64)timeout_ms + 30000) * 1000))
    mugai_committer_free(milter_state.committer);
  else {
    /* The committer stays: a message still in flight may yet store. */
    milter_log(LOG_WARNING, "stopping with messages still in flight; the MTA will retry them");
    status = 1;
  }
  mugai_office_shutdown();
  milter_log(LOG_NOTICE, "stopped");
  _exit(status);
}
