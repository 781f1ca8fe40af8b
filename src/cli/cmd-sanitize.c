/*
 * cmd-sanitize.c - mugai sanitize: one input, or a batch in one process.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include <gio/gio.h>

#include "cli/cli.h"
#include "core/sanitize.h"
#include "core/util.h"
#include "quarantine/store.h"

/* Inputs per commit group in --batch. */
#define BATCH_GROUP 256

MugaiConfig *
mugai_cli_load_config(const char *command, const char *path)
{
  g_autoptr(GError) error = NULL;
  MugaiConfig *c;

  if (!path)
    return mugai_config_new_default();
  c = mugai_config_load(path, &error);
  if (!c)
    mugai_cli_error(command, "%s", error->message);
  return c;
}

/* write_stdout - all of DATA to standard output */
static gboolean
write_stdout(const void *data, gsize len)
{
  return fwrite(data, 1, len, stdout) == len && fflush(stdout) == 0;
}

/* read_original - the bytes of INPUT for the quarantine (the store checks
 * them against the result's SHA-256, so a file swapped meanwhile is caught)
 * (transfer full) */
static GBytes *
read_original(const char *input, GError **error)
{
  g_autoptr(GMappedFile) map = NULL;
  int fd = open(input, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);
  struct stat st;

  if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    int saved = fd < 0 ? errno : EINVAL;
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved), "cannot read %s to store it: %s",
                input, g_strerror(saved));
    if (fd >= 0)
      close(fd);
    return NULL;
  }
  if (st.st_size == 0) {
    close(fd);
    return g_bytes_new(NULL, 0);
  }
  map = g_mapped_file_new_from_fd(fd, FALSE, error);
  close(fd);
  return map ? g_mapped_file_get_bytes(map) : NULL;
}

/* store_add - INPUT's original and R into BATCH */
static gboolean
store_add(MugaiStoreBatch *batch, MugaiResult *r, const char *input, GError **error)
{
  g_autoptr(GBytes) original = read_original(input, error);

  return original && mugai_store_batch_add(batch, r, original, "cli", NULL, NULL, error);
}

/* sanitize_one - INPUT to OUTPUT (and REPORT); 0 or 1. The original is in
 * the quarantine before anything is written. */
static int
sanitize_one(const MugaiConfig *config, MugaiStore *store, const char *input, MugaiInputKind kind,
             const char *output, const char *report)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MugaiResult) r = mugai_sanitize_path(config, input, kind, &error);
  g_autoptr(MugaiStoreBatch) batch = mugai_store_batch_new(store);

  if (!r)
    return mugai_cli_error("sanitize", "%s", error->message);
  if (!store_add(batch, r, input, &error) || !mugai_store_batch_commit(batch, &error))
    return mugai_cli_error("sanitize", "%s: %s", input, error->message);
  if (!strcmp(output, "-") || (report && !strcmp(report, "-"))) {
    /* Standard output is for looking at results, not for delivery. */
    if (strcmp(output, "-") && !mugai_result_write(r, output, NULL, &error))
      return mugai_cli_error("sanitize", "%s", error->message);
    if (!strcmp(output, "-")) {
      gsize n;
      const void *p = g_bytes_get_data(mugai_result_get_output(r), &n);
      if (!write_stdout(p, n))
        return mugai_cli_error("sanitize", "cannot write to standard output: %s",
                               g_strerror(errno));
    }
    if (report && !strcmp(report, "-")) {
      g_autofree char *json = mugai_result_report_json(r, TRUE);
      printf("%s\n", json);
    } else if (report) {
      g_autofree char *json = mugai_result_report_json(r, TRUE);
      g_autofree char *line = g_strconcat(json, "\n", NULL);
      if (!mugai_write_atomic_data(report, line, strlen(line), &error))
        return mugai_cli_error("sanitize", "%s", error->message);
    }
    return 0;
  }
  if (!mugai_result_write(r, output, report, &error))
    return mugai_cli_error("sanitize", "%s", error->message);
  return 0;
}

