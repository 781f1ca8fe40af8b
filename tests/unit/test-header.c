/*
 * test-header.c - RFC 2047 words, RFC 2231 parameters and raw 8-bit headers
 * as Japanese mailers really send them.
 */
#include <string.h>

#include <glib.h>

#include "text/header.h"

typedef struct {
  const char *name;
  const char *raw;
  gsize len; /* 0: strlen */
  const char *expect;
} TextCase;

static const TextCase text_cases[] = {
  { "b", "=?UTF-8?B?44GC44GE44GG?=", 0, "あいう" },
  { "q", "=?utf-8?Q?caf=C3=A9_au_lait?=", 0, "café au lait" },
  { "q-lowercase-hex-and-bad-escape", "=?utf-8?q?=c3=a9=ZZ=?=", 0, "é=ZZ=" },
  { "plain", "Re: hello  world ", 0, "Re: hello world" },
  /* 見積書のご送付について split after "ESC $" and in the middle of 積 */
  { "iso2022jp-split",
    "=?ISO-2022-JP?B?GyQ=?= =?ISO-2022-JP?B?QjgrQFE=?=\r\n"
    " =?ISO-2022-JP?B?PXEkTiQ0QXdJVSRLJEQkJCRGGyhC?=",
    0, "見積書のご送付について" },
  { "iso2022jp-nec", "=?ISO-2022-JP?B?GyRCLSEbKEI=?=", 0, "①" },
  { "space-between-words-dropped", "=?utf-8?B?44GC?= =?utf-8?B?44GE?=", 0, "あい" },
  { "space-to-text-kept", "=?utf-8?B?44GC?= abc =?utf-8?B?44GE?=", 0, "あ abc い" },
  { "different-charsets-adjacent", "=?ISO-2022-JP?B?GyRCOzNFRBsoQg==?=\t=?utf-8?B?44GV44KT?=", 0,
    "山田さん" },
  { "base64-split-mid-quantum", "=?utf-8?B?44GC4?= =?utf-8?B?4GE?=", 0, "あい" },
  { "language-suffix", "=?utf-8*ja?B?44GC?=", 0, "あ" },
  { "touching-text", "Re:=?utf-8?B?44GC?=x", 0, "Re:あx" },
  { "in-quotes", "\"=?ISO-2022-JP?B?GyRCOzNFRBsoQg==?=\" <yamada@example.jp>", 0,
    "\"山田\" <yamada@example.jp>" },
  { "unknown-charset-detects", "=?x-unknown?B?jKmQz4+R?=", 0, "見積書" },
  { "sjis-labelled-iso2022jp", "=?ISO-2022-JP?B?jKmQz4+RgsyCspGXlXQ=?=", 0, "見積書のご送付" },
  { "malformed-encoding", "=?utf-8?X?abc?=", 0, "=?utf-8?X?abc?=" },
  { "malformed-unterminated", "x =?utf-8?B?44GC", 0, "x =?utf-8?B?44GC" },
  { "malformed-space-inside", "=?utf-8?Q?a b?=", 0, "=?utf-8?Q?a b?=" },
  { "malformed-empty-charset", "=??B?44GC?=", 0, "=??B?44GC?=" },
  { "malformed-then-good", "=?=?utf-8?B?44GC?=", 0, "=?あ" },
  { "empty-word",
    "a =?utf-8?B?"
    "?= b",
    0, "a b" },
  /* raw 8-bit: 件名：お見積り in Shift_JIS, EUC-JP, ISO-2022-JP; and UTF-8 */
  { "raw-sjis",
    "\x8c\x8f\x96\xbc\x81"
    "F\x82\xa8\x8c\xa9\x90\xcf\x82\xe8",
    0, "件名：お見積り" },
  { "raw-euc", "\xb7\xef\xcc\xbe\xa1\xa7\xa4\xaa\xb8\xab\xc0\xd1\xa4\xea", 0, "件名：お見積り" },
  { "raw-iso2022jp", "\x1b$B7oL>!'$*8+@Q$j\x1b(B", 0, "件名：お見積り" },
  { "raw-utf8-and-word", "\xe4\xbb\xb6\xe5\x90\x8d: =?utf-8?B?44GC?=", 0, "件名: あ" },
  { "folded", "abc\r\n def\r\n\tghi", 0, "abc def ghi" },
  { "nul-stripped", "a\0b", 3, "ab" },
  { "escape-stripped", "a\x1b[31mb", 0, "a[31mb" },
  { "bidi-stripped", "=?utf-8?B?aW52b2ljZeKArmZkcC5leGU=?=", 0, "invoicefdp.exe" },
  { "c1-in-word-stripped", "=?utf-8?Q?a=C2=85b?=", 0, "ab" },
  { "invalid-utf8-in-word", "=?utf-8?Q?a=FFb?=", 0, "a\uFFFDb" },
};

