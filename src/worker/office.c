/*
 * office.c - mugai-worker office-launch: the box a LibreOffice converter
 * lives in.
 *
 * LibreOffice cannot run under the PDF workers' allowlist: it forks, execs
 * (its agent starts soffice.bin), writes a profile, and talks UNO over a
 * Unix socket. So this mode builds a different box and execs the agent
 * (src/worker/office-agent.py) in it; the agent and LibreOffice inherit
 * every part of it and cannot undo any (PR_SET_NO_NEW_PRIVS):
 *
 *  - no capabilities, even when mugai runs as root (the bounding set is
 *    emptied before the exec);
 *  - resource limits: address space (per process), CPU seconds, file size,
 *    open files, no core dumps;
 *  - Landlock, where the kernel has it: files can be read only beneath
 *    /usr, /etc, /proc, /sys and fontconfig's cache (and /dev/null, zero,
 *    full, random, urandom), executed only
 *    beneath /usr (and LibreOffice's own directory), and written only in
 *    the converter's private directory; in /tmp it may create Unix sockets
 *    (LibreOffice's pipe lives there) and nothing else; with ABI 4, no TCP
 *    bind or connect; with ABI 6, no abstract Unix sockets outside the box
 *    and no signals to processes outside it;
 *  - a seccomp filter whose job is "no network, no way out": socket() of
 *    any family but AF_UNIX fails with EACCES, and so do ptrace, other
 *    processes' memory, mounts, namespaces, BPF, kernel keyrings, io_uring
 *    (which would bypass the socket rule), setsid and setpgid (the process
 *    group is how mugai kills a converter whole), and TIOCSTI;
 *  - an environment of its own: HOME and TMPDIR in the private directory,
 *    LANG=C.UTF-8, headless VCL, no DISPLAY, no D-Bus address.
 *
 * mugai started this process in a new session with descriptors 0 (requests),
 * 1 (replies) and 2 (diagnostics) only.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/landlock.h>
#include <sys/syscall.h>

#include <seccomp.h>

#include "sandbox/office-wire.h"
#include "worker/worker.h"

/* Landlock beyond the ABI of older kernel headers. */
#define LL_FS_REFER     (1ULL << 13)
#define LL_FS_TRUNCATE  (1ULL << 14)
#define LL_FS_IOCTL_DEV (1ULL << 15)
#define LL_NET_BIND     (1ULL << 0)
#define LL_NET_CONNECT  (1ULL << 1)
#define LL_SCOPE_UNIX   (1ULL << 0)
#define LL_SCOPE_SIGNAL (1ULL << 1)
#define LL_FS_V1        ((1ULL << 13) - 1) /* EXECUTE .. MAKE_SYM */

/* struct landlock_ruleset_attr as of ABI 6 */
typedef struct {
  guint64 handled_access_fs;
  guint64 handled_access_net;
  guint64 scoped;
} RulesetAttr;

#define R_FILE (LANDLOCK_ACCESS_FS_READ_FILE)
#define R_DIR  (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
#define RX_DIR (R_DIR | LANDLOCK_ACCESS_FS_EXECUTE)
#define RW_DIR                                                                                     \
  (R_DIR | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR                           \
   | LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG    \
   | LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_SYM     \
   | LL_FS_REFER | LL_FS_TRUNCATE)

typedef struct {
  const char *path;
  guint64 access;
} PathRule;

/* Where a converter may read (and, beneath /usr, execute). */
static const PathRule fixed_rules[] = {
  { "/usr", RX_DIR },
  { "/lib", RX_DIR },
  { "/lib64", RX_DIR },
  { "/bin", RX_DIR },
  { "/sbin", RX_DIR },
  { "/etc", R_DIR },
  { "/proc", R_DIR },
  { "/sys", R_DIR },
  /* Of /dev, the harmless character devices only: as root, /dev would
   * also hold the raw disks. */
  { "/dev/null", R_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE | LL_FS_TRUNCATE },
  { "/dev/zero", R_FILE },
  { "/dev/full", R_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE },
  { "/dev/random", R_FILE },
  { "/dev/urandom", R_FILE },
  { "/var/cache/fontconfig", R_DIR },
  /* Debian links parts of LibreOffice's tree there (extension caches). */
  { "/var/lib/libreoffice", R_DIR },
  { "/var/spool/libreoffice", R_DIR },
  /* LibreOffice's pipe: a socket node in /tmp, nothing else there. */
  { "/tmp", LANDLOCK_ACCESS_FS_MAKE_SOCK },
};

