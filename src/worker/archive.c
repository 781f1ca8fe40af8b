/*
 * archive.c - worker mode "archive": libarchive lists and extracts entries.
 *
 * Only the reader for the format libmagic found is enabled (--format; the
 * parent names it), with the in-process decompressors for tar and for lone
 * compressed files.
 *
 * Protocol: for each entry, in order, a MEMBER frame (its kind and its
 * path exactly as stored, undecoded: the parent decodes names), then, for
 * a regular file, its content in DATA frames as it is decompressed; END.
 * Nothing is written anywhere: an entry is a stream of bytes into the
 * frame pipe, never a file, so links, devices and "../" paths have nothing
 * to act on here; the parent lists them and creates only regular files.
 *
 * The limits are enforced while reading, before a byte over them is sent:
 * entries per archive, bytes per entry (also from the declared size, before
 * decompressing), bytes per archive, and the expansion ratio. The ratio of
 * an entry is its bytes out against the input bytes libarchive consumed
 * while producing them (the raw input's archive_filter_bytes: every reader
 * consumes input as it decompresses; a seek back, as 7z and zip make to
 * reach their data, counts as nothing); the whole archive's is its bytes
 * out against the input's size. Both are judged once more than
 * MUGAI_WIRE_RATIO_GRACE bytes came out, so that small, very compressible
 * files pass. A bomb therefore costs one read buffer of memory and about
 * max_ratio times its input in time.
 *
 * Encrypted entries: with no password, or one that does not open them, the
 * whole archive is reported encrypted (the parent holds it).
 */
#include <locale.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "worker/worker.h"

#define READ_CHUNK (256u * 1024)

G_STATIC_ASSERT(READ_CHUNK <= MUGAI_WIRE_DATA_MAX);

typedef struct {
  const MugaiWorkerJob *job;
  struct archive *a;
  guint64 members;
  guint64 total_out;
} Reader;

/* input_pos - raw input bytes consumed so far */
static gint64
input_pos(struct archive *a)
{
  return archive_filter_bytes(a, -1);
}

/* member_kind - what ENTRY is, for the parent */
static MugaiWireMemberKind
member_kind(struct archive_entry *entry)
{
  if (archive_entry_hardlink(entry))
    return MUGAI_WIRE_MEMBER_HARDLINK;
  switch (archive_entry_filetype(entry)) {
  case AE_IFREG:
    return MUGAI_WIRE_MEMBER_FILE;
  case AE_IFDIR:
    return MUGAI_WIRE_MEMBER_DIR;
  case AE_IFLNK:
    return MUGAI_WIRE_MEMBER_SYMLINK;
  default:
    return MUGAI_WIRE_MEMBER_SPECIAL;
  }
}

/* send_member - the MEMBER frame: kind and the stored name (truncated to
 * MUGAI_WIRE_NAME_MAX bytes), or no name for a lone compressed file */
static void
send_member(Reader *r, MugaiWireMemberKind kind, struct archive_entry *entry)
{
  const char *name = archive_entry_pathname(entry);
  unsigned char h[MUGAI_WIRE_MEMBER_SIZE];
  gsize len = name ? strlen(name) : 0;

  if (archive_format(r->a) == ARCHIVE_FORMAT_RAW)
    len = 0;
  len = MIN(len, MUGAI_WIRE_NAME_MAX);
  mugai_wire_put32(h, kind);
  mugai_wire_put32(h + 4, (guint32)len);
  if (!mugai_worker_send(MUGAI_WIRE_MEMBER, (guint32)(r->members - 1), h, sizeof h, name, len))
    _exit(1);
}

/* format_family - what to call the archive's format in a message */
static const char *
format_family(struct archive *a)
{
  switch (archive_format(a) & ARCHIVE_FORMAT_BASE_MASK) {
  case ARCHIVE_FORMAT_ZIP:
    return "ZIP";
  case ARCHIVE_FORMAT_7ZIP:
    return "7z";
  case ARCHIVE_FORMAT_RAR:
    return "RAR";
  case ARCHIVE_FORMAT_RAR_V5:
    return "RAR5";
  case ARCHIVE_FORMAT_LHA:
    return "LHA";
  case ARCHIVE_FORMAT_CAB:
    return "CAB";
  case ARCHIVE_FORMAT_TAR:
    return "tar";
  default:
    return "archive";
  }
}

/* fail_unreadable - an entry that cannot be read: encrypted (no password,
 * a wrong one, or a cipher libarchive does not implement) or damaged */
