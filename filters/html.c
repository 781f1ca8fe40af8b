/*
 * html.c - filter: HTML flattened to readable text (text/html.h).
 *
 * Scripts, styles and every other active element are dropped by
 * construction: only text nodes and a few attributes (href, alt) are read,
 * and they are written out as plain text.
 */
#include <string.h>

#include "core/run-private.h"
#include "text/html.h"

/* html_bid - HTML by content; libmagic calls fragments without <html>
 * text/plain, so a part labelled text/html with text content qualifies */
static int
html_bid(const MugaiItem *item, const MugaiRun *run)
{
  const char *t = mugai_item_get_detected_type(item);
  const char *d = mugai_item_get_declared_type(item);

  if (!t || !mugai_item_get_data(item))
    return MUGAI_BID_NONE;
  if (!strcmp(t, "text/html") || !strcmp(t, "text/xml"))
    return d && !strcmp(d, "text/xml") ? MUGAI_BID_WEAK : MUGAI_BID_GOOD + 10;
  if (d && !strcmp(d, "text/html")
      && (g_str_has_prefix(t, "text/") || !strcmp(t, "application/octet-stream")))
    return MUGAI_BID_GOOD + 10;
  return MUGAI_BID_NONE;
}

/* html_run - flatten */
static MugaiFilterResult
html_run(MugaiItem *item, MugaiRun *run, GError **error)
{
  gsize len;
  const guint8 *p = g_bytes_get_data(item->data, &len);
  guint64 cap = mugai_run_get_limits(run)->max_text_bytes;
  gboolean truncated = len > cap;
  MugaiHtmlStats stats = { 0 };
  GString *out;

  if (truncated)
    len = (gsize)cap;
  out = g_string_sized_new(len / 2 + 16);
  mugai_html_to_text(p, len, item->declared_charset, out, &stats);
  mugai_item_take_text(item, out);
  mugai_item_set_outcome(item, MUGAI_ACTION_FLATTENED,
                         truncated ? MUGAI_REASON_TRUNCATED : MUGAI_REASON_HTML_FLATTENED,
                         "charset %s; %u links shown, %u images, %u active elements dropped, "
                         "%u deceptive links",
                         stats.charset ? stats.charset : "unknown", stats.links, stats.images,
                         stats.scripts, stats.deceptive);
  return MUGAI_FILTER_OK;
}

const MugaiFilter mugai_filter_html = {
  .abi_version = MUGAI_FILTER_ABI_VERSION,
  .name = "html",
  .flags = MUGAI_FILTER_FLAG_NONE,
  .bid = html_bid,
  .run = html_run,
};
