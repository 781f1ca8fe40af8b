/*
 * test-sandbox.c - the worker boundary under attack.
 *
 * Each case runs the real pipeline (mugai_sanitize_bytes) on a PDF, with
 * [sandbox] worker pointing at tests/sandbox/evil-worker.c, which confines
 * itself like the real worker and then misbehaves as the PDF tells it.
 * Every case must end with the item removed (or held) for the right
 * reason; where the sandbox should have stopped the worker, the evil
 * worker sends a valid page afterwards, so a sandbox that let it through
 * makes the item "converted" and the case fail.
 */
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/landlock.h>

#include <glib/gstdio.h>

#include "core/config.h"
#include "core/item-private.h"
#include "core/sanitize.h"

/* run_evil - sanitise a PDF that tells the evil worker to do WHAT */
static MugaiResult *
run_evil(const char *what, MugaiConfig *config)
{
  g_autofree char *pdf = g_strdup_printf("%%PDF-1.4\n%%mugai-evil:%s\n%%%%EOF\n", what);
  g_autoptr(GBytes) input = g_bytes_new(pdf, strlen(pdf));
  g_autoptr(GError) error = NULL;
  MugaiResult *r;

  g_free(config->sandbox.worker);
  config->sandbox.worker = g_strdup(MUGAI_EVIL_WORKER);
  r = mugai_sanitize_bytes(config, input, "evil.pdf", MUGAI_INPUT_FILE, &error);
  g_assert_no_error(error);
  g_assert_nonnull(r);
  return r;
}

/* assert_outcome - the root item's action and reason code */
static void
assert_outcome(const MugaiResult *r, MugaiAction action, const char *code, const char *detail_part)
{
  const MugaiItem *root = mugai_result_get_root(r);

  g_test_message("%s: %s (%s)", mugai_action_name(mugai_item_get_action(root)),
                 mugai_reason_code(mugai_item_get_reason(root)),
                 mugai_item_get_reason_detail(root) ? mugai_item_get_reason_detail(root) : "");
  g_assert_cmpstr(mugai_action_name(mugai_item_get_action(root)), ==, mugai_action_name(action));
  g_assert_cmpstr(mugai_reason_code(mugai_item_get_reason(root)), ==, code);
  if (detail_part)
    g_assert_nonnull(strstr(mugai_item_get_reason_detail(root), detail_part));
}

typedef struct {
  const char *what;
  const char *code;
  const char *detail;
} Case;

static const Case cases[] = {
  /* the seccomp filter kills these on the spot */
  { "socket", "worker-failed", "forbidden system call" },
  { "exec", "worker-failed", "forbidden system call" },
  { "fork", "worker-failed", "forbidden system call" },
  { "signal", "worker-failed", "forbidden system call" },
  /* writing a file is refused (EPERM), the worker reports it */
  { "write:/tmp/mugai-evil-was-here", "worker-failed", "write denied" },
  /* the address-space limit stops it */
  { "memory", "worker-failed", "signal" },
  /* frames that break the wire format */
  { "bad-magic", "worker-failed", "bad greeting" },
  { "big-dims", "render-limit", "outside 1..10000" },
  { "bad-length", "worker-failed", "does not match" },
  { "many-pages", "render-limit", "page count" },
  { "short", "worker-failed", "stopped before its last frame" },
  { "wrong-page", "worker-failed", "unexpected frame" },
  { "pixels", "render-limit", "pixel limit" },
};

/* test_case - one entry of cases[] */
static void
test_case(gconstpointer data)
{
  const Case *c = data;
  g_autoptr(MugaiConfig) config = mugai_config_new_default();
  g_autoptr(MugaiResult) r = NULL;

  config->sandbox.memory_limit = 256 << 20;
  g_unlink("/tmp/mugai-evil-was-here");
  r = run_evil(c->what, config);
  assert_outcome(r, MUGAI_ACTION_REMOVED, c->code, c->detail);
  g_assert_cmpint(mugai_result_get_verdict(r), ==, MUGAI_VERDICT_REJECTED);
  g_assert_false(g_file_test("/tmp/mugai-evil-was-here", G_FILE_TEST_EXISTS));
}

/* A worker past its deadline is killed, whether it computes or waits. */
static void
test_deadline(void)
{
  static const char *const modes[] = { "spin", "hang" };

  for (gsize i = 0; i < G_N_ELEMENTS(modes); i++) {
    g_autoptr(MugaiConfig) config = mugai_config_new_default();
    g_autoptr(MugaiResult) r = NULL;
    gint64 start = g_get_monotonic_time();

    config->sandbox.timeout_ms = 500;
    config->sandbox.timeout_per_page_ms = 0;
    r = run_evil(modes[i], config);
    assert_outcome(r, MUGAI_ACTION_REMOVED, "timeout", "killed");
    g_assert_cmpint(g_get_monotonic_time() - start, <, 5 * G_USEC_PER_SEC);
  }
}

/* Where the kernel has Landlock, a worker reads nothing outside the
 * renderer's directories: not /etc/passwd, not the state directory. */
static void
test_landlock(void)
{
  long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
  g_autoptr(MugaiConfig) config = mugai_config_new_default();
  g_autoptr(MugaiResult) r = NULL;

  if (abi < 1) {
    g_test_skip("this kernel has no Landlock");
    return;
  }
  r = run_evil("read:/etc/passwd", config);
  assert_outcome(r, MUGAI_ACTION_REMOVED, "worker-failed", "read denied");
  g_clear_pointer(&r, mugai_result_free);
  /* the control: what a renderer needs is readable */
  r = run_evil("read:/usr/share/poppler", config);
  assert_outcome(r, MUGAI_ACTION_CONVERTED, "rendered", NULL);
}

