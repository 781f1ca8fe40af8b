/*
 * store.c - originals as content-addressed blobs, the index behind its
 * backend, and the order that makes "nothing lost" hold.
 *
 * A group of inputs is stored in three steps: the blobs are staged beside
 * their final names and made durable and renamed together (core/util.h's
 * commit group: one file-system flush per group), then the index rows are
 * inserted in one transaction, then one audit line per entry is appended.
 * The front end releases sanitised output only after all three. A process
 * killed in between leaves at most unreferenced blobs or temporary files,
 * which purge removes; never an index row without its blob.
 *
 * Rows are inserted unmarked (audited = 0) and marked once their audit
 * lines are written; purge marks the rows it purges the same way. A
 * process killed between the index and the log leaves unmarked rows, and
 * the next purge writes the lines they lack (recover_audit).
 *
 * Writers hold a shared flock on quarantine/lock from staging a blob until
 * its row is committed, audited and marked; purge holds it exclusively, so
 * it never removes a blob a writer is about to refer to, and every unmarked
 * row it sees is a dead writer's.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <gio/gio.h>

#include "core/util.h"
#include "quarantine/audit.h"
#include "quarantine/store.h"

struct _MugaiStore {
  char *dir;     /* <state_dir>/quarantine */
  char *objects; /* <dir>/objects */
  char *audit_path;
  guint retention_days;
  const MugaiStoreBackend *backend;
  gpointer handle;
  int lock_fd;
};

struct _MugaiStoreBatch {
  MugaiStore *store;
  MugaiCommit *commit;
  GPtrArray *entries; /* MugaiEntry * */
  GHashTable *staged; /* sha256 staged in this batch */
  gboolean locked;
};

void
mugai_entry_free(MugaiEntry *e)
{
  if (!e)
    return;
  g_free(e->id);
  g_free(e->source);
  g_free(e->sender);
  g_free(e->recipients);
  g_free(e->subject);
  g_free(e->message_id);
  g_free(e->name);
  g_free(e->kind);
  g_free(e->sha256);
  g_free(e->verdict);
  g_free(e->state);
  g_free(e->report);
  g_free(e);
}

/* make_dir - DIR and its parents, owner and group only */
static gboolean
make_dir(const char *dir, GError **error)
{
  if (g_mkdir_with_parents(dir, 0750) != 0) {
    int saved = errno;
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved), "cannot create %s: %s", dir,
                g_strerror(saved));
    return FALSE;
  }
  return TRUE;
}

MugaiStore *
mugai_store_open_dir(const char *state_dir, guint retention_days, const MugaiStoreBackend *backend,
                     GError **error)
{
  g_autoptr(MugaiStore) s = g_new0(MugaiStore, 1);
  g_autofree char *lock = NULL;

  s->lock_fd = -1;
  s->dir = g_build_filename(state_dir, "quarantine", NULL);
  s->objects = g_build_filename(s->dir, "objects", NULL);
  s->audit_path = g_build_filename(state_dir, "audit.log", NULL);
  s->retention_days = retention_days;
  s->backend = backend ? backend : &mugai_store_sqlite;
  if (!make_dir(s->objects, error))
    goto fail;
  lock = g_build_filename(s->dir, "lock", NULL);
  s->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
  if (s->lock_fd < 0) {
    int saved = errno;
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved), "cannot open %s: %s", lock,
                g_strerror(saved));
    goto fail;
  }
  s->handle = s->backend->open(s->dir, error);
  if (!s->handle)
    goto fail;
  return g_steal_pointer(&s);
fail:
  g_prefix_error(error, "the quarantine cannot be opened: ");
  return NULL;
}

MugaiStore *
mugai_store_open(const MugaiConfig *config, GError **error)
{
  g_autofree char *state = mugai_config_state_dir(config);
  MugaiStore *s = mugai_store_open_dir(state, config->quarantine.retention_days, NULL, error);

  if (s && config->quarantine.audit_log)
    mugai_store_set_audit_path(s, config->quarantine.audit_log);
  return s;
}

