/*
 * config.c - defaults, the INI file (GLib key-file), the state directory.
 *
 * A typo in a security product's configuration must not silently fall back
 * to a default, so unknown keys are errors, and so are values out of range.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"

#define DEFAULT_STATE_DIR "/var/lib/mugai"

typedef enum {
  KEY_SIZE,
  KEY_UINT,
  KEY_CHOICE,
  KEY_PATH,
  KEY_DAYS,
  KEY_MAILER,
  KEY_SOCKET,
  KEY_MODE,
  KEY_USER,
} KeyKind;

typedef struct {
  const char *group;
  const char *key;
  KeyKind kind;
  guint64 min, max;           /* KEY_SIZE, KEY_UINT */
  const char *const *choices; /* KEY_CHOICE, NULL-terminated; index is the value */
} KeySpec;

static const char *const alternative_choices[] = { "text", "html", NULL };
static const char *const charset_choices[] = { "utf-8", "iso-2022-jp", NULL };
static const char *const failure_choices[] = { "remove", "hold", NULL };
static const char *const encrypted_choices[] = { "hold", "remove", NULL };
static const char *const bool_choices[] = { "false", "true", NULL };
static const char *const policy_choices[] = { "tempfail", "reject", "hold", NULL };

static const KeySpec key_specs[] = {
  { "paths", "state_dir", KEY_PATH, 0, 0, NULL },
  { "limits", "max_message_size", KEY_SIZE, 1024, G_GUINT64_CONSTANT(4) << 30, NULL },
  { "limits", "max_depth", KEY_UINT, 1, 64, NULL },
  { "limits", "max_parts", KEY_UINT, 1, 100000, NULL },
  { "limits", "max_header_bytes", KEY_SIZE, 1024, 64 << 20, NULL },
  { "limits", "max_text_bytes", KEY_SIZE, 1024, G_GUINT64_CONSTANT(1) << 30, NULL },
  { "mail", "alternative", KEY_CHOICE, 0, 0, alternative_choices },
  { "mail", "output_charset", KEY_CHOICE, 0, 0, charset_choices },
  { "sandbox", "worker", KEY_PATH, 0, 0, NULL },
  { "sandbox", "pool_size", KEY_UINT, 0, 256, NULL },
  { "sandbox", "timeout", KEY_UINT, 1, 3600, NULL },
  { "sandbox", "timeout_per_page", KEY_UINT, 0, 600, NULL },
  { "sandbox", "memory_limit", KEY_SIZE, 16 << 20, G_GUINT64_CONSTANT(64) << 30, NULL },
  { "sandbox", "max_pages", KEY_UINT, 1, 10000, NULL },
  { "sandbox", "dpi", KEY_UINT, 36, 600, NULL },
  { "sandbox", "max_page_pixels", KEY_UINT, 1000, 100000000, NULL },
  { "sandbox", "max_total_pixels", KEY_UINT, 1000, G_GUINT64_CONSTANT(100000000000), NULL },
  { "sandbox", "on_failure", KEY_CHOICE, 0, 0, failure_choices },
  { "sandbox", "on_encrypted", KEY_CHOICE, 0, 0, encrypted_choices },
  { "archive", "max_members", KEY_UINT, 1, 1000000, NULL },
  { "archive", "max_total_bytes", KEY_SIZE, 1024, G_GUINT64_CONSTANT(64) << 30, NULL },
  { "archive", "max_member_bytes", KEY_SIZE, 1024, G_GUINT64_CONSTANT(16) << 30, NULL },
  { "archive", "max_ratio", KEY_UINT, 2, 1000000, NULL },
  { "archive", "on_encrypted", KEY_CHOICE, 0, 0, encrypted_choices },
  { "office", "converters", KEY_UINT, 1, 64, NULL },
  { "office", "recycle_after", KEY_UINT, 1, 100000, NULL },
  { "office", "timeout", KEY_UINT, 1, 3600, NULL },
  { "office", "memory_limit", KEY_SIZE, 256 << 20, G_GUINT64_CONSTANT(64) << 30, NULL },
  { "office", "on_failure", KEY_CHOICE, 0, 0, failure_choices },
  { "office", "on_encrypted", KEY_CHOICE, 0, 0, encrypted_choices },
  { "quarantine", "retention", KEY_DAYS, 1, 36500, NULL },
  { "quarantine", "allow_release", KEY_CHOICE, 0, 0, bool_choices },
  { "audit", "log", KEY_PATH, 0, 0, NULL },
  { "delivery", "mail", KEY_MAILER, 0, 0, NULL },
  { "milter", "socket", KEY_SOCKET, 0, 0, NULL },
  { "milter", "socket_mode", KEY_MODE, 0, 0777, NULL },
  { "milter", "user", KEY_USER, 0, 0, NULL },
  { "milter", "timeout", KEY_UINT, 1, 3600, NULL },
  { "milter", "on_internal_error", KEY_CHOICE, 0, 0, policy_choices },
  { "milter", "on_timeout", KEY_CHOICE, 0, 0, policy_choices },
  { "milter", "on_oversize", KEY_CHOICE, 0, 0, policy_choices },
  { "watch", "drop_dir", KEY_PATH, 0, 0, NULL },
  { "watch", "out_dir", KEY_PATH, 0, 0, NULL },
  { "watch", "work_dir", KEY_PATH, 0, 0, NULL },
  { "watch", "per_user", KEY_CHOICE, 0, 0, bool_choices },
  { "watch", "settle", KEY_UINT, 0, 600000, NULL },
  { "watch", "jobs", KEY_UINT, 0, 256, NULL },
  { "watch", "max_depth", KEY_UINT, 0, 64, NULL },
  { "watch", "rescan", KEY_UINT, 0, 86400, NULL },
};

