/*
 * cmd-quarantine.c - the operator's commands on the quarantine: list, show,
 * export, purge, stats, audit verify, reprocess and release.
 *
 * Each is a thin layer over quarantine/store.h and quarantine/audit.h.
 * Looking at an entry (show) and taking an original out (export) are
 * operator actions and so leave an audit line; listing and counting do not.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "cli/cli.h"
#include "cli/table.h"
#include "core/json.h"
#include "core/util.h"
#include "mail/mime.h"
#include "quarantine/audit.h"
#include "quarantine/delivery.h"
#include "quarantine/store.h"
#include "text/header.h"

/* parse_options - CTX over ARGV; FALSE after printing the error (exit 2) */
static gboolean
parse_options(const char *command, GOptionContext *ctx, GOptionEntry *entries, int *argc,
              char ***argv)
{
  g_autoptr(GError) error = NULL;

  g_option_context_add_main_entries(ctx, entries, NULL);
  if (!g_option_context_parse(ctx, argc, argv, &error)) {
    mugai_cli_error(command, "%s", error->message);
    return FALSE;
  }
  return TRUE;
}

/* open_store - the quarantine of CONFIG_PATH's configuration, or NULL after
 * printing why */
static MugaiStore *
open_store(const char *command, const char *config_path)
{
  g_autoptr(MugaiConfig) config = mugai_cli_load_config(command, config_path);
  g_autoptr(GError) error = NULL;
  MugaiStore *s;

  if (!config)
    return NULL;
  s = mugai_store_open(config, &error);
  if (!s)
    mugai_cli_error(command, "%s", error->message);
  return s;
}

/* parse_time - "2026-04-01", an ISO 8601 time, or "7d" / "12h" ago: Unix
 * seconds, or -1 */
static gint64
parse_time(const char *text)
{
  g_autoptr(GTimeZone) local = g_time_zone_new_local();
  g_autoptr(GDateTime) dt = NULL;
  gsize len = strlen(text);
  guint64 n;

  if (len > 1 && (text[len - 1] == 'd' || text[len - 1] == 'h')) {
    g_autofree char *num = g_strndup(text, len - 1);
    if (g_ascii_string_to_unsigned(num, 10, 0, 100000, &n, NULL))
      return g_get_real_time() / G_USEC_PER_SEC - (gint64)n * (text[len - 1] == 'd' ? 86400 : 3600);
    return -1;
  }
  if (len == 10) {
    g_autofree char *full = g_strconcat(text, "T00:00:00", NULL);
    dt = g_date_time_new_from_iso8601(full, local);
  } else
    dt = g_date_time_new_from_iso8601(text, local);
  return dt ? g_date_time_to_unix(dt) : -1;
}

/* format_time - Unix seconds as local "YYYY-MM-DD HH:MM:SS" (transfer full) */
static char *
format_time(gint64 t)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local(t);
  return dt ? g_date_time_format(dt, "%Y-%m-%d %H:%M:%S") : g_strdup("?");
}

/* iso_time - Unix seconds as UTC ISO 8601 (transfer full) */
static char *
iso_time(gint64 t)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(t);
  return dt ? g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ") : g_strdup("?");
}

/* entry_json - E's index fields as members of the open object */
static void
entry_json(MugaiJson *j, const MugaiEntry *e)
{
  g_autofree char *time = iso_time(e->time);
  g_autofree char *until = iso_time(e->retain_until);

  mugai_json_member(j, "id", e->id);
  mugai_json_member(j, "time", time);
  mugai_json_member(j, "source", e->source);
  mugai_json_member(j, "sender", e->sender);
  mugai_json_key(j, "recipients");
  mugai_json_begin_array(j);
  if (e->recipients) {
    g_auto(GStrv) r = g_strsplit(e->recipients, ",", -1);
    for (guint i = 0; r[i]; i++)
      mugai_json_string(j, r[i]);
  }
  mugai_json_end_array(j);
  mugai_json_member(j, "subject", e->subject);
  mugai_json_member(j, "message_id", e->message_id);
  mugai_json_member(j, "name", e->name);
  mugai_json_member(j, "kind", e->kind);
  mugai_json_key(j, "size");
  mugai_json_int(j, e->size);
  mugai_json_member(j, "sha256", e->sha256);
  mugai_json_member(j, "verdict", e->verdict);
  mugai_json_member(j, "state", e->state);
  mugai_json_member(j, "retain_until", until);
}

static const char *const states[]
    = { "delivered", "held", "reprocessed", "released", "purged", NULL };

