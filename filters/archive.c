/*
 * archive.c - filter: an archive becomes a new ZIP of its sanitised members.
 *
 * zip, tar (plain, gzip, bzip2, xz, zstd), 7z, rar, lzh and cab are read by
 * libarchive in a sandboxed worker (src/worker/archive.c), which streams
 * each entry's name and bytes; here every frame is checked again against
 * [archive] (members, bytes per member and per archive, ratio), names are
 * decoded (UTF-8, else CP932), and each regular file becomes a child item
 * named by its path inside the archive, made safe by mugai_run_add_member.
 * Links, devices and FIFOs are listed as removed and never created. The
 * pipeline sanitises the children like any attachment (a nested archive
 * comes back here, one level deeper, until limits.max_depth); then finish
 * writes what they became into a ZIP that mugai builds from nothing,
 * released under the archive's name with .zip.
 *
 * A lone compressed file (report.csv.gz) is one member and is released as
 * that member's own output, not wrapped in a ZIP. A password-protected
 * archive is held (or removed, [archive] on_encrypted = remove) unless the
 * run's password opens it; a bomb is removed with reason archive-limit.
 */
#include <stdarg.h>
#include <string.h>

#include "core/run-private.h"
#include "sandbox/archive.h"
#include "sandbox/worker.h"

/* What libmagic calls the formats the worker reads, and the one reader
 * the worker enables for each ("compressed": gzip and the like, holding
 * a tar or a single file). */
static const struct {
  const char *type;
  const char *format;
} archive_types[] = {
  { "application/zip", "zip" },
  { "application/x-zip-compressed", "zip" },
  { "application/x-tar", "tar" },
  { "application/x-gtar", "tar" },
  { "application/x-7z-compressed", "7z" },
  { "application/vnd.rar", "rar" },
  { "application/x-rar", "rar" },
  { "application/x-rar-compressed", "rar" },
  { "application/x-lzh-compressed", "lha" },
  { "application/x-lzh", "lha" },
  { "application/x-lha", "lha" },
  { "application/vnd.ms-cab-compressed", "cab" },
  { "application/gzip", "compressed" },
  { "application/x-gzip", "compressed" },
  { "application/x-bzip2", "compressed" },
  { "application/x-xz", "compressed" },
  { "application/x-lzma", "compressed" },
  { "application/x-lzip", "compressed" },
  { "application/zstd", "compressed" },
  { "application/x-zstd", "compressed" },
  { "application/x-compress", "compressed" },
};

/* Office documents are ZIPs too; when libmagic says only "zip", these
 * first entries or names leave them to the office filter. */
static const char *const office_extensions[] = {
  ".docx", ".docm", ".dotx", ".xlsx", ".xlsm", ".xltx", ".pptx", ".pptm",
  ".potx", ".ppsx", ".odt",  ".ods",  ".odp",  ".odg",  ".ott",  NULL,
};

/* Compressor extensions a lone compressed file's name loses. */
static const char *const compressor_extensions[] = {
  ".gz", ".gzip", ".bz2", ".xz", ".lzma", ".lz", ".zst", ".z", NULL,
};

/* One entry as the worker sent it. */
typedef struct {
  MugaiWireMemberKind kind;
  char *raw_name; /* as stored, undecoded; NUL-terminated (no NUL inside) */
  gsize raw_len;
  GByteArray *data; /* FILE: content so far */
} Member;

/* member_clear - GArray element destructor */
static void
member_clear(gpointer p)
{
  Member *m = p;

  g_free(m->raw_name);
  if (m->data)
    g_byte_array_unref(m->data);
}

/* archive_type - the entry of archive_types[] for TYPE, or -1 */
static int
archive_type(const char *type)
{
  for (gsize i = 0; type && i < G_N_ELEMENTS(archive_types); i++)
    if (!strcmp(type, archive_types[i].type))
      return (int)i;
  return -1;
}

/* ends_with_any - NAME ends with one of EXTS (ASCII case-insensitive) */
static gboolean
ends_with_any(const char *name, const char *const *exts)
{
  gsize n = name ? strlen(name) : 0;

  for (guint i = 0; exts[i]; i++) {
    gsize e = strlen(exts[i]);
    if (n > e && !g_ascii_strcasecmp(name + n - e, exts[i]))
      return TRUE;
  }
  return FALSE;
}

/* looks_like_office - a ZIP whose first entry is an OOXML or ODF marker */
static gboolean
looks_like_office(GBytes *data)
{
  gsize len;
  const guint8 *p = g_bytes_get_data(data, &len);
  guint name_len;

  if (len < 30 || memcmp(p, "PK\3\4", 4) != 0)
    return FALSE;
  name_len = p[26] | (guint)p[27] << 8;
  if (30 + (gsize)name_len > len)
    return FALSE;
  return (name_len == 19 && !memcmp(p + 30, "[Content_Types].xml", 19))
         || (name_len == 8 && !memcmp(p + 30, "mimetype", 8));
}

