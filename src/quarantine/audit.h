/*
 * audit.h - the append-only, hash-chained audit log.
 *
 * One JSON object per line: time, user, action, id, reason, extra fields,
 * and prev, the hex SHA-256 of the previous line (64 zeros on the first).
 * Editing, deleting or reordering a line breaks the chain at the line after
 * it; mugai_audit_verify finds the first such line.
 */
#ifndef MUGAI_QUARANTINE_AUDIT_H
#define MUGAI_QUARANTINE_AUDIT_H

#include <glib.h>

G_BEGIN_DECLS

/* One line to append; EXTRA (may be NULL) holds further string fields. */
typedef struct {
  const char *action;       /* stored, verdict, show, export, purge, ... */
  const char *id;           /* the entry it concerns, or NULL */
  const char *reason;       /* free text, or NULL */
  const char *const *extra; /* key, value, key, value, ..., NULL */
} MugaiAuditRecord;

/* mugai_audit_append - append N records to the log at PATH, under an
 * exclusive flock, with one write and one fsync. An incomplete last line
 * left by a killed writer is cut off first and recorded as a "repair"
 * line. */
gboolean mugai_audit_append(const char *path, const MugaiAuditRecord *records, guint n,
                            GError **error);

/* mugai_audit_user - the acting OS user's name (transfer none). */
const char *mugai_audit_user(void);

/* mugai_audit_verify - check the chain of the log at PATH. Returns TRUE
 * when it holds; otherwise *BAD_LINE is the first broken line (1-based) and
 * ERROR says why. *LINES is the number of whole lines read, *HEAD (may be
 * NULL) the SHA-256 of the last one, to be kept elsewhere: the chain alone
 * cannot show that lines were cut from the end. *CUT is the length of an
 * incomplete line after the last line end (0 if none): what a writer killed
 * while appending left, which the next append removes and records. A
 * missing log is an empty chain. */
gboolean mugai_audit_verify(const char *path, guint64 *lines, guint64 *bad_line, guint64 *cut,
                            char **head, GError **error);

/* MugaiAuditLineFunc - one whole line of the log (LEN bytes, without its
 * line end, not NUL-terminated), numbered N from 1; FALSE with ERROR stops */
typedef gboolean (*MugaiAuditLineFunc)(const char *line, gsize len, guint64 n, gpointer data,
                                       GError **error);

/* mugai_audit_foreach - every whole line of the log at PATH, in order, up
 * to its last line end as of a moment when no append was in progress; an
 * incomplete line after it is not passed. Reads a chunk at a time. A
 * missing log has no lines. */
gboolean mugai_audit_foreach(const char *path, MugaiAuditLineFunc f, gpointer data, GError **error);

/* mugai_audit_find - remove from WANTED (keys "ACTION ID", as "stored
 * 01M8...") every key that has a whole line in the log at PATH. A missing
 * log has none. Reads the log through, a chunk at a time. */
gboolean mugai_audit_find(const char *path, GHashTable *wanted, GError **error);

G_END_DECLS

#endif /* MUGAI_QUARANTINE_AUDIT_H */
