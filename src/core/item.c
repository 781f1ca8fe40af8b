/*
 * item.c - the item tree: construction, accessors, outcomes.
 *
 * Items are owned by their parent; the root is owned by the run. Outcome
 * strings are plain text that mugai wrote or sanitised, so the notice and the
 * report can quote them without further escaping beyond their own format.
 */
#include <stdarg.h>
#include <string.h>

#include "core/item-private.h"

static const struct {
  const char *code;
  const char *ja;
  const char *en;
} reasons[MUGAI_REASON_LAST] = {
  [MUGAI_REASON_NONE] = { "none", "", "" },
  [MUGAI_REASON_TEXT_DECODED]
  = { "text-decoded", "テキストとして再構成しました", "text decoded and re-encoded" },
  [MUGAI_REASON_HTML_FLATTENED]
  = { "html-flattened", "HTML をテキストに変換しました", "HTML flattened to text" },
  [MUGAI_REASON_CONTAINER]
  = { "container", "構成要素を個別に処理しました", "container; its parts are listed separately" },
  [MUGAI_REASON_ALTERNATIVE_UNUSED]
  = { "alternative-unused", "別の表現形式を本文として使用しました",
      "another alternative was used as the body" },
  [MUGAI_REASON_TYPE_NOT_ALLOWED]
  = { "type-not-allowed", "この形式のファイルは無害化できないため削除しました",
      "this type cannot be made harmless, so it was removed" },
  [MUGAI_REASON_DEPTH_LIMIT]
  = { "depth-limit", "入れ子が深すぎるため削除しました", "nested too deeply" },
  [MUGAI_REASON_PART_LIMIT]
  = { "part-limit", "パート数が上限を超えたため削除しました", "too many parts" },
  [MUGAI_REASON_HEADER_LIMIT]
  = { "header-limit", "ヘッダーが大きすぎるため削除しました", "header block too large" },
  [MUGAI_REASON_SIZE_LIMIT]
  = { "size-limit", "サイズが上限を超えたため削除しました", "larger than the size limit" },
  [MUGAI_REASON_TRUNCATED]
  = { "truncated", "長すぎるため途中で切り詰めました", "text too long; truncated" },
  [MUGAI_REASON_EMPTY] = { "empty", "内容がありません", "empty" },
  [MUGAI_REASON_MALFORMED]
  = { "malformed", "形式が壊れているため削除しました", "malformed; could not be parsed" },
  [MUGAI_REASON_FILTER_FAILED]
  = { "filter-failed", "無害化処理に失敗したため削除しました", "sanitisation failed" },
  [MUGAI_REASON_SIGNATURE] = { "signature", "電子署名は無害化後に検証できないため削除しました",
                               "signature cannot survive sanitisation" },
  [MUGAI_REASON_NESTED_MESSAGE] = { "nested-message", "転送メールをテキストに変換しました",
                                    "forwarded message flattened to text" },
  [MUGAI_REASON_RENDERED]
  = { "rendered", "画像として再描画した PDF に変換しました", "re-drawn as an image-only PDF" },
  [MUGAI_REASON_REENCODED] = { "reencoded", "画素から画像を作り直しました (メタデータは削除)",
                               "re-encoded from its pixels (metadata removed)" },
  [MUGAI_REASON_BLOCKED]
  = { "blocked", "実行ファイル・スクリプト等は受け付けないため削除しました",
      "executables, scripts, shortcuts, installers and disk images are not allowed" },
  /* The next four may end in removal or in holding, by policy: their
   * wording states the cause and leaves the outcome to the action. */
  [MUGAI_REASON_ENCRYPTED] = { "encrypted", "パスワードで保護されているため変換できません",
                               "password-protected, so it cannot be converted" },
  [MUGAI_REASON_WORKER_FAILED]
  = { "worker-failed", "変換処理が異常終了しました", "the sandboxed converter failed" },
  [MUGAI_REASON_TIMEOUT]
  = { "timeout", "変換が制限時間内に終わりませんでした", "conversion did not finish in time" },
  [MUGAI_REASON_RENDER_LIMIT] = { "render-limit", "ページ数または画素数が上限を超えています",
                                  "too many pages or pixels to convert" },
  [MUGAI_REASON_ARCHIVE_LIMIT]
  = { "archive-limit",
      "展開するとサイズ・ファイル数・圧縮率の上限を超えるため削除しました (圧縮爆弾の疑い)",
      "expands beyond the size, file-count or compression-ratio limits (a suspected archive "
      "bomb), so it was removed" },
};