/* Denied to a converter (EPERM). Names, so that calls the installed
 * libseccomp does not know are skipped rather than breaking the build. */
static const char *const denied[] = {
  "ptrace",
  "process_vm_readv",
  "process_vm_writev",
  "pidfd_getfd",
  "kcmp",
  "mount",
  "umount2",
  "pivot_root",
  "chroot",
  "unshare",
  "setns",
  "fsopen",
  "fsconfig",
  "fsmount",
  "fspick",
  "move_mount",
  "open_tree",
  "mount_setattr",
  "open_by_handle_at",
  "name_to_handle_at",
  "bpf",
  "perf_event_open",
  "userfaultfd",
  "io_uring_setup",
  "io_uring_enter",
  "io_uring_register",
  "keyctl",
  "add_key",
  "request_key",
  "kexec_load",
  "kexec_file_load",
  "init_module",
  "finit_module",
  "delete_module",
  "setsid",
  "setpgid",
  "swapon",
  "swapoff",
  "reboot",
  "acct",
  "quotactl",
  "syslog",
  "iopl",
  "ioperm",
  "vhangup",
  "settimeofday",
  "clock_settime",
  "clock_adjtime",
  "adjtimex",
  "sethostname",
  "setdomainname",
  "lookup_dcookie",
  "nfsservctl",
  "uselib",
  "personality",
};

/* Clone flags that would make a namespace. */
static const scmp_datum_t namespace_flags[] = {
  CLONE_NEWNS,  CLONE_NEWUSER, CLONE_NEWPID,    CLONE_NEWNET,
  CLONE_NEWUTS, CLONE_NEWIPC,  CLONE_NEWCGROUP,
};

typedef struct {
  guint64 memory, cpu, fsize, nofile;
  const char *dir, *pipe, *python, *agent, *soffice, *start_timeout;
} LaunchOptions;

/* launch_fail - say why on the reply channel as the agent would, and exit */
static G_NORETURN void launch_fail(const char *format, ...) G_GNUC_PRINTF(1, 2);

static void
launch_fail(const char *format, ...)
{
  unsigned char h[16] = { MUGAI_OFFICE_ERROR }, code[4];
  char msg[MUGAI_WIRE_ERROR_MAX];
  va_list ap;
  int n;

  va_start(ap, format);
  n = g_vsnprintf(msg, sizeof msg, format, ap);
  va_end(ap);
  n = CLAMP(n, 0, (int)sizeof msg - 1);
  mugai_wire_put64(h + 8, 4 + (guint64)n);
  mugai_wire_put32(code, MUGAI_WIRE_ERR_INTERNAL);
  if (write(1, MUGAI_OFFICE_MAGIC, 4) == 4 && write(1, h, sizeof h) == sizeof h
      && write(1, code, 4) == 4 && write(1, msg, (size_t)n) == n)
    fprintf(stderr, "office-launch: %s\n", msg);
  _exit(1);
}

/* option - --NAME=VALUE of argv, or NULL */
static const char *
option(int argc, char **argv, const char *name)
{
  gsize n = strlen(name);

  for (int i = 2; i < argc; i++)
    if (!strncmp(argv[i], "--", 2) && !strncmp(argv[i] + 2, name, n) && argv[i][2 + n] == '=')
      return argv[i] + 3 + n;
  return NULL;
}

/* add_path - one Landlock rule; a path absent here is skipped */
static gboolean
add_path(int ruleset, const char *path, guint64 access, guint64 handled)
{
  struct landlock_path_beneath_attr rule = { .allowed_access = access & handled };
  struct stat st;
  int rc;

  rule.parent_fd = open(path, O_PATH | O_CLOEXEC);
  if (rule.parent_fd < 0)
    return TRUE;
  /* Rights that only a directory can have are dropped for a file. */
  if (fstat(rule.parent_fd, &st) == 0 && !S_ISDIR(st.st_mode))
    rule.allowed_access &= LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE
                           | LANDLOCK_ACCESS_FS_READ_FILE | LL_FS_TRUNCATE | LL_FS_IOCTL_DEV;
  rc = (int)syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &rule, 0);
  close(rule.parent_fd);
  return rc == 0;
}