int
mugai_cmd_list(int argc, char **argv)
{
  g_autofree char *config_path = NULL, *state = NULL, *since = NULL, *from = NULL;
  gboolean json = FALSE;
  int limit = 0;
  GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path, "Configuration file", "CONFIG" },
    { "state", 0, 0, G_OPTION_ARG_STRING, &state,
      "Only entries in this state (delivered, held, reprocessed, released, purged)", "S" },
    { "since", 0, 0, G_OPTION_ARG_STRING, &since,
      "Only entries from this time on (2026-04-01, an ISO 8601 time, or 7d / 12h ago)", "T" },
    { "from", 0, 0, G_OPTION_ARG_STRING, &from, "Only entries whose envelope sender contains ADDR",
      "ADDR" },
    { "limit", 'n', 0, G_OPTION_ARG_INT, &limit, "At most N entries, newest first", "N" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "JSON instead of a table", NULL },
    { NULL },
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new("- list the quarantine, newest first");
  g_autoptr(MugaiStore) store = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GError) error = NULL;
  MugaiStoreQuery q = { 0 };

  if (!parse_options("list", ctx, entries, &argc, &argv))
    return 2;
  if (argc != 1) {
    mugai_cli_error("list", "unexpected argument \"%s\"", argv[1]);
    return 2;
  }
  if (state && !g_strv_contains(states, state)) {
    mugai_cli_error("list",
                    "--state takes delivered, held, reprocessed, released or purged, not "
                    "\"%s\"",
                    state);
    return 2;
  }
  if (since && (q.since = parse_time(since)) < 0) {
    mugai_cli_error("list", "--since: \"%s\" is not a date, a time or a span like 7d", since);
    return 2;
  }
  if (limit < 0) {
    mugai_cli_error("list", "--limit takes a positive number");
    return 2;
  }
  q.state = state;
  q.sender = from;
  q.limit = (guint)limit;
  store = open_store("list", config_path);
  if (!store)
    return 1;
  list = mugai_store_list(store, &q, &error);
  if (!list)
    return mugai_cli_error("list", "%s", error->message);
  if (json) {
    g_autoptr(GString) out = g_string_new(NULL);
    MugaiJson j;
    mugai_json_init(&j, out, TRUE);
    mugai_json_begin_array(&j);
    for (guint i = 0; i < list->len; i++) {
      mugai_json_begin_object(&j);
      entry_json(&j, g_ptr_array_index(list, i));
      mugai_json_end_object(&j);
    }
    mugai_json_end_array(&j);
    printf("%s\n", out->str);
  } else {
    static const char *const head[]
        = { "ID", "TIME", "STATE", "VERDICT", "FROM", "SUBJECT / NAME", NULL };
    g_autoptr(MugaiTable) t = mugai_table_new(head);
    mugai_table_set_max_width(t, 4, 32);
    mugai_table_set_max_width(t, 5, 60);
    for (guint i = 0; i < list->len; i++) {
      const MugaiEntry *e = g_ptr_array_index(list, i);
      g_autofree char *time = format_time(e->time);
      const char *row[] = { e->id,      time,      e->state,
                            e->verdict, e->sender, e->subject && *e->subject ? e->subject : e->name,
                            NULL };
      mugai_table_add(t, row);
    }
    mugai_table_print(t, stdout);
  }
  return 0;
}

/* print_headers - the original mail's headers, decoded, as "Name: value" */
static void
print_headers(GBytes *original)
{
  static const char *const names[] = { "From", "To", "Cc", "Subject", "Date", "Message-ID" };
  g_autoptr(GMimeMessage) m = NULL;

  mugai_mime_init();
  m = mugai_mime_parse(original, NULL);
  if (!m)
    return;
  for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
    const char *raw = mugai_mime_raw_header(GMIME_OBJECT(m), names[i]);
    g_autofree char *v = NULL;
    if (!raw)
      continue;
    v = mugai_header_decode_text(raw, strlen(raw));
    printf("  %-11s %s\n", names[i], v);
  }
}

typedef struct {
  const char *id;
  GPtrArray *out;
} History;