static const char *const action_names[] = {
  [MUGAI_ACTION_PENDING] = "pending",     [MUGAI_ACTION_FLATTENED] = "flattened",
  [MUGAI_ACTION_CONVERTED] = "converted", [MUGAI_ACTION_EXPANDED] = "expanded",
  [MUGAI_ACTION_REMOVED] = "removed",     [MUGAI_ACTION_HELD] = "held",
};

const char *
mugai_action_name(MugaiAction action)
{
  g_return_val_if_fail(action <= MUGAI_ACTION_HELD, "pending");
  return action_names[action];
}

const char *
mugai_reason_code(MugaiReason reason)
{
  g_return_val_if_fail(reason < MUGAI_REASON_LAST, "none");
  return reasons[reason].code;
}

const char *
mugai_reason_text(MugaiReason reason, gboolean japanese)
{
  g_return_val_if_fail(reason < MUGAI_REASON_LAST, "");
  return japanese ? reasons[reason].ja : reasons[reason].en;
}

MugaiItem *
mugai_item_new(MugaiItem *parent, const char *path)
{
  MugaiItem *item = g_new0(MugaiItem, 1);

  item->path = g_strdup(path);
  item->parent = parent;
  item->depth = parent ? parent->depth + 1 : 0;
  return item;
}

/* output_clear - GArray element destructor */
static void
output_clear(gpointer p)
{
  MugaiOutput *o = p;

  g_free(o->name);
  g_free(o->content_type);
  g_clear_pointer(&o->data, g_bytes_unref);
}

/* item_free_notify - GDestroyNotify for a parent's children array */
static void
item_free_notify(gpointer item)
{
  mugai_item_free(item);
}

MugaiItem *
mugai_item_free(MugaiItem *item)
{
  if (!item)
    return NULL;
  /* Containers nest at most limits.max_depth deep, so recursion is bounded. */
  if (item->children)
    g_ptr_array_unref(item->children);
  if (item->outputs)
    g_array_unref(item->outputs);
  if (item->text)
    g_string_free(item->text, TRUE);
  g_clear_pointer(&item->data, g_bytes_unref);
  g_free(item->path);
  g_free(item->name);
  g_free(item->declared_type);
  g_free(item->declared_charset);
  g_free(item->detected_type);
  g_free(item->reason_detail);
  g_free(item->name_mismatch);
  g_free(item->path_remark);
  g_free(item->subject);
  g_free(item);
  return NULL;
}

void
mugai_item_append_child(MugaiItem *parent, MugaiItem *child)
{
  if (!parent->children)
    parent->children = g_ptr_array_new_with_free_func(item_free_notify);
  g_ptr_array_add(parent->children, child);
}

void
mugai_item_foreach(MugaiItem *item, MugaiItemFunc func, gpointer user_data)
{
  func(item, user_data);
  if (!item->children)
    return;
  for (guint i = 0; i < item->children->len; i++)
    mugai_item_foreach(g_ptr_array_index(item->children, i), func, user_data);
}

const char *
mugai_item_get_path(const MugaiItem *item)
{
  return item->path;
}

const char *
mugai_item_get_name(const MugaiItem *item)
{
  return item->name;
}

const char *
mugai_item_get_declared_type(const MugaiItem *item)
{
  return item->declared_type;
}

const char *
mugai_item_get_declared_charset(const MugaiItem *item)
{
  return item->declared_charset;
}

const char *
mugai_item_get_detected_type(const MugaiItem *item)
{
  return item->detected_type;
}

