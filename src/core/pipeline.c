/*
 * pipeline.c - run filters over the item tree.
 *
 * Every item ends with an outcome: a filter's, or removal by default deny,
 * by a limit, or because its filter failed. Nothing here trusts a declared
 * type or name; those are only recorded.
 */
#include <string.h>

#include <glib-object.h>

#include "core/run-private.h"
#include "core/sniff.h"
#include "text/normalize.h"

void
mugai_run_keep(MugaiRun *run, gpointer object)
{
  if (!run->keep)
    run->keep = g_ptr_array_new_with_free_func(g_object_unref);
  g_ptr_array_add(run->keep, object);
}

void
mugai_run_set_fatal(MugaiRun *run, MugaiReason reason, const char *detail)
{
  if (run->fatal)
    return;
  run->fatal = TRUE;
  run->fatal_reason = reason;
  run->fatal_detail = g_strdup(detail);
}

const MugaiLimits *
mugai_run_get_limits(const MugaiRun *run)
{
  return &run->config->limits;
}

gboolean
mugai_run_prefer_html(const MugaiRun *run)
{
  return run->config->prefer_html;
}

/* clean_type - a lower-cased "type/subtype" of safe characters, or NULL */
static char *
clean_type(const char *untrusted)
{
  GString *s;

  if (!untrusted)
    return NULL;
  s = g_string_sized_new(32);
  for (const char *p = untrusted; *p && s->len < 127; p++) {
    char c = g_ascii_tolower(*p);
    if (g_ascii_isalnum(c) || strchr("/.+-_", c))
      g_string_append_c(s, c);
    else if (c == ';' || g_ascii_isspace(c))
      break;
  }
  if (s->len == 0) {
    g_string_free(s, TRUE);
    return NULL;
  }
  return g_string_free(s, FALSE);
}

MugaiItem *
mugai_run_add_child(MugaiRun *run, MugaiItem *parent, MugaiRole role, const char *untrusted_name,
                    const char *untrusted_declared_type, const char *untrusted_declared_charset,
                    GBytes *data)
{
  g_autofree char *path = NULL;
  MugaiItem *child;

  if (run->n_items >= run->config->limits.max_parts) {
    if (data)
      g_bytes_unref(data);
    return NULL;
  }
  run->n_items++;
  path = g_strdup_printf("%s.%u", parent->path, mugai_item_get_n_children(parent) + 1);
  child = mugai_item_new(parent, parent->depth == 0 ? path + 2 : path);
  child->role = role;
  if (untrusted_name && *untrusted_name)
    child->name = mugai_text_sanitize_filename(untrusted_name, "noname");
  child->declared_type = clean_type(untrusted_declared_type);
  child->declared_charset
      = untrusted_declared_charset ? clean_type(untrusted_declared_charset) : NULL;
  child->data = data;
  mugai_item_append_child(parent, child);
  return child;
}

void
mugai_run_note_dropped(MugaiRun *run, MugaiItem *parent, MugaiReason reason, guint n)
{
  parent->dropped += n;
  parent->dropped_reason = reason;
}

void
mugai_run_set_detected_type(MugaiRun *run, MugaiItem *item, const char *type)
{
  g_free(item->detected_type);
  item->detected_type = clean_type(type);
}