/* history_line - a MugaiAuditLineFunc: LINE, if it is about the entry */
static gboolean
history_line(const char *line, gsize len, guint64 n, gpointer data, GError **error)
{
  History *h = data;
  g_autoptr(JsonParser) parser = NULL;
  JsonNode *root;

  /* Cheap test first: most lines are about other entries. */
  if (!g_strstr_len(line, (gssize)len, h->id))
    return TRUE;
  parser = json_parser_new();
  if (json_parser_load_from_data(parser, line, (gssize)len, NULL)
      && (root = json_parser_get_root(parser)) && JSON_NODE_HOLDS_OBJECT(root)
      && !g_strcmp0(
          json_object_get_string_member_with_default(json_node_get_object(root), "id", ""), h->id))
    g_ptr_array_add(h->out, json_object_ref(json_node_get_object(root)));
  return TRUE;
}

/* history - the audit lines about ID, in order (JsonObject *); an
 * unreadable log gives none */
static GPtrArray *
history(const char *log, const char *id)
{
  History h = { id, g_ptr_array_new_with_free_func((GDestroyNotify)json_object_unref) };

  (void)mugai_audit_foreach(log, history_line, &h, NULL);
  return h.out;
}

/* member - a string member of O, or "-" */
static const char *
member(JsonObject *o, const char *name)
{
  if (!json_object_has_member(o, name) || json_object_get_null_member(o, name))
    return "-";
  return json_object_get_string_member_with_default(o, name, "-");
}

/* audit_one - one operator action on ID; FALSE after printing why */
static gboolean
audit_one(const char *command, MugaiStore *store, const char *action, const char *id,
          const char *reason)
{
  g_autoptr(GError) error = NULL;
  MugaiAuditRecord rec = { action, id, reason, NULL };

  if (!mugai_audit_append(mugai_store_audit_path(store), &rec, 1, &error)) {
    mugai_cli_error(command, "%s: %s", id, error->message);
    return FALSE;
  }
  return TRUE;
}

int
mugai_cmd_show(int argc, char **argv)
{
  g_autofree char *config_path = NULL;
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path, "Configuration file", "CONFIG" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "JSON instead of text", NULL },
    { NULL },
  };
  g_autoptr(GOptionContext) ctx
      = g_option_context_new("ID - an entry: envelope, headers, items and history");
  g_autoptr(MugaiStore) store = NULL;
  g_autoptr(MugaiEntry) e = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) hist = NULL;
  g_autoptr(JsonParser) parser = json_parser_new();
  JsonObject *report = NULL;

  if (!parse_options("show", ctx, entries, &argc, &argv))
    return 2;
  if (argc != 2) {
    mugai_cli_error("show", "expected one ID");
    return 2;
  }
  store = open_store("show", config_path);
  if (!store)
    return 1;
  e = mugai_store_get(store, argv[1], &error);
  if (!e)
    return mugai_cli_error("show", "%s", error->message);
  if (!audit_one("show", store, "show", e->id, NULL))
    return 1;
  hist = history(mugai_store_audit_path(store), e->id);
  if (json_parser_load_from_data(parser, e->report, -1, NULL)
      && JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser)))
    report = json_node_get_object(json_parser_get_root(parser));

  if (json) {
    g_autoptr(JsonGenerator) gen = json_generator_new();
    g_autoptr(JsonNode) node = NULL;
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autoptr(GString) head = g_string_new(NULL);
    g_autoptr(JsonParser) hp = json_parser_new();
    g_autofree char *text = NULL;
    MugaiJson j;

    /* The index fields through the same writer as list --json. */
    mugai_json_init(&j, head, FALSE);
    mugai_json_begin_object(&j);
    entry_json(&j, e);
    mugai_json_end_object(&j);
    if (!json_parser_load_from_data(hp, head->str, -1, &error))
      return mugai_cli_error("show", "%s: %s", e->id, error->message);
    node = json_node_copy(json_parser_get_root(hp));
    json_object_set_member(json_node_get_object(node), "report",
                           report ? json_node_copy(json_parser_get_root(parser))
                                  : json_node_new(JSON_NODE_NULL));
    json_builder_begin_array(b);
    for (guint i = 0; i < hist->len; i++) {
      JsonNode *h = json_node_new(JSON_NODE_OBJECT);
      json_node_set_object(h, g_ptr_array_index(hist, i));
      json_builder_add_value(b, h);
    }
    json_builder_end_array(b);
    json_object_set_member(json_node_get_object(node), "history", json_builder_get_root(b));
    json_generator_set_root(gen, node);
    json_generator_set_pretty(gen, TRUE);
    text = json_generator_to_data(gen, NULL);
    printf("%s\n", text);
    return 0;
  }

  {
    g_autofree char *time = format_time(e->time);
    g_autofree char *until = format_time(e->retain_until);
    printf("id          %s\n"
           "time        %s\n"
           "source      %s\n"
           "sender      %s\n"
           "recipients  %s\n"
           "kind        %s\n"
           "name        %s\n"
           "size        %" G_GINT64_FORMAT " bytes\n"
           "sha256      %s\n"
           "verdict     %s\n"
           "state       %s\n"
           "kept until  %s\n",
           e->id, time, e->source, e->sender ? e->sender : "-", e->recipients ? e->recipients : "-",
           e->kind, e->name ? e->name : "-", e->size, e->sha256, e->verdict, e->state, until);
  }
  if (!strcmp(e->kind, "mail") && strcmp(e->state, "purged") != 0) {
    g_autoptr(GBytes) original = mugai_store_read_blob(store, e->sha256, &error);
    printf("\nheaders\n");
    if (original)
      print_headers(original);
    else {
      printf("  (%s)\n", error->message);
      g_clear_error(&error);
    }
  }
  if (report && json_object_has_member(report, "items")) {
    static const char *const head[] = { "PATH", "ACTION", "NAME", "TYPE", "REASON", NULL };
    g_autoptr(MugaiTable) t = mugai_table_new(head);
    JsonArray *items = json_object_get_array_member(report, "items");
    mugai_table_set_max_width(t, 2, 40);
    for (guint i = 0; items && i < json_array_get_length(items); i++) {
      JsonObject *it = json_array_get_object_element(items, i);
      const char *row[] = { member(it, "path"),          member(it, "action"), member(it, "name"),
                            member(it, "detected_type"), member(it, "reason"), NULL };
      mugai_table_add(t, row);
    }
    printf("\nitems\n");
    mugai_table_print(t, stdout);
  }
  {
    static const char *const head[] = { "TIME", "USER", "ACTION", "REASON", NULL };
    g_autoptr(MugaiTable) t = mugai_table_new(head);
    for (guint i = 0; i < hist->len; i++) {
      JsonObject *h = g_ptr_array_index(hist, i);
      const char *row[] = { member(h, "time"), member(h, "user"), member(h, "action"),
                            member(h, "reason"), NULL };
      mugai_table_add(t, row);
    }
    printf("\nhistory\n");
    mugai_table_print(t, stdout);
  }
  return 0;
}

