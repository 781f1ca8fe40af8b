/*
 * plan.c - deliverables, their names, and the notice that lists them.
 */
#include <string.h>

#include "core/plan.h"
#include "text/normalize.h"

#define BODY_MARK "(本文/body)"

gboolean
mugai_item_is_message(const MugaiItem *item)
{
  return item->detected_type && !strcmp(item->detected_type, "message/rfc822")
         && item->action == MUGAI_ACTION_EXPANDED;
}

/* owning_message - the nearest message above ITEM, or NULL */
static const MugaiItem *
owning_message(const MugaiItem *item)
{
  for (const MugaiItem *p = item->parent; p; p = p->parent)
    if (mugai_item_is_message(p))
      return p;
  return NULL;
}

gboolean
mugai_item_is_listed(const MugaiItem *item)
{
  if (item->depth == 0)
    return FALSE;
  if (item->reason == MUGAI_REASON_ALTERNATIVE_UNUSED)
    return FALSE;
  if (mugai_item_is_message(item))
    return TRUE;
  if (item->action == MUGAI_ACTION_EXPANDED)
    return item->packs; /* an archive is listed, with what it was rebuilt as */
  if (item->action == MUGAI_ACTION_REMOVED || item->action == MUGAI_ACTION_HELD
      || item->reason == MUGAI_REASON_TRUNCATED)
    return TRUE;
  return item->role == MUGAI_ROLE_ATTACHMENT;
}

/* unique_name - NAME, or "stem (2).ext" ... when taken */
static char *
unique_name(GHashTable *taken, const char *name)
{
  const char *dot = strrchr(name, '.');
  g_autofree char *stem
      = dot && dot != name ? g_strndup(name, (gsize)(dot - name)) : g_strdup(name);
  const char *ext = dot && dot != name ? dot : "";
  char *candidate = g_strdup(name);

  for (guint i = 2; g_hash_table_contains(taken, candidate); i++) {
    g_free(candidate);
    candidate = g_strdup_printf("%s (%u)%s", stem, i, ext);
  }
  g_hash_table_add(taken, g_strdup(candidate));
  return candidate;
}

/* text_name - NAME with its extension replaced by .txt */
static char *
text_name(const char *name, const char *fallback)
{
  g_autofree char *clean = mugai_text_sanitize_filename(name ? name : "", fallback);
  const char *dot = strrchr(clean, '.');
  g_autofree char *stem
      = dot && dot != clean ? g_strndup(clean, (gsize)(dot - clean)) : g_strdup(clean);
  return g_strconcat(stem, ".txt", NULL);
}

/* append_message_text - header summary and body of a forwarded message */
static void
append_message_text(const MugaiItem *msg, const MugaiItem *item, GString *out)
{
  if (item == msg && msg->text)
    g_string_append_len(out, msg->text->str, (gssize)msg->text->len);
  if (item != msg && item->role == MUGAI_ROLE_BODY && item->text && owning_message(item) == msg) {
    if (out->len && out->str[out->len - 1] != '\n')
      g_string_append_c(out, '\n');
    g_string_append_len(out, item->text->str, (gssize)item->text->len);
  }
  if (item->children && (item == msg || !mugai_item_is_message(item)))
    for (guint i = 0; i < item->children->len; i++)
      append_message_text(msg, g_ptr_array_index(item->children, i), out);
}

typedef struct {
  MugaiPlan *plan;
  GHashTable *taken;
} PlanWalk;

/* add_deliverable - record one released file */
static void
add_deliverable(PlanWalk *w, MugaiItem *item, const char *name, const char *type, GBytes *data)
{
  MugaiDeliverable d = { item, unique_name(w->taken, name), type, data };

  g_array_append_val(w->plan->outputs, d);
  if (!g_hash_table_contains(w->plan->names, item))
    g_hash_table_insert(w->plan->names, item, d.name);
}

/* item_deliverables - the files ITEM itself produced (not its children's):
 * a forwarded message's summary and body as one .txt, flattened text as
 * .txt (unless it is a message's body), outputs under their names. The
 * root message's body goes to BODY when that is not NULL. */