void
mugai_pipeline_process(MugaiRun *run, MugaiItem *item)
{
  const MugaiLimits *lim = &run->config->limits;
  const MugaiFilter *filter;
  g_autoptr(GError) error = NULL;
  MugaiFilterResult r;
  gsize size = item->data ? g_bytes_get_size(item->data) : 0;

  if (item->action != MUGAI_ACTION_PENDING)
    return; /* decided when it was created */
  if (item->depth > lim->max_depth) {
    mugai_item_set_outcome(item, MUGAI_ACTION_REMOVED, MUGAI_REASON_DEPTH_LIMIT,
                           "depth %u > limit %u", item->depth, lim->max_depth);
    return;
  }
  if (size > lim->max_message_size) {
    mugai_item_set_outcome(item, MUGAI_ACTION_REMOVED, MUGAI_REASON_SIZE_LIMIT,
                           "%" G_GSIZE_FORMAT " bytes > limit %" G_GUINT64_FORMAT, size,
                           lim->max_message_size);
    return;
  }
  if (!item->detected_type && item->data) {
    const guint8 *p = g_bytes_get_data(item->data, NULL);
    const char *text = NULL;
    /* Body parts are nearly always text and outnumber everything else, so
     * mugai's own text classifier answers first; attachments, and any body
     * part that is not clean text, go to libmagic. */
    if (item->role == MUGAI_ROLE_BODY && size > 0)
      text = mugai_sniff_text_type(p, size);
    item->detected_type = text ? g_strdup(text) : mugai_sniff_type(p, size);
  }
  if (item->name && item->detected_type && item->role != MUGAI_ROLE_BODY && !item->name_mismatch)
    item->name_mismatch = mugai_sniff_name_mismatch(item->name, item->detected_type);

  filter = mugai_registry_choose(item, run);
  if (!filter) {
    mugai_item_set_outcome(item, MUGAI_ACTION_REMOVED, MUGAI_REASON_TYPE_NOT_ALLOWED, NULL);
    return;
  }
  item->filter = filter;
  r = filter->run(item, run, &error);
  switch (r) {
  case MUGAI_FILTER_OK:
  case MUGAI_FILTER_WARN:
    if (item->action == MUGAI_ACTION_PENDING)
      mugai_item_set_outcome(item, MUGAI_ACTION_REMOVED, MUGAI_REASON_FILTER_FAILED,
                             "filter %s recorded no outcome", filter->name);
    break;
  case MUGAI_FILTER_FAILED:
    mugai_item_set_outcome(item, MUGAI_ACTION_REMOVED, MUGAI_REASON_FILTER_FAILED, "%s: %s",
                           filter->name, error ? error->message : "failed");
    break;
  case MUGAI_FILTER_FATAL:
  default:
    mugai_item_set_outcome(item, MUGAI_ACTION_REMOVED, MUGAI_REASON_FILTER_FAILED, "%s: %s",
                           filter->name, error ? error->message : "fatal");
    mugai_run_set_fatal(run, MUGAI_REASON_FILTER_FAILED, item->reason_detail);
    return;
  }
  if (item->action == MUGAI_ACTION_EXPANDED && item->children)
    for (guint i = 0; i < item->children->len && !run->fatal; i++)
      mugai_pipeline_process(run, g_ptr_array_index(item->children, i));
  if (item->action == MUGAI_ACTION_EXPANDED && filter->finish && !run->fatal) {
    g_clear_error(&error);
    r = filter->finish(item, run, &error);
    if (r == MUGAI_FILTER_FAILED || r == MUGAI_FILTER_FATAL)
      mugai_item_set_outcome(item, MUGAI_ACTION_REMOVED, MUGAI_REASON_FILTER_FAILED, "%s: %s",
                             filter->name, error ? error->message : "failed");
    if (r == MUGAI_FILTER_FATAL)
      mugai_run_set_fatal(run, MUGAI_REASON_FILTER_FAILED, item->reason_detail);
  }
}

const char *
mugai_run_get_password(const MugaiRun *run)
{
  return run->password;
}

void
mugai_run_set_packed(MugaiRun *run, MugaiItem *container)
{
  container->packs = TRUE;
}

/* safe_member_path - UNTRUSTED as a relative path of sanitised components;
 * REMARK says what had to change (transfer full) */
static char *
safe_member_path(const char *untrusted, char **remark)
{
  g_autofree char *valid = g_utf8_make_valid(untrusted, -1);
  g_auto(GStrv) parts = NULL;
  GString *out = g_string_new(NULL);
  gboolean absolute, dots = FALSE;

  g_strdelimit(valid, "\\", '/');
  absolute = valid[0] == '/' || (g_ascii_isalpha(valid[0]) && valid[1] == ':');
  parts = g_strsplit(valid, "/", -1);
  for (guint i = 0; parts[i]; i++) {
    g_autofree char *clean = NULL;
    if (!*parts[i] || !strcmp(parts[i], "."))
      continue;
    if (!strcmp(parts[i], "..")) {
      dots = TRUE;
      continue;
    }
    if (i == 0 && g_ascii_isalpha(parts[i][0]) && parts[i][1] == ':' && !parts[i][2])
      continue; /* a drive letter */
    clean = mugai_text_sanitize_filename(parts[i], "_");
    if (out->len)
      g_string_append_c(out, '/');
    g_string_append(out, clean);
  }
  if (out->len == 0)
    g_string_append(out, "noname");
  if (absolute || dots)
    *remark = g_strdup_printf("stored path %s%s%s made relative", absolute ? "was absolute" : "",
                              absolute && dots ? " and " : "", dots ? "had \"..\" components" : "");
  return g_string_free(out, FALSE);
}

MugaiItem *
mugai_run_add_member(MugaiRun *run, MugaiItem *parent, const char *untrusted_path, GBytes *data)
{
  char *remark = NULL;
  char *path = safe_member_path(untrusted_path ? untrusted_path : "", &remark);
  MugaiItem *child
      = mugai_run_add_child(run, parent, MUGAI_ROLE_ATTACHMENT, NULL, NULL, NULL, data);

  if (!child) {
    g_free(path);
    g_free(remark);
    return NULL;
  }
  child->name = path;
  child->path_remark = remark;
  return child;
}
