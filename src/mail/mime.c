/*
 * mime.c - GMime objects to items.
 *
 * Names and parameters are decoded from the raw header bytes with mugai's own
 * decoders (text/header.h), not GMime's, so that ISO-2022-JP with NEC special
 * characters, RFC 2231 and raw Shift_JIS names come out right.
 */
#include <string.h>

#include "mail/mime.h"
#include "text/header.h"

static gsize mime_once;

void
mugai_mime_init(void)
{
  if (g_once_init_enter(&mime_once)) {
    g_mime_init();
    g_once_init_leave(&mime_once, 1);
  }
}

GMimeMessage *
mugai_mime_parse(GBytes *data, GError **error)
{
  g_autoptr(GMimeStream) stream = NULL;
  g_autoptr(GMimeParser) parser = NULL;
  GMimeParserOptions *options;
  GMimeMessage *message;
  gsize len;
  const guint8 *p = g_bytes_get_data(data, &len);

  mugai_mime_init();
  /* An empty input has no buffer at all; GMime wants one. */
  stream = g_mime_stream_mem_new_with_buffer(p ? (const char *)p : "", len);
  parser = g_mime_parser_new_with_stream(stream);
  /* Parts reference the stream instead of copying their content. */
  g_mime_parser_set_persist_stream(parser, TRUE);
  g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
  options = g_mime_parser_options_new();
  g_mime_parser_options_set_rfc2047_compliance_mode(options, GMIME_RFC_COMPLIANCE_LOOSE);
  g_mime_parser_options_set_address_compliance_mode(options, GMIME_RFC_COMPLIANCE_LOOSE);
  g_mime_parser_options_set_parameter_compliance_mode(options, GMIME_RFC_COMPLIANCE_LOOSE);
  message = g_mime_parser_construct_message(parser, options);
  g_mime_parser_options_free(options);
  if (!message)
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "not a MIME message");
  return message;
}

const char *
mugai_mime_raw_header(GMimeObject *object, const char *name)
{
  GMimeHeaderList *list = g_mime_object_get_header_list(object);
  GMimeHeader *h;

  if (!list)
    return NULL;
  h = g_mime_header_list_get_header(list, name);
  return h ? g_mime_header_get_raw_value(h) : NULL;
}

gsize
mugai_mime_header_bytes(GMimeObject *object)
{
  GMimeHeaderList *list = g_mime_object_get_header_list(object);
  int n = list ? g_mime_header_list_get_count(list) : 0;
  gsize total = 0;

  for (int i = 0; i < n; i++) {
    GMimeHeader *h = g_mime_header_list_get_header_at(list, i);
    const char *v = g_mime_header_get_raw_value(h);
    total += strlen(g_mime_header_get_name(h)) + (v ? strlen(v) : 0) + 2;
  }
  return total;
}

/* part_name - the decoded file name of OBJECT: Content-Disposition filename
 * first, then Content-Type name (transfer full) */
static char *
part_name(GMimeObject *object)
{
  const char *cd = mugai_mime_raw_header(object, "Content-Disposition");
  const char *ct = mugai_mime_raw_header(object, "Content-Type");
  char *name = NULL;

  if (cd)
    name = mugai_header_param(cd, strlen(cd), "filename");
  if (!name && ct)
    name = mugai_header_param(ct, strlen(ct), "name");
  return name;
}

/* part_content - the transfer-decoded content of a leaf part (transfer full) */
static GBytes *
part_content(GMimePart *part)
{
  GMimeDataWrapper *wrapper = g_mime_part_get_content(part);
  g_autoptr(GMimeStream) mem = NULL;
  GByteArray *array;

  if (!wrapper)
    return g_bytes_new(NULL, 0);
  mem = g_mime_stream_mem_new();
  /* Decoding never grows data (base64, quoted-printable, uuencode all
   * shrink), so the message size limit bounds this buffer too. */
  g_mime_data_wrapper_write_to_stream(wrapper, mem);
  array = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
  g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(mem), FALSE);
  return g_byte_array_free_to_bytes(array);
}

MugaiItem *
mugai_mime_add_child(MugaiRun *run, MugaiItem *parent, GMimeObject *object, MugaiRole role)
{
  const char *ct_raw = mugai_mime_raw_header(object, "Content-Type");
  g_autofree char *name = part_name(object);
  g_autofree char *declared = NULL;
  g_autofree char *charset = NULL;
  GBytes *data = NULL;
  MugaiItem *item;
  gsize header_bytes = mugai_mime_header_bytes(object);
  gboolean too_big = header_bytes > run->config->limits.max_header_bytes;

  if (ct_raw) {
    declared = mugai_header_value_token(ct_raw, strlen(ct_raw));
    charset = mugai_header_param(ct_raw, strlen(ct_raw), "charset");
  }
  if (!declared) {
    /* RFC 2045 defaults; inside multipart/digest the default is a message. */
    GMimeContentType *t = g_mime_object_get_content_type(object);
    declared = t ? g_mime_content_type_get_mime_type(t) : g_strdup("text/plain");
  }
  if (GMIME_IS_PART(object) && !too_big)
    data = part_content(GMIME_PART(object));

  item = mugai_run_add_child(run, parent, role, name, declared, charset, data);
  if (!item)
    return NULL;
  item->mime_object = object;
  if (too_big) {
    mugai_item_set_outcome(item, MUGAI_ACTION_REMOVED, MUGAI_REASON_HEADER_LIMIT,
                           "%" G_GSIZE_FORMAT " header bytes > limit %" G_GUINT64_FORMAT,
                           header_bytes, run->config->limits.max_header_bytes);
    return item;
  }
  /* Structure comes from GMime's parse of the bytes, not from the label. */
  if (GMIME_IS_MULTIPART(object)) {
    GMimeContentType *t = g_mime_object_get_content_type(object);
    const char *sub = t ? g_mime_content_type_get_media_subtype(t) : NULL;
    g_autofree char *type = g_strdup_printf("multipart/%s", sub ? sub : "mixed");
    mugai_run_set_detected_type(run, item, type);
  } else if (GMIME_IS_MESSAGE_PART(object)) {
    GMimeMessage *inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(object));
    mugai_run_set_detected_type(run, item, inner ? "message/rfc822" : "application/x-empty");
    item->mime_object = inner;
  }
  return item;
}
