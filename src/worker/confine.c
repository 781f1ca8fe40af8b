/*
 * confine.c - resource limits and the seccomp filter of a worker.
 *
 * The filter is an allowlist: what poppler, cairo, fontconfig, FreeType,
 * gdk-pixbuf and the C library need to read an open input, render into
 * memory and write frames to pipes they already hold. Anything else fails
 * with EPERM, and the calls that would take a compromised parser out of
 * its box (networking, exec, ptrace, process creation, signalling other
 * processes) kill the process on the spot, so that an attempt is loud.
 * Files can be opened for reading only (fonts, CMaps); RLIMIT_FSIZE of 0
 * backs that up. Where the kernel has Landlock, reads are further limited
 * to the few directories a renderer needs (restrict_files).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <linux/landlock.h>
#include <sys/syscall.h>

#include <seccomp.h>

#include "worker/confine.h"

#ifndef O_TMPFILE
#define O_TMPFILE 020200000
#endif

/* Open flags that could create or change a file. */
#define WRITE_FLAGS (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND | (O_TMPFILE & ~O_DIRECTORY))

static const int allowed[] = {
  SCMP_SYS(read),
  SCMP_SYS(readv),
  SCMP_SYS(pread64),
  SCMP_SYS(preadv),
  SCMP_SYS(write),
  SCMP_SYS(writev),
  SCMP_SYS(close),
  SCMP_SYS(fstat),
  SCMP_SYS(newfstatat),
  SCMP_SYS(stat),
  SCMP_SYS(lstat),
  SCMP_SYS(statx),
  SCMP_SYS(statfs),
  SCMP_SYS(fstatfs),
  SCMP_SYS(lseek),
  SCMP_SYS(access),
  SCMP_SYS(faccessat),
  SCMP_SYS(faccessat2),
  SCMP_SYS(readlink),
  SCMP_SYS(readlinkat),
  SCMP_SYS(getdents64),
  SCMP_SYS(getcwd),
  SCMP_SYS(fcntl),
  SCMP_SYS(dup),
  SCMP_SYS(dup2),
  SCMP_SYS(dup3),
  SCMP_SYS(fadvise64),
  SCMP_SYS(flock),
  SCMP_SYS(mmap),
  SCMP_SYS(munmap),
  SCMP_SYS(mremap),
  SCMP_SYS(mprotect),
  SCMP_SYS(madvise),
  SCMP_SYS(mincore),
  SCMP_SYS(brk),
  SCMP_SYS(futex),
  SCMP_SYS(set_robust_list),
  SCMP_SYS(get_robust_list),
  SCMP_SYS(rseq),
  SCMP_SYS(set_tid_address),
  SCMP_SYS(arch_prctl),
  SCMP_SYS(membarrier),
  SCMP_SYS(sched_yield),
  SCMP_SYS(sched_getaffinity),
  SCMP_SYS(nanosleep),
  SCMP_SYS(clock_nanosleep),
  SCMP_SYS(clock_gettime),
  SCMP_SYS(clock_getres),
  SCMP_SYS(gettimeofday),
  SCMP_SYS(time),
  SCMP_SYS(getpid),
  SCMP_SYS(getppid),
  SCMP_SYS(gettid),
  SCMP_SYS(getuid),
  SCMP_SYS(geteuid),
  SCMP_SYS(getgid),
  SCMP_SYS(getegid),
  SCMP_SYS(getresuid),
  SCMP_SYS(getresgid),
  SCMP_SYS(getgroups),
  SCMP_SYS(getrandom),
  SCMP_SYS(getrlimit),
  SCMP_SYS(getrusage),
  SCMP_SYS(times),
  SCMP_SYS(uname),
  SCMP_SYS(sysinfo),
  SCMP_SYS(rt_sigaction),
  SCMP_SYS(rt_sigprocmask),
  SCMP_SYS(rt_sigreturn),
  SCMP_SYS(sigaltstack),
  SCMP_SYS(poll),
  SCMP_SYS(ppoll),
  SCMP_SYS(select),
  SCMP_SYS(pselect6),
  SCMP_SYS(eventfd2),
  SCMP_SYS(pipe2),
  SCMP_SYS(exit),
  SCMP_SYS(exit_group),
};

/* Calls that only an escaping parser would make: the process dies. */
static const int fatal[] = {
  SCMP_SYS(socket),
  SCMP_SYS(socketpair),
  SCMP_SYS(connect),
  SCMP_SYS(bind),
  SCMP_SYS(listen),
  SCMP_SYS(accept),
  SCMP_SYS(accept4),
  SCMP_SYS(sendto),
  SCMP_SYS(sendmsg),
  SCMP_SYS(sendmmsg),
  SCMP_SYS(recvfrom),
  SCMP_SYS(recvmsg),
  SCMP_SYS(execve),
  SCMP_SYS(execveat),
  SCMP_SYS(ptrace),
  SCMP_SYS(process_vm_readv),
  SCMP_SYS(process_vm_writev),
  SCMP_SYS(fork),
  SCMP_SYS(vfork),
  SCMP_SYS(kill),
  SCMP_SYS(tkill),
  SCMP_SYS(rt_sigqueueinfo),
  SCMP_SYS(rt_tgsigqueueinfo),
  SCMP_SYS(pidfd_send_signal),
  SCMP_SYS(pidfd_open),
  SCMP_SYS(setns),
  SCMP_SYS(unshare),
  SCMP_SYS(mount),
  SCMP_SYS(bpf),
  SCMP_SYS(perf_event_open),
  SCMP_SYS(userfaultfd),
  SCMP_SYS(io_uring_setup),
};

