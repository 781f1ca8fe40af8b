/*
 * session.c - the libmilter callbacks: one context per connection and one
 * per message.
 *
 * A message is spooled to an unlinked file in <state_dir>/spool as it
 * arrives (headers as received, then the body), never held whole in memory.
 * At end of message the pipeline runs against a deadline ([milter]
 * timeout); the original is stored in the quarantine (group commit, committer.h) before
 * any reply; then every original header is deleted, the sanitised headers
 * added and the body replaced, so that the delivered message is exactly the
 * sanitised one. Whatever fails is answered by the failure policy of its
 * class, never by accepting the message unsanitised.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <gio/gio.h>

#include "core/sanitize.h"
#include "core/util.h"
#include "milter/milter.h"

/* Bytes gathered before a write to the spool file. */
#define SPOOL_BUFFER (64 << 10)
/* Chunks of the replaced body; libmilter caps one at 64 KiB. */
#define BODY_CHUNK (60 << 10)

typedef enum { FAIL_INTERNAL, FAIL_TIMEOUT, FAIL_OVERSIZE } FailClass;

typedef struct {
  MugaiSharedConfig *mc;
  char *sender;
  GPtrArray *recipients; /* char *, NULL terminated */
  GPtrArray *headers;    /* names as received, for deleting them */
  int fd;                /* the spool file, unlinked */
  GString *buf;          /* not yet written to FD */
  guint64 size;          /* bytes spooled, buffered included */
  gboolean oversize;
  gboolean spool_failed;
  int spool_errno;
} Message;

typedef struct {
  gboolean leadspc; /* header values come (and go back) with their leading space */
  unsigned long nr; /* SMFIP_NR_* negotiated: steps the MTA does not wait on */
  Message *msg;
} Connection;

/* message_end - MSG freed and no longer counted as in flight */
static void
message_end(Connection *conn)
{
  Message *m = conn ? conn->msg : NULL;

  if (!m)
    return;
  conn->msg = NULL;
  mugai_shared_config_unref(m->mc);
  g_free(m->sender);
  g_ptr_array_unref(m->recipients);
  g_ptr_array_unref(m->headers);
  if (m->fd >= 0)
    close(m->fd);
  g_string_free(m->buf, TRUE);
  g_free(m);
  g_mutex_lock(&milter_state.lock);
  if (--milter_state.in_flight == 0)
    g_cond_broadcast(&milter_state.idle);
  g_mutex_unlock(&milter_state.lock);
}

/* spool_open - an unlinked file in the spool directory */
static int
spool_open(void)
{
  g_autofree char *tmpl = NULL;
  int fd = open(milter_state.spool_dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

  if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL))
    return fd;
  /* A file system without O_TMPFILE: a named file, unlinked at once. */
  tmpl = g_build_filename(milter_state.spool_dir, "msg-XXXXXX", NULL);
  fd = g_mkstemp_full(tmpl, O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0)
    unlink(tmpl);
  return fd;
}

/* spool_flush - the buffer written to the spool file */
static gboolean
spool_flush(Message *m)
{
  gsize done = 0;

  while (!m->spool_failed && done < m->buf->len) {
    ssize_t n = write(m->fd, m->buf->str + done, m->buf->len - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      m->spool_failed = TRUE;
      m->spool_errno = n < 0 ? errno : EIO;
      break;
    }
    done += (gsize)n;
  }
  g_string_truncate(m->buf, 0);
  return !m->spool_failed;
}

/* spool - LEN bytes of the message. Past the size limit nothing more is
 * kept unless the oversize policy holds the message (then the whole of it
 * is spooled, to disk, bounded by Postfix's message_size_limit). */
static void
spool(Message *m, const void *data, gsize len)
{
  const MugaiConfig *c = m->mc->config;

  m->size += len;
  if (m->size > c->limits.max_message_size) {
    m->oversize = TRUE;
    if (c->milter.on_oversize != MUGAI_POLICY_HOLD)
      return;
  }
  g_string_append_len(m->buf, data, (gssize)len);
  if (m->buf->len >= SPOOL_BUFFER)
    spool_flush(m);
}

static Connection *
connection(SMFICTX *ctx)
{
  Connection *conn = smfi_getpriv(ctx);

  if (!conn) {
    conn = g_new0(Connection, 1);
    smfi_setpriv(ctx, conn);
  }
  return conn;
}

