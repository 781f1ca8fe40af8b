/*
 * compose.c - rebuild the mail: allowlisted headers, notice, body, outputs.
 *
 * Nothing of the original message is copied: every header is decoded to text
 * and re-encoded, message ids are re-validated, and the body and attachments
 * are bytes mugai produced. The message is written directly as text rather
 * than built as a GMime object tree: its structure is fixed and simple, and
 * building and serialising objects was a third of the cost of a mail.
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

/* header_line - "Name: value\n", folded at spaces so that no line passes
 * 78 characters where a space allows it. Values here are mugai's own
 * encoded words, addresses and message ids, whose tokens never contain
 * spaces, so a fold never lands inside one. (GMime's structured folder was
 * seen splitting an address at a dot.) */
static void
header_line(GString *out, const char *name, const char *value)
{
  gsize col = strlen(name) + 2;
  const char *p = value;

  g_string_append(out, name);
  g_string_append(out, ": ");
  while (*p) {
    const char *sp = strchr(p, ' ');
    gsize n = sp ? (gsize)(sp - p) : strlen(p);

    if (p != value) {
      if (col + 1 + n > 78) {
        g_string_append(out, "\n ");
        col = 1;
      } else {
        g_string_append_c(out, ' ');
        col++;
      }
    }
    g_string_append_len(out, p, (gssize)n);
    col += n;
    p += n;
    while (*p == ' ')
      p++;
  }
  g_string_append_c(out, '\n');
}

/* ascii_addr - whether ADDR is a plain ASCII addr-spec we can write as is */
static gboolean
ascii_addr(const char *addr)
{
  for (const char *p = addr; *p; p++)
    if ((guchar)*p <= 0x20 || (guchar)*p >= 0x7f || strchr("<>,;\"()\\[]", *p))
      return FALSE;
  return TRUE;
}

/* address_header - parse the raw header and write each mailbox again, names
 * sanitised and encoded. Written here rather than by GMime's list encoder,
 * which converts every address through IDNA (libidn2) at a cost of a
 * twentieth of a whole mail; non-ASCII addresses still go through it. */
static void
address_header(GString *out, const char *name, const char *raw)
{
  g_autofree char *norm = mugai_compose_normalize_header(raw);
  InternetAddressList *list = internet_address_list_parse(NULL, norm);
  GString *line;
  guint added = 0;
  int n;

  if (!list)
    return;
  line = g_string_new(NULL);
  n = internet_address_list_length(list);
  for (int i = 0; i < n && added < MAX_ADDRESSES; i++) {
    InternetAddress *ia = internet_address_list_get_address(list, i);
    const char *display = internet_address_get_name(ia);
    g_autofree char *clean = display ? mugai_text_sanitize_line(display, -1) : NULL;
    g_autofree char *phrase = NULL;
    g_autofree char *item = NULL;

    if (clean && *clean)
      phrase = g_mime_utils_header_encode_phrase(NULL, clean, "utf-8");
    if (INTERNET_ADDRESS_IS_MAILBOX(ia)) {
      const char *addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia));
      g_autofree char *caddr = addr ? mugai_text_sanitize_line(addr, -1) : NULL;
      if (!caddr || !*caddr || strlen(caddr) > 320)
        continue;
      if (ascii_addr(caddr))
        item = phrase ? g_strdup_printf("%s <%s>", phrase, caddr) : g_strdup(caddr);
      else {
        InternetAddress *copy = internet_address_mailbox_new(clean, caddr);
        item = internet_address_to_string(copy, NULL, TRUE);
        g_object_unref(copy);
      }
    } else {
      /* Groups: keep the display name only ("undisclosed-recipients:;"). */
      item = g_strdup_printf("%s:;", phrase ? phrase : "recipients");
    }
    if (added)
      g_string_append(line, ", ");
    g_string_append(line, item);
    added++;
  }
  if (added)
    header_line(out, name, line->str);
  g_string_free(line, TRUE);
  g_object_unref(list);
}

