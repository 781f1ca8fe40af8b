/*
 * test-pixels.c - the trusted side's encoders: run-length coding, the
 * lossless page stream, and the image-only PDF writer.
 */
#include <stdio.h>
#include <string.h>

#include <libdeflate.h>

#include "sandbox/pixels.h"

/* unrle - PDF RunLengthDecode, as a reader would do it */
static GByteArray *
unrle(const guint8 *p, gsize n)
{
  GByteArray *out = g_byte_array_new();
  gsize i = 0;

  while (i < n) {
    guint8 l = p[i++];
    if (l == 128)
      break;
    if (l < 128) {
      g_assert_cmpuint(i + l + 1, <=, n);
      g_byte_array_append(out, p + i, l + 1u);
      i += l + 1u;
    } else {
      g_assert_cmpuint(i, <, n);
      for (guint k = 0; k < 257u - l; k++)
        g_byte_array_append(out, p + i, 1);
      i++;
    }
  }
  g_assert_cmpuint(i, ==, n); /* the end marker is last */
  return out;
}

/* roundtrip - IN survives rle + unrle, within the bound */
static void
roundtrip(const guint8 *in, gsize n)
{
  g_autofree guint8 *coded = g_malloc(MUGAI_PIXELS_RLE_BOUND(n));
  gsize len = mugai_pixels_rle(in, n, coded);
  g_autoptr(GByteArray) back = NULL;

  g_assert_cmpuint(len, <=, MUGAI_PIXELS_RLE_BOUND(n));
  back = unrle(coded, len);
  g_assert_cmpmem(back->data, back->len, in, n);
}

/* Runs and literals of every length around the 128 boundaries. */
static void
test_rle(void)
{
  GRand *rand = g_rand_new_with_seed(42);
  guint8 buf[1024];

  roundtrip(buf, 0);
  for (gsize n = 1; n < 300; n++) {
    memset(buf, 0xff, n);
    roundtrip(buf, n); /* one run */
    for (gsize i = 0; i < n; i++)
      buf[i] = (guint8)i; /* all literals */
    roundtrip(buf, n);
    for (gsize i = 0; i < n; i++)
      buf[i] = (guint8)(g_rand_int_range(rand, 0, 3)); /* short runs */
    roundtrip(buf, n);
  }
  for (int k = 0; k < 200; k++) {
    gsize n = (gsize)g_rand_int_range(rand, 1, sizeof buf);
    for (gsize i = 0; i < n;) {
      gsize run = (gsize)g_rand_int_range(rand, 1, 200);
      guint8 v = (guint8)g_rand_int(rand);
      for (gsize j = 0; j < run && i < n; j++, i++)
        buf[i] = g_rand_boolean(rand) ? v : (guint8)g_rand_int(rand);
    }
    roundtrip(buf, n);
  }
  g_rand_free(rand);
}

/* The lossless stream is zlib(rle(pixels)). */
static void
test_lossless(void)
{
  gsize n = 640 * 480 * 3;
  g_autofree guint8 *px = g_malloc(n);
  g_autoptr(GBytes) z = NULL;
  g_autofree guint8 *rle = g_malloc(MUGAI_PIXELS_RLE_BOUND(n));
  size_t rle_len = 0;
  struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
  g_autoptr(GByteArray) back = NULL;

  memset(px, 0xff, n);
  for (gsize i = 0; i < n; i += 7)
    px[i] = (guint8)(i * 31);
  z = mugai_pixels_encode_lossless(px, n, MUGAI_PIXELS_DEFLATE_LEVEL);
  g_assert_nonnull(z);
  g_assert_cmpint(libdeflate_zlib_decompress(d, g_bytes_get_data(z, NULL), g_bytes_get_size(z), rle,
                                             MUGAI_PIXELS_RLE_BOUND(n), &rle_len),
                  ==, LIBDEFLATE_SUCCESS);
  libdeflate_free_decompressor(d);
  back = unrle(rle, rle_len);
  g_assert_cmpmem(back->data, back->len, px, n);
}