static int
archive_bid(const MugaiItem *item, const MugaiRun *run)
{
  const char *type = mugai_item_get_detected_type(item);
  GBytes *data = mugai_item_get_data(item);

  if (!data || archive_type(type) < 0 || mugai_item_get_role(item) == MUGAI_ROLE_BODY)
    return MUGAI_BID_NONE;
  if (!strcmp(type, "application/zip")
      && (looks_like_office(data) || ends_with_any(mugai_item_get_name(item), office_extensions)))
    return MUGAI_BID_WEAK;
  return MUGAI_BID_CERTAIN;
}

typedef struct {
  MugaiRun *run;
  MugaiItem *item;
  GArray *members; /* of Member */
  guint64 total;   /* content bytes received */
} Expansion;

static gboolean limit_error(GError **error, const char *format, ...) G_GNUC_PRINTF(2, 3);

/* limit_error - the parent's own check failed (the worker checks the same
 * limits before it sends, so it is broken or lying): LIMIT, like a bomb */
static gboolean
limit_error(GError **error, const char *format, ...)
{
  va_list ap;

  va_start(ap, format);
  g_propagate_error(error,
                    g_error_new_valist(MUGAI_SANDBOX_ERROR, MUGAI_SANDBOX_ERROR_LIMIT, format, ap));
  va_end(ap);
  return FALSE;
}

/* take_frame - one checked frame into X */
static gboolean
take_frame(Expansion *x, const MugaiFrame *f, gsize input_len, GError **error)
{
  const MugaiArchiveConfig *ac = &x->run->config->archive;
  Member *m;

  if (f->type == MUGAI_WIRE_MEMBER) {
    Member fresh = { 0 };
    if (x->members->len >= ac->max_members)
      return limit_error(error, "more than %u members", ac->max_members);
    fresh.kind = f->kind;
    fresh.raw_name = g_strndup((const char *)f->bytes, f->bytes_len);
    fresh.raw_len = f->bytes_len;
    if (f->kind == MUGAI_WIRE_MEMBER_FILE)
      fresh.data = g_byte_array_new();
    g_array_append_val(x->members, fresh);
    return TRUE;
  }
  /* DATA: worker.c has checked it belongs to the last member, a FILE */
  m = &g_array_index(x->members, Member, x->members->len - 1);
  if (f->bytes_len > ac->max_member_bytes - m->data->len || f->bytes_len > G_MAXUINT - m->data->len)
    return limit_error(error, "a member over %" G_GUINT64_FORMAT " bytes", ac->max_member_bytes);
  if (f->bytes_len > ac->max_total_bytes - x->total)
    return limit_error(error, "members over %" G_GUINT64_FORMAT " bytes in all",
                       ac->max_total_bytes);
  x->total += f->bytes_len;
  if (x->total > MUGAI_WIRE_RATIO_GRACE && x->total > (guint64)ac->max_ratio * MAX(input_len, 1))
    return limit_error(error, "members over %u times the archive's size", ac->max_ratio);
  g_byte_array_append(m->data, f->bytes, (guint)f->bytes_len);
  return TRUE;
}

/* expand - run the worker, reading FORMAT, over the item and collect its
 * members */
static gboolean
expand(Expansion *x, const char *format, GError **error)
{
  const MugaiArchiveConfig *ac = &x->run->config->archive;
  GBytes *data = mugai_item_get_data(x->item);
  g_autofree char *members = g_strdup_printf("--max-members=%u", ac->max_members);
  g_autofree char *total = g_strdup_printf("--max-total=%" G_GUINT64_FORMAT, ac->max_total_bytes);
  g_autofree char *member
      = g_strdup_printf("--max-member=%" G_GUINT64_FORMAT, ac->max_member_bytes);
  g_autofree char *ratio = g_strdup_printf("--max-ratio=%u", ac->max_ratio);
  g_autofree char *reader = g_strdup_printf("--format=%s", format);
  const char *const extra[] = { reader, members, total, member, ratio, NULL };
  MugaiWorker *w;
  gboolean ok = FALSE;

  if (!mugai_sandbox_acquire(x->run->config, error))
    return FALSE;
  w = mugai_worker_spawn(x->run->config, "archive", data, extra, mugai_run_get_password(x->run),
                         error);
  while (w) {
    MugaiFrame f;
    if (!mugai_worker_next(w, &f, error)
        || (f.type != MUGAI_WIRE_END && !take_frame(x, &f, g_bytes_get_size(data), error)))
      break;
    if (f.type == MUGAI_WIRE_END) {
      ok = mugai_worker_close(g_steal_pointer(&w), FALSE, error);
      break;
    }
  }
  if (w)
    mugai_worker_close(w, TRUE, NULL);
  mugai_sandbox_release();
  return ok;
}