static sfsistat
on_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2, unsigned long f3,
             unsigned long *pf0, unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
  const unsigned long want = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_CHGBODY;
  Connection *conn = connection(ctx);

  (void)f2;
  (void)f3;
  if ((f0 & want) != want) {
    milter_log(LOG_ERR, "the MTA does not offer header and body changes; refusing");
    return SMFIS_REJECT;
  }
  *pf0 = want | (f0 & SMFIF_SETSYMLIST);
  /* Only MAIL, RCPT, DATA, headers and body matter; the MTA need not send
   * the rest. No reply to the steps that are always CONTINUE: a round trip
   * for each of thirty headers was the largest cost of a small message.
   * Headers come in a burst the MTA flushes at once; RCPT, DATA and end of
   * headers are single small writes between SMTP commands, which on TCP
   * (Postfix does not set TCP_NODELAY) meet delayed ACK and stall 40 ms
   * with no reply to flush them, so those three go without replies only on
   * a unix socket. MAIL keeps its reply (a stopping daemon refuses there),
   * and so do body chunks (an oversize message is refused there). */
  *pf1 = f1
         & (SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOUNKNOWN | SMFIP_HDR_LEADSPC | SMFIP_NR_HDR
            | (milter_state.unix_socket ? SMFIP_NR_RCPT | SMFIP_NR_DATA | SMFIP_NR_EOH : 0));
  *pf2 = 0;
  *pf3 = 0;
  conn->leadspc = (*pf1 & SMFIP_HDR_LEADSPC) != 0;
  conn->nr = *pf1 & (SMFIP_NR_HDR | SMFIP_NR_RCPT | SMFIP_NR_DATA | SMFIP_NR_EOH);
  if (*pf0 & SMFIF_SETSYMLIST)
    smfi_setsymlist(ctx, SMFIM_EOM, "i");
  return SMFIS_CONTINUE;
}

/* address - an envelope address without its angle brackets (transfer full) */
static char *
address(const char *arg)
{
  gsize n;

  if (!arg)
    return g_strdup("");
  n = strlen(arg);
  if (n >= 2 && arg[0] == '<' && arg[n - 1] == '>')
    return g_strndup(arg + 1, n - 2);
  return g_strdup(arg);
}

static sfsistat
on_envfrom(SMFICTX *ctx, char **argv)
{
  Connection *conn = connection(ctx);
  Message *m;
  int fd;

  message_end(conn); /* a message the MTA abandoned without ABORT */
  g_mutex_lock(&milter_state.lock);
  if (milter_state.stopping) {
    g_mutex_unlock(&milter_state.lock);
    smfi_setreply(ctx, "451", "4.3.2", "mugai: the sanitiser is restarting; try again later");
    return SMFIS_TEMPFAIL;
  }
  milter_state.in_flight++;
  g_mutex_unlock(&milter_state.lock);

  m = g_new0(Message, 1);
  m->fd = -1;
  m->mc = mugai_config_in_force();
  m->sender = address(argv ? argv[0] : NULL);
  m->recipients = g_ptr_array_new_with_free_func(g_free);
  g_ptr_array_add(m->recipients, NULL);
  m->headers = g_ptr_array_new_with_free_func(g_free);
  m->buf = g_string_sized_new(SPOOL_BUFFER + 8192);
  conn->msg = m;
  fd = spool_open();
  if (fd < 0) {
    int saved = errno;
    milter_log(LOG_ERR, "cannot create a spool file in %s: %s", milter_state.spool_dir,
               g_strerror(saved));
    message_end(conn);
    smfi_setreply(ctx, "451", "4.3.0", "mugai: message could not be sanitised; try again later");
    return SMFIS_TEMPFAIL;
  }
  m->fd = fd;
  return SMFIS_CONTINUE;
}

