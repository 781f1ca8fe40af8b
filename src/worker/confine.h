/*
 * confine.h - how a worker locks itself up before it reads untrusted bytes.
 *
 * A worker is started by its parent with exactly four descriptors: 0 (the
 * plan channel), 1 (frames out), 2 (diagnostics) and 3 (the input, read
 * only). mugai_confine_enter closes anything else, sets resource limits and
 * installs the seccomp filter; from then on the process cannot open a
 * socket, exec, ptrace, fork or write a file, and cannot undo any of it
 * (PR_SET_NO_NEW_PRIVS). Libraries that load modules or configuration
 * lazily (gdk-pixbuf loaders, fontconfig) are initialised before it.
 */
#ifndef MUGAI_WORKER_CONFINE_H
#define MUGAI_WORKER_CONFINE_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  guint64 memory_limit; /* address space beyond what is mapped on entry */
  guint cpu_seconds;    /* RLIMIT_CPU */
  guint max_fds;        /* RLIMIT_NOFILE */
} MugaiConfineLimits;

/* mugai_confine_enter - limits, then no_new_privs, then seccomp. */
gboolean mugai_confine_enter(const MugaiConfineLimits *limits, GError **error);

/* mugai_confine_parse_limits - --memory=, --cpu= options of argv into LIMITS;
 * unknown options are left for the caller. */
void mugai_confine_parse_limits(int argc, char **argv, MugaiConfineLimits *limits);

G_END_DECLS

#endif /* MUGAI_WORKER_CONFINE_H */