/* copy_headers - the allowlist, each decoded and re-encoded */
static void
copy_headers(GString *out, GMimeObject *o)
{
  static const char *const addrs[] = { "From", "To", "Cc", "Reply-To" };
  const char *raw;

  for (gsize i = 0; i < G_N_ELEMENTS(addrs); i++)
    if ((raw = mugai_mime_raw_header(o, addrs[i])))
      address_header(out, addrs[i], raw);

  if ((raw = mugai_mime_raw_header(o, "Subject"))) {
    g_autofree char *s = mugai_header_decode_text(raw, strlen(raw));
    g_autofree char *enc = NULL;
    if (g_utf8_strlen(s, -1) > 1000)
      *g_utf8_offset_to_pointer(s, 1000) = '\0';
    enc = g_mime_utils_header_encode_text(NULL, s, "utf-8");
    header_line(out, "Subject", enc);
  }
  if ((raw = mugai_mime_raw_header(o, "Date"))) {
    GDateTime *dt = g_mime_utils_header_decode_date(raw);
    if (dt) {
      g_autofree char *d = g_mime_utils_header_format_date(dt);
      header_line(out, "Date", d);
      g_date_time_unref(dt);
    }
  }
  if ((raw = mugai_mime_raw_header(o, "Message-ID"))) {
    g_autofree char *id = g_mime_utils_decode_message_id(raw);
    if (valid_msgid(id))
      g_string_append_printf(out, "Message-ID: <%s>\n", id);
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
      header_line(out, name, v->str);
    g_string_free(v, TRUE);
    g_mime_references_free(refs);
  }
}

/* append_base64 - DATA base64-encoded in lines of 76 characters */
static void
append_base64(GString *out, const void *data, gsize len)
{
  gsize start = out->len;
  int state = 0;
  guint32 save = 0;
  gsize n;

  /* GMime's encoder writes at most len * 4 / 3 + len / 57 + 5 bytes. */
  g_string_set_size(out, start + len / 3 * 4 + len / 57 + 16);
  n = g_mime_encoding_base64_encode_step(data, len, (unsigned char *)out->str + start, &state,
                                         &save);
  n += g_mime_encoding_base64_encode_close(NULL, 0, (unsigned char *)out->str + start + n, &state,
                                           &save);
  g_string_set_size(out, start + n);
  if (n && out->str[out->len - 1] != '\n')
    g_string_append_c(out, '\n');
}

/* filename_params - "; name=..." for Content-Type (RFC 2047, which older
 * Japanese mail clients read) or "; filename*=..." for Content-Disposition
 * (RFC 2231, split in continuations) */
static void
filename_params(GString *out, const char *name, gboolean rfc2231)
{
  gboolean plain = TRUE;

  for (const char *p = name; *p; p++)
    if ((guchar)*p < 0x20 || (guchar)*p >= 0x7f || *p == '"' || *p == '\\')
      plain = FALSE;
  if (plain) {
    g_string_append_printf(out, ";\n\t%s=\"%s\"", rfc2231 ? "filename" : "name", name);
    return;
  }
  if (!rfc2231) {
    g_autofree char *enc = g_mime_utils_header_encode_text(NULL, name, "utf-8");
    g_string_append_printf(out, ";\n\tname=\"%s\"", enc);
    return;
  }
  {
    GString *pct = g_string_new("UTF-8''");
    guint part = 0;
    gsize pos = 0;
    for (const char *p = name; *p; p++) {
      guchar c = (guchar)*p;
      if (g_ascii_isalnum(c) || strchr("!#$&+-.^_`|~", c))
        g_string_append_c(pct, (char)c);
      else
        g_string_append_printf(pct, "%%%02X", c);
    }
    /* Continuations of at most 60 characters, never splitting a %XX. */
    while (pos < pct->len) {
      gsize take = MIN(pct->len - pos, (gsize)60);
      while (take < pct->len - pos && take > 2
             && (pct->str[pos + take - 1] == '%' || pct->str[pos + take - 2] == '%'))
        take--;
      g_string_append_printf(out, ";\n\tfilename*%u*=%.*s", part++, (int)take, pct->str + pos);
      pos += take;
    }
    g_string_free(pct, TRUE);
  }
}

/* count_action - tally of actions, for X-Mugai-Actions */
static void
count_action(MugaiItem *item, gpointer user_data)
{
  guint *counts = user_data;
  if (item->depth > 0)
    counts[item->action]++;
}