/* confine_quark - the error domain */
static GQuark
confine_quark(void)
{
  return g_quark_from_static_string("mugai-confine");
}

static const int prctl_ok[] = { PR_GET_DUMPABLE, PR_SET_NAME, PR_GET_NAME };

/* mapped_bytes - the address space mapped now (VmSize), or 0 */
static guint64
mapped_bytes(void)
{
  FILE *f = fopen("/proc/self/status", "re");
  char line[256];
  guint64 kb = 0;

  if (!f)
    return 0;
  while (fgets(line, sizeof line, f))
    if (!strncmp(line, "VmSize:", 7)) {
      kb = g_ascii_strtoull(line + 7, NULL, 10);
      break;
    }
  fclose(f);
  return kb * 1024;
}

/* set_limit - setrlimit, or an error naming it */
static gboolean
set_limit(int resource, const char *name, rlim_t soft, rlim_t hard, GError **error)
{
  struct rlimit rl = { soft, hard };

  if (setrlimit(resource, &rl) == 0)
    return TRUE;
  g_set_error(error, confine_quark(), 0, "setrlimit %s: %s", name, g_strerror(errno));
  return FALSE;
}

/* What a worker may read once confined: libraries and data under /usr
 * (fonts, poppler's CMaps, gconv modules), fontconfig's configuration and
 * caches. Nothing else: not the quarantine, not other users' files, not
 * /proc of other processes. */
static const char *const readable[] = {
  "/usr",
  "/etc/fonts",
  "/var/cache/fontconfig",
};

/* restrict_files - Landlock: reads only beneath READABLE, no writes at all.
 * Best effort: a kernel without Landlock leaves the seccomp filter (no
 * write opens) and RLIMIT_FSIZE as the file-system barrier. */
static gboolean
restrict_files(GError **error)
{
  struct landlock_ruleset_attr attr = { 0 };
  long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
  guint64 read_only = LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR;
  int ruleset;

  if (abi < 1)
    return TRUE; /* not available here */
  attr.handled_access_fs = LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE
                           | LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR
                           | LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE
                           | LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR
                           | LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK
                           | LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK
                           | LANDLOCK_ACCESS_FS_MAKE_SYM;
#ifdef LANDLOCK_ACCESS_FS_REFER
  if (abi >= 2)
    attr.handled_access_fs |= LANDLOCK_ACCESS_FS_REFER;
#endif
#ifdef LANDLOCK_ACCESS_FS_TRUNCATE
  if (abi >= 3)
    attr.handled_access_fs |= LANDLOCK_ACCESS_FS_TRUNCATE;
#endif
  ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0);
  if (ruleset < 0) {
    g_set_error(error, confine_quark(), 0, "landlock_create_ruleset: %s", g_strerror(errno));
    return FALSE;
  }
  for (gsize i = 0; i < G_N_ELEMENTS(readable); i++) {
    struct landlock_path_beneath_attr rule = { .allowed_access = read_only };
    rule.parent_fd = open(readable[i], O_PATH | O_CLOEXEC);
    if (rule.parent_fd < 0)
      continue; /* absent here: nothing to allow */
    if (syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &rule, 0) != 0) {
      g_set_error(error, confine_quark(), 0, "landlock_add_rule %s: %s", readable[i],
                  g_strerror(errno));
      close(rule.parent_fd);
      close(ruleset);
      return FALSE;
    }
    close(rule.parent_fd);
  }
  if (syscall(SYS_landlock_restrict_self, ruleset, 0) != 0) {
    g_set_error(error, confine_quark(), 0, "landlock_restrict_self: %s", g_strerror(errno));
    close(ruleset);
    return FALSE;
  }
  close(ruleset);
  return TRUE;
}

/* add_rule - one seccomp rule, or an error */
static gboolean
add_rule(scmp_filter_ctx ctx, guint32 action, int nr, unsigned int n_args,
         const struct scmp_arg_cmp *args, GError **error)
{
  int rc = seccomp_rule_add_array(ctx, action, nr, n_args, args);

  if (rc == 0)
    return TRUE;
  g_set_error(error, confine_quark(), 0, "seccomp rule for syscall %d: %s", nr, g_strerror(-rc));
  return FALSE;
}

/* install_filter - the allowlist above, with argument checks where a call
 * is needed in one form and dangerous in another */
