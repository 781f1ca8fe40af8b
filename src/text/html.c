/*
 * html.c - flatten untrusted HTML mail bodies to readable plain text.
 *
 * The raw bytes are decoded to UTF-8 by our own charset module first, because
 * libxml2's iconv path would break CP50220/CP932 extensions (NEC row 13, IBM
 * extensions). libxml2's recovering HTML parser then reads the UTF-8 through
 * SAX callbacks, so no tree is built. The callbacks record a compact token
 * list (tag ids; text, href and alt slices in one arena) with the nesting
 * depth capped and active content already dropped; a second, iterative pass
 * renders the tokens. Recording first lets a table be classified before any
 * of it is written: a data table becomes rows of " | " cells, a layout table
 * (nested tables, lists or long text in cells, one column) becomes lines.
 *
 * Everything here is hostile input: nesting depth, attributes per tag, href
 * and alt lengths and the output size are capped, nothing recurses on the C
 * stack, and the text is run through mugai_text_sanitize before it leaves.
 * The depth and attribute caps also keep libxml2 2.9 out of its quadratic
 * paths (stray end tags under deep nesting, duplicate-attribute checks).
 */
#include <string.h>

#include <glib.h>
#include <libxml/HTMLparser.h>
#include <libxml/parserInternals.h>

#include "text/charset.h"
#include "text/html.h"
#include "text/normalize.h"

#define HTML_MAX_DEPTH      256  /* deeper nesting restarts the parser: text kept, structure not */
#define HTML_HREF_MAX       2048 /* bytes of an href shown */
#define HTML_ALT_MAX        1024 /* bytes of an alt text shown */
#define HTML_PRESCAN        4096 /* bytes searched for <meta charset> */
#define HTML_LABEL_MAX      40   /* bytes of a <meta> charset label */
#define HTML_CELL_TEXT_MAX  400  /* a cell with more text makes a layout table */
#define HTML_CELL_BREAK_MAX 4    /* ... as do more paragraphs/line breaks */
#define HTML_OL_START_MAX   999999
#define HTML_HOST_MAX       256 /* bytes of a host name compared */
#define HTML_MAX_ATTRS      64  /* attributes kept per start tag */
#define HTML_ARENA_MAX      ((gsize)G_MAXUINT32 - HTML_HREF_MAX - HTML_ALT_MAX)

/* --- tags ------------------------------------------------------------- */

typedef enum {
  TAG_OTHER = 0, /* inline or transparent */
  TAG_A,
  TAG_IMG,
  TAG_BR,
  TAG_HR,
  TAG_P,
  TAG_DIV,   /* line break: Gmail and Thunderbird write one <div> per line */
  TAG_LINE,  /* other elements that only start a new line */
  TAG_BLOCK, /* paragraph-separating containers */
  TAG_HEADING,
  TAG_BLOCKQUOTE,
  TAG_PRE,
  TAG_UL,
  TAG_OL,
  TAG_LI,
  TAG_DL,
  TAG_DT,
  TAG_DD,
  TAG_TABLE,
  TAG_TR,
  TAG_TD,
  TAG_RT,
  TAG_DROP /* dropped with its content */
} HtmlTag;

enum {
  TAGF_VOID = 1 << 0,  /* never has content (its end event is ignored) */
  TAGF_ACTIVE = 1 << 1 /* dropped active content, counted in stats->scripts */
};

typedef struct {
  const char *name;
  guint8 tag;
  guint8 flags;
} HtmlTagInfo;

/* Sorted by name for bsearch; libxml2 hands us lower-case names. */
static const HtmlTagInfo html_tags[] = {
  { "a", TAG_A, 0 },
  { "address", TAG_BLOCK, 0 },
  { "applet", TAG_DROP, TAGF_ACTIVE },
  { "area", TAG_DROP, TAGF_VOID },
  { "article", TAG_BLOCK, 0 },
  { "aside", TAG_BLOCK, 0 },
  { "audio", TAG_DROP, TAGF_ACTIVE },
  { "base", TAG_DROP, TAGF_VOID },
  { "basefont", TAG_OTHER, TAGF_VOID },
  { "blockquote", TAG_BLOCKQUOTE, 0 },
  { "br", TAG_BR, TAGF_VOID },
  { "button", TAG_DROP, 0 },
  { "canvas", TAG_DROP, TAGF_ACTIVE },
  { "caption", TAG_LINE, 0 },
  { "center", TAG_BLOCK, 0 },
  { "col", TAG_OTHER, TAGF_VOID },
  { "datalist", TAG_DROP, 0 },
  { "dd", TAG_DD, 0 },
  { "details", TAG_BLOCK, 0 },
  { "dialog", TAG_BLOCK, 0 },
  { "dir", TAG_UL, 0 },
  { "div", TAG_DIV, 0 },
  { "dl", TAG_DL, 0 },
  { "dt", TAG_DT, 0 },
  { "embed", TAG_DROP, TAGF_VOID | TAGF_ACTIVE },
  { "fieldset", TAG_BLOCK, 0 },
  { "figcaption", TAG_LINE, 0 },
  { "figure", TAG_BLOCK, 0 },
  { "footer", TAG_BLOCK, 0 },
  { "form", TAG_BLOCK, 0 },
  { "frame", TAG_DROP, TAGF_VOID | TAGF_ACTIVE },
  { "frameset", TAG_DROP, TAGF_ACTIVE },
  { "h1", TAG_HEADING, 0 },
  { "h2", TAG_HEADING, 0 },
  { "h3", TAG_HEADING, 0 },
  { "h4", TAG_HEADING, 0 },
  { "h5", TAG_HEADING, 0 },
  { "h6", TAG_HEADING, 0 },
  { "head", TAG_DROP, 0 },
  { "header", TAG_BLOCK, 0 },
  { "hr", TAG_HR, TAGF_VOID },
  { "iframe", TAG_DROP, TAGF_ACTIVE },
  { "img", TAG_IMG, TAGF_VOID },
  { "input", TAG_DROP, TAGF_VOID },
  { "isindex", TAG_DROP, TAGF_VOID },
  { "keygen", TAG_DROP, TAGF_VOID },
  { "legend", TAG_LINE, 0 },
  { "li", TAG_LI, 0 },
  { "link", TAG_DROP, TAGF_VOID },
  { "listing", TAG_PRE, 0 },
  { "main", TAG_BLOCK, 0 },
  { "math", TAG_DROP, 0 },
  { "menu", TAG_UL, 0 },
  { "meta", TAG_DROP, TAGF_VOID },
  { "nav", TAG_BLOCK, 0 },
  { "noembed", TAG_DROP, 0 },
  { "noframes", TAG_BLOCK, 0 },
  { "noscript", TAG_DROP, 0 },
  { "object", TAG_DROP, TAGF_ACTIVE },
  { "ol", TAG_OL, 0 },
  { "optgroup", TAG_DROP, 0 },
  { "option", TAG_DROP, 0 },
  { "p", TAG_P, 0 },
  { "param", TAG_DROP, TAGF_VOID },
  { "plaintext", TAG_PRE, 0 },
  { "pre", TAG_PRE, 0 },
  { "rp", TAG_DROP, 0 },
  { "rt", TAG_RT, 0 },
  { "script", TAG_DROP, TAGF_ACTIVE },
  { "section", TAG_BLOCK, 0 },
  { "select", TAG_DROP, 0 },
  { "source", TAG_DROP, TAGF_VOID },
  { "style", TAG_DROP, TAGF_ACTIVE },
  { "summary", TAG_LINE, 0 },
  { "svg", TAG_DROP, TAGF_ACTIVE },
  { "table", TAG_TABLE, 0 },
  { "td", TAG_TD, 0 },
  { "template", TAG_DROP, 0 },
  { "textarea", TAG_PRE, 0 },
  { "th", TAG_TD, 0 },
  { "title", TAG_DROP, 0 },
  { "tr", TAG_TR, 0 },
  { "track", TAG_DROP, TAGF_VOID },
  { "ul", TAG_UL, 0 },
  { "video", TAG_DROP, TAGF_ACTIVE },
  { "wbr", TAG_OTHER, TAGF_VOID },
  { "xmp", TAG_PRE, 0 },
};

