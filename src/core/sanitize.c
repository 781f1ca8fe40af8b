/*
 * sanitize.c - one input through the pipeline to a result and a report.
 *
 * The verdict: a mail is delivered unless it could not be processed at all
 * (too large, unparseable, a fatal filter error), in which case it is
 * rejected and the output is a notice; a file is delivered when a filter
 * rebuilt it, held when a filter held it, and rejected otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>

#include "core/json.h"
#include "core/plan.h"
#include "core/sanitize.h"
#include "core/sniff.h"
#include "core/util.h"
#include "mail/compose.h"
#include "mail/mime.h"
#include "text/normalize.h"

struct _MugaiResult {
  MugaiRun run;
  gboolean is_mail;
  MugaiVerdict verdict;
  char *input_name;
  gsize input_size;
  char *sha256;
  GDateTime *time;
  MugaiPlan *plan;
  GBytes *output;
  GMimeMessage *original; /* the parsed mail or its header block (owned by run), or NULL */
  gboolean late;          /* finished after config->deadline */
  char *written_name;     /* basename the output was staged under, or NULL */
  GPtrArray *written;     /* file input: basenames of every file staged, or NULL */
};

const char *
mugai_verdict_name(MugaiVerdict verdict)
{
  switch (verdict) {
  case MUGAI_VERDICT_DELIVERED:
    return "delivered";
  case MUGAI_VERDICT_HELD:
    return "held";
  case MUGAI_VERDICT_REJECTED:
  default:
    return "rejected";
  }
}

/* headers_only - the header block of an input too large to parse whole, so
 * that the notice still reaches the right people (transfer full) */
static GMimeMessage *
headers_only(GBytes *input, guint64 max_header_bytes)
{
  gsize len;
  const guint8 *p = g_bytes_get_data(input, &len);
  gsize n = MIN(len, (gsize)max_header_bytes);
  g_autoptr(GBytes) prefix = NULL;

  for (gsize i = 0; i + 1 < n; i++)
    if (p[i] == '\n' && (p[i + 1] == '\n' || (p[i + 1] == '\r' && i + 2 < n && p[i + 2] == '\n'))) {
      n = i + 1;
      break;
    }
  prefix = g_bytes_new(p, n);
  return mugai_mime_parse(prefix, NULL);
}

/* decide_verdict - from the root's outcome */
static MugaiVerdict
decide_verdict(const MugaiResult *r)
{
  const MugaiItem *root = r->run.root;

  if (r->run.fatal)
    return MUGAI_VERDICT_REJECTED;
  if (root->action == MUGAI_ACTION_HELD)
    return MUGAI_VERDICT_HELD;
  if (root->action == MUGAI_ACTION_REMOVED || root->action == MUGAI_ACTION_PENDING)
    return MUGAI_VERDICT_REJECTED;
  return MUGAI_VERDICT_DELIVERED;
}

/* file_output - what a file input releases */
static GBytes *
file_output(MugaiResult *r)
{
  GString *notice;

  if (r->verdict == MUGAI_VERDICT_DELIVERED && r->plan->outputs->len > 0)
    return g_bytes_ref(g_array_index(r->plan->outputs, MugaiDeliverable, 0).data);
  /* Rejected, held, or nothing produced: the notice is the only safe thing
   * to put where the file would have been. */
  notice = g_string_new(NULL);
  mugai_notice_write(&r->run, r->plan, FALSE, mugai_verdict_name(r->verdict), notice);
  return g_string_free_to_bytes(notice);
}

/* finish_result - verdict, plan and output from the item tree */
static void
finish_result(MugaiResult *r)
{
  g_clear_pointer(&r->plan, mugai_plan_free);
  g_clear_pointer(&r->output, g_bytes_unref);
  r->verdict = decide_verdict(r);
  r->plan = mugai_plan_build(&r->run);
  if (r->is_mail)
    r->output = mugai_compose_mail(&r->run, r->plan, r->original, mugai_verdict_name(r->verdict));
  else
    r->output = file_output(r);
}