/* record_failure - an archive that could not be expanded */
static void
record_failure(MugaiItem *item, const MugaiConfig *config, const GError *error)
{
  if (error->domain == MUGAI_SANDBOX_ERROR && error->code == MUGAI_SANDBOX_ERROR_ENCRYPTED)
    mugai_item_set_outcome(
        item, config->archive.remove_encrypted ? MUGAI_ACTION_REMOVED : MUGAI_ACTION_HELD,
        MUGAI_REASON_ENCRYPTED, "%s", error->message);
  else if (error->domain == MUGAI_SANDBOX_ERROR && error->code == MUGAI_SANDBOX_ERROR_LIMIT)
    mugai_item_set_outcome(item, MUGAI_ACTION_REMOVED, MUGAI_REASON_ARCHIVE_LIMIT, "%s",
                           error->message);
  else
    mugai_sandbox_record_failure(item, config, error);
}

/* single_name - a lone compressed file's member: the archive's name
 * without the compressor's extension (report.csv.gz: report.csv); the
 * name the compressor may have stored is ignored (transfer full) */
static char *
single_name(const MugaiItem *item)
{
  const char *name = mugai_item_get_name(item);
  const char *dot = name ? strrchr(name, '.') : NULL;

  if (!name || !*name)
    return mugai_item_output_name(item, "");
  if (dot && dot != name && ends_with_any(name, compressor_extensions))
    return g_strndup(name, (gsize)(dot - name));
  return g_strdup(name);
}

/* kind_type - the detected type recorded for an entry that is not a file */
static const char *
kind_type(MugaiWireMemberKind kind)
{
  switch (kind) {
  case MUGAI_WIRE_MEMBER_SYMLINK:
    return "inode/symlink";
  case MUGAI_WIRE_MEMBER_HARDLINK:
    return "inode/x-hardlink";
  default:
    return "inode/x-special";
  }
}

/* kind_detail - why such an entry is not created */
static const char *
kind_detail(MugaiWireMemberKind kind)
{
  switch (kind) {
  case MUGAI_WIRE_MEMBER_SYMLINK:
    return "a symbolic link inside the archive: never followed, never created";
  case MUGAI_WIRE_MEMBER_HARDLINK:
    return "a hard link inside the archive: never followed, never created";
  default:
    return "a device, FIFO or socket entry inside the archive: never created";
  }
}

/* add_children - the members as child items; returns how many files */
static guint
add_children(Expansion *x, gboolean raw_single)
{
  guint files = 0, dropped = 0, i;

  for (i = 0; i < x->members->len; i++) {
    Member *m = &g_array_index(x->members, Member, i);
    g_autofree char *name = NULL;
    GBytes *data = NULL;
    MugaiItem *child;

    if (m->kind == MUGAI_WIRE_MEMBER_DIR)
      continue; /* a directory is only a prefix of its members' paths */
    name = raw_single ? single_name(x->item)
                      : mugai_archive_decode_name((const guint8 *)m->raw_name, m->raw_len);
    if (m->data)
      data = g_byte_array_free_to_bytes(g_steal_pointer(&m->data));
    child = mugai_run_add_member(x->run, x->item, name, data);
    if (!child) {
      dropped++;
      continue;
    }
    if (m->kind == MUGAI_WIRE_MEMBER_FILE) {
      files++;
      continue;
    }
    mugai_run_set_detected_type(x->run, child, kind_type(m->kind));
    mugai_item_set_outcome(child, MUGAI_ACTION_REMOVED, MUGAI_REASON_TYPE_NOT_ALLOWED, "%s",
                           kind_detail(m->kind));
  }
  if (dropped)
    mugai_run_note_dropped(x->run, x->item, MUGAI_REASON_PART_LIMIT, dropped);
  return files;
}