static sfsistat
on_envrcpt(SMFICTX *ctx, char **argv)
{
  Connection *conn = connection(ctx);
  Message *m = conn->msg;

  if (m && argv && argv[0])
    g_ptr_array_insert(m->recipients, (gint)m->recipients->len - 1, address(argv[0]));
  return conn->nr & SMFIP_NR_RCPT ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat
on_data(SMFICTX *ctx)
{
  return connection(ctx)->nr & SMFIP_NR_DATA ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat
on_header(SMFICTX *ctx, char *name, char *value)
{
  Connection *conn = connection(ctx);
  Message *m = conn->msg;

  if (!m || !name)
    return conn->nr & SMFIP_NR_HDR ? SMFIS_NOREPLY : SMFIS_CONTINUE;
  g_ptr_array_add(m->headers, g_strdup(name));
  spool(m, name, strlen(name));
  spool(m, conn->leadspc ? ":" : ": ", conn->leadspc ? 1 : 2);
  /* Folded values come with bare LF; the spool keeps CRLF throughout. */
  for (const char *p = value ? value : ""; *p;) {
    const char *lf = strchr(p, '\n');
    gsize n = lf ? (gsize)(lf - p) : strlen(p);
    if (n > 0 && p[n - 1] == '\r')
      n--;
    spool(m, p, n);
    if (!lf)
      break;
    spool(m, "\r\n", 2);
    p = lf + 1;
  }
  spool(m, "\r\n", 2);
  return conn->nr & SMFIP_NR_HDR ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat
on_eoh(SMFICTX *ctx)
{
  Connection *conn = connection(ctx);

  if (conn->msg)
    spool(conn->msg, "\r\n", 2);
  return conn->nr & SMFIP_NR_EOH ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

/* oversize_reply - the size limit, answered at once unless held */
static sfsistat
oversize_reply(SMFICTX *ctx, Connection *conn)
{
  Message *m = conn->msg;
  guint64 limit = m->mc->config->limits.max_message_size;
  g_autofree char *text = NULL;
  sfsistat st;

  if (m->mc->config->milter.on_oversize == MUGAI_POLICY_REJECT) {
    text = g_strdup_printf(
        "mugai: message size exceeds the sanitiser's limit of %" G_GUINT64_FORMAT " bytes", limit);
    smfi_setreply(ctx, "552", "5.3.4", text);
    st = SMFIS_REJECT;
  } else {
    text = g_strdup_printf("mugai: message larger than %" G_GUINT64_FORMAT " bytes", limit);
    smfi_setreply(ctx, "452", "4.3.4", text);
    st = SMFIS_TEMPFAIL;
  }
  milter_log(LOG_NOTICE, "%s: from=<%s> failure=oversize policy=%s size>%" G_GUINT64_FORMAT,
             smfi_getsymval(ctx, "i") ? smfi_getsymval(ctx, "i") : "NOQUEUE", m->sender,
             mugai_failure_policy_name(m->mc->config->milter.on_oversize), limit);
  message_end(conn);
  return st;
}

static sfsistat
on_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
  Connection *conn = connection(ctx);
  Message *m = conn->msg;

  if (!m)
    return SMFIS_CONTINUE;
  spool(m, chunk, len);
  if (m->oversize && m->mc->config->milter.on_oversize != MUGAI_POLICY_HOLD)
    return oversize_reply(ctx, conn);
  return SMFIS_CONTINUE;
}

/* read_spool - the whole spooled message (transfer full) */
static GBytes *
read_spool(int fd, GError **error)
{
  struct stat st;

  if (fstat(fd, &st) != 0) {
    int saved = errno;
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved), "the spool file: %s",
                g_strerror(saved));
    return NULL;
  }
  return mugai_read_fd(fd, (gsize)st.st_size, "the spool file", error);
}

/* store_original - ORIGINAL of R (the spooled message, read here when
 * NULL) into the quarantine, durably */
static gboolean
store_original(Message *m, MugaiResult *r, GBytes *original, GError **error)
{
  g_autoptr(GBytes) read = NULL;

  if (milter_state.fault == MILTER_FAULT_STORE) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "injected fault (MUGAI_MILTER_FAULT)");
    return FALSE;
  }
  if (!original && !(original = read = read_spool(m->fd, error)))
    return FALSE;
  return mugai_committer_store(milter_state.committer, r, original, "milter", m->sender,
                               (const char *const *)m->recipients->pdata, error);
}

/* header_value - the value of the header starting at P (its name NAMELEN
 * bytes), up to END: folded lines kept with LF, the leading space dropped
 * unless the MTA takes it as is (transfer full) */
static char *
header_value(const char *p, const char *end, gboolean leadspc)
{
  GString *v = g_string_new(NULL);

  if (!leadspc && p < end && (*p == ' ' || *p == '\t'))
    p++;
  for (; p < end; p++)
    if (*p != '\r')
      g_string_append_c(v, *p);
  while (v->len && v->str[v->len - 1] == '\n')
    g_string_truncate(v, v->len - 1);
  return g_string_free(v, FALSE);
}

