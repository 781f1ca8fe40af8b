/*
 * cmd-view.c - mugai view: read a sanitised mail as a person would.
 */
#include <stdio.h>

#include "cli/cli.h"
#include "mail/view.h"

int
mugai_cmd_view(int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GOptionContext) ctx = g_option_context_new("MAIL - decode a mail mugai wrote");
  g_autoptr(GMappedFile) map = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *text = NULL;
  gboolean strict = FALSE;
  GOptionEntry entries[] = {
    { "strict", 0, 0, G_OPTION_ARG_NONE, &strict,
      "Fail unless every part is text/plain in UTF-8 or ISO-2022-JP", NULL },
    { NULL },
  };

  g_option_context_add_main_entries(ctx, entries, NULL);
  if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
    mugai_cli_error("view", "%s", error->message);
    return 2;
  }
  if (argc != 2) {
    mugai_cli_error("view", "expected one MAIL file");
    return 2;
  }
  map = g_mapped_file_new(argv[1], FALSE, &error);
  if (!map)
    return mugai_cli_error("view", "%s", error->message);
  bytes = g_mapped_file_get_bytes(map);
  text = mugai_view_mail(bytes, strict, &error);
  if (!text)
    return mugai_cli_error("view", "%s: %s", argv[1], error->message);
  fputs(text, stdout);
  return 0;
}
