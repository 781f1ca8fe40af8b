/*
 * sniff.c - content type detection with libmagic, and mail detection.
 *
 * libmagic handles are not thread-safe and expensive to load, so each thread
 * keeps one, created on first use (the milter runs one thread per
 * connection).
 */
#include <string.h>

#include <magic.h>

#include "core/sniff.h"
#include "text/charset.h"

/* magic_handle_free - GPrivate destructor */
static void
magic_handle_free(gpointer p)
{
  magic_close(p);
}

static GPrivate magic_key = G_PRIVATE_INIT(magic_handle_free);

/* thread_magic - this thread's libmagic handle, or NULL if it cannot load */
static magic_t
thread_magic(void)
{
  magic_t m = g_private_get(&magic_key);

  if (m)
    return m;
  /* No decompression (the archive filter owns that, in a worker) and no
   * following of anything outside the buffer. */
  m = magic_open(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS | MAGIC_ERROR);
  if (!m)
    return NULL;
  if (magic_load(m, NULL) != 0) {
    g_warning("libmagic: cannot load the magic database: %s", magic_error(m));
    magic_close(m);
    return NULL;
  }
  g_private_set(&magic_key, m);
  return m;
}

/* looks_like_text - no NUL, few controls, and a Japanese-aware decode of the
 * first 64 KiB needs almost no replacements */
static gboolean
looks_like_text(const guint8 *data, gsize len)
{
  gsize n = MIN(len, (gsize)64 * 1024), controls = 0, replaced = 0;
  const char *end = NULL;
  guint8 high = 0;
  g_autoptr(GString) scratch = NULL;

  for (gsize i = 0; i < n; i++) {
    guint8 c = data[i];
    high |= c;
    if (c < 0x20) {
      if (c == 0)
        return FALSE;
      if (c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != 0x1b)
        controls++;
    }
  }
  if (controls * 100 > n)
    return FALSE;
  if (!(high & 0x80))
    return TRUE; /* seven-bit: ASCII or ISO-2022-JP */
  /* Valid UTF-8, allowing a character cut at the end of the sample. */
  if (g_utf8_validate_len((const char *)data, n, &end)
      || (gsize)((const guint8 *)end - data) + 4 > n)
    return TRUE;
  scratch = g_string_sized_new(n * 2);
  mugai_charset_decode(NULL, data, n, scratch, &replaced);
  return replaced * 100 <= n;
}

/* Starts that make text something else: scripts, markup formats, documents
 * with a textual signature. These always go to libmagic. */
static const char *const textual_signatures[] = {
  "#!",
  "%PDF",
  "%!",
  "{\\rtf",
  "<?xml",
  "<svg",
  "@echo",
  "MIME-Version:",
  "BEGIN:V",
  "<hta:",
  "[InternetShortcut]",
  "PK",
  NULL,
};

/* Markup that makes text HTML, searched case-insensitively near the start. */
static const char *const html_markers[] = {
  "<!doctype html",
  "<html",
  "<head",
  "<body",
  "<meta ",
  "<div",
  "<p>",
  "<p ",
  "<br",
  "<table",
  "<font",
  "<span",
  "<a href",
  "<img",
  "<center",
  "<b>",
  "<style",
  "<title",
  NULL,
};

/* has_html_marker - whether any HTML marker starts at a '<' in HAY[0..LEN) */
static gboolean
has_html_marker(const guint8 *hay, gsize len)
{
  const guint8 *p = hay, *end = hay + len;

  while ((p = memchr(p, '<', (gsize)(end - p)))) {
    for (guint m = 0; html_markers[m]; m++) {
      gsize n = strlen(html_markers[m]);
      if ((gsize)(end - p) >= n && !g_ascii_strncasecmp((const char *)p, html_markers[m], n))
        return TRUE;
    }
    p++;
  }
  return FALSE;
}

const char *
mugai_sniff_text_type(const guint8 *data, gsize len)
{
  gsize i = 0, head = MIN(len, (gsize)4096);

  while (i < head && g_ascii_isspace(data[i]))
    i++;
  for (guint s = 0; textual_signatures[s]; s++) {
    gsize n = strlen(textual_signatures[s]);
    if (len - i >= n && !g_ascii_strncasecmp((const char *)data + i, textual_signatures[s], n))
      return NULL;
  }
  if (!looks_like_text(data, len))
    return NULL;
  if (has_html_marker(data, head))
    return "text/html";
  return "text/plain";
}

char *
mugai_sniff_type(const guint8 *data, gsize len)
{
  magic_t m;
  const char *t;

  if (len == 0)
    return g_strdup("application/x-empty");
  m = thread_magic();
  if (!m)
    return g_strdup("application/octet-stream");
  t = magic_buffer(m, data, MIN(len, MUGAI_SNIFF_BYTES));
  if (!t || !*t || strchr(t, ' '))
    t = "application/octet-stream";
  /* libmagic guesses DOS .COM programs from their first bytes alone, which
   * Shift_JIS text often matches; a real .COM file is not clean text. */
  if ((!strcmp(t, "application/octet-stream")
       || (!strcmp(t, "application/x-dosexec") && !(len >= 2 && data[0] == 'M' && data[1] == 'Z')))
      && looks_like_text(data, len))
    t = "text/plain";
  return g_ascii_strdown(t, -1);
}