static G_NORETURN void
fail_unreadable(Reader *r, struct archive_entry *entry, const char *what)
{
  const char *msg = archive_error_string(r->a);

  if (entry && archive_entry_is_encrypted(entry)) {
    if (!r->job->password)
      mugai_worker_fail(MUGAI_WIRE_ERR_ENCRYPTED, "a password-protected %s", format_family(r->a));
    if ((archive_format(r->a) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_ZIP)
      mugai_worker_fail(MUGAI_WIRE_ERR_ENCRYPTED, "the password given does not open this %s",
                        format_family(r->a));
    mugai_worker_fail(MUGAI_WIRE_ERR_ENCRYPTED,
                      "a password-protected %s, which mugai cannot decrypt even with the "
                      "password: an operator must open it",
                      format_family(r->a));
  }
  mugai_worker_fail(MUGAI_WIRE_ERR_MALFORMED, "%s: %s", what, msg ? msg : "unreadable");
}

/* check_ratio - OUT bytes from IN input bytes within the ratio */
static void
check_ratio(const Reader *r, guint64 out, guint64 in, const char *what)
{
  if (out > MUGAI_WIRE_RATIO_GRACE && out > r->job->max_ratio * MAX(in, 1))
    mugai_worker_fail(MUGAI_WIRE_ERR_LIMIT,
                      "%s expands more than %" G_GUINT64_FORMAT " times (%" G_GUINT64_FORMAT
                      " bytes from %" G_GUINT64_FORMAT ")",
                      what, r->job->max_ratio, out, in);
}

/* extract - the content of the current entry as DATA frames, each checked
 * against the limits before it is sent */
static void
extract(Reader *r, struct archive_entry *entry, guint32 index)
{
  const MugaiWorkerJob *job = r->job;
  static guint8 buf[READ_CHUNK];
  guint64 out = 0, in = 0;
  gint64 pos = input_pos(r->a);

  for (;;) {
    la_ssize_t n = archive_read_data(r->a, buf, sizeof buf);
    gint64 now;

    if (n == 0)
      return;
    if (n < 0)
      fail_unreadable(r, entry, "damaged member data");
    now = input_pos(r->a);
    if (now > pos)
      in += (guint64)(now - pos); /* a seek back (7z, zip) consumes nothing */
    pos = now;
    out += (guint64)n;
    r->total_out += (guint64)n;
    if (out > job->max_member_bytes)
      mugai_worker_fail(MUGAI_WIRE_ERR_LIMIT,
                        "a member expands to more than %" G_GUINT64_FORMAT " bytes",
                        job->max_member_bytes);
    if (r->total_out > job->max_total_bytes)
      mugai_worker_fail(MUGAI_WIRE_ERR_LIMIT,
                        "the archive expands to more than %" G_GUINT64_FORMAT " bytes",
                        job->max_total_bytes);
    check_ratio(r, out, in, "a member");
    check_ratio(r, r->total_out, job->input_len, "the archive");
    if (!mugai_worker_send(MUGAI_WIRE_DATA, index, buf, (gsize)n, NULL, 0))
      _exit(1);
  }
}

/* support_format - the one reader FORMAT names (the parent's libmagic
 * type), so that a file is read as what it was sniffed as: a RAR holding a
 * stored ZIP is not read as that ZIP (libarchive's bidding would prefer
 * it), and no other parser is exposed to the input */
static gboolean
support_format(struct archive *a, const char *format)
{
  if (!format)
    return FALSE;
  if (!strcmp(format, "zip"))
    return archive_read_support_format_zip(a) == ARCHIVE_OK;
  if (!strcmp(format, "7z"))
    return archive_read_support_format_7zip(a) == ARCHIVE_OK;
  if (!strcmp(format, "rar"))
    return archive_read_support_format_rar(a) == ARCHIVE_OK
           && archive_read_support_format_rar5(a) == ARCHIVE_OK;
  if (!strcmp(format, "cab"))
    return archive_read_support_format_cab(a) == ARCHIVE_OK;
  if (!strcmp(format, "lha"))
    /* LHA headers carry no charset, and libarchive refuses an unconverted
     * 8-bit name outright: they are CP932 in practice (MS-DOS and Windows
     * tools), so names are converted here (iconv, opened now, before the
     * sandbox) and reach the parent as UTF-8. */
    return archive_read_support_format_lha(a) == ARCHIVE_OK
           && archive_read_set_options(a, "lha:hdrcharset=CP932") == ARCHIVE_OK;
  if (strcmp(format, "tar") && strcmp(format, "compressed") && strcmp(format, "raw"))
    return FALSE;
  /* In-process decompressors only: archive_read_support_filter_all would
   * add lrzip, lzop and grzip, which run an external program - a fork and
   * exec the sandbox kills. */
  archive_read_support_filter_gzip(a);
  archive_read_support_filter_bzip2(a);
  archive_read_support_filter_xz(a);
  archive_read_support_filter_lzma(a);
  archive_read_support_filter_lzip(a);
  archive_read_support_filter_zstd(a);
  archive_read_support_filter_compress(a);
  /* "raw": the second reading of a compressed file that holds no tar */
  if (!strcmp(format, "raw"))
    return archive_read_support_format_raw(a) == ARCHIVE_OK;
  return archive_read_support_format_tar(a) == ARCHIVE_OK;
}

/* new_reader - a reader of FORMAT with the job's password */
static struct archive *
new_reader(const MugaiWorkerJob *job, const char *format)
{
  struct archive *a = archive_read_new();

  if (!support_format(a, format))
    mugai_worker_fail(MUGAI_WIRE_ERR_UNSUPPORTED, "archive format not supported");
  if (job->password && archive_read_add_passphrase(a, job->password) != ARCHIVE_OK)
    mugai_worker_fail(MUGAI_WIRE_ERR_INTERNAL, "cannot set the password");
  return a;
}

/* first_header - open R's reader on the input and read the first header;
 * a compressed file that is no tar (tar finds no header, or sees zero
 * blocks as its end: a tar "bids" on all-zero data) is read again by
 * RAW, as one member */
static int
first_header(Reader *r, struct archive *raw, struct archive_entry **entry)
{
  int rc = ARCHIVE_FATAL;

  if (archive_read_open_memory(r->a, r->job->input, r->job->input_len) == ARCHIVE_OK)
    rc = archive_read_next_header(r->a, entry);
  if (raw && (rc == ARCHIVE_EOF || rc < ARCHIVE_WARN)) {
    archive_read_free(r->a);
    r->a = raw;
    raw = NULL;
    rc = ARCHIVE_FATAL;
    if (archive_read_open_memory(r->a, r->job->input, r->job->input_len) == ARCHIVE_OK)
      rc = archive_read_next_header(r->a, entry);
  }
  if (raw)
    archive_read_free(raw);
  if (rc < ARCHIVE_WARN && r->members == 0 && !archive_format(r->a))
    mugai_worker_fail(MUGAI_WIRE_ERR_UNSUPPORTED, "not an archive: %s",
                      archive_error_string(r->a) ? archive_error_string(r->a) : "unknown format");
  return rc;
}

int
mugai_worker_archive(MugaiWorkerJob *job)
{
  g_autoptr(GError) error = NULL;
  gboolean compressed = job->format && !strcmp(job->format, "compressed");
  Reader r = { job, NULL, 0, 0 };
  struct archive *raw = NULL;
  struct archive_entry *entry;
  int rc;

  /* Names stored as Unicode (7z, rar5, zip with the UTF-8 flag, pax) come
   * out as UTF-8; others as the bytes stored. */
  setlocale(LC_CTYPE, "C.UTF-8");
  r.a = new_reader(job, job->format);
  if (compressed)
    raw = new_reader(job, "raw");
  if (!mugai_confine_enter(&job->confine, &error))
    mugai_worker_fail(MUGAI_WIRE_ERR_INTERNAL, "cannot confine: %s", error->message);

  for (rc = first_header(&r, raw, &entry); rc != ARCHIVE_EOF;
       rc = archive_read_next_header(r.a, &entry)) {
    MugaiWireMemberKind kind;

    if (rc < ARCHIVE_WARN) {
      const char *msg = archive_error_string(r.a);
      /* 7z with encrypted headers: nothing can be listed */
      if (msg && strstr(msg, "ncrypted"))
        mugai_worker_fail(MUGAI_WIRE_ERR_ENCRYPTED,
                          "a password-protected %s with its names encrypted too, which mugai "
                          "cannot open even with the password: an operator must open it",
                          format_family(r.a));
      fail_unreadable(&r, NULL, "damaged archive");
    }
    if (++r.members > job->max_members)
      mugai_worker_fail(MUGAI_WIRE_ERR_LIMIT, "more than %" G_GUINT64_FORMAT " members",
                        job->max_members);
    kind = member_kind(entry);
    if (kind == MUGAI_WIRE_MEMBER_FILE) {
      if (archive_entry_is_encrypted(entry) && !job->password)
        fail_unreadable(&r, entry, "encrypted member");
      if (archive_entry_size_is_set(entry) && archive_entry_size(entry) >= 0) {
        guint64 declared = (guint64)archive_entry_size(entry);
        if (declared > job->max_member_bytes)
          mugai_worker_fail(MUGAI_WIRE_ERR_LIMIT,
                            "a member declares %" G_GUINT64_FORMAT
                            " bytes, over the limit of %" G_GUINT64_FORMAT,
                            declared, job->max_member_bytes);
        if (declared > job->max_total_bytes - MIN(r.total_out, job->max_total_bytes))
          mugai_worker_fail(MUGAI_WIRE_ERR_LIMIT,
                            "the members declare more than %" G_GUINT64_FORMAT " bytes",
                            job->max_total_bytes);
      }
    }
    send_member(&r, kind, entry);
    if (kind == MUGAI_WIRE_MEMBER_FILE)
      extract(&r, entry, (guint32)(r.members - 1));
  }
  mugai_worker_finish();
}
