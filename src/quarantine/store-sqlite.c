/*
 * store-sqlite.c - the quarantine index in SQLite, the single-host default.
 *
 * WAL mode, so readers (mugai list) never block the writer; synchronous =
 * FULL, because an entry is committed before the sanitised result is
 * released and must survive a power cut; a busy timeout, because the milter,
 * the watcher and an operator's purge write to the same file.
 */
#include <string.h>

#include <gio/gio.h>
#include <sqlite3.h>

#include "quarantine/store.h"

/* 2 added entries.audited (see store.c: rows whose audit line may be
 * missing). A version 1 index is brought up when it is opened. */
#define SCHEMA_VERSION  2
#define BUSY_TIMEOUT_MS 30000

static const char schema[]
    = "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);"
      "CREATE TABLE IF NOT EXISTS entries ("
      " id TEXT PRIMARY KEY, time INTEGER NOT NULL, source TEXT NOT NULL,"
      " sender TEXT, recipients TEXT, subject TEXT, message_id TEXT, name TEXT,"
      " kind TEXT NOT NULL, size INTEGER NOT NULL, sha256 TEXT NOT NULL,"
      " verdict TEXT NOT NULL, state TEXT NOT NULL, retain_until INTEGER NOT NULL,"
      " report TEXT NOT NULL, audited INTEGER NOT NULL DEFAULT 1);"
      "CREATE INDEX IF NOT EXISTS entries_time ON entries (time);"
      "CREATE INDEX IF NOT EXISTS entries_sha256 ON entries (sha256);";

/* After the upgrade from version 1: the few rows not yet known to have
 * their audit line are found without reading the table. */
static const char schema_v2[]
    = "CREATE INDEX IF NOT EXISTS entries_unaudited ON entries (audited) WHERE audited = 0;";

#define COLUMNS                                                                                    \
  "id, time, source, sender, recipients, subject, message_id, name, kind, size, sha256, "          \
  "verdict, state, retain_until, report"

/* fail - set ERROR from the database's last error; FALSE */
static gboolean
fail(sqlite3 *db, GError **error, const char *what)
{
  g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "quarantine index: %s: %s", what,
              sqlite3_errmsg(db));
  return FALSE;
}

/* exec - run SQL with no results */
static gboolean
exec(sqlite3 *db, const char *sql, GError **error)
{
  if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
    return fail(db, error, sql);
  return TRUE;
}

/* sqlite_close - the backend's close */
static void
sqlite_close(gpointer handle)
{
  sqlite3_close_v2(handle);
}

/* sqlite_open - open or create DIR/index.sqlite and bring its schema up */
static gpointer
sqlite_open(const char *dir, GError **error)
{
  g_autofree char *path = g_build_filename(dir, "index.sqlite", NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  int version = 0;

  if (sqlite3_open_v2(path, &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX
                          | SQLITE_OPEN_NOFOLLOW,
                      NULL)
      != SQLITE_OK) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot open %s: %s", path,
                db ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_close_v2(db);
    return NULL;
  }
  sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
  if (!exec(db, "PRAGMA journal_mode = WAL", error) || !exec(db, "PRAGMA synchronous = FULL", error)
      || !exec(db, "BEGIN IMMEDIATE", error))
    goto fail;
  if (!exec(db, schema, error))
    goto rollback;
  if (sqlite3_prepare_v2(db, "SELECT max(version) FROM schema_version", -1, &st, NULL) != SQLITE_OK)
    goto rollback_db;
  if (sqlite3_step(st) == SQLITE_ROW)
    version = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  if (version > SCHEMA_VERSION) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                "%s: schema version %d is newer than this mugai (%d)", path, version,
                SCHEMA_VERSION);
    goto rollback;
  }
  if (version == 1
      && (!exec(db, "ALTER TABLE entries ADD COLUMN audited INTEGER NOT NULL DEFAULT 1", error)
          || !exec(db, "UPDATE schema_version SET version = 2", error)))
    goto rollback;
  if (version == 0 && !exec(db, "INSERT INTO schema_version VALUES (2)", error))
    goto rollback;
  if (!exec(db, schema_v2, error))
    goto rollback;
  if (!exec(db, "COMMIT", error))
    goto rollback;
  return db;
