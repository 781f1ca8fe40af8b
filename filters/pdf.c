/*
 * pdf.c - filter: a PDF becomes an image-only PDF that mugai wrote.
 *
 * Sandboxed workers (src/worker/pdf.c) render the pages; the pages are
 * shared among up to [sandbox] pool_size workers (worker j renders pages j,
 * j+k, j+2k, ...) so that a long document uses every core. Here, in the
 * trusted process, each checked page becomes one page of a new PDF of the
 * same size in points, its pixels JPEG (photographic) or deflated (text),
 * and the text layer the workers extracted becomes a .txt beside it. No
 * object of the original PDF - script, action, annotation, form, embedded
 * file, font, metadata - is copied: there is no path by which one could be.
 */
#include <string.h>

#include "core/run-private.h"
#include "filters/pdf.h"
#include "sandbox/bigbuf.h"
#include "sandbox/pixels.h"
#include "sandbox/worker.h"
#include "text/normalize.h"

#define JPEG_QUALITY 85
#define MAX_WORKERS  16
/* Inputs from this size start all their workers at once (see render). */
#define SPECULATE_BYTES (256 * 1024)

/* One page on its way from a worker to the writer: encoded on a thread of
 * the encoder pool, written in page order by the filter's thread. */
typedef struct {
  guint32 index;
  guint width, height, channels;
  double page_w, page_h;
  guint8 *pixels; /* owned, reused */
  gsize capacity;
  GBytes *encoded;
  MugaiPdfImageKind kind;
  gboolean busy, done;
} PageJob;

typedef struct {
  GMutex lock;
  GCond cond;
} Encoders;

/* encode_page - JPEG or lossless, whichever is smaller (thread pool) */
static void
encode_page(gpointer data, gpointer user_data)
{
  PageJob *job = data;
  Encoders *enc = user_data;
  gsize len = (gsize)job->width * job->height * job->channels;
  GBytes *out = NULL;

  if (mugai_pixels_jpeg_is_smaller(job->pixels, job->width, job->height, job->channels,
                                   JPEG_QUALITY)) {
    job->kind = MUGAI_PDF_IMAGE_JPEG;
    out = mugai_pixels_encode_jpeg(job->pixels, job->width, job->height, job->channels,
                                   JPEG_QUALITY, NULL);
  }
  if (!out) {
    job->kind = MUGAI_PDF_IMAGE_LOSSLESS;
    out = mugai_pixels_encode_lossless(job->pixels, len, MUGAI_PIXELS_DEFLATE_LEVEL);
  }
  g_mutex_lock(&enc->lock);
  job->encoded = out;
  job->done = TRUE;
  g_cond_broadcast(&enc->cond);
  g_mutex_unlock(&enc->lock);
}

/* job_pixels - the pixel sink: the job's own buffer, grown as needed */
static guint8 *
job_pixels(gpointer user_data, gsize len)
{
  PageJob *job = user_data;

  if (job->capacity < len) {
    mugai_bigbuf_free(job->pixels, job->capacity);
    job->pixels = mugai_bigbuf_alloc(len);
    job->capacity = job->pixels ? len : 0;
  }
  return job->pixels;
}

/* write_job - wait for JOB's encoding and add it to the PDF */
static gboolean
write_job(Encoders *enc, PageJob *job, MugaiPdfWriter *writer, GError **error)
{
  gboolean ok;

  g_mutex_lock(&enc->lock);
  while (!job->done)
    g_cond_wait(&enc->cond, &enc->lock);
  g_mutex_unlock(&enc->lock);
  job->busy = FALSE;
  if (!job->encoded) {
    g_set_error(error, g_quark_from_static_string("mugai-pdf"), 0, "page %u could not be encoded",
                job->index + 1);
    return FALSE;
  }
  ok = mugai_pdf_writer_add_page(writer, job->page_w, job->page_h, job->width, job->height,
                                 job->channels, job->kind, job->encoded, error);
  g_clear_pointer(&job->encoded, g_bytes_unref);
  return ok;
}

typedef struct {
  MugaiWorker *w[MAX_WORKERS];
  guint n;              /* workers started */
  guint slots;          /* pool slots held: at least n */
  const char *password; /* (transfer none) */
} Crew;