/* html_tag_cmp - bsearch comparator: a name against a table entry */
static int
html_tag_cmp(const void *key, const void *entry)
{
  return strcmp(key, ((const HtmlTagInfo *)entry)->name);
}

/* html_tag_lookup - classify an element name; unknown names are inline */
static const HtmlTagInfo *
html_tag_lookup(const xmlChar *name)
{
  static const HtmlTagInfo other = { "", TAG_OTHER, 0 };
  const HtmlTagInfo *info;

  if (name == NULL)
    return &other;
  info = bsearch(name, html_tags, G_N_ELEMENTS(html_tags), sizeof html_tags[0], html_tag_cmp);
  return info != NULL ? info : &other;
}

/* --- small string helpers ---------------------------------------------- */

/* html_ascii_casestr - find NEEDLE (lower-case ASCII) in HAY[0..len) ignoring case */
static const char *
html_ascii_casestr(const char *hay, gsize len, const char *needle)
{
  gsize n = strlen(needle);

  for (gsize i = 0; n <= len && i <= len - n; i++)
    if (g_ascii_strncasecmp(hay + i, needle, n) == 0)
      return hay + i;
  return NULL;
}

/* html_is_space - HTML white space (entities such as &nbsp; are not) */
static inline gboolean
html_is_space(guint8 c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* html_is_cjk - scripts written without spaces, where a source line break
 * between two characters must not become a space */
static gboolean
html_is_cjk(gunichar c)
{
  return (c >= 0x2E80 && c <= 0x9FFF) || (c >= 0xF900 && c <= 0xFAFF)
         || (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFFEF)
         || (c >= 0x20000 && c <= 0x3FFFF);
}

/* html_is_invisible - code points stripped from an href: white space,
 * controls and format characters that hide or reorder what is shown */
static gboolean
html_is_invisible(gunichar c)
{
  return c <= 0x20 || (c >= 0x7F && c <= 0xA0) || c == 0x1680 || (c >= 0x2000 && c <= 0x200F)
         || (c >= 0x2028 && c <= 0x202F) || (c >= 0x205F && c <= 0x206F) || c == 0x3000
         || c == 0xFEFF;
}

/* html_utf8_cut - largest length <= MAX that ends on a character boundary */
static gsize
html_utf8_cut(const char *s, gsize len, gsize max)
{
  if (len <= max)
    return len;
  while (max > 0 && ((guint8)s[max] & 0xC0) == 0x80)
    max--;
  return max;
}

/* --- recording: SAX events to tokens ------------------------------------ */

enum { TOK_START = 1, TOK_END, TOK_VOID, TOK_TEXT };

enum {
  TOKF_ATTR = 1 << 0,   /* off/len hold the attribute (href, alt) or OL start */
  TOKF_LAYOUT = 1 << 1, /* TABLE: render cells as lines */
  TOKF_MSO = 1 << 2,    /* P: Word/Outlook paragraph, spaced like a line */
  TOKF_TINY = 1 << 3,   /* IMG: 1x1 web beacon, not worth a marker */
  TOKF_IMPLIED = 1 << 4 /* P: inserted by libxml2 around bare text, not a paragraph */
};

typedef struct {
  guint8 kind;
  guint8 tag;
  guint16 flags;
  guint32 off; /* arena offset (TEXT, href, alt) or OL start value */
  guint32 len;
} HtmlToken;

typedef struct {
  guint tok; /* index of the table's START token */
  guint row_cells;
  guint max_cells;
  guint cell_bytes;
  guint cell_breaks;
  gboolean layout;
} HtmlTableScan;

#define HTML_TAG_CACHE 64 /* power of two */

typedef struct {
  GArray *toks;
  GString *arena;
  htmlParserCtxtPtr ctxt;
  /* libxml2 interns element names in the parser's dictionary, so a name's
   * pointer identifies it for the whole parse: cache lookups by pointer */
  const xmlChar *cache_name[HTML_TAG_CACHE];
  const HtmlTagInfo *cache_info[HTML_TAG_CACHE];
  MugaiHtmlStats *stats;
  gsize seg_start;  /* offset of the input libxml2 is parsing now */
  gsize restart;    /* != 0: offset to restart parsing at, nesting too deep */
  guint depth;      /* libxml2's nesting */
  guint skip_depth; /* != 0: inside a dropped element opened at this depth */
  guint n_open;
  guint8 open[HTML_MAX_DEPTH];
  guint n_tables;
  HtmlTableScan tables[HTML_MAX_DEPTH];
} HtmlRecorder;

/* html_rec_tag - html_tag_lookup through the per-parse pointer cache */
static const HtmlTagInfo *
html_rec_tag(HtmlRecorder *r, const xmlChar *name)
{
  guint slot = (guint)(((guintptr)name >> 3) & (HTML_TAG_CACHE - 1));

  if (name == NULL || r->cache_name[slot] != name) {
    r->cache_name[slot] = name;
    r->cache_info[slot] = html_tag_lookup(name);
  }
  return r->cache_info[slot];
}

/* html_rec_push - append a token */
static HtmlToken *
html_rec_push(HtmlRecorder *r, guint8 kind, guint8 tag)
{
  HtmlToken t = { kind, tag, 0, 0, 0 };

  g_array_append_val(r->toks, t);
  return &g_array_index(r->toks, HtmlToken, r->toks->len - 1);
}

/* html_rec_room - stop the parser once the arena could overflow 32-bit offsets */
static gboolean
html_rec_room(HtmlRecorder *r, gsize more)
{
  if (r->arena->len + more <= HTML_ARENA_MAX)
    return TRUE;
  xmlStopParser(r->ctxt);
  return FALSE;
}

/* html_attr - value of attribute NAME in a SAX attribute array, or NULL */
static const char *
html_attr(const xmlChar **atts, const char *name, gboolean *present)
{
  *present = FALSE;
  for (gsize i = 0; atts != NULL && atts[i] != NULL; i += 2)
    if (g_ascii_strcasecmp((const char *)atts[i], name) == 0) {
      *present = TRUE;
      return atts[i + 1] != NULL ? (const char *)atts[i + 1] : "";
    }
  return NULL;
}

/* html_clean_href - append an untrusted href without white space, controls or
 * invisible characters, '<' and '>' percent-encoded, at most HTML_HREF_MAX bytes */
static void
html_clean_href(const char *untrusted, GString *dst)
{
  gsize start = dst->len;
  const guint8 *p = (const guint8 *)untrusted;

  while (*p != '\0' && dst->len - start < HTML_HREF_MAX) {
    const guint8 *q = p;
    gsize room = HTML_HREF_MAX - (dst->len - start);
    gunichar c;

    /* printable ASCII is copied in runs */
    while (*q > 0x20 && *q < 0x7F && *q != '<' && *q != '>' && (gsize)(q - p) < room)
      q++;
    if (q > p) {
      g_string_append_len(dst, (const char *)p, q - p);
      p = q;
      continue;
    }
    c = g_utf8_get_char_validated((const char *)p, -1);
    if (c == (gunichar)-1 || c == (gunichar)-2) {
      p++;
      continue;
    }
    if (c == '<')
      g_string_append(dst, "%3C");
    else if (c == '>')
      g_string_append(dst, "%3E");
    else if (!html_is_invisible(c))
      g_string_append_len(dst, (const char *)p, g_utf8_skip[*p]);
    p += g_utf8_skip[*p];
  }
  g_string_truncate(dst, start + html_utf8_cut(dst->str + start, dst->len - start, HTML_HREF_MAX));
}

/* html_dimension_tiny - an img width/height of 0 or 1 pixel */
static gboolean
html_dimension_tiny(const char *v)
{
  while (v != NULL && html_is_space((guint8)*v))
    v++;
  return v != NULL && (v[0] == '0' || v[0] == '1') && !g_ascii_isdigit(v[1]);
}

/* html_rec_attrs - store what the renderer needs from a start tag's attributes */
static void
html_rec_attrs(HtmlRecorder *r, HtmlToken *t, const xmlChar **atts)
{
  gboolean has;
  const char *v;

  switch (t->tag) {
  case TAG_A:
    v = html_attr(atts, "href", &has);
    if (has && html_rec_room(r, HTML_HREF_MAX * 3)) {
      t->off = r->arena->len;
      html_clean_href(v, r->arena);
      t->len = r->arena->len - t->off;
      t->flags |= TOKF_ATTR;
    }
    break;
  case TAG_IMG:
    v = html_attr(atts, "alt", &has);
    if (has && html_rec_room(r, HTML_ALT_MAX)) {
      gsize n = html_utf8_cut(v, strlen(v), HTML_ALT_MAX);
      t->off = r->arena->len;
      t->len = n;
      t->flags |= TOKF_ATTR;
      g_string_append_len(r->arena, v, n);
    }
    if (html_dimension_tiny(html_attr(atts, "width", &has))
        && html_dimension_tiny(html_attr(atts, "height", &has)))
      t->flags |= TOKF_TINY;
    break;
  case TAG_OL:
    v = html_attr(atts, "start", &has);
    if (has) {
      gint64 n = g_ascii_strtoll(v, NULL, 10);
      t->off = (guint32)(gint32)CLAMP(n, -HTML_OL_START_MAX, HTML_OL_START_MAX);
      t->flags |= TOKF_ATTR;
    }
    break;
  case TAG_P:
    v = html_attr(atts, "class", &has);
    if (v != NULL && g_ascii_strncasecmp(v, "mso", 3) == 0)
      t->flags |= TOKF_MSO;
    /* libxml2 wraps text outside any <body> in a <p> of its own; a real start
     * tag is reported while the parser still sits on its '>' (or "/>"). A
     * misjudgement only changes the spacing. */
    if (r->ctxt != NULL && r->ctxt->input != NULL && r->ctxt->input->cur != NULL
        && (r->ctxt->input->cur >= r->ctxt->input->end
            || (*r->ctxt->input->cur != '>' && *r->ctxt->input->cur != '/')))
      t->flags |= TOKF_IMPLIED;
    break;
  default:
    break;
  }
}

/* html_rec_scan_start - feed a recorded element into the innermost table's
 * classification */
static void
html_rec_scan_start(HtmlRecorder *r, guint8 tag)
{
  HtmlTableScan *t;

  if (r->n_tables == 0)
    return;
  t = &r->tables[r->n_tables - 1];
  switch (tag) {
  case TAG_TR:
    t->row_cells = 0;
    break;
  case TAG_TD:
    t->row_cells++;
    t->max_cells = MAX(t->max_cells, t->row_cells);
    t->cell_bytes = 0;
    t->cell_breaks = 0;
    break;
  case TAG_TABLE:
  case TAG_UL:
  case TAG_OL:
  case TAG_DL:
  case TAG_BLOCKQUOTE:
  case TAG_PRE:
  case TAG_HEADING:
  case TAG_HR:
    t->layout = TRUE;
    break;
  case TAG_P:
  case TAG_DIV:
  case TAG_LINE:
  case TAG_BLOCK:
  case TAG_BR:
    if (++t->cell_breaks > HTML_CELL_BREAK_MAX)
      t->layout = TRUE;
    break;
  default:
    break;
  }
}

/* html_rec_pop - close the innermost recorded element */
static void
html_rec_pop(HtmlRecorder *r)
{
  guint8 tag = r->open[--r->n_open];

  html_rec_push(r, TOK_END, tag);
  if (tag == TAG_TABLE && r->n_tables > 0) {
    HtmlTableScan *scan = &r->tables[--r->n_tables];
    if (scan->layout || scan->max_cells < 2)
      g_array_index(r->toks, HtmlToken, scan->tok).flags |= TOKF_LAYOUT;
  }
}

/* html_rec_too_deep - stop libxml2 past HTML_MAX_DEPTH and note where to
 * restart: libxml2 2.9 scans its whole element stack for every stray end
 * tag, so deep nesting plus stray end tags would cost quadratic time */
static void
html_rec_too_deep(HtmlRecorder *r)
{
  const xmlParserInput *in = r->ctxt->input;
  long consumed = xmlByteConsumed(r->ctxt);

  if (consumed <= 0 || in == NULL || in->cur == NULL)
    return;
  /* a real start tag is reported with the parser on its '>' or "/>" */
  if (in->cur < in->end && *in->cur == '>')
    consumed += 1;
  else if (in->cur + 1 < in->end && in->cur[0] == '/' && in->cur[1] == '>')
    consumed += 2;
  r->restart = r->seg_start + (gsize)consumed;
  xmlStopParser(r->ctxt);
}

/* html_sax_start - SAX start tag */
static void
html_sax_start(void *ctx, const xmlChar *name, const xmlChar **atts)
{
  HtmlRecorder *r = ctx;
  const HtmlTagInfo *info;
  HtmlToken *t;

  if (r->restart != 0)
    return;
  if (++r->depth > HTML_MAX_DEPTH && r->ctxt != NULL) {
    html_rec_too_deep(r);
    return;
  }
  info = html_rec_tag(r, name);
  /* counted even inside dropped content: <head> holds most <script>s */
  if (info->flags & TAGF_ACTIVE)
    r->stats->scripts++;
  /* Event handlers (onload=, onclick=, ...) and <meta http-equiv=refresh>
   * are active content too: never written, and counted like the rest. */
  for (guint i = 0; atts && atts[i]; i += 2) {
    const char *an = (const char *)atts[i];
    const char *av = atts[i + 1] ? (const char *)atts[i + 1] : "";
    if ((g_ascii_strncasecmp(an, "on", 2) == 0 && an[2] != '\0')
        || (!g_ascii_strcasecmp(an, "http-equiv") && !g_ascii_strcasecmp(av, "refresh")))
      r->stats->scripts++;
  }
  if (r->skip_depth != 0)
    return;
  if (info->tag == TAG_DROP) {
    if (!(info->flags & TAGF_VOID))
      r->skip_depth = r->depth;
    return;
  }
  if (info->flags & TAGF_VOID) {
    if (info->tag == TAG_OTHER)
      return;
    html_rec_scan_start(r, info->tag);
    t = html_rec_push(r, TOK_VOID, info->tag);
    html_rec_attrs(r, t, atts);
    return;
  }
  if (r->n_open >= HTML_MAX_DEPTH)
    return;
  html_rec_scan_start(r, info->tag);
  r->open[r->n_open++] = info->tag;
  t = html_rec_push(r, TOK_START, info->tag);
  html_rec_attrs(r, t, atts);
  if (info->tag == TAG_TABLE && r->n_tables < HTML_MAX_DEPTH) {
    HtmlTableScan *scan = &r->tables[r->n_tables++];
    memset(scan, 0, sizeof *scan);
    scan->tok = r->toks->len - 1;
  }
}

/* html_sax_end - SAX end tag */
static void
html_sax_end(void *ctx, const xmlChar *name)
{
  HtmlRecorder *r = ctx;
  const HtmlTagInfo *info;

  if (r->depth == 0 || r->restart != 0)
    return;
  if (r->skip_depth != 0) {
    if (r->depth == r->skip_depth)
      r->skip_depth = 0;
    r->depth--;
    return;
  }
  info = html_rec_tag(r, name);
  if (!(info->flags & TAGF_VOID) && r->n_open > 0)
    html_rec_pop(r);
  r->depth--;
}

/* html_sax_text - SAX character data, CDATA and white space */
static void
html_sax_text(void *ctx, const xmlChar *ch, int len)
{
  HtmlRecorder *r = ctx;
  HtmlToken *last;

  if (r->skip_depth != 0 || r->restart != 0 || len <= 0 || !html_rec_room(r, (gsize)len))
    return;
  if (r->n_tables > 0) {
    HtmlTableScan *t = &r->tables[r->n_tables - 1];
    t->cell_bytes += (guint)len;
    if (t->cell_bytes > HTML_CELL_TEXT_MAX)
      t->layout = TRUE;
  }
  last = r->toks->len > 0 ? &g_array_index(r->toks, HtmlToken, r->toks->len - 1) : NULL;
  if (last == NULL || last->kind != TOK_TEXT || last->off + last->len != r->arena->len) {
    last = html_rec_push(r, TOK_TEXT, TAG_OTHER);
    last->off = r->arena->len;
  }
  g_string_append_len(r->arena, (const char *)ch, len);
  last->len += (guint32)len;
}

/* html_libxml_init - initialise libxml2 once per process */
static void
html_libxml_init(void)
{
  static gsize done = 0;

  if (g_once_init_enter(&done)) {
    xmlInitParser();
    g_once_init_leave(&done, 1);
  }
}

/* html_record_segment - parse UTF8 with libxml2 and record its events */
static void
html_record_segment(const char *utf8, gsize len, HtmlRecorder *r)
{
  htmlSAXHandler sax;
  xmlSAXHandlerPtr saved;
  htmlParserCtxtPtr ctxt;

  memset(&sax, 0, sizeof sax);
  sax.startElement = html_sax_start;
  sax.endElement = html_sax_end;
  sax.characters = html_sax_text;
  sax.ignorableWhitespace = html_sax_text;
  sax.cdataBlock = html_sax_text;

  ctxt = htmlCreateMemoryParserCtxt(utf8, (int)len);
  if (ctxt == NULL)
    return;
  saved = ctxt->sax;
  ctxt->sax = &sax;
  ctxt->userData = r;
  r->ctxt = ctxt;
  /* IGNORE_ENC: the text is UTF-8 already, whatever its <meta> says. No
   * NOBLANKS: it would swap in libxml2's own white-space handler. */
  htmlCtxtUseOptions(ctxt, HTML_PARSE_RECOVER | HTML_PARSE_NONET | HTML_PARSE_NOERROR
                               | HTML_PARSE_NOWARNING | HTML_PARSE_IGNORE_ENC);
  xmlSwitchEncoding(ctxt, XML_CHAR_ENCODING_UTF8);
  htmlParseDocument(ctxt);
  ctxt->sax = saved;
  ctxt->userData = NULL;
  r->ctxt = NULL;
  htmlFreeParserCtxt(ctxt);
}

/* html_record - record the whole document; when nesting got too deep, close
 * what is open and parse the rest afresh: its text survives, the structure
 * of the too-deep part does not */
static void
html_record(const char *utf8, gsize len, HtmlRecorder *r)
{
  html_libxml_init();
  for (;;) {
    gsize start = r->seg_start;

    html_record_segment(utf8 + start, len - start, r);
    if (r->restart <= start || r->restart >= len)
      break;
    while (r->n_open > 0)
      html_rec_pop(r);
    r->seg_start = r->restart;
    r->restart = 0;
    r->depth = 0;
    r->skip_depth = 0;
  }
}

/* --- emitting text -------------------------------------------------------- */

typedef struct {
  GString *out;
  gsize cap;
  gboolean truncated;
  GString *prefix;        /* "> " quote marks and list indents of the current line */
  guint pending_nl;       /* line breaks owed before the next content, 0..2 */
  gsize nl_prefix;        /* shortest prefix seen while they were owed */
  gboolean pending_space; /* collapsible white space owed */
  gboolean space_had_nl;  /* ... which contained a source line break */
  gboolean any;           /* some content was written */
  gboolean mid_line;      /* the current line holds content */
  gunichar last;          /* last content character written */
  char marker[24];        /* list marker owed at the start of the next line */
  gsize marker_prefix;    /* length of the prefix the marker follows */
  gboolean has_marker;
  guint pre;          /* open <pre>-like elements */
  gboolean pre_start; /* the line break right after <pre> is not content */
  guint data_cell;    /* open cells of data tables: breaks become spaces */
  gsize *link_slot;   /* receives the offset where a link's text starts */
} HtmlEmitter;

/* html_em_flush - write owed line breaks, prefix, marker or space before content NEXT */
static void
html_em_flush(HtmlEmitter *e, gunichar next)
{
  if (e->pending_nl > 0 && e->any) {
    g_string_append_c(e->out, '\n');
    /* a blank line belongs to the quote only if it is inside it on both sides */
    for (guint i = 1; i < e->pending_nl; i++) {
      g_string_append_len(e->out, e->prefix->str, MIN(e->nl_prefix, e->prefix->len));
      g_string_append_c(e->out, '\n');
    }
    e->mid_line = FALSE;
  }
  e->pending_nl = 0;
  if (!e->mid_line) {
    if (e->has_marker) {
      g_string_append_len(e->out, e->prefix->str, MIN(e->marker_prefix, e->prefix->len));
      g_string_append(e->out, e->marker);
      e->has_marker = FALSE;
    } else {
      g_string_append_len(e->out, e->prefix->str, e->prefix->len);
    }
    e->mid_line = TRUE;
  } else if (e->pending_space) {
    if (!(e->space_had_nl && html_is_cjk(e->last) && html_is_cjk(next)))
      g_string_append_c(e->out, ' ');
  }
  e->pending_space = FALSE;
  e->space_had_nl = FALSE;
  e->any = TRUE;
  if (e->link_slot != NULL) {
    *e->link_slot = e->out->len;
    e->link_slot = NULL;
  }
}

/* html_em_put - write content S (first character FIRST, last LAST) */
static void
html_em_put(HtmlEmitter *e, const char *s, gsize len, gunichar first, gunichar last)
{
  if (e->truncated || len == 0)
    return;
  /* the prefix counts too: deep quoting must not amplify many short lines */
  if (e->out->len + len + 2 * e->prefix->len + sizeof e->marker > e->cap) {
    e->truncated = TRUE;
    return;
  }
  html_em_flush(e, first);
  g_string_append_len(e->out, s, len);
  e->last = last;
}

/* html_em_str - write a NUL-terminated UTF-8 string as content */
static void
html_em_str(HtmlEmitter *e, const char *s)
{
  gsize len = strlen(s);

  if (len > 0)
    html_em_put(e, s, len, g_utf8_get_char(s), g_utf8_get_char(g_utf8_prev_char(s + len)));
}

/* html_em_space - owe one collapsible space */
static void
html_em_space(HtmlEmitter *e)
{
  e->pending_space = TRUE;
  e->space_had_nl = FALSE;
}

/* html_em_break - owe N line breaks (1: new line, 2: new paragraph) */
static void
html_em_break(HtmlEmitter *e, guint n)
{
  if (e->data_cell > 0) {
    html_em_space(e);
    return;
  }
  if (e->has_marker) /* <li><p>: the item's text stays on the bullet line */
    return;
  e->nl_prefix = e->pending_nl == 0 ? e->prefix->len : MIN(e->nl_prefix, e->prefix->len);
  e->pending_nl = MAX(e->pending_nl, n);
  e->pending_space = FALSE;
}

/* html_em_newline - an explicit line break (<br>, newline in <pre>) */
static void
html_em_newline(HtmlEmitter *e)
{
  if (e->data_cell > 0) {
    html_em_space(e);
    return;
  }
  if (e->has_marker)
    return;
  e->nl_prefix = e->pending_nl == 0 ? e->prefix->len : MIN(e->nl_prefix, e->prefix->len);
  e->pending_nl = MIN(e->pending_nl + 1, 2);
  e->pending_space = FALSE;
}

/* html_text_run - length of the prefix of B without bytes <= 0x20 or 0xC2
 * (the lead byte of U+00A0), eight bytes at a time */
static gsize
html_text_run(const guint8 *b, gsize len)
{
  const guint64 ones = G_GUINT64_CONSTANT(0x0101010101010101);
  const guint64 highs = G_GUINT64_CONSTANT(0x8080808080808080);
  gsize i = 0;

  while (i + 8 <= len) {
    guint64 x, y, hit;
    memcpy(&x, b + i, 8);
    y = x ^ (0xC2 * ones);
    hit = ((x - 0x21 * ones) & ~x & highs) | ((y - ones) & ~y & highs);
    if (hit != 0)
      break;
    i += 8;
  }
  while (i < len && b[i] > 0x20 && b[i] != 0xC2)
    i++;
  return i;
}

/* html_em_text - write character data: white space collapses, except in
 * <pre>; U+00A0 becomes a plain space that does not collapse (indentation),
 * except in a data cell, where it is filler to be trimmed */
static void
html_em_text(HtmlEmitter *e, const char *s, gsize len)
{
  const guint8 *p = (const guint8 *)s, *end = p + len;

  while (p < end && !e->truncated) {
    guint8 c = *p;
    const guint8 *q, *lastc;

    if (c == 0xC2 && p + 1 < end && p[1] == 0xA0) {
      e->pre_start = FALSE;
      if (e->data_cell > 0 && e->pre == 0)
        html_em_space(e);
      else
        html_em_put(e, " ", 1, ' ', ' ');
      p += 2;
      continue;
    }
    if (c <= 0x20) {
      if (e->pre > 0 && (c == '\n' || c == '\r')) {
        if (!e->pre_start)
          html_em_newline(e);
        e->pre_start = FALSE;
        p += (c == '\r' && p + 1 < end && p[1] == '\n') ? 2 : 1;
        continue;
      }
      if (e->pre > 0) {
        e->pre_start = FALSE;
        if (c == ' ' || c == '\t')
          html_em_put(e, (const char *)p, 1, c, c);
      } else if (html_is_space(c)) {
        e->pending_space = TRUE;
        if (c == '\n' || c == '\r')
          e->space_had_nl = TRUE;
      }
      p++;
      continue;
    }
    /* a run of ordinary characters; a 0xC2 here leads some other character */
    e->pre_start = FALSE;
    q = p + 1 + html_text_run(p + 1, (gsize)(end - p - 1));
    for (lastc = q - 1; lastc > p && (*lastc & 0xC0) == 0x80; lastc--)
      ;
    html_em_put(e, (const char *)p, (gsize)(q - p), g_utf8_get_char((const char *)p),
                g_utf8_get_char((const char *)lastc));
    p = q;
  }
}

/* --- rendering tokens ------------------------------------------------------ */

typedef struct {
  guint8 tag;
  gboolean layout;    /* TABLE: cells as lines */
  gboolean data_cell; /* TD of a data table */
  gsize prefix_len;   /* prefix length to restore at the end */
  gint counter;       /* OL: next item number */
  guint cells;        /* TABLE: cells written in the current row */
  guint list;         /* index + 1 of the innermost open UL/OL frame, 0: none */
  guint table;        /* index + 1 of the innermost open TABLE frame, 0: none */
  gsize link_start;   /* A: output offset where its text starts */
  const HtmlToken *tok;
} HtmlFrame;

typedef struct {
  HtmlEmitter e;
  const char *arena;
  MugaiHtmlStats *stats;
  HtmlFrame frames[HTML_MAX_DEPTH + 1];
  guint n_frames;
} HtmlRenderer;

/* html_host_char - a character that may appear in a host name */
static gboolean
html_host_char(char c)
{
  return g_ascii_isalnum(c) || c == '-' || c == '.';
}

/* html_authority_host - the host of an authority at S (after "//") into
 * HOST: no userinfo, port or trailing dot, lower-case, no leading "www." */
static void
html_authority_host(const char *s, gsize len, char host[HTML_HOST_MAX])
{
  gsize end = 0, start = 0, n = 0;

  while (end < len && s[end] != '/' && s[end] != '?' && s[end] != '#' && s[end] != '\\')
    end++;
  for (gsize i = 0; i < end; i++)
    if (s[i] == '@')
      start = i + 1;
  for (gsize i = start; i < end && s[i] != ':' && html_host_char(s[i]) && n + 1 < HTML_HOST_MAX;
       i++)
    host[n++] = g_ascii_tolower(s[i]);
  while (n > 0 && host[n - 1] == '.')
    n--;
  host[n] = '\0';
  if (strncmp(host, "www.", 4) == 0)
    memmove(host, host + 4, n - 4 + 1);
}

/* html_href_scheme - the lower-case scheme of HREF into BUF ("" when relative) */
static void
html_href_scheme(const char *href, gsize len, char *buf, gsize size)
{
  gsize i = 0;

  buf[0] = '\0';
  if (len == 0 || !g_ascii_isalpha(href[0]))
    return;
  while (i < len
         && (g_ascii_isalnum(href[i]) || href[i] == '+' || href[i] == '-' || href[i] == '.'))
    i++;
  if (i >= len || href[i] != ':')
    return;
  i = MIN(i, size - 1);
  for (gsize j = 0; j < i; j++)
    buf[j] = g_ascii_tolower(href[j]);
  buf[i] = '\0';
}

/* html_href_host - the host an href points at (mailto: its domain) */
static void
html_href_host(const char *href, gsize len, const char *scheme, char host[HTML_HOST_MAX])
{
  gsize skip = scheme[0] != '\0' ? strlen(scheme) + 1 : 0;

  host[0] = '\0';
  if (strcmp(scheme, "mailto") == 0) {
    const char *at = memchr(href, '@', len);
    if (at != NULL) {
      gsize rest = len - (at + 1 - href), n = 0;
      while (n < rest && at[1 + n] != '?' && at[1 + n] != ',' && at[1 + n] != '>')
        n++;
      html_authority_host(at + 1, n, host);
    }
    return;
  }
  if (skip + 2 <= len && href[skip] == '/' && href[skip + 1] == '/')
    html_authority_host(href + skip + 2, len - skip - 2, host);
}

/* html_fold_ascii - copy link text into DST (HTML_HREF_MAX + 1 bytes) with
 * full-width ASCII and the ideographic full stop folded to ASCII, other
 * characters as spaces, so "ｗｗｗ．example．com" is seen as a domain */
static gsize
html_fold_ascii(const char *s, gsize len, char *dst)
{
  const char *p = s, *end = s + MIN(len, HTML_HREF_MAX);
  gsize n = 0;

  while (p < end) {
    guint8 b = (guint8)*p;
    gunichar c;

    if (b < 0x80) {
      dst[n++] = (char)b;
      p++;
      continue;
    }
    c = g_utf8_get_char(p);
    if (c >= 0xFF01 && c <= 0xFF5E)
      dst[n++] = (char)(c - 0xFF01 + 0x21);
    else if (c == 0x3002 || c == 0xFF61)
      dst[n++] = '.';
    else
      dst[n++] = ' ';
    p = g_utf8_next_char(p);
  }
  dst[n] = '\0';
  return n;
}

/* html_domain_shaped - RUN looks like a host name: two or more labels, the
 * last 2..63 letters and not a common file extension */
static gboolean
html_domain_shaped(const char *run, gsize len)
{
  static const char *const extensions[] = { "pdf",  "doc",  "docx", "xls", "xlsx", "ppt",
                                            "pptx", "txt",  "csv",  "zip", "lzh",  "jpg",
                                            "jpeg", "png",  "gif",  "htm", "html", "php",
                                            "asp",  "aspx", "jsp",  "cgi", "xml",  "json" };
  gsize dot, tld;

  while (len > 0 && run[len - 1] == '.')
    len--;
  if (len == 0 || run[0] == '.' || run[0] == '-')
    return FALSE;
  for (dot = len; dot > 0 && run[dot - 1] != '.'; dot--)
    ;
  if (dot < 2 || run[dot - 2] == '.')
    return FALSE;
  tld = len - dot;
  if (tld < 2 || tld > 63)
    return FALSE;
  for (gsize i = dot; i < len; i++)
    if (!g_ascii_isalpha(run[i]))
      return FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS(extensions); i++)
    if (strlen(extensions[i]) == tld && g_ascii_strncasecmp(run + dot, extensions[i], tld) == 0)
      return FALSE;
  return TRUE;
}