int
mugai_cmd_export(int argc, char **argv)
{
  g_autofree char *config_path = NULL, *output = NULL, *reason = NULL;
  GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path, "Configuration file", "CONFIG" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "Where to write the original", "FILE" },
    { "reason", 0, 0, G_OPTION_ARG_STRING, &reason, "Why (recorded in the audit log)", "TEXT" },
    { NULL },
  };
  g_autoptr(GOptionContext) ctx
      = g_option_context_new("ID - write the unsanitised original to a file");
  g_autoptr(MugaiStore) store = NULL;
  g_autoptr(MugaiEntry) e = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) original = NULL;
  gsize len;
  const void *p;

  if (!parse_options("export", ctx, entries, &argc, &argv))
    return 2;
  if (argc != 2) {
    mugai_cli_error("export", "expected one ID");
    return 2;
  }
  if (!output) {
    mugai_cli_error("export", "missing -o FILE");
    return 2;
  }
  store = open_store("export", config_path);
  if (!store)
    return 1;
  e = mugai_store_get(store, argv[1], &error);
  if (!e)
    return mugai_cli_error("export", "%s", error->message);
  if (!strcmp(e->state, "purged"))
    return mugai_cli_error("export", "%s: purged; the original is gone", e->id);
  original = mugai_store_read_blob(store, e->sha256, &error);
  if (!original)
    return mugai_cli_error("export", "%s: %s", e->id, error->message);
  /* Audited before the original leaves the quarantine. */
  {
    g_autofree char *why
        = g_strdup_printf("to %s%s%s", output, reason ? ": " : "", reason ? reason : "");
    if (!audit_one("export", store, "export", e->id, why))
      return 1;
  }
  p = g_bytes_get_data(original, &len);
  if (!mugai_write_atomic_data(output, p, len, &error))
    return mugai_cli_error("export", "%s: %s", e->id, error->message);
  return 0;
}

