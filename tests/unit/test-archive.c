/*
 * test-archive.c - the trusted side of archives.
 *
 * Pure functions first: member names (UTF-8 kept, CP932 decoded), unique
 * paths in the new ZIP, the ZIP writer read back by libarchive, the bid
 * (office documents are left to the office filter), output names of
 * members, and what a nested archive contributes to the one around it.
 * Then the member protocol under attack: the archive filter run against
 * tests/sandbox/evil-worker.c, which breaks the frame format or the
 * [archive] limits and then sends a valid member, so a parent that let it
 * through would rebuild the archive and the case fail.
 */
#include <locale.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "core/config.h"
#include "core/item-private.h"
#include "core/sanitize.h"
#include "sandbox/archive.h"

extern const MugaiFilter mugai_filter_archive;

/* Names stored as UTF-8 stay; CP932 (no UTF-8 flag) is decoded, 0x5C
 * second bytes included; bytes that are neither still give valid UTF-8. */
static void
test_decode_name(void)
{
  static const guint8 cp932[] = { 0x83, 0x5c, 0x83, 0x74, 0x83, 0x67, 0x95, 0x5c, '/', 0xfb, 0xfc,
                                  0x8b, 0xb4, 0xd2, 0xd3, 0x87, 0x40, '.',  't',  'x', 't' };
  static const guint8 broken[] = { 'a', 0xff, 0xfe, 'b' };
  g_autofree char *utf8 = mugai_archive_decode_name((const guint8 *)"資料/メモ.txt", 17);
  g_autofree char *sjis = mugai_archive_decode_name(cp932, sizeof cp932);
  g_autofree char *bad = mugai_archive_decode_name(broken, sizeof broken);

  g_assert_cmpstr(utf8, ==, "資料/メモ.txt");
  g_assert_cmpstr(sjis, ==, "ソフト表/髙橋ﾒﾓ①.txt");
  g_assert_true(g_utf8_validate(bad, -1, NULL));
  g_assert_true(g_str_has_prefix(bad, "a"));
}

/* Two members whose outputs would collide (a.txt from a.pdf's text layer
 * and a.txt itself; case differs only) get distinct names. */
static void
test_unique(void)
{
  g_autoptr(GHashTable) taken = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *a = mugai_archive_unique(taken, "d/a.txt");
  g_autofree char *b = mugai_archive_unique(taken, "d/A.TXT");
  g_autofree char *c = mugai_archive_unique(taken, "d/a.txt");
  g_autofree char *d = mugai_archive_unique(taken, "v1.2/readme");
  g_autofree char *e = mugai_archive_unique(taken, "v1.2/README");
  g_autofree char *j1 = mugai_archive_join(NULL, "x.pdf");
  g_autofree char *j2 = mugai_archive_join("資料/2026", "x.pdf");

  g_assert_cmpstr(a, ==, "d/a.txt");
  g_assert_cmpstr(b, ==, "d/A (2).TXT");
  g_assert_cmpstr(c, ==, "d/a (3).txt");
  g_assert_cmpstr(d, ==, "v1.2/readme");
  g_assert_cmpstr(e, ==, "v1.2/README (2)");
  g_assert_cmpstr(j1, ==, "x.pdf");
  g_assert_cmpstr(j2, ==, "資料/2026/x.pdf");
}

/* The writer's ZIP: UTF-8 names with the language encoding flag in every
 * local header, whatever the locale; deflated and stored members read
 * back intact. */
