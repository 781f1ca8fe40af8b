/*
 * text.c - filter: plain text, decoded and re-encoded as UTF-8.
 *
 * The output is text mugai wrote: decoded from the declared or detected
 * charset, invalid sequences replaced, controls and bidi overrides
 * stripped. Because nothing of the original byte stream survives, flattening
 * is safe for any bytes; the bid still requires content that looks like text
 * so that a disguised binary is reported as what it is.
 */
#include <string.h>

#include "core/run-private.h"
#include "text/charset.h"
#include "text/normalize.h"

static const char *const text_types[] = {
  "text/plain", "text/csv", "text/tab-separated-values", "text/rfc822-headers", NULL,
};

/* text_bid - plain text by content; a body part labelled text/plain whose
 * content libmagic cannot name (NUL bytes, odd charsets) is still text */
static int
text_bid(const MugaiItem *item, const MugaiRun *run)
{
  const char *t = mugai_item_get_detected_type(item);
  const char *d = mugai_item_get_declared_type(item);

  if (!t || !mugai_item_get_data(item))
    return MUGAI_BID_NONE;
  if (g_strv_contains(text_types, t))
    return MUGAI_BID_GOOD;
  if (mugai_item_get_role(item) == MUGAI_ROLE_BODY && d && !strcmp(d, "text/plain")
      && (g_str_has_prefix(t, "text/") || !strcmp(t, "application/octet-stream")
          || !strcmp(t, "application/x-empty")))
    return MUGAI_BID_WEAK;
  return MUGAI_BID_NONE;
}

/* text_run - decode, cap, sanitise */
static MugaiFilterResult
text_run(MugaiItem *item, MugaiRun *run, GError **error)
{
  gsize len, replaced = 0, dropped;
  const guint8 *p = g_bytes_get_data(item->data, &len);
  guint64 cap = mugai_run_get_limits(run)->max_text_bytes;
  gboolean truncated = len > cap;
  GString *out;
  const char *used;

  if (truncated)
    len = (gsize)cap;
  out = g_string_sized_new(len + len / 2 + 16);
  used = mugai_charset_decode(item->declared_charset, p, len, out, &replaced);
  dropped = mugai_text_sanitize(out);
  mugai_item_take_text(item, out);
  if (truncated)
    mugai_item_set_outcome(item, MUGAI_ACTION_FLATTENED, MUGAI_REASON_TRUNCATED,
                           "charset %s; cut at %" G_GUINT64_FORMAT " bytes", used, cap);
  else if (replaced || dropped)
    mugai_item_set_outcome(item, MUGAI_ACTION_FLATTENED, MUGAI_REASON_TEXT_DECODED,
                           "charset %s; %" G_GSIZE_FORMAT
                           " invalid sequences replaced, %" G_GSIZE_FORMAT
                           " control characters removed",
                           used, replaced, dropped);
  else
    mugai_item_set_outcome(item, MUGAI_ACTION_FLATTENED, MUGAI_REASON_TEXT_DECODED, "charset %s",
                           used);
  return MUGAI_FILTER_OK;
}

const MugaiFilter mugai_filter_text = {
  .abi_version = MUGAI_FILTER_ABI_VERSION,
  .name = "text",
  .flags = MUGAI_FILTER_FLAG_NONE,
  .bid = text_bid,
  .run = text_run,
};
