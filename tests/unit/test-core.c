/*
 * test-core.c - configuration, ids, the JSON writer and durable writes.
 */
#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "core/config.h"
#include "core/json.h"
#include "core/sanitize.h"
#include "core/sniff.h"
#include "core/util.h"

/* write_ini - a configuration file in a fresh directory */
static char *
write_ini(const char *text)
{
  g_autofree char *dir = g_dir_make_tmp("mugai-test-XXXXXX", NULL);
  char *path = g_build_filename(dir, "mugai.ini", NULL);

  g_assert_true(g_file_set_contents(path, text, -1, NULL));
  return path;
}

/* Values and defaults are read as documented in docs/configuration.md. */
static void
test_config_values(void)
{
  g_autofree char *path
      = write_ini("[limits]\nmax_message_size = 8M\nmax_depth = 5\n"
                  "[mail]\nalternative = text\noutput_charset = ISO-2022-JP\n"
                  "[paths]\nstate_dir = /srv/mugai\n[milter]\nsocket = unix:/run/m.sock\n"
                  "[watch]\ndrop_dir = /srv/drop\nout_dir = /srv/out\nper_user = false\n"
                  "settle = 0\njobs = 3\n[policy]\nlater = x\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(MugaiConfig) c = mugai_config_load(path, &error);

  g_assert_no_error(error);
  g_assert_cmpuint(c->limits.max_message_size, ==, 8 << 20);
  g_assert_cmpuint(c->limits.max_depth, ==, 5);
  g_assert_cmpuint(c->limits.max_parts, ==, 1000); /* default kept */
  g_assert_false(c->prefer_html);
  g_assert_cmpint(c->out_charset, ==, MUGAI_OUTPUT_ISO2022JP);
  g_assert_cmpstr(c->state_dir, ==, "/srv/mugai");
  g_assert_cmpstr(c->watch.drop_dir, ==, "/srv/drop");
  g_assert_cmpstr(c->watch.out_dir, ==, "/srv/out");
  g_assert_null(c->watch.work_dir);
  g_assert_false(c->watch.per_user);
  g_assert_cmpuint(c->watch.settle_ms, ==, 0);
  g_assert_cmpuint(c->watch.jobs, ==, 3);
  g_assert_cmpuint(c->watch.max_depth, ==, 8); /* default kept */
}

/* A name's extension that promises another type than the content is
 * reported; agreeing or unknown extensions are not. */
static void
test_name_mismatch(void)
{
  static const char *const agree[][2] = {
    { "a.pdf", "application/pdf" },
    { "写真.JPG", "image/jpeg" },
    { "b.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document" },
    { "c.txt", "text/plain" },
    { "noext", "application/x-dosexec" },
    { "d.exe", "application/x-dosexec" },
    { "e.bin", "application/pdf" },
  };
  g_autofree char *m = mugai_sniff_name_mismatch("請求書.pdf", "application/x-dosexec");

  g_assert_cmpstr(m, ==, ".pdf but content is application/x-dosexec");
  for (gsize i = 0; i < G_N_ELEMENTS(agree); i++) {
    g_autofree char *none = mugai_sniff_name_mismatch(agree[i][0], agree[i][1]);
    g_assert_null(none);
  }
  g_clear_pointer(&m, g_free);
  m = mugai_sniff_name_mismatch("photo.png", "image/jpeg");
  g_assert_cmpstr(m, ==, ".png but content is image/jpeg");
}

/* [sandbox] keys are read, checked and defaulted. */
static void
test_config_sandbox(void)
{
  g_autofree char *path = write_ini("[sandbox]\nworker = /opt/mugai/worker\npool_size = 3\n"
                                    "timeout = 7\ntimeout_per_page = 2\nmemory_limit = 512M\n"
                                    "max_pages = 50\ndpi = 100\nmax_page_pixels = 1000000\n"
                                    "on_failure = hold\non_encrypted = remove\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(MugaiConfig) c = mugai_config_load(path, &error);
  g_autoptr(MugaiConfig) d = mugai_config_new_default();
  static const char *const bad[] = {
    "[sandbox]\nworker = relative/worker\n",
    "[sandbox]\ntimeout = 0\n",
    "[sandbox]\ndpi = 5000\n",
    "[sandbox]\non_failure = pass\n",
    "[sandbox]\nmemory_limit = 1k\n",
    "[sandbox]\ntimout = 3\n",
  };

  g_assert_no_error(error);
  g_assert_cmpstr(c->sandbox.worker, ==, "/opt/mugai/worker");
  g_assert_cmpuint(c->sandbox.pool_size, ==, 3);
  g_assert_cmpuint(c->sandbox.timeout_ms, ==, 7000);
  g_assert_cmpuint(c->sandbox.timeout_per_page_ms, ==, 2000);
  g_assert_cmpuint(c->sandbox.memory_limit, ==, 512 << 20);
  g_assert_cmpuint(c->sandbox.max_pages, ==, 50);
  g_assert_cmpuint(c->sandbox.dpi, ==, 100);
  g_assert_cmpuint(c->sandbox.max_page_pixels, ==, 1000000);
  g_assert_cmpuint(c->sandbox.max_total_pixels, ==, d->sandbox.max_total_pixels);
  g_assert_true(c->sandbox.hold_on_failure);
  g_assert_true(c->sandbox.remove_encrypted);
  /* defaults: fail closed by removal, hold what needs a password */
  g_assert_false(d->sandbox.hold_on_failure);
  g_assert_false(d->sandbox.remove_encrypted);
  g_assert_cmpuint(d->sandbox.dpi, ==, 150);
  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autofree char *p = write_ini(bad[i]);
    g_autoptr(GError) e = NULL;
    g_autoptr(MugaiConfig) x = mugai_config_load(p, &e);
    g_assert_null(x);
    g_assert_nonnull(e);
  }
}

/* A typo must not silently fall back to a default. */
static void
test_config_errors(void)
{
  static const char *const bad[] = {
    "[limits]\nmax_dpeth = 3\n",         "[limtis]\nmax_depth = 3\n",
    "[limits]\nmax_depth = 0\n",         "[limits]\nmax_depth = many\n",
    "[limits]\nmax_message_size = 1T\n", "[mail]\nalternative = rtf\n",
    "[paths]\nstate_dir = relative\n",   "not an ini file",
    "[watch]\ndrop_dir = drop\n",        "[watch]\nsettle = soon\n",
    "[watch]\nper_user = maybe\n",       "[watch]\nlater = x\n",
  };

  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autofree char *path = write_ini(bad[i]);
    g_autoptr(GError) error = NULL;
    g_autoptr(MugaiConfig) c = mugai_config_load(path, &error);
    g_assert_null(c);
    g_assert_nonnull(error);
    g_assert_nonnull(strstr(error->message, path));
  }
}