/* Groups that later components own; their keys are checked by them. */
static const char *const foreign_groups[] = { "policy", NULL };

const char *
mugai_failure_policy_name(MugaiFailurePolicy policy)
{
  return policy_choices[policy <= MUGAI_POLICY_HOLD ? policy : 0];
}

MugaiConfig *
mugai_config_new_default(void)
{
  MugaiConfig *c = g_new0(MugaiConfig, 1);

  c->limits.max_message_size = 64 << 20;
  c->limits.max_depth = 20;
  c->limits.max_parts = 1000;
  c->limits.max_header_bytes = 256 << 10;
  c->limits.max_text_bytes = 16 << 20;
  c->prefer_html = TRUE;
  c->out_charset = MUGAI_OUTPUT_UTF8;
  c->sandbox.pool_size = 0;
  c->sandbox.timeout_ms = 30 * 1000;
  c->sandbox.timeout_per_page_ms = 5 * 1000;
  c->sandbox.memory_limit = G_GUINT64_CONSTANT(1) << 30;
  c->sandbox.max_pages = 500;
  c->sandbox.dpi = 150;
  c->sandbox.max_page_pixels = 40 * 1000 * 1000;
  c->sandbox.max_total_pixels = G_GUINT64_CONSTANT(2000) * 1000 * 1000;
  c->archive.max_members = 10000;
  c->archive.max_total_bytes = G_GUINT64_CONSTANT(1) << 30;
  c->archive.max_member_bytes = 64 << 20;
  c->archive.max_ratio = 200;
  c->office.converters = 1;
  c->office.recycle_after = 50;
  c->office.timeout_ms = 120 * 1000;
  c->office.memory_limit = G_GUINT64_CONSTANT(4) << 30;
  c->quarantine.retention_days = 90;
  c->milter.socket = g_strdup("unix:/run/mugai/milter.sock");
  c->milter.socket_mode = 0660;
  c->milter.timeout_ms = 240 * 1000;
  c->watch.per_user = TRUE;
  c->watch.settle_ms = 500;
  c->watch.max_depth = 8;
  c->watch.rescan_s = 300;
  return c;
}

MugaiConfig *
mugai_config_free(MugaiConfig *config)
{
  if (config) {
    g_free(config->state_dir);
    g_free(config->sandbox.worker);
    g_free(config->quarantine.audit_log);
    g_free(config->quarantine.delivery_mail);
    g_free(config->milter.socket);
    g_free(config->milter.user);
    g_free(config->watch.drop_dir);
    g_free(config->watch.out_dir);
    g_free(config->watch.work_dir);
    g_free(config->run_id);
    if (config->password)
      memset(config->password, 0, strlen(config->password));
    g_free(config->password);
    g_free(config->source);
    g_free(config);
  }
  return NULL;
}

