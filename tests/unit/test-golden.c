/*
 * test-golden.c - every fixture mail through the whole pipeline, compared
 * with its expected rendering beside it.
 *
 * For tests/fixtures/mail/<case>.eml the expectation is <case>.expected: the
 * verdict, one line per report item, and the sanitised mail decoded by
 * mugai_view_mail in strict mode (text/plain parts in valid UTF-8, and the
 * PDFs and images mugai built). Ids
 * and dates change every run and are masked. Set MUGAI_UPDATE_GOLDEN=1 to
 * rewrite the expectations, then read the diff before committing it.
 */
#include <string.h>

#include <json-glib/json-glib.h>

#include "core/sanitize.h"
#include "mail/view.h"

/* mask - replace the run's id, the Date header and the digests of built
 * files (pixels depend on the fonts and renderer installed; the docs
 * integration test checks those files) with placeholders */
static void
mask(GString *s, const char *id)
{
  g_autoptr(GRegex) digest = g_regex_new("\\[[0-9]+ bytes, sha256 [0-9a-f]+\\]", 0, 0, NULL);
  g_autofree char *masked = NULL;

  char *p;
  gsize idlen = strlen(id);

  while ((p = strstr(s->str, id)))
    g_string_overwrite_len(s, (gsize)(p - s->str), "<ID>", 4),
        g_string_erase(s, (gssize)(p - s->str) + 4, (gssize)idlen - 4);
  if ((p = strstr(s->str, "\nDate: "))) {
    char *nl = strchr(p + 1, '\n');
    gsize start = (gsize)(p - s->str) + 7;
    g_string_erase(s, (gssize)start, nl ? nl - (p + 7) : -1);
    g_string_insert(s, (gssize)start, "<DATE>");
  }
  masked = g_regex_replace_literal(digest, s->str, -1, 0, "[built file]", 0, NULL);
  g_string_assign(s, masked);
}

/* render - the canonical text for one fixture */
static char *
render(const char *path)
{
  g_autoptr(MugaiConfig) config = mugai_config_new_default();
  g_autoptr(GError) error = NULL;
  g_autoptr(MugaiResult) r = mugai_sanitize_path(config, path, MUGAI_INPUT_AUTO, &error);
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autofree char *json = NULL;
  g_autofree char *view = NULL;
  GString *out = g_string_new(NULL);
  JsonArray *items;

  g_assert_no_error(error);
  g_assert_nonnull(r);
  json = mugai_result_report_json(r, FALSE);
  g_assert_true(json_parser_load_from_data(parser, json, -1, &error));
  items = json_object_get_array_member(json_node_get_object(json_parser_get_root(parser)), "items");
  g_string_append_printf(out, "verdict: %s\n", mugai_verdict_name(mugai_result_get_verdict(r)));
  for (guint i = 0; i < json_array_get_length(items); i++) {
    JsonObject *o = json_array_get_object_element(items, i);
    const char *output = json_object_get_string_member_with_default(o, "output", NULL);
    const char *name = json_object_get_string_member_with_default(o, "name", NULL);
    g_string_append_printf(
        out, "item %s %s %s %s%s%s%s%s\n", json_object_get_string_member(o, "path"),
        json_object_get_string_member_with_default(o, "detected_type", "-") ?: "-",
        json_object_get_string_member(o, "action"), json_object_get_string_member(o, "reason_code"),
        name ? " name=" : "", name ? name : "", output ? " -> " : "", output ? output : "");
  }
  view = mugai_view_mail(mugai_result_get_output(r), TRUE, &error);
  g_assert_no_error(error);
  g_string_append(out, view);
  mask(out, mugai_result_get_id(r));
  return g_string_free(out, FALSE);
}

/* test_fixture - compare one fixture with its expectation */
static void
test_fixture(gconstpointer data)
{
  const char *path = data;
  g_autofree char *stem = g_strndup(path, strlen(path) - 4);
  g_autofree char *expected_path = g_strconcat(stem, ".expected", NULL);
  g_autofree char *got = render(path);
  g_autofree char *expected = NULL;
  g_autoptr(GError) error = NULL;

  if (g_getenv("MUGAI_UPDATE_GOLDEN")) {
    g_assert_true(g_file_set_contents(expected_path, got, -1, &error));
    return;
  }
  if (!g_file_get_contents(expected_path, &expected, NULL, &error)) {
    g_test_message("no expectation for %s; got:\n%s", path, got);
    g_assert_no_error(error);
  }
  if (strcmp(got, expected) != 0)
    g_test_message("%s: got:\n%s", path, got);
  g_assert_cmpstr(got, ==, expected);
}

/* compare_names - GPtrArray sort callback */
static int
compare_names(gconstpointer a, gconstpointer b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

int
main(int argc, char **argv)
{
  g_autofree char *dir = NULL;
  g_autoptr(GDir) d = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
  const char *name;

  g_test_init(&argc, &argv, NULL);
  dir = g_test_build_filename(G_TEST_DIST, "fixtures", "mail", NULL);
  d = g_dir_open(dir, 0, NULL);
  g_assert_nonnull(d);
  while ((name = g_dir_read_name(d)))
    if (g_str_has_suffix(name, ".eml"))
      g_ptr_array_add(names, g_strdup(name));
  g_ptr_array_sort(names, compare_names);
  for (guint i = 0; i < names->len; i++) {
    const char *n = g_ptr_array_index(names, i);
    g_autofree char *test = g_strdup_printf("/golden/%.*s", (int)strlen(n) - 4, n);
    /* The path string lives until exit: tests run after main returns here. */
    char *path = g_build_filename(dir, n, NULL);
    g_test_add_data_func_full(test, path, test_fixture, g_free);
  }
  return g_test_run();
}