static void
test_zip_writer(void)
{
  static const char text[] = "令和8年度 見積書\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) t = g_bytes_new_static(text, sizeof text - 1);
  g_autoptr(GBytes) bin = g_bytes_new_static("\x89PNG\r\n\x1a\n", 8);
  g_autoptr(MugaiZipWriter) zip = mugai_zip_writer_new(1775034000, &error);
  g_autoptr(GBytes) out = NULL;
  const char *const names[] = { "資料/メモ.txt", "写真.png" };
  struct archive *a;
  struct archive_entry *e;
  const guint8 *p;
  gsize len;
  guint i = 0;

  g_assert_no_error(error);
  g_assert_true(mugai_zip_writer_add(zip, names[0], t, TRUE, &error));
  g_assert_true(mugai_zip_writer_add(zip, names[1], bin, FALSE, &error));
  g_assert_cmpuint(mugai_zip_writer_count(zip), ==, 2);
  out = mugai_zip_writer_finish(g_steal_pointer(&zip), &error);
  g_assert_no_error(error);
  p = g_bytes_get_data(out, &len);
  g_assert_true(len > 30 && !memcmp(p, "PK\3\4", 4));
  g_assert_true(p[7] & 0x08); /* bit 11 of the first local header's flags */

  setlocale(LC_CTYPE, "C.UTF-8");
  a = archive_read_new();
  archive_read_support_format_zip(a);
  g_assert_cmpint(archive_read_open_memory(a, p, len), ==, ARCHIVE_OK);
  while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
    char buf[64];
    la_ssize_t n = archive_read_data(a, buf, sizeof buf);
    g_assert_cmpuint(i, <, 2);
    g_assert_cmpstr(archive_entry_pathname(e), ==, names[i]);
    g_assert_cmpint(archive_entry_filetype(e), ==, AE_IFREG);
    if (i == 0)
      g_assert_true(n == sizeof text - 1 && !memcmp(buf, text, (gsize)n));
    else
      g_assert_true(n == 8 && !memcmp(buf, "\x89PNG", 4));
    i++;
  }
  g_assert_cmpuint(i, ==, 2);
  archive_read_free(a);
}

/* bid_on - the archive filter's bid for DATA sniffed as TYPE, named NAME */
static int
bid_on(const char *type, const char *name, const void *data, gsize len, MugaiRole role)
{
  g_autoptr(MugaiItem) item = mugai_item_new(NULL, "1");
  int bid;

  item->detected_type = g_strdup(type);
  item->name = g_strdup(name);
  item->role = role;
  item->data = g_bytes_new(data, len);
  bid = mugai_filter_archive.bid(item, NULL);
  return bid;
}

/* Archives are taken; office documents, which are ZIPs too, are left to
 * the office filter (a weak bid when libmagic only says "zip"). */
