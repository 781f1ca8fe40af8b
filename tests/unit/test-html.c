/*
 * test-html.c - HTML flattening: structure, links, active content, charsets,
 * hostile input. Expected strings are exact so that any change in the text a
 * clerk reads shows up here.
 */
#include <string.h>

#include <glib.h>

#include "text/html.h"

/* flatten_len - run mugai_html_to_text on LEN bytes labelled LABEL */
static char *
flatten_len(const char *html, gsize len, const char *label, MugaiHtmlStats *stats)
{
  GString *out = g_string_new(NULL);

  mugai_html_to_text((const guint8 *)html, len, label, out, stats);
  g_assert_true(g_utf8_validate(out->str, out->len, NULL));
  return g_string_free(out, FALSE);
}

/* flatten - run mugai_html_to_text on a UTF-8 string */
static char *
flatten(const char *html, MugaiHtmlStats *stats)
{
  return flatten_len(html, strlen(html), "utf-8", stats);
}

/* Paragraphs, <br>, white-space collapsing and blank-line collapsing are the
 * bulk of every HTML mail. */
static void
test_paragraphs(void)
{
  g_autofree char *a = flatten("<p>first   para\n</p><p>second<br>line  two</p>text after", NULL);
  g_autofree char *b = flatten("<p>a</p><p>&nbsp;</p><p></p><br><br><br><p>b</p>", NULL);

  g_assert_cmpstr(a, ==, "first para\n\nsecond\nline two\n\ntext after\n");
  g_assert_cmpstr(b, ==, "a\n\nb\n");
}

/* Gmail and Thunderbird write one <div> per line and <div><br></div> for a
 * blank line; treating div as a paragraph would double-space those mails. */
static void
test_div_lines(void)
{
  g_autofree char *s
      = flatten("line1<div>line2</div><div><br></div><div>line3<br></div><div>line4</div>", NULL);

  g_assert_cmpstr(s, ==, "line1\nline2\n\nline3\nline4\n");
}

/* Outlook marks every line as <p class=MsoNormal> and blank lines as
 * &nbsp; paragraphs; Word lists arrive with <![if !supportLists]> markers. */
static void
test_outlook(void)
{
  g_autofree char *s = flatten("<p class=MsoNormal>line1<o:p></o:p></p>"
                               "<p class=MsoNormal><o:p>&nbsp;</o:p></p>"
                               "<p class=MsoNormal>line2<o:p></o:p></p>"
                               "<p class=MsoListParagraph><![if !supportLists]><span>1.<span>&nbsp;"
                               "</span></span><![endif]>Item</p>"
                               "<!--[if gte mso 9]><xml><o:x>hidden</o:x></xml><![endif]-->"
                               "<p class=MsoNormal>end</p>",
                               NULL);

  g_assert_cmpstr(s, ==, "line1\n\nline2\n1. Item\nend\n");
}

/* Bullets, nesting indentation and ordered numbering (with start=) must
 * survive, or instructions in a mail lose their order. */
static void
test_lists(void)
{
  g_autofree char *s = flatten("<p>intro</p><ul><li>one</li><li>two<ul><li>sub a</li>"
                               "<li><p>sub b</p></li></ul></li><li></li></ul>"
                               "<ol start=\"3\"><li>three<li>four</ol><p>after</p>",
                               NULL);

  g_assert_cmpstr(
      s, ==, "intro\n\n・ one\n・ two\n  ・ sub a\n  ・ sub b\n\n3. three\n4. four\n\nafter\n");
}

/* A data table must read as rows of " | " cells with trimmed, single-line
 * cells; a layout table (nested tables) must not become one giant line. */
static void
test_tables(void)
{
  g_autofree char *a
      = flatten("<p>before</p><table>\n<tr> <th>名前</th> <th>部署</th> <th>内線</th> </tr>\n"
                "<tr><td> Yamada<br>Taro </td><td><p>総務課</p></td><td>1234</td></tr>\n"
                "<tr><td>&nbsp;</td><td></td><td>&nbsp;5678&nbsp;</td></tr>\n"
                "</table><p>after</p>",
                NULL);
  g_autofree char *b = flatten("<table><tr><td><h1>News</h1><table><tr><td>x</td><td>y</td></tr>"
                               "</table></td></tr><tr><td>footer</td></tr></table>",
                               NULL);

  g_assert_cmpstr(
      a, ==, "before\n\n名前 | 部署 | 内線\nYamada Taro | 総務課 | 1234\n | | 5678\n\nafter\n");
  g_assert_cmpstr(b, ==, "News\n\nx | y\n\nfooter\n");
}

