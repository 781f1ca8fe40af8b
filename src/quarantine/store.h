/*
 * store.h - the quarantine: every original kept durably, and an index of
 * what was done with it.
 *
 * Originals are blobs named by their SHA-256 under <state_dir>/quarantine/
 * objects/ab/cdef...; the index lives behind MugaiStoreBackend (SQLite by
 * default) so that a PostgreSQL backend can be added for multi-host sites
 * without touching the front ends.
 */
#ifndef MUGAI_QUARANTINE_STORE_H
#define MUGAI_QUARANTINE_STORE_H

#include <glib.h>

#include "core/config.h"
#include "core/sanitize.h"

G_BEGIN_DECLS

/* One input as the index records it. Strings are owned (transfer full). */
typedef struct {
  char *id;            /* the run id (ULID) */
  gint64 time;         /* Unix seconds */
  char *source;        /* cli, milter, watch */
  char *sender;        /* envelope sender, or NULL when not known (cli) */
  char *recipients;    /* envelope recipients, comma-separated, or NULL */
  char *subject;       /* decoded Subject, or NULL */
  char *message_id;    /* Message-ID, or NULL */
  char *name;          /* the input's name */
  char *kind;          /* mail or file */
  gint64 size;         /* bytes of the original */
  char *sha256;        /* the original's blob */
  char *verdict;       /* delivered, held, rejected */
  char *state;         /* delivered, held, reprocessed, released, purged */
  gint64 retain_until; /* Unix seconds after which purge may remove it */
  char *report;        /* the report JSON (docs/report-schema.md) */
} MugaiEntry;

void mugai_entry_free(MugaiEntry *e);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MugaiEntry, mugai_entry_free)

/* What mugai list selects; NULL / 0 members select everything. */
typedef struct {
  const char *state;
  const char *sender; /* substring of the envelope sender */
  gint64 since;       /* entries at or after this Unix time */
  gint64 before;      /* entries before this Unix time, or 0 */
  guint limit;        /* at most this many, newest first, or 0 */
} MugaiStoreQuery;

/* Counts over a period for mugai stats. */
typedef struct {
  guint64 entries, bytes;
  GHashTable *by_verdict; /* name -> GUINT_TO_POINTER(count) */
  GHashTable *by_state;
  GHashTable *by_kind;
} MugaiStoreStats;

/* The index, behind one interface. Every function reports failures in
 * ERROR; HANDLE is what open returned. */
typedef struct {
  const char *name;
  gpointer (*open)(const char *dir, GError **error);
  /* insert - every entry of ENTRIES (MugaiEntry *) in one transaction */
  gboolean (*insert)(gpointer handle, GPtrArray *entries, GError **error);
  /* get - the entry ID, or NULL with no error when there is none */
  MugaiEntry *(*get)(gpointer handle, const char *id, GError **error);
  /* list - entries matching QUERY, newest first, appended to OUT */
  gboolean (*list)(gpointer handle, const MugaiStoreQuery *query, GPtrArray *out, GError **error);
  gboolean (*set_state)(gpointer handle, const char *id, const char *state, GError **error);
  /* expire - mark purged every live entry whose retention ended before NOW
   * or whose time is before OLDER_THAN (when not 0); their ids go to IDS */
  gboolean (*expire)(gpointer handle, gint64 now, gint64 older_than, GPtrArray *ids,
                     GError **error);
  /* referenced - the blobs live entries still refer to (sha256 -> 1) */
  GHashTable *(*referenced)(gpointer handle, GError **error);
  /* unaudited - entries not yet marked as having their audit line (a
   * "stored" line, or a "purge" line for a purged one), oldest first. Insert
   * and expire leave their rows unmarked. */
  gboolean (*unaudited)(gpointer handle, GPtrArray *out, GError **error);
  /* set_audited - mark the N entries IDS as having their audit line; not
   * necessarily flushed unless DURABLE */
  gboolean (*set_audited)(gpointer handle, const char *const *ids, guint n, gboolean durable,
                          GError **error);
  gboolean (*stats)(gpointer handle, gint64 since, MugaiStoreStats *out, GError **error);
  void (*close)(gpointer handle);
} MugaiStoreBackend;

