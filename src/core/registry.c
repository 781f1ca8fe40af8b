/*
 * registry.c - the one table of filters, and loading third-party ones.
 *
 * Adding a built-in filter is one file in filters/ and one line here.
 */
#include <gio/gio.h>
#include <gmodule.h>

#include "core/run-private.h"

extern const MugaiFilter mugai_filter_message;
extern const MugaiFilter mugai_filter_multipart;
extern const MugaiFilter mugai_filter_text;
extern const MugaiFilter mugai_filter_html;
extern const MugaiFilter mugai_filter_pdf;
extern const MugaiFilter mugai_filter_image;
extern const MugaiFilter mugai_filter_office;
extern const MugaiFilter mugai_filter_block;
extern const MugaiFilter mugai_filter_archive;

static const MugaiFilter *const builtin_filters[] = {
  &mugai_filter_message, &mugai_filter_multipart, &mugai_filter_text,
  &mugai_filter_html,    &mugai_filter_pdf,       &mugai_filter_image,
  &mugai_filter_office,  &mugai_filter_block,     &mugai_filter_archive,
};

/* Filters loaded from shared objects; appended once at start-up, before any
 * input is processed, and never removed. */
static GPtrArray *loaded_filters;
static GMutex loaded_lock;

/* consider - keep the better of BEST and F for ITEM */
static void
consider(const MugaiFilter *f, const MugaiItem *item, const MugaiRun *run, const MugaiFilter **best,
         int *best_bid)
{
  int bid = f->bid(item, run);

  if (bid > MUGAI_BID_MAX)
    bid = MUGAI_BID_MAX;
  if (bid > *best_bid) {
    *best_bid = bid;
    *best = f;
  }
}

const MugaiFilter *
mugai_registry_choose(const MugaiItem *item, const MugaiRun *run)
{
  const MugaiFilter *best = NULL;
  int best_bid = MUGAI_BID_NONE;

  for (gsize i = 0; i < G_N_ELEMENTS(builtin_filters); i++)
    consider(builtin_filters[i], item, run, &best, &best_bid);
  if (loaded_filters)
    for (guint i = 0; i < loaded_filters->len; i++)
      consider(g_ptr_array_index(loaded_filters, i), item, run, &best, &best_bid);
  return best;
}

gboolean
mugai_registry_load_module(const char *path, GError **error)
{
  GModule *module = g_module_open(path, G_MODULE_BIND_LOCAL | G_MODULE_BIND_LAZY);
  const MugaiFilter *(*entry)(void) = NULL;
  const MugaiFilter *f;

  if (!module) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot load filter %s: %s", path,
                g_module_error());
    return FALSE;
  }
  if (!g_module_symbol(module, "mugai_filter_entry", (gpointer *)&entry) || !entry) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: no mugai_filter_entry symbol", path);
    g_module_close(module);
    return FALSE;
  }
  f = entry();
  if (!f || f->abi_version != MUGAI_FILTER_ABI_VERSION || !f->name || !f->bid || !f->run) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
                "%s: filter ABI version %u, this mugai needs %u", path, f ? f->abi_version : 0,
                MUGAI_FILTER_ABI_VERSION);
    g_module_close(module);
    return FALSE;
  }
  g_module_make_resident(module);
  g_mutex_lock(&loaded_lock);
  if (!loaded_filters)
    loaded_filters = g_ptr_array_new();
  g_ptr_array_add(loaded_filters, (gpointer)f);
  g_mutex_unlock(&loaded_lock);
  return TRUE;
}
