/*
 * sanitize.h - what the front ends call: one input in, one result out.
 *
 * The core knows nothing of libmilter, inotify or argv; the CLI, the milter
 * and the watcher all go through here, so every path is testable without an
 * MTA.
 */
#ifndef MUGAI_CORE_SANITIZE_H
#define MUGAI_CORE_SANITIZE_H

#include <glib.h>

#include <mugai/item.h>

#include "core/config.h"

G_BEGIN_DECLS

typedef enum {
  MUGAI_INPUT_AUTO = 0, /* sniff: a mail if it looks like RFC 5322 */
  MUGAI_INPUT_MAIL,
  MUGAI_INPUT_FILE,
} MugaiInputKind;

typedef enum {
  MUGAI_VERDICT_DELIVERED = 0, /* sanitised output released */
  MUGAI_VERDICT_HELD,          /* kept for an operator */
  MUGAI_VERDICT_REJECTED,      /* nothing of it released; the output is a notice */
} MugaiVerdict;

const char *mugai_verdict_name(MugaiVerdict verdict);

typedef struct _MugaiResult MugaiResult;

/* mugai_sanitize_path - read PATH (a regular file, at most the message size
 * limit is mapped; a larger one is rejected by limit, not read) and sanitise
 * it. Fails only when no result can be produced (unreadable input), with an
 * error saying what and why. (transfer full) */
MugaiResult *mugai_sanitize_path(const MugaiConfig *config, const char *path, MugaiInputKind kind,
                                 GError **error);

/* mugai_sanitize_fd - the same for FD, a regular file open for reading (the
 * milter's spool file); NAME is the input's name for reports and errors.
 * FD stays open and its offset is not used. (transfer full) */
MugaiResult *mugai_sanitize_fd(const MugaiConfig *config, int fd, const char *name,
                               MugaiInputKind kind, GError **error);

/* mugai_sanitize_fd_held - a result for FD that holds the whole input for an
 * operator without parsing it: only the header block is read (so a notice
 * reaches the recipients), the root is held with REASON and DETAIL, and the
 * verdict is held. For a front end's failure policy "hold" (timeout,
 * internal error, oversize). (transfer full) */
MugaiResult *mugai_sanitize_fd_held(const MugaiConfig *config, int fd, const char *name,
                                    MugaiInputKind kind, MugaiReason reason, const char *detail,
                                    GError **error);

/* mugai_sanitize_bytes - the same for bytes already in memory; NAME is the
 * input's name for the report (untrusted). (transfer full) */
MugaiResult *mugai_sanitize_bytes(const MugaiConfig *config, GBytes *input, const char *name,
                                  MugaiInputKind kind, GError **error);

MugaiVerdict mugai_result_get_verdict(const MugaiResult *result);
/* mugai_result_is_late - whether sanitising ended after the configuration's
 * deadline (MugaiConfig.deadline): what reached it was cut short, so a
 * front end treats the result as a timeout. */
gboolean mugai_result_is_late(const MugaiResult *result);
const char *mugai_result_get_id(const MugaiResult *result);
/* mugai_result_is_mail - whether the input was processed as a mail. */
gboolean mugai_result_is_mail(const MugaiResult *result);
const MugaiItem *mugai_result_get_root(const MugaiResult *result);
/* mugai_result_get_sha256 - hex SHA-256 of the whole input. */
const char *mugai_result_get_sha256(const MugaiResult *result);
/* mugai_result_get_input_name - the input's name as reported. */
const char *mugai_result_get_input_name(const MugaiResult *result);
gsize mugai_result_get_input_size(const MugaiResult *result);
/* mugai_result_get_time - when it was sanitised (Unix seconds). */
gint64 mugai_result_get_time(const MugaiResult *result);
/* mugai_result_get_subject - a mail's decoded Subject, or NULL. */
const char *mugai_result_get_subject(const MugaiResult *result);
/* mugai_result_get_message_id - a mail's Message-ID as written, trimmed,
 * or NULL. (transfer full) */
char *mugai_result_get_message_id(const MugaiResult *result);
/* mugai_result_get_output - the bytes to release: the rebuilt mail, the
 * sanitised file, or the notice for a rejected file. (transfer none) */
GBytes *mugai_result_get_output(const MugaiResult *result);
/* mugai_result_report_json - the report (docs/report-schema.md). (transfer full) */
char *mugai_result_report_json(const MugaiResult *result, gboolean pretty);
/* mugai_result_notice - the notice text (日本語, then English). (transfer full) */
char *mugai_result_notice(const MugaiResult *result);

/* mugai_result_output_path - where an output requested at REQUESTED is
 * written: the same path for a mail; for a file, with the output's own
 * extension appended when REQUESTED has another (report.html -> report.html.txt),
 * so that no output regains an active type by its name. (transfer full) */
char *mugai_result_output_path(const MugaiResult *result, const char *requested);

/* mugai_result_write - write the output to OUTPUT and, if REPORT is not
 * NULL, the report to REPORT, each atomically (temporary name, fsync,
 * rename). On failure neither file is left behind. */
gboolean mugai_result_write(MugaiResult *result, const char *output, const char *report,
                            GError **error);

/* mugai_result_stage - the same into a commit group (core/util.h), for
 * batches: durable and visible when the group is finished. TAKEN (may be
 * NULL) maps base names in the output directory to MUGAI_NAME_RESERVED (an
 * input of the batch will be written under it) or MUGAI_NAME_WRITTEN: an
 * output or report on a written name is an error; a companion output (a
 * PDF's .txt) takes a free name instead of either; the names this result
 * writes are added as written. */
#define MUGAI_NAME_RESERVED 1
#define MUGAI_NAME_WRITTEN  2
typedef struct _MugaiCommit MugaiCommit;
gboolean mugai_result_stage(MugaiResult *result, MugaiCommit *commit, const char *output,
                            const char *report, GHashTable *taken, GError **error);

/* mugai_result_action_summary - "flattened=2,converted=1": how many items
 * got each action, for a log line (a file input's root counts; a mail's
 * does not). (transfer full) */
char *mugai_result_action_summary(const MugaiResult *result);

/* One file of a result, for a front end that names and writes files
 * itself (mugai-watch). */
typedef struct {
  char *name;   /* base name */
  GBytes *data; /* its bytes */
} MugaiOutputFile;

/* mugai_result_files - what mugai_result_stage would write for a file
 * released under the base name REQUESTED into an empty directory: the
 * output (named as mugai_result_output_path names it), then, for a
 * delivered file input, its companions named after it (a PDF's text layer).
 * A rejected or held input gives its notice alone. (transfer full: an array
 * of MugaiOutputFile that frees its elements) */
GPtrArray *mugai_result_files(const MugaiResult *result, const char *requested);

/* mugai_result_set_written - the base names the result's files were given
 * (NAMES[0] the output), for the report's "output" and "written". */
void mugai_result_set_written(MugaiResult *result, const char *const *names, guint n);

MugaiResult *mugai_result_free(MugaiResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MugaiResult, mugai_result_free)

G_END_DECLS

#endif /* MUGAI_CORE_SANITIZE_H */
