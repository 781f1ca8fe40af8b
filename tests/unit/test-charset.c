/*
 * test-charset.c - the Japanese decoders, detection, labels, iconv fallback
 * and the ISO-2022-JP encoder.
 *
 * Every fixture is also decoded whole, in 7-byte blocks and one byte at a
 * time, which must give identical output and replacement counts (the
 * streaming rule of GMime's test suite). Expected values are exact UTF-8.
 */
#include <string.h>

#include <glib.h>

#include "text/charset.h"

/* お世話になっております。来週の会議資料を送付いたします。ご確認のほど、よろしくお願い申し上げます。 */
#define S_UTF8                                                                                     \
  "\xe3\x81\x8a\xe4\xb8\x96\xe8\xa9\xb1\xe3\x81\xab\xe3\x81\xaa\xe3\x81\xa3\xe3\x81\xa6\xe3\x81"   \
  "\x8a\xe3\x82\x8a\xe3\x81\xbe\xe3\x81\x99\xe3\x80\x82\xe6\x9d\xa5\xe9\x80\xb1\xe3\x81\xae\xe4"   \
  "\xbc\x9a\xe8\xad\xb0\xe8\xb3\x87\xe6\x96\x99\xe3\x82\x92\xe9\x80\x81\xe4\xbb\x98\xe3\x81\x84"   \
  "\xe3\x81\x9f\xe3\x81\x97\xe3\x81\xbe\xe3\x81\x99\xe3\x80\x82\xe3\x81\x94\xe7\xa2\xba\xe8\xaa"   \
  "\x8d\xe3\x81\xae\xe3\x81\xbb\xe3\x81\xa9\xe3\x80\x81\xe3\x82\x88\xe3\x82\x8d\xe3\x81\x97\xe3"   \
  "\x81\x8f\xe3\x81\x8a\xe9\xa1\x98\xe3\x81\x84\xe7\x94\xb3\xe3\x81\x97\xe4\xb8\x8a\xe3\x81\x92"   \
  "\xe3\x81\xbe\xe3\x81\x99\xe3\x80\x82"
#define S_CP932                                                                                    \
  "\x82\xa8\x90\xa2\x98"                                                                           \
  "b\x82\xc9\x82\xc8\x82\xc1\x82\xc4\x82\xa8\x82\xe8\x82\xdc\x82\xb7\x81"                          \
  "B\x97\x88\x8fT\x82\xcc\x89\xef\x8b"                                                             \
  "c\x8e\x91\x97\xbf\x82\xf0\x91\x97\x95t\x82\xa2\x82\xbd\x82\xb5\x82\xdc\x82\xb7\x81"             \
  "B\x82\xb2\x8am\x94"                                                                             \
  "F\x82\xcc\x82\xd9\x82\xc7\x81"                                                                  \
  "A\x82\xe6\x82\xeb\x82\xb5\x82\xad\x82\xa8\x8a\xe8\x82\xa2\x90\x5c\x82\xb5\x8f\xe3\x82\xb0\x82"  \
  "\xdc\x82\xb7\x81"                                                                               \
  "B"
#define S_EUC                                                                                      \
  "\xa4\xaa\xc0\xa4\xcf\xc3\xa4\xcb\xa4\xca\xa4\xc3\xa4\xc6\xa4\xaa\xa4\xea\xa4\xde\xa4\xb9\xa1"   \
  "\xa3\xcd\xe8\xbd\xb5\xa4\xce\xb2\xf1\xb5\xc4\xbb\xf1\xce\xc1\xa4\xf2\xc1\xf7\xc9\xd5\xa4\xa4"   \
  "\xa4\xbf\xa4\xb7\xa4\xde\xa4\xb9\xa1\xa3\xa4\xb4\xb3\xce\xc7\xa7\xa4\xce\xa4\xdb\xa4\xc9\xa1"   \
  "\xa2\xa4\xe8\xa4\xed\xa4\xb7\xa4\xaf\xa4\xaa\xb4\xea\xa4\xa4\xbf\xbd\xa4\xb7\xbe\xe5\xa4\xb2"   \
  "\xa4\xde\xa4\xb9\xa1\xa3"
