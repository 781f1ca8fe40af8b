/*
 * pdf.c - worker mode "pdf": poppler renders pages to pixels.
 *
 * Protocol: DOC with the page count; read the plan (offset, stride) from
 * descriptor 0; then for each page offset, offset+stride, ...: TEXT (the
 * page's text layer) and PAGE (its pixels, rendered on white at the
 * requested resolution, lowered so that no page exceeds the pixel limit or
 * 10000 pixels a side); END. A password-protected document gives ERROR
 * encrypted. No annotation, form, script, attachment or font of the input
 * can reach the parent: only pixels and text do.
 */
#include <errno.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <gio/gio.h>
#include <poppler.h>

#include "sandbox/bigbuf.h"
#include "worker/worker.h"

#define MAX_SIDE 10000
#define MAX_PT   14400.0 /* PDF's largest page side, 200 inches */
#define MAX_TEXT (4u << 20)

/* read_plan - the 8-byte plan from the parent */
static gboolean
read_plan(guint32 *offset, guint32 *stride)
{
  unsigned char buf[MUGAI_WIRE_PLAN_SIZE];
  gsize got = 0;

  while (got < sizeof buf) {
    ssize_t n = read(0, buf + got, sizeof buf - got);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return FALSE;
    got += (gsize)n;
  }
  *offset = mugai_wire_get32(buf);
  *stride = mugai_wire_get32(buf + 4);
  return *stride > 0;
}

/* page_scale - pixels per point within the limits */
static double
page_scale(double w_pt, double h_pt, guint dpi, guint64 max_pixels)
{
  double s = dpi / 72.0;

  if (w_pt * s > MAX_SIDE)
    s = MAX_SIDE / w_pt;
  if (h_pt * s > MAX_SIDE)
    s = MAX_SIDE / h_pt;
  if (w_pt * s * h_pt * s > (double)max_pixels)
    s = sqrt((double)max_pixels / (w_pt * h_pt));
  return s;
}

/* page_surface - a W x H RGB24 surface, the previous page's when the size
 * is the same (most documents): no fresh memory to fault in per page */
static cairo_surface_t *
page_surface(guint w, guint h)
{
  static cairo_surface_t *surface;
  static guint8 *data;
  static gsize size;
  int stride = cairo_format_stride_for_width(CAIRO_FORMAT_RGB24, (int)w);

  if (surface && (guint)cairo_image_surface_get_width(surface) == w
      && (guint)cairo_image_surface_get_height(surface) == h)
    return surface;
  if (surface)
    cairo_surface_destroy(surface);
  mugai_bigbuf_free(data, size);
  size = (gsize)stride * h;
  data = stride > 0 ? mugai_bigbuf_alloc(size) : NULL;
  if (!data)
    mugai_worker_fail(MUGAI_WIRE_ERR_LIMIT, "no memory for %ux%u pixels", w, h);
  surface = cairo_image_surface_create_for_data(data, CAIRO_FORMAT_RGB24, (int)w, (int)h, stride);
  if (cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS)
    mugai_worker_fail(MUGAI_WIRE_ERR_LIMIT, "no memory for %ux%u pixels", w, h);
  return surface;
}

/* render_page - TEXT and PAGE frames of page INDEX */
static void
render_page(PopplerDocument *doc, guint32 index, const MugaiWorkerJob *job)
{
  PopplerPage *page = poppler_document_get_page(doc, (int)index);
  g_autofree char *text = NULL;
  double w_pt = 0, h_pt = 0, s;
  guint w, h;
  cairo_surface_t *surface;
  cairo_t *cr;

  if (!page)
    mugai_worker_fail(MUGAI_WIRE_ERR_MALFORMED, "page %u cannot be read", index + 1);
  poppler_page_get_size(page, &w_pt, &h_pt);
  if (!(w_pt >= 1.0 && h_pt >= 1.0 && w_pt <= MAX_PT && h_pt <= MAX_PT))
    mugai_worker_fail(MUGAI_WIRE_ERR_LIMIT, "page %u has an impossible size", index + 1);
  s = page_scale(w_pt, h_pt, job->dpi, job->max_page_pixels);
  w = (guint)MAX(1.0, floor(w_pt * s + 0.5));
  h = (guint)MAX(1.0, floor(h_pt * s + 0.5));
  if ((guint64)w * h > job->max_page_pixels)
    h = (guint)(job->max_page_pixels / w);

  text = poppler_page_get_text(page);
  if (text) {
    gsize len = strlen(text);
    if (!mugai_worker_send(MUGAI_WIRE_TEXT, index, text, MIN(len, MUGAI_WIRE_TEXT_MAX), NULL, 0))
      _exit(1);
  }

  surface = page_surface(w, h);
  cr = cairo_create(surface);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  cairo_scale(cr, (double)w / w_pt, (double)h / h_pt);
  poppler_page_render(page, cr);
  cairo_destroy(cr);
  cairo_surface_flush(surface);
  if (!mugai_worker_send_xrgb(index, cairo_image_surface_get_data(surface), w, h,
                              (gsize)cairo_image_surface_get_stride(surface),
                              (guint32)(w_pt * 1000.0 + 0.5), (guint32)(h_pt * 1000.0 + 0.5)))
    _exit(1);
  g_object_unref(page);
}

int
mugai_worker_pdf(MugaiWorkerJob *job)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GInputStream) stream = NULL;
  PopplerDocument *doc = NULL; /* lives until _exit */
  guint32 offset, stride;
  int n;

  if (!mugai_confine_enter(&job->confine, &error))
    mugai_worker_fail(MUGAI_WIRE_ERR_INTERNAL, "cannot confine: %s", error->message);

  /* From a stream, not from bytes: poppler 22.12's from_bytes crashes on a
   * wrong password (it retries with a stream it has already consumed). */
  bytes = g_bytes_new_static(job->input, job->input_len);
  stream = g_memory_input_stream_new_from_bytes(bytes);
  doc = poppler_document_new_from_stream(stream, (goffset)job->input_len, job->password, NULL,
                                         &error);
  if (!doc) {
    if (g_error_matches(error, POPPLER_ERROR, POPPLER_ERROR_ENCRYPTED))
      mugai_worker_fail(MUGAI_WIRE_ERR_ENCRYPTED, job->password
                                                      ? "the password given does not open it"
                                                      : "password required");
    mugai_worker_fail(MUGAI_WIRE_ERR_MALFORMED, "not a readable PDF");
  }
  n = poppler_document_get_n_pages(doc);
  if (n <= 0)
    mugai_worker_fail(MUGAI_WIRE_ERR_MALFORMED, "no pages");
  if ((guint)n > job->max_pages)
    mugai_worker_fail(MUGAI_WIRE_ERR_LIMIT, "%d pages > limit %u", n, job->max_pages);
  if (!mugai_worker_send_doc((guint32)n, 0))
    _exit(1);
  /* fontconfig reads its configuration and caches (read-only opens are
   * all the sandbox allows) while the parent decides the plan: off the
   * path to the page count, which the parent waits for. */
  FcInit();
  if (!read_plan(&offset, &stride))
    _exit(1);
  for (guint64 p = offset; p < (guint64)n; p += stride)
    render_page(doc, (guint32)p, job);
  mugai_worker_finish();
}
