/*
 * config.h - the one configuration file shared by every entry point.
 */
#ifndef MUGAI_CORE_CONFIG_H
#define MUGAI_CORE_CONFIG_H

#include <glib.h>

#include <mugai/filter.h>

G_BEGIN_DECLS

typedef enum {
  MUGAI_OUTPUT_UTF8 = 0,
  MUGAI_OUTPUT_ISO2022JP,
} MugaiOutputCharset;

typedef struct {
  MugaiLimits limits;
  gboolean prefer_html;           /* [mail] alternative = html | text */
  MugaiOutputCharset out_charset; /* [mail] output_charset */
  char *state_dir;                /* [paths] state_dir, or NULL for the default */
  char *source;                   /* file it was read from, or NULL for defaults */
} MugaiConfig;

/* mugai_config_new_default - built-in defaults. (transfer full) */
MugaiConfig *mugai_config_new_default(void);

/* mugai_config_load - defaults overlaid with PATH; unknown groups or keys and
 * malformed values are errors naming the key. (transfer full) */
MugaiConfig *mugai_config_load(const char *path, GError **error);

MugaiConfig *mugai_config_free(MugaiConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MugaiConfig, mugai_config_free)

/* mugai_config_state_dir - MUGAI_STATE_DIR, else [paths] state_dir, else
 * /var/lib/mugai when writable, else $XDG_STATE_HOME/mugai. (transfer full) */
char *mugai_config_state_dir(const MugaiConfig *config);

/* mugai_parse_size - "64M", "512k", "1G", "1000": bytes, or FALSE. */
gboolean mugai_parse_size(const char *text, guint64 *out);

G_END_DECLS

#endif /* MUGAI_CORE_CONFIG_H */
