/*
 * watch.h - mugai-watch: state shared by the process (main.c: folders,
 * inotify, when a file is ready) and the jobs (job.c: claim, sanitise,
 * store, write, resume).
 *
 * A file's life: drop/<user>/<sub>/<name> is claimed by renaming it to
 * <work>/<ID>.input after <work>/<ID>.job records where it came from; it is
 * sanitised with the run id ID; its original is stored in the quarantine;
 * its outputs are written under <out>/.mugai-staging/ and made durable; the
 * job record is rewritten with the renames still to do; the renames put
 * every output in <out>/<user>/<sub>/ without replacing anything; the input
 * and the job record go. A crash anywhere leaves a job record that the next
 * start finishes (watch_job_resume) without losing or repeating anything.
 */
#ifndef MUGAI_WATCH_H
#define MUGAI_WATCH_H

#include <glib.h>
#include <sys/types.h>

#include "core/config.h"
#include "quarantine/committer.h"
#include "quarantine/store.h"

G_BEGIN_DECLS

/* Test builds only (MUGAI_WATCH_CRASH): _exit(137) right after a step. */
typedef enum {
  WATCH_CRASH_NONE = 0,
  WATCH_CRASH_CLAIM,   /* the claim rename */
  WATCH_CRASH_STORE,   /* the original durable in the quarantine */
  WATCH_CRASH_JOURNAL, /* the rename list written */
  WATCH_CRASH_RENAME,  /* the first output renamed into place */
  WATCH_CRASH_LOGGED,  /* the file's log line written, its record still there */
} WatchCrash;

typedef struct {
  char *drop;    /* [watch] drop_dir */
  char *out;     /* [watch] out_dir */
  char *work;    /* [watch] work_dir */
  char *staging; /* <out>/.mugai-staging */
  char *failed;  /* <work>/failed: claimed files that could not be read */
  gboolean per_user;
  int drop_fd, out_fd, work_fd, staging_fd; /* O_PATH directories */
  MugaiStore *store;
  MugaiCommitter *committer;
  WatchCrash crash;
  gboolean as_root; /* outputs get the owner of the drop folder */
  gboolean same_fs; /* the work folder and the out folder share a file system */
  /* names being written in out folders, "DIR/NAME" (under names_lock) */
  GMutex names_lock;
  GHashTable *reserved;
  GHashTable *jobs; /* ids of the jobs running (under names_lock) */
} WatchState;

extern WatchState watch_state;
/* set (atomically) when SIGTERM or SIGINT asks the process to stop */
extern gint watch_stopping;

/* watch_log - one line to syslog (facility daemon; stderr with --log-stderr) */
void watch_log(int priority, const char *format, ...) G_GNUC_PRINTF(2, 3);

/* watch_display - NAME made printable for a log line: invalid UTF-8 and
 * controls escaped, quotes and backslashes escaped (transfer full) */
char *watch_display(const char *name);

/* watch_job_new - take the file REL (a path relative to the drop folder:
 * "<user>/<sub>/<name>", or "<sub>/<name>" without per-user folders): claim,
 * sanitise, store, write. Returns FALSE when nothing was done because the
 * file was gone or is not ready to be claimed. */
gboolean watch_job_new(const char *rel);

/* watch_job_resume - finish the job ID found in the work folder (left by a
 * crash, a stop or a failure), unless it is running. */
void watch_job_resume(const char *id);

/* watch_jobs_pending - the ids of job records in the work folder that no
 * job is running; with AT_START (nothing is running), staging files of
 * jobs that had not listed their renames are removed too. (transfer full) */
GPtrArray *watch_jobs_pending(gboolean at_start);

/* watch_open_dir - the directory REL below DIRFD, every component opened
 * with O_NOFOLLOW (a symbolic link anywhere in it fails with ELOOP), as an
 * O_PATH descriptor; with CREATE, missing components are made with MODE
 * and, when UID is not -1, given that owner. -1 with errno on failure. */
int watch_open_dir(int dirfd, const char *rel, gboolean create, mode_t mode, uid_t uid, gid_t gid);

G_END_DECLS

#endif /* MUGAI_WATCH_H */
