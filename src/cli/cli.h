/*
 * cli.h - the mugai command's subcommands.
 */
#ifndef MUGAI_CLI_H
#define MUGAI_CLI_H

#include <glib.h>

#include "core/config.h"

/* mugai_cli_error - print "mugai: COMMAND: message" on one line; returns 1. */
int mugai_cli_error(const char *command, const char *format, ...) G_GNUC_PRINTF(2, 3);

/* mugai_cli_load_config - PATH or the built-in defaults (transfer full). */
MugaiConfig *mugai_cli_load_config(const char *command, const char *path);

/* mugai_cli_read_password_file - the first line of PATH ('-': standard
 * input), without its line end; a file larger than 4 KiB is refused.
 * (transfer full) */
char *mugai_cli_read_password_file(const char *path, GError **error);

int mugai_cmd_sanitize(int argc, char **argv);
int mugai_cmd_config(int argc, char **argv);
int mugai_cmd_view(int argc, char **argv);
/* cmd-quarantine.c */
int mugai_cmd_list(int argc, char **argv);
int mugai_cmd_show(int argc, char **argv);
int mugai_cmd_export(int argc, char **argv);
int mugai_cmd_purge(int argc, char **argv);
int mugai_cmd_stats(int argc, char **argv);
int mugai_cmd_audit(int argc, char **argv);
int mugai_cmd_reprocess(int argc, char **argv);
int mugai_cmd_release(int argc, char **argv);

#endif /* MUGAI_CLI_H */
