/*
 * json.h - a small streaming JSON writer for reports and logs.
 *
 * json-glib builds a node tree and serialises it; for the report, which
 * mugai writes for every input, that was a tenth of the cost of a mail.
 * This writer appends to a GString directly. Strings are escaped; invalid
 * UTF-8 becomes U+FFFD so the output is always valid JSON.
 */
#ifndef MUGAI_CORE_JSON_H
#define MUGAI_CORE_JSON_H

#include <glib.h>

G_BEGIN_DECLS

#define MUGAI_JSON_MAX_DEPTH 32

typedef struct {
  GString *out;
  gboolean pretty;
  guint depth;
  gboolean has_items[MUGAI_JSON_MAX_DEPTH]; /* a member was written at this level */
  gboolean after_key;
} MugaiJson;

void mugai_json_init(MugaiJson *j, GString *out, gboolean pretty);
void mugai_json_begin_object(MugaiJson *j);
void mugai_json_end_object(MugaiJson *j);
void mugai_json_begin_array(MugaiJson *j);
void mugai_json_end_array(MugaiJson *j);
/* mugai_json_key - the next value's member name (inside an object). */
void mugai_json_key(MugaiJson *j, const char *key);
/* mugai_json_string - a string value, or null when VALUE is NULL. */
void mugai_json_string(MugaiJson *j, const char *value);
void mugai_json_int(MugaiJson *j, gint64 value);
void mugai_json_bool(MugaiJson *j, gboolean value);
/* mugai_json_member - key and string value in one call. */
void mugai_json_member(MugaiJson *j, const char *key, const char *value);

/* mugai_json_escape - VALUE as a JSON string literal, quotes included. */
void mugai_json_escape(GString *out, const char *value);

G_END_DECLS

#endif /* MUGAI_CORE_JSON_H */