static GMutex in_force_lock;
static MugaiSharedConfig *in_force;

MugaiSharedConfig *
mugai_config_in_force(void)
{
  MugaiSharedConfig *shared;

  g_mutex_lock(&in_force_lock);
  shared = in_force;
  if (shared)
    g_atomic_int_inc(&shared->ref);
  g_mutex_unlock(&in_force_lock);
  return shared;
}

void
mugai_shared_config_unref(MugaiSharedConfig *shared)
{
  if (shared && g_atomic_int_dec_and_test(&shared->ref)) {
    mugai_config_free(shared->config);
    g_free(shared);
  }
}

void
mugai_config_put_in_force(MugaiConfig *config)
{
  MugaiSharedConfig *shared = NULL, *old;

  if (config) {
    shared = g_new0(MugaiSharedConfig, 1);
    shared->ref = 1;
    shared->config = config;
  }
  g_mutex_lock(&in_force_lock);
  old = in_force;
  in_force = shared;
  g_mutex_unlock(&in_force_lock);
  mugai_shared_config_unref(old);
}

gboolean
mugai_parse_size(const char *text, guint64 *out)
{
  guint64 v, mult = 1;
  char *end = NULL;

  if (!text)
    return FALSE;
  while (g_ascii_isspace(*text))
    text++;
  if (!g_ascii_isdigit(*text))
    return FALSE;
  errno = 0;
  v = g_ascii_strtoull(text, &end, 10);
  if (errno)
    return FALSE;
  switch (g_ascii_tolower(*end)) {
  case 'k':
    mult = 1024;
    end++;
    break;
  case 'm':
    mult = 1024 * 1024;
    end++;
    break;
  case 'g':
    mult = 1024 * 1024 * 1024;
    end++;
    break;
  default:
    break;
  }
  if (mult > 1 && (*end == 'b' || *end == 'B'))
    end++;
  while (g_ascii_isspace(*end))
    end++;
  if (*end)
    return FALSE;
  if (v > G_MAXUINT64 / mult)
    return FALSE;
  *out = v * mult;
  return TRUE;
}

/* find_spec - the KeySpec for GROUP/KEY, or NULL */
static const KeySpec *
find_spec(const char *group, const char *key)
{
  for (gsize i = 0; i < G_N_ELEMENTS(key_specs); i++)
    if (!strcmp(key_specs[i].group, group) && !strcmp(key_specs[i].key, key))
      return &key_specs[i];
  return NULL;
}

/* apply_sandbox_key - one [sandbox] value, already checked */
static void
apply_sandbox_key(MugaiSandboxConfig *s, const char *key, guint64 n, char **value)
{
  if (!strcmp(key, "worker")) {
    g_free(s->worker);
    s->worker = g_steal_pointer(value);
  } else if (!strcmp(key, "pool_size"))
    s->pool_size = (guint)n;
  else if (!strcmp(key, "timeout"))
    s->timeout_ms = (guint)n * 1000;
  else if (!strcmp(key, "timeout_per_page"))
    s->timeout_per_page_ms = (guint)n * 1000;
  else if (!strcmp(key, "memory_limit"))
    s->memory_limit = n;
  else if (!strcmp(key, "max_pages"))
    s->max_pages = (guint)n;
  else if (!strcmp(key, "dpi"))
    s->dpi = (guint)n;
  else if (!strcmp(key, "max_page_pixels"))
    s->max_page_pixels = n;
  else if (!strcmp(key, "max_total_pixels"))
    s->max_total_pixels = n;
  else if (!strcmp(key, "on_failure"))
    s->hold_on_failure = n == 1;
  else if (!strcmp(key, "on_encrypted"))
    s->remove_encrypted = n == 1;
}