static void
item_deliverables(MugaiItem *item, GString *body, MugaiDeliverableFunc func, gpointer data)
{
  if (mugai_item_is_message(item) && item->depth > 0) {
    g_autoptr(GString) t = g_string_new(NULL);
    g_autofree char *fallback = g_strdelimit(g_strdup_printf("message-%s", item->path), ".", '-');
    g_autofree char *name = NULL;
    g_autoptr(GBytes) bytes = NULL;

    append_message_text(item, item, t);
    name = text_name(item->subject && *item->subject ? item->subject : NULL, fallback);
    bytes = g_bytes_new(t->str, t->len);
    func(item, name, "text/plain; charset=UTF-8", bytes, data);
    return;
  }
  if (item->action == MUGAI_ACTION_FLATTENED && item->text) {
    const MugaiItem *owner = owning_message(item);
    if (item->role == MUGAI_ROLE_BODY && owner) {
      if (owner->depth == 0 && body) {
        if (body->len && body->str[body->len - 1] != '\n')
          g_string_append_c(body, '\n');
        g_string_append_len(body, item->text->str, (gssize)item->text->len);
      }
      /* a forwarded message's body went into that message's .txt */
      return;
    }
    {
      g_autofree char *fallback = g_strdelimit(g_strdup_printf("part-%s", item->path), ".", '-');
      const char *slash = item->name ? strrchr(item->name, '/') : NULL;
      g_autofree char *name = text_name(slash ? slash + 1 : item->name, fallback);
      g_autoptr(GBytes) bytes = g_bytes_new(item->text->str, item->text->len);
      func(item, name, "text/plain; charset=UTF-8", bytes, data);
    }
  }
  for (guint i = 0; i < mugai_item_get_n_outputs(item); i++) {
    const char *name, *type;
    GBytes *bytes;
    mugai_item_get_output(item, i, &name, &type, &bytes);
    func(item, name, type, bytes, data);
  }
}

typedef struct {
  MugaiDeliverableFunc func;
  gpointer data;
} ForeachWalk;

/* foreach_walk - item_deliverables for ITEM and its subtree; a container
 * below ROOT that repacks its own descendants (a nested archive) gives its
 * rebuilt archive, which already holds what they produced */
static void
foreach_walk(ForeachWalk *w, MugaiItem *root, MugaiItem *item)
{
  item_deliverables(item, NULL, w->func, w->data);
  if (item != root && item->packs)
    return;
  for (guint i = 0; item->children && i < item->children->len; i++)
    foreach_walk(w, root, g_ptr_array_index(item->children, i));
}

void
mugai_item_foreach_deliverable(MugaiItem *root, MugaiDeliverableFunc func, gpointer user_data)
{
  ForeachWalk w = { func, user_data };

  foreach_walk(&w, root, root);
}

/* plan_deliverable - MugaiDeliverableFunc for the plan */
static void
plan_deliverable(const MugaiItem *item, const char *name, const char *type, GBytes *data,
                 gpointer user_data)
{
  add_deliverable(user_data, (MugaiItem *)item, name, type, g_bytes_ref(data));
}

/* plan_item - decide what ITEM contributes; what an archive repacks is
 * released only inside the rebuilt archive */
static void
plan_item(MugaiItem *item, gpointer user_data)
{
  PlanWalk *w = user_data;

  const MugaiItem *owner;

  if (mugai_item_is_packed(item))
    return;
  item_deliverables(item, w->plan->body, plan_deliverable, w);
  owner = owning_message(item);
  if (item->action == MUGAI_ACTION_FLATTENED && item->text && item->role == MUGAI_ROLE_BODY && owner
      && owner->depth == 0)
    g_hash_table_insert(w->plan->names, item, (gpointer)BODY_MARK);
}

MugaiPlan *
mugai_plan_build(MugaiRun *run)
{
  MugaiPlan *plan = g_new0(MugaiPlan, 1);
  PlanWalk w = { plan, g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL) };

  plan->body = g_string_new(NULL);
  plan->outputs = g_array_new(FALSE, TRUE, sizeof(MugaiDeliverable));
  plan->names = g_hash_table_new(g_direct_hash, g_direct_equal);
  mugai_item_foreach(run->root, plan_item, &w);
  g_hash_table_unref(w.taken);
  return plan;
}

MugaiPlan *
mugai_plan_free(MugaiPlan *plan)
{
  if (!plan)
    return NULL;
  for (guint i = 0; i < plan->outputs->len; i++) {
    MugaiDeliverable *d = &g_array_index(plan->outputs, MugaiDeliverable, i);
    g_free(d->name);
    g_bytes_unref(d->data);
  }
  g_array_unref(plan->outputs);
  g_hash_table_unref(plan->names);
  g_string_free(plan->body, TRUE);
  g_free(plan);
  return NULL;
}

