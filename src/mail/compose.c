/*
 * compose.c - rebuild the mail: allowlisted headers, notice, body, outputs.
 *
 * Nothing of the original message is copied: every header is decoded to text
 * and re-encoded by GMime, message ids are re-validated, and the body and
 * attachments are bytes mugai produced.
 */
#include <string.h>

#include "core/item-private.h"
#include "mail/compose.h"
#include "mail/mime.h"
#include "text/charset.h"
#include "text/header.h"
#include "text/normalize.h"

#define MAX_ADDRESSES  500
#define MAX_REFERENCES 100
#define MAX_MSGID      250

/* append_quoted - TEXT as the inside of a quoted-string */
static void
append_quoted(GString *out, const char *text)
{
  for (const char *p = text; *p; p++) {
    if (*p == '"' || *p == '\\')
      g_string_append_c(out, '\\');
    g_string_append_c(out, *p);
  }
}

/* encoded_word_end - end of an encoded word starting at P, or NULL */
static const char *
encoded_word_end(const char *p)
{
  const char *q;
  int marks = 0;

  if (p[0] != '=' || p[1] != '?')
    return NULL;
  /* =?charset?X?text?= : the third '?' after the opening, then '=' */
  for (q = p + 2; *q && q - p < 1024; q++) {
    if (*q == '?') {
      marks++;
      if (marks == 3 && q[1] == '=')
        return q + 2;
    } else if (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n')
      return NULL;
  }
  return NULL;
}

/* eight_bit_run_end - end of a run of raw 8-bit text starting at P: bytes
 * >= 0x80, a Shift_JIS trail byte in the ASCII range after a lead byte, and
 * spaces between such runs (so one name is detected as one text) */
static const char *
eight_bit_run_end(const char *p)
{
  const char *q = p;

  for (;;) {
    guchar c = (guchar)*q;
    if (c >= 0x80) {
      guchar t = (guchar)q[1];
      gboolean sjis_lead = (c >= 0x81 && c <= 0x9f) || (c >= 0xe0 && c <= 0xfc);
      q += sjis_lead && t >= 0x40 && t < 0x7f ? 2 : 1;
      continue;
    }
    if (c == ' ') {
      const char *r = q;
      while (*r == ' ')
        r++;
      if ((guchar)*r >= 0x80) {
        q = r;
        continue;
      }
    }
    return q;
  }
}

char *
mugai_compose_normalize_header(const char *raw)
{
  GString *out = g_string_sized_new(strlen(raw) + 16);
  gboolean in_quote = FALSE;
  const char *p = raw;

  while (*p) {
    const char *end = encoded_word_end(p);

    if (end) {
      /* Take the whole run of adjacent encoded words. */
      const char *run_end = end, *q = end;
      g_autofree char *text = NULL;
      for (;;) {
        while (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n')
          q++;
        const char *e = encoded_word_end(q);
        if (!e)
          break;
        run_end = q = e;
      }
      text = mugai_header_decode_text(p, (gsize)(run_end - p));
      if (!in_quote)
        g_string_append_c(out, '"');
      append_quoted(out, text);
      if (!in_quote)
        g_string_append_c(out, '"');
      p = run_end;
      continue;
    }
    if ((guchar)*p >= 0x80) {
      const char *q = eight_bit_run_end(p);
      g_autofree char *text = mugai_header_decode_text(p, (gsize)(q - p));
      if (in_quote)
        append_quoted(out, text);
      else
        g_string_append(out, text);
      p = q;
      continue;
    }
    if (*p == '\\' && in_quote && p[1]) {
      g_string_append_len(out, p, 2);
      p += 2;
      continue;
    }
    if (*p == '"')
      in_quote = !in_quote;
    g_string_append_c(out, *p == '\r' || *p == '\n' ? ' ' : *p);
    p++;
  }
  return g_string_free(out, FALSE);
}

/* valid_msgid - an id we are willing to write back: printable ASCII, no
 * brackets or space, bounded */
static gboolean
valid_msgid(const char *id)
{
  gsize n = 0;

  if (!id || !*id)
    return FALSE;
  for (const char *p = id; *p; p++, n++)
    if (*p <= 32 || *p >= 127 || *p == '<' || *p == '>' || *p == '"' || *p == '\\')
      return FALSE;
  return n <= MAX_MSGID && strchr(id, '@');
}

/* copy_addresses - parse the raw header and add each mailbox, names
 * sanitised; returns how many */
static guint
copy_addresses(GMimeMessage *out, GMimeAddressType type, const char *raw)
{
  g_autofree char *norm = mugai_compose_normalize_header(raw);
  InternetAddressList *list = internet_address_list_parse(NULL, norm);
  InternetAddressList *dest = g_mime_message_get_addresses(out, type);
  guint added = 0;
  int n;

  if (!list)
    return 0;
  n = internet_address_list_length(list);
  for (int i = 0; i < n && added < MAX_ADDRESSES; i++) {
    InternetAddress *ia = internet_address_list_get_address(list, i);
    const char *name = internet_address_get_name(ia);
    g_autofree char *clean = name ? mugai_text_sanitize_line(name, -1) : NULL;
    InternetAddress *copy;

    if (INTERNET_ADDRESS_IS_MAILBOX(ia)) {
      const char *addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia));
      g_autofree char *caddr = addr ? mugai_text_sanitize_line(addr, -1) : NULL;
      if (!caddr || !*caddr || strlen(caddr) > 320)
        continue;
      copy = internet_address_mailbox_new(clean && *clean ? clean : NULL, caddr);
    } else {
      /* Groups: keep the display name only ("undisclosed-recipients:;"). */
      copy = internet_address_group_new(clean && *clean ? clean : "recipients");
    }
    internet_address_list_add(dest, copy);
    g_object_unref(copy);
    added++;
  }
  g_object_unref(list);
  return added;
}

