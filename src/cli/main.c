/*
 * main.c - the mugai command: one-shot sanitising (and, later, the
 * quarantine commands). A thin front end over core/sanitize.h.
 */
#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "cli/cli.h"
#include "core/util.h"

static const struct {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *summary;
} commands[] = {
  { "sanitize", mugai_cmd_sanitize, "sanitise a mail or a file" },
  { "view", mugai_cmd_view, "decode a sanitised mail for reading" },
  { "config", mugai_cmd_config, "show the configuration in force" },
  { "list", mugai_cmd_list, "list the quarantine" },
  { "show", mugai_cmd_show, "show one quarantine entry" },
  { "export", mugai_cmd_export, "write an original out of the quarantine" },
  { "purge", mugai_cmd_purge, "remove originals past retention" },
  { "stats", mugai_cmd_stats, "count entries by verdict, action and type" },
  { "audit", mugai_cmd_audit, "check the audit log (audit verify)" },
  { "reprocess", mugai_cmd_reprocess, "sanitise an original again and deliver it" },
  { "release", mugai_cmd_release, "deliver an unsanitised original (exceptional)" },
};

/* usage - the top-level help */
static void
usage(FILE *out)
{
  fprintf(out, "Usage: mugai COMMAND [OPTION...]\n\n"
               "mugai (無害) makes internet mail and files harmless for the LGWAN side.\n\n"
               "Commands:\n");
  for (gsize i = 0; i < G_N_ELEMENTS(commands); i++)
    fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf(out,
          "\n"
          "  mugai sanitize [-c CONFIG] [--as mail|file] INPUT -o OUTPUT [--report REPORT.json]\n"
          "  mugai sanitize [-c CONFIG] --batch -o OUTDIR INPUT...\n"
          "  mugai list [--state S] [--since T] [--from ADDR] [--json]\n"
          "  mugai show ID [--json] | mugai export ID -o FILE\n"
          "  mugai purge [--older-than DAYS] | mugai stats | mugai audit verify\n"
          "  mugai reprocess ID [--password-file F] | mugai release ID --reason TEXT\n\n"
          "Run 'mugai COMMAND --help' for a command's options. Exit status: 0 when a\n"
          "result was produced (whatever the verdict), 1 when none could be, 2 for a\n"
          "bad command line.\n");
}

int
mugai_cli_error(const char *command, const char *format, ...)
{
  va_list ap;
  g_autofree char *msg = NULL;

  va_start(ap, format);
  msg = mugai_one_line_vprintf(format, ap); /* one line: what and why */
  va_end(ap);
  fprintf(stderr, "mugai: %s%s%s\n", command ? command : "", command ? ": " : "", msg);
  return 1;
}

int
main(int argc, char **argv)
{
  setlocale(LC_ALL, "");
#ifndef __SANITIZE_ADDRESS__
  /* Not dumpable: no core file with mail in it, and a same-user process
   * (a converter on a kernel without Landlock, say) cannot read our memory
   * through /proc or ptrace. (Not under ASan: LeakSanitizer's exit check
   * needs to trace its own threads.) */
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
#endif
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
    usage(stdout);
    return 0;
  }
  if (!strcmp(argv[1], "--version")) {
    printf("mugai %s\n", MUGAI_VERSION);
    return 0;
  }
  for (gsize i = 0; i < G_N_ELEMENTS(commands); i++)
    if (!strcmp(argv[1], commands[i].name))
      return commands[i].run(argc - 1, argv + 1);
  mugai_cli_error(NULL, "unknown command \"%s\" (try mugai --help)", argv[1]);
  return 2;
}