/* The point of flattening links: the real target is visible next to the text. */
static void
test_link(void)
{
  MugaiHtmlStats st;
  g_autofree char *s
      = flatten("<p>詳細は<a href=\" https://www.city.example.lg.jp/info?a=1&amp;b=2 \">こちら</a>"
                "をご覧ください。</p><a href=\"#top\">top</a> <a name=x>anchor</a>",
                &st);

  g_assert_cmpstr(s, ==,
                  "詳細はこちら <https://www.city.example.lg.jp/info?a=1&b=2> をご覧ください。\n\n"
                  "top anchor\n");
  g_assert_cmpuint(st.links, ==, 1);
  g_assert_cmpuint(st.deceptive, ==, 0);
}

/* A URL or address used as its own link text is written once, not twice. */
static void
test_link_text_is_href(void)
{
  MugaiHtmlStats st;
  g_autofree char *s
      = flatten("<a href=\"https://example.jp/\">https://example.jp/</a><br>"
                "<a href=\"https://example.jp/\">https://example.jp</a><br>"
                "<a href=\"mailto:soumu@city.example.lg.jp\">soumu@city.example.lg.jp</a>",
                &st);

  g_assert_cmpstr(s, ==, "https://example.jp/\nhttps://example.jp\nsoumu@city.example.lg.jp\n");
  g_assert_cmpuint(st.links, ==, 3);
  g_assert_cmpuint(st.deceptive, ==, 0);
}

/* Phishing: text that shows one host while the link goes to another must be
 * flagged; the same host (any case, with or without www.) must not be. */
static void
test_deceptive_link(void)
{
  MugaiHtmlStats st;
  g_autofree char *a
      = flatten("<a href=\"http://evil.example.com/\">https://www.city.example.lg.jp/</a>", &st);
  g_autofree char *b = NULL;

  g_assert_cmpstr(a, ==,
                  "https://www.city.example.lg.jp/ <http://evil.example.com/> "
                  "[注意: 表示と異なるリンク先 / Warning: link target differs]\n");
  g_assert_cmpuint(st.deceptive, ==, 1);
  g_assert_cmpuint(st.links, ==, 1);

  b = flatten(
      "<a href=\"https://City.Example.LG.jp/a\">www.city.example.lg.jp</a><br>"
      "<a href=\"https://example.jp/files/report.pdf\">report.pdf</a><br>"
      "<a href=\"https://evil.example.com/\">ｗｗｗ．ｃｉｔｙ．ｅｘａｍｐｌｅ．ｌｇ．ｊｐ</a>",
      &st);
  g_assert_cmpstr(b, ==,
                  "www.city.example.lg.jp <https://City.Example.LG.jp/a>\n"
                  "report.pdf <https://example.jp/files/report.pdf>\n"
                  "ｗｗｗ．ｃｉｔｙ．ｅｘａｍｐｌｅ．ｌｇ．ｊｐ <https://evil.example.com/> "
                  "[注意: 表示と異なるリンク先 / Warning: link target differs]\n");
  g_assert_cmpuint(st.deceptive, ==, 1);
}

/* javascript: links (even with entity-encoded white space inside the scheme)
 * are never shown as a target. */
static void
test_javascript_link(void)
{
  MugaiHtmlStats st;
  g_autofree char *s = flatten("<a href=\" JaVa&#x0A;Script:alert(1)\">click</a>", &st);

  g_assert_cmpstr(s, ==, "click [リンク削除 / link removed: javascript]\n");
  g_assert_cmpuint(st.links, ==, 0);
}

/* data: URLs can carry whole HTML documents; the target is removed. */
static void
test_data_link(void)
{
  g_autofree char *s = flatten("<a href=\"data:text/html;base64,PHNjcmlwdD4=\">open</a>", NULL);

  g_assert_cmpstr(s, ==, "open [リンク削除 / link removed: data]\n");
}

/* Images are never fetched or shown: only a marker with the sanitised alt;
 * 1x1 web beacons get no marker at all. */
static void
test_images(void)
{
  MugaiHtmlStats st;
  g_autofree char *s
      = flatten("<p><img src=\"cid:logo@x\" alt=\" 市の\n ロゴ \"> and "
                "<img src=\"http://tracker.example/x.png\"> "
                "<img src=\"http://tracker.example/b.gif\" width=1 height=\"1\"></p>",
                &st);

  g_assert_cmpstr(s, ==, "[画像: 市の ロゴ] and [画像]\n");
  g_assert_cmpuint(st.images, ==, 2);
}