#define S_JIS                                                                                      \
  "\x1b$B$*@$OC$K$J$C$F$*$j$^$9!#Mh=5$N2q5D;qNA$rAwIU$$$\x3f$7$^$9!#$43NG'$N$[$I!\x22$h$m$7$/"     \
  "$*4j$$\x3f=$7>e$2$^$9!#\x1b(B"

typedef struct {
  const char *name;
  const char *label; /* NULL: unlabelled */
  const char *input; /* bytes */
  gsize input_len;
  const char *expect; /* exact UTF-8 */
  gsize replaced;
  const char *used; /* charset name mugai_charset_decode must report */
} Fixture;

#define FX(name, label, in, out, repl, used)                                                       \
  {                                                                                                \
    name, label, in, sizeof(in) - 1, out, repl, used                                               \
  }

static const Fixture fixtures[] = {
  /* CP932 */
  FX("cp932/sentence", "Shift_JIS", S_CP932, S_UTF8, 0, "CP932"),
  FX("cp932/nec-row13", "shift_jis", "\x87@\x87V\x87\x8a\x87~", "①Ⅲ㈱㍻", 0, "CP932"),
  /* 髙 as NEC-selected IBM 0xEEE0 and IBM 0xFBFC; 﨑 as 0xED95 and 0xFAB1 */
  FX("cp932/ibm-ext", "windows-31j", "\xee\xe0\xfb\xfc\xed\x95\xfa\xb1", "\u9AD9\u9AD9\uFA11\uFA11",
     0, "CP932"),
  /* Microsoft's mappings: 0x8160 U+FF5E, 0x817C U+FF0D, 0x815F U+FF3C, 0x8191 U+FFE0,
   * 0x8192 U+FFE1, 0x81CA U+FFE2, 0x8161 U+2225 */
  FX("cp932/ms-symbols", "cp932", "\x81\x60\x81\x7c\x81\x5f\x81\x91\x81\x92\x81\xca\x81\x61",
     "\uFF5E\uFF0D\uFF3C\uFFE0\uFFE1\uFFE2\u2225", 0, "CP932"),
  FX("cp932/halfwidth-kana", "sjis", "\xba\xdd\xc6\xc1\xca", "ｺﾝﾆﾁﾊ", 0, "CP932"),
  FX("cp932/user-defined", "ms932", "\xf0\x40\xf9\xfc", "\uE000\uE757", 0, "CP932"),
  FX("cp932/backslash-yen-ascii", "shift_jis", "C:\\~", "C:\\~", 0, "CP932"),
  /* bad trail (space survives), 0xFF, unmapped pair with ASCII trail (the '@' survives),
   * lead cut off at the end */
  FX("cp932/invalid", "shift_jis", "\x82\xa0\x81 \x82\xa2\xff\x85\x40x\x82",
     "あ\uFFFD い\uFFFD\uFFFD@x\uFFFD", 4, "CP932"),
  /* ISO-2022-JP as CP50220 */
  FX("jis/sentence", "ISO-2022-JP", S_JIS, S_UTF8, 0, "CP50220"),
  FX("jis/nec-row13", "iso-2022-jp", "\x1b$B-!-5-m-_\x1b(B", "①Ⅰ㍾㍻", 0, "CP50220"),
  FX("jis/nec-selected-ibm", "iso-2022-jp", "\x1b$B|b\x1b(B", "\u9AD9", 0, "CP50220"),
  FX("jis/wave-dash", "csISO2022JP", "\x1b$B!A!]!@!q\x1b(B", "\uFF5E\uFF0D\uFF3C\uFFE0", 0,
     "CP50220"),
  FX("jis/esc-I-kana", "iso-2022-jp", "\x1b(I:]FAJ\x1b(B!", "ｺﾝﾆﾁﾊ!", 0, "CP50220"),
  FX("jis/SO-SI-kana", "iso-2022-jp",
     "a\x0e:]FAJ\x0f"
     "b",
     "aｺﾝﾆﾁﾊb", 0, "CP50220"),
  FX("jis/8bit-kana", "iso-2022-jp", "\xba\xdd", "ｺﾝ", 0, "CP50220"),
  FX("jis/roman", "iso-2022-jp", "\x1b(J\\~\x1b(B", "\\~", 0, "CP50220"),
  FX("jis/jisx0212", "iso-2022-jp", "\x1b$(D0!\x1b(B", "\u4E02", 0, "CP50220"),
  FX("jis/0208-1990", "iso-2022-jp", "\x1b&@\x1b$B$\"\x1b(B", "あ", 0, "CP50220"),
  FX("jis/newline-keeps-state", "iso-2022-jp", "\x1b$B$\"\n$\"\x1b(B", "あ\nあ", 0, "CP50220"),
  FX("jis/ends-in-kanji", "iso-2022-jp", "\x1b$B$\"", "あ", 0, "CP50220"),
  FX("jis/truncated-char", "iso-2022-jp", "\x1b$B$\"$", "あ\uFFFD", 1, "CP50220"),
  FX("jis/truncated-escape", "iso-2022-jp", "ok\x1b$", "ok\uFFFD", 1, "CP50220"),
  FX("jis/stray-esc", "iso-2022-jp", "abc\x1b\ndef", "abc\uFFFD\ndef", 1, "CP50220"),
  FX("jis/esc-esc", "iso-2022-jp", "\x1b\x1b$B$\"\x1b(B", "\uFFFDあ", 1, "CP50220"),
  FX("jis/unknown-set", "iso-2022-jp", "\x1b$A!!\x1b(Bx", "\uFFFD\uFFFDx", 2, "CP50220"),
  FX("jis/bad-8bit", "iso-2022-jp",
     "a\x80"
     "b",
     "a\uFFFDb", 1, "CP50220"),
  /* eucJP-ms */
  FX("euc/sentence", "EUC-JP", S_EUC, S_UTF8, 0, "eucJP-ms"),
  /* wave dash, minus, NEC row 13, 0x8E kana, JIS X 0212, IBM ext 0x8FF3F3, 0x8FA2B7 tilde,
   * user-defined rows of both planes */
  FX("euc/eucjp-ms", "euc-jp",
     "\xa1\xc1\xa1\xdd\xad\xa1\x8e\xba\x8f\xb0\xa1\x8f\xf3\xf3\x8f\xa2\xb7\xf5\xa1\x8f\xf5\xa1",
     "\uFF5E\uFF0D①ｺ\u4E02\u2170\uFF5E\uE000\uE3AC", 0, "eucJP-ms"),
  FX("euc/halfwidth-kana", "x-euc-jp", "\x8e\xba\x8e\xdd\x8e\xc6\x8e\xc1\x8e\xca", "ｺﾝﾆﾁﾊ", 0,
     "eucJP-ms"),
  FX("euc/invalid", "euc-jp", "\xa4\xa2\x8e\x41\xa4\xa4\x80\xa4\xa2\xa4",
     "あ\uFFFDAい\uFFFDあ\uFFFD", 3, "eucJP-ms"),
  /* UTF-8: Unicode 3.9 table 3-8 (maximal subparts) and the classic bad forms */
  FX("utf8/maximal-subpart", "utf-8", "\x61\xf1\x80\x80\xe1\x80\xc2\x62\x80\x63\x80\xbf\x64",
     "a\uFFFD\uFFFD\uFFFDb\uFFFDc\uFFFD\uFFFDd", 6, "UTF-8"),
  FX("utf8/overlong-surrogate-toobig", "utf-8", "\xc0\xaf\xe0\x80\xaf\xed\xa0\x80\xf4\x90\x80\x80x",
     "\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD\uFFFDx", 12, "UTF-8"),
  FX("utf8/truncated", "utf-8", "\xe3\x81\x82\xe3\x81", "あ\uFFFD", 1, "UTF-8"),
  FX("utf8/astral", "utf8", "\xf0\x9f\x98\x80", "\U0001F600", 0, "UTF-8"),
  /* labels that lie or say nothing */
  FX("mislabel/sjis-as-iso2022jp", "iso-2022-jp", S_CP932, S_UTF8, 0, "CP932"),
  FX("mislabel/sjis-as-utf8", "utf-8", S_CP932, S_UTF8, 0, "CP932"),
  FX("mislabel/utf8-as-latin1", "iso-8859-1", "caf\xc3\xa9 \xe3\x81\x82", "café あ", 0, "UTF-8"),
  FX("mislabel/sjis-as-latin1", "iso-8859-1", S_CP932, S_UTF8, 0, "CP932"),
  /* お知らせ: no byte windows-1252 leaves undefined, so only the kana evidence catches it */
  FX("mislabel/sjis-as-latin1-kana", "iso-8859-1", "\x82\xa8\x92m\x82\xe7\x82\xb9", "お知らせ", 0,
     "CP932"),
  FX("mislabel/sjis-as-ascii", "us-ascii", S_CP932, S_UTF8, 0, "CP932"),
  FX("mislabel/euc-unlabelled", NULL, S_EUC, S_UTF8, 0, "eucJP-ms"),
  FX("mislabel/euc-x-unknown", "x-unknown", S_EUC, S_UTF8, 0, "eucJP-ms"),
  FX("mislabel/sjis-unlabelled", NULL, S_CP932, S_UTF8, 0, "CP932"),
  FX("mislabel/jis-unlabelled", NULL, S_JIS, S_UTF8, 0, "CP50220"),
  FX("mislabel/utf8-unknown-8bit", "unknown-8bit", S_UTF8, S_UTF8, 0, "UTF-8"),
  FX("latin1/real-latin1", "iso-8859-1", "caf\xe9 \xe9l\xe8ve \x93q\x94", "café élève “q”", 0,
     "WINDOWS-1252"),
  FX("ascii/plain", "us-ascii", "hello\tworld", "hello\tworld", 0, "US-ASCII"),
  /* iconv */
  FX("iconv/gbk-labelled-gb2312", "gb2312", "\xbc\xfb\xbb\xfd\xca\xe9", "见积书", 0, "GB18030"),
  FX("iconv/ks_c_5601-1987", "ks_c_5601-1987", "\xb0\xdf\xc0\xfb\xbc\xad", "견적서", 0, "CP949"),
  FX("iconv/koi8-r", "KOI8-R", "\xf0\xd2\xc9\xd7\xc5\xd4", "Привет", 0, "KOI8-R"),
  /* glibc's UHC rejects 0xA2E8 only after consuming it: the next byte must survive */
  FX("iconv/glibc-uhc-a2e8", "ks_c_5601-1987", "\xa2\xe8\x31\xff", "\uFFFD\x31\uFFFD", 2, "CP949"),
  FX("iconv/glibc-uhc-a2e8-then-bad", "cp949", "\xa2\xe8\xff;", "\uFFFD\uFFFD;", 2, "CP949"),
  FX("iconv/invalid-byte", "iso-8859-7", "\xe1\xff\xe2", "α\uFFFDβ", 1, "ISO-8859-7"),
};

