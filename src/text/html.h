/*
 * html.h - flatten untrusted HTML to readable plain text with libxml2.
 */
#ifndef MUGAI_TEXT_HTML_H
#define MUGAI_TEXT_HTML_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  guint links;         /* <a href> written as "text <url>" */
  guint images;        /* <img> written as [画像: alt] */
  guint scripts;       /* script/style/object/embed/iframe/... dropped */
  guint deceptive;     /* links whose text looks like a URL that differs from href */
  const char *charset; /* charset actually used (static string) */
} MugaiHtmlStats;

/* mugai_html_to_text - DATA are untrusted bytes, LABEL the MIME charset (may
 * be NULL: then <meta charset> / http-equiv is honoured, else detection).
 * Appends sanitised UTF-8 text to OUT: block elements become paragraphs, <br>
 * a line break, list items "・ " bullets (ordered lists numbered), table rows
 * one line each with cells separated by " | ", links "text <href>", images
 * "[画像: alt]", script/style/head and other active content dropped, entities
 * decoded. Never fails: malformed HTML still yields the text libxml2
 * recovered. STATS may be NULL. */
void mugai_html_to_text(const guint8 *data, gsize len, const char *label, GString *out,
                        MugaiHtmlStats *stats);

G_END_DECLS

#endif /* MUGAI_TEXT_HTML_H */