MugaiStore *
mugai_store_free(MugaiStore *s)
{
  if (!s)
    return NULL;
  if (s->handle)
    s->backend->close(s->handle);
  if (s->lock_fd >= 0)
    close(s->lock_fd);
  g_free(s->dir);
  g_free(s->objects);
  g_free(s->audit_path);
  g_free(s);
  return NULL;
}

const char *
mugai_store_dir(const MugaiStore *store)
{
  return store->dir;
}

const char *
mugai_store_audit_path(const MugaiStore *store)
{
  return store->audit_path;
}

void
mugai_store_set_audit_path(MugaiStore *store, const char *path)
{
  g_free(store->audit_path);
  store->audit_path = g_strdup(path);
}

/* lock - flock the store's lock file (LOCK_SH or LOCK_EX) */
static gboolean
lock(MugaiStore *s, int how, GError **error)
{
  while (flock(s->lock_fd, how) != 0)
    if (errno != EINTR) {
      int saved = errno;
      g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved), "cannot lock the quarantine: %s",
                  g_strerror(saved));
      return FALSE;
    }
  return TRUE;
}

/* unlock - release the store's flock */
static void
unlock(MugaiStore *s)
{
  flock(s->lock_fd, LOCK_UN);
}

char *
mugai_store_blob_path(const MugaiStore *store, const char *sha256)
{
  char fan[3] = { sha256[0], sha256[1], 0 };

  return g_build_filename(store->objects, fan, sha256 + 2, NULL);
}

/* is_sha256 - 64 lower-case hex digits */
static gboolean
is_sha256(const char *s)
{
  gsize i;

  for (i = 0; s[i]; i++)
    if (!g_ascii_isdigit(s[i]) && !(s[i] >= 'a' && s[i] <= 'f'))
      return FALSE;
  return i == 64;
}

MugaiStoreBatch *
mugai_store_batch_new(MugaiStore *store)
{
  MugaiStoreBatch *b = g_new0(MugaiStoreBatch, 1);

  b->store = store;
  b->commit = mugai_commit_new(FALSE);
  b->entries = g_ptr_array_new_with_free_func((GDestroyNotify)mugai_entry_free);
  b->staged = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  return b;
}

/* batch_reset - empty B and release the lock */
static void
batch_reset(MugaiStoreBatch *b)
{
  mugai_commit_abort(b->commit);
  g_ptr_array_set_size(b->entries, 0);
  g_hash_table_remove_all(b->staged);
  if (b->locked)
    unlock(b->store);
  b->locked = FALSE;
}

MugaiStoreBatch *
mugai_store_batch_free(MugaiStoreBatch *b)
{
  if (!b)
    return NULL;
  batch_reset(b);
  mugai_commit_free(b->commit);
  g_ptr_array_unref(b->entries);
  g_hash_table_unref(b->staged);
  g_free(b);
  return NULL;
}

guint
mugai_store_batch_count(const MugaiStoreBatch *b)
{
  return b->entries->len;
}

/* holds_item - whether ITEM or anything under it is held */
static gboolean
holds_item(const MugaiItem *item)
{
  if (mugai_item_get_action(item) == MUGAI_ACTION_HELD)
    return TRUE;
  for (guint i = 0; i < mugai_item_get_n_children(item); i++)
    if (holds_item(mugai_item_get_child(item, i)))
      return TRUE;
  return FALSE;
}