/* utf8_ok - S is valid UTF-8; NULs are allowed (stripping them is normalize.c's job). */
static gboolean
utf8_ok(const char *s, gsize len)
{
  const char *end = s + len, *stop;

  while (!g_utf8_validate_len(s, (gsize)(end - s), &stop)) {
    if (stop >= end || *stop != '\0')
      return FALSE;
    s = stop + 1;
  }
  return TRUE;
}

/* decode_with - feed BYTES to a KIND decoder in blocks of BLOCK bytes (0: whole). */
static GString *
decode_with(MugaiCharsetKind kind, const char *iconv_name, const char *bytes, gsize len,
            gsize block, gsize *replaced)
{
  g_autoptr(MugaiDecoder) dec = mugai_decoder_new(kind, iconv_name);
  GString *out = g_string_new(NULL);

  g_assert_nonnull(dec);
  if (block == 0)
    block = len ? len : 1;
  for (gsize i = 0; i < len; i += block)
    mugai_decoder_feed(dec, (const guint8 *)bytes + i, MIN(block, len - i), out);
  mugai_decoder_finish(dec, out);
  *replaced = mugai_decoder_replacements(dec);
  g_assert_true(utf8_ok(out->str, out->len));
  return out;
}

/* check_streaming - whole, 7-byte and 1-byte feeding agree for KIND on BYTES. */
static void
check_streaming(MugaiCharsetKind kind, const char *iconv_name, const char *bytes, gsize len)
{
  gsize r_whole, r7, r1;
  g_autoptr(GString) whole = decode_with(kind, iconv_name, bytes, len, 0, &r_whole);
  g_autoptr(GString) b7 = decode_with(kind, iconv_name, bytes, len, 7, &r7);
  g_autoptr(GString) b1 = decode_with(kind, iconv_name, bytes, len, 1, &r1);

  g_assert_true(g_string_equal(b7, whole));
  g_assert_true(g_string_equal(b1, whole));
  g_assert_cmpuint(r7, ==, r_whole);
  g_assert_cmpuint(r1, ==, r_whole);
}