int
mugai_cmd_purge(int argc, char **argv)
{
  g_autofree char *config_path = NULL;
  int older_than = 0;
  GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path, "Configuration file", "CONFIG" },
    { "older-than", 0, 0, G_OPTION_ARG_INT, &older_than,
      "Also purge entries older than DAYS, whatever their retention", "DAYS" },
    { NULL },
  };
  g_autoptr(GOptionContext) ctx
      = g_option_context_new("- remove originals past retention and blobs nothing refers to");
  g_autoptr(MugaiStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);
  guint blobs = 0, recovered = 0;

  if (!parse_options("purge", ctx, entries, &argc, &argv))
    return 2;
  if (argc != 1) {
    mugai_cli_error("purge", "unexpected argument \"%s\"", argv[1]);
    return 2;
  }
  if (older_than < 0) {
    mugai_cli_error("purge", "--older-than takes a positive number of days");
    return 2;
  }
  store = open_store("purge", config_path);
  if (!store)
    return 1;
  if (!mugai_store_purge(store, (guint)older_than, ids, &blobs, &recovered, &error))
    return mugai_cli_error("purge", "%s", error->message);
  if (recovered > 0)
    printf("wrote %u audit lines that killed writers had left missing\n", recovered);
  printf("purged %u entries, removed %u originals\n", ids->len, blobs);
  return 0;
}

/* count_item - ITEM's action and type into the tables */
static void
count_item(JsonObject *item, GHashTable *actions, GHashTable *types)
{
  const char *a = member(item, "action");
  const char *t = member(item, "detected_type");

  g_hash_table_insert(actions, g_strdup(a),
                      GUINT_TO_POINTER(GPOINTER_TO_UINT(g_hash_table_lookup(actions, a)) + 1));
  g_hash_table_insert(types, g_strdup(t),
                      GUINT_TO_POINTER(GPOINTER_TO_UINT(g_hash_table_lookup(types, t)) + 1));
}

/* compare_count - sort GHashTable keys by count, descending, then name */
static gint
compare_count(gconstpointer a, gconstpointer b, gpointer table)
{
  guint ca = GPOINTER_TO_UINT(g_hash_table_lookup(table, *(char *const *)a));
  guint cb = GPOINTER_TO_UINT(g_hash_table_lookup(table, *(char *const *)b));

  if (ca != cb)
    return ca > cb ? -1 : 1;
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* print_counts - one block of "name  count" lines, or a JSON object */
static void
print_counts(const char *title, GHashTable *table, MugaiJson *j)
{
  g_autofree gpointer *keys = g_hash_table_get_keys_as_array(table, NULL);
  guint n = g_hash_table_size(table);

  g_qsort_with_data(keys, (gint)n, sizeof *keys, compare_count, table);
  if (j) {
    mugai_json_key(j, title);
    mugai_json_begin_object(j);
    for (guint i = 0; i < n; i++) {
      mugai_json_key(j, keys[i]);
      mugai_json_int(j, GPOINTER_TO_UINT(g_hash_table_lookup(table, keys[i])));
    }
    mugai_json_end_object(j);
    return;
  }
  {
    const char *head[] = { title, "COUNT", NULL };
    g_autoptr(MugaiTable) t = mugai_table_new(head);
    for (guint i = 0; i < n; i++) {
      g_autofree char *c
          = g_strdup_printf("%u", GPOINTER_TO_UINT(g_hash_table_lookup(table, keys[i])));
      const char *row[] = { keys[i], c, NULL };
      mugai_table_add(t, row);
    }
    printf("\n");
    mugai_table_print(t, stdout);
  }
}

int
mugai_cmd_stats(int argc, char **argv)
{
  g_autofree char *config_path = NULL, *since = NULL;
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path, "Configuration file", "CONFIG" },
    { "since", 0, 0, G_OPTION_ARG_STRING, &since,
      "Count entries from this time on (2026-04-01, an ISO 8601 time, or 30d ago)", "T" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "JSON instead of tables", NULL },
    { NULL },
  };
  g_autoptr(GOptionContext) ctx
      = g_option_context_new("- counts by verdict, state, kind, action and type");
  g_autoptr(MugaiStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GHashTable) actions = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) types = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  MugaiStoreStats st;
  MugaiStoreQuery q = { 0 };

  if (!parse_options("stats", ctx, entries, &argc, &argv))
    return 2;
  if (argc != 1) {
    mugai_cli_error("stats", "unexpected argument \"%s\"", argv[1]);
    return 2;
  }
  if (since && (q.since = parse_time(since)) < 0) {
    mugai_cli_error("stats", "--since: \"%s\" is not a date, a time or a span like 30d", since);
    return 2;
  }
  store = open_store("stats", config_path);
  if (!store)
    return 1;
  if (!mugai_store_stats(store, q.since, &st, &error)) {
    mugai_store_stats_clear(&st);
    return mugai_cli_error("stats", "%s", error->message);
  }
  /* Actions and types are per item: counted from the reports. */
  list = mugai_store_list(store, &q, &error);
  if (!list) {
    mugai_store_stats_clear(&st);
    return mugai_cli_error("stats", "%s", error->message);
  }
  for (guint i = 0; i < list->len; i++) {
    const MugaiEntry *e = g_ptr_array_index(list, i);
    g_autoptr(JsonParser) parser = json_parser_new();
    JsonNode *root;
    JsonArray *items;
    if (!json_parser_load_from_data(parser, e->report, -1, NULL)
        || !(root = json_parser_get_root(parser)) || !JSON_NODE_HOLDS_OBJECT(root)
        || !json_object_has_member(json_node_get_object(root), "items"))
      continue;
    items = json_object_get_array_member(json_node_get_object(root), "items");
    for (guint k = 0; items && k < json_array_get_length(items); k++)
      count_item(json_array_get_object_element(items, k), actions, types);
  }
  if (json) {
    g_autoptr(GString) out = g_string_new(NULL);
    MugaiJson j;
    g_autofree char *from = q.since ? iso_time(q.since) : NULL;
    mugai_json_init(&j, out, TRUE);
    mugai_json_begin_object(&j);
    mugai_json_member(&j, "since", from);
    mugai_json_key(&j, "entries");
    mugai_json_int(&j, (gint64)st.entries);
    mugai_json_key(&j, "bytes");
    mugai_json_int(&j, (gint64)st.bytes);
    print_counts("verdict", st.by_verdict, &j);
    print_counts("state", st.by_state, &j);
    print_counts("kind", st.by_kind, &j);
    print_counts("action", actions, &j);
    print_counts("type", types, &j);
    mugai_json_end_object(&j);
    printf("%s\n", out->str);
  } else {
    g_autofree char *from = q.since ? format_time(q.since) : g_strdup("the beginning");
    printf("%" G_GUINT64_FORMAT " entries, %" G_GUINT64_FORMAT " bytes of originals, since %s\n",
           st.entries, st.bytes, from);
    print_counts("VERDICT", st.by_verdict, NULL);
    print_counts("STATE", st.by_state, NULL);
    print_counts("KIND", st.by_kind, NULL);
    print_counts("ACTION", actions, NULL);
    print_counts("TYPE", types, NULL);
  }
  mugai_store_stats_clear(&st);
  return 0;
}