rollback_db:
  fail(db, error, "schema");
rollback:
  sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
fail:
  g_prefix_error(error, "%s: ", path);
  sqlite3_close_v2(db);
  return NULL;
}

/* bind_text - a string or NULL */
static void
bind_text(sqlite3_stmt *st, int i, const char *v)
{
  if (v)
    sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null(st, i);
}

/* sqlite_insert - every entry in one transaction */
static gboolean
sqlite_insert(gpointer handle, GPtrArray *entries, GError **error)
{
  sqlite3 *db = handle;
  sqlite3_stmt *st = NULL;

  if (!exec(db, "BEGIN IMMEDIATE", error))
    return FALSE;
  if (sqlite3_prepare_v2(db,
                         "INSERT INTO entries (" COLUMNS ", audited) VALUES "
                         "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
                         -1, &st, NULL)
      != SQLITE_OK)
    goto fail;
  for (guint i = 0; i < entries->len; i++) {
    const MugaiEntry *e = g_ptr_array_index(entries, i);
    bind_text(st, 1, e->id);
    sqlite3_bind_int64(st, 2, e->time);
    bind_text(st, 3, e->source);
    bind_text(st, 4, e->sender);
    bind_text(st, 5, e->recipients);
    bind_text(st, 6, e->subject);
    bind_text(st, 7, e->message_id);
    bind_text(st, 8, e->name);
    bind_text(st, 9, e->kind);
    sqlite3_bind_int64(st, 10, e->size);
    bind_text(st, 11, e->sha256);
    bind_text(st, 12, e->verdict);
    bind_text(st, 13, e->state);
    sqlite3_bind_int64(st, 14, e->retain_until);
    bind_text(st, 15, e->report);
    if (sqlite3_step(st) != SQLITE_DONE)
      goto fail;
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  st = NULL;
  if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
    goto fail;
  return TRUE;
fail:
  fail(db, error, "insert");
  sqlite3_finalize(st);
  sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
  return FALSE;
}

/* column_dup - column I as a new string or NULL */
static char *
column_dup(sqlite3_stmt *st, int i)
{
  const unsigned char *v = sqlite3_column_text(st, i);
  return v ? g_strdup((const char *)v) : NULL;
}

/* row_entry - the current row (COLUMNS order) (transfer full) */
static MugaiEntry *
row_entry(sqlite3_stmt *st)
{
  MugaiEntry *e = g_new0(MugaiEntry, 1);

  e->id = column_dup(st, 0);
  e->time = sqlite3_column_int64(st, 1);
  e->source = column_dup(st, 2);
  e->sender = column_dup(st, 3);
  e->recipients = column_dup(st, 4);
  e->subject = column_dup(st, 5);
  e->message_id = column_dup(st, 6);
  e->name = column_dup(st, 7);
  e->kind = column_dup(st, 8);
  e->size = sqlite3_column_int64(st, 9);
  e->sha256 = column_dup(st, 10);
  e->verdict = column_dup(st, 11);
  e->state = column_dup(st, 12);
  e->retain_until = sqlite3_column_int64(st, 13);
  e->report = column_dup(st, 14);
  return e;
}

/* sqlite_get - one entry by id */
static MugaiEntry *
sqlite_get(gpointer handle, const char *id, GError **error)
{
  sqlite3 *db = handle;
  sqlite3_stmt *st = NULL;
  MugaiEntry *e = NULL;
  int rc;

  if (sqlite3_prepare_v2(db, "SELECT " COLUMNS " FROM entries WHERE id = ?", -1, &st, NULL)
      != SQLITE_OK) {
    fail(db, error, "get");
    return NULL;
  }
  bind_text(st, 1, id);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW)
    e = row_entry(st);
  else if (rc != SQLITE_DONE)
    fail(db, error, "get");
  sqlite3_finalize(st);
  return e;
}

/* collect - every row of ST (COLUMNS order) to OUT, then finalize it;
 * WHAT names the query in an error */