/* restrict_files - the Landlock domain; returns its ABI (0: none here) */
static long
restrict_files(const LaunchOptions *o)
{
  long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
  RulesetAttr attr = { 0 };
  gsize attr_size = sizeof attr.handled_access_fs;
  g_autofree char *install = NULL;
  int ruleset;

  if (abi < 1)
    return 0;
  attr.handled_access_fs = LL_FS_V1;
  if (abi >= 2)
    attr.handled_access_fs |= LL_FS_REFER;
  if (abi >= 3)
    attr.handled_access_fs |= LL_FS_TRUNCATE;
  if (abi >= 5)
    attr.handled_access_fs |= LL_FS_IOCTL_DEV;
  if (abi >= 4) {
    attr.handled_access_net = LL_NET_BIND | LL_NET_CONNECT; /* and no rule allows any */
    attr_size = 2 * sizeof(guint64);
  }
  if (abi >= 6) {
    attr.scoped = LL_SCOPE_UNIX | LL_SCOPE_SIGNAL;
    attr_size = sizeof attr;
  }
  ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, attr_size, 0);
  if (ruleset < 0)
    launch_fail("landlock_create_ruleset: %s", g_strerror(errno));
  for (gsize i = 0; i < G_N_ELEMENTS(fixed_rules); i++)
    if (!add_path(ruleset, fixed_rules[i].path, fixed_rules[i].access, attr.handled_access_fs))
      launch_fail("landlock rule for %s: %s", fixed_rules[i].path, g_strerror(errno));
  /* LibreOffice installed elsewhere than /usr: its whole tree, read and run. */
  install = g_path_get_dirname(o->soffice);
  if (g_str_has_suffix(install, "/program")) {
    char *up = g_path_get_dirname(install);
    g_free(install);
    install = up;
  }
  if (!add_path(ruleset, install, RX_DIR, attr.handled_access_fs)
      || !add_path(ruleset, o->agent, R_FILE, attr.handled_access_fs)
      || !add_path(ruleset, o->dir, RW_DIR, attr.handled_access_fs))
    launch_fail("landlock rule: %s", g_strerror(errno));
  if (syscall(SYS_landlock_restrict_self, ruleset, 0) != 0)
    launch_fail("landlock_restrict_self: %s", g_strerror(errno));
  close(ruleset);
  return abi;
}

/* deny - one EPERM rule by name; unknown names are skipped */
static void
deny(scmp_filter_ctx ctx, const char *name, unsigned int n, const struct scmp_arg_cmp *args,
     int err)
{
  int nr = seccomp_syscall_resolve_name(name);
  int rc;

  if (nr == __NR_SCMP_ERROR)
    return;
  rc = seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO(err), nr, n, args);
  if (rc != 0 && rc != -EEXIST)
    launch_fail("seccomp rule for %s: %s", name, g_strerror(-rc));
}

/* install_filter - allow by default, deny the network and the ways out */
static void
install_filter(void)
{
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  struct scmp_arg_cmp not_unix = SCMP_A0(SCMP_CMP_NE, AF_UNIX);
  struct scmp_arg_cmp tiocsti = SCMP_A1(SCMP_CMP_EQ, TIOCSTI);
  int rc;

  if (!ctx)
    launch_fail("seccomp_init failed");
  deny(ctx, "socket", 1, &not_unix, EACCES);
  deny(ctx, "socketpair", 1, &not_unix, EACCES);
  deny(ctx, "ioctl", 1, &tiocsti, EPERM);
  for (gsize i = 0; i < G_N_ELEMENTS(denied); i++)
    deny(ctx, denied[i], 0, NULL, EPERM);
  for (gsize i = 0; i < G_N_ELEMENTS(namespace_flags); i++) {
    struct scmp_arg_cmp flag = SCMP_A0(SCMP_CMP_MASKED_EQ, namespace_flags[i], namespace_flags[i]);
    deny(ctx, "clone", 1, &flag, EPERM);
  }
  /* clone3 keeps its flags where the filter cannot read them: the C
   * library falls back to clone, whose flags it can. */
  deny(ctx, "clone3", 0, NULL, ENOSYS);
  rc = seccomp_load(ctx);
  seccomp_release(ctx);
  if (rc != 0)
    launch_fail("seccomp_load: %s", g_strerror(-rc));
}

/* drop_capabilities - run as root, a converter would keep every capability
 * (CAP_DAC_OVERRIDE past file modes, CAP_LINUX_IMMUTABLE, ...): the bounding
 * set is emptied, so that the exec below grants root none. Without
 * CAP_SETPCAP (not root) there is nothing to drop and this does nothing. */