/* copy_headers - the allowlist, each decoded and re-encoded */
static void
copy_headers(GMimeMessage *out, GMimeMessage *orig)
{
  static const struct {
    const char *name;
    GMimeAddressType type;
  } addrs[] = {
    { "From", GMIME_ADDRESS_TYPE_FROM },
    { "To", GMIME_ADDRESS_TYPE_TO },
    { "Cc", GMIME_ADDRESS_TYPE_CC },
    { "Reply-To", GMIME_ADDRESS_TYPE_REPLY_TO },
  };
  GMimeObject *o = GMIME_OBJECT(orig);
  const char *raw;

  for (gsize i = 0; i < G_N_ELEMENTS(addrs); i++)
    if ((raw = mugai_mime_raw_header(o, addrs[i].name)))
      copy_addresses(out, addrs[i].type, raw);

  if ((raw = mugai_mime_raw_header(o, "Subject"))) {
    g_autofree char *s = mugai_header_decode_text(raw, strlen(raw));
    if (g_utf8_strlen(s, -1) > 1000)
      *g_utf8_offset_to_pointer(s, 1000) = '\0';
    g_mime_message_set_subject(out, s, "utf-8");
  }
  if ((raw = mugai_mime_raw_header(o, "Date"))) {
    GDateTime *dt = g_mime_utils_header_decode_date(raw);
    if (dt) {
      g_mime_message_set_date(out, dt);
      g_date_time_unref(dt);
    }
  }
  if ((raw = mugai_mime_raw_header(o, "Message-ID"))) {
    g_autofree char *id = g_mime_utils_decode_message_id(raw);
    if (valid_msgid(id))
      g_mime_message_set_message_id(out, id);
  }
  for (int h = 0; h < 2; h++) {
    const char *name = h == 0 ? "In-Reply-To" : "References";
    GMimeReferences *refs;
    GString *v;

    if (!(raw = mugai_mime_raw_header(o, name)))
      continue;
    refs = g_mime_references_parse(NULL, raw);
    if (!refs)
      continue;
    v = g_string_new(NULL);
    for (int i = 0; i < g_mime_references_length(refs) && i < (h == 0 ? 1 : MAX_REFERENCES); i++) {
      const char *id = g_mime_references_get_message_id(refs, i);
      if (valid_msgid(id))
        g_string_append_printf(v, "%s<%s>", v->len ? " " : "", id);
    }
    if (v->len)
      g_mime_object_set_header(GMIME_OBJECT(out), name, v->str, NULL);
    g_string_free(v, TRUE);
    g_mime_references_free(refs);
  }
}

/* text_part - a text/plain part holding TEXT (UTF-8), in the output charset */
static GMimePart *
text_part(const char *text, gsize len, gboolean iso2022jp)
{
  GMimeTextPart *part = g_mime_text_part_new_with_subtype("plain");
  g_autoptr(GMimeStream) stream = NULL;
  g_autoptr(GMimeDataWrapper) wrapper = NULL;

  if (iso2022jp) {
    GString *enc = g_string_sized_new(len + len / 2);
    mugai_charset_encode_iso2022jp(text, len, enc);
    stream = g_mime_stream_mem_new_with_buffer(enc->str, enc->len);
    g_string_free(enc, TRUE);
    g_mime_text_part_set_charset(part, "ISO-2022-JP");
  } else {
    stream = g_mime_stream_mem_new_with_buffer(text, len);
    g_mime_text_part_set_charset(part, "UTF-8");
  }
  wrapper = g_mime_data_wrapper_new_with_stream(stream, GMIME_CONTENT_ENCODING_DEFAULT);
  g_mime_part_set_content(GMIME_PART(part), wrapper);
  g_mime_part_set_content_encoding(GMIME_PART(part),
                                   iso2022jp ? GMIME_CONTENT_ENCODING_7BIT
                                             : g_mime_part_get_best_content_encoding(
                                                 GMIME_PART(part), GMIME_ENCODING_CONSTRAINT_7BIT));
  return GMIME_PART(part);
}