/* test_fixture - one fixture: exact output, replacements, charset used, streaming. */
static void
test_fixture(gconstpointer data)
{
  const Fixture *fx = data;
  g_autoptr(GString) out = g_string_new("prefix:");
  gsize replaced = 12345;
  const char *used;
  MugaiCharsetKind kind;

  used = mugai_charset_decode(fx->label, (const guint8 *)fx->input, fx->input_len, out, &replaced);
  g_assert_true(g_str_has_prefix(out->str, "prefix:"));
  g_assert_cmpstr(out->str + 7, ==, fx->expect);
  g_assert_cmpuint(replaced, ==, fx->replaced);
  g_assert_cmpstr(used, ==, fx->used);

  /* the decoder of the charset used gives the same, however it is fed */
  kind = mugai_charset_from_label(used);
  g_assert_cmpint(kind, !=, MUGAI_CHARSET_UNKNOWN);
  check_streaming(kind, used, fx->input, fx->input_len);
  gsize r;
  g_autoptr(GString) direct = decode_with(kind, used, fx->input, fx->input_len, 1, &r);
  g_assert_cmpstr(direct->str, ==, fx->expect);
  g_assert_cmpuint(r, ==, fx->replaced);

  /* and every Japanese decoder survives it in every feeding */
  for (MugaiCharsetKind k = MUGAI_CHARSET_ASCII; k <= MUGAI_CHARSET_EUCJPMS; k++)
    check_streaming(k, NULL, fx->input, fx->input_len);
  check_streaming(MUGAI_CHARSET_ICONV, "GB18030", fx->input, fx->input_len);
  check_streaming(MUGAI_CHARSET_ICONV, "UTF-16LE", fx->input, fx->input_len);
}

