/*
 * test-quarantine.c - the store (blobs and a real SQLite index), the audit
 * chain, and the [quarantine] / [audit] configuration keys.
 */
#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "core/config.h"
#include "core/sanitize.h"
#include "core/util.h"
#include "quarantine/audit.h"
#include "quarantine/store.h"

#define ZERO64 "0000000000000000000000000000000000000000000000000000000000000000"

static const char mail_a[] = "From: a@example.jp\r\nTo: b@example.lg.jp\r\n"
                             "Subject: =?ISO-2022-JP?B?GyRCO244MxsoQg==?=\r\n"
                             "Message-ID: <a@example.jp>\r\n\r\nhello\r\n";
static const char mail_b[] = "From: c@example.jp\r\nTo: b@example.lg.jp\r\n"
                             "Subject: plain\r\n\r\nworld\r\n";

/* sanitize - a result for TEXT (transfer full) */
static MugaiResult *
sanitize(const MugaiConfig *c, const char *text, GBytes **bytes)
{
  g_autoptr(GError) error = NULL;
  MugaiResult *r;

  *bytes = g_bytes_new(text, strlen(text));
  r = mugai_sanitize_bytes(c, *bytes, "in.eml", MUGAI_INPUT_AUTO, &error);
  g_assert_no_error(error);
  return r;
}

/* count_blobs - blob files under STATE/quarantine/objects */
static guint
count_blobs(const char *state)
{
  g_autofree char *objects = g_build_filename(state, "quarantine", "objects", NULL);
  g_autoptr(GDir) top = g_dir_open(objects, 0, NULL);
  const char *fan;
  guint n = 0;

  while ((fan = g_dir_read_name(top))) {
    g_autofree char *sub = g_build_filename(objects, fan, NULL);
    g_autoptr(GDir) d = g_dir_open(sub, 0, NULL);
    while (d && g_dir_read_name(d))
      n++;
  }
  return n;
}