static void
drop_capabilities(void)
{
  for (int cap = 0; cap < 64; cap++)
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno == EINVAL)
      break; /* past the last capability this kernel knows */
  prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
}

/* set_limit - soft = hard = VALUE, or fail */
static void
set_limit(int resource, const char *name, guint64 value)
{
  struct rlimit rl = { (rlim_t)value, (rlim_t)value };

  if (setrlimit(resource, &rl) != 0)
    launch_fail("setrlimit %s: %s", name, g_strerror(errno));
}

int
mugai_worker_office_launch(int argc, char **argv)
{
  LaunchOptions o = { 0 };
  g_autofree char *home = NULL, *tmpdir = NULL, *a_soffice = NULL, *a_dir = NULL;
  g_autofree char *a_pipe = NULL, *a_timeout = NULL, *a_box = NULL;
  struct rlimit cpu;
  long abi;

  o.memory = g_ascii_strtoull(option(argc, argv, "memory") ?: "0", NULL, 10);
  o.cpu = g_ascii_strtoull(option(argc, argv, "cpu") ?: "0", NULL, 10);
  o.fsize = g_ascii_strtoull(option(argc, argv, "fsize") ?: "0", NULL, 10);
  o.nofile = g_ascii_strtoull(option(argc, argv, "nofile") ?: "0", NULL, 10);
  o.dir = option(argc, argv, "dir");
  o.pipe = option(argc, argv, "pipe");
  o.python = option(argc, argv, "python");
  o.agent = option(argc, argv, "agent");
  o.soffice = option(argc, argv, "soffice");
  o.start_timeout = option(argc, argv, "start-timeout") ?: "60";
  if (!o.dir || !o.pipe || !o.python || !o.agent || !o.soffice || !o.memory || !o.cpu || !o.fsize
      || !o.nofile || !g_path_is_absolute(o.dir))
    launch_fail("office-launch: missing or bad options");
  /* mugai passed exactly 0-2. */
  if (close_range(3, ~0U, 0) != 0)
    for (int fd = 3; fd < 1024; fd++)
      close(fd);
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
    launch_fail("PR_SET_NO_NEW_PRIVS: %s", g_strerror(errno));
  drop_capabilities();
  abi = restrict_files(&o);
  install_filter();

  home = g_strdup_printf("HOME=%s", o.dir);
  tmpdir = g_strdup_printf("TMPDIR=%s", o.dir);
  a_soffice = g_strdup_printf("--soffice=%s", o.soffice);
  a_dir = g_strdup_printf("--dir=%s", o.dir);
  a_pipe = g_strdup_printf("--pipe=%s", o.pipe);
  a_timeout = g_strdup_printf("--start-timeout=%s", o.start_timeout);
  a_box = abi > 0 ? g_strdup_printf("--confinement=seccomp+landlock-v%ld", abi)
                  : g_strdup("--confinement=seccomp(no-landlock)");
  {
    char *const envp[] = {
      home,
      tmpdir,
      "LANG=C.UTF-8",
      "PATH=/usr/bin:/bin",
      "SAL_USE_VCLPLUGIN=svp",
      /* GLib inside LibreOffice: no GVfs or dconf, so no D-Bus. */
      "GIO_USE_VFS=local",
      "GSETTINGS_BACKEND=memory",
      NULL,
    };
    char *const args[] = {
      (char *)o.python, "-I",  "-B", (char *)o.agent, a_soffice, a_dir, a_pipe,
      a_timeout,        a_box, NULL,
    };
    /* Limits last: nothing here allocates after them. RLIMIT_CPU: SIGXCPU
     * at the soft limit, SIGKILL a second later. */
    set_limit(RLIMIT_AS, "AS", o.memory);
    set_limit(RLIMIT_FSIZE, "FSIZE", o.fsize);
    set_limit(RLIMIT_NOFILE, "NOFILE", o.nofile);
    set_limit(RLIMIT_CORE, "CORE", 0);
    cpu.rlim_cur = (rlim_t)o.cpu;
    cpu.rlim_max = (rlim_t)o.cpu + 1;
    if (setrlimit(RLIMIT_CPU, &cpu) != 0)
      launch_fail("setrlimit CPU: %s", g_strerror(errno));
    execve(o.python, args, envp);
    launch_fail("cannot run %s: %s", o.python, g_strerror(errno));
  }
}