int
mugai_cmd_audit(int argc, char **argv)
{
  g_autofree char *config_path = NULL, *log = NULL;
  GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path, "Configuration file", "CONFIG" },
    { "log", 0, 0, G_OPTION_ARG_FILENAME, &log, "The log to check (default: the configured one)",
      "FILE" },
    { NULL },
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new("verify - check the audit log's chain");
  g_autoptr(GError) error = NULL;
  g_autofree char *head = NULL;
  guint64 lines = 0, bad = 0, cut = 0;

  g_option_context_set_description(
      ctx, "Exit status: 0 when the chain holds, 1 when a line is broken (the first one is\n"
           "named), 2 for usage errors. An incomplete last line (its writer was killed while\n"
           "appending; the next append cuts it off and records that) is reported, and the\n"
           "chain of the lines before it decides.\n");
  if (!parse_options("audit", ctx, entries, &argc, &argv))
    return 2;
  if (argc != 2 || strcmp(argv[1], "verify") != 0) {
    mugai_cli_error("audit", "expected \"verify\"");
    return 2;
  }
  if (!log) {
    g_autoptr(MugaiConfig) config = mugai_cli_load_config("audit", config_path);
    g_autofree char *state = NULL;
    if (!config)
      return 1;
    state = mugai_config_state_dir(config);
    log = config->quarantine.audit_log ? g_strdup(config->quarantine.audit_log)
                                       : g_build_filename(state, "audit.log", NULL);
  }
  if (!mugai_audit_verify(log, &lines, &bad, &cut, &head, &error))
    return mugai_cli_error("audit", "%s: %s", log, error->message);
  printf("%s: %" G_GUINT64_FORMAT " lines, chain holds; last line SHA-256 %s\n", log, lines, head);
  if (cut > 0)
    printf("%s: then an incomplete line of %" G_GUINT64_FORMAT
           " bytes, left by a writer killed while appending; the next append removes it and "
           "records a repair line\n",
           log, cut);
  return 0;
}

/* can_deliver - whether entry E can be delivered (to OUTPUT when given):
 * checked before anything is done */