/* apply_archive_key - one [archive] value, already checked */
static void
apply_archive_key(MugaiArchiveConfig *a, const char *key, guint64 n)
{
  if (!strcmp(key, "max_members"))
    a->max_members = (guint)n;
  else if (!strcmp(key, "max_total_bytes"))
    a->max_total_bytes = n;
  else if (!strcmp(key, "max_member_bytes"))
    a->max_member_bytes = n;
  else if (!strcmp(key, "max_ratio"))
    a->max_ratio = (guint)n;
  else if (!strcmp(key, "on_encrypted"))
    a->remove_encrypted = n == 1;
}

/* apply_office_key - one [office] value, already checked */
static void
apply_office_key(MugaiOfficeConfig *o, const char *key, guint64 n)
{
  if (!strcmp(key, "converters"))
    o->converters = (guint)n;
  else if (!strcmp(key, "recycle_after"))
    o->recycle_after = (guint)n;
  else if (!strcmp(key, "timeout"))
    o->timeout_ms = (guint)n * 1000;
  else if (!strcmp(key, "memory_limit"))
    o->memory_limit = n;
  else if (!strcmp(key, "on_failure"))
    o->hold_on_failure = n == 1;
  else if (!strcmp(key, "on_encrypted"))
    o->remove_encrypted = n == 1;
}

/* apply_milter_key - one [milter] value, already checked */
static void
apply_milter_key(MugaiMilterConfig *m, const char *key, guint64 n, char **value)
{
  if (!strcmp(key, "socket")) {
    g_free(m->socket);
    m->socket = g_steal_pointer(value);
  } else if (!strcmp(key, "socket_mode"))
    m->socket_mode = (guint)n;
  else if (!strcmp(key, "user")) {
    g_free(m->user);
    m->user = g_steal_pointer(value);
  } else if (!strcmp(key, "timeout"))
    m->timeout_ms = (guint)n * 1000;
  else if (!strcmp(key, "on_internal_error"))
    m->on_internal_error = (MugaiFailurePolicy)n;
  else if (!strcmp(key, "on_timeout"))
    m->on_timeout = (MugaiFailurePolicy)n;
  else if (!strcmp(key, "on_oversize"))
    m->on_oversize = (MugaiFailurePolicy)n;
}

/* apply_watch_key - one [watch] value, already checked */
static void
apply_watch_key(MugaiWatchConfig *w, const char *key, guint64 n, char **value)
{
  if (!strcmp(key, "drop_dir")) {
    g_free(w->drop_dir);
    w->drop_dir = g_steal_pointer(value);
  } else if (!strcmp(key, "out_dir")) {
    g_free(w->out_dir);
    w->out_dir = g_steal_pointer(value);
  } else if (!strcmp(key, "work_dir")) {
    g_free(w->work_dir);
    w->work_dir = g_steal_pointer(value);
  } else if (!strcmp(key, "per_user"))
    w->per_user = n == 1;
  else if (!strcmp(key, "settle"))
    w->settle_ms = (guint)n;
  else if (!strcmp(key, "jobs"))
    w->jobs = (guint)n;
  else if (!strcmp(key, "max_depth"))
    w->max_depth = (guint)n;
  else if (!strcmp(key, "rescan"))
    w->rescan_s = (guint)n;
}

