/*
 * test-expectations.c - the fixture generator's own statement of what each
 * mail must yield (tests/fixtures/mail/expected.ini, written independently
 * of mugai's output): the decoded Subject, strings the sanitised mail must
 * contain and must not contain, and the decoded attachment names the report
 * must list. Unlike the golden files, none of this was produced by running
 * mugai.
 */
#include <string.h>

#include "core/sanitize.h"
#include "mail/view.h"
#include "text/normalize.h"

static GKeyFile *expectations;
static char *fixture_dir;

/* test_case - one group of expected.ini */
static void
test_case(gconstpointer data)
{
  const char *group = data;
  g_autofree char *file = g_key_file_get_string(expectations, group, "file", NULL);
  g_autofree char *path = g_build_filename(fixture_dir, file, NULL);
  g_autofree char *subject = g_key_file_get_string(expectations, group, "subject", NULL);
  g_auto(GStrv) contains = g_key_file_get_string_list(expectations, group, "contains", NULL, NULL);
  g_auto(GStrv) absent = g_key_file_get_string_list(expectations, group, "absent", NULL, NULL);
  g_auto(GStrv) names = g_key_file_get_string_list(expectations, group, "names", NULL, NULL);
  g_autoptr(MugaiConfig) config = mugai_config_new_default();
  g_autoptr(GError) error = NULL;
  g_autoptr(MugaiResult) r = mugai_sanitize_path(config, path, MUGAI_INPUT_AUTO, &error);
  g_autofree char *view = NULL;
  g_autofree char *report = NULL;

  g_assert_no_error(error);
  view = mugai_view_mail(mugai_result_get_output(r), TRUE, &error);
  g_assert_no_error(error);
  report = mugai_result_report_json(r, FALSE);
  /* No bidi override survives anywhere. */
  g_assert_null(strstr(view, "\xe2\x80\xae"));
  g_assert_null(strstr(report, "\xe2\x80\xae"));
  if (subject && *subject) {
    g_autofree char *line = g_strdup_printf("\nSubject: %s\n", subject);
    if (!strstr(view, line))
      g_test_message("%s: subject %s not in:\n%s", group, subject, view);
    g_assert_nonnull(strstr(view, line));
  }
  for (guint i = 0; contains && contains[i]; i++) {
    if (!*contains[i])
      continue;
    if (!strstr(view, contains[i]))
      g_test_message("%s: \"%s\" missing from:\n%s", group, contains[i], view);
    g_assert_nonnull(strstr(view, contains[i]));
  }
  for (guint i = 0; absent && absent[i]; i++) {
    if (!*absent[i])
      continue;
    if (strstr(view, absent[i]))
      g_test_message("%s: \"%s\" must not appear in:\n%s", group, absent[i], view);
    g_assert_null(strstr(view, absent[i]));
  }
  for (guint i = 0; names && names[i]; i++) {
    g_autofree char *clean = NULL;
    g_autofree char *quoted = NULL;
    if (!*names[i])
      continue;
    /* The report lists names as mugai sanitised them (controls and bidi
     * overrides stripped). */
    clean = mugai_text_sanitize_filename(names[i], "noname");
    quoted = g_strdup_printf("\"name\":\"%s\"", clean);
    if (!strstr(report, quoted))
      g_test_message("%s: name %s not in report %s", group, clean, report);
    g_assert_nonnull(strstr(report, quoted));
  }
}

int
main(int argc, char **argv)
{
  g_autofree char *ini = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) groups = NULL;

  g_test_init(&argc, &argv, NULL);
  fixture_dir = g_test_build_filename(G_TEST_DIST, "fixtures", "mail", NULL);
  ini = g_build_filename(fixture_dir, "expected.ini", NULL);
  expectations = g_key_file_new();
  g_assert_true(g_key_file_load_from_file(expectations, ini, G_KEY_FILE_NONE, &error));
  groups = g_key_file_get_groups(expectations, NULL);
  for (guint i = 0; groups[i]; i++) {
    g_autofree char *name = g_strdup_printf("/expectations/%s", groups[i]);
    g_test_add_data_func(name, g_strdup(groups[i]), test_case);
  }
  return g_test_run();
}