static gboolean
install_filter(GError **error)
{
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
  struct scmp_arg_cmp ro_openat = SCMP_A2(SCMP_CMP_MASKED_EQ, WRITE_FLAGS, 0);
  struct scmp_arg_cmp ro_open = SCMP_A1(SCMP_CMP_MASKED_EQ, WRITE_FLAGS, 0);
  struct scmp_arg_cmp thread = SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD);
  struct scmp_arg_cmp process = SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0);
  struct scmp_arg_cmp tcgets = SCMP_A1(SCMP_CMP_EQ, TCGETS);
  struct scmp_arg_cmp get_only = SCMP_A2(SCMP_CMP_EQ, 0);
  gboolean ok = ctx != NULL;
  int rc;

  if (!ctx) {
    g_set_error(error, confine_quark(), 0, "seccomp_init failed");
    return FALSE;
  }
  for (gsize i = 0; ok && i < G_N_ELEMENTS(allowed); i++)
    ok = add_rule(ctx, SCMP_ACT_ALLOW, allowed[i], 0, NULL, error);
  for (gsize i = 0; ok && i < G_N_ELEMENTS(fatal); i++)
    ok = add_rule(ctx, SCMP_ACT_KILL_PROCESS, fatal[i], 0, NULL, error);
  ok = ok && add_rule(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1, &ro_openat, error);
  ok = ok && add_rule(ctx, SCMP_ACT_ALLOW, SCMP_SYS(open), 1, &ro_open, error);
  /* Threads, yes; a new process, no. clone3 hides its flags in memory the
   * filter cannot read, so it reports ENOSYS and the C library falls back
   * to clone. */
  ok = ok && add_rule(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1, &thread, error);
  ok = ok && add_rule(ctx, SCMP_ACT_KILL_PROCESS, SCMP_SYS(clone), 1, &process, error);
  ok = ok && add_rule(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0, NULL, error);
  ok = ok && add_rule(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1, &tcgets, error);
  ok = ok && add_rule(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prlimit64), 1, &get_only, error);
  /* Signals only to itself (abort, raise): never to the parent or any
   * other process of the same user. */
  {
    struct scmp_arg_cmp self = SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid());
    struct scmp_arg_cmp other = SCMP_A0(SCMP_CMP_NE, (scmp_datum_t)getpid());
    ok = ok && add_rule(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1, &self, error);
    ok = ok && add_rule(ctx, SCMP_ACT_KILL_PROCESS, SCMP_SYS(tgkill), 1, &other, error);
  }
  /* prctl only to name a thread or read its own state: nothing that could
   * make the process traceable again or change its limits. */
  for (gsize i = 0; ok && i < G_N_ELEMENTS(prctl_ok); i++) {
    struct scmp_arg_cmp option = SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)prctl_ok[i]);
    ok = add_rule(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1, &option, error);
  }
  if (ok && (rc = seccomp_load(ctx)) != 0) {
    g_set_error(error, confine_quark(), 0, "seccomp_load: %s", g_strerror(-rc));
    ok = FALSE;
  }
  seccomp_release(ctx);
  return ok;
}

gboolean
mugai_confine_enter(const MugaiConfineLimits *limits, GError **error)
{
  guint64 base = mapped_bytes();
  rlim_t as = RLIM_INFINITY;

  /* The parent passed exactly 0-3; anything else is a leak to plug. */
  if (close_range(4, ~0U, 0) != 0) {
    for (int fd = 4; fd < 1024; fd++)
      close(fd);
  }
  if (limits->memory_limit > 0 && base < G_MAXUINT64 - limits->memory_limit)
    as = (rlim_t)(base + limits->memory_limit);
  if (!set_limit(RLIMIT_AS, "AS", as, as, error) || !set_limit(RLIMIT_FSIZE, "FSIZE", 0, 0, error)
      || !set_limit(RLIMIT_CORE, "CORE", 0, 0, error)
      || !set_limit(RLIMIT_NOFILE, "NOFILE", limits->max_fds ? limits->max_fds : 64,
                    limits->max_fds ? limits->max_fds : 64, error))
    return FALSE;
  if (limits->cpu_seconds > 0
      && !set_limit(RLIMIT_CPU, "CPU", limits->cpu_seconds, limits->cpu_seconds + 1, error))
    return FALSE;
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    g_set_error(error, confine_quark(), 0, "PR_SET_NO_NEW_PRIVS: %s", g_strerror(errno));
    return FALSE;
  }
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
    g_set_error(error, confine_quark(), 0, "PR_SET_DUMPABLE: %s", g_strerror(errno));
    return FALSE;
  }
  return restrict_files(error) && install_filter(error);
}

void
mugai_confine_parse_limits(int argc, char **argv, MugaiConfineLimits *limits)
{
  for (int i = 1; i < argc; i++) {
    if (g_str_has_prefix(argv[i], "--memory="))
      limits->memory_limit = g_ascii_strtoull(argv[i] + 9, NULL, 10);
    else if (g_str_has_prefix(argv[i], "--cpu="))
      limits->cpu_seconds = (guint)g_ascii_strtoull(argv[i] + 6, NULL, 10);
  }
}