gboolean
mugai_store_batch_add(MugaiStoreBatch *b, MugaiResult *result, GBytes *original, const char *source,
                      const char *sender, const char *const *recipients, GError **error)
{
  MugaiStore *s = b->store;
  gsize len;
  const guint8 *p = g_bytes_get_data(original, &len);
  g_autofree char *sha = mugai_sha256_hex(p, len);
  const char *id = mugai_result_get_id(result);
  MugaiEntry *e;

  if (strcmp(sha, mugai_result_get_sha256(result)) != 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                "%s: the input changed while it was being sanitised; not stored", id);
    return FALSE;
  }
  if (!b->locked) {
    if (!lock(s, LOCK_SH, error))
      return FALSE;
    b->locked = TRUE;
  }
  if (!g_hash_table_contains(b->staged, sha)) {
    g_autofree char *path = mugai_store_blob_path(s, sha);
    /* Identical originals are stored once. */
    if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
      g_autofree char *dir = g_path_get_dirname(path);
      GBytes *chunks[] = { original, NULL };
      if (!make_dir(dir, error) || !mugai_commit_stage(b->commit, path, chunks, error)) {
        g_prefix_error(error, "%s: cannot store the original: ", id);
        return FALSE;
      }
    }
    g_hash_table_add(b->staged, g_strdup(sha));
  }
  e = g_new0(MugaiEntry, 1);
  e->id = g_strdup(id);
  e->time = mugai_result_get_time(result);
  e->source = g_strdup(source);
  e->sender = g_strdup(sender);
  e->recipients = recipients && recipients[0] ? g_strjoinv(",", (char **)recipients) : NULL;
  e->subject = g_strdup(mugai_result_get_subject(result));
  e->message_id = mugai_result_get_message_id(result);
  e->name = g_strdup(mugai_result_get_input_name(result));
  e->kind = g_strdup(mugai_result_is_mail(result) ? "mail" : "file");
  e->size = (gint64)len;
  e->sha256 = g_steal_pointer(&sha);
  e->verdict = g_strdup(mugai_verdict_name(mugai_result_get_verdict(result)));
  /* A delivered mail with a held attachment (a PPAP archive) waits for an
   * operator as much as a held file does: both are listed as held. */
  e->state = g_strdup(mugai_result_get_verdict(result) == MUGAI_VERDICT_DELIVERED
                              && !holds_item(mugai_result_get_root(result))
                          ? "delivered"
                          : "held");
  e->retain_until = e->time + (gint64)s->retention_days * 86400;
  e->report = mugai_result_report_json(result, FALSE);
  g_ptr_array_add(b->entries, e);
  return TRUE;
}

gboolean
mugai_store_batch_commit(MugaiStoreBatch *b, GError **error)
{
  MugaiStore *s = b->store;
  g_autofree MugaiAuditRecord *records = NULL;
  g_autofree char **extra = NULL;
  gboolean ok = FALSE;
  guint n = b->entries->len;

  if (n == 0) {
    batch_reset(b);
    return TRUE;
  }
  if (!mugai_commit_finish(b->commit, error)) {
    g_prefix_error(error, "cannot store the originals: ");
    goto out;
  }
  if (!s->backend->insert(s->handle, b->entries, error))
    goto out;
  records = g_new0(MugaiAuditRecord, n);
  extra = g_new0(char *, 5 * n);
  for (guint i = 0; i < n; i++) {
    const MugaiEntry *e = g_ptr_array_index(b->entries, i);
    char **x = extra + 5 * i;
    x[0] = "verdict";
    x[1] = e->verdict;
    x[2] = "sha256";
    x[3] = e->sha256;
    records[i].action = "stored";
    records[i].id = e->id;
    records[i].reason = e->source;
    records[i].extra = (const char *const *)x;
  }
  ok = mugai_audit_append(s->audit_path, records, n, error);
  if (ok) {
    g_autofree const char **ids = g_new0(const char *, n);
    g_autoptr(GError) local = NULL;
    for (guint i = 0; i < n; i++)
      ids[i] = ((const MugaiEntry *)g_ptr_array_index(b->entries, i))->id;
    /* Not flushed, and a failure is not the group's: an unmarked row only
     * costs the next purge a look in the log. */
    (void)s->backend->set_audited(s->handle, ids, n, FALSE, &local);
  }
out:
  batch_reset(b);
  return ok;
}

MugaiEntry *
mugai_store_get(MugaiStore *s, const char *id, GError **error)
{
  GError *local = NULL;
  MugaiEntry *e = s->backend->get(s->handle, id, &local);

  if (!e && !local)
    g_set_error(&local, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "%s: no such entry in the quarantine",
                id);
  if (local)
    g_propagate_error(error, local);
  return e;
}