/* test_text - one mugai_header_decode_text case. */
static void
test_text(gconstpointer data)
{
  const TextCase *tc = data;
  gsize len = tc->len ? tc->len : strlen(tc->raw);
  g_autofree char *out = mugai_header_decode_text(tc->raw, len);

  g_assert_cmpstr(out, ==, tc->expect);
}

/* test_text_limits - oversize input is cut, hostile fragments never crash. */
static void
test_text_limits(void)
{
  gsize big = MUGAI_HEADER_VALUE_MAX * 2;
  g_autofree char *raw = g_malloc(big);
  g_autofree char *out = NULL;
  static const char *const frags[]
      = { "=?",      "=?utf-8?", "=?utf-8?B?", "=?utf-8?B?4",           "?=",
          "=?a?q?=", "\x82",     "\x1b$B",     "=?iso-2022-jp?b?GyRC?=" };

  memset(raw, 'a', big);
  out = mugai_header_decode_text(raw, big);
  g_assert_cmpuint(strlen(out), ==, MUGAI_HEADER_VALUE_MAX);

  for (gsize i = 0; i < G_N_ELEMENTS(frags); i++) {
    for (gsize l = 0; l <= strlen(frags[i]); l++) {
      g_autofree char *o = mugai_header_decode_text(frags[i], l);
      g_assert_true(g_utf8_validate(o, -1, NULL));
    }
  }
  g_autofree char *n = mugai_header_decode_text(NULL, 5);
  g_assert_cmpstr(n, ==, "");
}

typedef struct {
  const char *name;
  const char *raw;
  const char *param;
  const char *expect; /* NULL: absent */
} ParamCase;