/* html_text_host - the host that link text shows, when it looks like a URL,
 * an e-mail address or a domain, into HOST; empty otherwise */
static void
html_text_host(const char *text, gsize len, char host[HTML_HOST_MAX])
{
  char s[HTML_HREF_MAX + 1];
  gsize n = html_fold_ascii(text, len, s);
  const char *p = strstr(s, "://");

  host[0] = '\0';
  if (p != NULL) {
    html_authority_host(p + 3, n - (p + 3 - s), host);
    return;
  }
  for (gsize i = 0; i < n;) {
    gsize j = i, at = 0;
    while (j < n && (html_host_char(s[j]) || s[j] == '@')) {
      if (s[j] == '@')
        at = j + 1;
      j++;
    }
    if (j > i) {
      gsize start = at > 0 ? at : i;
      if (html_domain_shaped(s + start, j - start)) {
        html_authority_host(s + start, j - start, host);
        return;
      }
      i = j;
    } else {
      i++;
    }
  }
}

/* html_text_is_href - the link text says exactly where the link goes */
static gboolean
html_text_is_href(const char *text, gsize tlen, const char *href, gsize hlen)
{
  if (tlen == hlen && memcmp(text, href, tlen) == 0)
    return TRUE;
  if (tlen + 1 == hlen && href[tlen] == '/' && memcmp(text, href, tlen) == 0)
    return TRUE;
  if (hlen == tlen + 7 && g_ascii_strncasecmp(href, "mailto:", 7) == 0
      && memcmp(href + 7, text, tlen) == 0)
    return TRUE;
  if (hlen == tlen + 4 && g_ascii_strncasecmp(href, "tel:", 4) == 0
      && memcmp(href + 4, text, tlen) == 0)
    return TRUE;
  return FALSE;
}