/* test_random_streaming - random bytes: valid UTF-8 out, same result however fed. */
static void
test_random_streaming(void)
{
  static const guint8 alphabet[]
      = { 0x1B, '$',  '(',  'B',  '@',  'J',  'I',  'D',  0x0E, 0x0F, '!',
          '~',  0x80, 0x81, 0x8E, 0x8F, 0x9F, 0xA1, 0xC1, 0xDF, 0xE0, 0xED,
          0xEF, 0xF0, 0xF4, 0xF5, 0xFC, 0xFE, 0xFF, 0xBF, '\n', 'a' };

  for (int iter = 0; iter < 300; iter++) {
    guint8 buf[64];
    gsize len = (gsize)g_test_rand_int_range(0, sizeof buf);
    for (gsize i = 0; i < len; i++)
      buf[i] = g_test_rand_bit() ? alphabet[g_test_rand_int_range(0, sizeof alphabet)]
                                 : (guint8)g_test_rand_int_range(0, 256);
    for (MugaiCharsetKind k = MUGAI_CHARSET_ASCII; k <= MUGAI_CHARSET_EUCJPMS; k++)
      check_streaming(k, NULL, (const char *)buf, len);
    check_streaming(MUGAI_CHARSET_ICONV, "CP949", (const char *)buf, len);
    check_streaming(MUGAI_CHARSET_ICONV, "BIG5-HKSCS", (const char *)buf, len);
    g_autoptr(GString) out = g_string_new(NULL);
    mugai_charset_decode(NULL, buf, len, out, NULL);
    g_assert_true(utf8_ok(out->str, out->len));
  }
}

/* test_stateful_iconv - converters with a shift state (UTF-7, ISO-2022-KR)
 * give the same result however fed, errors included: the fuzzer found UTF-7
 * keeping part of a broken base64 run depending on where feeds were cut. */