MugaiResult *
mugai_sanitize_bytes(const MugaiConfig *config, GBytes *input, const char *name,
                     MugaiInputKind kind, GError **error)
{
  MugaiResult *r = g_new0(MugaiResult, 1);
  gsize len;
  const guint8 *p = g_bytes_get_data(input, &len);
  const MugaiLimits *lim = &config->limits;
  GMimeMessage *original = NULL;

  r->run.config = config;
  r->run.password = config->password;
  r->run.id = config->run_id ? g_strdup(config->run_id) : mugai_id_new();
  r->time = g_date_time_new_now_utc();
  r->input_size = len;
  r->sha256 = mugai_sha256_hex(p, len);
  r->input_name = mugai_text_sanitize_filename(name ? name : "", "input");
  r->is_mail
      = kind == MUGAI_INPUT_MAIL || (kind == MUGAI_INPUT_AUTO && mugai_sniff_is_mail(p, len));

  r->run.root = mugai_item_new(NULL, "0");
  r->run.root->name = g_strdup(r->input_name);
  r->run.root->role = r->is_mail ? MUGAI_ROLE_BODY : MUGAI_ROLE_ATTACHMENT;
  r->run.n_items = 1;

  if (len > lim->max_message_size) {
    mugai_item_set_outcome(r->run.root, MUGAI_ACTION_REMOVED, MUGAI_REASON_SIZE_LIMIT,
                           "%" G_GSIZE_FORMAT " bytes > limit %" G_GUINT64_FORMAT, len,
                           lim->max_message_size);
    if (r->is_mail) {
      original = headers_only(input, lim->max_header_bytes);
      if (original)
        mugai_run_keep(&r->run, original);
    }
  } else {
    r->run.root->data = g_bytes_ref(input);
    if (r->is_mail)
      r->run.root->detected_type = g_strdup("message/rfc822");
    mugai_pipeline_process(&r->run, r->run.root);
    if (r->is_mail && r->run.root->mime_object && GMIME_IS_MESSAGE(r->run.root->mime_object))
      original = r->run.root->mime_object;
  }

  r->original = original;
  finish_result(r);
  r->late = config->deadline && g_get_monotonic_time() >= config->deadline;
  return r;
}

/* sha256_fd - hash a file too large to map, streaming (transfer full) */
static char *
sha256_fd(int fd)
{
  g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
  g_autofree guint8 *buf = g_malloc(1 << 20);
  off_t off = 0;
  ssize_t n;

  while ((n = pread(fd, buf, 1 << 20, off)) != 0) {
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return NULL;
    }
    g_checksum_update(sum, buf, (gsize)n);
    off += n;
  }
  return g_strdup(g_checksum_get_string(sum));
}

/* sanitize_head - a result built from the header block of FD alone (an
 * input too large to parse, or one the caller could not sanitise), its root
 * given ACTION and REASON; the SHA-256 and size are the whole file's. */
static MugaiResult *
sanitize_head(const MugaiConfig *config, int fd, gint64 size, const char *name, MugaiInputKind kind,
              MugaiAction action, MugaiReason reason, const char *detail, GError **error)
{
  gsize cap = (gsize)config->limits.max_header_bytes;
  g_autofree guint8 *buf = g_malloc(cap);
  g_autoptr(GBytes) head = NULL;
  MugaiConfig tiny = *config;
  MugaiResult *r;
  ssize_t n;
  int saved;

  do
    n = pread(fd, buf, cap, 0);
  while (n < 0 && errno == EINTR);
  if (n < 0) {
    saved = errno;
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved), "cannot read %s: %s", name,
                g_strerror(saved));
    return NULL;
  }
  head = g_bytes_new_take(g_steal_pointer(&buf), (gsize)n);
  /* Everything read is "too large", so only the header block is parsed. */
  tiny.limits.max_message_size = (guint64)n > 0 ? (guint64)n - 1 : 0;
  r = mugai_sanitize_bytes(&tiny, head, name, kind, error);
  if (!r)
    return NULL;
  /* Report the real input, and the configured limits. */
  r->run.config = config;
  r->input_size = (gsize)size;
  g_free(r->sha256);
  r->sha256 = sha256_fd(fd);
  if (!r->sha256) {
    saved = errno;
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved), "cannot read %s: %s", name,
                g_strerror(saved));
    return mugai_result_free(r);
  }
  mugai_item_set_outcome(r->run.root, action, reason, "%s", detail);
  finish_result(r);
  return r;
}

