/*
 * item.h - one node of content moving through the pipeline.
 *
 * An item is a message, a MIME part, an archive member or a file: its bytes
 * (decoded from any transfer encoding; file-backed when large), what the
 * sender claimed about it (name, type, charset), what mugai found (sniffed
 * type), its children, and the outcome a filter recorded. Everything claimed
 * by the sender is untrusted and kept only for the record.
 */
#ifndef MUGAI_ITEM_H
#define MUGAI_ITEM_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct _MugaiItem MugaiItem;

typedef enum {
  MUGAI_ACTION_PENDING = 0, /* no filter has decided yet */
  MUGAI_ACTION_FLATTENED,   /* text decoded and re-encoded */
  MUGAI_ACTION_CONVERTED,   /* re-rendered (image-only PDF, re-encoded image) */
  MUGAI_ACTION_EXPANDED,    /* container whose children are listed */
  MUGAI_ACTION_REMOVED,     /* dropped, with a notice */
  MUGAI_ACTION_HELD         /* kept in quarantine awaiting an operator */
} MugaiAction;

/* Where an item's result goes when a mail is rebuilt. */
typedef enum {
  MUGAI_ROLE_ATTACHMENT = 0, /* listed in the notice; outputs attached */
  MUGAI_ROLE_BODY,           /* its text is the body of the rebuilt mail */
  MUGAI_ROLE_STRUCTURE,      /* a multipart or alternative not chosen: recorded, not listed */
} MugaiRole;

/* Reason codes: stable identifiers for the report; the notice words them in
 * Japanese and English (mugai_reason_text). */
typedef enum {
  MUGAI_REASON_NONE = 0,
  MUGAI_REASON_TEXT_DECODED,       /* detail: charset used */
  MUGAI_REASON_HTML_FLATTENED,     /* detail: charset and what was dropped */
  MUGAI_REASON_CONTAINER,          /* children listed separately */
  MUGAI_REASON_ALTERNATIVE_UNUSED, /* another alternative was flattened */
  MUGAI_REASON_TYPE_NOT_ALLOWED,   /* default deny: no filter bid */
  MUGAI_REASON_DEPTH_LIMIT,        /* nested deeper than limits.max_depth */
  MUGAI_REASON_PART_LIMIT,         /* beyond limits.max_parts */
  MUGAI_REASON_HEADER_LIMIT,       /* header block larger than limits.max_header_bytes */
  MUGAI_REASON_SIZE_LIMIT,         /* larger than the applicable size limit */
  MUGAI_REASON_TRUNCATED,          /* text cut at limits.max_text_bytes */
  MUGAI_REASON_EMPTY,              /* nothing to deliver */
  MUGAI_REASON_MALFORMED,          /* could not be parsed */
  MUGAI_REASON_FILTER_FAILED,      /* a filter failed: detail says why */
  MUGAI_REASON_SIGNATURE,          /* a signature that cannot survive rebuilding */
  MUGAI_REASON_NESTED_MESSAGE,     /* a forwarded message, flattened to text */
  MUGAI_REASON_RENDERED,           /* a document re-drawn as an image-only PDF */
  MUGAI_REASON_REENCODED,          /* an image re-encoded from its pixels */
  MUGAI_REASON_BLOCKED,            /* executable, script, shortcut, installer, disk image */
  MUGAI_REASON_ENCRYPTED,          /* needs a password to open */
  MUGAI_REASON_WORKER_FAILED,      /* the sandboxed worker crashed, was killed or lied */
  MUGAI_REASON_TIMEOUT,            /* the worker overran its deadline */
  MUGAI_REASON_RENDER_LIMIT,       /* pages or pixels over the limits */
  MUGAI_REASON_ARCHIVE_LIMIT,      /* an archive expanding past [archive] limits (a bomb) */
  MUGAI_REASON_LAST
} MugaiReason;

const char *mugai_action_name(MugaiAction action);
/* mugai_reason_code - the report's stable code, e.g. "type-not-allowed". */
const char *mugai_reason_code(MugaiReason reason);
/* mugai_reason_text - the wording for the notice; JAPANESE selects 日本語. */
const char *mugai_reason_text(MugaiReason reason, gboolean japanese);

/* Accessors. Strings are (transfer none) and live as long as the item. */
const char *mugai_item_get_path(const MugaiItem *item);
const char *mugai_item_get_name(const MugaiItem *item);
const char *mugai_item_get_declared_type(const MugaiItem *item);
const char *mugai_item_get_declared_charset(const MugaiItem *item);
const char *mugai_item_get_detected_type(const MugaiItem *item);
/* mugai_item_get_data - the item's decoded bytes (transfer none); NULL for
 * items that have none (multiparts). */
GBytes *mugai_item_get_data(const MugaiItem *item);
guint mugai_item_get_depth(const MugaiItem *item);
MugaiRole mugai_item_get_role(const MugaiItem *item);
MugaiItem *mugai_item_get_parent(const MugaiItem *item);
guint mugai_item_get_n_children(const MugaiItem *item);
MugaiItem *mugai_item_get_child(const MugaiItem *item, guint i);
MugaiAction mugai_item_get_action(const MugaiItem *item);
MugaiReason mugai_item_get_reason(const MugaiItem *item);
const char *mugai_item_get_reason_detail(const MugaiItem *item);
/* mugai_item_get_name_mismatch - set when the declared name's extension
 * promises another type than the content has, e.g. ".pdf but content is
 * application/x-dosexec"; NULL otherwise. */
const char *mugai_item_get_name_mismatch(const MugaiItem *item);
/* mugai_item_get_path_remark - for an archive member whose stored path was
 * unsafe (absolute, "..", control characters): what was changed; else NULL. */
const char *mugai_item_get_path_remark(const MugaiItem *item);
/* mugai_item_is_packed - the item's outputs go into an enclosing rebuilt
 * archive rather than being released on their own. */
gboolean mugai_item_is_packed(const MugaiItem *item);

/* mugai_item_set_outcome - record what was done and why; DETAIL (may be
 * NULL) is free text for the report, already safe (no untrusted bytes that
 * were not sanitised). */
void mugai_item_set_outcome(MugaiItem *item, MugaiAction action, MugaiReason reason,
                            const char *detail_format, ...) G_GNUC_PRINTF(4, 5);

/* mugai_item_take_text - the flattened, sanitised UTF-8 text this item
 * produced (transfer full of TEXT). */
void mugai_item_take_text(MugaiItem *item, GString *text);
const GString *mugai_item_get_text(const MugaiItem *item);

/* mugai_item_add_output - a file mugai built from this item (for example an
 * image-only PDF), attached in its place. NAME is a sanitised file name.
 * (transfer none of NAME and TYPE, transfer full of DATA) */
void mugai_item_add_output(MugaiItem *item, const char *name, const char *content_type,
                           GBytes *data);
/* mugai_item_output_name - the item's name with its extension replaced by
 * EXTENSION (".pdf", ".txt"; the dot included), or a name from its path
 * when it has none. (transfer full) */
char *mugai_item_output_name(const MugaiItem *item, const char *extension);
guint mugai_item_get_n_outputs(const MugaiItem *item);
void mugai_item_get_output(const MugaiItem *item, guint i, const char **name,
                           const char **content_type, GBytes **data);

G_END_DECLS

#endif /* MUGAI_ITEM_H */