static void
test_stateful_iconv(void)
{
  static const char found[] = "Z\x1b"
                              "B$8!f@+8Q![F;O)J\x12"
                              "d=`?\x1b?7E6(I@(B \x1b$(Q\x1b,";
  static const char alphabet[] = "+-+-+-AZaz09+/!~=.\x1b$)C\x0e\x0f\x80\xff\n ";
  static const char *const names[] = { "UTF-7", "UTF-7-IMAP", "ISO-2022-KR" };

  for (gsize block = 1; block <= 17; block++) {
    gsize r_whole, r_block;
    g_autoptr(GString) whole
        = decode_with(MUGAI_CHARSET_ICONV, "UTF-7", found, sizeof found - 1, 0, &r_whole);
    g_autoptr(GString) parts
        = decode_with(MUGAI_CHARSET_ICONV, "UTF-7", found, sizeof found - 1, block, &r_block);
    g_assert_true(g_string_equal(parts, whole));
    g_assert_cmpuint(r_block, ==, r_whole);
  }
  for (int iter = 0; iter < 500; iter++) {
    char buf[48];
    gsize len = (gsize)g_test_rand_int_range(0, sizeof buf);
    for (gsize i = 0; i < len; i++)
      buf[i] = alphabet[g_test_rand_int_range(0, sizeof alphabet - 1)];
    for (guint n = 0; n < G_N_ELEMENTS(names); n++)
      check_streaming(MUGAI_CHARSET_ICONV, names[n], buf, len);
  }
}

/* test_utf7 - UTF-7 (RFC 2152's examples) and its IMAP form, decoded by
 * mugai; every malformed run is one U+FFFD and the text goes on. */