MugaiResult *
mugai_sanitize_fd_held(const MugaiConfig *config, int fd, const char *name, MugaiInputKind kind,
                       MugaiReason reason, const char *detail, GError **error)
{
  struct stat st;

  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE, "%s: not a regular file", name);
    return NULL;
  }
  return sanitize_head(config, fd, (gint64)st.st_size, name, kind, MUGAI_ACTION_HELD, reason,
                       detail, error);
}

/* sanitize_fd - FD (open for reading) sanitised; PATH names it in errors,
 * BASE in the report */
static MugaiResult *
sanitize_fd(const MugaiConfig *config, int fd, const char *path, const char *base,
            MugaiInputKind kind, GError **error)
{
  g_autoptr(GBytes) input = NULL;
  struct stat st;

  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE, "%s: not a regular file", path);
    return NULL;
  }
  if ((guint64)st.st_size > config->limits.max_message_size) {
    /* Only the header block is read; the limit decides the outcome. */
    g_autofree char *detail
        = g_strdup_printf("%" G_GINT64_FORMAT " bytes > limit %" G_GUINT64_FORMAT,
                          (gint64)st.st_size, config->limits.max_message_size);
    return sanitize_head(config, fd, (gint64)st.st_size, base, kind, MUGAI_ACTION_REMOVED,
                         MUGAI_REASON_SIZE_LIMIT, detail, error);
  }
  input = mugai_read_fd(fd, (gsize)st.st_size, path, error);
  if (!input)
    return NULL;
  return mugai_sanitize_bytes(config, input, base, kind, error);
}

MugaiResult *
mugai_sanitize_path(const MugaiConfig *config, const char *path, MugaiInputKind kind,
                    GError **error)
{
  g_autofree char *base = g_path_get_basename(path);
  MugaiResult *r;
  int fd, saved;

  /* O_NOFOLLOW|O_NONBLOCK: never follow a link planted in a drop folder, and
   * never hang on a FIFO; then insist on a regular file. */
  fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);
  if (fd < 0) {
    saved = errno;
    if (saved == ELOOP) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE,
                  "%s: is a symbolic link; mugai does not follow links", path);
      return NULL;
    }
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved), "cannot open %s: %s", path,
                g_strerror(saved));
    return NULL;
  }
  r = sanitize_fd(config, fd, path, base, kind, error);
  close(fd);
  return r;
}

MugaiResult *
mugai_sanitize_fd(const MugaiConfig *config, int fd, const char *name, MugaiInputKind kind,
                  GError **error)
{
  return sanitize_fd(config, fd, name, name, kind, error);
}

gboolean
mugai_result_is_late(const MugaiResult *result)
{
  return result->late;
}

MugaiVerdict
mugai_result_get_verdict(const MugaiResult *result)
{
  return result->verdict;
}

const char *
mugai_result_get_id(const MugaiResult *result)
{
  return result->run.id;
}

gboolean
mugai_result_is_mail(const MugaiResult *result)
{
  return result->is_mail;
}

const MugaiItem *
mugai_result_get_root(const MugaiResult *result)
{
  return result->run.root;
}

const char *
mugai_result_get_sha256(const MugaiResult *result)
{
  return result->sha256;
}

const char *
mugai_result_get_input_name(const MugaiResult *result)
{
  return result->input_name;
}

gsize
mugai_result_get_input_size(const MugaiResult *result)
{
  return result->input_size;
}

gint64
mugai_result_get_time(const MugaiResult *result)
{
  return g_date_time_to_unix(result->time);
}

