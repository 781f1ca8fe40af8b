/*
 * pixels.h - the trusted side's encoders: pixels that passed the checks in
 * worker.c become PNG, JPEG or pages of a PDF written by mugai.
 */
#ifndef MUGAI_SANDBOX_PIXELS_H
#define MUGAI_SANDBOX_PIXELS_H

#include <glib.h>

#include "sandbox/worker.h"

G_BEGIN_DECLS

/* mugai_pixels_encode_png - CHANNELS 1, 3 or 4, 8-bit. (transfer full) */
GBytes *mugai_pixels_encode_png(const guint8 *pixels, guint width, guint height, guint channels,
                                GError **error);

/* mugai_pixels_encode_jpeg - CHANNELS 1 or 3. (transfer full) */
GBytes *mugai_pixels_encode_jpeg(const guint8 *pixels, guint width, guint height, guint channels,
                                 int quality, GError **error);

/* mugai_pixels_rle - PDF RunLengthDecode coding of IN into OUT, which has
 * room for MUGAI_PIXELS_RLE_BOUND(N) bytes; returns the length written. */
#define MUGAI_PIXELS_RLE_BOUND(n) ((n) + (n) / 128 + 2)
gsize mugai_pixels_rle(const guint8 *in, gsize n, guint8 *out);

/* mugai_pixels_encode_lossless - run-length, then zlib-format deflate at
 * LEVEL (libdeflate: twice zlib's speed at level 1, and smaller): a
 * PDF stream with /Filter [/FlateDecode /RunLengthDecode]. (transfer full) */
#define MUGAI_PIXELS_DEFLATE_LEVEL 1
GBytes *mugai_pixels_encode_lossless(const guint8 *pixels, gsize len, int level);

/* mugai_pixels_jpeg_is_smaller - whether JPEG at QUALITY beats lossless
 * (run-length and deflate) on this page: estimated on bands of rows, so that the choice
 * costs a few percent of encoding the page. */
gboolean mugai_pixels_jpeg_is_smaller(const guint8 *pixels, guint width, guint height,
                                      guint channels, int quality);

/* An image-only PDF, written page by page to an unlinked temporary file
 * (sandbox/pdfout.c). Pages are encoded by the caller (possibly on other
 * threads) and added in order. */
typedef struct _MugaiPdfWriter MugaiPdfWriter;

typedef enum {
  MUGAI_PDF_IMAGE_JPEG,     /* DCTDecode */
  MUGAI_PDF_IMAGE_LOSSLESS, /* [/FlateDecode /RunLengthDecode] */
} MugaiPdfImageKind;

MugaiPdfWriter *mugai_pdf_writer_new(GError **error);
/* mugai_pdf_writer_add_page - one page of PAGE_W x PAGE_H points showing an
 * image of WIDTH x HEIGHT pixels (CHANNELS 1 or 3) encoded as KIND. */
gboolean mugai_pdf_writer_add_page(MugaiPdfWriter *writer, double page_w, double page_h,
                                   guint width, guint height, guint channels,
                                   MugaiPdfImageKind kind, GBytes *data, GError **error);
/* mugai_pdf_writer_finish - the PDF, mapped from its file; frees WRITER.
 * (transfer full) */
GBytes *mugai_pdf_writer_finish(MugaiPdfWriter *writer, GError **error);
MugaiPdfWriter *mugai_pdf_writer_free(MugaiPdfWriter *writer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MugaiPdfWriter, mugai_pdf_writer_free)

G_END_DECLS

#endif /* MUGAI_SANDBOX_PIXELS_H */
