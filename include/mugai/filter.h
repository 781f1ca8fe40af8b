/*
 * filter.h - the filter interface (versioned ABI).
 *
 * A filter is one static const MugaiFilter with designated initialisers. The
 * pipeline asks every registered filter to bid on an item from its sniffed
 * type and bytes (never from its declared type or name alone); the highest
 * bid runs; no bid means the item is removed (default deny).
 *
 * A third-party filter built as a shared object exports
 *   const MugaiFilter *mugai_filter_entry (void);
 * returning a filter whose abi_version equals MUGAI_FILTER_ABI_VERSION;
 * anything else is refused at load time.
 */
#ifndef MUGAI_FILTER_H
#define MUGAI_FILTER_H

#include <glib.h>

#include <mugai/item.h>

G_BEGIN_DECLS

#define MUGAI_FILTER_ABI_VERSION 2

/* Bids: any value in 0..MUGAI_BID_MAX; these name the usual levels. */
#define MUGAI_BID_NONE    0
#define MUGAI_BID_WEAK    10 /* could handle it, something better may exist */
#define MUGAI_BID_GOOD    50 /* content matches this filter's format */
#define MUGAI_BID_CERTAIN 90 /* content proves the format */
#define MUGAI_BID_MAX     100

/* Graded results (libarchive style). */
typedef enum {
  MUGAI_FILTER_OK = 0, /* the filter recorded an outcome on the item */
  MUGAI_FILTER_WARN,   /* outcome recorded, with a remark in the error */
  MUGAI_FILTER_FAILED, /* this item failed: the pipeline removes it, reason from the error */
  MUGAI_FILTER_FATAL   /* the whole input cannot be processed: verdict rejected */
} MugaiFilterResult;

typedef enum {
  MUGAI_FILTER_FLAG_NONE = 0,
  MUGAI_FILTER_FLAG_UNTRUSTED_PARSER = 1 << 0, /* parses attacker formats: runs in a worker */
  MUGAI_FILTER_FLAG_CONTAINER = 1 << 1,        /* expands into child items */
} MugaiFilterFlags;

/* Per-input context a filter works in: limits, configuration, counters. */
typedef struct _MugaiRun MugaiRun;

typedef struct {
  guint abi_version; /* MUGAI_FILTER_ABI_VERSION */
  const char *name;
  MugaiFilterFlags flags;
  /* bid - 0..MUGAI_BID_MAX; must not modify the item or block */
  int (*bid)(const MugaiItem *item, const MugaiRun *run);
  /* run - record an outcome on ITEM (mugai_item_set_outcome), produce text or
   * outputs, or add children (mugai_run_add_child) and mark it expanded */
  MugaiFilterResult (*run)(MugaiItem *item, MugaiRun *run, GError **error);
  /* finish - optional (ABI 2): called after every child of an expanded ITEM
   * has its outcome, e.g. to rebuild an archive from what its members
   * became (mugai_item_foreach_deliverable). */
  MugaiFilterResult (*finish)(MugaiItem *item, MugaiRun *run, GError **error);
} MugaiFilter;

/* Limits in force for this input (see docs/configuration.md). */
typedef struct {
  guint64 max_message_size; /* bytes of one input */
  guint max_depth;          /* nesting of containers */
  guint max_parts;          /* items in one input */
  guint64 max_header_bytes; /* one header block */
  guint64 max_text_bytes;   /* decoded text of one item */
} MugaiLimits;

const MugaiLimits *mugai_run_get_limits(const MugaiRun *run);

/* mugai_run_prefer_html - multipart/alternative: flatten the HTML part
 * (what the recipient would have seen) rather than the plain one. */
gboolean mugai_run_prefer_html(const MugaiRun *run);

/* mugai_run_add_child - create a child of PARENT. Returns NULL when the part
 * limit is reached (the caller stops adding and records that). DATA may be
 * NULL for a container; NAME, DECLARED_TYPE and DECLARED_CHARSET are
 * untrusted and are sanitised here. (transfer none of the result: the parent
 * owns it; transfer full of DATA) */
MugaiItem *mugai_run_add_child(MugaiRun *run, MugaiItem *parent, MugaiRole role,
                               const char *untrusted_name, const char *untrusted_declared_type,
                               const char *untrusted_declared_charset, GBytes *data);

/* mugai_run_add_member - a child of an archive PARENT named by its path
 * inside the archive: each component sanitised like a file name, absolute
 * paths made relative, "." and ".." components dropped (noted in the
 * item's name_mismatch-like remark, see mugai_item_get_path_remark).
 * Returns NULL when the part limit is reached. (transfer none; transfer
 * full of DATA) */
MugaiItem *mugai_run_add_member(MugaiRun *run, MugaiItem *parent, const char *untrusted_path,
                                GBytes *data);

/* mugai_run_set_packed - CONTAINER rebuilds its children into one output
 * of its own (an archive): what its descendants produce is not released
 * separately but collected by its filter's finish. */
void mugai_run_set_packed(MugaiRun *run, MugaiItem *container);

/* mugai_run_get_password - the password given for this input (mugai
 * sanitize --password), or NULL. (transfer none) */
const char *mugai_run_get_password(const MugaiRun *run);

/* mugai_item_foreach_deliverable - every file the items under ROOT (ROOT
 * included) produced, as a rebuilt mail would attach them: flattened text
 * as NAME.txt, converted outputs under their names. FUNC gets the item, a
 * file name (no directory) and the bytes (transfer none). */
typedef void (*MugaiDeliverableFunc)(const MugaiItem *item, const char *name,
                                     const char *content_type, GBytes *data, gpointer user_data);
void mugai_item_foreach_deliverable(MugaiItem *root, MugaiDeliverableFunc func, gpointer user_data);

/* mugai_run_note_dropped - record that REASON dropped N more items under
 * PARENT (shown once in the notice rather than N times). */
void mugai_run_note_dropped(MugaiRun *run, MugaiItem *parent, MugaiReason reason, guint n);

/* mugai_run_set_detected_type - for filters that know better than libmagic
 * (a message parsed as MIME); the value must come from content. */
void mugai_run_set_detected_type(MugaiRun *run, MugaiItem *item, const char *type);

G_END_DECLS

#endif /* MUGAI_FILTER_H */
