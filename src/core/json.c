/*
 * json.c - streaming JSON writer (see json.h).
 */
#include "core/json.h"

void
mugai_json_init(MugaiJson *j, GString *out, gboolean pretty)
{
  *j = (MugaiJson){ .out = out, .pretty = pretty };
}

/* newline - a line break and indentation in pretty mode */
static void
newline(MugaiJson *j)
{
  if (!j->pretty)
    return;
  g_string_append_c(j->out, '\n');
  for (guint i = 0; i < j->depth; i++)
    g_string_append(j->out, "  ");
}

/* before_value - the separator a new value or member needs */
static void
before_value(MugaiJson *j)
{
  if (j->after_key) {
    j->after_key = FALSE;
    return;
  }
  if (j->depth == 0)
    return;
  if (j->has_items[j->depth])
    g_string_append_c(j->out, ',');
  j->has_items[j->depth] = TRUE;
  newline(j);
}

/* json_open - start an object or array */
static void
json_open(MugaiJson *j, char c)
{
  before_value(j);
  g_string_append_c(j->out, c);
  g_return_if_fail(j->depth + 1 < MUGAI_JSON_MAX_DEPTH);
  j->depth++;
  j->has_items[j->depth] = FALSE;
}

/* json_close - end an object or array */
static void
json_close(MugaiJson *j, char c)
{
  gboolean had = j->has_items[j->depth];

  g_return_if_fail(j->depth > 0);
  j->depth--;
  if (had)
    newline(j);
  g_string_append_c(j->out, c);
}

void
mugai_json_begin_object(MugaiJson *j)
{
  json_open(j, '{');
}

void
mugai_json_end_object(MugaiJson *j)
{
  json_close(j, '}');
}

void
mugai_json_begin_array(MugaiJson *j)
{
  json_open(j, '[');
}

void
mugai_json_end_array(MugaiJson *j)
{
  json_close(j, ']');
}

void
mugai_json_escape(GString *out, const char *value)
{
  static const char hex[] = "0123456789abcdef";
  const char *p = value;

  g_string_append_c(out, '"');
  while (*p) {
    guchar c = (guchar)*p;
    if (c >= 0x80) {
      const char *end;
      gunichar u = g_utf8_get_char_validated(p, -1);
      if (u == (gunichar)-1 || u == (gunichar)-2) {
        g_string_append(out, "\xef\xbf\xbd");
        p++;
        continue;
      }
      end = g_utf8_next_char(p);
      g_string_append_len(out, p, end - p);
      p = end;
      continue;
    }
    switch (c) {
    case '"':
      g_string_append(out, "\\\"");
      break;
    case '\\':
      g_string_append(out, "\\\\");
      break;
    case '\n':
      g_string_append(out, "\\n");
      break;
    case '\r':
      g_string_append(out, "\\r");
      break;
    case '\t':
      g_string_append(out, "\\t");
      break;
    default:
      if (c < 0x20 || c == 0x7f) {
        g_string_append(out, "\\u00");
        g_string_append_c(out, hex[c >> 4]);
        g_string_append_c(out, hex[c & 15]);
      } else
        g_string_append_c(out, (char)c);
    }
    p++;
  }
  g_string_append_c(out, '"');
}

void
mugai_json_key(MugaiJson *j, const char *key)
{
  before_value(j);
  mugai_json_escape(j->out, key);
  g_string_append(j->out, j->pretty ? " : " : ":");
  j->after_key = TRUE;
}

void
mugai_json_string(MugaiJson *j, const char *value)
{
  before_value(j);
  if (value)
    mugai_json_escape(j->out, value);
  else
    g_string_append(j->out, "null");
}

void
mugai_json_int(MugaiJson *j, gint64 value)
{
  before_value(j);
  g_string_append_printf(j->out, "%" G_GINT64_FORMAT, value);
}

void
mugai_json_bool(MugaiJson *j, gboolean value)
{
  before_value(j);
  g_string_append(j->out, value ? "true" : "false");
}

void
mugai_json_member(MugaiJson *j, const char *key, const char *value)
{
  mugai_json_key(j, key);
  mugai_json_string(j, value);
}
