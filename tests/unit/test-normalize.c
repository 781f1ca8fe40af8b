/*
 * test-normalize.c - control, bidi and file-name sanitisation.
 */
#include <string.h>

#include <glib.h>

#include "text/normalize.h"

/* sanitize - run mugai_text_sanitize on LEN bytes of IN; returns the text and the count. */
static char *
sanitize(const char *in, gsize len, gsize *count)
{
  GString *s = g_string_new_len(in, (gssize)len);

  *count = mugai_text_sanitize(s);
  g_assert_cmpuint(strlen(s->str), ==, s->len); /* no NUL left */
  return g_string_free(s, FALSE);
}

/* test_controls - line endings, C0, DEL, C1, bidi and BOM. */
static void
test_controls(void)
{
  static const char in[] = "a\r\nb\rc\0d\x1b[0m\x7f\xc2\x85"
                           "e\u202Ef\u2066g\uFEFFh\ti\u202Aj\u2069k\u200E";
  gsize n;
  g_autofree char *out = sanitize(in, sizeof in - 1, &n);

  /* LRM (U+200E) is not a trick and stays */
  g_assert_cmpstr(out, ==,
                  "a\nb\nc"
                  "d[0m"
                  "efgh\tijk\u200E");
  g_assert_cmpuint(n, ==, 9);
}

/* test_clean - text that needs nothing is unchanged and counts zero. */
static void
test_clean(void)
{
  static const char in[] = "お世話になっております。\n①Ⅲ㈱ \U0001F600 “quote” — done\t.";
  gsize n;
  g_autofree char *out = sanitize(in, sizeof in - 1, &n);

  g_assert_cmpstr(out, ==, in);
  g_assert_cmpuint(n, ==, 0);
}

/* test_invalid_utf8 - bad sequences become U+FFFD and are counted, then cleaning goes on. */
static void
test_invalid_utf8(void)
{
  gsize n;
  g_autofree char *out = sanitize("a\xff"
                                  "b\xe3\x81\0\x1b"
                                  "c\xe2\x80\xae",
                                  11, &n);

  g_assert_cmpstr(out, ==, "a\uFFFDb\uFFFDc");
  g_assert_cmpuint(n, ==, 5); /* 2 replaced, NUL, ESC, RLO */
}

/* test_line - one-line values. */
static void
test_line(void)
{
  g_autofree char *a = mugai_text_sanitize_line("  a \t b\r\n c  ", -1);
  g_autofree char *b = mugai_text_sanitize_line("x\0y", 3);
  g_autofree char *c = mugai_text_sanitize_line(NULL, -1);
  g_autofree char *d = mugai_text_sanitize_line("件名\u3000全角", -1);
  g_autofree char *e = mugai_text_sanitize_line("\u202E \t\n", -1);

  g_assert_cmpstr(a, ==, "a b c");
  g_assert_cmpstr(b, ==, "xy");
  g_assert_cmpstr(c, ==, "");
  g_assert_cmpstr(d, ==, "件名\u3000全角"); /* ideographic space is text */
  g_assert_cmpstr(e, ==, "");
}

/* check_name - sanitize_filename of IN must be EXPECT. */
static void
check_name(const char *in, const char *expect)
{
  g_autofree char *out = mugai_text_sanitize_filename(in, "noname");

  g_assert_cmpstr(out, ==, expect);
}

/* test_filename - reserved characters, dots, device names, bidi, fallback. */
static void
test_filename(void)
{
  check_name("見積書.pdf", "見積書.pdf");
  check_name("../../etc/passwd", "_.._etc_passwd");
  check_name("C:\\Windows\\evil.exe", "C__Windows_evil.exe");
  check_name("a<b>c|d?e*f\"g", "a_b_c_d_e_f_g");
  check_name("report.pdf. . ", "report.pdf");
  check_name("  .hidden", "hidden");
  check_name("invoice\u202Efdp.exe", "invoicefdp.exe");
  check_name("a\0b", "a"); /* a C string ends at NUL */
  check_name("x\ty\nz", "x y z");
  check_name("CON.txt", "_CON.txt");
  check_name("com1", "_com1");
  check_name("console.txt", "console.txt");
  check_name("", "noname");
  check_name("...", "noname");
  check_name(NULL, "noname");
  g_autofree char *fb = mugai_text_sanitize_filename("", NULL);
  g_assert_cmpstr(fb, ==, "_");
}

/* test_filename_long - cut to 200 bytes on a character boundary, extension kept. */
static void
test_filename_long(void)
{
  g_autoptr(GString) in = g_string_new(NULL);
  g_autofree char *out = NULL;
  g_autofree char *noext = NULL;

  for (int i = 0; i < 100; i++)
    g_string_append(in, "あ");
  g_string_append(in, ".pdf");
  out = mugai_text_sanitize_filename(in->str, "x");
  g_assert_cmpuint(strlen(out), <=, 200);
  g_assert_true(g_utf8_validate(out, -1, NULL));
  g_assert_true(g_str_has_suffix(out, "あ.pdf"));
  g_assert_cmpuint(strlen(out), ==, 199); /* 65 whole characters + ".pdf" */

  g_string_truncate(in, 300);
  noext = mugai_text_sanitize_filename(in->str, "x");
  g_assert_cmpuint(strlen(noext), ==, 198);
  g_assert_true(g_utf8_validate(noext, -1, NULL));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/normalize/controls", test_controls);
  g_test_add_func("/normalize/clean", test_clean);
  g_test_add_func("/normalize/invalid-utf8", test_invalid_utf8);
  g_test_add_func("/normalize/line", test_line);
  g_test_add_func("/normalize/filename", test_filename);
  g_test_add_func("/normalize/filename-long", test_filename_long);
  return g_test_run();
}