/* sql - run SQL on the index of STATE directly, as a clock would move */
static void
sql(const char *state, const char *text)
{
  g_autofree char *path = g_build_filename(state, "quarantine", "index.sqlite", NULL);
  sqlite3 *db = NULL;

  g_assert_cmpint(sqlite3_open(path, &db), ==, SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  g_assert_cmpint(sqlite3_exec(db, text, NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close(db);
}

/* sql_int - the first column of the first row of QUERY on STATE's index */
static gint64
sql_int(const char *state, const char *query)
{
  g_autofree char *path = g_build_filename(state, "quarantine", "index.sqlite", NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  gint64 v;

  g_assert_cmpint(sqlite3_open(path, &db), ==, SQLITE_OK);
  g_assert_cmpint(sqlite3_prepare_v2(db, query, -1, &st, NULL), ==, SQLITE_OK);
  g_assert_cmpint(sqlite3_step(st), ==, SQLITE_ROW);
  v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return v;
}

/* log_lines - the lines of the audit log LOG (transfer full) */
static GStrv
log_lines(const char *log)
{
  g_autofree char *text = NULL;
  GStrv lines;
  guint n;

  g_assert_true(g_file_get_contents(log, &text, NULL, NULL));
  lines = g_strsplit(text, "\n", -1);
  n = g_strv_length(lines);
  g_assert_cmpuint(n, >, 0);
  g_assert_cmpstr(lines[n - 1], ==, ""); /* ends with a line end */
  g_free(lines[n - 1]);
  lines[n - 1] = NULL;
  return lines;
}

/* Stored entries come back with their envelope, decoded subject and report;
 * identical originals are one blob; purge drops what retention lets go and
 * the blobs nothing refers to. */
static void
test_store_roundtrip(void)
{
  g_autofree char *state = g_dir_make_tmp("mugai-store-XXXXXX", NULL);
  g_autoptr(MugaiConfig) c = mugai_config_new_default();
  g_autoptr(GError) error = NULL;
  g_autoptr(MugaiStore) s = mugai_store_open_dir(state, 90, NULL, &error);
  g_autoptr(GBytes) ba = NULL, ba2 = NULL, bb = NULL;
  g_autoptr(MugaiResult) ra = sanitize(c, mail_a, &ba);
  g_autoptr(MugaiResult) ra2 = sanitize(c, mail_a, &ba2);
  g_autoptr(MugaiResult) rb = sanitize(c, mail_b, &bb);
  g_autoptr(MugaiStoreBatch) batch = NULL;
  g_autoptr(MugaiEntry) e = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GBytes) back = NULL;
  const char *rcpt[] = { "b@example.lg.jp", "d@example.lg.jp", NULL };
  MugaiStoreQuery q = { 0 };
  guint blobs = 0;
  guint64 lines = 0, bad = 0;

  g_assert_no_error(error);
  batch = mugai_store_batch_new(s);
  g_assert_true(mugai_store_batch_add(batch, ra, ba, "milter", "a@example.jp", rcpt, &error));
  g_assert_true(mugai_store_batch_add(batch, ra2, ba2, "cli", NULL, NULL, &error));
  /* The bytes must be what was sanitised. */
  g_assert_false(mugai_store_batch_add(batch, rb, ba, "cli", NULL, NULL, &error));
  g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_clear_error(&error);
  g_assert_true(mugai_store_batch_add(batch, rb, bb, "cli", NULL, NULL, &error));
  /* Nothing is visible before the commit. */
  list = mugai_store_list(s, NULL, &error);
  g_assert_cmpuint(list->len, ==, 0);
  g_clear_pointer(&list, g_ptr_array_unref);
  g_assert_true(mugai_store_batch_commit(batch, &error));
  g_assert_no_error(error);
  g_assert_cmpuint(count_blobs(state), ==, 2);

  e = mugai_store_get(s, mugai_result_get_id(ra), &error);
  g_assert_no_error(error);
  g_assert_cmpstr(e->source, ==, "milter");
  g_assert_cmpstr(e->sender, ==, "a@example.jp");
  g_assert_cmpstr(e->recipients, ==, "b@example.lg.jp,d@example.lg.jp");
  g_assert_cmpstr(e->subject, ==, "試験");
  g_assert_cmpstr(e->message_id, ==, "<a@example.jp>");
  g_assert_cmpstr(e->verdict, ==, "delivered");
  g_assert_cmpstr(e->state, ==, "delivered");
  g_assert_cmpint(e->retain_until - e->time, ==, 90 * 86400);
  g_assert_nonnull(strstr(e->report, mugai_result_get_id(ra)));
  back = mugai_store_read_blob(s, e->sha256, &error);
  g_assert_no_error(error);
  g_assert_true(g_bytes_equal(back, ba));
  g_clear_pointer(&e, mugai_entry_free);

  e = mugai_store_get(s, "01NOSUCHENTRY0000000000000", &error);
  g_assert_null(e);
  g_assert_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error(&error);

  q.sender = "A@EXAMPLE";
  list = mugai_store_list(s, &q, &error);
  g_assert_cmpuint(list->len, ==, 1);
  g_clear_pointer(&list, g_ptr_array_unref);
  q.sender = NULL;
  q.state = "held";
  list = mugai_store_list(s, &q, &error);
  g_assert_cmpuint(list->len, ==, 0);
  g_clear_pointer(&list, g_ptr_array_unref);

  /* Nothing is past retention yet. */
  g_assert_true(mugai_store_purge(s, 0, ids, &blobs, NULL, &error));
  g_assert_cmpuint(ids->len, ==, 0);
  g_assert_cmpuint(blobs, ==, 0);
  /* One copy of mail_a ages out: its blob stays for the other copy. */
  {
    g_autofree char *u = g_strdup_printf(
        "UPDATE entries SET time = time - 100 * 86400, retain_until = retain_until - 100 * 86400"
        " WHERE id = '%s'",
        mugai_result_get_id(ra));
    sql(state, u);
  }
  g_assert_true(mugai_store_purge(s, 0, ids, &blobs, NULL, &error));
  g_assert_cmpuint(ids->len, ==, 1);
  g_assert_cmpstr(g_ptr_array_index(ids, 0), ==, mugai_result_get_id(ra));
  g_assert_cmpuint(blobs, ==, 0);
  g_assert_cmpuint(count_blobs(state), ==, 2);
  /* --older-than 1 of the other copy after it is backdated: the blob goes. */
  {
    g_autofree char *u = g_strdup_printf(
        "UPDATE entries SET time = time - 2 * 86400 WHERE id = '%s'", mugai_result_get_id(ra2));
    sql(state, u);
  }
  g_ptr_array_set_size(ids, 0);
  g_assert_true(mugai_store_purge(s, 1, ids, &blobs, NULL, &error));
  g_assert_cmpuint(ids->len, ==, 1);
  g_assert_cmpuint(blobs, ==, 1);
  g_assert_cmpuint(count_blobs(state), ==, 1);
  e = mugai_store_get(s, mugai_result_get_id(ra2), &error);
  g_assert_cmpstr(e->state, ==, "purged");
  g_clear_pointer(&e, mugai_entry_free);

  {
    MugaiStoreStats st;
    g_assert_true(mugai_store_stats(s, 0, &st, &error));
    g_assert_cmpuint(st.entries, ==, 3);
    g_assert_cmpuint(GPOINTER_TO_UINT(g_hash_table_lookup(st.by_state, "purged")), ==, 2);
    g_assert_cmpuint(GPOINTER_TO_UINT(g_hash_table_lookup(st.by_kind, "mail")), ==, 3);
    mugai_store_stats_clear(&st);
  }

  /* Three stored lines and two purge lines, chained. */
  {
    g_autofree char *log = g_build_filename(state, "audit.log", NULL);
    g_autofree char *head = NULL;
    guint64 cut = 1;
    g_assert_true(mugai_audit_verify(log, &lines, &bad, &cut, &head, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(lines, ==, 5);
    g_assert_cmpuint(cut, ==, 0);
  }
}

/* A writer killed between its index commit and its audit line leaves rows
 * unmarked; so does a purge killed before its purge lines. The next purge
 * writes what is missing, once, and not what is already there. */
static void
test_store_recover_audit(void)
{
  g_autofree char *state = g_dir_make_tmp("mugai-store-XXXXXX", NULL);
  g_autofree char *log = g_build_filename(state, "audit.log", NULL);
  g_autoptr(MugaiConfig) c = mugai_config_new_default();
  g_autoptr(GError) error = NULL;
  g_autoptr(MugaiStore) s = mugai_store_open_dir(state, 90, NULL, &error);
  g_autoptr(GBytes) ba = NULL, bb = NULL, ba2 = NULL;
  g_autoptr(MugaiResult) ra = sanitize(c, mail_a, &ba);
  g_autoptr(MugaiResult) rb = sanitize(c, mail_b, &bb);
  g_autoptr(MugaiResult) ra2 = sanitize(c, mail_a, &ba2);
  g_autoptr(MugaiStoreBatch) batch = mugai_store_batch_new(s);
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);
  g_auto(GStrv) lines = NULL;
  g_autofree char *u = NULL;
  guint blobs = 0, recovered = 99;
  guint64 n = 0, bad = 0, cut = 0;

  g_assert_no_error(error);
  g_assert_true(mugai_store_batch_add(batch, ra, ba, "milter", NULL, NULL, &error));
  g_assert_true(mugai_store_batch_add(batch, rb, bb, "watch", NULL, NULL, &error));
  g_assert_true(mugai_store_batch_add(batch, ra2, ba2, "cli", NULL, NULL, &error));
  g_assert_true(mugai_store_batch_commit(batch, &error));
  g_assert_no_error(error);
  /* Committed, audited and marked. */
  g_assert_cmpint(sql_int(state, "SELECT count(*) FROM entries WHERE audited = 1"), ==, 3);
  lines = log_lines(log);
  g_assert_cmpuint(g_strv_length(lines), ==, 3);

  /* The writer of rb and ra2 died after the commit: ra2's line was never
   * written (cut off the end here), rb's was but its mark was not. */
  {
    g_autofree char *text = NULL;
    g_assert_true(g_file_get_contents(log, &text, NULL, NULL));
    *(strstr(text, lines[2])) = 0;
    g_assert_true(g_file_set_contents(log, text, -1, NULL));
  }
  g_clear_pointer(&lines, g_strfreev);
  u = g_strdup_printf("UPDATE entries SET audited = 0 WHERE id IN ('%s', '%s')",
                      mugai_result_get_id(rb), mugai_result_get_id(ra2));
  sql(state, u);

  g_assert_true(mugai_store_purge(s, 0, ids, &blobs, &recovered, &error));
  g_assert_no_error(error);
  g_assert_cmpuint(recovered, ==, 1);
  g_assert_cmpuint(ids->len, ==, 0);
  g_assert_cmpint(sql_int(state, "SELECT count(*) FROM entries WHERE audited = 0"), ==, 0);
  lines = log_lines(log);
  g_assert_cmpuint(g_strv_length(lines), ==, 3);
  g_assert_nonnull(strstr(lines[2], "\"action\":\"stored\""));
  g_assert_nonnull(strstr(lines[2], mugai_result_get_id(ra2)));
  g_assert_nonnull(strstr(lines[2], "\"reason\":\"cli\""));
  g_assert_nonnull(strstr(lines[2], "\"verdict\":\"delivered\""));
  g_assert_nonnull(strstr(lines[2], "\"recovered\":\"written by purge"));
  g_clear_pointer(&lines, g_strfreev);
  g_assert_true(mugai_audit_verify(log, &n, &bad, &cut, NULL, &error));
  g_assert_cmpuint(n, ==, 3);

  /* Nothing more to do. */
  g_assert_true(mugai_store_purge(s, 0, ids, &blobs, &recovered, &error));
  g_assert_cmpuint(recovered, ==, 0);

  /* A purge killed after marking ra purged, before its purge line. */
  g_free(u);
  u = g_strdup_printf("UPDATE entries SET state = 'purged', report = '{}', audited = 0"
                      " WHERE id = '%s'",
                      mugai_result_get_id(ra));
  sql(state, u);
  g_assert_true(mugai_store_purge(s, 0, ids, &blobs, &recovered, &error));
  g_assert_cmpuint(recovered, ==, 1);
  lines = log_lines(log);
  g_assert_cmpuint(g_strv_length(lines), ==, 4);
  g_assert_nonnull(strstr(lines[3], "\"action\":\"purge\""));
  g_assert_nonnull(strstr(lines[3], mugai_result_get_id(ra)));
  g_clear_pointer(&lines, g_strfreev);

  /* A purge marks and audits what it purges. */
  g_free(u);
  u = g_strdup_printf("UPDATE entries SET retain_until = 0 WHERE id = '%s'",
                      mugai_result_get_id(rb));
  sql(state, u);
  g_assert_true(mugai_store_purge(s, 0, ids, &blobs, &recovered, &error));
  g_assert_cmpuint(recovered, ==, 0);
  g_assert_cmpuint(ids->len, ==, 1);
  g_assert_cmpint(sql_int(state, "SELECT count(*) FROM entries WHERE audited = 0"), ==, 0);
  g_assert_true(mugai_audit_verify(log, &n, &bad, &cut, NULL, &error));
  g_assert_cmpuint(n, ==, 5);
}

/* An index of schema version 1 (no audited column) is brought up to 2 when
 * opened, its rows counted as audited. */
static void
test_store_schema_upgrade(void)
{
  g_autofree char *state = g_dir_make_tmp("mugai-store-XXXXXX", NULL);
  g_autofree char *dir = g_build_filename(state, "quarantine", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(MugaiStore) s = NULL;
  g_autoptr(MugaiEntry) e = NULL;

  g_assert_cmpint(g_mkdir_with_parents(dir, 0750), ==, 0);
  sql(state, "CREATE TABLE schema_version (version INTEGER NOT NULL);"
             "INSERT INTO schema_version VALUES (1);"
             "CREATE TABLE entries ("
             " id TEXT PRIMARY KEY, time INTEGER NOT NULL, source TEXT NOT NULL,"
             " sender TEXT, recipients TEXT, subject TEXT, message_id TEXT, name TEXT,"
             " kind TEXT NOT NULL, size INTEGER NOT NULL, sha256 TEXT NOT NULL,"
             " verdict TEXT NOT NULL, state TEXT NOT NULL, retain_until INTEGER NOT NULL,"
             " report TEXT NOT NULL);"
             "INSERT INTO entries VALUES ('01M8OLDENTRY00000000000000', 1, 'cli', NULL, NULL,"
             " 'old', NULL, NULL, 'mail', 3, '" ZERO64 "', 'held', 'held', 9999999999, '{}');");
  s = mugai_store_open_dir(state, 90, NULL, &error);
  g_assert_no_error(error);
  g_assert_cmpint(sql_int(state, "SELECT max(version) FROM schema_version"), ==, 2);
  g_assert_cmpint(sql_int(state, "SELECT audited FROM entries"), ==, 1);
  e = mugai_store_get(s, "01M8OLDENTRY00000000000000", &error);
  g_assert_no_error(error);
  g_assert_cmpstr(e->subject, ==, "old");
  g_clear_pointer(&s, mugai_store_free);
  /* Opened again: nothing to do. */
  s = mugai_store_open_dir(state, 90, NULL, &error);
  g_assert_no_error(error);
  g_assert_cmpint(sql_int(state, "SELECT count(*) FROM schema_version"), ==, 1);
}

/* A store whose state directory cannot be created fails, and says why. */
static void
test_store_unwritable(void)
{
  g_autofree char *dir = g_dir_make_tmp("mugai-store-XXXXXX", NULL);
  g_autofree char *file = g_build_filename(dir, "file", NULL);
  g_autofree char *under = g_build_filename(file, "state", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(MugaiStore) s = NULL;

  g_assert_true(g_file_set_contents(file, "x", 1, NULL));
  s = mugai_store_open_dir(under, 90, NULL, &error);
  g_assert_null(s);
  g_assert_nonnull(error);
  g_assert_nonnull(strstr(error->message, "quarantine"));
}

/* write_log - a log of N lines in a fresh directory (transfer full) */
static char *
write_log(guint n)
{
  g_autofree char *dir = g_dir_make_tmp("mugai-audit-XXXXXX", NULL);
  char *log = g_build_filename(dir, "audit.log", NULL);
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < n; i++) {
    g_autofree char *id = g_strdup_printf("ID%u", i + 1);
    const char *extra[] = { "verdict", "held", NULL };
    MugaiAuditRecord r = { "stored", id, i == 2 ? "理由\n改行" : "cli", extra };
    g_assert_true(mugai_audit_append(log, &r, 1, &error));
    g_assert_no_error(error);
  }
  return log;
}

/* write_more - append one stored line to LOG */
static void
write_more(const char *log)
{
  g_autoptr(GError) error = NULL;
  MugaiAuditRecord r = { "stored", "IDX", "cli", NULL };

  g_assert_true(mugai_audit_append(log, &r, 1, &error));
  g_assert_no_error(error);
}

/* rewrite - LOG's lines through F */
static void
rewrite(const char *log, void (*f)(GPtrArray *lines))
{
  g_autofree char *text = NULL;
  g_auto(GStrv) parts = NULL;
  g_autoptr(GPtrArray) lines = g_ptr_array_new();
  g_autoptr(GString) out = g_string_new(NULL);

  g_assert_true(g_file_get_contents(log, &text, NULL, NULL));
  parts = g_strsplit(text, "\n", -1);
  for (guint i = 0; parts[i] && *parts[i]; i++)
    g_ptr_array_add(lines, parts[i]);
  f(lines);
  for (guint i = 0; i < lines->len; i++)
    g_string_append_printf(out, "%s\n", (char *)g_ptr_array_index(lines, i));
  g_assert_true(g_file_set_contents(log, out->str, (gssize)out->len, NULL));
}

/* edit_2 - change a character of line 2 */
static void
edit_2(GPtrArray *lines)
{
  char *p = strstr(g_ptr_array_index(lines, 1), "ID2");
  p[2] = '9';
}

/* delete_3 - drop line 3 */
static void
delete_3(GPtrArray *lines)
{
  g_ptr_array_remove_index(lines, 2);
}

/* swap_3_4 - exchange lines 3 and 4 */
static void
swap_3_4(GPtrArray *lines)
{
  gpointer t = lines->pdata[2];
  lines->pdata[2] = lines->pdata[3];
  lines->pdata[3] = t;
}

/* verify_bad - the first broken line of LOG */
static guint64
verify_bad(const char *log)
{
  g_autoptr(GError) error = NULL;
  guint64 lines, bad, cut;

  g_assert_false(mugai_audit_verify(log, &lines, &bad, &cut, NULL, &error));
  g_assert_nonnull(error);
  return bad;
}

/* The chain holds as written; an edit, a deletion and a swap are each found
 * at the first line whose predecessor is no longer the one it names. */
static void
test_audit_chain(void)
{
  g_autoptr(GError) error = NULL;
  guint64 lines = 0, bad = 0, cut = 0;
  g_autofree char *head = NULL;
  g_autofree char *log = write_log(5);
  g_autofree char *text = NULL;

  g_assert_true(mugai_audit_verify(log, &lines, &bad, &cut, &head, &error));
  g_assert_cmpuint(lines, ==, 5);
  g_assert_cmpuint(strlen(head), ==, 64);
  /* A reason with a line break is still one line. */
  g_assert_true(g_file_get_contents(log, &text, NULL, NULL));
  g_assert_nonnull(strstr(text, "理由\\n改行"));
  g_assert_nonnull(strstr(text, "\"user\":\""));
  g_assert_nonnull(strstr(text, "\"prev\":\"0000000000000000"));

  rewrite(log, edit_2);
  g_assert_cmpuint(verify_bad(log), ==, 3);
  g_free(log);
  log = write_log(5);
  rewrite(log, delete_3);
  g_assert_cmpuint(verify_bad(log), ==, 3);
  g_free(log);
  log = write_log(5);
  rewrite(log, swap_3_4);
  g_assert_cmpuint(verify_bad(log), ==, 3);
  g_free(log);
  /* A line cut short (no line end): what a writer killed in the middle of
   * its write leaves. The lines before it hold; the next append cuts it off
   * and records that first, chained to the last whole line. */
  log = write_log(2);
  {
    g_autofree char *before = NULL, *cut_head = NULL, *after = NULL;
    g_auto(GStrv) rows = NULL;
    FILE *f;
    const char *extra[] = { "verdict", "held", NULL };
    MugaiAuditRecord r = { "stored", "ID3", "cli", extra };

    g_free(head);
    head = NULL;
    g_assert_true(mugai_audit_verify(log, &lines, &bad, &cut, &head, &error));
    g_assert_true(g_file_get_contents(log, &before, NULL, NULL));
    f = fopen(log, "a");
    fputs("{\"time\":\"2026-11-26T00:00:00Z\",\"ha", f);
    fclose(f);
    g_assert_true(mugai_audit_verify(log, &lines, &bad, &cut, &cut_head, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(lines, ==, 2);
    g_assert_cmpuint(cut, ==, 34);
    g_assert_cmpstr(cut_head, ==, head);
    g_assert_true(mugai_audit_append(log, &r, 1, &error));
    g_assert_no_error(error);
    g_assert_true(mugai_audit_verify(log, &lines, &bad, &cut, NULL, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(lines, ==, 4);
    g_assert_cmpuint(cut, ==, 0);
    g_assert_true(g_file_get_contents(log, &after, NULL, NULL));
    g_assert_true(g_str_has_prefix(after, before));
    rows = g_strsplit(after + strlen(before), "\n", -1);
    g_assert_nonnull(strstr(rows[0], "\"action\":\"repair\""));
    g_assert_nonnull(strstr(rows[0], "\"bytes\":\"34\""));
    g_assert_nonnull(strstr(rows[0], "\"sha256\":\""));
    g_assert_nonnull(strstr(rows[1], "\"id\":\"ID3\""));
    g_assert_null(strstr(after, "\"ha{"));
    g_free(head);
    head = NULL;
  }
  g_free(log);
  /* A log that is one incomplete line: nothing holds, nothing is broken. */
  {
    g_autofree char *dir = g_dir_make_tmp("mugai-audit-XXXXXX", NULL);
    log = g_build_filename(dir, "audit.log", NULL);
    g_assert_true(g_file_set_contents(log, "{\"ti", -1, NULL));
    g_assert_true(mugai_audit_verify(log, &lines, &bad, &cut, NULL, &error));
    g_assert_cmpuint(lines, ==, 0);
    g_assert_cmpuint(cut, ==, 4);
    write_more(log);
    g_assert_true(mugai_audit_verify(log, &lines, &bad, &cut, NULL, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(lines, ==, 2);
    g_assert_cmpuint(cut, ==, 0);
  }
  g_free(log);
  log = write_log(2);
  {
    FILE *f = fopen(log, "a");
    fputs("garbage\n", f);
    fclose(f);
  }
  g_assert_cmpuint(verify_bad(log), ==, 3);
  /* A missing log is an empty chain. */
  g_assert_true(mugai_audit_verify("/nonexistent/audit.log", &lines, &bad, &cut, NULL, &error));
  g_assert_cmpuint(lines, ==, 0);
}

/* [quarantine] retention and [audit] log are checked like every key. */
static void
test_config_keys(void)
{
  g_autofree char *dir = g_dir_make_tmp("mugai-test-XXXXXX", NULL);
  g_autofree char *path = g_build_filename(dir, "mugai.ini", NULL);
  g_autoptr(GError) error = NULL;
  MugaiConfig *c;
  static const char *const bad[] = {
    "[quarantine]\nretention = 30x\n", "[quarantine]\nretention = 0d\n", "[quarantine]\nkeep = 3\n",
    "[audit]\nlog = relative.log\n",   "[audit]\nfile = /x\n",
  };

  c = mugai_config_new_default();
  g_assert_cmpuint(c->quarantine.retention_days, ==, 90);
  mugai_config_free(c);
  g_assert_true(g_file_set_contents(
      path, "[quarantine]\nretention = 30d\n[audit]\nlog = /var/log/mugai/audit.log\n", -1, NULL));
  c = mugai_config_load(path, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(c->quarantine.retention_days, ==, 30);
  g_assert_cmpstr(c->quarantine.audit_log, ==, "/var/log/mugai/audit.log");
  mugai_config_free(c);
  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_assert_true(g_file_set_contents(path, bad[i], -1, NULL));
    c = mugai_config_load(path, &error);
    g_assert_null(c);
    g_assert_nonnull(error);
    g_clear_error(&error);
  }
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/quarantine/store", test_store_roundtrip);
  g_test_add_func("/quarantine/unwritable", test_store_unwritable);
  g_test_add_func("/quarantine/recover-audit", test_store_recover_audit);
  g_test_add_func("/quarantine/schema-upgrade", test_store_schema_upgrade);
  g_test_add_func("/quarantine/audit-chain", test_audit_chain);
  g_test_add_func("/quarantine/config", test_config_keys);
  return g_test_run();
}
