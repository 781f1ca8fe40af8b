/*
 * cmd-config.c - mugai config: the configuration in force, as an INI file.
 */
#include <stdio.h>

#include "cli/cli.h"
#include "sandbox/worker.h"

int
mugai_cmd_config(int argc, char **argv)
{
  g_autofree char *config_path = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(MugaiConfig) c = NULL;
  g_autofree char *state = NULL;
  g_autofree char *worker = NULL;
  GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path, "Configuration file", "CONFIG" },
    { NULL },
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new("- show the configuration in force");

  g_option_context_add_main_entries(ctx, entries, NULL);
  if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
    mugai_cli_error("config", "%s", error->message);
    return 2;
  }
  c = mugai_cli_load_config("config", config_path);
  if (!c)
    return 1;
  state = mugai_config_state_dir(c);
  printf("# %s\n", c->source ? c->source : "built-in defaults");
  printf("[paths]\nstate_dir = %s\n\n", state);
  printf("[limits]\nmax_message_size = %" G_GUINT64_FORMAT "\nmax_depth = %u\nmax_parts = %u\n"
         "max_header_bytes = %" G_GUINT64_FORMAT "\nmax_text_bytes = %" G_GUINT64_FORMAT "\n\n",
         c->limits.max_message_size, c->limits.max_depth, c->limits.max_parts,
         c->limits.max_header_bytes, c->limits.max_text_bytes);
  printf("[mail]\nalternative = %s\noutput_charset = %s\n", c->prefer_html ? "html" : "text",
         c->out_charset == MUGAI_OUTPUT_ISO2022JP ? "iso-2022-jp" : "utf-8");
  worker = mugai_sandbox_worker_path(c);
  if (c->sandbox.pool_size == 0)
    printf("\n[sandbox]\n# pool_size 0 means one per core: %u here\n", mugai_sandbox_pool_size(c));
  else
    printf("\n[sandbox]\n");
  printf("worker = %s\npool_size = %u\ntimeout = %u\ntimeout_per_page = %u\n"
         "memory_limit = %" G_GUINT64_FORMAT "\nmax_pages = %u\ndpi = %u\n"
         "max_page_pixels = %" G_GUINT64_FORMAT "\nmax_total_pixels = %" G_GUINT64_FORMAT
         "\non_failure = %s\non_encrypted = %s\n",
         worker, c->sandbox.pool_size, c->sandbox.timeout_ms / 1000,
         c->sandbox.timeout_per_page_ms / 1000, c->sandbox.memory_limit, c->sandbox.max_pages,
         c->sandbox.dpi, c->sandbox.max_page_pixels, c->sandbox.max_total_pixels,
         c->sandbox.hold_on_failure ? "hold" : "remove",
         c->sandbox.remove_encrypted ? "remove" : "hold");
  printf("\n[quarantine]\nretention = %ud\nallow_release = %s\n", c->quarantine.retention_days,
         c->quarantine.allow_release ? "true" : "false");
  if (c->quarantine.audit_log)
    printf("\n[audit]\nlog = %s\n", c->quarantine.audit_log);
  else
    printf("\n[audit]\n# log = %s/audit.log\n", state);
  if (c->quarantine.delivery_mail)
    printf("\n[delivery]\nmail = %s\n", c->quarantine.delivery_mail);
  else
    printf("\n[delivery]\n# mail: not set; reprocess and release need -o FILE\n");
  printf("\n[milter]\nsocket = %s\nsocket_mode = %04o\n", c->milter.socket, c->milter.socket_mode);
  if (c->milter.user)
    printf("user = %s\n", c->milter.user);
  else
    printf("# user: not set; mugai-milter keeps the user it was started as\n");
  printf("timeout = %u\non_internal_error = %s\non_timeout = %s\non_oversize = %s\n",
         c->milter.timeout_ms / 1000, mugai_failure_policy_name(c->milter.on_internal_error),
         mugai_failure_policy_name(c->milter.on_timeout),
         mugai_failure_policy_name(c->milter.on_oversize));
  printf("\n[watch]\n");
  if (c->watch.drop_dir)
    printf("drop_dir = %s\n", c->watch.drop_dir);
  else
    printf("# drop_dir: not set; mugai-watch needs it\n");
  if (c->watch.out_dir)
    printf("out_dir = %s\n", c->watch.out_dir);
  else
    printf("# out_dir: not set; mugai-watch needs it\n");
  if (c->watch.work_dir)
    printf("work_dir = %s\n", c->watch.work_dir);
  else
    printf("# work_dir: not set; <drop_dir>/.mugai-work\n");
  printf("per_user = %s\nsettle = %u\njobs = %u\nmax_depth = %u\nrescan = %u\n",
         c->watch.per_user ? "true" : "false", c->watch.settle_ms, c->watch.jobs,
         c->watch.max_depth, c->watch.rescan_s);
  return 0;
}