const char *
mugai_result_get_subject(const MugaiResult *result)
{
  return result->is_mail ? result->run.root->subject : NULL;
}

char *
mugai_result_get_message_id(const MugaiResult *result)
{
  gpointer object = result->run.root->mime_object;
  const char *raw;

  if (!result->is_mail || !object || !GMIME_IS_MESSAGE(object))
    return NULL;
  raw = mugai_mime_raw_header(GMIME_OBJECT(object), "Message-ID");
  return raw ? g_strstrip(g_strdup(raw)) : NULL;
}

GBytes *
mugai_result_get_output(const MugaiResult *result)
{
  return result->output;
}

char *
mugai_result_notice(const MugaiResult *result)
{
  GString *s = g_string_new(NULL);

  mugai_notice_write(&result->run, result->plan, result->is_mail,
                     mugai_verdict_name(result->verdict), s);
  return g_string_free(s, FALSE);
}

/* add_string - "key": value or null */
static void
add_string(MugaiJson *b, const char *key, const char *value)
{
  mugai_json_member(b, key, value);
}

typedef struct {
  MugaiJson *b;
  const MugaiPlan *plan;
  const MugaiItem *root;
  const char *root_output;       /* a file input's output as written, or NULL */
  const GPtrArray *root_written; /* and every file written for it, or NULL */
} ReportWalk;

/* report_outputs - "outputs": every file released for ITEM */
static void
report_outputs(ReportWalk *w, const MugaiItem *item)
{
  gboolean any = FALSE;

  if (item == w->root && w->root_written) {
    mugai_json_key(w->b, "outputs");
    mugai_json_begin_array(w->b);
    for (guint i = 0; i < w->root_written->len; i++)
      mugai_json_string(w->b, g_ptr_array_index(w->root_written, i));
    mugai_json_end_array(w->b);
    return;
  }
  for (guint i = 0; i < w->plan->outputs->len; i++) {
    const MugaiDeliverable *d = &g_array_index(w->plan->outputs, MugaiDeliverable, i);
    if (d->item != item)
      continue;
    if (!any) {
      mugai_json_key(w->b, "outputs");
      mugai_json_begin_array(w->b);
      any = TRUE;
    }
    mugai_json_string(w->b, d->name);
  }
  if (any)
    mugai_json_end_array(w->b);
}

/* report_item - one entry of "items", then its children, then one entry
 * for children a limit kept from being processed */
static void
report_item(ReportWalk *w, const MugaiItem *item)
{
  MugaiJson *b = w->b;
  g_autofree char *reason = NULL;

  if (item->reason_detail)
    reason
        = g_strdup_printf("%s (%s)", mugai_reason_text(item->reason, FALSE), item->reason_detail);
  mugai_json_begin_object(b);
  add_string(b, "path", item->path);
  add_string(b, "name", item->name);
  add_string(b, "declared_type", item->declared_type);
  add_string(b, "detected_type", item->detected_type);
  add_string(b, "action", mugai_action_name(item->action));
  add_string(b, "reason", reason ? reason : mugai_reason_text(item->reason, FALSE));
  add_string(b, "reason_code", mugai_reason_code(item->reason));
  add_string(b, "output",
             item == w->root && w->root_output ? w->root_output
                                               : mugai_plan_output_name(w->plan, item));
  if (item->subject)
    add_string(b, "subject", item->subject);
  if (item->name_mismatch)
    add_string(b, "name_mismatch", item->name_mismatch);
  if (item->path_remark)
    add_string(b, "path_remark", item->path_remark);
  report_outputs(w, item);
  mugai_json_end_object(b);
  for (guint i = 0; i < mugai_item_get_n_children(item); i++)
    report_item(w, mugai_item_get_child(item, i));
  if (item->dropped) {
    g_autofree char *path = g_strdup_printf("%s.*", item->path);
    g_autofree char *why
        = g_strdup_printf("%s (%u parts not processed)",
                          mugai_reason_text(item->dropped_reason, FALSE), item->dropped);
    mugai_json_begin_object(b);
    add_string(b, "path", path);
    add_string(b, "name", NULL);
    add_string(b, "declared_type", NULL);
    add_string(b, "detected_type", NULL);
    add_string(b, "action", "removed");
    add_string(b, "reason", why);
    add_string(b, "reason_code", mugai_reason_code(item->dropped_reason));
    add_string(b, "output", NULL);
    mugai_json_end_object(b);
  }
}