static void
test_utf7(void)
{
  static const struct {
    const char *name, *in, *want;
    gsize replaced;
  } cases[] = {
    { "UTF-7", "Hi Mom -+Jjo--!", "Hi Mom -\u263a-!", 0 },
    { "utf-7", "+ZeVnLIqe-", "日本語", 0 },
    { "UTF-7", "A+ImIDkQ.", "A\u2262\u0391.", 0 },
    { "UTF-7", "1 +- 1 = 2", "1 + 1 = 2", 0 },
    { "UTF-7", "+2D3cAA-", "\U0001F400", 0 }, /* a surrogate pair */
    { "UTF-7", "a+2D0-b", "a\uFFFDb", 1 },    /* a high surrogate alone */
    { "UTF-7", "a+3AA-b", "a\uFFFDb", 1 },    /* a low surrogate alone */
    { "UTF-7", "a+!b", "a\uFFFD!b", 1 },      /* a shift with no run */
    { "UTF-7", "a+", "a\uFFFD", 1 },          /* a shift at the end */
    { "UTF-7", "+AGE-", "a", 0 },             /* two leftover bits, zero */
    { "UTF-7", "+AGF-", "a\uFFFD", 1 },       /* two leftover bits, not zero */
    { "UTF-7", "x\x80y", "x\uFFFDy", 1 },     /* 8-bit byte */
    { "UTF-7", "+ZeVnLA", "日本", 0 },        /* a run ended by the text's end */
    { "UTF-7-IMAP", "&ZeVnLIqe-", "日本語", 0 },
    { "UTF-7-IMAP", "a&-b+c", "a&b+c", 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    gsize replaced = 99;
    g_autoptr(GString) out = decode_with(MUGAI_CHARSET_ICONV, cases[i].name, cases[i].in,
                                         strlen(cases[i].in), 0, &replaced);
    g_assert_cmpstr(out->str, ==, cases[i].want);
    g_assert_cmpuint(replaced, ==, cases[i].replaced);
    check_streaming(MUGAI_CHARSET_ICONV, cases[i].name, cases[i].in, strlen(cases[i].in));
  }
  /* through the labelled decode, as a MIME part would be */
  {
    g_autoptr(GString) out = g_string_new(NULL);
    gsize replaced = 99;
    const char *used
        = mugai_charset_decode("utf-7", (const guint8 *)"+ZeVnLIqe-", 10, out, &replaced);
    g_assert_cmpstr(out->str, ==, "日本語");
    g_assert_cmpuint(replaced, ==, 0);
    g_assert_cmpstr(used, ==, "UTF-7");
  }
}

/* test_detect - unlabelled realistic text of each encoding is recognised. */
static void
test_detect(void)
{
#define DETECT(s, kind)                                                                            \
  g_assert_cmpint(mugai_charset_detect((const guint8 *)(s), sizeof(s) - 1), ==, kind)
  DETECT(S_CP932, MUGAI_CHARSET_CP932);
  DETECT(S_EUC, MUGAI_CHARSET_EUCJPMS);
  DETECT(S_JIS, MUGAI_CHARSET_CP50220);
  DETECT(S_UTF8, MUGAI_CHARSET_UTF8);
  DETECT("Hello, world\r\n", MUGAI_CHARSET_ASCII);
  DETECT("", MUGAI_CHARSET_ASCII);
  DETECT("\x1b(Iabc", MUGAI_CHARSET_CP50220);
  DETECT("\x1b[31mred", MUGAI_CHARSET_ASCII);
  /* 件名：お見積り */
  DETECT("\x8c\x8f\x96\xbc\x81"
         "F\x82\xa8\x8c\xa9\x90\xcf\x82\xe8",
         MUGAI_CHARSET_CP932);
  DETECT("\xb7\xef\xcc\xbe\xa1\xa7\xa4\xaa\xb8\xab\xc0\xd1\xa4\xea", MUGAI_CHARSET_EUCJPMS);
  /* お知らせ */
  DETECT("\x82\xa8\x92m\x82\xe7\x82\xb9", MUGAI_CHARSET_CP932);
  /* UTF-8 cut mid-character is still UTF-8 */
  DETECT("\xe3\x81\x82\xe3\x81", MUGAI_CHARSET_UTF8);
  g_assert_cmpint(mugai_charset_detect(NULL, 0), ==, MUGAI_CHARSET_ASCII);
#undef DETECT
}

/* test_labels - label classification. */
static void
test_labels(void)
{
  g_assert_cmpint(mugai_charset_from_label("Shift_JIS"), ==, MUGAI_CHARSET_CP932);
  g_assert_cmpint(mugai_charset_from_label(" \"ISO-2022-JP\" "), ==, MUGAI_CHARSET_CP50220);
  g_assert_cmpint(mugai_charset_from_label("euc-jp"), ==, MUGAI_CHARSET_EUCJPMS);
  g_assert_cmpint(mugai_charset_from_label("UTF-8*ja"), ==, MUGAI_CHARSET_UTF8);
  g_assert_cmpint(mugai_charset_from_label("ANSI_X3.4-1968"), ==, MUGAI_CHARSET_ASCII);
  g_assert_cmpint(mugai_charset_from_label("iso-8859-15"), ==, MUGAI_CHARSET_ICONV);
  g_assert_cmpint(mugai_charset_from_label("ks_c_5601-1987"), ==, MUGAI_CHARSET_ICONV);
  g_assert_cmpint(mugai_charset_from_label("x-unknown"), ==, MUGAI_CHARSET_UNKNOWN);
  g_assert_cmpint(mugai_charset_from_label("default"), ==, MUGAI_CHARSET_UNKNOWN);
  g_assert_cmpint(mugai_charset_from_label("no-such-charset"), ==, MUGAI_CHARSET_UNKNOWN);
  g_assert_cmpint(mugai_charset_from_label("utf-8//TRANSLIT"), ==, MUGAI_CHARSET_UNKNOWN);
  g_assert_cmpint(mugai_charset_from_label("../../etc/x"), ==, MUGAI_CHARSET_UNKNOWN);
  g_assert_cmpint(mugai_charset_from_label(""), ==, MUGAI_CHARSET_UNKNOWN);
  g_assert_cmpint(mugai_charset_from_label(NULL), ==, MUGAI_CHARSET_UNKNOWN);
  g_assert_cmpstr(mugai_charset_kind_name(MUGAI_CHARSET_EUCJPMS), ==, "eucJP-ms");
  g_assert_null(mugai_decoder_new(MUGAI_CHARSET_ICONV, "no-such-charset"));
  g_assert_null(mugai_decoder_new(MUGAI_CHARSET_UNKNOWN, NULL));
}

/* test_big_input - more than one internal block, with a character across the boundary. */
static void
test_big_input(void)
{
  g_autoptr(GString) in = g_string_new(NULL);
  g_autoptr(GString) expect = g_string_new(NULL);
  g_autoptr(GString) out = g_string_new(NULL);
  gsize replaced;

  g_string_append_c(in, 'x'); /* puts every pair across the 16 KiB block edges */
  g_string_append_c(expect, 'x');
  for (int i = 0; i < 20000; i++) {
    g_string_append(in, "\x87@\x82\xa0");
    g_string_append(expect, "①あ");
  }
  g_assert_cmpstr(mugai_charset_decode("cp932", (const guint8 *)in->str, in->len, out, &replaced),
                  ==, "CP932");
  g_assert_cmpuint(replaced, ==, 0);
  g_assert_cmpstr(out->str, ==, expect->str);
}

/* encode - mugai_charset_encode_iso2022jp of UTF8 as a new string. */
static char *
encode(const char *utf8)
{
  GString *out = g_string_new(NULL);

  mugai_charset_encode_iso2022jp(utf8, strlen(utf8), out);
  return g_string_free(out, FALSE);
}

/* test_encode - the ISO-2022-JP encoder: exact bytes, round trip, kana, GETA. */
static void
test_encode(void)
{
  static const char text[] = "お世話になっております。①Ⅲ㈱㍻ 髙﨑～－＼￠\nABC";
  g_autofree char *simple = encode("aあb");
  g_autofree char *jis = encode(text);
  g_autofree char *kana = encode("ｶﾞｷﾞﾊﾟｳﾞｱｯﾎﾟ");
  g_autofree char *geta = encode("\U0001F600한");
  g_autofree char *wave = encode("\u301C\u2212");
  g_autofree char *tail = encode("あ");
  g_autofree char *dups = encode("≒∵￢");
  g_autoptr(GString) back = g_string_new(NULL);
  gsize replaced;

  g_assert_cmpstr(simple, ==, "a\x1b$B$\"\x1b(Bb");
  g_assert_cmpstr(tail, ==, "\x1b$B$\"\x1b(B");
  for (const char *p = jis; *p; p++)
    g_assert_cmpuint((guchar)*p, <, 0x80);
  /* the line ends in ASCII (RFC 1468) */
  g_assert_nonnull(strstr(jis, "\x1b(B\nABC"));
  mugai_charset_decode("iso-2022-jp", (const guint8 *)jis, strlen(jis), back, &replaced);
  g_assert_cmpstr(back->str, ==, text);
  g_assert_cmpuint(replaced, ==, 0);

  g_string_truncate(back, 0);
  mugai_charset_decode("iso-2022-jp", (const guint8 *)kana, strlen(kana), back, NULL);
  g_assert_cmpstr(back->str, ==, "ガギパヴアッポ");

  g_string_truncate(back, 0);
  mugai_charset_decode("iso-2022-jp", (const guint8 *)geta, strlen(geta), back, NULL);
  g_assert_cmpstr(back->str, ==, "\u3013\u3013");

  g_assert_cmpstr(wave, ==, "\x1b$B!A!]\x1b(B");
  /* characters also in NEC row 13 / NEC-selected IBM rows use the JIS X 0208 code */
  g_assert_cmpstr(dups, ==, "\x1b$B\"b\"h\"L\x1b(B");
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS(fixtures); i++) {
    g_autofree char *path = g_strdup_printf("/charset/fixture/%s", fixtures[i].name);
    g_test_add_data_func(path, &fixtures[i], test_fixture);
  }
  g_test_add_func("/charset/random-streaming", test_random_streaming);
  g_test_add_func("/charset/stateful-iconv", test_stateful_iconv);
  g_test_add_func("/charset/utf7", test_utf7);
  g_test_add_func("/charset/detect", test_detect);
  g_test_add_func("/charset/labels", test_labels);
  g_test_add_func("/charset/big-input", test_big_input);
  g_test_add_func("/charset/encode", test_encode);
  return g_test_run();
}