static gboolean
can_deliver(const MugaiConfig *config, const MugaiEntry *e, const char *output, GError **error)
{
  if (output)
    return TRUE;
  if (strcmp(e->kind, "mail") != 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                "a file is delivered with -o FILE (mugai-watch does not take files back into its "
                "out folder)");
    return FALSE;
  }
  if (!e->recipients || !*e->recipients) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                "no envelope recipients are known (stored by mugai sanitize); use -o FILE");
    return FALSE;
  }
  if (!config->quarantine.delivery_mail) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                "[delivery] mail is not configured; use -o FILE");
    return FALSE;
  }
  return TRUE;
}

/* deliver - MESSAGE where entry E was going: OUTPUT when given, else the
 * envelope recipients through [delivery] mail (can_deliver said so). *WHERE
 * says where it went (transfer full). */
static gboolean
deliver(const MugaiConfig *config, const MugaiEntry *e, GBytes *message, const char *output,
        char **where, GError **error)
{
  g_auto(GStrv) rcpts = NULL;
  gsize len;
  const void *p;

  if (output) {
    p = g_bytes_get_data(message, &len);
    if (!mugai_write_atomic_data(output, p, len, error))
      return FALSE;
    *where = g_strdup(output);
    return TRUE;
  }
  if (!can_deliver(config, e, output, error))
    return FALSE;
  rcpts = g_strsplit(e->recipients, ",", -1);
  if (!mugai_delivery_send_mail(config->quarantine.delivery_mail, e->sender ? e->sender : "",
                                (const char *const *)rcpts, message, error))
    return FALSE;
  *where = g_strdup_printf("%s via %s", e->recipients, config->quarantine.delivery_mail);
  return TRUE;
}

/* live_entry - entry ID with its original, or NULL after printing why */
static MugaiEntry *
live_entry(const char *command, MugaiStore *store, const char *id, GBytes **original)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MugaiEntry) e = mugai_store_get(store, id, &error);

  if (!e) {
    mugai_cli_error(command, "%s", error->message);
    return NULL;
  }
  if (!strcmp(e->state, "purged")) {
    mugai_cli_error(command, "%s: purged; the original is gone", e->id);
    return NULL;
  }
  *original = mugai_store_read_blob(store, e->sha256, &error);
  if (!*original) {
    mugai_cli_error(command, "%s: %s", e->id, error->message);
    return NULL;
  }
  return g_steal_pointer(&e);
}

int
mugai_cmd_reprocess(int argc, char **argv)
{
  g_autofree char *config_path = NULL, *password = NULL, *password_file = NULL, *output = NULL;
  GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path, "Configuration file", "CONFIG" },
    { "password", 0, 0, G_OPTION_ARG_STRING, &password,
      "Open encrypted archives and documents with this password (visible in the process list: "
      "prefer --password-file)",
      "PW" },
    { "password-file", 0, 0, G_OPTION_ARG_FILENAME, &password_file,
      "Read the password from the first line of FILE ('-': standard input)", "FILE" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
      "Write the new result here instead of delivering it", "FILE" },
    { NULL },
  };
  g_autoptr(GOptionContext) ctx
      = g_option_context_new("ID - sanitise an original again and deliver the new result");
  g_autoptr(MugaiConfig) config = NULL;
  g_autoptr(MugaiStore) store = NULL;
  g_autoptr(MugaiEntry) e = NULL;
  g_autoptr(GBytes) original = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(MugaiResult) r = NULL;
  g_autoptr(MugaiStoreBatch) batch = NULL;
  g_auto(GStrv) rcpts = NULL;
  g_autofree char *where = NULL, *why = NULL;
  const char *verdict;

  if (!parse_options("reprocess", ctx, entries, &argc, &argv))
    return 2;
  if (argc != 2) {
    mugai_cli_error("reprocess", "expected one ID");
    return 2;
  }
  if (password && password_file) {
    mugai_cli_error("reprocess", "--password and --password-file exclude each other");
    return 2;
  }
  config = mugai_cli_load_config("reprocess", config_path);
  if (!config)
    return 1;
  if (password_file) {
    config->password = mugai_cli_read_password_file(password_file, &error);
    if (!config->password)
      return mugai_cli_error("reprocess", "%s", error->message);
  } else if (password)
    config->password = g_strdup(password);
  store = mugai_store_open(config, &error);
  if (!store)
    return mugai_cli_error("reprocess", "%s", error->message);
  e = live_entry("reprocess", store, argv[1], &original);
  if (!e)
    return 1;
  if (!can_deliver(config, e, output, &error))
    return mugai_cli_error("reprocess", "%s: %s", e->id, error->message);
  r = mugai_sanitize_bytes(config, original, e->name,
                           !strcmp(e->kind, "mail") ? MUGAI_INPUT_MAIL : MUGAI_INPUT_FILE, &error);
  if (!r)
    return mugai_cli_error("reprocess", "%s: %s", e->id, error->message);
  /* The new result is an entry of its own, stored before it is delivered. */
  rcpts = e->recipients ? g_strsplit(e->recipients, ",", -1) : NULL;
  batch = mugai_store_batch_new(store);
  if (!mugai_store_batch_add(batch, r, original, "reprocess", e->sender, (const char *const *)rcpts,
                             &error)
      || !mugai_store_batch_commit(batch, &error))
    return mugai_cli_error("reprocess", "%s: %s", e->id, error->message);
  verdict = mugai_verdict_name(mugai_result_get_verdict(r));
  if (mugai_result_get_verdict(r) != MUGAI_VERDICT_DELIVERED) {
    why = g_strdup_printf("as %s: verdict %s, nothing delivered", mugai_result_get_id(r), verdict);
    audit_one("reprocess", store, "reprocess", e->id, why);
    return mugai_cli_error("reprocess", "%s: %s", e->id, why);
  }
  if (!deliver(config, e, mugai_result_get_output(r), output, &where, &error)) {
    why = g_strdup_printf("as %s: delivery failed: %s", mugai_result_get_id(r), error->message);
    audit_one("reprocess", store, "reprocess-failed", e->id, why);
    return mugai_cli_error("reprocess", "%s: %s", e->id, error->message);
  }
  why = g_strdup_printf("as %s, delivered to %s", mugai_result_get_id(r), where);
  if (!audit_one("reprocess", store, "reprocess", e->id, why))
    return 1;
  if (!mugai_store_set_state(store, e->id, "reprocessed", &error))
    return mugai_cli_error("reprocess", "%s: %s", e->id, error->message);
  printf("%s: reprocessed as %s (verdict %s), delivered to %s\n", e->id, mugai_result_get_id(r),
         verdict, where);
  return 0;
}