/* html_render_link - after a link's text, write where it really goes */
static void
html_render_link(HtmlRenderer *rd, HtmlFrame *f)
{
  HtmlEmitter *e = &rd->e;
  const char *href = rd->arena + f->tok->off;
  gsize hlen = f->tok->len, tstart, tend;
  char scheme[16];
  char text_host[HTML_HOST_MAX], href_host[HTML_HOST_MAX];

  if (e->link_slot == &f->link_start)
    e->link_slot = NULL;
  if (!(f->tok->flags & TOKF_ATTR) || hlen == 0 || href[0] == '#')
    return;

  tstart = MIN(f->link_start, e->out->len);
  tend = e->out->len;
  while (tstart < tend && html_is_space((guint8)e->out->str[tstart]))
    tstart++;
  while (tend > tstart && html_is_space((guint8)e->out->str[tend - 1]))
    tend--;

  html_href_scheme(href, hlen, scheme, sizeof scheme);
  if (scheme[0] != '\0' && strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0
      && strcmp(scheme, "mailto") != 0 && strcmp(scheme, "ftp") != 0
      && strcmp(scheme, "tel") != 0) {
    g_autofree char *note = g_strdup_printf("[リンク削除 / link removed: %s]", scheme);
    rd->stats->scripts++; /* javascript:, data:, vbscript:, ... */
    html_em_space(e);
    html_em_str(e, note);
    html_em_space(e);
    return;
  }

  rd->stats->links++;
  if (html_text_is_href(e->out->str + tstart, tend - tstart, href, hlen))
    return;

  html_text_host(e->out->str + tstart, tend - tstart, text_host);
  html_href_host(href, hlen, scheme, href_host);

  html_em_space(e);
  html_em_put(e, "<", 1, '<', '<');
  html_em_put(e, href, hlen, 0, 0); /* nothing is owed after "<": no need to know its characters */
  html_em_put(e, ">", 1, '>', '>');
  if (text_host[0] != '\0' && strcmp(text_host, href_host) != 0) {
    rd->stats->deceptive++;
    html_em_space(e);
    html_em_str(e, "[注意: 表示と異なるリンク先 / Warning: link target differs]");
  }
  html_em_space(e);
}