static gboolean
collect(sqlite3 *db, sqlite3_stmt *st, GPtrArray *out, const char *what, GError **error)
{
  int rc;

  while ((rc = sqlite3_step(st)) == SQLITE_ROW)
    g_ptr_array_add(out, row_entry(st));
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE)
    return fail(db, error, what);
  return TRUE;
}

/* sqlite_list - entries matching Q, newest first */
static gboolean
sqlite_list(gpointer handle, const MugaiStoreQuery *q, GPtrArray *out, GError **error)
{
  sqlite3 *db = handle;
  sqlite3_stmt *st = NULL;

  if (sqlite3_prepare_v2(db,
                         "SELECT " COLUMNS " FROM entries WHERE (?1 IS NULL OR state = ?1)"
                         " AND (?2 IS NULL OR instr(lower(sender), lower(?2)) > 0)"
                         " AND time >= ?3 AND (?4 = 0 OR time < ?4)"
                         " ORDER BY time DESC, id DESC LIMIT ?5",
                         -1, &st, NULL)
      != SQLITE_OK)
    return fail(db, error, "list");
  bind_text(st, 1, q->state);
  bind_text(st, 2, q->sender);
  sqlite3_bind_int64(st, 3, q->since);
  sqlite3_bind_int64(st, 4, q->before);
  sqlite3_bind_int64(st, 5, q->limit ? (gint64)q->limit : -1);
  return collect(db, st, out, "list", error);
}

/* sqlite_set_state - one entry's state */
static gboolean
sqlite_set_state(gpointer handle, const char *id, const char *state, GError **error)
{
  sqlite3 *db = handle;
  sqlite3_stmt *st = NULL;
  gboolean ok;

  if (sqlite3_prepare_v2(db, "UPDATE entries SET state = ? WHERE id = ?", -1, &st, NULL)
      != SQLITE_OK)
    return fail(db, error, "set state");
  bind_text(st, 1, state);
  bind_text(st, 2, id);
  ok = sqlite3_step(st) == SQLITE_DONE;
  sqlite3_finalize(st);
  if (!ok)
    return fail(db, error, "set state");
  if (sqlite3_changes(db) == 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "%s: no such entry", id);
    return FALSE;
  }
  return TRUE;
}

/* sqlite_expire - mark purged what retention (or OLDER_THAN) lets go */
static gboolean
sqlite_expire(gpointer handle, gint64 now, gint64 older_than, GPtrArray *ids, GError **error)
{
  sqlite3 *db = handle;
  sqlite3_stmt *st = NULL;
  int rc;

  if (!exec(db, "BEGIN IMMEDIATE", error))
    return FALSE;
  if (sqlite3_prepare_v2(db,
                         "UPDATE entries SET state = 'purged', report = '{}', audited = 0"
                         " WHERE state != 'purged' AND (retain_until < ?1 OR time < ?2)"
                         " RETURNING id",
                         -1, &st, NULL)
      != SQLITE_OK)
    goto fail;
  sqlite3_bind_int64(st, 1, now);
  sqlite3_bind_int64(st, 2, older_than);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW)
    if (ids)
      g_ptr_array_add(ids, column_dup(st, 0));
  if (rc != SQLITE_DONE)
    goto fail;
  sqlite3_finalize(st);
  st = NULL;
  if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
    goto fail;
  return TRUE;
fail:
  fail(db, error, "purge");
  sqlite3_finalize(st);
  sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
  return FALSE;
}

/* sqlite_unaudited - entries whose audit line may be missing, oldest first */
static gboolean
sqlite_unaudited(gpointer handle, GPtrArray *out, GError **error)
{
  sqlite3 *db = handle;
  sqlite3_stmt *st = NULL;

  if (sqlite3_prepare_v2(db, "SELECT " COLUMNS " FROM entries WHERE audited = 0 ORDER BY time, id",
                         -1, &st, NULL)
      != SQLITE_OK)
    return fail(db, error, "unaudited");
  return collect(db, st, out, "unaudited", error);
}

/* sqlite_set_audited - mark IDS audited in one transaction; with DURABLE
 * false it is not flushed (a mark lost to a power cut costs the next
 * purge a look in the log, nothing more) */
