/*
 * item-private.h - the item structure, for the core only.
 */
#ifndef MUGAI_CORE_ITEM_PRIVATE_H
#define MUGAI_CORE_ITEM_PRIVATE_H

#include <mugai/item.h>

typedef struct {
  char *name;
  char *content_type;
  GBytes *data;
} MugaiOutput;

struct _MugaiItem {
  char *path;             /* "1", "1.2", ... position in the input */
  char *name;             /* sanitised declared name, or NULL */
  char *declared_type;    /* lower-cased, or NULL */
  char *declared_charset; /* as labelled, or NULL */
  char *detected_type;    /* from content (libmagic or a filter's parse) */
  GBytes *data;           /* decoded content, or NULL for containers */
  guint depth;
  MugaiRole role;
  MugaiItem *parent;   /* (transfer none) */
  GPtrArray *children; /* of MugaiItem, owned */
  MugaiAction action;
  MugaiReason reason;
  char *reason_detail;
  char *name_mismatch; /* the name's extension disagrees with the content, or NULL */
  char *path_remark;   /* archive member: how its stored path was made safe, or NULL */
  gboolean packs;      /* repacks its descendants into one output (an archive) */
  const void *filter;  /* the MugaiFilter that ran on it, or NULL */
  GString *text;       /* flattened text, or NULL */
  GArray *outputs;     /* of MugaiOutput, or NULL */
  guint dropped;       /* children not created because of a limit */
  MugaiReason dropped_reason;
  char *subject;        /* nested messages: decoded Subject, names the .txt */
  gpointer mime_object; /* GMimeObject this item came from (transfer none), or NULL */
};

/* mugai_item_new - a root or child item. (transfer full) */
MugaiItem *mugai_item_new(MugaiItem *parent, const char *path);
MugaiItem *mugai_item_free(MugaiItem *item);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MugaiItem, mugai_item_free)

/* mugai_item_append_child - PARENT takes ownership of CHILD. */
void mugai_item_append_child(MugaiItem *parent, MugaiItem *child);

/* mugai_item_foreach - depth-first, parents before children. */
typedef void (*MugaiItemFunc)(MugaiItem *item, gpointer user_data);
void mugai_item_foreach(MugaiItem *item, MugaiItemFunc func, gpointer user_data);

#endif /* MUGAI_CORE_ITEM_PRIVATE_H */
