/*
 * gmime-anchor.c - the anchor for the throughput benchmark: a bare GMime
 * parse-and-decode of the same messages, in one process, with no
 * sanitising. It reads each file, parses it, and decodes every leaf part's
 * content (transfer encoding and charset to UTF-8 with GMime's own filters)
 * into a null stream; that is the least any MIME-aware tool must do.
 */
#include <stdio.h>

#include <gmime/gmime.h>

/* decode_part - transfer-decode and charset-convert one leaf part */
static void
decode_part(GMimeObject *parent, GMimeObject *part, gpointer user_data)
{
  guint64 *bytes = user_data;
  GMimeStream *null, *filtered;
  GMimeDataWrapper *content;
  GMimeContentType *ct;
  const char *charset;

  if (!GMIME_IS_PART(part))
    return;
  content = g_mime_part_get_content(GMIME_PART(part));
  if (!content)
    return;
  null = g_mime_stream_null_new();
  filtered = g_mime_stream_filter_new(null);
  ct = g_mime_object_get_content_type(part);
  charset = ct ? g_mime_content_type_get_parameter(ct, "charset") : NULL;
  if (charset && g_mime_content_type_is_type(ct, "text", "*")) {
    GMimeFilter *f = g_mime_filter_charset_new(charset, "UTF-8");
    if (f) {
      g_mime_stream_filter_add(GMIME_STREAM_FILTER(filtered), f);
      g_object_unref(f);
    }
  }
  g_mime_data_wrapper_write_to_stream(content, filtered);
  g_mime_stream_flush(filtered);
  *bytes += (guint64)g_mime_stream_length(null);
  g_object_unref(filtered);
  g_object_unref(null);
}

int
main(int argc, char **argv)
{
  guint64 bytes = 0, ok = 0;

  g_mime_init();
  for (int i = 1; i < argc; i++) {
    gchar *data;
    gsize len;
    GMimeStream *stream;
    GMimeParser *parser;
    GMimeMessage *msg;

    if (!g_file_get_contents(argv[i], &data, &len, NULL))
      continue;
    stream = g_mime_stream_mem_new_with_buffer(data, len);
    g_free(data);
    parser = g_mime_parser_new_with_stream(stream);
    msg = g_mime_parser_construct_message(parser, NULL);
    if (msg) {
      g_mime_message_foreach(msg, decode_part, &bytes);
      (void)g_mime_message_get_subject(msg);
      g_object_unref(msg);
      ok++;
    }
    g_object_unref(parser);
    g_object_unref(stream);
  }
  printf("%" G_GUINT64_FORMAT " messages parsed\n", ok);
  g_mime_shutdown();
  return 0;
}