/* rewrite - the message made exactly OUTPUT: every original header
 * deleted, OUTPUT's headers added in order, the body replaced */
static gboolean
rewrite(SMFICTX *ctx, Connection *conn, GBytes *output)
{
  Message *m = conn->msg;
  gsize len;
  const char *s = g_bytes_get_data(output, &len);
  const char *end = s + len, *p = s, *body;
  g_autoptr(GHashTable) count = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new(); /* first spelling of each name */
  g_autoptr(GString) chunk = g_string_sized_new(BODY_CHUNK + 2);

  /* How often each name occurs (names compare without case), counted in
   * one pass: a hostile message may carry tens of thousands of headers. */
  for (guint i = 0; i < m->headers->len; i++) {
    const char *name = g_ptr_array_index(m->headers, i);
    char *key = g_ascii_strdown(name, -1);
    guint n = GPOINTER_TO_UINT(g_hash_table_lookup(count, key));
    if (n == 0)
      g_ptr_array_add(names, (gpointer)name);
    g_hash_table_insert(count, key, GUINT_TO_POINTER(n + 1));
  }
  /* Delete from the last occurrence of each name backwards, so that the
   * indexes stay valid whatever the MTA does with deleted headers. */
  for (guint i = 0; i < names->len; i++) {
    const char *name = g_ptr_array_index(names, i);
    g_autofree char *key = g_ascii_strdown(name, -1);
    for (int idx = (int)GPOINTER_TO_UINT(g_hash_table_lookup(count, key)); idx >= 1; idx--)
      if (smfi_chgheader(ctx, (char *)name, idx, NULL) != MI_SUCCESS)
        return FALSE;
  }

  /* The output's header block: "Name: value" lines, folded with LF + space. */
  while (p < end && *p != '\n' && *p != '\r') {
    const char *colon = memchr(p, ':', (gsize)(end - p));
    const char *q;
    g_autofree char *name = NULL, *value = NULL;
    if (!colon)
      return FALSE;
    q = colon + 1;
    for (;;) {
      const char *lf = memchr(q, '\n', (gsize)(end - q));
      q = lf ? lf + 1 : end;
      if (q >= end || (*q != ' ' && *q != '\t'))
        break;
    }
    name = g_strndup(p, (gsize)(colon - p));
    value = header_value(colon + 1, q, conn->leadspc);
    if (smfi_addheader(ctx, name, value) != MI_SUCCESS)
      return FALSE;
    p = q;
  }
  body = p < end && *p == '\r' ? p + 2 : p + 1;
  if (body > end)
    body = end;
  /* The body with CRLF line ends, in chunks. */
  for (p = body; p < end; p++) {
    if (*p == '\n' && (p == body || p[-1] != '\r'))
      g_string_append_c(chunk, '\r');
    g_string_append_c(chunk, *p);
    if (chunk->len >= BODY_CHUNK) {
      if (smfi_replacebody(ctx, (unsigned char *)chunk->str, (int)chunk->len) != MI_SUCCESS)
        return FALSE;
      g_string_truncate(chunk, 0);
    }
  }
  if (chunk->len > 0 || body >= end)
    if (smfi_replacebody(ctx, (unsigned char *)chunk->str, (int)chunk->len) != MI_SUCCESS)
      return FALSE;
  return TRUE;
}

/* log_result - the one line for a message that got a result */
static void
log_result(SMFICTX *ctx, Message *m, MugaiResult *r, const char *note, gint64 t0)
{
  const char *qid = smfi_getsymval(ctx, "i");
  g_autofree char *msgid = mugai_result_get_message_id(r);
  g_autofree char *actions = mugai_result_action_summary(r);

  milter_log(LOG_INFO,
             "%s: id=%s msgid=%s from=<%s> verdict=%s actions=%s size=%" G_GUINT64_FORMAT
             "%s%s ms=%" G_GINT64_FORMAT,
             qid ? qid : "NOQUEUE", mugai_result_get_id(r), msgid ? msgid : "-", m->sender,
             mugai_verdict_name(mugai_result_get_verdict(r)), actions, m->size, note ? " " : "",
             note ? note : "", (g_get_monotonic_time() - t0) / 1000);
}

static const char *const class_name[] = { "internal", "timeout", "oversize" };

/* fail - CLASS answered by its policy: a 4xx or 5xx reply, or the message
 * held (stored, a notice delivered); a hold that cannot be done, or may not
 * (MAY_HOLD false: the message was already partly rewritten), tempfails */
