/*
 * pdfout.c - write an image-only PDF: one image per page, nothing else.
 *
 * The file has a catalog, a page tree, and per page a content stream that
 * paints one image XObject over the whole page. There is no font, no
 * annotation, no action, no name tree, no metadata stream: the structure
 * cannot carry anything but the pixels mugai encoded. Objects are written
 * as pages arrive, so memory holds one page at a time; the page tree and
 * the cross-reference table come last.
 *
 * cairo's PDF surface was the first writer; on a 101-page manual it spent
 * five times the render time copying, analysing and deflating each page at
 * the default level (bench/pdf), so pages are now encoded by sandbox/pixels.c
 * and framed here.
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "sandbox/pixels.h"

#define FLUSH_AT (256 * 1024)

struct _MugaiPdfWriter {
  int fd;
  GString *buf;   /* pending bytes */
  guint64 offset; /* bytes written before buf */
  GArray *xref;   /* guint64 offset of object i+1 */
  GArray *pages;  /* guint object number of each page */
  gboolean failed;
  int saved_errno;
};

/* Object 1 is the catalog, 2 the page tree; 3.. follow in order. */
#define OBJ_CATALOG 1
#define OBJ_PAGES   2

static GQuark
pdfout_quark(void)
{
  return g_quark_from_static_string("mugai-pdfout");
}

/* write_raw - bytes to the file, remembering the first failure */
static void
write_raw(MugaiPdfWriter *w, const void *data, gsize len)
{
  const char *p = data;

  w->offset += len;
  while (len > 0 && !w->failed) {
    ssize_t n = write(w->fd, p, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      w->failed = TRUE;
      w->saved_errno = n < 0 ? errno : EIO;
      break;
    }
    p += n;
    len -= (gsize)n;
  }
}

/* flush - pending bytes to the file */
static void
flush(MugaiPdfWriter *w)
{
  write_raw(w, w->buf->str, w->buf->len);
  g_string_truncate(w->buf, 0);
}

/* put - append bytes; a large stream goes straight to the file */
static void
put(MugaiPdfWriter *w, const void *data, gsize len)
{
  if (w->buf->len + len > FLUSH_AT)
    flush(w);
  if (len > FLUSH_AT)
    write_raw(w, data, len);
  else
    g_string_append_len(w->buf, data, (gssize)len);
}

static void G_GNUC_PRINTF(2, 3) putf(MugaiPdfWriter *w, const char *format, ...)
{
  va_list ap;
  g_autofree char *s = NULL;

  va_start(ap, format);
  s = g_strdup_vprintf(format, ap);
  va_end(ap);
  put(w, s, strlen(s));
}

/* begin_obj - record where object NUM starts */
static void
begin_obj(MugaiPdfWriter *w, guint num)
{
  guint64 at = w->offset + w->buf->len;

  if (w->xref->len < num)
    g_array_set_size(w->xref, num);
  g_array_index(w->xref, guint64, num - 1) = at;
  putf(w, "%u 0 obj\n", num);
}

/* points - a page dimension, locale-independent, 3 decimals */
static char *
points(double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  return g_strdup(g_ascii_formatd(buf, sizeof buf, "%.3f", v));
}

MugaiPdfWriter *
mugai_pdf_writer_new(GError **error)
{
  const char *dir = g_get_tmp_dir();
  MugaiPdfWriter *w;
  int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

  if (fd < 0) {
    g_autofree char *path = g_build_filename(dir, "mugai-pdf-XXXXXX", NULL);
    fd = g_mkstemp_full(path, O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0)
      unlink(path);
  }
  if (fd < 0) {
    g_set_error(error, pdfout_quark(), 0, "cannot create a temporary file in %s: %s", dir,
                g_strerror(errno));
    return NULL;
  }
  w = g_new0(MugaiPdfWriter, 1);
  w->fd = fd;
  w->buf = g_string_sized_new(FLUSH_AT + 4096);
  w->xref = g_array_new(FALSE, TRUE, sizeof(guint64));
  w->pages = g_array_new(FALSE, FALSE, sizeof(guint));
  /* A binary comment marks the file as binary for transfer programs. */
  put(w, "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", 15);
  return w;
}