/* Scripts, styles, the head (title included) and embedded active content
 * are dropped with all their text, and counted. */
static void
test_active_dropped(void)
{
  MugaiHtmlStats st;
  g_autofree char *s
      = flatten("<html><head><title>件名タイトル</title><style>p{color:red}</style>"
                "<script>var secret=1;</script></head><body><p>本文</p>"
                "<script>document.write(\"x<p>inject</p>\")</script>"
                "<iframe src=\"http://evil/\">frame text</iframe><noscript>ns</noscript>"
                "<object data=x>obj</object><select><option>opt</select>"
                "<textarea>\nfield text</textarea></body></html>",
                &st);

  g_assert_cmpstr(s, ==, "本文\n\nfield text\n");
  g_assert_cmpuint(st.scripts, ==, 5);
  g_assert_null(strstr(s, "secret"));
  g_assert_null(strstr(s, "inject"));
}

/* Event handlers, a refresh and javascript: links are counted as dropped
 * active content (the notice reports the count). */
static void
test_active_attributes_counted(void)
{
  MugaiHtmlStats st;
  g_autofree char *s
      = flatten("<html><head><meta http-equiv=\"Refresh\" content=\"0;url=http://evil/\">"
                "</head><body onload=\"x()\"><p onclick=\"y()\" ONMOUSEOVER=\"z()\">本文</p>"
                "<a href=\"javascript:alert(1)\">click</a> <a href=\"http://ok.example/\">ok</a>"
                "</body></html>",
                &st);

  g_assert_null(strstr(s, "alert"));
  g_assert_null(strstr(s, "x()"));
  /* onload, onclick, onmouseover, the refresh, the javascript: link */
  g_assert_cmpuint(st.scripts, ==, 5);
  g_assert_cmpuint(st.links, ==, 1);
}

/* Entities decode, &nbsp; becomes a plain space that is not collapsed. */
static void
test_entities(void)
{
  g_autofree char *s
      = flatten("<p>A &amp; B &lt;tag&gt; &#x3042;&#12354; x&nbsp;&nbsp;y &copy;</p>", NULL);

  g_assert_cmpstr(s, ==, "A & B <tag> ああ x  y ©\n");
}

/* Unlabelled Shift_JIS HTML must be decoded by its <meta> label through our
 * CP932 decoder, so NEC special characters such as ① survive. */
static void
test_meta_shift_jis(void)
{
  static const char html[] = "<html><head><meta http-equiv=\"Content-Type\" "
                             "content=\"text/html; charset=Shift_JIS\"></head><body><p>"
                             "\x82\xA8\x92\x6D\x82\xE7\x82\xB9\x81\x46\x87\x40\x89\xEF\x8B\x63"
                             "</p></body></html>";
  MugaiHtmlStats st;
  g_autofree char *s = flatten_len(html, sizeof html - 1, NULL, &st);

  g_assert_cmpstr(s, ==, "お知らせ：①会議\n");
  g_assert_cmpstr(st.charset, ==, "CP932");
}

/* Broken markup (unclosed tags, stray end tags) still yields all its text. */
static void
test_malformed(void)
{
  g_autofree char *s = flatten("<table><tr><td>a</td></td><td>b<tr><td>c</table>"
                               "<p>unclosed <b>bold <i>both</p>after</div></span></td><x-y>z",
                               NULL);

  g_assert_cmpstr(s, ==, "a | b\nc\n\nunclosed bold both\n\nafterz\n");
}

/* A nesting bomb must finish quickly without deep recursion, still show the
 * text, and not amplify output through per-line prefixes. */
static void
test_nesting_bomb(void)
{
  g_autoptr(GString) html = g_string_new(NULL);
  g_autoptr(GString) quotes = g_string_new(NULL);
  g_autofree char *s = NULL;
  g_autofree char *q = NULL;
  gdouble elapsed;

  /* stray end tags under deep nesting are quadratic in libxml2 2.9 */
  for (int i = 0; i < 2000; i++)
    g_string_append(html, "<div><span>");
  g_string_append(html, "deep");
  for (int i = 0; i < 6000; i++)
    g_string_append(html, "</i>");
  g_string_append(html, "<p>tail</p>");
  g_test_timer_start();
  s = flatten(html->str, NULL);
  elapsed = g_test_timer_elapsed();
  g_assert_cmpstr(s, ==, "deep\n\ntail\n");

  for (int i = 0; i < 2000; i++)
    g_string_append(quotes, "<blockquote>");
  for (int i = 0; i < 5000; i++)
    g_string_append(quotes, "x<br>");
  q = flatten(quotes->str, NULL);
  g_assert_cmpuint(strlen(q), <=, quotes->len * 8 + 65536 + 64);
  g_assert_nonnull(strstr(q, "truncated"));
  g_assert_cmpfloat(elapsed, <, 1.0);
}