static const ParamCase param_cases[] = {
  { "rfc2231-iso2022jp", "attachment; filename*=ISO-2022-JP''%1B%24B8%2B%40Q%3Dq%1B%28B.pdf",
    "filename", "見積書.pdf" },
  { "rfc2231-utf8-lang", "attachment; filename*=utf-8'ja'%E8%A6%8B%E7%A9%8D%E6%9B%B8.xlsx",
    "filename", "見積書.xlsx" },
  { "rfc2231-no-charset", "attachment; filename*=''%E8%A6%8B.txt", "filename", "見.txt" },
  { "continuations",
    "attachment; filename*0*=UTF-8''%E8%A6%8B%E7%A9%8D; filename*1*=%E6%9B%B8; filename*2=.pdf",
    "filename", "見積書.pdf" },
  { "continuations-out-of-order",
    "attachment;\r\n filename*2=\".pdf\";\r\n filename*1*=%E6%9B%B8;\r\n"
    " filename*0*=UTF-8''%E8%A6%8B%E7%A9%8D",
    "filename", "見積書.pdf" },
  { "continuations-plain", "application/pdf; name*0=\"abc\"; name*1=\"def.txt\"", "name",
    "abcdef.txt" },
  { "continuations-rfc2047",
    "application/pdf; name*0=\"=?ISO-2022-JP?B?GyQ=?=\"; "
    "name*1=\"=?ISO-2022-JP?B?QjgrQFE9cRsoQg==?=\"",
    "name", "見積書" },
  { "continuation-index-capped",
    "attachment; filename*0=a; filename*64=b; "
    "filename*99999999999999999999=c",
    "filename", "a" },
  { "prefer-2231", "attachment; filename=\"fallback.pdf\"; filename*=UTF-8''%E8%A6%8B.pdf",
    "filename", "見.pdf" },
  { "prefer-2231-continuation",
    "attachment; filename=\"fallback.pdf\"; filename*0*=UTF-8''%E8%A6%8B.pdf", "filename",
    "見.pdf" },
  { "quoted-rfc2047", "attachment; filename=\"=?ISO-2022-JP?B?GyRCOCtAUT1xGyhC?=.pdf\"", "filename",
    "見積書.pdf" },
  { "raw-sjis", "attachment; filename=\"\x8c\xa9\x90\xcf\x8f\x91.pdf\"", "filename", "見積書.pdf" },
  /* ソ表.pdf: both trail bytes are 0x5C and are not escapes */
  { "raw-sjis-5c-trail", "attachment; filename=\"\x83\x5c\x95\x5c.pdf\"", "filename", "ソ表.pdf" },
  { "raw-sjis-5c-before-quote", "attachment; filename=\"\x83\x5c\"; size=10", "filename", "ソ" },
  { "raw-sjis-5c-next-param", "attachment; filename=\"\x83\x5c\"; size=10", "size", "10" },
  { "raw-iso2022jp", "attachment; filename=\"\x1b$B8+@Q=q\x1b(B.pdf\"", "filename", "見積書.pdf" },
  { "raw-utf8", "attachment; filename=\"\xe8\xa6\x8b.pdf\"", "filename", "見.pdf" },
  { "backslash-escapes", "attachment; filename=\"a\\\"b\\\\c\"", "filename", "a\"b\\c" },
  { "token", "text/plain; charset=ISO-2022-JP; format=flowed", "charset", "ISO-2022-JP" },
  { "quoted-charset", "text/plain; charset=\"iso-2022-jp\"", "charset", "iso-2022-jp" },
  { "case-insensitive-name", "attachment; FileName=x.txt", "filename", "x.txt" },
  { "spaces-around-equals", "attachment; filename = \"a b.txt\" ", "filename", "a b.txt" },
  { "unquoted-with-space", "attachment; filename=my file.txt; size=1", "filename", "my file.txt" },
  { "semicolon-in-quotes", "attachment; filename=\"a;b.txt\"", "filename", "a;b.txt" },
  { "unterminated-quote", "attachment; filename=\"abc", "filename", "abc" },
  { "absent", "attachment; name=x", "filename", NULL },
  { "prefix-is-not-name", "attachment; filenames=x", "filename", NULL },
  { "bidi-stripped", "attachment; filename*=UTF-8''invoice%E2%80%AEfdp.exe", "filename",
    "invoicefdp.exe" },
  { "nul-stripped", "attachment; filename*=UTF-8''a%00b.txt", "filename", "ab.txt" },
  { "bad-percent-literal", "attachment; filename*=UTF-8''100%25%zz.txt", "filename",
    "100%%zz.txt" },
  { "empty-value", "attachment; filename=\"\"", "filename", "" },
};

/* test_param - one mugai_header_param case. */
static void
test_param(gconstpointer data)
{
  const ParamCase *pc = data;
  g_autofree char *out = mugai_header_param(pc->raw, strlen(pc->raw), pc->param);

  g_assert_cmpstr(out, ==, pc->expect);
}