/* Sizes accept k/M/G suffixes and refuse overflow. */
static void
test_parse_size(void)
{
  guint64 v = 0;

  g_assert_true(mugai_parse_size("512k", &v));
  g_assert_cmpuint(v, ==, 512 * 1024);
  g_assert_true(mugai_parse_size("2GB", &v));
  g_assert_cmpuint(v, ==, G_GUINT64_CONSTANT(2) << 30);
  g_assert_false(mugai_parse_size("-1", &v));
  g_assert_false(mugai_parse_size("99999999999999999999", &v));
  g_assert_false(mugai_parse_size("18446744073709551615G", &v));
  g_assert_false(mugai_parse_size("12 apples", &v));
}

/* MUGAI_STATE_DIR wins over the file, which wins over the default. */
static void
test_state_dir(void)
{
  g_autoptr(MugaiConfig) c = mugai_config_new_default();
  g_autofree char *a = NULL, *b = NULL;

  c->state_dir = g_strdup("/srv/from-config");
  g_setenv("MUGAI_STATE_DIR", "/srv/from-env", TRUE);
  a = mugai_config_state_dir(c);
  g_unsetenv("MUGAI_STATE_DIR");
  b = mugai_config_state_dir(c);
  g_assert_cmpstr(a, ==, "/srv/from-env");
  g_assert_cmpstr(b, ==, "/srv/from-config");
}

