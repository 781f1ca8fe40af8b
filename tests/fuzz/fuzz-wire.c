/*
 * fuzz-wire - the worker wire format on the trusted side. The input is
 * what a hostile worker writes on its standard output: a stand-in worker
 * (replay-worker.c, started through the real mugai_worker_spawn) replays
 * it, and the parent reads it with mugai_worker_next exactly as the PDF,
 * image and archive filters do, then uses what passed the checks as they
 * would: pixels encoded (PNG, JPEG, lossless), text made valid UTF-8,
 * member names decoded.
 *
 * The first byte picks the mode ("pdf", "image", "archive") and whether
 * PAGE pixels go to a sink; the rest is the frame stream ("MGW1" ...).
 * Checked: every frame that passed has the size it claims (ASan sees any
 * read past it) and values within the limits.
 */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-common.h"
#include "sandbox/archive.h"
#include "sandbox/pixels.h"
#include "sandbox/wire.h"
#include "sandbox/worker.h"

static MugaiConfig *config;

/* wire_config - once: CONFIG, its worker the replaying stand-in */
static void
wire_config(void)
{
  if (config)
    return;
  config = mugai_config_new_default();
  config->sandbox.worker = g_strdup(FUZZ_REPLAY_WORKER);
  config->sandbox.timeout_ms = 5000;
  config->sandbox.max_pages = 50;
  /* small enough that a frame of a 64 KiB input can reach the limits */
  config->sandbox.max_page_pixels = 20000;
  config->sandbox.max_total_pixels = 60000;
}

typedef struct {
  guint8 *buf;
  gsize len;
} Sink;

static guint8 *
sink(gpointer user_data, gsize len)
{
  Sink *s = user_data;

  if (len > (gsize)config->sandbox.max_page_pixels * 4)
    abort(); /* the limit was checked before the sink is asked */
  g_free(s->buf);
  s->buf = g_malloc(len ? len : 1);
  s->len = len;
  return s->buf;
}

static void
use_page(const MugaiFrame *f)
{
  gsize n = (gsize)f->width * f->height * f->channels;
  GBytes *b;
  GError *error = NULL;

  if (f->width < 1 || f->height < 1
      || (guint64)f->width * f->height > config->sandbox.max_page_pixels
      || (f->channels != 1 && f->channels != 3 && f->channels != 4))
    abort();
  /* every pixel is read: ASan sees a buffer shorter than claimed */
  b = mugai_pixels_encode_png(f->pixels, f->width, f->height, f->channels, &error);
  g_clear_error(&error);
  if (b)
    g_bytes_unref(b);
  if (f->channels != 4) {
    b = mugai_pixels_encode_jpeg(f->pixels, f->width, f->height, f->channels, 80, &error);
    g_clear_error(&error);
    if (b)
      g_bytes_unref(b);
  }
  b = mugai_pixels_encode_lossless(f->pixels, n, MUGAI_PIXELS_DEFLATE_LEVEL);
  if (b)
    g_bytes_unref(b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static const char *const modes[] = { "pdf", "image", "archive" };
  const char *mode;
  GBytes *input;
  MugaiWorker *w;
  MugaiFrame f;
  GError *error = NULL;
  Sink s = { NULL, 0 };

  wire_config();
  if (size < 1)
    return 0;
  mode = modes[(data[0] & 0x7f) % 3];
  input = g_bytes_new(data + 1, size - 1);
  w = mugai_worker_spawn(config, mode, input, NULL, NULL, &error);
  g_bytes_unref(input);
  if (!w) {
    fprintf(stderr, "fuzz: cannot start the replay worker: %s\n", error->message);
    abort();
  }
  if (data[0] & 0x80)
    mugai_worker_set_pixel_sink(w, sink, &s);
  while (mugai_worker_next(w, &f, &error)) {
    switch (f.type) {
    case MUGAI_WIRE_DOC:
      if (f.page_count < 1 || f.page_count > config->sandbox.max_pages)
        abort();
      if (!mugai_worker_send_plan(w, 0, 1, &error))
        goto done;
      break;
    case MUGAI_WIRE_TEXT: {
      char *t = g_utf8_make_valid(f.text, (gssize)f.text_len);
      if (f.text[f.text_len] != 0)
        abort();
      g_free(t);
      break;
    }
    case MUGAI_WIRE_PAGE:
      use_page(&f);
      break;
    case MUGAI_WIRE_MEMBER: {
      char *name = mugai_archive_decode_name(f.bytes, f.bytes_len);
      if (f.bytes_len > MUGAI_WIRE_NAME_MAX || memchr(f.bytes, 0, f.bytes_len))
        abort();
      fuzz_check_utf8("member name", name, -1);
      g_free(name);
      break;
    }
    case MUGAI_WIRE_DATA:
      if (f.bytes_len < 1 || f.bytes_len > MUGAI_WIRE_DATA_MAX)
        abort();
      /* touch every byte */
      g_free(g_compute_checksum_for_data(G_CHECKSUM_MD5, f.bytes, f.bytes_len));
      break;
    case MUGAI_WIRE_END:
      goto done;
    default:
      abort(); /* mugai_worker_next returns only the types it knows */
    }
  }
done:
  if (error)
    (void)mugai_sandbox_error_reason(error);
  g_clear_error(&error);
  mugai_worker_close(w, FALSE, &error);
  g_clear_error(&error);
  g_free(s.buf);
  return 0;
}
