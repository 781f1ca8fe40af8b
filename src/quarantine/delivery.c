/*
 * delivery.c - SMTP to the relay, or a sendmail-compatible command.
 *
 * The envelope comes from the quarantine index, which the milter filled
 * from the SMTP session: it is checked again here so that no address can
 * smuggle a command into the SMTP dialogue or an option into sendmail's
 * argument vector (after "--" every word is a recipient, and there is no
 * shell to interpret anything).
 */
#include <string.h>

#include <gio/gio.h>

#include "quarantine/delivery.h"

#define SMTP_TIMEOUT_S 60

/* address_ok - an envelope address with nothing that could escape */
static gboolean
address_ok(const char *a, gboolean may_be_empty)
{
  if (!a || (!*a && !may_be_empty) || strlen(a) > 512 || !g_utf8_validate(a, -1, NULL))
    return FALSE;
  for (const char *p = a; *p; p++)
    if ((guchar)*p <= ' ' || *p == '<' || *p == '>' || *p == 0x7f)
      return FALSE;
  return *a != '-';
}

gboolean
mugai_delivery_check(const char *target, GError **error)
{
  if (target && g_str_has_prefix(target, "smtp://") && target[7] && !strchr(target + 7, '/'))
    return TRUE;
  if (target && g_str_has_prefix(target, "sendmail:") && g_path_is_absolute(target + 9))
    return TRUE;
  g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
              "\"%s\" is neither smtp://HOST:PORT nor sendmail:/ABSOLUTE/PATH",
              target ? target : "");
  return FALSE;
}

/* reply - read one SMTP reply (all its lines); its code, or 0 */
static int
reply(GDataInputStream *in, char **text, GError **error)
{
  for (;;) {
    gsize len = 0;
    g_autofree char *line = g_data_input_stream_read_line(in, &len, NULL, error);
    if (!line) {
      if (error && !*error)
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                    "the relay closed the connection");
      return 0;
    }
    g_strchomp(line);
    if (len < 3 || !g_ascii_isdigit(line[0]) || !g_ascii_isdigit(line[1])
        || !g_ascii_isdigit(line[2])) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "not an SMTP reply: %.80s", line);
      return 0;
    }
    if (line[3] != '-') {
      if (text)
        *text = g_strdup(line);
      return atoi(line);
    }
  }
}

/* command - send LINE (with CRLF) and expect a reply of class WANT (2, 3) */
static gboolean
command(GOutputStream *out, GDataInputStream *in, const char *line, int want, GError **error)
{
  g_autofree char *text = NULL;
  int code;

  if (line) {
    g_autofree char *full = g_strconcat(line, "\r\n", NULL);
    if (!g_output_stream_write_all(out, full, strlen(full), NULL, NULL, error))
      return FALSE;
  }
  code = reply(in, &text, error);
  if (!code)
    return FALSE;
  if (code / 100 != want) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "the relay answered %s%s%s: %s",
                line ? "\"" : "the greeting", line ? line : "", line ? "\"" : "", text);
    return FALSE;
  }
  return TRUE;
}

/* dot_stuffed - MESSAGE with CRLF line ends, leading dots doubled, and the
 * final "." line (transfer full) */
static GBytes *
dot_stuffed(GBytes *message)
{
  gsize len;
  const char *p = g_bytes_get_data(message, &len);
  GString *s = g_string_sized_new(len + len / 40 + 8);
  gboolean bol = TRUE;

  for (gsize i = 0; i < len; i++) {
    if (bol && p[i] == '.')
      g_string_append_c(s, '.');
    bol = FALSE;
    if (p[i] == '\r' && i + 1 < len && p[i + 1] == '\n')
      continue;
    if (p[i] == '\n') {
      g_string_append(s, "\r\n");
      bol = TRUE;
    } else
      g_string_append_c(s, p[i]);
  }
  if (!bol)
    g_string_append(s, "\r\n");
  g_string_append(s, ".\r\n");
  return g_string_free_to_bytes(s);
}

