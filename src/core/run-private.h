/*
 * run-private.h - the per-input context, for the core and the mail module.
 */
#ifndef MUGAI_CORE_RUN_PRIVATE_H
#define MUGAI_CORE_RUN_PRIVATE_H

#include <mugai/filter.h>

#include "core/config.h"
#include "core/item-private.h"

struct _MugaiRun {
  const MugaiConfig *config; /* (transfer none) */
  char *id;
  MugaiItem *root; /* owned */
  guint n_items;
  gboolean fatal; /* a filter said the whole input cannot be processed */
  MugaiReason fatal_reason;
  char *fatal_detail;
  GPtrArray *keep;      /* GObjects that items point into (parsed messages) */
  const char *password; /* for encrypted archives and documents, or NULL (transfer none) */
};

/* mugai_run_keep - keep OBJECT alive for the run (transfer full). */
void mugai_run_keep(MugaiRun *run, gpointer object);

/* mugai_run_set_fatal - the whole input is rejected. */
void mugai_run_set_fatal(MugaiRun *run, MugaiReason reason, const char *detail);

/* mugai_pipeline_process - sniff, pick a filter and run it on ITEM, then on
 * every child it created, depth first. Never fails: every item ends with an
 * outcome. */
void mugai_pipeline_process(MugaiRun *run, MugaiItem *item);

/* mugai_registry_* - the filter table. */
const MugaiFilter *mugai_registry_choose(const MugaiItem *item, const MugaiRun *run);
gboolean mugai_registry_load_module(const char *path, GError **error);

#endif /* MUGAI_CORE_RUN_PRIVATE_H */