/* html_render_image - an image becomes a marker with its sanitised alt text */
static void
html_render_image(HtmlRenderer *rd, const HtmlToken *t)
{
  g_autofree char *alt = NULL;

  if (t->flags & TOKF_TINY)
    return;
  if (t->flags & TOKF_ATTR)
    alt = mugai_text_sanitize_line(rd->arena + t->off, t->len);
  rd->stats->images++;
  if (alt != NULL && alt[0] != '\0') {
    html_em_str(&rd->e, "[画像: ");
    html_em_str(&rd->e, alt);
    html_em_str(&rd->e, "]");
  } else {
    html_em_str(&rd->e, "[画像]");
  }
}

/* html_render_void - an element without content */
static void
html_render_void(HtmlRenderer *rd, const HtmlToken *t)
{
  switch (t->tag) {
  case TAG_BR:
    html_em_newline(&rd->e);
    break;
  case TAG_HR:
    html_em_break(&rd->e, 2);
    html_em_str(&rd->e, "----");
    html_em_break(&rd->e, 2);
    break;
  case TAG_IMG:
    html_render_image(rd, t);
    break;
  default:
    break;
  }
}

/* html_render_li - start a list item: its marker goes before its first content */
static void
html_render_li(HtmlRenderer *rd, HtmlFrame *f)
{
  HtmlEmitter *e = &rd->e;
  HtmlFrame *list = f->list != 0 ? &rd->frames[f->list - 1] : NULL;

  if (e->has_marker) {
    /* an item whose first content is a nested list: its bullet gets its own line */
    html_em_flush(e, ' ');
  }
  html_em_break(e, 1);
  if (list != NULL && list->tag == TAG_OL) {
    g_snprintf(e->marker, sizeof e->marker, "%d. ", list->counter);
    if (list->counter < HTML_OL_START_MAX)
      list->counter++;
  } else {
    g_strlcpy(e->marker, "・ ", sizeof e->marker);
  }
  e->has_marker = TRUE;
  e->marker_prefix = e->prefix->len;
  g_string_append(e->prefix, "  ");
}