static sfsistat
fail(SMFICTX *ctx, Connection *conn, FailClass cls, const char *why, gint64 t0, gboolean may_hold)
{
  Message *m = conn->msg;
  const MugaiConfig *c = m->mc->config;
  MugaiFailurePolicy policy = cls == FAIL_INTERNAL  ? c->milter.on_internal_error
                              : cls == FAIL_TIMEOUT ? c->milter.on_timeout
                                                    : c->milter.on_oversize;
  const char *qid = smfi_getsymval(ctx, "i");
  g_autofree char *text = NULL;
  sfsistat st = SMFIS_TEMPFAIL;

  if (policy == MUGAI_POLICY_HOLD && !may_hold)
    policy = MUGAI_POLICY_TEMPFAIL;
  if (policy == MUGAI_POLICY_HOLD) {
    static const MugaiReason reasons[]
        = { MUGAI_REASON_FILTER_FAILED, MUGAI_REASON_TIMEOUT, MUGAI_REASON_SIZE_LIMIT };
    g_autofree char *name = g_strdup_printf("%s.eml", qid ? qid : "message");
    g_autoptr(MugaiResult) r = NULL;
    g_autoptr(GError) error = NULL;

    r = mugai_sanitize_fd_held(c, m->fd, name, MUGAI_INPUT_MAIL, reasons[cls], why, &error);
    if (r && store_original(m, r, NULL, &error) && rewrite(ctx, conn, mugai_result_get_output(r))) {
      g_autofree char *note = g_strdup_printf("failure=%s policy=hold", class_name[cls]);
      log_result(ctx, m, r, note, t0);
      message_end(conn);
      return SMFIS_CONTINUE;
    }
    milter_log(LOG_ERR, "%s: cannot hold the message (%s): %s; answering tempfail",
               qid ? qid : "NOQUEUE", why, error ? error->message : "cannot change the message");
    policy = MUGAI_POLICY_TEMPFAIL;
  }
  if (cls == FAIL_TIMEOUT) {
    text = g_strdup_printf("mugai: sanitising took longer than %u s; %s",
                           c->milter.timeout_ms / 1000,
                           policy == MUGAI_POLICY_REJECT ? "message refused" : "try again later");
    smfi_setreply(ctx, policy == MUGAI_POLICY_REJECT ? "554" : "451",
                  policy == MUGAI_POLICY_REJECT ? "5.3.2" : "4.3.2", text);
  } else if (cls == FAIL_OVERSIZE) {
    return oversize_reply(ctx, conn);
  } else {
    smfi_setreply(ctx, policy == MUGAI_POLICY_REJECT ? "554" : "451",
                  policy == MUGAI_POLICY_REJECT ? "5.3.0" : "4.3.0",
                  policy == MUGAI_POLICY_REJECT
                      ? "mugai: message could not be sanitised; refused"
                      : "mugai: message could not be sanitised; try again later");
  }
  st = policy == MUGAI_POLICY_REJECT ? SMFIS_REJECT : SMFIS_TEMPFAIL;
  milter_log(LOG_WARNING,
             "%s: from=<%s> failure=%s policy=%s reason=\"%s\" size=%" G_GUINT64_FORMAT
             " ms=%" G_GINT64_FORMAT,
             qid ? qid : "NOQUEUE", m->sender, class_name[cls], mugai_failure_policy_name(policy),
             why, m->size, (g_get_monotonic_time() - t0) / 1000);
  message_end(conn);
  return st;
}

/* sanitize - the spooled message through the pipeline, in this thread,
 * against the message's deadline: waits for a worker or a converter end
 * there and so do their own deadlines, so the answer comes in time however
 * slow a document is. NULL with ERROR when no result can be produced. */
static MugaiResult *
sanitize(Message *m, GBytes *original, const char *name, gint64 start, GError **error)
{
  MugaiConfig c = *m->mc->config; /* shallow: only the deadline differs */

  c.deadline = start + (gint64)c.milter.timeout_ms * 1000;
  if (milter_state.fault == MILTER_FAULT_PIPELINE) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "injected fault (MUGAI_MILTER_FAULT)");
    return NULL;
  }
  if (milter_state.fault == MILTER_FAULT_SLOW)
    g_usleep((gulong)(c.milter.timeout_ms + 2000) * 1000);
  return mugai_sanitize_bytes(&c, original, name, MUGAI_INPUT_MAIL, error);
}