/* A text-like page prefers lossless; noise prefers JPEG. */
static void
test_choice(void)
{
  guint w = 1240, h = 1754;
  g_autofree guint8 *page = g_malloc((gsize)w * h);
  GRand *rand = g_rand_new_with_seed(7);

  memset(page, 0xff, (gsize)w * h);
  for (guint y = 100; y < h - 100; y += 40)
    for (guint x = 100; x < w - 100; x++)
      if ((x / 9) % 3)
        memset(page + (gsize)(y + (x % 13)) * w + x, 0x20, 1);
  g_assert_false(mugai_pixels_jpeg_is_smaller(page, w, h, 1, 85));
  for (gsize i = 0; i < (gsize)w * h; i++)
    page[i] = (guint8)(128 + 40 * ((i % w) * 1.0 / w) + g_rand_int_range(rand, 0, 24));
  g_assert_true(mugai_pixels_jpeg_is_smaller(page, w, h, 1, 85));
  g_rand_free(rand);
}

/* has - NEEDLE somewhere in the binary P */
static gboolean
has(const char *p, gsize len, const char *needle)
{
  return memmem(p, len, needle, strlen(needle)) != NULL;
}

/* The writer's file: every xref offset points at its object; the page
 * tree counts the pages; nothing but images and their pages. */
static void
test_pdf_writer(void)
{
  g_autoptr(GError) error = NULL;
  MugaiPdfWriter *w = mugai_pdf_writer_new(&error);
  guint8 px[12 * 10];
  g_autoptr(GBytes) jpeg = NULL, flate = NULL, pdf = NULL;
  const char *xref, *p;
  guint n = 0, count = 0;
  gsize len;

  g_assert_no_error(error);
  memset(px, 0x80, sizeof px);
  jpeg = mugai_pixels_encode_jpeg(px, 12, 10, 1, 85, &error);
  g_assert_no_error(error);
  flate = mugai_pixels_encode_lossless(px, sizeof px, 1);
  g_assert_true(
      mugai_pdf_writer_add_page(w, 595.276, 841.89, 12, 10, 1, MUGAI_PDF_IMAGE_JPEG, jpeg, &error));
  g_assert_true(mugai_pdf_writer_add_page(w, 841.89, 595.276, 4, 10, 3, MUGAI_PDF_IMAGE_LOSSLESS,
                                          flate, &error));
  pdf = mugai_pdf_writer_finish(w, &error);
  g_assert_no_error(error);
  p = g_bytes_get_data(pdf, &len);
  g_assert_true(g_str_has_prefix(p, "%PDF-1.4\n"));
  g_assert_true(has(p, len, "/Count 2"));
  g_assert_true(has(p, len, "/MediaBox [0 0 595.276 841.890]"));
  g_assert_true(has(p, len, "/MediaBox [0 0 841.890 595.276]"));
  g_assert_true(has(p, len, "/Filter /DCTDecode"));
  g_assert_true(has(p, len, "/Filter [/FlateDecode /RunLengthDecode]"));
  g_assert_false(has(p, len, "/Font"));
  g_assert_false(has(p, len, "/Annots"));
  /* startxref, as a reader finds it: from the end */
  g_assert_true(len > 64);
  xref = memmem(p + len - 64, 64, "startxref\n", 10);
  g_assert_nonnull(xref);
  xref = p + g_ascii_strtoull(xref + 10, NULL, 10);
  g_assert_true(g_str_has_prefix(xref, "xref\n"));
  g_assert_cmpint(sscanf(xref + 5, "0 %u", &n), ==, 1);
  p = strchr(xref + 5, '\n') + 1 + 20; /* skip the free entry */
  for (guint obj = 1; obj < n; obj++, p += 20) {
    guint64 off = g_ascii_strtoull(p, NULL, 10);
    g_autofree char *want = g_strdup_printf("%u 0 obj\n", obj);
    g_assert_cmpuint(off, <, len);
    g_assert_true(g_str_has_prefix((const char *)g_bytes_get_data(pdf, NULL) + off, want));
    count++;
  }
  g_assert_cmpuint(count, ==, 9); /* catalog, pages, 2 x (page, content, image), info */
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/pixels/rle", test_rle);
  g_test_add_func("/pixels/lossless", test_lossless);
  g_test_add_func("/pixels/choice", test_choice);
  g_test_add_func("/pixels/pdf-writer", test_pdf_writer);
  return g_test_run();
}
