/*
 * test-milter-core.c - the library pieces mugai-milter stands on: the
 * [milter] configuration keys, sanitising from a file descriptor, the held
 * result a failure policy delivers, and the committer that stores the
 * originals of many connections with group commit.
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "core/config.h"
#include "core/sanitize.h"
#include "quarantine/committer.h"
#include "quarantine/store.h"
#include "sandbox/worker.h"

static const char mail_ja[] = "From: =?ISO-2022-JP?B?GyRCOzNFRBsoQg==?= <yamada@example.jp>\r\n"
                              "To: kakari@city.example.lg.jp\r\n"
                              "Subject: =?ISO-2022-JP?B?GyRCLSEtIi0jGyhC?=\r\n"
                              "Message-ID: <held@example.jp>\r\n"
                              "MIME-Version: 1.0\r\n"
                              "Content-Type: text/plain; charset=ISO-2022-JP\r\n\r\n"
                              "\x1b$B$3$s$K$A$O\x1b(B\r\n";

static char *
write_file(const char *contents, gsize len)
{
  g_autoptr(GError) error = NULL;
  char *path = NULL;
  int fd = g_file_open_tmp("mugai-milter-XXXXXX", &path, &error);

  g_assert_no_error(error);
  g_assert_cmpint(write(fd, contents, len), ==, (gssize)len);
  close(fd);
  return path;
}

/* [milter] keys are read, checked and defaulted. */
static void
test_config(void)
{
  static const char ini[] = "[milter]\nsocket = inet:8893@127.0.0.1\nsocket_mode = 0600\n"
                            "user = mugai\ntimeout = 30\non_internal_error = reject\n"
                            "on_timeout = hold\non_oversize = reject\n";
  static const char *const bad[] = {
    "[milter]\nsocket = /run/mugai.sock\n", "[milter]\nsocket = unix:relative\n",
    "[milter]\nsocket = inet:@host\n",      "[milter]\nsocket_mode = 0999\n",
    "[milter]\nuser = root;rm\n",           "[milter]\ntimeout = 0\n",
    "[milter]\non_timeout = accept\n",      "[milter]\non_oversize = pass\n",
    "[milter]\nsokcet = unix:/x\n",
  };
  g_autofree char *path = write_file(ini, sizeof ini - 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(MugaiConfig) c = mugai_config_load(path, &error);
  g_autoptr(MugaiConfig) d = mugai_config_new_default();

  g_assert_no_error(error);
  g_assert_cmpstr(c->milter.socket, ==, "inet:8893@127.0.0.1");
  g_assert_cmpuint(c->milter.socket_mode, ==, 0600);
  g_assert_cmpstr(c->milter.user, ==, "mugai");
  g_assert_cmpuint(c->milter.timeout_ms, ==, 30000);
  g_assert_cmpint(c->milter.on_internal_error, ==, MUGAI_POLICY_REJECT);
  g_assert_cmpint(c->milter.on_timeout, ==, MUGAI_POLICY_HOLD);
  g_assert_cmpint(c->milter.on_oversize, ==, MUGAI_POLICY_REJECT);
  /* Defaults: never accept unsanitised; tempfail every failure class. */
  g_assert_cmpstr(d->milter.socket, ==, "unix:/run/mugai/milter.sock");
  g_assert_cmpint(d->milter.on_internal_error, ==, MUGAI_POLICY_TEMPFAIL);
  g_assert_cmpint(d->milter.on_timeout, ==, MUGAI_POLICY_TEMPFAIL);
  g_assert_cmpint(d->milter.on_oversize, ==, MUGAI_POLICY_TEMPFAIL);
  g_assert_cmpuint(d->milter.timeout_ms, ==, 240000);
  g_assert_cmpstr(mugai_failure_policy_name(MUGAI_POLICY_HOLD), ==, "hold");
  g_unlink(path);
  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autofree char *p = write_file(bad[i], strlen(bad[i]));
    g_autoptr(GError) e = NULL;
    g_autoptr(MugaiConfig) x = mugai_config_load(p, &e);
    g_assert_null(x);
    g_assert_nonnull(e);
    g_assert_nonnull(strstr(e->message, "[milter]"));
    g_unlink(p);
  }
}

