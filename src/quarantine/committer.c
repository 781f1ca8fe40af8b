/*
 * committer.c - group commit of the originals of every connection (see
 * committer.h), led by the callers themselves: the first to arrive while no
 * commit is running commits everything queued in its own thread, so a lone
 * message pays no hand-off to another thread; whoever arrives during a
 * commit waits, and the next of them leads the following batch.
 */
#include <gio/gio.h>

#include "quarantine/committer.h"

/* Requests taken into one batch at most: bounds a commit's latency. */
#define MAX_BATCH 256

typedef struct {
  MugaiResult *result;
  GBytes *original;
  const char *source, *sender;
  const char *const *recipients;
  gboolean done, ok;
  GError *error;
} Request;

struct _MugaiCommitter {
  MugaiStore *store;
  GMutex lock;
  GCond done; /* a batch finished */
  GQueue queue;
  gboolean committing; /* a leader is committing a batch */
  gboolean closed;
};

/* commit_batch - REQUESTS (Request *) stored as one batch */
static void
commit_batch(MugaiCommitter *c, GPtrArray *requests)
{
  g_autoptr(MugaiStoreBatch) batch = mugai_store_batch_new(c->store);
  g_autoptr(GError) error = NULL;
  gboolean ok;

  for (guint i = 0; i < requests->len; i++) {
    Request *q = g_ptr_array_index(requests, i);
    q->ok = mugai_store_batch_add(batch, q->result, q->original, q->source, q->sender,
                                  q->recipients, &q->error);
  }
  ok = mugai_store_batch_commit(batch, &error);
  for (guint i = 0; i < requests->len; i++) {
    Request *q = g_ptr_array_index(requests, i);
    if (q->ok && !ok) {
      q->ok = FALSE;
      q->error = g_error_copy(error);
    }
  }
}

MugaiCommitter *
mugai_committer_new(MugaiStore *store, GError **error)
{
  MugaiCommitter *c = g_new0(MugaiCommitter, 1);

  (void)error;
  c->store = store;
  g_mutex_init(&c->lock);
  g_cond_init(&c->done);
  g_queue_init(&c->queue);
  return c;
}

gboolean
mugai_committer_store(MugaiCommitter *c, MugaiResult *result, GBytes *original, const char *source,
                      const char *sender, const char *const *recipients, GError **error)
{
  Request q = { result, original, source, sender, recipients, FALSE, FALSE, NULL };
  g_autoptr(GPtrArray) taken = NULL;

  g_mutex_lock(&c->lock);
  if (c->closed) {
    g_mutex_unlock(&c->lock);
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_CLOSED, "the quarantine is closing");
    return FALSE;
  }
  g_queue_push_tail(&c->queue, &q);
  while (!q.done) {
    if (c->committing) {
      /* Another caller is committing; ours goes in the next batch. */
      g_cond_wait(&c->done, &c->lock);
      continue;
    }
    /* Lead: commit everything queued, ours included, in this thread. */
    c->committing = TRUE;
    if (!taken)
      taken = g_ptr_array_new();
    g_ptr_array_set_size(taken, 0);
    while (taken->len < MAX_BATCH && !g_queue_is_empty(&c->queue))
      g_ptr_array_add(taken, g_queue_pop_head(&c->queue));
    g_mutex_unlock(&c->lock);
    commit_batch(c, taken);
    g_mutex_lock(&c->lock);
    for (guint i = 0; i < taken->len; i++)
      ((Request *)g_ptr_array_index(taken, i))->done = TRUE;
    c->committing = FALSE;
    g_cond_broadcast(&c->done);
  }
  g_mutex_unlock(&c->lock);
  if (!q.ok)
    g_propagate_error(error, q.error);
  return q.ok;
}

MugaiCommitter *
mugai_committer_free(MugaiCommitter *c)
{
  if (!c)
    return NULL;
  g_mutex_lock(&c->lock);
  c->closed = TRUE;
  while (c->committing || !g_queue_is_empty(&c->queue))
    g_cond_wait(&c->done, &c->lock);
  g_mutex_unlock(&c->lock);
  g_mutex_clear(&c->lock);
  g_cond_clear(&c->done);
  g_free(c);
  return NULL;
}