/* crew_end - kill and reap every worker still running, release slots */
static void
crew_end(Crew *c)
{
  for (guint i = 0; i < c->n; i++) {
    if (c->w[i])
      mugai_worker_close(c->w[i], TRUE, NULL);
    c->w[i] = NULL;
  }
  for (guint i = 0; i < c->slots; i++)
    mugai_sandbox_release();
  c->n = c->slots = 0;
}

/* crew_start - one more worker on DATA, in a slot already held */
static gboolean
crew_start(Crew *c, const MugaiConfig *cfg, GBytes *data, GError **error)
{
  g_assert(c->n < c->slots && c->n < MAX_WORKERS);
  c->w[c->n] = mugai_worker_spawn(cfg, "pdf", data, NULL, c->password, error);
  if (!c->w[c->n])
    return FALSE;
  c->n++;
  return TRUE;
}

/* crew_grow - hold up to WANT slots in all, as many as are free now */
static void
crew_grow(Crew *c, const MugaiConfig *cfg, guint want)
{
  while (c->slots < want && c->slots < MAX_WORKERS && mugai_sandbox_try_acquire(cfg))
    c->slots++;
}

static int
pdf_bid(const MugaiItem *item, const MugaiRun *run)
{
  const char *t = mugai_item_get_detected_type(item);

  if (!t || !mugai_item_get_data(item))
    return MUGAI_BID_NONE;
  return !strcmp(t, "application/pdf") ? MUGAI_BID_CERTAIN : MUGAI_BID_NONE;
}

/* expect_doc - the DOC frame of a worker */
static gboolean
expect_doc(MugaiWorker *w, guint32 *pages, GError **error)
{
  MugaiFrame f;

  if (!mugai_worker_next(w, &f, error))
    return FALSE;
  if (f.type != MUGAI_WIRE_DOC) {
    g_set_error(error, MUGAI_SANDBOX_ERROR, MUGAI_SANDBOX_ERROR_PROTOCOL,
                "pdf worker did not start with its page count");
    return FALSE;
  }
  *pages = f.page_count;
  return TRUE;
}

/* Text layer of a document, page by page, within the text limit. */
typedef struct {
  GString *text;
  guint64 cap;
  guint pages_with_text;
  gboolean cut;
} TextLayer;

/* blank_text - nothing but white space in LEN bytes of S */
static gboolean
blank_text(const char *s, gsize len)
{
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isspace(s[i]))
      return FALSE;
  return TRUE;
}

/* text_add_page - the TEXT of page INDEX (not yet valid UTF-8), headed
 * with its page number when the document has several; blank pages add
 * nothing */
static void
text_add_page(TextLayer *t, const MugaiFrame *f, guint32 pages)
{
  g_autofree char *valid = NULL;

  if (blank_text(f->text, f->text_len))
    return;
  if (t->text->len >= t->cap) {
    t->cut = TRUE;
    return;
  }
  valid = g_utf8_make_valid(f->text, (gssize)f->text_len);
  t->pages_with_text++;
  if (pages > 1)
    g_string_append_printf(t->text, "%s--- %u / %u ---\n", t->text->len ? "\n" : "", f->index + 1,
                           pages);
  g_string_append(t->text, valid);
  if (t->text->len && t->text->str[t->text->len - 1] != '\n')
    g_string_append_c(t->text, '\n');
}

/* document_pixels - PAGES_PIXELS plus this page, within the document's
 * budget (each worker also checks its own pages) */
static gboolean
document_pixels(guint64 *total, const MugaiFrame *f, guint64 budget, GError **error)
{
  *total += (guint64)f->width * f->height;
  if (*total <= budget)
    return TRUE;
  g_set_error(error, MUGAI_SANDBOX_ERROR, MUGAI_SANDBOX_ERROR_LIMIT,
              "pages over the document's pixel budget of %" G_GUINT64_FORMAT, budget);
  return FALSE;
}

/* render - drive the crew through the document; pages are encoded on a
 * pool of threads (one per core) and written to WRITER in order */
