/*
 * pixels.c - PNG, JPEG and image-only PDF from checked pixel buffers.
 *
 * These run in the trusted process on pixels the worker produced and
 * worker.c validated; every byte they write is mugai's own encoding
 * (libpng, libjpeg-turbo, libdeflate, and the run-length coder here).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <jpeglib.h>
#include <png.h>
#include <libdeflate.h>

#include "sandbox/bigbuf.h"
#include "sandbox/pixels.h"

/* ---- PNG ---- */

/* png_append - libpng write callback into a GByteArray */
static void
png_append(png_structp png, png_bytep data, png_size_t len)
{
  g_byte_array_append(png_get_io_ptr(png), data, (guint)len);
}

static void
png_noflush(png_structp png)
{
}

GBytes *
mugai_pixels_encode_png(const guint8 *pixels, guint width, guint height, guint channels,
                        GError **error)
{
  static const int color[]
      = { 0, PNG_COLOR_TYPE_GRAY, 0, PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGB_ALPHA };
  GByteArray *out = g_byte_array_new();
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
  png_infop info = png ? png_create_info_struct(png) : NULL;

  if (!png || !info || channels < 1 || channels > 4 || channels == 2) {
    png_destroy_write_struct(&png, &info);
    g_byte_array_unref(out);
    g_set_error(error, g_quark_from_static_string("mugai-pixels"), 0,
                "PNG encoder could not start");
    return NULL;
  }
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    g_byte_array_unref(out);
    g_set_error(error, g_quark_from_static_string("mugai-pixels"), 0, "PNG encoding failed");
    return NULL;
  }
  png_set_write_fn(png, out, png_append, png_noflush);
  png_set_IHDR(png, info, width, height, 8, color[channels], PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (guint y = 0; y < height; y++)
    png_write_row(png, (png_const_bytep)(pixels + (gsize)y * width * channels));
  png_write_end(png, NULL);
  png_destroy_write_struct(&png, &info);
  return g_byte_array_free_to_bytes(out);
}

/* ---- JPEG ---- */

typedef struct {
  struct jpeg_error_mgr base;
  jmp_buf jump;
} JpegError;

/* jpeg_fail - libjpeg's fatal error handler: unwind to the caller */
static void
jpeg_fail(j_common_ptr cinfo)
{
  longjmp(((JpegError *)cinfo->err)->jump, 1);
}

static void
jpeg_quiet(j_common_ptr cinfo, int level)
{
}

GBytes *
mugai_pixels_encode_jpeg(const guint8 *pixels, guint width, guint height, guint channels,
                         int quality, GError **error)
{
  struct jpeg_compress_struct c;
  JpegError err;
  unsigned char *mem = NULL;
  unsigned long mem_len = 0;
  GBytes *out;

  if (channels != 1 && channels != 3) {
    g_set_error(error, g_quark_from_static_string("mugai-pixels"), 0,
                "JPEG needs grey or RGB pixels");
    return NULL;
  }
  c.err = jpeg_std_error(&err.base);
  err.base.error_exit = jpeg_fail;
  err.base.emit_message = jpeg_quiet;
  if (setjmp(err.jump)) {
    jpeg_destroy_compress(&c);
    free(mem);
    g_set_error(error, g_quark_from_static_string("mugai-pixels"), 0, "JPEG encoding failed");
    return NULL;
  }
  jpeg_create_compress(&c);
  jpeg_mem_dest(&c, &mem, &mem_len);
  c.image_width = width;
  c.image_height = height;
  c.input_components = (int)channels;
  c.in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults(&c);
  jpeg_set_quality(&c, quality, TRUE);
  c.write_JFIF_header = TRUE;
  jpeg_start_compress(&c, TRUE);
  while (c.next_scanline < c.image_height) {
    JSAMPROW row = (JSAMPROW)(pixels + (gsize)c.next_scanline * width * channels);
    jpeg_write_scanlines(&c, &row, 1);
  }
  jpeg_finish_compress(&c);
  jpeg_destroy_compress(&c);
  out = g_bytes_new(mem, mem_len);
  free(mem);
  return out;
}

/* run_length - how many bytes from P (at most MAX) equal P[0] */
static inline gsize
run_length(const guint8 *p, gsize max)
{
  const guint64 pattern = 0x0101010101010101ull * p[0];
  gsize r = 1;

  while (r + 8 <= max) {
    guint64 v;
    memcpy(&v, p + r, 8);
    if (v != pattern)
      break;
    r += 8;
  }
  while (r < max && p[r] == p[0])
    r++;
  return r;
}

/* literal_end - from I, the first position where three equal bytes begin,
 * or LIMIT, or N: eight positions per step while none begins */
static inline gsize
literal_end(const guint8 *in, gsize n, gsize i, gsize limit)
{
  const guint64 ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;

  if (limit > n)
    limit = n;
  while (i + 10 <= limit) {
    guint64 a, b, c, z, hit;
    memcpy(&a, in + i, 8);
    memcpy(&b, in + i + 1, 8);
    memcpy(&c, in + i + 2, 8);
    z = (a ^ b) | (b ^ c); /* byte k is zero when in[i+k..i+k+2] are equal */
    hit = (z - ones) & ~z & highs;
    if (hit)
      return i + (gsize)(__builtin_ctzll(hit) / 8);
    i += 8;
  }
  while (i < limit) {
    if (i + 2 < n && in[i] == in[i + 1] && in[i] == in[i + 2])
      break;
    i++;
  }
  return i;
}