/* html_render_start - an element opens */
static void
html_render_start(HtmlRenderer *rd, HtmlFrame *f)
{
  HtmlEmitter *e = &rd->e;
  HtmlFrame *table = f->table != 0 ? &rd->frames[f->table - 1] : NULL;
  guint self = (guint)(f - rd->frames) + 1;

  switch (f->tag) {
  case TAG_P:
    if (!(f->tok->flags & TOKF_IMPLIED))
      html_em_break(e, (f->tok->flags & TOKF_MSO) ? 1 : 2);
    break;
  case TAG_DIV:
  case TAG_LINE:
  case TAG_DT:
    html_em_break(e, 1);
    break;
  case TAG_BLOCK:
  case TAG_HEADING:
  case TAG_DL:
    html_em_break(e, 2);
    break;
  case TAG_DD:
    html_em_break(e, 1);
    g_string_append(e->prefix, "  ");
    break;
  case TAG_BLOCKQUOTE:
    html_em_break(e, 2);
    g_string_append(e->prefix, "> ");
    break;
  case TAG_PRE:
    html_em_break(e, 2);
    e->pre++;
    e->pre_start = TRUE;
    break;
  case TAG_UL:
  case TAG_OL:
    html_em_break(e, f->list != 0 ? 1 : 2);
    f->counter = (f->tok->flags & TOKF_ATTR) ? (gint)(gint32)f->tok->off : 1;
    f->list = self;
    break;
  case TAG_LI:
    html_render_li(rd, f);
    break;
  case TAG_TABLE:
    html_em_break(e, 2);
    f->layout = (f->tok->flags & TOKF_LAYOUT) != 0;
    f->cells = 0;
    f->table = self;
    break;
  case TAG_TR:
    html_em_break(e, 1);
    if (table != NULL)
      table->cells = 0;
    break;
  case TAG_TD:
    if (table != NULL && !table->layout) {
      if (table->cells++ > 0) {
        e->pending_space = FALSE;
        html_em_put(e, " |", 2, ' ', '|');
        html_em_space(e);
      }
      f->data_cell = TRUE;
      e->data_cell++;
    } else {
      html_em_break(e, 1);
    }
    break;
  case TAG_A:
    f->link_start = G_MAXSIZE;
    e->link_slot = &f->link_start;
    break;
  case TAG_RT:
    html_em_str(e, "(");
    break;
  default:
    break;
  }
}

