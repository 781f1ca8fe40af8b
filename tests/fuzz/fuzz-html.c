/*
 * fuzz-html - HTML to text (libxml2's HTML parser and mugai's walk). The
 * first byte picks the MIME charset label; the rest is the HTML.
 */
#include <glib.h>

#include "fuzz-common.h"
#include "text/html.h"

static const char *const labels[]
    = { NULL,       "utf-8",      "iso-2022-jp",  "shift_jis", "euc-jp",
        "us-ascii", "iso-8859-1", "windows-1252", "utf-16",    "bogus-charset" };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  GString *out;
  MugaiHtmlStats stats = { 0 };

  if (size < 1)
    return 0;
  out = g_string_new(NULL);
  mugai_html_to_text(data + 1, size - 1, labels[data[0] % G_N_ELEMENTS(labels)], out, &stats);
  fuzz_check_utf8("html text", out->str, (long)out->len);
  g_string_free(out, TRUE);
  return 0;
}