/* NUL bytes and bidi overrides (U+202E, used to disguise file names and
 * URLs) never reach the clerk, in text or in a link target. */
static void
test_controls(void)
{
  static const char html[] = "<p>a\0b \xE2\x80\xAE"
                             "exe.txt\x01</p><a href=\"https://ex\xE2\x80\xAE"
                             "ample.jp/\">x</a>";
  g_autofree char *s = flatten_len(html, sizeof html - 1, "utf-8", NULL);

  g_assert_cmpstr(s, ==, "ab exe.txt\n\nx <https://example.jp/>\n");
}

/* Japanese HTML wraps lines between characters; the source line break must
 * vanish between two CJK characters but stay a space next to Latin words. */
static void
test_cjk_join(void)
{
  g_autofree char *s
      = flatten("<p>これは日本語の\n文章です。\nEnglish\nwords here.\n漢字 かな</p>", NULL);

  g_assert_cmpstr(s, ==, "これは日本語の文章です。 English words here. 漢字 かな\n");
}

/* <pre> keeps its white space (minus the newline right after the tag). */
static void
test_pre(void)
{
  g_autofree char *s = flatten("<p>code:</p><pre>\n  a  =  1;\n\tb();\n</pre>end", NULL);

  g_assert_cmpstr(s, ==, "code:\n\n  a  =  1;\n\tb();\n\nend\n");
}

/* Quoted replies keep the conventional "> " marks; headings and <hr> stand
 * apart; ruby readings are kept in parentheses. */
static void
test_blockquote_headings(void)
{
  g_autofree char *s = flatten("<h2>件名</h2>wrote:<blockquote><p>quoted one</p><p>quoted two</p>"
                               "</blockquote><p>reply</p><hr><ruby>漢字<rp>(</rp><rt>かんじ</rt>"
                               "<rp>)</rp></ruby>",
                               NULL);

  g_assert_cmpstr(
      s, ==, "件名\n\nwrote:\n\n> quoted one\n>\n> quoted two\n\nreply\n\n----\n\n漢字(かんじ)\n");
}

/* Empty, blank and garbage input never fail; output is appended to OUT. */
static void
test_empty_and_append(void)
{
  static const char garbage[] = "\xff\xfe<<<>>></></<!--";
  g_autofree char *a = flatten("", NULL);
  g_autofree char *b = flatten(" \n <p> </p> <br> ", NULL);
  g_autofree char *c = flatten_len(garbage, sizeof garbage - 1, NULL, NULL);
  GString *out = g_string_new("head\n");

  g_assert_cmpstr(a, ==, "");
  g_assert_cmpstr(b, ==, "");
  g_assert_nonnull(c);
  mugai_html_to_text((const guint8 *)"<b>x</b>", 8, "utf-8", out, NULL);
  g_assert_cmpstr(out->str, ==, "head\nx\n");
  g_string_free(out, TRUE);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/html/paragraphs", test_paragraphs);
  g_test_add_func("/html/div-lines", test_div_lines);
  g_test_add_func("/html/outlook", test_outlook);
  g_test_add_func("/html/lists", test_lists);
  g_test_add_func("/html/tables", test_tables);
  g_test_add_func("/html/link", test_link);
  g_test_add_func("/html/link-text-is-href", test_link_text_is_href);
  g_test_add_func("/html/deceptive-link", test_deceptive_link);
  g_test_add_func("/html/javascript-link", test_javascript_link);
  g_test_add_func("/html/data-link", test_data_link);
  g_test_add_func("/html/images", test_images);
  g_test_add_func("/html/active-dropped", test_active_dropped);
  g_test_add_func("/html/active-attributes-counted", test_active_attributes_counted);
  g_test_add_func("/html/entities", test_entities);
  g_test_add_func("/html/meta-shift-jis", test_meta_shift_jis);
  g_test_add_func("/html/malformed", test_malformed);
  g_test_add_func("/html/nesting-bomb", test_nesting_bomb);
  g_test_add_func("/html/controls", test_controls);
  g_test_add_func("/html/cjk-join", test_cjk_join);
  g_test_add_func("/html/pre", test_pre);
  g_test_add_func("/html/blockquote-headings", test_blockquote_headings);
  g_test_add_func("/html/empty-and-append", test_empty_and_append);
  return g_test_run();
}