const char *
mugai_plan_output_name(const MugaiPlan *plan, const MugaiItem *item)
{
  return g_hash_table_lookup(plan->names, item);
}

static const char *const action_ja[] = {
  [MUGAI_ACTION_PENDING] = "未処理",   [MUGAI_ACTION_FLATTENED] = "テキスト化",
  [MUGAI_ACTION_CONVERTED] = "画像化", [MUGAI_ACTION_EXPANDED] = "展開",
  [MUGAI_ACTION_REMOVED] = "削除",     [MUGAI_ACTION_HELD] = "保留",
};

typedef struct {
  const MugaiPlan *plan;
  GString *out;
  gboolean ja;
  guint listed;
} NoticeWalk;

/* notice_indent - two spaces, plus two per enclosing forwarded message */
static int
notice_indent(const MugaiItem *item)
{
  int indent = 2;

  for (const MugaiItem *p = owning_message(item); p && p->depth > 0; p = owning_message(p))
    indent += 2;
  return indent;
}

/* notice_entry - one entry of the list */
static void
notice_entry(NoticeWalk *w, const MugaiItem *item)
{
  const char *name = item->name;
  const char *out_name = mugai_plan_output_name(w->plan, item);
  int indent = notice_indent(item);

  if (mugai_item_is_message(item) && item->subject && *item->subject)
    name = item->subject;
  w->listed++;
  g_string_append_printf(
      w->out, "%*s[%s] %s%s (%s)\n", indent, "", item->path,
      mugai_item_is_message(item) ? (w->ja ? "転送メール: " : "forwarded message: ") : "",
      name ? name : (w->ja ? "(名前なし)" : "(no name)"),
      item->detected_type ? item->detected_type : "unknown");
  g_string_append_printf(w->out, "%*s%s %s: %s", indent + 4, "", w->ja ? "→" : "->",
                         w->ja ? action_ja[item->action] : mugai_action_name(item->action),
                         mugai_reason_text(item->reason, w->ja));
  if (!out_name && mugai_item_is_packed(item)) {
    /* the outermost archive, the one released: a nested archive's members
     * are inside its rebuilt archive, inside the outer one */
    const MugaiItem *box = item->parent;
    while (box && !(box->packs && mugai_plan_output_name(w->plan, box)))
      box = box->parent;
    out_name = box ? mugai_plan_output_name(w->plan, box) : NULL;
    if (out_name
        && (item->action == MUGAI_ACTION_FLATTENED || item->action == MUGAI_ACTION_CONVERTED
            || item->packs))
      g_string_append_printf(w->out, w->ja ? " (%s に格納)" : " (inside %s)", out_name);
    out_name = NULL;
  }
  if (out_name) {
    guint n = 0;
    g_string_append(w->out, w->ja ? " (添付: " : " (attached: ");
    for (guint i = 0; i < w->plan->outputs->len; i++) {
      const MugaiDeliverable *d = &g_array_index(w->plan->outputs, MugaiDeliverable, i);
      if (d->item == item)
        g_string_append_printf(w->out, "%s%s", n++ ? ", " : "", d->name);
    }
    if (n == 0)
      g_string_append(w->out, out_name);
    g_string_append_c(w->out, ')');
  }
  g_string_append_c(w->out, '\n');
  if (item->path_remark)
    g_string_append_printf(w->out, "%*s%s %s\n", indent + 4, "",
                           w->ja ? "※ アーカイブ内の危険なパスを修正しました:"
                                 : "! unsafe path inside the archive:",
                           item->path_remark);
  if (item->name_mismatch && w->ja) {
    const char *dot = item->name ? strrchr(item->name, '.') : NULL;
    g_string_append_printf(w->out, "%*s※ 名前の拡張子 (%s) と内容 (%s) が一致しません\n",
                           indent + 4, "", dot ? dot : "", item->detected_type);
  } else if (item->name_mismatch)
    g_string_append_printf(w->out, "%*s! the name does not match the content: %s\n", indent + 4, "",
                           item->name_mismatch);
}