/* Fields whose presence marks a header block as a mail's. */
static const char *const mail_fields[] = {
  "from",        "date",       "subject",      "message-id",   "received", "return-path",
  "to",          "cc",         "mime-version", "delivered-to", "reply-to", "sender",
  "in-reply-to", "references", "x-mailer",     NULL,
};

/* field_name_len - length of a valid field name ending in ':' at P, or 0 */
static gsize
field_name_len(const guint8 *p, const guint8 *end)
{
  const guint8 *q = p;

  while (q<end && * q> 32 && *q < 127 && *q != ':')
    q++;
  if (q == p || q >= end || *q != ':')
    return 0;
  return (gsize)(q - p);
}

gboolean
mugai_sniff_is_mail(const guint8 *data, gsize len)
{
  const guint8 *p = data, *end;
  guint fields = 0, known = 0;

  if (!data || len == 0)
    return FALSE;
  end = data + MIN(len, (gsize)64 * 1024);

  if (len >= 5 && !memcmp(p, "From ", 5)) {
    const guint8 *nl = memchr(p, '\n', (gsize)(end - p));
    if (!nl)
      return FALSE;
    p = nl + 1;
  }
  while (p < end && fields < 200) {
    const guint8 *nl = memchr(p, '\n', (gsize)(end - p));
    const guint8 *eol = nl ? nl : end;
    gsize n;

    if (eol == p || (eol == p + 1 && *p == '\r'))
      break; /* end of the header block */
    if (*p == ' ' || *p == '\t') {
      if (fields == 0)
        return FALSE; /* continuation before any field */
    } else {
      n = field_name_len(p, eol);
      if (n == 0)
        return FALSE;
      fields++;
      for (guint i = 0; mail_fields[i]; i++)
        if (strlen(mail_fields[i]) == n && !g_ascii_strncasecmp((const char *)p, mail_fields[i], n))
          known++;
    }
    if (!nl)
      break;
    p = nl + 1;
  }
  return fields > 0 && known > 0;
}

/* What a name's extension promises: the content types that keep it. */
static const struct {
  const char *ext;
  const char *types; /* space-separated; a trailing '/' is a prefix */
} promises[] = {
  { "pdf", "application/pdf" },
  { "jpg", "image/jpeg" },
  { "jpeg", "image/jpeg" },
  { "jpe", "image/jpeg" },
  { "png", "image/png" },
  { "gif", "image/gif" },
  { "bmp", "image/bmp image/x-ms-bmp" },
  { "tif", "image/tiff" },
  { "tiff", "image/tiff" },
  { "webp", "image/webp" },
  { "html", "text/html text/xml" },
  { "htm", "text/html text/xml" },
  { "doc",
    "application/msword application/cdfv2 application/x-ole-storage application/vnd.ms-office" },
  { "xls", "application/vnd.ms-excel application/cdfv2 application/x-ole-storage "
           "application/vnd.ms-office" },
  { "ppt", "application/vnd.ms-powerpoint application/cdfv2 application/x-ole-storage "
           "application/vnd.ms-office" },
  { "docx", "application/vnd.openxmlformats-officedocument. application/zip" },
  { "xlsx", "application/vnd.openxmlformats-officedocument. application/zip" },
  { "pptx", "application/vnd.openxmlformats-officedocument. application/zip" },
  { "zip", "application/zip" },
  { "txt", "text/ application/x-empty application/octet-stream" },
  { "csv", "text/ application/csv application/x-empty application/octet-stream" },
};

char *
mugai_sniff_name_mismatch(const char *name, const char *type)
{
  const char *dot = name ? strrchr(name, '.') : NULL;
  g_autofree char *ext = NULL;

  if (!dot || !dot[1] || !type)
    return NULL;
  ext = g_ascii_strdown(dot + 1, -1);
  for (gsize i = 0; i < G_N_ELEMENTS(promises); i++) {
    g_auto(GStrv) types = NULL;
    if (strcmp(ext, promises[i].ext) != 0)
      continue;
    types = g_strsplit(promises[i].types, " ", -1);
    for (guint j = 0; types[j]; j++) {
      gsize n = strlen(types[j]);
      if (types[j][n - 1] == '/' || types[j][n - 1] == '.' ? !g_ascii_strncasecmp(type, types[j], n)
                                                           : !g_ascii_strcasecmp(type, types[j]))
        return NULL;
    }
    return g_strdup_printf(".%s but content is %s", ext, type);
  }
  return NULL;
}