gboolean
mugai_pdf_writer_add_page(MugaiPdfWriter *w, double page_w, double page_h, guint width,
                          guint height, guint channels, MugaiPdfImageKind kind, GBytes *data,
                          GError **error)
{
  guint page = w->xref->len < OBJ_PAGES ? 3 : w->xref->len + 1;
  guint contents = page + 1, image = page + 2;
  g_autofree char *pw = points(page_w);
  g_autofree char *ph = points(page_h);
  g_autofree char *content = g_strdup_printf("q %s 0 0 %s 0 0 cm /I Do Q\n", pw, ph);
  gsize len;
  const guint8 *p = g_bytes_get_data(data, &len);

  g_return_val_if_fail(channels == 1 || channels == 3, FALSE);
  begin_obj(w, page);
  putf(w,
       "<< /Type /Page /Parent %u 0 R /MediaBox [0 0 %s %s] /Resources << /XObject << /I %u 0 R "
       ">> >> /Contents %u 0 R >>\nendobj\n",
       OBJ_PAGES, pw, ph, image, contents);
  begin_obj(w, contents);
  putf(w, "<< /Length %zu >>\nstream\n%s\nendstream\nendobj\n", strlen(content), content);
  begin_obj(w, image);
  putf(w,
       "<< /Type /XObject /Subtype /Image /Width %u /Height %u /ColorSpace /%s "
       "/BitsPerComponent 8 /Filter %s /Length %zu >>\nstream\n",
       width, height, channels == 1 ? "DeviceGray" : "DeviceRGB",
       kind == MUGAI_PDF_IMAGE_JPEG ? "/DCTDecode" : "[/FlateDecode /RunLengthDecode]", len);
  put(w, p, len);
  put(w, "\nendstream\nendobj\n", 18);
  g_array_append_val(w->pages, page);
  if (w->failed) {
    g_set_error(error, pdfout_quark(), 0, "writing the PDF: %s", g_strerror(w->saved_errno));
    return FALSE;
  }
  return TRUE;
}

GBytes *
mugai_pdf_writer_finish(MugaiPdfWriter *w, GError **error)
{
  g_autoptr(GMappedFile) map = NULL;
  GError *local = NULL;
  GBytes *out = NULL;
  guint64 xref_at;
  guint n;

  if (w->pages->len == 0) {
    g_set_error(error, pdfout_quark(), 0, "no pages");
    mugai_pdf_writer_free(w);
    return NULL;
  }
  begin_obj(w, OBJ_CATALOG);
  putf(w, "<< /Type /Catalog /Pages %u 0 R >>\nendobj\n", OBJ_PAGES);
  begin_obj(w, OBJ_PAGES);
  put(w, "<< /Type /Pages /Kids [", 23);
  for (guint i = 0; i < w->pages->len; i++)
    putf(w, "%s%u 0 R", i ? " " : "", g_array_index(w->pages, guint, i));
  putf(w, "] /Count %u >>\nendobj\n", w->pages->len);
  n = w->xref->len + 1;
  begin_obj(w, n);
  putf(w, "<< /Producer (mugai %s) >>\nendobj\n", MUGAI_VERSION);
  xref_at = w->offset + w->buf->len;
  putf(w, "xref\n0 %u\n0000000000 65535 f \n", n + 1);
  for (guint i = 0; i < n; i++)
    putf(w, "%010" G_GUINT64_FORMAT " 00000 n \n", g_array_index(w->xref, guint64, i));
  putf(w,
       "trailer\n<< /Size %u /Root %u 0 R /Info %u 0 R >>\nstartxref\n%" G_GUINT64_FORMAT
       "\n%%%%EOF\n",
       n + 1, OBJ_CATALOG, n, xref_at);
  flush(w);
  if (w->failed) {
    g_set_error(error, pdfout_quark(), 0, "writing the PDF: %s", g_strerror(w->saved_errno));
    mugai_pdf_writer_free(w);
    return NULL;
  }
  /* File-backed: a long document's output does not sit on the heap. */
  map = g_mapped_file_new_from_fd(w->fd, FALSE, &local);
  if (!map) {
    g_set_error(error, pdfout_quark(), 0, "mapping the PDF: %s", local->message);
    g_error_free(local);
  } else
    out = g_mapped_file_get_bytes(map);
  mugai_pdf_writer_free(w);
  return out;
}

MugaiPdfWriter *
mugai_pdf_writer_free(MugaiPdfWriter *w)
{
  if (!w)
    return NULL;
  if (w->fd >= 0)
    close(w->fd);
  g_string_free(w->buf, TRUE);
  g_array_unref(w->xref);
  g_array_unref(w->pages);
  g_free(w);
  return NULL;
}
