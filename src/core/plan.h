/*
 * plan.h - what a result releases, named once so that the notice, the
 * report and the rebuilt mail all say the same thing.
 */
#ifndef MUGAI_CORE_PLAN_H
#define MUGAI_CORE_PLAN_H

#include "core/run-private.h"

G_BEGIN_DECLS

typedef struct {
  MugaiItem *item;          /* (transfer none) */
  char *name;               /* unique within the result */
  const char *content_type; /* (transfer none) static or owned by the item */
  GBytes *data;             /* (transfer full) */
} MugaiDeliverable;

typedef struct {
  GString *body;     /* the root message's flattened body text (mail) */
  GArray *outputs;   /* of MugaiDeliverable, in item order */
  GHashTable *names; /* item -> delivered name (transfer none of item) */
} MugaiPlan;

/* mugai_plan_build - collect the body text and the deliverables of RUN. */
MugaiPlan *mugai_plan_build(MugaiRun *run);
MugaiPlan *mugai_plan_free(MugaiPlan *plan);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MugaiPlan, mugai_plan_free)

/* mugai_plan_output_name - what ITEM was delivered as: a file name, "(本文/body)",
 * or NULL. (transfer none) */
const char *mugai_plan_output_name(const MugaiPlan *plan, const MugaiItem *item);

/* mugai_item_is_listed - whether the notice names ITEM. */
gboolean mugai_item_is_listed(const MugaiItem *item);

/* mugai_item_is_message - a message (top level or forwarded). */
gboolean mugai_item_is_message(const MugaiItem *item);

/* mugai_notice_write - the notice block, 日本語 then English. IS_MAIL
 * chooses the wording; VERDICT_NAME and ID are stated. */
void mugai_notice_write(const MugaiRun *run, const MugaiPlan *plan, gboolean is_mail,
                        const char *verdict_name, GString *out);

G_END_DECLS

#endif /* MUGAI_CORE_PLAN_H */