static sfsistat
on_eom(SMFICTX *ctx)
{
  Connection *conn = connection(ctx);
  Message *m = conn->msg;
  gint64 t0 = g_get_monotonic_time();
  const char *qid = smfi_getsymval(ctx, "i");
  g_autofree char *name = g_strdup_printf("%s.eml", qid ? qid : "message");
  g_autoptr(GBytes) original = NULL;
  g_autoptr(MugaiResult) r = NULL;
  g_autoptr(GError) error = NULL;
  MugaiVerdict verdict;

  if (!m)
    return SMFIS_TEMPFAIL;
  if (!spool_flush(m)) {
    g_autofree char *why
        = g_strdup_printf("cannot spool the message: %s", g_strerror(m->spool_errno));
    return fail(ctx, conn, FAIL_INTERNAL, why, t0, TRUE);
  }
  if (m->oversize) {
    g_autofree char *why = g_strdup_printf("%" G_GUINT64_FORMAT " bytes > limit %" G_GUINT64_FORMAT,
                                           m->size, m->mc->config->limits.max_message_size);
    return fail(ctx, conn, FAIL_OVERSIZE, why, t0, TRUE);
  }
  /* Read once: the same bytes are sanitised and stored. */
  original = read_spool(m->fd, &error);
  if (!original)
    return fail(ctx, conn, FAIL_INTERNAL, error->message, t0, TRUE);
  r = sanitize(m, original, name, t0, &error);
  if (r && mugai_result_is_late(r)) {
    g_autofree char *why = g_strdup_printf("sanitising took longer than %u s",
                                           m->mc->config->milter.timeout_ms / 1000);
    return fail(ctx, conn, FAIL_TIMEOUT, why, t0, TRUE);
  }
  if (!r)
    return fail(ctx, conn, FAIL_INTERNAL, error->message, t0, TRUE);

  /* Nothing lost: the original is durable before any answer. */
  if (!store_original(m, r, original, &error)) {
    g_autofree char *why = g_strdup_printf("cannot store the original: %s", error->message);
    return fail(ctx, conn, FAIL_INTERNAL, why, t0, TRUE);
  }
  verdict = mugai_result_get_verdict(r);
  if (verdict == MUGAI_VERDICT_REJECTED) {
    const MugaiItem *root = mugai_result_get_root(r);
    g_autofree char *text
        = g_strdup_printf("mugai: message rejected: %s (quarantine id %s)",
                          mugai_reason_code(mugai_item_get_reason(root)), mugai_result_get_id(r));
    smfi_setreply(ctx, "550", "5.7.1", text);
    log_result(ctx, m, r, NULL, t0);
    message_end(conn);
    return SMFIS_REJECT;
  }
  if (!rewrite(ctx, conn, mugai_result_get_output(r))) {
    g_autofree char *why = g_strdup_printf(
        "the MTA refused a header or body change (quarantine id %s)", mugai_result_get_id(r));
    /* Partly rewritten: only a refusal is safe now, never a second
     * rewrite on top. The original is stored; a retry stores it again. */
    return fail(ctx, conn, FAIL_INTERNAL, why, t0, FALSE);
  }
  log_result(ctx, m, r, NULL, t0);
  message_end(conn);
  return SMFIS_CONTINUE;
}

static sfsistat
on_abort(SMFICTX *ctx)
{
  message_end(smfi_getpriv(ctx));
  return SMFIS_CONTINUE;
}

static sfsistat
on_close(SMFICTX *ctx)
{
  Connection *conn = smfi_getpriv(ctx);

  if (conn) {
    message_end(conn);
    smfi_setpriv(ctx, NULL);
    g_free(conn);
  }
  return SMFIS_CONTINUE;
}

static struct smfiDesc callbacks = {
  .xxfi_name = "mugai",
  .xxfi_version = SMFI_VERSION,
  .xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_CHGBODY,
  .xxfi_envfrom = on_envfrom,
  .xxfi_envrcpt = on_envrcpt,
  .xxfi_header = on_header,
  .xxfi_eoh = on_eoh,
  .xxfi_body = on_body,
  .xxfi_eom = on_eom,
  .xxfi_abort = on_abort,
  .xxfi_close = on_close,
  .xxfi_data = on_data,
  .xxfi_negotiate = on_negotiate,
};

struct smfiDesc *
milter_callbacks(void)
{
  return &callbacks;
}