/* test_param_limits - embedded NUL in the raw value, NULL input, many segments. */
static void
test_param_limits(void)
{
  static const char raw[] = "attachment; filename=\"a\0b\"";
  g_autofree char *a = mugai_header_param(raw, sizeof raw - 1, "filename");
  g_autofree char *b = mugai_header_param(NULL, 10, "filename");
  g_autoptr(GString) many = g_string_new("attachment");
  g_autofree char *c = NULL;

  g_assert_cmpstr(a, ==, "ab");
  g_assert_null(b);
  for (int i = 100; i >= 0; i--)
    g_string_append_printf(many, "; filename*%d=%c", i, 'a' + i % 26);
  c = mugai_header_param(many->str, many->len, "filename");
  g_assert_cmpuint(strlen(c), ==, 64);
  g_assert_true(g_str_has_prefix(c, "abcdefghijklmnopqrstuvwxyzab"));
}

/* test_random - random fragments of headers: never a crash, always valid UTF-8. */
static void
test_random(void)
{
  static const char *const pieces[] = {
    "=?",         "?=",
    "?B?",        "?Q?",
    "utf-8",      "ISO-2022-JP",
    "x-unknown",  "*ja",
    "GyRC",       "OCtAUT1x",
    "44GC",       "=E3=81",
    "_",          "=",
    "\"",         "\\",
    ";",          " ",
    "\r\n ",      "filename",
    "*0*",        "*1",
    "*",          "'",
    "''",         "%1B",
    "%E3%81%82",  "%",
    "\x83\x5c",   "\x82\xa0",
    "\x1b$B",     "\x1b(B",
    "\x8f",       "(",
    ")",          "/",
    "attachment", "\xe2\x80\xae",
    "\xff",       "\0",
  };

  for (int iter = 0; iter < 2000; iter++) {
    g_autoptr(GString) raw = g_string_new(NULL);
    int n = g_test_rand_int_range(0, 24);
    for (int i = 0; i < n; i++) {
      const char *piece = pieces[g_test_rand_int_range(0, G_N_ELEMENTS(pieces))];
      g_string_append_len(raw, piece, *piece ? (gssize)strlen(piece) : 1);
    }
    g_autofree char *t = mugai_header_decode_text(raw->str, raw->len);
    g_autofree char *p = mugai_header_param(raw->str, raw->len, "filename");
    g_autofree char *k = mugai_header_value_token(raw->str, raw->len);
    g_assert_true(g_utf8_validate(t, -1, NULL));
    g_assert_true(p == NULL || g_utf8_validate(p, -1, NULL));
    g_assert_true(k == NULL || g_utf8_validate(k, -1, NULL));
    g_assert_null(strchr(t, '\x1b'));
  }
}

/* test_token - the first token of a structured value. */
static void
test_token(void)
{
  static const struct {
    const char *raw, *expect;
  } cases[] = {
    { "Text/Plain; charset=x", "text/plain" },
    { " multipart/mixed; boundary=x", "multipart/mixed" },
    { "(comment) attachment; filename=a", "attachment" },
    { "text / html", "text/html" },
    { "INLINE", "inline" },
    { "", NULL },
    { "; filename=a", NULL },
    { "\x82\xa0/x", NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *t = mugai_header_value_token(cases[i].raw, strlen(cases[i].raw));
    g_assert_cmpstr(t, ==, cases[i].expect);
  }
  g_assert_null(mugai_header_value_token(NULL, 0));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS(text_cases); i++) {
    g_autofree char *path = g_strdup_printf("/header/text/%s", text_cases[i].name);
    g_test_add_data_func(path, &text_cases[i], test_text);
  }
  for (gsize i = 0; i < G_N_ELEMENTS(param_cases); i++) {
    g_autofree char *path = g_strdup_printf("/header/param/%s", param_cases[i].name);
    g_test_add_data_func(path, &param_cases[i], test_param);
  }
  g_test_add_func("/header/text-limits", test_text_limits);
  g_test_add_func("/header/param-limits", test_param_limits);
  g_test_add_func("/header/token", test_token);
  g_test_add_func("/header/random", test_random);
  return g_test_run();
}