/* apply_key - parse one value into CONFIG, or fail naming the key */
static gboolean
apply_key(MugaiConfig *c, const KeySpec *spec, const char *raw, GError **error)
{
  g_autofree char *value = g_strstrip(g_strdup(raw));
  guint64 n = 0;

  switch (spec->kind) {
  case KEY_DAYS: {
    /* "90d" or "90": days. */
    gsize l = strlen(value);
    if (l > 1 && (value[l - 1] == 'd' || value[l - 1] == 'D'))
      value[--l] = 0;
    if (!l || !mugai_parse_size(value, &n) || !g_ascii_isdigit(value[l - 1])) {
      g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                  "[%s] %s: \"%s\" is not a number of days (e.g. 90d)", spec->group, spec->key,
                  raw);
      return FALSE;
    }
    if (n < spec->min || n > spec->max) {
      g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                  "[%s] %s: %s is outside %" G_GUINT64_FORMAT "..%" G_GUINT64_FORMAT " days",
                  spec->group, spec->key, value, spec->min, spec->max);
      return FALSE;
    }
    break;
  }
  case KEY_MAILER:
    /* Checked like delivery.c's mugai_delivery_check; the core does not
     * link the delivery code. */
    if (!(g_str_has_prefix(value, "smtp://") && value[7] && !strchr(value + 7, '/'))
        && !(g_str_has_prefix(value, "sendmail:") && g_path_is_absolute(value + 9))) {
      g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                  "[%s] %s: \"%s\" is neither smtp://HOST:PORT nor sendmail:/ABSOLUTE/PATH",
                  spec->group, spec->key, value);
      return FALSE;
    }
    break;
  case KEY_SOCKET:
    /* What libmilter's smfi_setconn accepts, with absolute paths. */
    if (!((g_str_has_prefix(value, "unix:") && g_path_is_absolute(value + 5))
          || (g_str_has_prefix(value, "local:") && g_path_is_absolute(value + 6))
          || ((g_str_has_prefix(value, "inet:") || g_str_has_prefix(value, "inet6:"))
              && g_ascii_isdigit(value[strchr(value, ':') - value + 1])))) {
      g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                  "[%s] %s: \"%s\" is neither unix:/ABSOLUTE/PATH nor inet:PORT@HOST", spec->group,
                  spec->key, value);
      return FALSE;
    }
    break;
  case KEY_MODE: {
    char *end = NULL;
    n = g_ascii_strtoull(value, &end, 8);
    if (!*value || *end || n > spec->max) {
      g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                  "[%s] %s: \"%s\" is not an octal mode (e.g. 0660)", spec->group, spec->key,
                  value);
      return FALSE;
    }
    break;
  }
  case KEY_USER: {
    gboolean good = *value && strlen(value) <= 32 && !g_ascii_isdigit(value[0]) && value[0] != '-';
    for (const char *q = value; good && *q; q++)
      good = g_ascii_isalnum(*q) || *q == '_' || *q == '-' || *q == '.';
    if (!good) {
      g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                  "[%s] %s: \"%s\" is not a user name", spec->group, spec->key, value);
      return FALSE;
    }
    break;
  }
  case KEY_SIZE:
  case KEY_UINT:
    if (!(spec->kind == KEY_SIZE
              ? mugai_parse_size(value, &n)
              : (mugai_parse_size(value, &n) && g_ascii_isdigit(value[strlen(value) - 1])))) {
      g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                  "[%s] %s: \"%s\" is not a %s", spec->group, spec->key, value,
                  spec->kind == KEY_SIZE ? "size (e.g. 64M)" : "whole number");
      return FALSE;
    }
    if (n < spec->min || n > spec->max) {
      g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                  "[%s] %s: %s is outside %" G_GUINT64_FORMAT "..%" G_GUINT64_FORMAT, spec->group,
                  spec->key, value, spec->min, spec->max);
      return FALSE;
    }
    break;
  case KEY_CHOICE: {
    gboolean found = FALSE;
    for (guint i = 0; spec->choices[i]; i++)
      if (!g_ascii_strcasecmp(value, spec->choices[i])) {
        n = i;
        found = TRUE;
      }
    if (!found) {
      g_autofree char *list = g_strjoinv(", ", (char **)spec->choices);
      g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                  "[%s] %s: \"%s\" is not one of %s", spec->group, spec->key, value, list);
      return FALSE;
    }
    break;
  }
  case KEY_PATH:
    if (!g_path_is_absolute(value)) {
      g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                  "[%s] %s: \"%s\" is not an absolute path", spec->group, spec->key, value);
      return FALSE;
    }
    break;
  }

  if (!strcmp(spec->group, "watch"))
    apply_watch_key(&c->watch, spec->key, n, &value);
  else if (!strcmp(spec->key, "max_message_size"))
    c->limits.max_message_size = n;
  else if (!strcmp(spec->key, "max_depth"))
    c->limits.max_depth = (guint)n;
  else if (!strcmp(spec->key, "max_parts"))
    c->limits.max_parts = (guint)n;
  else if (!strcmp(spec->key, "max_header_bytes"))
    c->limits.max_header_bytes = n;
  else if (!strcmp(spec->key, "max_text_bytes"))
    c->limits.max_text_bytes = n;
  else if (!strcmp(spec->key, "alternative"))
    c->prefer_html = n == 1;
  else if (!strcmp(spec->key, "output_charset"))
    c->out_charset = n == 1 ? MUGAI_OUTPUT_ISO2022JP : MUGAI_OUTPUT_UTF8;
  else if (!strcmp(spec->group, "milter"))
    apply_milter_key(&c->milter, spec->key, n, &value);
  else if (!strcmp(spec->group, "sandbox"))
    apply_sandbox_key(&c->sandbox, spec->key, n, &value);
  else if (!strcmp(spec->group, "archive"))
    apply_archive_key(&c->archive, spec->key, n);
  else if (!strcmp(spec->group, "office"))
    apply_office_key(&c->office, spec->key, n);
  else if (!strcmp(spec->group, "quarantine") && !strcmp(spec->key, "retention"))
    c->quarantine.retention_days = (guint)n;
  else if (!strcmp(spec->group, "quarantine") && !strcmp(spec->key, "allow_release"))
    c->quarantine.allow_release = n == 1;
  else if (!strcmp(spec->group, "delivery") && !strcmp(spec->key, "mail")) {
    g_free(c->quarantine.delivery_mail);
    c->quarantine.delivery_mail = g_steal_pointer(&value);
  } else if (!strcmp(spec->group, "audit") && !strcmp(spec->key, "log")) {
    g_free(c->quarantine.audit_log);
    c->quarantine.audit_log = g_steal_pointer(&value);
  } else if (!strcmp(spec->key, "state_dir")) {
    g_free(c->state_dir);
    c->state_dir = g_steal_pointer(&value);
  }
  return TRUE;
}