/* The real worker under a memory limit too small for one page: it fails,
 * and the item is removed, not passed. */
static void
test_real_worker_memory(void)
{
  g_autoptr(MugaiConfig) config = mugai_config_new_default();
  g_autofree char *path
      = g_test_build_filename(G_TEST_DIST, "fixtures", "docs", "many-pages.pdf", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(MugaiResult) r = NULL;
  const MugaiItem *root;

  config->sandbox.worker = g_strdup(MUGAI_REAL_WORKER);
  config->sandbox.memory_limit = 16 << 20;
  config->sandbox.dpi = 600;
  r = mugai_sanitize_path(config, path, MUGAI_INPUT_FILE, &error);
  g_assert_no_error(error);
  root = mugai_result_get_root(r);
  g_test_message("%s: %s (%s)", mugai_action_name(mugai_item_get_action(root)),
                 mugai_reason_code(mugai_item_get_reason(root)),
                 mugai_item_get_reason_detail(root));
  g_assert_cmpint(mugai_item_get_action(root), ==, MUGAI_ACTION_REMOVED);
  g_assert_true(mugai_item_get_reason(root) == MUGAI_REASON_WORKER_FAILED
                || mugai_item_get_reason(root) == MUGAI_REASON_RENDER_LIMIT);
  /* and with the default limit the same document converts */
  g_clear_pointer(&r, mugai_result_free);
  config->sandbox.memory_limit = 1 << 30;
  config->sandbox.dpi = 72;
  r = mugai_sanitize_path(config, path, MUGAI_INPUT_FILE, &error);
  g_assert_no_error(error);
  g_assert_cmpint(mugai_item_get_action(mugai_result_get_root(r)), ==, MUGAI_ACTION_CONVERTED);
}

/* on_failure = hold keeps a failed item for an operator instead. */
static void
test_hold_on_failure(void)
{
  g_autoptr(MugaiConfig) config = mugai_config_new_default();
  g_autoptr(MugaiResult) r = NULL;

  config->sandbox.hold_on_failure = TRUE;
  r = run_evil("socket", config);
  assert_outcome(r, MUGAI_ACTION_HELD, "worker-failed", NULL);
  g_assert_cmpint(mugai_result_get_verdict(r), ==, MUGAI_VERDICT_HELD);
}

/* The worker starts with descriptors 0-3 and no environment to speak of;
 * a well-behaved evil worker is converted (the control case). */
static void
test_clean_start(void)
{
  static const char *const modes[] = { "fds", "env", "ok" };

  for (gsize i = 0; i < G_N_ELEMENTS(modes); i++) {
    g_autoptr(MugaiConfig) config = mugai_config_new_default();
    g_autoptr(MugaiResult) r = run_evil(modes[i], config);
    assert_outcome(r, MUGAI_ACTION_CONVERTED, "rendered", NULL);
  }
}

/* Text from a worker is re-validated: invalid UTF-8 replaced, controls and
 * bidi overrides gone. */
static void
test_text_sanitised(void)
{
  g_autoptr(MugaiConfig) config = mugai_config_new_default();
  g_autoptr(MugaiResult) r = run_evil("text", config);
  const MugaiItem *root = mugai_result_get_root(r);
  const char *name, *type;
  GBytes *data = NULL;
  g_autofree char *text = NULL;

  assert_outcome(r, MUGAI_ACTION_CONVERTED, "rendered", NULL);
  g_assert_cmpuint(mugai_item_get_n_outputs(root), ==, 2);
  mugai_item_get_output(root, 1, &name, &type, &data);
  g_assert_cmpstr(name, ==, "evil.txt");
  text = g_strndup(g_bytes_get_data(data, NULL), g_bytes_get_size(data));
  g_assert_true(g_utf8_validate(text, -1, NULL));
  g_assert_null(strchr(text, '\x01'));
  g_assert_null(strchr(text, '\x1b'));
  g_assert_null(strchr(text, '\r'));
  g_assert_null(strstr(text, "\xe2\x80\xae"));
  g_assert_nonnull(strstr(text, "ルート①"));
  g_assert_nonnull(strstr(text, "\xef\xbf\xbd")); /* U+FFFD for the bad bytes */
}

/* A missing worker program is a failure of the item, not of mugai. */
static void
test_no_worker(void)
{
  g_autoptr(MugaiConfig) config = mugai_config_new_default();
  g_autoptr(GBytes) input = g_bytes_new_static("%PDF-1.4\n%%EOF\n", 15);
  g_autoptr(GError) error = NULL;
  g_autoptr(MugaiResult) r = NULL;

  config->sandbox.worker = g_strdup("/nonexistent/mugai-worker");
  r = mugai_sanitize_bytes(config, input, "a.pdf", MUGAI_INPUT_FILE, &error);
  g_assert_no_error(error);
  assert_outcome(r, MUGAI_ACTION_REMOVED, "worker-failed", "cannot start");
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *name = g_strdup_printf("/sandbox/evil/%s", cases[i].what);
    char *colon = strchr(name, ':');
    if (colon)
      *colon = 0;
    g_test_add_data_func(name, &cases[i], test_case);
  }
  g_test_add_func("/sandbox/deadline", test_deadline);
  g_test_add_func("/sandbox/hold-on-failure", test_hold_on_failure);
  g_test_add_func("/sandbox/landlock", test_landlock);
  g_test_add_func("/sandbox/real-worker-memory", test_real_worker_memory);
  g_test_add_func("/sandbox/clean-start", test_clean_start);
  g_test_add_func("/sandbox/text-sanitised", test_text_sanitised);
  g_test_add_func("/sandbox/no-worker", test_no_worker);
  return g_test_run();
}