/* html_render_end - an element closes */
static void
html_render_end(HtmlRenderer *rd, HtmlFrame *f)
{
  HtmlEmitter *e = &rd->e;

  switch (f->tag) {
  case TAG_P:
    if (!(f->tok->flags & TOKF_IMPLIED))
      html_em_break(e, (f->tok->flags & TOKF_MSO) ? 1 : 2);
    break;
  case TAG_DIV:
  case TAG_LINE:
  case TAG_DT:
  case TAG_DD:
  case TAG_TR:
    html_em_break(e, 1);
    break;
  case TAG_BLOCK:
  case TAG_HEADING:
  case TAG_DL:
  case TAG_BLOCKQUOTE:
  case TAG_TABLE:
    html_em_break(e, 2);
    break;
  case TAG_PRE:
    if (e->pre > 0)
      e->pre--;
    e->pre_start = FALSE;
    html_em_break(e, 2);
    break;
  case TAG_UL:
  case TAG_OL:
    /* f->list is the list itself; its parent list decides the spacing */
    html_em_break(e, (f > rd->frames && f[-1].list != 0) ? 1 : 2);
    break;
  case TAG_LI:
    e->has_marker = FALSE; /* an empty item gets no bullet line */
    html_em_break(e, 1);
    break;
  case TAG_TD:
    if (f->data_cell) {
      if (e->data_cell > 0)
        e->data_cell--;
      e->pending_space = FALSE;
    } else {
      html_em_break(e, 1);
    }
    break;
  case TAG_A:
    html_render_link(rd, f);
    break;
  case TAG_RT:
    html_em_str(e, ")");
    break;
  default:
    break;
  }
  g_string_truncate(e->prefix, MIN(f->prefix_len, e->prefix->len));
}

/* html_render - walk the tokens once, with an explicit element stack */
static void
html_render(HtmlRenderer *rd, const HtmlToken *toks, guint n)
{
  guint overflow = 0;

  for (guint i = 0; i < n && !rd->e.truncated; i++) {
    const HtmlToken *t = &toks[i];
    HtmlFrame *f;

    switch (t->kind) {
    case TOK_TEXT:
      html_em_text(&rd->e, rd->arena + t->off, t->len);
      break;
    case TOK_VOID:
      html_render_void(rd, t);
      break;
    case TOK_START:
      if (rd->n_frames >= G_N_ELEMENTS(rd->frames)) {
        overflow++;
        break;
      }
      f = &rd->frames[rd->n_frames];
      if (rd->n_frames > 0) {
        f->list = f[-1].list;
        f->table = f[-1].table;
      } else {
        f->list = 0;
        f->table = 0;
      }
      rd->n_frames++;
      f->tag = t->tag;
      f->tok = t;
      f->layout = FALSE;
      f->data_cell = FALSE;
      f->prefix_len = rd->e.prefix->len;
      f->counter = 1;
      f->cells = 0;
      f->link_start = G_MAXSIZE;
      html_render_start(rd, f);
      break;
    case TOK_END:
      if (overflow > 0)
        overflow--;
      else if (rd->n_frames > 0)
        html_render_end(rd, &rd->frames[--rd->n_frames]);
      break;
    default:
      break;
    }
  }
  /* a stopped parse may leave elements open; close them so links still show */
  while (rd->n_frames > 0 && !rd->e.truncated)
    html_render_end(rd, &rd->frames[--rd->n_frames]);
}

/* --- input preparation and output finishing -------------------------------- */

/* html_prescan_charset - find a <meta charset> or http-equiv charset label in
 * the first HTML_PRESCAN bytes; LABEL receives it (ASCII, NUL-terminated) */
static gboolean
html_prescan_charset(const guint8 *data, gsize len, char *label, gsize size)
{
  const char *s = (const char *)data;
  gsize n = MIN(len, HTML_PRESCAN);

  for (gsize i = 0; i + 5 < n; i++) {
    gsize end, k, m = 0;
    const char *cs;

    if (s[i] != '<' || g_ascii_strncasecmp(s + i + 1, "meta", 4) != 0 || g_ascii_isalnum(s[i + 5]))
      continue;
    for (end = i + 5; end < n && s[end] != '>'; end++)
      ;
    cs = html_ascii_casestr(s + i + 5, end - (i + 5), "charset");
    if (cs == NULL) {
      i = end;
      continue;
    }
    k = (gsize)(cs - s) + 7;
    while (k < end && html_is_space((guint8)s[k]))
      k++;
    if (k >= end || s[k] != '=') {
      i = end;
      continue;
    }
    k++;
    while (k < end && (html_is_space((guint8)s[k]) || s[k] == '"' || s[k] == '\''))
      k++;
    while (k < end && m + 1 < size
           && (g_ascii_isalnum(s[k]) || s[k] == '-' || s[k] == '_' || s[k] == '.' || s[k] == ':'))
      label[m++] = s[k++];
    label[m] = '\0';
    if (m > 0) {
      /* a label found by an ASCII scan cannot be right about UTF-16 */
      if (g_ascii_strncasecmp(label, "utf-16", 6) == 0)
        g_strlcpy(label, "utf-8", size);
      return TRUE;
    }
    i = end;
  }
  return FALSE;
}

/* html_plain_run - length of the prefix of B without '<' or bytes below
 * 0x20, eight bytes at a time (the caller's hot loop) */
static gsize
html_plain_run(const guint8 *b, gsize len)
{
  const guint64 ones = G_GUINT64_CONSTANT(0x0101010101010101);
  const guint64 highs = G_GUINT64_CONSTANT(0x8080808080808080);
  gsize i = 0;

  while (i + 8 <= len) {
    guint64 x, lt;
    memcpy(&x, b + i, 8);
    lt = (x - 0x20 * ones) & ~x & highs;                             /* some byte < 0x20 */
    lt |= ((x ^ ('<' * ones)) - ones) & ~(x ^ ('<' * ones)) & highs; /* some '<' */
    if (lt != 0)
      break;
    i += 8;
  }
  while (i < len && b[i] >= 0x20 && b[i] != '<')
    i++;
  return i;
}

/* html_tag_excess - for the start tag at B ('<' and a letter), the offset of
 * its attribute number HTML_MAX_ATTRS + 1, or 0 when it has no more than
 * that; *END receives the offset of the tag's '>' (LEN when unterminated).
 * libxml2 2.9 checks each attribute against all earlier ones, quadratic in
 * their number. Attribute syntax follows libxml2: a quote only opens a value
 * after '='. Quoted values are skipped with memchr, so this stays cheap. */