/* Ids are 26 Crockford characters, unique, and sort by time. */
static void
test_ids(void)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *prev = NULL;

  for (int i = 0; i < 2000; i++) {
    char *id = mugai_id_new();
    g_assert_cmpuint(strlen(id), ==, 26);
    g_assert_true(strspn(id, "0123456789ABCDEFGHJKMNPQRSTVWXYZ") == 26);
    g_assert_false(g_hash_table_contains(seen, id));
    if (prev)
      g_assert_cmpint(strncmp(prev, id, 10), <=, 0);
    g_free(prev);
    prev = g_strdup(id);
    g_hash_table_add(seen, id);
  }
}

/* The JSON writer's output parses, with hostile strings intact or replaced. */
static void
test_json_writer(void)
{
  g_autoptr(GString) s = g_string_new(NULL);
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autoptr(GError) error = NULL;
  MugaiJson j;
  JsonObject *o;

  for (int pretty = 0; pretty < 2; pretty++) {
    g_string_truncate(s, 0);
    mugai_json_init(&j, s, pretty);
    mugai_json_begin_object(&j);
    mugai_json_member(&j, "quote", "a\"b\\c\n\t\x01");
    mugai_json_member(&j, "bad-utf8", "x\xff\xfey");
    mugai_json_member(&j, "null", NULL);
    mugai_json_key(&j, "n");
    mugai_json_int(&j, -42);
    mugai_json_key(&j, "list");
    mugai_json_begin_array(&j);
    mugai_json_string(&j, "日本語");
    mugai_json_begin_object(&j);
    mugai_json_end_object(&j);
    mugai_json_end_array(&j);
    mugai_json_end_object(&j);
    g_assert_true(json_parser_load_from_data(parser, s->str, -1, &error));
    o = json_node_get_object(json_parser_get_root(parser));
    g_assert_cmpstr(json_object_get_string_member(o, "quote"), ==, "a\"b\\c\n\t\x01");
    g_assert_cmpstr(json_object_get_string_member(o, "bad-utf8"), ==, "x\xef\xbf\xbd\xef\xbf\xbdy");
    g_assert_true(json_object_get_null_member(o, "null"));
    g_assert_cmpint(json_object_get_int_member(o, "n"), ==, -42);
    g_assert_cmpuint(json_array_get_length(json_object_get_array_member(o, "list")), ==, 2);
  }
}

/* count_entries - files in DIR */
static guint
count_entries(const char *dir)
{
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  guint n = 0;

  while (g_dir_read_name(d))
    n++;
  return n;
}

/* A commit group shows nothing before finish, everything after, and leaves
 * no temporary file behind when aborted. */