GPtrArray *
mugai_store_list(MugaiStore *s, const MugaiStoreQuery *query, GError **error)
{
  GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)mugai_entry_free);
  MugaiStoreQuery all = { 0 };

  if (!s->backend->list(s->handle, query ? query : &all, out, error)) {
    g_ptr_array_unref(out);
    return NULL;
  }
  return out;
}

gboolean
mugai_store_set_state(MugaiStore *s, const char *id, const char *state, GError **error)
{
  return s->backend->set_state(s->handle, id, state, error);
}

GBytes *
mugai_store_read_blob(MugaiStore *s, const char *sha256, GError **error)
{
  g_autofree char *path = NULL;
  g_autofree char *got = NULL;
  g_autoptr(GMappedFile) map = NULL;
  GBytes *bytes;
  gsize len;
  const guint8 *p;

  if (!is_sha256(sha256)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "%s: not a SHA-256", sha256);
    return NULL;
  }
  path = mugai_store_blob_path(s, sha256);
  map = g_mapped_file_new(path, FALSE, error);
  if (!map) {
    g_prefix_error(error, "the original is gone: ");
    return NULL;
  }
  bytes = g_mapped_file_get_bytes(map);
  p = g_bytes_get_data(bytes, &len);
  got = mugai_sha256_hex(p, len);
  if (strcmp(got, sha256) != 0) {
    g_bytes_unref(bytes);
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                "%s: the stored original does not match its SHA-256 (damaged)", path);
    return NULL;
  }
  return bytes;
}

/* remove_unreferenced - every blob in objects/ not in LIVE, and every
 * temporary file a killed writer left; the exclusive lock is held */
static guint
remove_unreferenced(MugaiStore *s, GHashTable *live)
{
  g_autoptr(GDir) top = g_dir_open(s->objects, 0, NULL);
  const char *fan;
  guint removed = 0;

  if (!top)
    return 0;
  while ((fan = g_dir_read_name(top))) {
    g_autofree char *dirpath = g_build_filename(s->objects, fan, NULL);
    g_autoptr(GDir) d = NULL;
    const char *name;
    gboolean changed = FALSE;

    if (strlen(fan) != 2)
      continue;
    d = g_dir_open(dirpath, 0, NULL);
    if (!d)
      continue;
    while ((name = g_dir_read_name(d))) {
      g_autofree char *sha = g_strconcat(fan, name, NULL);
      g_autofree char *path = g_build_filename(dirpath, name, NULL);
      /* No writer holds the lock, so a temporary file is a dead writer's. */
      if (name[0] == '.' || (is_sha256(sha) && !g_hash_table_contains(live, sha))) {
        if (unlink(path) == 0) {
          removed += name[0] != '.';
          changed = TRUE;
        }
      }
    }
    if (changed) {
      int fd = open(dirpath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (fd >= 0) {
        fsync(fd);
        close(fd);
      }
    }
  }
  return removed;
}

/* recover_audit - under the exclusive lock: write the audit lines that
 * unmarked rows lack (a "stored" line, or a "purge" line for a purged row)
 * because their writer was killed between the index and the log, then mark
 * them all. *RECOVERED counts the lines written. */
static gboolean
recover_audit(MugaiStore *s, guint *recovered, GError **error)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func((GDestroyNotify)mugai_entry_free);
  g_autoptr(GHashTable) wanted = NULL;
  g_autoptr(GArray) records = NULL;
  g_autofree const char **ids = NULL;
  g_autofree const char **extra = NULL;
  g_autofree char **keys = NULL;

  *recovered = 0;
  if (!s->backend->unaudited(s->handle, rows, error))
    return FALSE;
  if (rows->len == 0)
    return TRUE;
  wanted = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  keys = g_new0(char *, rows->len);
  for (guint i = 0; i < rows->len; i++) {
    const MugaiEntry *e = g_ptr_array_index(rows, i);
    keys[i] = g_strconcat(strcmp(e->state, "purged") == 0 ? "purge" : "stored", " ", e->id, NULL);
    g_hash_table_add(wanted, keys[i]);
  }
  if (!mugai_audit_find(s->audit_path, wanted, error))
    return FALSE;
  records = g_array_new(FALSE, TRUE, sizeof(MugaiAuditRecord));
  extra = g_new0(const char *, 7 * rows->len);
  ids = g_new0(const char *, rows->len);
  for (guint i = 0; i < rows->len; i++) {
    const MugaiEntry *e = g_ptr_array_index(rows, i);
    gboolean purged = strcmp(e->state, "purged") == 0;
    const char **x = extra + 7 * i;
    MugaiAuditRecord r = { 0 };

    ids[i] = e->id;
    if (!g_hash_table_contains(wanted, keys[i]))
      continue; /* its line is there; only the mark was missing */
    r.id = e->id;
    r.extra = x;
    x[0] = "recovered";
    x[1] = "written by purge: the process that changed this entry was killed before its "
           "audit line";
    if (purged) {
      r.action = "purge";
      r.reason = "retention ended";
    } else {
      r.action = "stored";
      r.reason = e->source;
      x[2] = "verdict";
      x[3] = e->verdict;
      x[4] = "sha256";
      x[5] = e->sha256;
    }
    g_array_append_val(records, r);
  }
  if (records->len > 0
      && !mugai_audit_append(s->audit_path, (MugaiAuditRecord *)(void *)records->data, records->len,
                             error))
    return FALSE;
  *recovered = records->len;
  return s->backend->set_audited(s->handle, ids, rows->len, TRUE, error);
}