MugaiConfig *
mugai_config_load(const char *path, GError **error)
{
  g_autoptr(MugaiConfig) c = mugai_config_new_default();
  g_autoptr(GKeyFile) kf = g_key_file_new();
  g_auto(GStrv) groups = NULL;
  GError *local = NULL;

  if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &local)) {
    g_set_error(error, local->domain, local->code, "%s: %s", path, local->message);
    g_error_free(local);
    return NULL;
  }
  groups = g_key_file_get_groups(kf, NULL);
  for (guint g = 0; groups[g]; g++) {
    g_auto(GStrv) keys = g_key_file_get_keys(kf, groups[g], NULL, NULL);
    gboolean known_group = FALSE;

    if (g_strv_contains(foreign_groups, groups[g]))
      continue;
    for (gsize i = 0; i < G_N_ELEMENTS(key_specs); i++)
      known_group |= !strcmp(key_specs[i].group, groups[g]);
    if (!known_group) {
      g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_GROUP_NOT_FOUND,
                  "%s: unknown group [%s]", path, groups[g]);
      return NULL;
    }
    for (guint k = 0; keys && keys[k]; k++) {
      const KeySpec *spec = find_spec(groups[g], keys[k]);
      g_autofree char *raw = NULL;

      if (!spec) {
        g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND,
                    "%s: unknown key [%s] %s", path, groups[g], keys[k]);
        return NULL;
      }
      raw = g_key_file_get_string(kf, groups[g], keys[k], NULL);
      if (!raw || !apply_key(c, spec, raw, &local)) {
        g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE, "%s: %s", path,
                    local ? local->message : "unreadable value");
        g_clear_error(&local);
        return NULL;
      }
    }
  }
  c->source = g_strdup(path);
  return g_steal_pointer(&c);
}

char *
mugai_config_state_dir(const MugaiConfig *config)
{
  const char *env = g_getenv("MUGAI_STATE_DIR");

  if (env && *env)
    return g_strdup(env);
  if (config && config->state_dir)
    return g_strdup(config->state_dir);
  if (access(DEFAULT_STATE_DIR, W_OK) == 0)
    return g_strdup(DEFAULT_STATE_DIR);
  return g_build_filename(g_get_user_state_dir(), "mugai", NULL);
}