static void
test_commit_group(void)
{
  g_autofree char *dir = g_dir_make_tmp("mugai-commit-XXXXXX", NULL);
  g_autofree char *a = g_build_filename(dir, "a.eml", NULL);
  g_autofree char *b = g_build_filename(dir, "b.eml", NULL);
  g_autofree char *bad = g_build_filename(dir, "no", "such", "dir", NULL);
  g_autoptr(GBytes) data = g_bytes_new_static("hello\n", 6);
  GBytes *chunks[] = { data, NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *got = NULL;
  MugaiCommit *c = mugai_commit_new(FALSE);

  g_assert_true(mugai_commit_stage(c, a, chunks, &error));
  g_assert_true(mugai_commit_stage(c, b, chunks, &error));
  g_assert_false(g_file_test(a, G_FILE_TEST_EXISTS));
  g_assert_cmpuint(count_entries(dir), ==, 2); /* two hidden temporaries */
  g_assert_false(mugai_commit_stage(c, bad, chunks, &error));
  g_clear_error(&error);
  g_assert_true(mugai_commit_finish(c, &error));
  g_assert_no_error(error);
  g_assert_true(g_file_get_contents(b, &got, NULL, NULL));
  g_assert_cmpstr(got, ==, "hello\n");
  g_assert_cmpuint(count_entries(dir), ==, 2);

  g_assert_true(mugai_commit_stage(c, a, chunks, &error));
  mugai_commit_abort(c);
  g_assert_cmpuint(count_entries(dir), ==, 2);
  mugai_commit_free(c);
  g_unlink(a);
  g_unlink(b);
  g_rmdir(dir);
}

/* What mugai-watch relies on: a fixed run id (a resumed job keeps the id
 * its quarantine entry has), the files of a result under a requested name,
 * the names written recorded in the report, and the log's action summary. */
static void
test_front_end_files(void)
{
  g_autoptr(MugaiConfig) c = mugai_config_new_default();
  static const char text[] = "\xe8\xa6\x8b\xe7\xa9\x8d\xe6\x9b\xb8 mitsumori\n";
  g_autoptr(GBytes) in = g_bytes_new_static(text, sizeof text - 1);
  g_autoptr(GBytes) exe = g_bytes_new_static("MZ\x90\0\3\0\0\0\4\0\0\0\xff\xff\0\0", 16);
  g_autoptr(MugaiResult) r = NULL, x = NULL;
  g_autoptr(GPtrArray) files = NULL, xfiles = NULL;
  g_autofree char *summary = NULL, *json = NULL;
  const char *names[] = { "note (2).txt", "note (2).txt.mugai.txt" };
  g_autoptr(GError) error = NULL;

  c->run_id = g_strdup("01M8BT0000000000000000000A");
  r = mugai_sanitize_bytes(c, in, "note.txt", MUGAI_INPUT_FILE, &error);
  g_assert_no_error(error);
  g_assert_cmpstr(mugai_result_get_id(r), ==, "01M8BT0000000000000000000A");
  files = mugai_result_files(r, "note.txt");
  g_assert_cmpuint(files->len, ==, 1);
  g_assert_cmpstr(((MugaiOutputFile *)files->pdata[0])->name, ==, "note.txt");
  {
    /* the output is bytes, not a C string: search within its length */
    gsize n;
    const char *p = g_bytes_get_data(((MugaiOutputFile *)files->pdata[0])->data, &n);
    g_assert_nonnull(g_strstr_len(p, (gssize)n, "mitsumori"));
  }
  summary = mugai_result_action_summary(r);
  g_assert_cmpstr(summary, ==, "flattened=1");
  mugai_result_set_written(r, names, 2);
  json = mugai_result_report_json(r, FALSE);
  g_assert_nonnull(strstr(json, "note (2).txt.mugai.txt"));

  /* A rejected file: its notice alone, and a new id without run_id. */
  g_clear_pointer(&c->run_id, g_free);
  x = mugai_sanitize_bytes(c, exe, "setup.exe", MUGAI_INPUT_FILE, &error);
  g_assert_no_error(error);
  g_assert_cmpint(mugai_result_get_verdict(x), ==, MUGAI_VERDICT_REJECTED);
  g_assert_cmpstr(mugai_result_get_id(x), !=, "01M8BT0000000000000000000A");
  xfiles = mugai_result_files(x, "setup.exe");
  g_assert_cmpuint(xfiles->len, ==, 1);
  g_assert_cmpstr(((MugaiOutputFile *)xfiles->pdata[0])->name, ==, "setup.exe.txt");
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/config/sandbox", test_config_sandbox);
  g_test_add_func("/sniff/name-mismatch", test_name_mismatch);
  g_test_add_func("/config/values", test_config_values);
  g_test_add_func("/config/errors", test_config_errors);
  g_test_add_func("/config/parse-size", test_parse_size);
  g_test_add_func("/config/state-dir", test_state_dir);
  g_test_add_func("/util/ids", test_ids);
  g_test_add_func("/util/json-writer", test_json_writer);
  g_test_add_func("/util/commit-group", test_commit_group);
  g_test_add_func("/sanitize/front-end-files", test_front_end_files);
  return g_test_run();
}