/* notice_dropped - the children a limit kept from being processed */
static void
notice_dropped(NoticeWalk *w, const MugaiItem *item)
{
  int indent = notice_indent(item);

  w->listed++;
  g_string_append_printf(w->out, "%*s[%s.*] %s%u%s\n%*s%s %s: %s\n", indent, "", item->path,
                         w->ja ? "残り " : "", item->dropped, w->ja ? " 個のパート" : " more parts",
                         indent + 4, "", w->ja ? "→" : "->",
                         w->ja ? action_ja[MUGAI_ACTION_REMOVED] : "removed",
                         mugai_reason_text(item->dropped_reason, w->ja));
}

/* notice_walk - the entries the notice lists, in order, each container's
 * dropped children after its processed ones */
static void
notice_walk(NoticeWalk *w, const MugaiItem *item)
{
  if (mugai_item_is_listed(item))
    notice_entry(w, item);
  if (item->children)
    for (guint i = 0; i < item->children->len; i++)
      notice_walk(w, g_ptr_array_index(item->children, i));
  if (item->dropped)
    notice_dropped(w, item);
}

/* any_held - whether ITEM or anything under it is held */
static gboolean
any_held(const MugaiItem *item)
{
  if (item->action == MUGAI_ACTION_HELD)
    return TRUE;
  for (guint i = 0; item->children && i < item->children->len; i++)
    if (any_held(g_ptr_array_index(item->children, i)))
      return TRUE;
  return FALSE;
}

void
mugai_notice_write(const MugaiRun *run, const MugaiPlan *plan, gboolean is_mail,
                   const char *verdict_name, GString *out)
{
  static const char rule[] = "━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━\n";

  g_string_append(out, rule);
  for (int pass = 0; pass < 2; pass++) {
    NoticeWalk w = { plan, out, pass == 0, 0 };
    gboolean rejected = !strcmp(verdict_name, "rejected");
    gboolean held = !strcmp(verdict_name, "held");

    if (w.ja) {
      g_string_append(out, "【mugai 無害化通知】\n");
      g_string_append_printf(out, "この%sは", is_mail ? "メール" : "ファイル");
      g_string_append(out, rejected ? "無害化できなかったため、内容を届けていません。\n"
                           : held ? "管理者の確認待ちとして保留されています。\n"
                                  : "インターネットから届いたため無害化されました。\n");
      g_string_append_printf(out, "処理ID: %s\n", run->id);
      if (run->root->action == MUGAI_ACTION_REMOVED || run->root->action == MUGAI_ACTION_HELD)
        g_string_append_printf(out, "理由: %s\n", mugai_reason_text(run->root->reason, TRUE));
      g_string_append(out, is_mail ? "添付ファイル等の処理結果:\n" : "処理結果:\n");
    } else {
      g_string_append(out, "[mugai sanitisation notice]\n");
      g_string_append_printf(out, "This %s ", is_mail ? "message" : "file");
      g_string_append(out, rejected ? "could not be made harmless and was not delivered.\n"
                           : held   ? "is held for an operator.\n"
                                    : "came from the internet and was sanitised.\n");
      g_string_append_printf(out, "Sanitisation id: %s\n", run->id);
      if (run->root->action == MUGAI_ACTION_REMOVED || run->root->action == MUGAI_ACTION_HELD)
        g_string_append_printf(out, "Reason: %s\n", mugai_reason_text(run->root->reason, FALSE));
      g_string_append(out, is_mail ? "Attachments and parts:\n" : "Result:\n");
    }
    if (!is_mail)
      notice_entry(&w, run->root); /* a file is an entry itself */
    notice_walk(&w, run->root);
    if (w.listed == 0)
      g_string_append(out, w.ja ? "  添付ファイルはありません。\n" : "  No attachments.\n");
    if (any_held(run->root)) {
      if (w.ja)
        g_string_append_printf(out,
                               "保留された添付ファイルは、この処理ID (%s) を添えてシステム管理者に"
                               "依頼すると、確認のうえ取り出せます。パスワード付きのファイルは、"
                               "パスワードも管理者にお伝えください。\n",
                               run->id);
      else
        g_string_append_printf(out,
                               "To have a held attachment released, ask your system administrator, "
                               "quoting this sanitisation id (%s); for a password-protected file, "
                               "give them the password too.\n",
                               run->id);
    }
    g_string_append(out, pass == 0 ? "\n" : rule);
  }
}