GBytes *
mugai_item_get_data(const MugaiItem *item)
{
  return item->data;
}

guint
mugai_item_get_depth(const MugaiItem *item)
{
  return item->depth;
}

MugaiRole
mugai_item_get_role(const MugaiItem *item)
{
  return item->role;
}

MugaiItem *
mugai_item_get_parent(const MugaiItem *item)
{
  return item->parent;
}

guint
mugai_item_get_n_children(const MugaiItem *item)
{
  return item->children ? item->children->len : 0;
}

MugaiItem *
mugai_item_get_child(const MugaiItem *item, guint i)
{
  g_return_val_if_fail(item->children && i < item->children->len, NULL);
  return g_ptr_array_index(item->children, i);
}

MugaiAction
mugai_item_get_action(const MugaiItem *item)
{
  return item->action;
}

MugaiReason
mugai_item_get_reason(const MugaiItem *item)
{
  return item->reason;
}

const char *
mugai_item_get_name_mismatch(const MugaiItem *item)
{
  return item->name_mismatch;
}

const char *
mugai_item_get_path_remark(const MugaiItem *item)
{
  return item->path_remark;
}

gboolean
mugai_item_is_packed(const MugaiItem *item)
{
  for (const MugaiItem *p = item->parent; p; p = p->parent)
    if (p->packs)
      return TRUE;
  return FALSE;
}

const char *
mugai_item_get_reason_detail(const MugaiItem *item)
{
  return item->reason_detail;
}

void
mugai_item_set_outcome(MugaiItem *item, MugaiAction action, MugaiReason reason,
                       const char *detail_format, ...)
{
  g_return_if_fail(action <= MUGAI_ACTION_HELD && reason < MUGAI_REASON_LAST);
  item->action = action;
  item->reason = reason;
  g_clear_pointer(&item->reason_detail, g_free);
  if (detail_format) {
    va_list ap;

    va_start(ap, detail_format);
    item->reason_detail = g_strdup_vprintf(detail_format, ap);
    va_end(ap);
  }
}

void
mugai_item_take_text(MugaiItem *item, GString *text)
{
  if (item->text)
    g_string_free(item->text, TRUE);
  item->text = text;
}

const GString *
mugai_item_get_text(const MugaiItem *item)
{
  return item->text;
}

void
mugai_item_add_output(MugaiItem *item, const char *name, const char *content_type, GBytes *data)
{
  MugaiOutput o = { g_strdup(name), g_strdup(content_type), data };

  if (!item->outputs) {
    item->outputs = g_array_new(FALSE, FALSE, sizeof(MugaiOutput));
    g_array_set_clear_func(item->outputs, output_clear);
  }
  g_array_append_val(item->outputs, o);
}

guint
mugai_item_get_n_outputs(const MugaiItem *item)
{
  return item->outputs ? item->outputs->len : 0;
}

void
mugai_item_get_output(const MugaiItem *item, guint i, const char **name, const char **content_type,
                      GBytes **data)
{
  g_return_if_fail(item->outputs && i < item->outputs->len);
  const MugaiOutput *o = &g_array_index(item->outputs, MugaiOutput, i);
  if (name)
    *name = o->name;
  if (content_type)
    *content_type = o->content_type;
  if (data)
    *data = o->data;
}

char *
mugai_item_output_name(const MugaiItem *item, const char *extension)
{
  const char *name = item->name;
  const char *dot;
  g_autofree char *stem = NULL;

  if (!name || !*name || *name == '.') {
    g_autofree char *path = g_strdelimit(g_strdup(item->path), ".", '-');
    return g_strconcat("part-", path, extension, NULL);
  }
  /* an archive member's name is a path: only its last component has an
   * extension ("v1.2/scan" has none) */
  dot = strrchr(name, '/') ? strrchr(strrchr(name, '/') + 1, '.') : strrchr(name, '.');
  stem = dot && dot != name && dot[-1] != '/' ? g_strndup(name, (gsize)(dot - name))
                                              : g_strdup(name);
  return g_strconcat(stem, extension, NULL);
}
