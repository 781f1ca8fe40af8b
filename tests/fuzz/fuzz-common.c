/*
 * fuzz-common.c - see fuzz-common.h
 */
#include "fuzz-common.h"

#include <glib.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static GLogWriterOutput
quiet_writer(GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  if (level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR | G_LOG_FLAG_FATAL)) {
    for (gsize i = 0; i < n_fields; i++)
      if (!g_strcmp0(fields[i].key, "MESSAGE") && fields[i].length < 0)
        fprintf(stderr, "fuzz: critical: %s\n", (const char *)fields[i].value);
    abort();
  }
  return G_LOG_WRITER_HANDLED;
}

void
fuzz_init(void)
{
  static gsize done = 0;

  if (g_once_init_enter(&done)) {
    g_log_set_writer_func(quiet_writer, NULL, NULL);
    /* Office documents: no LibreOffice either. */
    g_setenv("MUGAI_SOFFICE", "/bin/false", TRUE);
    g_setenv("MUGAI_WORKER", "/nonexistent/mugai-worker", TRUE);
    g_setenv("LANG", "C.UTF-8", TRUE);
    signal(SIGPIPE, SIG_IGN);
    g_once_init_leave(&done, 1);
  }
}

/* Every harness starts the same way. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
  (void)argc;
  (void)argv;
  fuzz_init();
  return 0;
}

const MugaiConfig *
fuzz_config(void)
{
  static MugaiConfig *config;

  if (!config) {
    config = mugai_config_new_default();
    config->sandbox.worker = g_strdup("/nonexistent/mugai-worker");
    config->sandbox.pool_size = 1;
    config->run_id = g_strdup("01M8BA6T6ZG7K392FAY56ADXA9");
  }
  return config;
}

void
fuzz_check_utf8(const char *what, const char *s, long len)
{
  const char *end = NULL;

  if (!s)
    return;
  if (len < 0) {
    if (!g_utf8_validate(s, -1, &end))
      goto bad;
    return;
  }
  /* a NUL is valid UTF-8 (U+0000); g_utf8_validate with a length refuses it */
  for (const char *p = s, *stop = s + len; p < stop;) {
    const char *nul = memchr(p, 0, (size_t)(stop - p));
    const char *seg_end = nul ? nul : stop;
    if (!g_utf8_validate(p, seg_end - p, &end))
      goto bad;
    p = seg_end + (nul ? 1 : 0);
  }
  return;
bad:
  fprintf(stderr, "fuzz: %s is not valid UTF-8 at byte %ld\n", what, (long)(end - s));
  abort();
}