/* finish_group - the group's originals stored, indexed and audited, then
 * its outputs released; when storing fails nothing of the group is */
static gboolean
finish_group(MugaiStoreBatch *batch, MugaiCommit *commit, GError **error)
{
  if (!mugai_store_batch_commit(batch, error)) {
    mugai_commit_abort(commit);
    return FALSE;
  }
  return mugai_commit_finish(commit, error);
}

/* sanitize_batch - every input into OUTDIR, written in commit groups: one
 * file-system flush per BATCH_GROUP inputs instead of two fsyncs each. An
 * input that yields no result is reported and the batch goes on. */
static int
sanitize_batch(const MugaiConfig *config, MugaiStore *store, const char *const *inputs, guint n,
               MugaiInputKind kind, const char *outdir)
{
  g_autoptr(MugaiCommit) commit = mugai_commit_new(FALSE);
  g_autoptr(MugaiStoreBatch) batch = mugai_store_batch_new(store);
  g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) taken = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  int status = 0;

  /* A PDF's text goes beside it as NAME.txt unless an input has that name. */
  for (guint i = 0; i < n; i++)
    g_hash_table_insert(taken, g_path_get_basename(inputs[i]),
                        GINT_TO_POINTER(MUGAI_NAME_RESERVED));
  for (guint i = 0; i < n; i++) {
    g_autoptr(GError) error = NULL;
    g_autofree char *base = g_path_get_basename(inputs[i]);
    g_autofree char *out = g_build_filename(outdir, base, NULL);
    g_autofree char *rep = g_strconcat(out, ".report.json", NULL);
    g_autoptr(MugaiResult) r = NULL;

    if (g_hash_table_contains(seen, base)) {
      status = mugai_cli_error("sanitize", "%s: another input of this batch has the name %s",
                               inputs[i], base);
      continue;
    }
    g_hash_table_add(seen, g_strdup(base));
    r = mugai_sanitize_path(config, inputs[i], kind, &error);
    if (!r) {
      status = mugai_cli_error("sanitize", "%s", error->message);
      continue;
    }
    if (!store_add(batch, r, inputs[i], &error)) {
      /* Fail closed: what cannot be stored is not released. */
      status = mugai_cli_error("sanitize", "%s: %s", inputs[i], error->message);
      continue;
    }
    if (!mugai_result_stage(r, commit, out, rep, taken, &error)) {
      status = mugai_cli_error("sanitize", "%s", error->message);
      continue;
    }
    if (mugai_commit_count(commit) >= 2 * BATCH_GROUP && !finish_group(batch, commit, &error))
      return mugai_cli_error("sanitize", "%s", error->message);
  }
  {
    g_autoptr(GError) error = NULL;
    if (!finish_group(batch, commit, &error))
      return mugai_cli_error("sanitize", "%s", error->message);
  }
  return status;
}

char *
mugai_cli_read_password_file(const char *path, GError **error)
{
  g_autofree char *text = NULL;
  gsize len = 0;
  char *nl;

  if (!strcmp(path, "-")) {
    char buf[4097];
    len = fread(buf, 1, sizeof buf - 1, stdin);
    buf[len] = 0;
    text = g_strndup(buf, len);
  } else if (!g_file_get_contents(path, &text, &len, error))
    return NULL;
  if (len > 4096) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s: too large for a password file",
                path);
    return NULL;
  }
  nl = strpbrk(text, "\r\n");
  if (nl)
    *nl = 0;
  if (!*text) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s: no password on its first line",
                path);
    return NULL;
  }
  return g_steal_pointer(&text);
}

