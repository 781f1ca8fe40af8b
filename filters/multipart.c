/*
 * multipart.c - filter: multipart containers.
 *
 * Decides which parts make the body: in multipart/alternative one
 * representation is flattened (HTML by default, what the recipient would
 * have seen) and the others are recorded as unused; in multipart/related the
 * root is the body and the rest are attachments; in multipart/signed the
 * content is kept and the signature, which cannot survive rebuilding, is
 * removed. Everything else is a list of parts.
 */
#include <string.h>

#include "mail/mime.h"

/* multipart_bid - GMime parsed a multipart here */
static int
multipart_bid(const MugaiItem *item, const MugaiRun *run)
{
  const char *t = mugai_item_get_detected_type(item);

  return t && g_str_has_prefix(t, "multipart/") && item->mime_object ? MUGAI_BID_CERTAIN
                                                                     : MUGAI_BID_NONE;
}

/* object_kind - 2 for HTML-ish, 1 for plain text, 0 for anything else */
static int
object_kind(GMimeObject *o)
{
  GMimeContentType *t = g_mime_object_get_content_type(o);

  if (!t)
    return 1;
  if (g_mime_content_type_is_type(t, "text", "html"))
    return 2;
  if (g_mime_content_type_is_type(t, "multipart", "related")
      || g_mime_content_type_is_type(t, "multipart", "mixed"))
    return 2;
  if (g_mime_content_type_is_type(t, "text", "plain"))
    return 1;
  return 0;
}

/* choose_alternative - index of the representation to flatten */
static int
choose_alternative(GMimeMultipart *mp, gboolean prefer_html)
{
  int n = g_mime_multipart_get_count(mp), best = -1, best_score = -1;

  for (int i = 0; i < n; i++) {
    int kind = object_kind(g_mime_multipart_get_part(mp, i));
    int score = kind == 0 ? 0 : (prefer_html ? kind : 3 - kind);
    /* Later alternatives are the richer ones (RFC 2046), so ties go to them. */
    if (score >= best_score) {
      best_score = score;
      best = i;
    }
  }
  return best;
}

/* leaf_role - body text if it is inline text without a name in the body */
static MugaiRole
leaf_role(GMimeObject *o, const MugaiItem *child, MugaiRole parent_role)
{
  const char *cd;
  int kind;

  if (parent_role != MUGAI_ROLE_BODY || GMIME_IS_MULTIPART(o))
    return parent_role;
  if (child->name || GMIME_IS_MESSAGE_PART(o))
    return MUGAI_ROLE_ATTACHMENT;
  kind = object_kind(o);
  if (kind == 0)
    return MUGAI_ROLE_ATTACHMENT;
  cd = g_mime_object_get_disposition(o);
  if (cd && !g_ascii_strcasecmp(cd, "attachment"))
    return MUGAI_ROLE_ATTACHMENT;
  return MUGAI_ROLE_BODY;
}

/* multipart_run - add each part as a child with its role */
static MugaiFilterResult
multipart_run(MugaiItem *item, MugaiRun *run, GError **error)
{
  GMimeMultipart *mp = GMIME_MULTIPART(item->mime_object);
  const char *sub = item->detected_type + strlen("multipart/");
  gboolean alternative = !strcmp(sub, "alternative");
  gboolean related = !strcmp(sub, "related");
  gboolean is_signed = !strcmp(sub, "signed");
  int n = g_mime_multipart_get_count(mp);
  int chosen = alternative ? choose_alternative(mp, mugai_run_prefer_html(run)) : -1;

  if (n == 0) {
    /* Nothing could be split out (no boundary parameter, or none of its
     * delimiters found): whatever the part holds is not delivered, and
     * the notice says so rather than showing nothing. */
    item->role = MUGAI_ROLE_ATTACHMENT;
    mugai_item_set_outcome(item, MUGAI_ACTION_REMOVED, MUGAI_REASON_MALFORMED,
                           "multipart/%s from which no part could be split out", sub);
    return MUGAI_FILTER_OK;
  }
  mugai_item_set_outcome(item, MUGAI_ACTION_EXPANDED, MUGAI_REASON_CONTAINER, NULL);
  for (int i = 0; i < n; i++) {
    GMimeObject *o = g_mime_multipart_get_part(mp, i);
    MugaiItem *child = mugai_mime_add_child(run, item, o, item->role);

    if (!child) {
      mugai_run_note_dropped(run, item, MUGAI_REASON_PART_LIMIT, (guint)(n - i));
      break;
    }
    if (child->action != MUGAI_ACTION_PENDING)
      continue; /* already removed by a limit */
    if (alternative && i != chosen) {
      child->role = MUGAI_ROLE_STRUCTURE;
      mugai_item_set_outcome(child, MUGAI_ACTION_REMOVED, MUGAI_REASON_ALTERNATIVE_UNUSED,
                             "part %d was used", chosen + 1);
      continue;
    }
    if (is_signed && i > 0) {
      child->role = MUGAI_ROLE_ATTACHMENT;
      mugai_item_set_outcome(child, MUGAI_ACTION_REMOVED, MUGAI_REASON_SIGNATURE, NULL);
      continue;
    }
    if (related && i > 0)
      child->role = MUGAI_ROLE_ATTACHMENT;
    else
      child->role = leaf_role(o, child, item->role);
  }
  return MUGAI_FILTER_OK;
}

const MugaiFilter mugai_filter_multipart = {
  .abi_version = MUGAI_FILTER_ABI_VERSION,
  .name = "multipart",
  .flags = MUGAI_FILTER_FLAG_CONTAINER,
  .bid = multipart_bid,
  .run = multipart_run,
};