gsize
mugai_pixels_rle(const guint8 *in, gsize n, guint8 *out)
{
  gsize o = 0, i = 0;

  /* PDF RunLengthDecode: a length byte L then L+1 literal bytes (L < 128),
   * or 257-L copies of the next byte (L > 128); 128 ends the data. Runs of
   * three or more equal bytes are coded as runs, so white paper shrinks
   * 64:1 before deflate ever sees it. */
  while (i < n) {
    gsize r = run_length(in + i, MIN(n - i, 128)), start;
    if (r >= 3) {
      out[o++] = (guint8)(257 - r);
      out[o++] = in[i];
      i += r;
      continue;
    }
    start = i;
    i += r;
    i = literal_end(in, n, i, start + 128);
    if (i - start > 128)
      i = start + 128;
    out[o++] = (guint8)(i - start - 1);
    memcpy(out + o, in + start, i - start);
    o += i - start;
  }
  out[o++] = 128;
  return o;
}

/* Per-thread scratch for the lossless coder: pages are megabytes, and
 * fresh buffers for each would be faulted in page by page every time. */
typedef struct {
  guint8 *rle, *z;
  gsize rle_size, z_size;
  struct libdeflate_compressor *c;
  int level;
} Scratch;

static void
scratch_free(gpointer data)
{
  Scratch *s = data;

  mugai_bigbuf_free(s->rle, s->rle_size);
  mugai_bigbuf_free(s->z, s->z_size);
  if (s->c)
    libdeflate_free_compressor(s->c);
  g_free(s);
}

static GPrivate scratch_key = G_PRIVATE_INIT(scratch_free);

/* scratch_get - this thread's scratch, with room for LEN input bytes */
static Scratch *
scratch_get(gsize len, int level)
{
  Scratch *s = g_private_get(&scratch_key);

  if (!s) {
    s = g_new0(Scratch, 1);
    g_private_set(&scratch_key, s);
  }
  if (s->rle_size < MUGAI_PIXELS_RLE_BOUND(len)) {
    mugai_bigbuf_free(s->rle, s->rle_size);
    s->rle_size = MUGAI_PIXELS_RLE_BOUND(len);
    s->rle = mugai_bigbuf_alloc(s->rle_size);
    if (!s->rle) {
      s->rle_size = 0;
      return NULL;
    }
  }
  if (!s->c || s->level != level) {
    if (s->c)
      libdeflate_free_compressor(s->c);
    s->c = libdeflate_alloc_compressor(level);
    s->level = level;
  }
  return s->c ? s : NULL;
}

GBytes *
mugai_pixels_encode_lossless(const guint8 *pixels, gsize len, int level)
{
  Scratch *s = scratch_get(len, level);
  gsize rle_len, bound, zlen;

  if (!s)
    return NULL;
  rle_len = mugai_pixels_rle(pixels, len, s->rle);
  bound = libdeflate_zlib_compress_bound(s->c, rle_len);
  if (s->z_size < bound) {
    mugai_bigbuf_free(s->z, s->z_size);
    s->z_size = bound;
    s->z = mugai_bigbuf_alloc(bound);
    if (!s->z) {
      s->z_size = 0;
      return NULL;
    }
  }
  zlen = libdeflate_zlib_compress(s->c, s->rle, rle_len, s->z, bound);
  return zlen ? g_bytes_new(s->z, zlen) : NULL;
}

#define BANDS     4
#define BAND_ROWS 32

gboolean
mugai_pixels_jpeg_is_smaller(const guint8 *pixels, guint width, guint height, guint channels,
                             int quality)
{
  guint rows = MIN(height, BANDS * BAND_ROWS);
  gsize row_bytes = (gsize)width * channels;
  g_autofree guint8 *sample = g_malloc(row_bytes * rows);
  g_autoptr(GBytes) jpeg = NULL;
  g_autoptr(GBytes) lossless = NULL;

  if (channels != 1 && channels != 3)
    return FALSE;
  /* BANDS runs of BAND_ROWS rows, spread over the page. */
  if (rows == height)
    memcpy(sample, pixels, row_bytes * rows);
  else
    for (guint b = 0; b < BANDS; b++) {
      guint start = (guint)(((guint64)height - BAND_ROWS) * (2 * b + 1) / (2 * BANDS));
      memcpy(sample + (gsize)b * BAND_ROWS * row_bytes, pixels + (gsize)start * row_bytes,
             row_bytes * BAND_ROWS);
    }
  jpeg = mugai_pixels_encode_jpeg(sample, width, rows, channels, quality, NULL);
  lossless = mugai_pixels_encode_lossless(sample, row_bytes * rows, MUGAI_PIXELS_DEFLATE_LEVEL);
  if (!jpeg || !lossless)
    return FALSE;
  return g_bytes_get_size(jpeg) < g_bytes_get_size(lossless);
}