static void
test_bid(void)
{
  static const char plain[] = "PK\3\4\24\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\5\0\0\0a.txt";
  static const char ooxml[] = "PK\3\4\24\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\23\0\0\0"
                              "[Content_Types].xml";
  static const char odf[] = "PK\3\4\24\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\10\0\0\0"
                            "mimetype";

  g_assert_cmpint(bid_on("application/zip", "a.zip", plain, sizeof plain, MUGAI_ROLE_ATTACHMENT),
                  ==, MUGAI_BID_CERTAIN);
  g_assert_cmpint(bid_on("application/zip", "a.zip", ooxml, sizeof ooxml, MUGAI_ROLE_ATTACHMENT),
                  ==, MUGAI_BID_WEAK);
  g_assert_cmpint(bid_on("application/zip", "a.zip", odf, sizeof odf, MUGAI_ROLE_ATTACHMENT), ==,
                  MUGAI_BID_WEAK);
  g_assert_cmpint(
      bid_on("application/zip", "報告.DOCX", plain, sizeof plain, MUGAI_ROLE_ATTACHMENT), ==,
      MUGAI_BID_WEAK);
  g_assert_cmpint(bid_on("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                         "a.docx", ooxml, sizeof ooxml, MUGAI_ROLE_ATTACHMENT),
                  ==, MUGAI_BID_NONE);
  g_assert_cmpint(bid_on("application/vnd.oasis.opendocument.text", "a.odt", odf, sizeof odf,
                         MUGAI_ROLE_ATTACHMENT),
                  ==, MUGAI_BID_NONE);
  g_assert_cmpint(bid_on("application/gzip", "a.tgz", "\37\213", 2, MUGAI_ROLE_ATTACHMENT), ==,
                  MUGAI_BID_CERTAIN);
  g_assert_cmpint(
      bid_on("application/x-lzh-compressed", "a.lzh", "xx-lh5-", 7, MUGAI_ROLE_ATTACHMENT), ==,
      MUGAI_BID_CERTAIN);
  g_assert_cmpint(bid_on("application/zip", NULL, plain, sizeof plain, MUGAI_ROLE_BODY), ==,
                  MUGAI_BID_NONE);
  g_assert_cmpint(bid_on("text/plain", "a.zip", "hello", 5, MUGAI_ROLE_ATTACHMENT), ==,
                  MUGAI_BID_NONE);
}

/* A member's name is a path: its output takes the extension of its last
 * component only. */
static void
test_output_name(void)
{
  g_autoptr(MugaiItem) a = mugai_item_new(NULL, "1.2");
  g_autoptr(MugaiItem) b = mugai_item_new(NULL, "1.3");
  g_autofree char *na = NULL, *nb = NULL;

  a->name = g_strdup("v1.2/scan");
  b->name = g_strdup("資料/2026/見積書.pdf");
  na = mugai_item_output_name(a, ".png");
  nb = mugai_item_output_name(b, ".txt");
  g_assert_cmpstr(na, ==, "v1.2/scan.png");
  g_assert_cmpstr(nb, ==, "資料/2026/見積書.txt");
}

/* collect - MugaiDeliverableFunc: "name" of every deliverable */
static void
collect(const MugaiItem *item, const char *name, const char *type, GBytes *data, gpointer user_data)
{
  g_ptr_array_add(user_data, g_strdup(name));
}

/* child - a member of PARENT named NAME: flattened text, or a repacking
 * container with an output ZIP */
static MugaiItem *
child(MugaiItem *parent, const char *name, gboolean packs)
{
  MugaiItem *c = mugai_item_new(parent, "x");

  c->name = g_strdup(name);
  c->role = MUGAI_ROLE_ATTACHMENT;
  if (packs) {
    c->action = MUGAI_ACTION_EXPANDED;
    c->packs = TRUE;
    mugai_item_add_output(c, "inner.zip", "application/zip", g_bytes_new_static("PK", 2));
  } else {
    c->action = MUGAI_ACTION_FLATTENED;
    c->text = g_string_new("text");
  }
  mugai_item_append_child(parent, c);
  return c;
}

/* What an archive packs: its members' outputs, and of a nested archive
 * only the rebuilt ZIP (which already holds its members' outputs). */
static void
test_deliverables_nested(void)
{
  g_autoptr(MugaiItem) outer = mugai_item_new(NULL, "0");
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
  MugaiItem *inner;

  outer->action = MUGAI_ACTION_EXPANDED;
  outer->packs = TRUE;
  child(outer, "a.txt", FALSE);
  inner = child(outer, "sub/inner.zip", TRUE);
  child(inner, "deep.txt", FALSE);
  mugai_item_foreach_deliverable(outer, collect, names);
  g_assert_cmpuint(names->len, ==, 2);
  g_assert_cmpstr(g_ptr_array_index(names, 0), ==, "a.txt");
  g_assert_cmpstr(g_ptr_array_index(names, 1), ==, "inner.zip");
  g_assert_true(mugai_item_is_packed(mugai_item_get_child(inner, 0)));
}

/* evil_zip - a stored ZIP whose one member tells the evil worker WHAT */
static GBytes *
evil_zip(const char *what)
{
  g_autofree char *content = g_strdup_printf("%%mugai-evil:archive-%s\n", what);
  guint32 clen = (guint32)strlen(content);
  GByteArray *z = g_byte_array_new();
  guint8 h[46] = { 0 };

  /* local header, "e.txt", the content */
  memcpy(h, "PK\3\4\24\0", 6);
  h[18] = h[22] = (guint8)clen;
  h[26] = 5;
  g_byte_array_append(z, h, 30);
  g_byte_array_append(z, (const guint8 *)"e.txt", 5);
  g_byte_array_append(z, (const guint8 *)content, clen);
  /* central directory */
  memset(h, 0, sizeof h);
  memcpy(h, "PK\1\2\24\0\24\0", 8);
  h[20] = h[24] = (guint8)clen;
  h[28] = 5;
  g_byte_array_append(z, h, 46);
  g_byte_array_append(z, (const guint8 *)"e.txt", 5);
  /* end of central directory */
  memset(h, 0, sizeof h);
  memcpy(h, "PK\5\6", 4);
  h[8] = h[10] = 1;
  h[12] = 51;
  h[16] = (guint8)(35 + clen);
  g_byte_array_append(z, h, 22);
  return g_byte_array_free_to_bytes(z);
}

typedef struct {
  const char *what;
  const char *action;
  const char *code;
  const char *detail;
} Case;

static const Case cases[] = {
  /* the frame format (worker.c) */
  { "kind", "removed", "worker-failed", "unknown member kind" },
  { "name-length", "removed", "worker-failed", "does not match its length" },
  { "name-nul", "removed", "worker-failed", "does not match its length" },
  { "name-long", "removed", "worker-failed", "malformed MEMBER" },
  { "index", "removed", "worker-failed", "malformed MEMBER" },
  { "data-first", "removed", "worker-failed", "misplaced DATA" },
  { "data-dir", "removed", "worker-failed", "misplaced DATA" },
  { "data-index", "removed", "worker-failed", "misplaced DATA" },
  { "data-huge", "removed", "worker-failed", "misplaced DATA" },
  { "doc", "removed", "worker-failed", "does not send" },
  { "short", "removed", "worker-failed", "stopped before its last frame" },
  /* the [archive] limits, checked again by the parent (filters/archive.c) */
  { "member-bytes", "removed", "archive-limit", "a member over 4096 bytes" },
  { "total", "removed", "archive-limit", "over 8192 bytes in all" },
  { "members", "removed", "archive-limit", "more than 3 members" },
  { "ratio", "removed", "archive-limit", "times the archive's size" },
  /* what the worker reports */
  { "encrypted", "held", "encrypted", "password-protected" },
  { "bomb", "removed", "archive-limit", "expands more than" },
  /* the control: a worker that behaves is believed */
  { "good", "expanded", "container", "rebuilt as evil.zip" },
};

/* test_evil - one entry of cases[] */
static void
test_evil(gconstpointer data)
{
  const Case *c = data;
  g_autoptr(MugaiConfig) config = mugai_config_new_default();
  g_autoptr(GBytes) input = evil_zip(c->what);
  g_autoptr(GError) error = NULL;
  g_autoptr(MugaiResult) r = NULL;
  const MugaiItem *root;

  config->sandbox.worker = g_strdup(MUGAI_EVIL_WORKER);
  config->archive.max_member_bytes = 4096;
  config->archive.max_total_bytes = 8192;
  config->archive.max_members = 3;
  if (!strcmp(c->what, "ratio"))
    config->archive.max_member_bytes = config->archive.max_total_bytes = 64 << 20;
  r = mugai_sanitize_bytes(config, input, "evil.zip", MUGAI_INPUT_FILE, &error);
  g_assert_no_error(error);
  root = mugai_result_get_root(r);
  g_test_message("%s: %s %s (%s)", c->what, mugai_action_name(mugai_item_get_action(root)),
                 mugai_reason_code(mugai_item_get_reason(root)),
                 mugai_item_get_reason_detail(root));
  g_assert_cmpstr(mugai_item_get_detected_type(root), ==, "application/zip");
  g_assert_cmpstr(mugai_action_name(mugai_item_get_action(root)), ==, c->action);
  g_assert_cmpstr(mugai_reason_code(mugai_item_get_reason(root)), ==, c->code);
  g_assert_nonnull(strstr(mugai_item_get_reason_detail(root), c->detail));
  if (strcmp(c->what, "good"))
    g_assert_cmpuint(mugai_item_get_n_children(root), ==, 0);
  else
    g_assert_cmpuint(mugai_item_get_n_outputs(root), ==, 1);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/archive/decode-name", test_decode_name);
  g_test_add_func("/archive/unique", test_unique);
  g_test_add_func("/archive/zip-writer", test_zip_writer);
  g_test_add_func("/archive/bid", test_bid);
  g_test_add_func("/archive/output-name", test_output_name);
  g_test_add_func("/archive/deliverables-nested", test_deliverables_nested);
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *name = g_strdup_printf("/archive/evil/%s", cases[i].what);
    g_test_add_data_func(name, &cases[i], test_evil);
  }
  return g_test_run();
}