static gboolean
sqlite_set_audited(gpointer handle, const char *const *ids, guint n, gboolean durable,
                   GError **error)
{
  sqlite3 *db = handle;
  sqlite3_stmt *st = NULL;
  gboolean ok = FALSE;

  if (n == 0)
    return TRUE;
  if (!durable && !exec(db, "PRAGMA synchronous = NORMAL", error))
    return FALSE;
  if (!exec(db, "BEGIN IMMEDIATE", error))
    goto out;
  if (sqlite3_prepare_v2(db, "UPDATE entries SET audited = 1 WHERE id = ?", -1, &st, NULL)
      != SQLITE_OK)
    goto fail;
  for (guint i = 0; i < n; i++) {
    bind_text(st, 1, ids[i]);
    if (sqlite3_step(st) != SQLITE_DONE)
      goto fail;
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  st = NULL;
  if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
    goto fail;
  ok = TRUE;
  goto out;
fail:
  fail(db, error, "mark audited");
  sqlite3_finalize(st);
  sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
out:
  if (!durable && !exec(db, "PRAGMA synchronous = FULL", ok ? error : NULL))
    ok = FALSE;
  return ok;
}

/* sqlite_referenced - blobs that live entries refer to */
static GHashTable *
sqlite_referenced(gpointer handle, GError **error)
{
  sqlite3 *db = handle;
  sqlite3_stmt *st = NULL;
  GHashTable *set = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  int rc;

  if (sqlite3_prepare_v2(db, "SELECT DISTINCT sha256 FROM entries WHERE state != 'purged'", -1, &st,
                         NULL)
      != SQLITE_OK) {
    fail(db, error, "referenced");
    g_hash_table_unref(set);
    return NULL;
  }
  while ((rc = sqlite3_step(st)) == SQLITE_ROW)
    g_hash_table_add(set, column_dup(st, 0));
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) {
    fail(db, error, "referenced");
    g_hash_table_unref(set);
    return NULL;
  }
  return set;
}

/* count_by - COLUMN's values and counts since SINCE into TABLE */
static gboolean
count_by(sqlite3 *db, const char *column, gint64 since, GHashTable *table, GError **error)
{
  g_autofree char *sql = g_strdup_printf(
      "SELECT %s, count(*) FROM entries WHERE time >= ? GROUP BY %s", column, column);
  sqlite3_stmt *st = NULL;
  int rc;

  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
    return fail(db, error, "stats");
  sqlite3_bind_int64(st, 1, since);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW)
    g_hash_table_insert(table, column_dup(st, 0),
                        GUINT_TO_POINTER((guint)sqlite3_column_int64(st, 1)));
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE)
    return fail(db, error, "stats");
  return TRUE;
}

/* sqlite_stats - counts since SINCE */
static gboolean
sqlite_stats(gpointer handle, gint64 since, MugaiStoreStats *out, GError **error)
{
  sqlite3 *db = handle;
  sqlite3_stmt *st = NULL;
  int rc;

  if (sqlite3_prepare_v2(db, "SELECT count(*), coalesce(sum(size), 0) FROM entries WHERE time >= ?",
                         -1, &st, NULL)
      != SQLITE_OK)
    return fail(db, error, "stats");
  sqlite3_bind_int64(st, 1, since);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    out->entries = (guint64)sqlite3_column_int64(st, 0);
    out->bytes = (guint64)sqlite3_column_int64(st, 1);
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_ROW)
    return fail(db, error, "stats");
  return count_by(db, "verdict", since, out->by_verdict, error)
         && count_by(db, "state", since, out->by_state, error)
         && count_by(db, "kind", since, out->by_kind, error);
}

const MugaiStoreBackend mugai_store_sqlite = {
  .name = "sqlite",
  .open = sqlite_open,
  .insert = sqlite_insert,
  .get = sqlite_get,
  .list = sqlite_list,
  .set_state = sqlite_set_state,
  .expire = sqlite_expire,
  .referenced = sqlite_referenced,
  .unaudited = sqlite_unaudited,
  .set_audited = sqlite_set_audited,
  .stats = sqlite_stats,
  .close = sqlite_close,
};