/* mugai_sanitize_fd gives what mugai_sanitize_path gives. */
static void
test_sanitize_fd(void)
{
  g_autofree char *path = write_file(mail_ja, sizeof mail_ja - 1);
  g_autoptr(MugaiConfig) c = mugai_config_new_default();
  g_autoptr(GError) error = NULL;
  g_autoptr(MugaiResult) a = mugai_sanitize_path(c, path, MUGAI_INPUT_MAIL, &error);
  g_autoptr(MugaiResult) b = NULL;
  gsize la, lb;
  const char *oa, *ob;
  int fd = open(path, O_RDONLY);

  g_assert_no_error(error);
  b = mugai_sanitize_fd(c, fd, "spooled.eml", MUGAI_INPUT_MAIL, &error);
  g_assert_no_error(error);
  close(fd);
  g_assert_cmpstr(mugai_result_get_sha256(a), ==, mugai_result_get_sha256(b));
  g_assert_cmpint(mugai_result_get_verdict(b), ==, MUGAI_VERDICT_DELIVERED);
  g_assert_cmpstr(mugai_result_get_input_name(b), ==, "spooled.eml");
  g_assert_cmpstr(mugai_result_get_subject(b), ==, "①②③");
  oa = g_bytes_get_data(mugai_result_get_output(a), &la);
  ob = g_bytes_get_data(mugai_result_get_output(b), &lb);
  /* The same mail, apart from the run id (header and MIME boundary). */
  g_assert_cmpuint(la, ==, lb);
  g_assert_nonnull(g_strstr_len(ob, (gssize)lb, "X-Mugai-Verdict: delivered"));
  (void)oa;
  g_unlink(path);
}

/* A held result reads only the header block, holds the root with the
 * reason given, and delivers a notice to the original recipients. */
static void
test_held(void)
{
  g_autoptr(GString) big = g_string_new(mail_ja);
  g_autofree char *path = NULL;
  g_autoptr(MugaiConfig) c = mugai_config_new_default();
  g_autoptr(GError) error = NULL;
  g_autoptr(MugaiResult) r = NULL;
  g_autofree char *report = NULL, *notice = NULL;
  const char *out;
  gsize len;
  int fd;

  for (int i = 0; i < 2000; i++)
    g_string_append(big, "\x1b$B$3$s$K$A$O\x1b(B SECRET-BODY-42\r\n");
  path = write_file(big->str, big->len);
  fd = open(path, O_RDONLY);
  r = mugai_sanitize_fd_held(c, fd, "q1.eml", MUGAI_INPUT_MAIL, MUGAI_REASON_TIMEOUT,
                             "sanitising took longer than 240 s", &error);
  close(fd);
  g_assert_no_error(error);
  g_assert_cmpint(mugai_result_get_verdict(r), ==, MUGAI_VERDICT_HELD);
  g_assert_cmpuint(mugai_result_get_input_size(r), ==, big->len);
  g_assert_true(mugai_result_is_mail(r));
  g_assert_cmpint(mugai_item_get_action(mugai_result_get_root(r)), ==, MUGAI_ACTION_HELD);
  g_assert_cmpint(mugai_item_get_reason(mugai_result_get_root(r)), ==, MUGAI_REASON_TIMEOUT);
  out = g_bytes_get_data(mugai_result_get_output(r), &len);
  g_assert_nonnull(g_strstr_len(out, (gssize)len, "X-Mugai-Verdict: held"));
  g_assert_nonnull(g_strstr_len(out, (gssize)len, "To: kakari@city.example.lg.jp"));
  g_assert_nonnull(g_strstr_len(out, (gssize)len, "Message-ID: <held@example.jp>"));
  /* Nothing of the body passes: it was not even parsed (the root has no
   * children), the notice does not quote it, and the whole output is a
   * fraction of the input. */
  g_assert_cmpuint(mugai_item_get_n_children(mugai_result_get_root(r)), ==, 0);
  notice = mugai_result_notice(r);
  g_assert_null(strstr(notice, "SECRET-BODY-42"));
  g_assert_null(g_strstr_len(out, (gssize)len, "SECRET-BODY-42"));
  g_assert_cmpuint(len, <, big->len / 4);
  report = mugai_result_report_json(r, FALSE);
  g_assert_nonnull(strstr(report, "\"timeout\""));
  g_unlink(path);
}

/* A front end's deadline ends the wait for a worker, and a result that
 * ends after it says so. */