gboolean
mugai_store_purge(MugaiStore *s, guint older_than_days, GPtrArray *ids, guint *blobs,
                  guint *recovered, GError **error)
{
  gint64 now = g_get_real_time() / G_USEC_PER_SEC;
  gint64 older = older_than_days ? now - (gint64)older_than_days * 86400 : 0;
  g_autoptr(GPtrArray) purged = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GHashTable) live = NULL;
  g_autofree MugaiAuditRecord *records = NULL;
  guint got = 0;
  gboolean ok = FALSE;

  *blobs = 0;
  if (!lock(s, LOCK_EX, error))
    return FALSE;
  /* The lines dead writers (or a purge killed before its lines) left
   * missing come first, so that a purge line never precedes its stored
   * line. */
  if (!recover_audit(s, &got, error) || !s->backend->expire(s->handle, now, older, purged, error)
      || !(live = s->backend->referenced(s->handle, error)))
    goto out;
  *blobs = remove_unreferenced(s, live);
  records = g_new0(MugaiAuditRecord, purged->len + 1);
  for (guint i = 0; i < purged->len; i++) {
    records[i].action = "purge";
    records[i].id = g_ptr_array_index(purged, i);
    records[i].reason = older_than_days ? "older than --older-than" : "retention ended";
  }
  if (!mugai_audit_append(s->audit_path, records, purged->len, error)
      || !s->backend->set_audited(s->handle, (const char *const *)purged->pdata, purged->len, TRUE,
                                  error))
    goto out;
  if (ids)
    for (guint i = 0; i < purged->len; i++)
      g_ptr_array_add(ids, g_strdup(g_ptr_array_index(purged, i)));
  ok = TRUE;
out:
  unlock(s);
  if (recovered)
    *recovered = got;
  return ok;
}

gboolean
mugai_store_stats(MugaiStore *s, gint64 since, MugaiStoreStats *out, GError **error)
{
  memset(out, 0, sizeof *out);
  out->by_verdict = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  out->by_state = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  out->by_kind = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  return s->backend->stats(s->handle, since, out, error);
}

void
mugai_store_stats_clear(MugaiStoreStats *s)
{
  g_clear_pointer(&s->by_verdict, g_hash_table_unref);
  g_clear_pointer(&s->by_state, g_hash_table_unref);
  g_clear_pointer(&s->by_kind, g_hash_table_unref);
}
