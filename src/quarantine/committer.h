/*
 * committer.h - group commit of originals for a long-running front end.
 *
 * The milter stores the original of every message before it answers
 * Postfix. One fsync per message would cap the whole server at the disk's
 * sync rate, so everything that arrives while a commit is on its way to
 * the disk is stored as the next batch (mugai_store_batch_commit: one
 * syncfs, one SQLite transaction, one audit append), and each waiting
 * connection is woken with its own outcome. No thread of its own: the
 * first caller to find no commit running leads the batch.
 */
#ifndef MUGAI_QUARANTINE_COMMITTER_H
#define MUGAI_QUARANTINE_COMMITTER_H

#include <glib.h>

#include "quarantine/store.h"

G_BEGIN_DECLS

typedef struct _MugaiCommitter MugaiCommitter;

/* mugai_committer_new - a committer for STORE (transfer none: STORE must
 * outlive the committer). */
MugaiCommitter *mugai_committer_new(MugaiStore *store, GError **error);

/* mugai_committer_store - ORIGINAL of RESULT stored, indexed and audited,
 * as mugai_store_batch_add describes; returns once it is durable, or with
 * ERROR saying why it is not. Called from any thread. */
gboolean mugai_committer_store(MugaiCommitter *committer, MugaiResult *result, GBytes *original,
                               const char *source, const char *sender,
                               const char *const *recipients, GError **error);

/* mugai_committer_free - wait for the commit running, if any; later calls
 * to store fail. */
MugaiCommitter *mugai_committer_free(MugaiCommitter *committer);

G_END_DECLS

#endif /* MUGAI_QUARANTINE_COMMITTER_H */