/* send_smtp - one transaction with the relay at HOSTPORT */
static gboolean
send_smtp(const char *hostport, const char *sender, const char *const *rcpts, GBytes *message,
          GError **error)
{
  g_autoptr(GSocketClient) client = g_socket_client_new();
  g_autoptr(GSocketConnection) conn = NULL;
  g_autoptr(GDataInputStream) in = NULL;
  g_autoptr(GBytes) data = dot_stuffed(message);
  g_autofree char *line = NULL;
  GOutputStream *out;
  gsize len;
  const void *p;

  g_socket_client_set_timeout(client, SMTP_TIMEOUT_S);
  conn = g_socket_client_connect_to_host(client, hostport, 25, NULL, error);
  if (!conn)
    return FALSE;
  in = g_data_input_stream_new(g_io_stream_get_input_stream(G_IO_STREAM(conn)));
  g_data_input_stream_set_newline_type(in, G_DATA_STREAM_NEWLINE_TYPE_ANY);
  out = g_io_stream_get_output_stream(G_IO_STREAM(conn));
  if (!command(out, in, NULL, 2, error))
    return FALSE;
  line = g_strdup_printf("EHLO %s", g_get_host_name());
  if (!command(out, in, line, 2, error))
    return FALSE;
  g_free(line);
  line = g_strdup_printf("MAIL FROM:<%s>", sender);
  if (!command(out, in, line, 2, error))
    return FALSE;
  for (guint i = 0; rcpts[i]; i++) {
    g_free(line);
    line = g_strdup_printf("RCPT TO:<%s>", rcpts[i]);
    if (!command(out, in, line, 2, error))
      return FALSE;
  }
  if (!command(out, in, "DATA", 3, error))
    return FALSE;
  p = g_bytes_get_data(data, &len);
  if (!g_output_stream_write_all(out, p, len, NULL, NULL, error)
      || !command(out, in, NULL, 2, error))
    return FALSE;
  /* The message is accepted; a failing QUIT changes nothing. */
  command(out, in, "QUIT", 2, NULL);
  return TRUE;
}

/* send_sendmail - PATH -i -f SENDER -- RCPT... with MESSAGE on stdin */
static gboolean
send_sendmail(const char *path, const char *sender, const char *const *rcpts, GBytes *message,
              GError **error)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new();
  g_autoptr(GSubprocess) proc = NULL;

  g_ptr_array_add(argv, (char *)path);
  g_ptr_array_add(argv, "-i");
  g_ptr_array_add(argv, "-f");
  g_ptr_array_add(argv, (char *)(*sender ? sender : "<>"));
  g_ptr_array_add(argv, "--");
  for (guint i = 0; rcpts[i]; i++)
    g_ptr_array_add(argv, (char *)rcpts[i]);
  g_ptr_array_add(argv, NULL);
  proc = g_subprocess_newv((const char *const *)argv->pdata, G_SUBPROCESS_FLAGS_STDIN_PIPE, error);
  if (!proc || !g_subprocess_communicate(proc, message, NULL, NULL, NULL, error))
    return FALSE;
  if (!g_subprocess_get_if_exited(proc) || g_subprocess_get_exit_status(proc) != 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s failed (%s %d)", path,
                g_subprocess_get_if_exited(proc) ? "exit status" : "signal",
                g_subprocess_get_if_exited(proc) ? g_subprocess_get_exit_status(proc)
                                                 : g_subprocess_get_term_sig(proc));
    return FALSE;
  }
  return TRUE;
}

gboolean
mugai_delivery_send_mail(const char *target, const char *sender, const char *const *recipients,
                         GBytes *message, GError **error)
{
  if (!mugai_delivery_check(target, error))
    return FALSE;
  if (!address_ok(sender ? sender : "", TRUE)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                "the envelope sender \"%s\" is not a deliverable address", sender);
    return FALSE;
  }
  if (!recipients || !recipients[0]) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "no envelope recipient");
    return FALSE;
  }
  for (guint i = 0; recipients[i]; i++)
    if (!address_ok(recipients[i], FALSE)) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                  "the envelope recipient \"%s\" is not a deliverable address", recipients[i]);
      return FALSE;
    }
  if (g_str_has_prefix(target, "smtp://"))
    return send_smtp(target + 7, sender ? sender : "", recipients, message, error);
  return send_sendmail(target + 9, sender ? sender : "", recipients, message, error);
}
