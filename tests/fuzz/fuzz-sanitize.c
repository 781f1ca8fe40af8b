/*
 * fuzz-sanitize - MIME parse and sanitise: the input as a mail through
 * mugai_sanitize_bytes, the whole pipeline (GMime, every filter that runs
 * in this process; workers fail closed at once).
 */
#include <glib.h>
#include <stdlib.h>

#include "core/sanitize.h"
#include "fuzz-common.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  GBytes *input;
  GError *error = NULL;
  MugaiResult *r;

  input = g_bytes_new(data, size);
  r = mugai_sanitize_bytes(fuzz_config(), input, "fuzz.eml", MUGAI_INPUT_MAIL, &error);

  if (!r) {
    /* bytes in memory are always readable: a result is always made */
    abort();
  }
  if (mugai_result_get_output(r) == NULL)
    abort();
  fuzz_check_utf8("subject", mugai_result_get_subject(r), -1);
  mugai_result_free(r);
  g_clear_error(&error);
  g_bytes_unref(input);
  return 0;
}