static gsize
html_tag_excess(const guint8 *b, gsize len, gsize *end)
{
  gsize i = 1, count = 0;

  while (i < len && !html_is_space(b[i]) && b[i] != '>' && b[i] != '/')
    i++;
  for (;;) {
    gsize mark;
    while (i < len && (html_is_space(b[i]) || (b[i] == '/' && i + 1 < len && b[i + 1] != '>')))
      i++;
    if (i >= len || b[i] == '>' || b[i] == '/')
      break;
    mark = i;
    if (++count > HTML_MAX_ATTRS) {
      const guint8 *gt;
      /* the rest is cut anyway: any '>' will do, quoted or not */
      gt = memchr(b + i, '>', len - i);
      *end = gt != NULL ? (gsize)(gt - b) : len;
      return mark;
    }
    while (i < len && !html_is_space(b[i]) && b[i] != '=' && b[i] != '>'
           && !(b[i] == '/' && i + 1 < len && b[i + 1] == '>'))
      i++;
    while (i < len && html_is_space(b[i]))
      i++;
    if (i >= len || b[i] != '=')
      continue;
    i++;
    while (i < len && html_is_space(b[i]))
      i++;
    if (i < len && (b[i] == '"' || b[i] == '\'')) {
      const guint8 *q = memchr(b + i + 1, b[i], len - i - 1);
      i = q != NULL ? (gsize)(q - b) + 1 : len;
    } else {
      while (i < len && !html_is_space(b[i]) && b[i] != '>')
        i++;
    }
  }
  *end = MIN(i, len);
  return 0;
}

/* html_prepare - drop NUL and other C0 controls (TAB, LF, FF, CR stay),
 * Word's downlevel-revealed conditionals "<![if ...]>" / "<![endif]>", which
 * libxml2 would otherwise show as text, and Outlook's empty "<o:p>" tags,
 * which cost libxml2 a formatted error each; cut start tags to
 * HTML_MAX_ATTRS attributes; in place */
static void
html_prepare(GString *s)
{
  guint8 *b = (guint8 *)s->str;
  gsize r = 0, w = 0, n = s->len, scanned = 0;

  while (r < n) {
    gsize run = html_plain_run(b + r, n - r);
    guint8 c;

    if (run > 0) {
      if (w != r)
        memmove(b + w, b + r, run);
      w += run;
      r += run;
      continue;
    }
    c = b[r];
    /* a '<' inside a tag already scanned is not scanned again: that would
     * be quadratic on "<a<a<a..." */
    if (c == '<' && r >= scanned && r + 1 < n && g_ascii_isalpha(b[r + 1])) {
      gsize end, cut = html_tag_excess(b + r, n - r, &end);
      if (cut > 0) {
        memmove(b + w, b + r, cut);
        w += cut;
        r += end; /* the '>' (if any) is copied next */
        continue;
      }
      scanned = r + end;
    }
    if (c == '<') {
      if (r + 4 < n && b[r + 1] == '!' && b[r + 2] == '['
          && (g_ascii_strncasecmp((char *)b + r + 3, "if", 2) == 0
              || (r + 7 < n && g_ascii_strncasecmp((char *)b + r + 3, "endif", 5) == 0))) {
        const guint8 *gt = memchr(b + r, '>', MIN(n - r, 256));
        /* not "<![endif]-->": that one ends a comment */
        if (gt != NULL && gt[-1] == ']') {
          r = (gsize)(gt - b) + 1;
          continue;
        }
      }
      if (r + 5 < n && (b[r + 1] | 0x20) == 'o' && b[r + 2] == ':' && (b[r + 3] | 0x20) == 'p'
          && b[r + 4] == '>') {
        r += 5;
        continue;
      }
      if (r + 6 < n && b[r + 1] == '/' && (b[r + 2] | 0x20) == 'o' && b[r + 3] == ':'
          && (b[r + 4] | 0x20) == 'p' && b[r + 5] == '>') {
        r += 6;
        continue;
      }
      b[w++] = b[r++];
      continue;
    }
    if (c == '\t' || c == '\n' || c == '\f' || c == '\r')
      b[w++] = c;
    r++;
  }
  g_string_truncate(s, w);
}

/* html_blankish - a line with nothing but spaces and quote marks */
static gboolean
html_blankish(const char *s, gsize len)
{
  for (gsize i = 0; i < len; i++)
    if (s[i] != ' ' && s[i] != '>')
      return FALSE;
  return TRUE;
}

/* html_finish - append TEXT to OUT: trailing space cut from each line, runs of
 * blank lines collapsed to one, none at the start or end, one final "\n" */
static void
html_finish(const GString *text, GString *out)
{
  const char *p = text->str, *end = text->str + text->len;
  const char *blank = NULL;
  gsize blank_len = 0;
  gboolean wrote = FALSE;

  while (p < end) {
    const char *nl = memchr(p, '\n', end - p);
    const char *le = nl != NULL ? nl : end;
    gsize len = le - p;

    while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
      len--;
    if (html_blankish(p, len)) {
      if (wrote && blank == NULL) {
        blank = p;
        blank_len = len;
      }
    } else {
      if (blank != NULL) {
        g_string_append_len(out, blank, blank_len);
        g_string_append_c(out, '\n');
        blank = NULL;
      }
      g_string_append_len(out, p, len);
      g_string_append_c(out, '\n');
      wrote = TRUE;
    }
    p = le + 1;
  }
}

void
mugai_html_to_text(const guint8 *data, gsize len, const char *label, GString *out,
                   MugaiHtmlStats *stats)
{
  MugaiHtmlStats local;
  char meta_label[HTML_LABEL_MAX];
  g_autoptr(GString) utf8 = NULL;
  g_autoptr(GString) text = NULL;
  g_autoptr(GString) prefix = NULL;
  g_autofree HtmlRenderer *rd = NULL;
  HtmlRecorder *rec;
  const char *charset;

  g_return_if_fail(out != NULL);
  g_return_if_fail(data != NULL || len == 0);

  if (stats == NULL)
    stats = &local;
  memset(stats, 0, sizeof *stats);

  if (label == NULL && html_prescan_charset(data, len, meta_label, sizeof meta_label))
    label = meta_label;
  utf8 = g_string_sized_new(len + len / 2 + 16);
  charset = mugai_charset_decode(label, data, len, utf8, NULL);
  stats->charset = charset;
  html_prepare(utf8);
  if (utf8->len > (gsize)G_MAXINT / 2)
    g_string_truncate(utf8, html_utf8_cut(utf8->str, utf8->len, (gsize)G_MAXINT / 2));
  if (utf8->len == 0)
    return;

  rec = g_new0(HtmlRecorder, 1);
  rec->toks = g_array_sized_new(FALSE, FALSE, sizeof(HtmlToken), utf8->len / 16 + 16);
  rec->arena = g_string_sized_new(utf8->len + 64);
  rec->stats = stats;
  html_record(utf8->str, utf8->len, rec);

  text = g_string_sized_new(utf8->len + 64);
  prefix = g_string_new(NULL);
  rd = g_new0(HtmlRenderer, 1);
  rd->e.out = text;
  rd->e.prefix = prefix;
  rd->e.cap = len <= (G_MAXSIZE - 65536) / 8 ? len * 8 + 65536 : G_MAXSIZE;
  rd->arena = rec->arena->str;
  rd->stats = stats;
  html_render(rd, (const HtmlToken *)(void *)rec->toks->data, rec->toks->len);
  if (rd->e.truncated)
    g_string_append(text, "\n\n[以下省略 / truncated]\n");

  g_array_unref(rec->toks);
  g_string_free(rec->arena, TRUE);
  g_free(rec);

  mugai_text_sanitize(text);
  html_finish(text, out);
}