extern const MugaiStoreBackend mugai_store_sqlite;

typedef struct _MugaiStore MugaiStore;

/* mugai_store_open - the quarantine under CONFIG's state directory, created
 * if need be. (transfer full) */
MugaiStore *mugai_store_open(const MugaiConfig *config, GError **error);
/* mugai_store_open_dir - the same under DIR (the state directory), with
 * RETENTION_DAYS and the given backend. (transfer full) */
MugaiStore *mugai_store_open_dir(const char *dir, guint retention_days,
                                 const MugaiStoreBackend *backend, GError **error);
MugaiStore *mugai_store_free(MugaiStore *store);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MugaiStore, mugai_store_free)

/* mugai_store_dir - <state_dir>/quarantine (transfer none). */
const char *mugai_store_dir(const MugaiStore *store);
/* mugai_store_audit_path - where the audit log of this store is (transfer none). */
const char *mugai_store_audit_path(const MugaiStore *store);
void mugai_store_set_audit_path(MugaiStore *store, const char *path);

/* A group of inputs stored together: blobs staged as they are added, then
 * made durable, indexed and audited in mugai_store_batch_commit. Nothing of
 * the group is visible in the index before the commit, and the commit
 * returns only once every original is on disk. */
typedef struct _MugaiStoreBatch MugaiStoreBatch;

MugaiStoreBatch *mugai_store_batch_new(MugaiStore *store);
/* mugai_store_batch_add - the original ORIGINAL of RESULT, from SOURCE
 * (cli, milter, watch) with the envelope when known (RECIPIENTS NULL
 * terminated). Fails when ORIGINAL does not hash to the result's SHA-256. */
gboolean mugai_store_batch_add(MugaiStoreBatch *batch, MugaiResult *result, GBytes *original,
                               const char *source, const char *sender,
                               const char *const *recipients, GError **error);
guint mugai_store_batch_count(const MugaiStoreBatch *batch);
/* mugai_store_batch_commit - blobs durable, then the index, then one audit
 * line per entry. The batch is empty afterwards, whatever the outcome. */
gboolean mugai_store_batch_commit(MugaiStoreBatch *batch, GError **error);
MugaiStoreBatch *mugai_store_batch_free(MugaiStoreBatch *batch);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MugaiStoreBatch, mugai_store_batch_free)

/* mugai_store_get - the entry ID; an error naming the id when there is none. */
MugaiEntry *mugai_store_get(MugaiStore *store, const char *id, GError **error);
/* mugai_store_list - entries matching QUERY, newest first (MugaiEntry *). */
GPtrArray *mugai_store_list(MugaiStore *store, const MugaiStoreQuery *query, GError **error);
/* mugai_store_read_blob - the original with this SHA-256, checked. */
GBytes *mugai_store_read_blob(MugaiStore *store, const char *sha256, GError **error);
/* mugai_store_blob_path - where that blob is (transfer full). */
char *mugai_store_blob_path(const MugaiStore *store, const char *sha256);
gboolean mugai_store_set_state(MugaiStore *store, const char *id, const char *state,
                               GError **error);

/* mugai_store_purge - under the store's exclusive lock: first write the
 * audit lines that entries lack because the process that stored or purged
 * them was killed before its audit line (RECOVERED, may be NULL, counts
 * them); then mark purged the entries past retention (or, when
 * OLDER_THAN_DAYS is not 0, older than that), remove every blob no live
 * entry refers to, and write a purge line each. The purged ids go to IDS
 * (may be NULL); BLOBS counts the files removed. */
gboolean mugai_store_purge(MugaiStore *store, guint older_than_days, GPtrArray *ids, guint *blobs,
                           guint *recovered, GError **error);

gboolean mugai_store_stats(MugaiStore *store, gint64 since, MugaiStoreStats *out, GError **error);
void mugai_store_stats_clear(MugaiStoreStats *s);

G_END_DECLS

#endif /* MUGAI_QUARANTINE_STORE_H */