static gboolean
render(MugaiRun *run, GBytes *data, MugaiPdfWriter *writer, TextLayer *text, guint32 *n_pages,
       GError **error)
{
  const MugaiConfig *cfg = run->config;
  guint pool = MIN(mugai_sandbox_pool_size(cfg), MAX_WORKERS);
  guint n_jobs = pool + 1;
  Crew crew = { { NULL }, 0, 0, mugai_run_get_password(run) };
  guint k;
  Encoders enc;
  g_autofree PageJob *jobs = g_new0(PageJob, n_jobs);
  GThreadPool *encoders = NULL;
  guint32 pages = 0, written = 0;
  guint64 total_pixels = 0;
  guint per_worker;
  gboolean ok = FALSE;

  g_mutex_init(&enc.lock);
  g_cond_init(&enc.cond);
  if (!mugai_sandbox_acquire(cfg, error))
    goto out;
  crew.slots = 1;
  if (!crew_start(&crew, cfg, data, error))
    goto out;
  /* A long document is likely to have pages for every core: its other
   * workers start now rather than after the first has counted the pages,
   * which takes that worker's start-up off the critical path. */
  if (g_bytes_get_size(data) >= SPECULATE_BYTES) {
    crew_grow(&crew, cfg, pool);
    while (crew.n < crew.slots)
      if (!crew_start(&crew, cfg, data, error))
        goto out;
  }
  if (!expect_doc(crew.w[0], &pages, error))
    goto out;
  /* Workers only for pages that exist: extra ones end now. */
  while (crew.n > pages) {
    crew.n--;
    mugai_worker_close(crew.w[crew.n], TRUE, NULL);
    crew.w[crew.n] = NULL;
  }
  while (crew.slots > pages) {
    crew.slots--;
    mugai_sandbox_release();
  }
  crew_grow(&crew, cfg, MIN(pool, pages));
  k = crew.slots;
  per_worker = (pages + k - 1) / k;
  for (guint j = 0; j < k; j++) {
    guint32 again = pages;
    if (j >= crew.n && !crew_start(&crew, cfg, data, error))
      goto out;
    if (j > 0 && !expect_doc(crew.w[j], &again, error))
      goto out;
    if (again != pages) {
      g_set_error(error, MUGAI_SANDBOX_ERROR, MUGAI_SANDBOX_ERROR_PROTOCOL,
                  "pdf workers disagree on the page count");
      goto out;
    }
    mugai_worker_set_deadline(crew.w[j],
                              cfg->sandbox.timeout_ms
                                  + (guint64)cfg->sandbox.timeout_per_page_ms * per_worker);
    if (!mugai_worker_send_plan(crew.w[j], j, k, error))
      goto out;
  }
  encoders = g_thread_pool_new(encode_page, &enc, (int)pool, FALSE, NULL);
  for (guint32 p = 0; p < pages; p++) {
    MugaiWorker *w = crew.w[p % crew.n];
    PageJob *job = &jobs[p % n_jobs];
    MugaiFrame f;
    /* The slot's previous page is the oldest unwritten one. */
    if (job->busy) {
      if (!write_job(&enc, job, writer, error))
        goto out;
      written++;
    }
    mugai_worker_set_pixel_sink(w, job_pixels, job);
    for (;;) {
      if (!mugai_worker_next(w, &f, error))
        goto out;
      if (f.index != p || (f.type != MUGAI_WIRE_TEXT && f.type != MUGAI_WIRE_PAGE)
          || (f.type == MUGAI_WIRE_PAGE && (f.page_width_pt <= 0 || f.channels == 4))) {
        g_set_error(error, MUGAI_SANDBOX_ERROR, MUGAI_SANDBOX_ERROR_PROTOCOL,
                    "pdf worker sent an unexpected frame for page %u", p + 1);
        goto out;
      }
      if (f.type == MUGAI_WIRE_TEXT)
        text_add_page(text, &f, pages);
      else
        break;
    }
    if (!document_pixels(&total_pixels, &f, cfg->sandbox.max_total_pixels, error))
      goto out;
    job->index = p;
    job->width = f.width;
    job->height = f.height;
    job->channels = f.channels;
    job->page_w = f.page_width_pt;
    job->page_h = f.page_height_pt;
    job->busy = TRUE;
    job->done = FALSE;
    g_thread_pool_push(encoders, job, NULL);
  }
  for (; written < pages; written++)
    if (!write_job(&enc, &jobs[written % n_jobs], writer, error))
      goto out;
  for (guint j = 0; j < crew.n; j++) {
    MugaiFrame f;
    MugaiWorker *w = crew.w[j];
    if (!mugai_worker_next(w, &f, error))
      goto out;
    if (f.type != MUGAI_WIRE_END) {
      g_set_error(error, MUGAI_SANDBOX_ERROR, MUGAI_SANDBOX_ERROR_PROTOCOL,
                  "pdf worker sent more pages than it was given");
      goto out;
    }
    crew.w[j] = NULL;
    if (!mugai_worker_close(w, FALSE, error))
      goto out;
  }
  *n_pages = pages;
  ok = TRUE;
out:
  crew_end(&crew);
  if (encoders)
    g_thread_pool_free(encoders, FALSE, TRUE); /* waits for pages in flight */
  for (guint i = 0; i < n_jobs; i++) {
    mugai_bigbuf_free(jobs[i].pixels, jobs[i].capacity);
    if (jobs[i].encoded)
      g_bytes_unref(jobs[i].encoded);
  }
  g_mutex_clear(&enc.lock);
  g_cond_clear(&enc.cond);
  return ok;
}

