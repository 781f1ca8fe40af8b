/*
 * office.c - filter: an office document becomes an image-only PDF.
 *
 * Word, Excel, PowerPoint (binary and OOXML, macro-enabled included),
 * OpenDocument text, spreadsheets and presentations, and RTF are converted
 * to PDF by LibreOffice in a sandboxed, pooled converter
 * (src/sandbox/office.c): no network, its own throw-away profile with
 * macros disabled, documents loaded read-only with macro execution "never"
 * and links never updated. That PDF is not trusted either: it goes through
 * the pdf filter's conversion (filters/pdf.c), so what is delivered is an
 * image-only PDF mugai wrote, named after the document, and the text layer
 * beside it. Which format it is comes from libmagic; the converter only
 * loads it with an import filter of that format's family. A document that
 * needs a password, or that LibreOffice cannot open, is held or removed as
 * [office] on_encrypted and on_failure say; the original is never passed.
 */
#include <string.h>

#include "core/run-private.h"
#include "filters/pdf.h"
#include "sandbox/office.h"
#include "sandbox/worker.h"

/* Sniffed type -> the converter's format hint. file(1) does not tell
 * macro-enabled OOXML apart (a .docm is reported as a .docx), nor always a
 * binary Office document from another compound file: "ole" lets
 * LibreOffice's detection choose among the Office formats, and only those. */
static const struct {
  const char *type;
  const char *format;
  int bid;
} office_types[] = {
  { "application/msword", "doc", MUGAI_BID_CERTAIN },
  { "application/vnd.ms-excel", "xls", MUGAI_BID_CERTAIN },
  { "application/vnd.ms-powerpoint", "ppt", MUGAI_BID_CERTAIN },
  { "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx",
    MUGAI_BID_CERTAIN },
  { "application/vnd.ms-word.document.macroenabled.12", "docx", MUGAI_BID_CERTAIN },
  { "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx",
    MUGAI_BID_CERTAIN },
  { "application/vnd.ms-excel.sheet.macroenabled.12", "xlsx", MUGAI_BID_CERTAIN },
  { "application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx",
    MUGAI_BID_CERTAIN },
  { "application/vnd.ms-powerpoint.presentation.macroenabled.12", "pptx", MUGAI_BID_CERTAIN },
  { "application/vnd.oasis.opendocument.text", "odt", MUGAI_BID_CERTAIN },
  { "application/vnd.oasis.opendocument.spreadsheet", "ods", MUGAI_BID_CERTAIN },
  { "application/vnd.oasis.opendocument.presentation", "odp", MUGAI_BID_CERTAIN },
  { "text/rtf", "rtf", MUGAI_BID_CERTAIN },
  { "application/rtf", "rtf", MUGAI_BID_CERTAIN },
  /* Compound files libmagic could not name more precisely; an encrypted
   * OOXML document is one ("CDFV2 Encrypted"). */
  { "application/vnd.ms-office", "ole", MUGAI_BID_GOOD },
  { "application/cdfv2", "ole", MUGAI_BID_GOOD },
  { "application/x-ole-storage", "ole", MUGAI_BID_GOOD },
  { "application/encrypted", "ole", MUGAI_BID_GOOD },
};

/* Names that promise an office document; only consulted for a plain ZIP. */
static const char *const office_extensions[] = {
  ".docx", ".docm", ".dotx", ".dotm", ".xlsx", ".xlsm", ".xltx", ".xltm", ".pptx",
  ".pptm", ".potx", ".potm", ".ppsx", ".ppsm", ".odt",  ".ods",  ".odp",  NULL,
};

/* zip_is_office - a ZIP that libmagic did not name (its parts in an order
 * libmagic does not look for) but whose first entry is an office
 * package's ([Content_Types].xml of OOXML, mimetype of ODF), or, BY_NAME,
 * whose name promises one. Only the fixed local header at offset 0 is read. A ZIP
 * taken here for that reason alone and that is no office document is
 * removed as malformed rather than expanded: the name can make mugai
 * stricter, never more lenient. */
static gboolean
zip_is_office(const MugaiItem *item, gboolean by_name)
{
  gsize len;
  const guint8 *p = g_bytes_get_data(mugai_item_get_data(item), &len);
  const char *name = mugai_item_get_name(item);
  guint n;

  if (len >= 30 && !memcmp(p, "PK\3\4", 4)) {
    n = p[26] | (guint)p[27] << 8;
    if (len >= 30 + (gsize)n
        && ((n == 19 && !memcmp(p + 30, "[Content_Types].xml", 19))
            || (n == 8 && !memcmp(p + 30, "mimetype", 8))))
      return TRUE;
  }
  if (by_name && name) {
    g_autofree char *lower = g_ascii_strdown(name, -1);
    for (guint i = 0; office_extensions[i]; i++)
      if (g_str_has_suffix(lower, office_extensions[i]))
        return TRUE;
  }
  return FALSE;
}