char *
mugai_result_report_json(const MugaiResult *result, gboolean pretty)
{
  GString *out = g_string_sized_new(2048);
  MugaiJson json, *b = &json;
  g_autofree char *time = g_date_time_format_iso8601(result->time);
  ReportWalk w = { b, result->plan, result->run.root, result->is_mail ? NULL : result->written_name,
                   result->is_mail ? NULL : result->written };
  const MugaiItem *r = result->run.root;

  mugai_json_init(b, out, pretty);
  mugai_json_begin_object(b);
  add_string(b, "id", result->run.id);
  add_string(b, "verdict", mugai_verdict_name(result->verdict));
  add_string(b, "time", time);
  add_string(b, "mugai_version", MUGAI_VERSION);
  mugai_json_key(b, "input");
  mugai_json_begin_object(b);
  add_string(b, "name", result->input_name);
  mugai_json_key(b, "size");
  mugai_json_int(b, (gint64)result->input_size);
  add_string(b, "sha256", result->sha256);
  add_string(b, "kind", result->is_mail ? "mail" : "file");
  mugai_json_end_object(b);
  if (result->verdict != MUGAI_VERDICT_DELIVERED) {
    add_string(b, "reason",
               result->run.fatal ? result->run.fatal_detail : mugai_reason_text(r->reason, FALSE));
    add_string(b, "reason_code",
               mugai_reason_code(result->run.fatal ? result->run.fatal_reason : r->reason));
  }
  mugai_json_key(b, "items");
  mugai_json_begin_array(b);
  report_item(&w, result->run.root);
  mugai_json_end_array(b);
  mugai_json_end_object(b);
  return g_string_free(out, FALSE);
}

gboolean
mugai_result_write(MugaiResult *result, const char *output, const char *report, GError **error)
{
  g_autoptr(MugaiCommit) c = mugai_commit_new(TRUE);

  return mugai_result_stage(result, c, output, report, NULL, error)
         && mugai_commit_finish(c, error);
}

char *
mugai_result_output_path(const MugaiResult *result, const char *requested)
{
  const char *want, *dot;

  if (result->is_mail)
    return g_strdup(requested);
  /* A file's output is never written under an extension that would make
   * it something else: flattened HTML saved as evil.html would be live
   * HTML again on the LGWAN side, and a notice saved as setup.exe is
   * misleading. The output's own extension is appended when it differs. */
  want = result->verdict == MUGAI_VERDICT_DELIVERED && result->plan->outputs->len > 0
             ? g_array_index(result->plan->outputs, MugaiDeliverable, 0).name
             : "notice.txt";
  dot = strrchr(want, '.');
  if (!dot || g_str_has_suffix(requested, dot)
      || (strlen(requested) >= strlen(dot)
          && !g_ascii_strcasecmp(requested + strlen(requested) - strlen(dot), dot)))
    return g_strdup(requested);
  return g_strconcat(requested, dot, NULL);
}

/* companion_path - where deliverable NAME of a file input goes beside
 * PRIMARY: PRIMARY's directory and stem, NAME's extension (out/a.pdf and
 * 見積書.txt give out/a.txt) (transfer full) */
static char *
companion_path(const char *primary, const char *name)
{
  g_autofree char *dir = g_path_get_dirname(primary);
  g_autofree char *base = g_path_get_basename(primary);
  const char *dot = strrchr(base, '.');
  const char *ext = strrchr(name, '.');
  g_autofree char *stem
      = dot && dot != base ? g_strndup(base, (gsize)(dot - base)) : g_strdup(base);
  g_autofree char *file = g_strconcat(stem, ext ? ext : ".out", NULL);

  return g_build_filename(dir, file, NULL);
}

