/*
 * view.c - decode a sanitised mail for reading: headers, notice, body, and
 * the text attachments.
 */
#include <string.h>

#include "mail/mime.h"
#include "mail/view.h"
#include "text/charset.h"
#include "text/header.h"
#include "text/normalize.h"

static const char *const view_headers[] = {
  "From",       "To",          "Cc",         "Reply-To",   "Subject",         "Date",
  "Message-ID", "In-Reply-To", "References", "X-Mugai-Id", "X-Mugai-Verdict", "X-Mugai-Actions",
  NULL,
};

typedef struct {
  GString *out;
  gboolean strict;
  GError *error;
  guint n;
} ViewWalk;

/* The files mugai builds, and the bytes each must start with. */
static const struct {
  const char *type;
  const char *magic;
  gsize magic_len;
} built[] = {
  { "application/pdf", "%PDF-", 5 },
  { "image/png", "\x89PNG\r\n\x1a\n", 8 },
  { "image/jpeg", "\xff\xd8\xff", 3 },
  { "application/zip", "PK\3\4", 4 }, /* an archive rebuilt from its sanitised members */
};

/* binary_part - a PDF, image or ZIP mugai built: its size and digest, since its
 * bytes are not for reading; TRUE when TYPE is one of those */
static gboolean
binary_part(ViewWalk *w, const char *type, const GByteArray *a)
{
  for (gsize i = 0; i < G_N_ELEMENTS(built); i++) {
    g_autofree char *sum = NULL;
    if (g_ascii_strcasecmp(type, built[i].type) != 0)
      continue;
    if (w->strict && !w->error
        && (a->len < built[i].magic_len || memcmp(a->data, built[i].magic, built[i].magic_len)))
      g_set_error(&w->error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                  "part %u is labelled %s but is not one", w->n, type);
    sum = g_compute_checksum_for_data(G_CHECKSUM_SHA256, a->data, a->len);
    g_string_append_printf(w->out, "[%u bytes, sha256 %.16s]\n", a->len, sum);
    return TRUE;
  }
  return FALSE;
}

/* view_part - one leaf part */
static void
view_part(GMimeObject *parent, GMimeObject *part, gpointer user_data)
{
  ViewWalk *w = user_data;
  GMimeContentType *ct = g_mime_object_get_content_type(part);
  g_autofree char *type = ct ? g_mime_content_type_get_mime_type(ct) : g_strdup("?");
  const char *name = GMIME_IS_PART(part) ? g_mime_part_get_filename(GMIME_PART(part)) : NULL;
  g_autoptr(GMimeStream) mem = NULL;
  GByteArray *a = NULL;
  g_autofree char *clean = NULL;
  const char *charset;

  if (GMIME_IS_MULTIPART(part))
    return;
  w->n++;
  clean = name ? mugai_text_sanitize_line(name, -1) : NULL;
  g_string_append_printf(w->out, "--- part %u: %s %s ---\n", w->n, clean ? clean : "(body)", type);
  if (GMIME_IS_PART(part) && g_mime_part_get_content(GMIME_PART(part))) {
    mem = g_mime_stream_mem_new();
    g_mime_data_wrapper_write_to_stream(g_mime_part_get_content(GMIME_PART(part)), mem);
    a = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
  }
  if (a && binary_part(w, type, a))
    return;
  if (!a || !g_mime_content_type_is_type(ct, "text", "plain")) {
    if (w->strict && !w->error)
      g_set_error(&w->error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                  "part %u is %s, which mugai does not write", w->n, type);
    return;
  }
  charset = g_mime_content_type_get_parameter(ct, "charset");
  if (charset && !g_ascii_strcasecmp(charset, "iso-2022-jp")) {
    mugai_charset_decode("iso-2022-jp", a->data, a->len, w->out, NULL);
  } else {
    if (w->strict && !w->error && !g_utf8_validate((const char *)a->data, a->len, NULL))
      g_set_error(&w->error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "part %u is not valid UTF-8",
                  w->n);
    g_string_append_len(w->out, (const char *)a->data, a->len);
  }
  if (w->out->len && w->out->str[w->out->len - 1] != '\n')
    g_string_append_c(w->out, '\n');
}

char *
mugai_view_mail(GBytes *mail, gboolean strict, GError **error)
{
  g_autoptr(GMimeMessage) msg = mugai_mime_parse(mail, error);
  ViewWalk w = { NULL, strict, NULL, 0 };

  if (!msg)
    return NULL;
  w.out = g_string_new(NULL);
  for (guint i = 0; view_headers[i]; i++) {
    const char *raw = mugai_mime_raw_header(GMIME_OBJECT(msg), view_headers[i]);
    if (raw) {
      g_autofree char *dec = mugai_header_decode_text(raw, strlen(raw));
      g_string_append_printf(w.out, "%s: %s\n", view_headers[i], dec);
    }
  }
  if (g_mime_message_get_mime_part(msg)) {
    GMimeObject *top = g_mime_message_get_mime_part(msg);
    if (GMIME_IS_MULTIPART(top))
      g_mime_multipart_foreach(GMIME_MULTIPART(top), view_part, &w);
    else
      view_part(GMIME_OBJECT(msg), top, &w);
  }
  if (w.error) {
    g_propagate_error(error, w.error);
    g_string_free(w.out, TRUE);
    return NULL;
  }
  return g_string_free(w.out, FALSE);
}