int
mugai_cmd_release(int argc, char **argv)
{
  g_autofree char *config_path = NULL, *reason = NULL, *output = NULL;
  GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path, "Configuration file", "CONFIG" },
    { "reason", 0, 0, G_OPTION_ARG_STRING, &reason, "Why (required; recorded in the audit log)",
      "TEXT" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
      "Write the original here instead of delivering it", "FILE" },
    { NULL },
  };
  g_autoptr(GOptionContext) ctx
      = g_option_context_new("ID - deliver the UNSANITISED original (the exceptional path)");
  g_autoptr(MugaiConfig) config = NULL;
  g_autoptr(MugaiStore) store = NULL;
  g_autoptr(MugaiEntry) e = NULL;
  g_autoptr(GBytes) original = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *where = NULL, *why = NULL;

  if (!parse_options("release", ctx, entries, &argc, &argv))
    return 2;
  if (argc != 2) {
    mugai_cli_error("release", "expected one ID");
    return 2;
  }
  if (!reason || !*g_strstrip(reason)) {
    mugai_cli_error("release", "%s: a release needs --reason TEXT", argv[1]);
    return 2;
  }
  config = mugai_cli_load_config("release", config_path);
  if (!config)
    return 1;
  if (!config->quarantine.allow_release)
    return mugai_cli_error("release",
                           "%s: releasing originals is disabled ([quarantine] allow_release = "
                           "false)",
                           argv[1]);
  store = mugai_store_open(config, &error);
  if (!store)
    return mugai_cli_error("release", "%s", error->message);
  e = live_entry("release", store, argv[1], &original);
  if (!e)
    return 1;
  if (!can_deliver(config, e, output, &error))
    return mugai_cli_error("release", "%s: %s", e->id, error->message);
  /* Audited before the original leaves the quarantine. */
  if (!audit_one("release", store, "release", e->id, reason))
    return 1;
  if (!deliver(config, e, original, output, &where, &error)) {
    why = g_strdup_printf("delivery failed: %s", error->message);
    audit_one("release", store, "release-failed", e->id, why);
    return mugai_cli_error("release", "%s: %s", e->id, error->message);
  }
  if (!mugai_store_set_state(store, e->id, "released", &error))
    return mugai_cli_error("release", "%s: %s", e->id, error->message);
  printf("%s: released unsanitised to %s\n", e->id, where);
  return 0;
}