/* cut_utf8 - at most CAP bytes, on a character boundary */
static void
cut_utf8(GString *s, gsize cap)
{
  gsize len = s->len;

  if (len <= cap)
    return;
  len = cap;
  while (len > 0 && ((guchar)s->str[len] & 0xc0) == 0x80)
    len--;
  g_string_truncate(s, len);
}

MugaiFilterResult
mugai_filter_pdf_convert(MugaiItem *item, MugaiRun *run, GBytes *data, GError **error)
{
  g_autoptr(MugaiPdfWriter) writer = mugai_pdf_writer_new(error);
  g_autoptr(GError) local = NULL;
  g_autofree char *pdf_name = mugai_item_output_name(item, ".pdf");
  g_autofree char *txt_name = mugai_item_output_name(item, ".txt");
  TextLayer t = { NULL, mugai_run_get_limits(run)->max_text_bytes, 0, FALSE };
  guint32 pages = 0;
  GBytes *pdf;
  gsize dropped = 0;

  if (!writer)
    return MUGAI_FILTER_FAILED;
  t.text = g_string_new(NULL);
  if (!render(run, data, writer, &t, &pages, &local)) {
    g_string_free(t.text, TRUE);
    mugai_sandbox_record_failure(item, run->config, local);
    return MUGAI_FILTER_OK;
  }
  pdf = mugai_pdf_writer_finish(g_steal_pointer(&writer), &local);
  if (!pdf) {
    g_string_free(t.text, TRUE);
    g_propagate_error(error, g_steal_pointer(&local));
    return MUGAI_FILTER_FAILED;
  }
  mugai_item_add_output(item, pdf_name, "application/pdf", pdf);
  if (t.pages_with_text > 0) {
    dropped = mugai_text_sanitize(t.text);
    t.cut |= t.text->len > t.cap;
    cut_utf8(t.text, (gsize)t.cap);
    mugai_item_add_output(item, txt_name, "text/plain; charset=UTF-8",
                          g_bytes_new(t.text->str, t.text->len));
  }
  mugai_item_set_outcome(item, MUGAI_ACTION_CONVERTED, MUGAI_REASON_RENDERED,
                         "%u %s at up to %u dpi; %s%s%s", pages, pages == 1 ? "page" : "pages",
                         run->config->sandbox.dpi,
                         t.pages_with_text ? "its text layer beside it as .txt" : "no text layer",
                         dropped ? "; control characters removed from its text" : "",
                         t.cut ? "; its text cut at the text limit" : "");
  g_string_free(t.text, TRUE);
  return MUGAI_FILTER_OK;
}

/* pdf_run - the item's own bytes */
static MugaiFilterResult
pdf_run(MugaiItem *item, MugaiRun *run, GError **error)
{
  return mugai_filter_pdf_convert(item, run, mugai_item_get_data(item), error);
}

const MugaiFilter mugai_filter_pdf = {
  .abi_version = MUGAI_FILTER_ABI_VERSION,
  .name = "pdf",
  .flags = MUGAI_FILTER_FLAG_UNTRUSTED_PARSER,
  .bid = pdf_bid,
  .run = pdf_run,
};