/* attachment_part - a deliverable as an attachment */
static GMimePart *
attachment_part(const MugaiDeliverable *d)
{
  g_autoptr(GMimeContentType) ct = g_mime_content_type_parse(NULL, d->content_type);
  GMimePart *part = g_mime_part_new_with_type(g_mime_content_type_get_media_type(ct),
                                              g_mime_content_type_get_media_subtype(ct));
  gsize len;
  const char *p = g_bytes_get_data(d->data, &len);
  g_autoptr(GMimeStream) stream = g_mime_stream_mem_new_with_buffer(p ? p : "", len);
  g_autoptr(GMimeDataWrapper) wrapper
      = g_mime_data_wrapper_new_with_stream(stream, GMIME_CONTENT_ENCODING_DEFAULT);
  const char *charset = g_mime_content_type_get_parameter(ct, "charset");

  if (charset)
    g_mime_object_set_content_type_parameter(GMIME_OBJECT(part), "charset", charset);
  g_mime_part_set_content(part, wrapper);
  g_mime_part_set_content_encoding(part, GMIME_CONTENT_ENCODING_BASE64);
  g_mime_object_set_disposition(GMIME_OBJECT(part), GMIME_DISPOSITION_ATTACHMENT);
  g_mime_part_set_filename(part, d->name);
  return part;
}

/* summary - "flattened=2 removed=1 ..." over all items */
static void
count_action(MugaiItem *item, gpointer user_data)
{
  guint *counts = user_data;
  if (item->depth > 0)
    counts[item->action]++;
}

GBytes *
mugai_compose_mail(const MugaiRun *run, const MugaiPlan *plan, GMimeMessage *original,
                   const char *verdict_name)
{
  g_autoptr(GMimeMessage) out = g_mime_message_new(FALSE);
  g_autoptr(GMimeStream) mem = NULL;
  GString *body = g_string_sized_new(plan->body->len + 2048);
  gboolean iso = run->config->out_charset == MUGAI_OUTPUT_ISO2022JP;
  g_autoptr(GMimePart) main_part = NULL;
  guint counts[MUGAI_ACTION_HELD + 1] = { 0 };
  GString *summary = g_string_new(NULL);
  GByteArray *array;

  mugai_mime_init();
  if (original)
    copy_headers(out, original);
  if (!g_mime_message_get_date(out)) {
    g_autoptr(GDateTime) now = g_date_time_new_now_local();
    g_mime_message_set_date(out, now);
  }
  g_mime_object_set_header(GMIME_OBJECT(out), "MIME-Version", "1.0", NULL);
  g_mime_object_set_header(GMIME_OBJECT(out), "X-Mugai-Id", run->id, NULL);
  g_mime_object_set_header(GMIME_OBJECT(out), "X-Mugai-Verdict", verdict_name, NULL);
  mugai_item_foreach(run->root, count_action, counts);
  for (MugaiAction a = MUGAI_ACTION_FLATTENED; a <= MUGAI_ACTION_HELD; a++)
    g_string_append_printf(summary, "%s%s=%u", a == MUGAI_ACTION_FLATTENED ? "" : " ",
                           mugai_action_name(a), counts[a]);
  g_mime_object_set_header(GMIME_OBJECT(out), "X-Mugai-Actions", summary->str, NULL);
  g_mime_object_set_header(GMIME_OBJECT(out), "X-Mugai-Version", MUGAI_VERSION, NULL);
  g_string_free(summary, TRUE);

  mugai_notice_write(run, plan, TRUE, verdict_name, body);
  if (plan->body->len) {
    g_string_append_c(body, '\n');
    g_string_append_len(body, plan->body->str, (gssize)plan->body->len);
    if (body->str[body->len - 1] != '\n')
      g_string_append_c(body, '\n');
  }
  main_part = text_part(body->str, body->len, iso);
  g_string_free(body, TRUE);

  if (plan->outputs->len == 0)
    g_mime_message_set_mime_part(out, GMIME_OBJECT(main_part));
  else {
    g_autoptr(GMimeMultipart) mixed = g_mime_multipart_new_with_subtype("mixed");
    g_mime_multipart_add(mixed, GMIME_OBJECT(main_part));
    for (guint i = 0; i < plan->outputs->len; i++) {
      g_autoptr(GMimePart) a = attachment_part(&g_array_index(plan->outputs, MugaiDeliverable, i));
      g_mime_multipart_add(mixed, GMIME_OBJECT(a));
    }
    g_mime_message_set_mime_part(out, GMIME_OBJECT(mixed));
  }

  mem = g_mime_stream_mem_new();
  g_mime_object_write_to_stream(GMIME_OBJECT(out), NULL, mem);
  array = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
  g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(mem), FALSE);
  return g_byte_array_free_to_bytes(array);
}
