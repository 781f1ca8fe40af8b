/*
 * message.c - filter: an RFC 5322 message, top level or forwarded.
 *
 * Parses with GMime (bounded by the message size limit; GMime itself stops
 * nesting at 1024 levels and mugai's depth limit applies well before that)
 * and expands into the message's MIME body. Headers are not copied: the mail
 * composer rebuilds an allowlisted set from their decoded values.
 */
#include <string.h>

#include "mail/mime.h"
#include "text/header.h"

/* message_bid - structure or content says this is a message */
static int
message_bid(const MugaiItem *item, const MugaiRun *run)
{
  const char *t = mugai_item_get_detected_type(item);

  return t && !strcmp(t, "message/rfc822") ? MUGAI_BID_CERTAIN : MUGAI_BID_NONE;
}

/* message_run - parse if needed, then add the top-level part as a child */
static MugaiFilterResult
message_run(MugaiItem *item, MugaiRun *run, GError **error)
{
  GMimeMessage *message = item->mime_object;
  GMimeObject *body;
  MugaiItem *child;
  const char *subject;

  if (!message || !GMIME_IS_MESSAGE(message)) {
    if (!item->data) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "message without content");
      return MUGAI_FILTER_FAILED;
    }
    message = mugai_mime_parse(item->data, error);
    if (!message)
      return MUGAI_FILTER_FAILED;
    mugai_run_keep(run, message);
    item->mime_object = message;
  }
  subject = mugai_mime_raw_header(GMIME_OBJECT(message), "Subject");
  if (subject)
    item->subject = mugai_header_decode_text(subject, strlen(subject));
  if (item->depth > 0) {
    /* A forwarded message becomes a .txt that opens with who sent it. */
    static const char *const summary[] = { "From", "To", "Cc", "Date", "Subject" };
    GString *head = g_string_new(NULL);
    for (gsize i = 0; i < G_N_ELEMENTS(summary); i++) {
      const char *raw = mugai_mime_raw_header(GMIME_OBJECT(message), summary[i]);
      if (raw) {
        g_autofree char *v = mugai_header_decode_text(raw, strlen(raw));
        g_string_append_printf(head, "%s: %s\n", summary[i], v);
      }
    }
    g_string_append_c(head, '\n');
    mugai_item_take_text(item, head);
  }

  mugai_item_set_outcome(item, MUGAI_ACTION_EXPANDED,
                         item->depth == 0 ? MUGAI_REASON_CONTAINER : MUGAI_REASON_NESTED_MESSAGE,
                         NULL);
  body = g_mime_message_get_mime_part(message);
  if (!body)
    return MUGAI_FILTER_OK; /* headers only: an empty body */
  child = mugai_mime_add_child(run, item, body, MUGAI_ROLE_BODY);
  if (!child) {
    mugai_run_note_dropped(run, item, MUGAI_REASON_PART_LIMIT, 1);
    return MUGAI_FILTER_OK;
  }
  /* A lone top-level part that is itself an attachment is not the body. */
  if (!GMIME_IS_MULTIPART(body)) {
    GMimeContentType *t = g_mime_object_get_content_type(body);
    gboolean text = !t || g_mime_content_type_is_type(t, "text", "plain")
                    || g_mime_content_type_is_type(t, "text", "html");
    if (child->name || !text)
      child->role = MUGAI_ROLE_ATTACHMENT;
  }
  return MUGAI_FILTER_OK;
}

const MugaiFilter mugai_filter_message = {
  .abi_version = MUGAI_FILTER_ABI_VERSION,
  .name = "message",
  .flags = MUGAI_FILTER_FLAG_CONTAINER,
  .bid = message_bid,
  .run = message_run,
};