int
mugai_cmd_sanitize(int argc, char **argv)
{
  g_autofree char *config_path = NULL, *as = NULL, *output = NULL, *report = NULL;
  g_autofree char *password = NULL, *password_file = NULL;
  g_auto(GStrv) inputs = NULL;
  gboolean batch = FALSE;
  g_autoptr(GError) error = NULL;
  g_autoptr(MugaiConfig) config = NULL;
  g_autoptr(MugaiStore) store = NULL;
  MugaiInputKind kind = MUGAI_INPUT_AUTO;
  GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path, "Configuration file", "CONFIG" },
    { "as", 0, 0, G_OPTION_ARG_STRING, &as, "Treat the input as a mail or a file (default: sniff)",
      "mail|file" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
      "Where to write the result (with --batch: a directory; '-' for standard output)", "OUTPUT" },
    { "report", 0, 0, G_OPTION_ARG_FILENAME, &report, "Write the JSON report here ('-': stdout)",
      "REPORT.json" },
    { "password", 0, 0, G_OPTION_ARG_STRING, &password,
      "Open encrypted archives and documents with this password (visible to other users in "
      "the process list: prefer --password-file)",
      "PW" },
    { "password-file", 0, 0, G_OPTION_ARG_FILENAME, &password_file,
      "Read the password from the first line of FILE ('-': standard input)", "FILE" },
    { "batch", 0, 0, G_OPTION_ARG_NONE, &batch,
      "Sanitise every INPUT into OUTDIR/<name> and OUTDIR/<name>.report.json", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &inputs, NULL, "INPUT..." },
    { NULL },
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new("- sanitise a mail or a file");
  guint n_inputs;

  g_option_context_add_main_entries(ctx, entries, NULL);
  g_option_context_set_description(
      ctx, "Exit status: 0 when a result was produced, whatever the verdict (delivered, held,\n"
           "rejected); 1 when none could be (then no output file exists); 2 for usage errors.\n");
  if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
    mugai_cli_error("sanitize", "%s", error->message);
    return 2;
  }
  n_inputs = inputs ? g_strv_length(inputs) : 0;
  if (as) {
    if (!strcmp(as, "mail"))
      kind = MUGAI_INPUT_MAIL;
    else if (!strcmp(as, "file"))
      kind = MUGAI_INPUT_FILE;
    else {
      mugai_cli_error("sanitize", "--as takes \"mail\" or \"file\", not \"%s\"", as);
      return 2;
    }
  }
  if (!output) {
    mugai_cli_error("sanitize", "missing -o OUTPUT");
    return 2;
  }
  if (n_inputs == 0) {
    mugai_cli_error("sanitize", "missing INPUT");
    return 2;
  }
  if (!batch && n_inputs > 1) {
    mugai_cli_error("sanitize", "%u inputs given; use --batch -o OUTDIR for several", n_inputs);
    return 2;
  }
  if (batch && report) {
    mugai_cli_error("sanitize", "--report does not go with --batch (reports go beside outputs)");
    return 2;
  }
  if (password && password_file) {
    mugai_cli_error("sanitize", "--password and --password-file exclude each other");
    return 2;
  }
  config = mugai_cli_load_config("sanitize", config_path);
  if (!config)
    return 1;
  if (password_file) {
    config->password = mugai_cli_read_password_file(password_file, &error);
    if (!config->password)
      return mugai_cli_error("sanitize", "%s", error->message);
  } else if (password)
    config->password = g_strdup(password);
  if (config->password && strlen(config->password) > 1024) {
    mugai_cli_error("sanitize", "the password is longer than 1024 bytes");
    return 2;
  }

  store = mugai_store_open(config, &error);
  if (!store)
    return mugai_cli_error("sanitize", "%s", error->message);

  if (!batch)
    return sanitize_one(config, store, inputs[0], kind, output, report);

  if (g_mkdir_with_parents(output, 0755) != 0)
    return mugai_cli_error("sanitize", "cannot create %s: %s", output, g_strerror(errno));
  return sanitize_batch(config, store, (const char *const *)inputs, n_inputs, kind, output);
}
