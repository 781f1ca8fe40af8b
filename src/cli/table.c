/*
 * table.c - aligned text tables measured in display columns.
 *
 * printf's %-20s pads by bytes, which misaligns every row holding Japanese:
 * a kanji is three bytes of UTF-8 and two columns on the screen. Widths here
 * come from g_unichar_iswide (East Asian Wide and Fullwidth) and
 * g_unichar_iszerowidth (combining marks).
 */
#include <string.h>

#include "cli/table.h"

struct _MugaiTable {
  guint n_columns;
  GPtrArray *rows; /* of GStrv, the headings first */
  guint *max_width;
};

guint
mugai_display_width(const char *text)
{
  guint w = 0;

  for (const char *p = text; p && *p; p = g_utf8_next_char(p)) {
    gunichar c = g_utf8_get_char(p);
    if (g_unichar_iszerowidth(c))
      continue;
    w += g_unichar_iswide(c) ? 2 : 1;
  }
  return w;
}

MugaiTable *
mugai_table_new(const char *const *headings)
{
  MugaiTable *t = g_new0(MugaiTable, 1);

  t->n_columns = g_strv_length((char **)headings);
  t->rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
  t->max_width = g_new0(guint, t->n_columns);
  g_ptr_array_add(t->rows, g_strdupv((char **)headings));
  return t;
}

void
mugai_table_set_max_width(MugaiTable *t, guint column, guint max_width)
{
  g_return_if_fail(column < t->n_columns);
  t->max_width[column] = max_width;
}

/* clean_cell - VALUE on one line, valid UTF-8, cut to MAX columns (0: no
 * limit) with an ellipsis (transfer full) */
static char *
clean_cell(const char *value, guint max)
{
  g_autofree char *valid = g_utf8_make_valid(value ? value : "-", -1);
  gboolean cut = max && mugai_display_width(valid) > max;
  GString *s = g_string_new(NULL);
  guint w = 0;

  for (const char *p = valid; *p; p = g_utf8_next_char(p)) {
    gunichar c = g_utf8_get_char(p);
    guint cw;
    if (g_unichar_iscntrl(c))
      c = ' ';
    cw = g_unichar_iszerowidth(c) ? 0 : g_unichar_iswide(c) ? 2 : 1;
    if (cut && w + cw > max - 1)
      break;
    g_string_append_unichar(s, c);
    w += cw;
  }
  if (cut)
    g_string_append(s, "…");
  return g_string_free(s, FALSE);
}

void
mugai_table_add(MugaiTable *t, const char *const *values)
{
  char **row = g_new0(char *, t->n_columns + 1);

  for (guint i = 0; i < t->n_columns; i++)
    row[i] = clean_cell(values[i], t->max_width[i]);
  g_ptr_array_add(t->rows, row);
}

void
mugai_table_print(const MugaiTable *t, FILE *out)
{
  g_autofree guint *width = g_new0(guint, t->n_columns);

  for (guint r = 0; r < t->rows->len; r++) {
    char **row = g_ptr_array_index(t->rows, r);
    for (guint i = 0; i < t->n_columns; i++)
      width[i] = MAX(width[i], mugai_display_width(row[i]));
  }
  for (guint r = 0; r < t->rows->len; r++) {
    char **row = g_ptr_array_index(t->rows, r);
    GString *line = g_string_new(NULL);
    for (guint i = 0; i < t->n_columns; i++) {
      g_string_append(line, row[i]);
      if (i + 1 < t->n_columns)
        for (guint pad = mugai_display_width(row[i]); pad < width[i] + 2; pad++)
          g_string_append_c(line, ' ');
    }
    fprintf(out, "%s\n", line->str);
    g_string_free(line, TRUE);
  }
}

MugaiTable *
mugai_table_free(MugaiTable *t)
{
  if (t) {
    g_ptr_array_unref(t->rows);
    g_free(t->max_width);
    g_free(t);
  }
  return NULL;
}