#define TAKEN_WRITTEN MUGAI_NAME_WRITTEN

/* free_name - NAME, or "stem (2).ext" ... when TAKEN or WRITTEN has it
 * (transfer full) */
static char *
free_name(const char *name, GHashTable *taken, GPtrArray *written)
{
  const char *dot = strrchr(name, '.');
  g_autofree char *stem
      = dot && dot != name ? g_strndup(name, (gsize)(dot - name)) : g_strdup(name);
  const char *ext = dot && dot != name ? dot : "";
  char *candidate = g_strdup(name);

  for (guint i = 2; (taken && g_hash_table_contains(taken, candidate))
                    || g_ptr_array_find_with_equal_func(written, candidate, g_str_equal, NULL);
       i++) {
    g_free(candidate);
    candidate = g_strdup_printf("%s (%u)%s", stem, i, ext);
  }
  return candidate;
}

gboolean
mugai_result_stage(MugaiResult *result, MugaiCommit *commit, const char *output, const char *report,
                   GHashTable *taken, GError **error)
{
  GBytes *chunks[] = { result->output, NULL };
  guint before = mugai_commit_count(commit);
  g_autofree char *path = mugai_result_output_path(result, output);
  g_autofree char *dir = g_path_get_dirname(path);
  g_autofree char *report_base = report ? g_path_get_basename(report) : NULL;
  gboolean companions = !result->is_mail && result->verdict == MUGAI_VERDICT_DELIVERED;

  g_free(result->written_name);
  result->written_name = g_path_get_basename(path);
  g_clear_pointer(&result->written, g_ptr_array_unref);
  if (taken
      && (GPOINTER_TO_INT(g_hash_table_lookup(taken, result->written_name)) == TAKEN_WRITTEN
          || (report_base
              && GPOINTER_TO_INT(g_hash_table_lookup(taken, report_base)) == TAKEN_WRITTEN))) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                "%s: another input of this batch already wrote a file of that name", path);
    return FALSE;
  }
  result->written = g_ptr_array_new_with_free_func(g_free);
  g_ptr_array_add(result->written, g_strdup(result->written_name));
  /* The outputs first, then the report: if the group fails between the
   * renames, no report describes an output that does not exist. */
  if (!mugai_commit_stage(commit, path, chunks, error))
    return FALSE;
  /* A file input's further outputs (a PDF's text layer) go beside it, under
   * names nothing else of this result or batch has. */
  for (guint i = 1; companions && i < result->plan->outputs->len; i++) {
    const MugaiDeliverable *d = &g_array_index(result->plan->outputs, MugaiDeliverable, i);
    g_autofree char *want = companion_path(path, d->name);
    g_autofree char *want_base = g_path_get_basename(want);
    g_autofree char *base = free_name(want_base, taken, result->written);
    g_autofree char *cpath = g_build_filename(dir, base, NULL);
    GBytes *cchunks[] = { d->data, NULL };
    if (report_base && !strcmp(base, report_base))
      continue;
    if (!mugai_commit_stage(commit, cpath, cchunks, error)) {
      mugai_commit_truncate(commit, before);
      return FALSE;
    }
    g_ptr_array_add(result->written, g_steal_pointer(&base));
  }
  if (report) {
    g_autofree char *json = mugai_result_report_json(result, TRUE);
    g_autoptr(GBytes) line = g_bytes_new_take(g_strconcat(json, "\n", NULL), strlen(json) + 1);
    GBytes *rchunks[] = { line, NULL };
    if (!mugai_commit_stage(commit, report, rchunks, error)) {
      mugai_commit_truncate(commit, before);
      return FALSE;
    }
  }
  if (taken) {
    for (guint i = 0; i < result->written->len; i++)
      g_hash_table_insert(taken, g_strdup(g_ptr_array_index(result->written, i)),
                          GINT_TO_POINTER(TAKEN_WRITTEN));
    if (report_base)
      g_hash_table_insert(taken, g_strdup(report_base), GINT_TO_POINTER(TAKEN_WRITTEN));
  }
  return TRUE;
}