/* office_entry - the table row for a sniffed type, or -1 */
static int
office_entry(const char *type)
{
  for (gsize i = 0; type && i < G_N_ELEMENTS(office_types); i++)
    if (!strcmp(type, office_types[i].type))
      return (int)i;
  return -1;
}

static int
office_bid(const MugaiItem *item, const MugaiRun *run)
{
  const char *type = mugai_item_get_detected_type(item);
  int i = office_entry(type);

  if (!mugai_item_get_data(item))
    return MUGAI_BID_NONE;
  /* Above the archive filter's bid on such a ZIP (weak). */
  if (type && !strcmp(type, "application/zip"))
    return zip_is_office(item, TRUE) ? MUGAI_BID_GOOD : MUGAI_BID_NONE;
  /* libmagic's "Microsoft OOXML": a package whose parts it could not place. */
  if (type && !strcmp(type, "application/octet-stream"))
    return zip_is_office(item, FALSE) ? MUGAI_BID_GOOD : MUGAI_BID_NONE;
  return i < 0 ? MUGAI_BID_NONE : office_types[i].bid;
}

/* record_failure - held or removed by the [office] policy, with the reason */
static void
record_failure(MugaiItem *item, const MugaiConfig *config, const GError *error,
               const MugaiOfficeStats *stats)
{
  MugaiReason reason = mugai_sandbox_error_reason(error);
  MugaiAction action;

  if (reason == MUGAI_REASON_ENCRYPTED)
    action = config->office.remove_encrypted ? MUGAI_ACTION_REMOVED : MUGAI_ACTION_HELD;
  else
    action = config->office.hold_on_failure ? MUGAI_ACTION_HELD : MUGAI_ACTION_REMOVED;
  if (stats->converter)
    mugai_item_set_outcome(item, action, reason, "%s (LibreOffice converter %u)",
                           error ? error->message : "conversion failed", stats->converter);
  else
    mugai_item_set_outcome(item, action, reason, "%s",
                           error ? error->message : "conversion failed");
}

static MugaiFilterResult
office_run(MugaiItem *item, MugaiRun *run, GError **error)
{
  int entry = office_entry(mugai_item_get_detected_type(item));
  const char *format = entry >= 0 ? office_types[entry].format : "zip";
  g_autoptr(GError) local = NULL;
  g_autoptr(GBytes) pdf = NULL;
  g_autofree char *rendered = NULL;
  g_autofree char *started = NULL;
  MugaiOfficeStats stats;
  MugaiFilterResult r;

  pdf = mugai_office_convert(run->config, mugai_item_get_data(item), format,
                             mugai_run_get_password(run), &stats, &local);
  if (!pdf) {
    record_failure(item, run->config, local, &stats);
    return MUGAI_FILTER_OK;
  }
  r = mugai_filter_pdf_convert(item, run, pdf, error);
  if (r != MUGAI_FILTER_OK || mugai_item_get_action(item) != MUGAI_ACTION_CONVERTED)
    return r;
  /* Say which converter made the intermediate PDF: its document count is
   * how a report shows that converters are reused. */
  rendered = g_strdup(mugai_item_get_reason_detail(item));
  if (stats.document == 1)
    started = g_strdup_printf("started for it in %" G_GUINT64_FORMAT " ms", stats.start_ms);
  else
    started = g_strdup_printf("its document %u", stats.document);
  mugai_item_set_outcome(item, MUGAI_ACTION_CONVERTED, MUGAI_REASON_RENDERED,
                         "%s to PDF by LibreOffice %s in %s (converter %u, %s; %" G_GUINT64_FORMAT
                         " ms), then %s",
                         format, stats.version, stats.confinement, stats.converter, started,
                         stats.convert_ms, rendered ? rendered : "rendered");
  return MUGAI_FILTER_OK;
}

const MugaiFilter mugai_filter_office = {
  .abi_version = MUGAI_FILTER_ABI_VERSION,
  .name = "office",
  .flags = MUGAI_FILTER_FLAG_UNTRUSTED_PARSER,
  .bid = office_bid,
  .run = office_run,
};
