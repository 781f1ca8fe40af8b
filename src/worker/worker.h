/*
 * worker.h - the worker program: parse one untrusted input, send pixels
 * (documents, images) or members (archives).
 */
#ifndef MUGAI_WORKER_WORKER_H
#define MUGAI_WORKER_WORKER_H

#include <glib.h>

#include "sandbox/wire.h"
#include "worker/confine.h"

G_BEGIN_DECLS

typedef struct {
  MugaiConfineLimits confine;
  guint dpi;
  guint max_pages;
  guint64 max_page_pixels;
  const char *format; /* image: png, jpeg, gif, bmp, tiff, webp; archive: zip, tar,
                       * compressed (gzip, ... of a tar or one file), 7z, rar, lha, cab */
  /* archive: what one archive may expand to (enforced while reading) */
  guint64 max_members;
  guint64 max_total_bytes;
  guint64 max_member_bytes;
  guint64 max_ratio;
  char *password; /* from the preamble on descriptor 0, or NULL */
  const guint8 *input;
  gsize input_len;
} MugaiWorkerJob;

/* Frame output on descriptor 1. Each returns FALSE when the parent is gone. */
gboolean mugai_worker_send(MugaiWireType type, guint32 index, const void *a, gsize a_len,
                           const void *b, gsize b_len);
gboolean mugai_worker_send_doc(guint32 pages, guint32 flags);
/* mugai_worker_fail - an ERROR frame, then exit */
G_NORETURN void mugai_worker_fail(MugaiWireError code, const char *format, ...) G_GNUC_PRINTF(2, 3);
/* mugai_worker_finish - the END frame, then exit */
G_NORETURN void mugai_worker_finish(void);

/* mugai_worker_send_xrgb - a PAGE frame from cairo RGB24 rows: grey (one
 * byte per pixel) when every pixel is grey, RGB otherwise. */
gboolean mugai_worker_send_xrgb(guint32 index, const guint8 *pixels, guint width, guint height,
                                gsize stride, guint32 page_width_mpt, guint32 page_height_mpt);

/* mugai_worker_send_rgba - a PAGE frame from gdk-pixbuf rows of 3 or 4
 * bytes per pixel: RGB, or RGBA when some pixel is not opaque. */
gboolean mugai_worker_send_rgba(guint32 index, const guint8 *pixels, guint width, guint height,
                                gsize stride, guint in_channels);

int mugai_worker_pdf(MugaiWorkerJob *job);
int mugai_worker_image(MugaiWorkerJob *job);
int mugai_worker_archive(MugaiWorkerJob *job);
/* mugai_worker_office_launch - confine, then exec the LibreOffice agent */
int mugai_worker_office_launch(int argc, char **argv);

G_END_DECLS

#endif /* MUGAI_WORKER_WORKER_H */