/* tally - COUNTS[action] for every item below the root */
static void
tally(const MugaiItem *item, guint *counts)
{
  if (mugai_item_get_depth(item) > 0 && mugai_item_get_action(item) <= MUGAI_ACTION_HELD)
    counts[mugai_item_get_action(item)]++;
  for (guint i = 0; i < mugai_item_get_n_children(item); i++)
    tally(mugai_item_get_child(item, i), counts);
}

char *
mugai_result_action_summary(const MugaiResult *result)
{
  guint counts[MUGAI_ACTION_HELD + 1] = { 0 };
  GString *s = g_string_new(NULL);

  tally(result->run.root, counts);
  if (!result->is_mail && result->run.root->action != MUGAI_ACTION_PENDING
      && result->run.root->action != MUGAI_ACTION_EXPANDED
      && result->run.root->action <= MUGAI_ACTION_HELD)
    counts[result->run.root->action]++;
  for (guint a = 0; a <= MUGAI_ACTION_HELD; a++)
    if (counts[a])
      g_string_append_printf(s, "%s%s=%u", s->len ? "," : "", mugai_action_name(a), counts[a]);
  if (!s->len)
    g_string_append(s, "none");
  return g_string_free(s, FALSE);
}

/* output_file_free - GPtrArray element destructor */
static void
output_file_free(gpointer p)
{
  MugaiOutputFile *f = p;

  g_free(f->name);
  g_bytes_unref(f->data);
  g_free(f);
}

/* output_file_add - NAME (transfer full) and DATA to FILES */
static void
output_file_add(GPtrArray *files, char *name, GBytes *data)
{
  MugaiOutputFile *f = g_new0(MugaiOutputFile, 1);

  f->name = name;
  f->data = g_bytes_ref(data);
  g_ptr_array_add(files, f);
}

GPtrArray *
mugai_result_files(const MugaiResult *result, const char *requested)
{
  GPtrArray *files = g_ptr_array_new_with_free_func(output_file_free);
  g_autoptr(GPtrArray) names = g_ptr_array_new();
  g_autofree char *path = mugai_result_output_path(result, requested);
  gboolean companions = !result->is_mail && result->verdict == MUGAI_VERDICT_DELIVERED;

  output_file_add(files, g_path_get_basename(path), result->output);
  g_ptr_array_add(names, ((MugaiOutputFile *)files->pdata[0])->name);
  for (guint i = 1; companions && i < result->plan->outputs->len; i++) {
    const MugaiDeliverable *d = &g_array_index(result->plan->outputs, MugaiDeliverable, i);
    g_autofree char *want = companion_path(path, d->name);
    g_autofree char *want_base = g_path_get_basename(want);
    char *base = free_name(want_base, NULL, names);
    output_file_add(files, base, d->data);
    g_ptr_array_add(names, base);
  }
  return files;
}

void
mugai_result_set_written(MugaiResult *result, const char *const *names, guint n)
{
  g_clear_pointer(&result->written_name, g_free);
  g_clear_pointer(&result->written, g_ptr_array_unref);
  if (n == 0)
    return;
  result->written_name = g_strdup(names[0]);
  result->written = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 0; i < n; i++)
    g_ptr_array_add(result->written, g_strdup(names[i]));
}

MugaiResult *
mugai_result_free(MugaiResult *result)
{
  if (!result)
    return NULL;
  mugai_plan_free(result->plan);
  g_clear_pointer(&result->output, g_bytes_unref);
  mugai_item_free(result->run.root);
  if (result->run.keep)
    g_ptr_array_unref(result->run.keep);
  g_free(result->run.id);
  g_free(result->run.fatal_detail);
  g_free(result->input_name);
  g_free(result->sha256);
  g_free(result->written_name);
  if (result->written)
    g_ptr_array_unref(result->written);
  g_date_time_unref(result->time);
  g_free(result);
  return NULL;
}