static MugaiFilterResult
archive_run(MugaiItem *item, MugaiRun *run, GError **error)
{
  int t = archive_type(mugai_item_get_detected_type(item));
  const char *format = t >= 0 ? archive_types[t].format : "none";
  gboolean single = !strcmp(format, "compressed");
  g_autoptr(GArray) members = g_array_new(FALSE, TRUE, sizeof(Member));
  g_autoptr(GError) local = NULL;
  Expansion x = { run, item, members, 0 };
  gboolean raw_single;
  guint files;

  g_array_set_clear_func(members, member_clear);
  if (!expand(&x, format, &local)) {
    if (local && local->domain != MUGAI_SANDBOX_ERROR) {
      g_propagate_error(error, g_steal_pointer(&local));
      return MUGAI_FILTER_FAILED;
    }
    record_failure(item, run->config, local);
    return MUGAI_FILTER_OK;
  }
  /* The raw reader names nothing: a compressed file, not an archive. */
  raw_single = single && members->len == 1
               && g_array_index(members, Member, 0).kind == MUGAI_WIRE_MEMBER_FILE
               && g_array_index(members, Member, 0).raw_len == 0;
  files = add_children(&x, raw_single);
  if (raw_single) {
    mugai_item_set_outcome(item, MUGAI_ACTION_EXPANDED, MUGAI_REASON_CONTAINER,
                           "a compressed file: %" G_GUINT64_FORMAT " bytes decompressed", x.total);
    return MUGAI_FILTER_OK;
  }
  mugai_run_set_packed(run, item);
  mugai_item_set_outcome(item, MUGAI_ACTION_EXPANDED, MUGAI_REASON_CONTAINER,
                         "%u entries, %u files, %" G_GUINT64_FORMAT " bytes expanded", members->len,
                         files, x.total);
  return MUGAI_FILTER_OK;
}

typedef struct {
  MugaiItem *archive;
  MugaiZipWriter *zip;
  GHashTable *taken; /* casefolded paths in the new ZIP */
  GError *error;
} Pack;

/* pack_one - MugaiDeliverableFunc: a member's output into the new ZIP,
 * in the directory its member had inside the archive */
static void
pack_one(const MugaiItem *item, const char *name, const char *content_type, GBytes *data,
         gpointer user_data)
{
  Pack *p = user_data;
  const MugaiItem *top = item;
  const char *top_name, *slash;
  g_autofree char *dir = NULL, *base = NULL, *path = NULL, *unique = NULL;

  if (p->error || item == p->archive)
    return;
  while (mugai_item_get_parent(top) != p->archive)
    top = mugai_item_get_parent(top);
  top_name = mugai_item_get_name(top);
  slash = top_name ? strrchr(top_name, '/') : NULL;
  if (slash)
    dir = g_strndup(top_name, (gsize)(slash - top_name));
  base = g_path_get_basename(name);
  path = mugai_archive_join(dir, base);
  unique = mugai_archive_unique(p->taken, path);
  mugai_zip_writer_add(p->zip, unique, data, g_str_has_prefix(content_type, "text/"), &p->error);
}

/* zip_name - the archive's name with .zip (data.tar.gz: data.zip) */
static char *
zip_name(const MugaiItem *item)
{
  g_autofree char *full = mugai_item_output_name(item, ".zip");
  char *name = g_path_get_basename(full);
  gsize n = strlen(name);

  if (n > 8 && !g_ascii_strcasecmp(name + n - 8, ".tar.zip"))
    memmove(name + n - 8, ".zip", 5);
  return name;
}

static MugaiFilterResult
archive_finish(MugaiItem *item, MugaiRun *run, GError **error)
{
  g_autoptr(GHashTable) taken = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *detail = g_strdup(mugai_item_get_reason_detail(item));
  g_autofree char *name = NULL;
  Pack p = { item, NULL, taken, NULL };
  GBytes *zip;
  guint n;

  if (!item->packs)
    return MUGAI_FILTER_OK; /* a lone compressed file: its member is released itself */
  p.zip = mugai_zip_writer_new(g_get_real_time() / G_USEC_PER_SEC, error);
  if (!p.zip)
    return MUGAI_FILTER_FAILED;
  mugai_item_foreach_deliverable(item, pack_one, &p);
  if (p.error) {
    mugai_zip_writer_free(p.zip);
    g_propagate_error(error, p.error);
    return MUGAI_FILTER_FAILED;
  }
  n = mugai_zip_writer_count(p.zip);
  if (n == 0) {
    mugai_zip_writer_free(p.zip);
    mugai_item_set_outcome(item, MUGAI_ACTION_EXPANDED, MUGAI_REASON_CONTAINER,
                           "%s; nothing in it could be sanitised, so no archive was rebuilt",
                           detail ? detail : "expanded");
    return MUGAI_FILTER_OK;
  }
  zip = mugai_zip_writer_finish(p.zip, error);
  if (!zip)
    return MUGAI_FILTER_FAILED;
  name = zip_name(item);
  mugai_item_add_output(item, name, "application/zip", zip);
  mugai_item_set_outcome(item, MUGAI_ACTION_EXPANDED, MUGAI_REASON_CONTAINER,
                         "%s; rebuilt as %s with %u sanitised files", detail ? detail : "expanded",
                         name, n);
  return MUGAI_FILTER_OK;
}

const MugaiFilter mugai_filter_archive = {
  .abi_version = MUGAI_FILTER_ABI_VERSION,
  .name = "archive",
  .flags = MUGAI_FILTER_FLAG_UNTRUSTED_PARSER | MUGAI_FILTER_FLAG_CONTAINER,
  .bid = archive_bid,
  .run = archive_run,
  .finish = archive_finish,
};