/* body_part - the text/plain part: notice, then the flattened body */
static void
body_part(GString *out, const char *text, gsize len, gboolean iso2022jp)
{
  if (iso2022jp) {
    GString *enc = g_string_sized_new(len + len / 2);
    mugai_charset_encode_iso2022jp(text, len, enc);
    g_string_append(out, "Content-Type: text/plain; charset=ISO-2022-JP\n"
                         "Content-Transfer-Encoding: base64\n\n");
    append_base64(out, enc->str, enc->len);
    g_string_free(enc, TRUE);
  } else {
    g_string_append(out, "Content-Type: text/plain; charset=UTF-8\n"
                         "Content-Transfer-Encoding: base64\n\n");
    append_base64(out, text, len);
  }
}

GBytes *
mugai_compose_mail(const MugaiRun *run, const MugaiPlan *plan, GMimeMessage *original,
                   const char *verdict_name)
{
  gsize estimate = plan->body->len * 4 / 3 + 8192;
  GString *out, *body = g_string_sized_new(plan->body->len + 2048);
  gboolean iso = run->config->out_charset == MUGAI_OUTPUT_ISO2022JP;
  guint counts[MUGAI_ACTION_HELD + 1] = { 0 };
  g_autofree char *boundary = g_strdup_printf("=_mugai_%s", run->id);

  mugai_mime_init();
  for (guint i = 0; i < plan->outputs->len; i++)
    estimate += g_bytes_get_size(g_array_index(plan->outputs, MugaiDeliverable, i).data) * 4 / 3;
  out = g_string_sized_new(estimate);
  if (original)
    copy_headers(out, GMIME_OBJECT(original));
  if (!original || !mugai_mime_raw_header(GMIME_OBJECT(original), "Date")
      || !strstr(out->str, "Date: ")) {
    g_autoptr(GDateTime) now = g_date_time_new_now_local();
    g_autofree char *d = g_mime_utils_header_format_date(now);
    g_string_append_printf(out, "Date: %s\n", d);
  }
  mugai_item_foreach(run->root, count_action, counts);
  g_string_append_printf(out,
                         "MIME-Version: 1.0\n"
                         "X-Mugai-Id: %s\n"
                         "X-Mugai-Verdict: %s\n"
                         "X-Mugai-Actions: flattened=%u converted=%u expanded=%u removed=%u "
                         "held=%u\n"
                         "X-Mugai-Version: %s\n",
                         run->id, verdict_name, counts[MUGAI_ACTION_FLATTENED],
                         counts[MUGAI_ACTION_CONVERTED], counts[MUGAI_ACTION_EXPANDED],
                         counts[MUGAI_ACTION_REMOVED], counts[MUGAI_ACTION_HELD], MUGAI_VERSION);

  mugai_notice_write(run, plan, TRUE, verdict_name, body);
  if (plan->body->len) {
    g_string_append_c(body, '\n');
    g_string_append_len(body, plan->body->str, (gssize)plan->body->len);
    if (body->str[body->len - 1] != '\n')
      g_string_append_c(body, '\n');
  }

  if (plan->outputs->len == 0)
    body_part(out, body->str, body->len, iso);
  else {
    g_string_append_printf(out, "Content-Type: multipart/mixed; boundary=\"%s\"\n\n", boundary);
    g_string_append_printf(out, "--%s\n", boundary);
    body_part(out, body->str, body->len, iso);
    for (guint i = 0; i < plan->outputs->len; i++) {
      const MugaiDeliverable *d = &g_array_index(plan->outputs, MugaiDeliverable, i);
      gsize len;
      const void *p = g_bytes_get_data(d->data, &len);
      g_string_append_printf(out, "\n--%s\nContent-Type: %s", boundary, d->content_type);
      filename_params(out, d->name, FALSE);
      g_string_append(out, "\nContent-Disposition: attachment");
      filename_params(out, d->name, TRUE);
      g_string_append(out, "\nContent-Transfer-Encoding: base64\n\n");
      append_base64(out, p, len);
    }
    g_string_append_printf(out, "\n--%s--\n", boundary);
  }
  g_string_free(body, TRUE);
  return g_string_free_to_bytes(out);
}
