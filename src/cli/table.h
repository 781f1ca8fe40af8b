/*
 * table.h - aligned text tables for the terminal, in display columns: a
 * Japanese character takes two, so subjects line up.
 */
#ifndef MUGAI_CLI_TABLE_H
#define MUGAI_CLI_TABLE_H

#include <stdio.h>

#include <glib.h>

typedef struct _MugaiTable MugaiTable;

/* mugai_table_new - a table with N_COLUMNS headings (NULL terminated). */
MugaiTable *mugai_table_new(const char *const *headings);
/* mugai_table_add - one row of the table's column count; values are copied,
 * NULL shows as "-", and each is cut to MAX_WIDTH columns when that is set. */
void mugai_table_add(MugaiTable *t, const char *const *values);
void mugai_table_set_max_width(MugaiTable *t, guint column, guint max_width);
void mugai_table_print(const MugaiTable *t, FILE *out);
MugaiTable *mugai_table_free(MugaiTable *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MugaiTable, mugai_table_free)

/* mugai_display_width - columns UTF-8 TEXT takes on a terminal. */
guint mugai_display_width(const char *text);

#endif /* MUGAI_CLI_TABLE_H */