static void
test_deadline(void)
{
  g_autoptr(MugaiConfig) c = mugai_config_new_default();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = g_bytes_new_static(mail_ja, sizeof mail_ja - 1);
  g_autoptr(MugaiResult) on_time = NULL, late = NULL;
  MugaiConfig copy;
  gint64 t0;

  c->sandbox.pool_size = 1;
  g_assert_true(mugai_sandbox_acquire(c, &error));
  copy = *c;
  t0 = g_get_monotonic_time();
  copy.deadline = t0 + 100 * 1000;
  g_assert_false(mugai_sandbox_acquire(&copy, &error));
  g_assert_error(error, MUGAI_SANDBOX_ERROR, MUGAI_SANDBOX_ERROR_TIMEOUT);
  g_assert_cmpint(g_get_monotonic_time() - t0, >=, 100 * 1000);
  g_clear_error(&error);
  mugai_sandbox_release();

  copy.deadline = g_get_monotonic_time() + 60 * G_USEC_PER_SEC;
  on_time = mugai_sanitize_bytes(&copy, bytes, "a.eml", MUGAI_INPUT_MAIL, &error);
  g_assert_no_error(error);
  g_assert_false(mugai_result_is_late(on_time));
  copy.deadline = g_get_monotonic_time() - 1;
  late = mugai_sanitize_bytes(&copy, bytes, "a.eml", MUGAI_INPUT_MAIL, &error);
  g_assert_no_error(error);
  g_assert_true(mugai_result_is_late(late));
}

typedef struct {
  MugaiCommitter *committer;
  const MugaiConfig *config;
  guint index;
  gboolean ok;
} StoreThread;

static gpointer
store_thread(gpointer data)
{
  StoreThread *t = data;
  g_autofree char *text = g_strdup_printf("From: a@example.jp\r\nTo: b@example.lg.jp\r\n"
                                          "Subject: message %u\r\n\r\nbody %u\r\n",
                                          t->index, t->index);
  g_autoptr(GBytes) bytes = g_bytes_new(text, strlen(text));
  g_autoptr(GError) error = NULL;
  g_autoptr(MugaiResult) r
      = mugai_sanitize_bytes(t->config, bytes, "m.eml", MUGAI_INPUT_MAIL, &error);
  const char *rcpt[] = { "b@example.lg.jp", NULL };

  g_assert_no_error(error);
  t->ok = mugai_committer_store(t->committer, r, bytes, "milter", "a@example.jp", rcpt, &error);
  g_assert_no_error(error);
  return NULL;
}

/* Many threads store at once; every original is durable and indexed with
 * its envelope once its call returns; a wrong original is refused alone. */
static void
test_committer(void)
{
  g_autofree char *state = g_dir_make_tmp("mugai-committer-XXXXXX", NULL);
  g_autoptr(MugaiConfig) c = mugai_config_new_default();
  g_autoptr(GError) error = NULL;
  g_autoptr(MugaiStore) s = mugai_store_open_dir(state, 90, NULL, &error);
  MugaiCommitter *committer;
  StoreThread t[24];
  GThread *threads[24];
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GBytes) a = g_bytes_new_static("From: x@example.jp\r\n\r\nx\r\n", 24);
  g_autoptr(GBytes) b = g_bytes_new_static("From: y@example.jp\r\n\r\ny\r\n", 24);
  g_autoptr(MugaiResult) ra = NULL;

  g_assert_no_error(error);
  committer = mugai_committer_new(s, &error);
  g_assert_no_error(error);
  for (guint i = 0; i < G_N_ELEMENTS(t); i++) {
    t[i] = (StoreThread){ committer, c, i, FALSE };
    threads[i] = g_thread_new("store", store_thread, &t[i]);
  }
  for (guint i = 0; i < G_N_ELEMENTS(t); i++) {
    g_thread_join(threads[i]);
    g_assert_true(t[i].ok);
  }
  ra = mugai_sanitize_bytes(c, a, "x.eml", MUGAI_INPUT_MAIL, &error);
  g_assert_false(mugai_committer_store(committer, ra, b, "milter", NULL, NULL, &error));
  g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_clear_error(&error);
  mugai_committer_free(committer);

  list = mugai_store_list(s, NULL, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(list->len, ==, G_N_ELEMENTS(t));
  for (guint i = 0; i < list->len; i++) {
    MugaiEntry *e = g_ptr_array_index(list, i);
    g_autoptr(GBytes) blob = mugai_store_read_blob(s, e->sha256, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(e->source, ==, "milter");
    g_assert_cmpstr(e->sender, ==, "a@example.jp");
    g_assert_cmpstr(e->recipients, ==, "b@example.lg.jp");
    g_assert_true(g_str_has_prefix(e->subject, "message "));
  }
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/milter-core/config", test_config);
  g_test_add_func("/milter-core/sanitize-fd", test_sanitize_fd);
  g_test_add_func("/milter-core/held", test_held);
  g_test_add_func("/milter-core/committer", test_committer);
  g_test_add_func("/milter-core/deadline", test_deadline);
  return g_test_run();
}
