/*
 * main.c - mugai-worker: the only process that parses PDFs, images and
 * archives.
 *
 * Started by the parent (src/sandbox/worker.c) with a fixed argument list
 * and four descriptors; never by hand. It maps the input, initialises what
 * must be loaded from disk, confines itself (worker/confine.c) and only then
 * lets a parser near the bytes. Everything it says goes out as frames
 * (sandbox/wire.h); the parent believes none of it until checked.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sandbox/bigbuf.h"
#include "worker/worker.h"

/* write_all - the whole buffer to descriptor 1 */
static gboolean
write_all(const void *buf, gsize len)
{
  const guint8 *p = buf;

  while (len > 0) {
    ssize_t n = write(1, p, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return FALSE;
    p += n;
    len -= (gsize)n;
  }
  return TRUE;
}

gboolean
mugai_worker_send(MugaiWireType type, guint32 index, const void *a, gsize a_len, const void *b,
                  gsize b_len)
{
  unsigned char h[MUGAI_WIRE_HEADER_SIZE] = { 0 };

  h[0] = (unsigned char)type;
  mugai_wire_put32(h + 4, index);
  mugai_wire_put64(h + 8, (guint64)a_len + b_len);
  return write_all(h, sizeof h) && (a_len == 0 || write_all(a, a_len))
         && (b_len == 0 || write_all(b, b_len));
}

gboolean
mugai_worker_send_doc(guint32 pages, guint32 flags)
{
  unsigned char p[8];

  mugai_wire_put32(p, pages);
  mugai_wire_put32(p + 4, flags);
  return mugai_worker_send(MUGAI_WIRE_DOC, 0, p, sizeof p, NULL, 0);
}

void
mugai_worker_fail(MugaiWireError code, const char *format, ...)
{
  unsigned char c[4];
  char msg[MUGAI_WIRE_ERROR_MAX];
  va_list ap;
  int n;

  va_start(ap, format);
  n = g_vsnprintf(msg, sizeof msg, format, ap);
  va_end(ap);
  if (n < 0)
    n = 0;
  if ((gsize)n >= sizeof msg)
    n = sizeof msg - 1;
  mugai_wire_put32(c, code);
  mugai_worker_send(MUGAI_WIRE_ERROR, 0, c, sizeof c, msg, (gsize)n);
  /* _exit: no atexit handlers (a leak checker would need ptrace, which
   * the sandbox forbids), and nothing left to flush. */
  _exit(0);
}

void
mugai_worker_finish(void)
{
  mugai_worker_send(MUGAI_WIRE_END, 0, NULL, 0, NULL, 0);
  _exit(0);
}

/* Buffers kept between pages, so that each page does not fault in fresh
 * memory: one for grey or RGBA pages, one for a page that turns out in
 * colour while being packed. */
typedef struct {
  guint8 *data;
  gsize size;
} PageBuffer;

static PageBuffer grey_buffer, rgb_buffer;

/* page_buffer - B, holding at least LEN bytes */
static guint8 *
page_buffer(PageBuffer *b, gsize len)
{
  if (b->size < len) {
    mugai_bigbuf_free(b->data, b->size);
    b->data = mugai_bigbuf_alloc(len);
    b->size = len;
    if (!b->data)
      mugai_worker_fail(MUGAI_WIRE_ERR_LIMIT, "no memory for a page of %" G_GSIZE_FORMAT " bytes",
                        len);
  }
  return b->data;
}

/* send_page - a PAGE frame of packed pixels */
static gboolean
send_page(guint32 index, const guint8 *packed, guint width, guint height, guint channels,
          guint32 page_width_mpt, guint32 page_height_mpt)
{
  unsigned char h[MUGAI_WIRE_PAGE_SIZE] = { 0 };

  mugai_wire_put32(h, width);
  mugai_wire_put32(h + 4, height);
  mugai_wire_put32(h + 8, channels);
  mugai_wire_put32(h + 16, page_width_mpt);
  mugai_wire_put32(h + 20, page_height_mpt);
  return mugai_worker_send(MUGAI_WIRE_PAGE, index, h, sizeof h, packed,
                           (gsize)width * height * channels);
}

/* row_is_grey - every pixel of ROW has R = G = B (no early exit, so that
 * the loop vectorises) */
static gboolean
row_is_grey(const guint32 *row, guint width)
{
  guint32 acc = 0;

  for (guint x = 0; x < width; x++)
    acc |= (row[x] ^ (row[x] >> 8)) & 0xffff;
  return acc == 0;
}

/* pack_rgb_c - 0x00RRGGBB words to R G B bytes */
static void
pack_rgb_c(const guint32 *row, guint width, guint8 *o)
{
  for (guint x = 0; x < width; x++, o += 3) {
    o[0] = (guint8)(row[x] >> 16);
    o[1] = (guint8)(row[x] >> 8);
    o[2] = (guint8)row[x];
  }
}

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

/* pack_rgb_ssse3 - the same, four pixels per shuffle */
__attribute__((target("ssse3"))) static void
pack_rgb_ssse3(const guint32 *row, guint width, guint8 *o)
{
  const __m128i order = _mm_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1);
  guint x = 0;

  /* Each store writes 16 bytes of which 12 count: stop while the 4 spare
   * bytes still fall in the row (two more pixels, six bytes, ahead); one
   * pixel fewer would let the last row's store run a byte past the buffer. */
  for (; x + 6 <= width; x += 4, o += 12)
    _mm_storeu_si128(
        (__m128i *)(gpointer)o,
        _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(gconstpointer)(row + x)), order));
  pack_rgb_c(row + x, width - x, o);
}
#endif

/* pack_rgb - the fastest packer this CPU has */
static void
pack_rgb(const guint32 *row, guint width, guint8 *o)
{
#if defined(__x86_64__) || defined(__i386__)
  static int ssse3 = -1;

  if (ssse3 < 0)
    ssse3 = __builtin_cpu_supports("ssse3") ? 1 : 0;
  if (ssse3) {
    pack_rgb_ssse3(row, width, o);
    return;
  }
#endif
  pack_rgb_c(row, width, o);
}

gboolean
mugai_worker_send_xrgb(guint32 index, const guint8 *pixels, guint width, guint height, gsize stride,
                       guint32 page_width_mpt, guint32 page_height_mpt)
{
  guint8 *grey = page_buffer(&grey_buffer, (gsize)width * height);
  guint8 *rgb = NULL;

  /* cairo's RGB24: one native-endian 0x00RRGGBB word per pixel. A page
   * whose every pixel has R = G = B goes as one byte per pixel. One pass,
   * row by row while the row is in cache: grey rows go to GREY until the
   * first colour row, when the rows so far are packed again as RGB. */
  for (guint y = 0; y < height; y++) {
    const guint32 *row = (const guint32 *)(gconstpointer)(pixels + (gsize)y * stride);
    if (!rgb) {
      if (row_is_grey(row, width)) {
        guint8 *o = grey + (gsize)y * width;
        for (guint x = 0; x < width; x++)
          o[x] = (guint8)row[x];
        continue;
      }
      rgb = page_buffer(&rgb_buffer, (gsize)width * height * 3);
      for (guint k = 0; k < y; k++)
        pack_rgb((const guint32 *)(gconstpointer)(pixels + (gsize)k * stride), width,
                 rgb + (gsize)k * width * 3);
    }
    pack_rgb(row, width, rgb + (gsize)y * width * 3);
  }
  return send_page(index, rgb ? rgb : grey, width, height, rgb ? 3 : 1, page_width_mpt,
                   page_height_mpt);
}

gboolean
mugai_worker_send_rgba(guint32 index, const guint8 *pixels, guint width, guint height, gsize stride,
                       guint in_channels)
{
  gboolean opaque = TRUE;
  guint channels;
  guint8 *out, *o;

  /* gdk-pixbuf: R G B (A) bytes. Alpha is kept only when it is used. */
  if (in_channels == 4)
    for (guint y = 0; y < height && opaque; y++)
      for (guint x = 0; x < width; x++)
        if (pixels[(gsize)y * stride + (gsize)x * 4 + 3] != 255) {
          opaque = FALSE;
          break;
        }
  channels = opaque ? 3 : 4;
  out = o = page_buffer(&grey_buffer, (gsize)width * height * channels);
  for (guint y = 0; y < height; y++) {
    const guint8 *row = pixels + (gsize)y * stride;
    for (guint x = 0; x < width; x++, row += in_channels) {
      memcpy(o, row, channels);
      o += channels;
    }
  }
  return send_page(index, out, width, height, channels, 0, 0);
}

/* read_full - LEN bytes from descriptor 0 */
static gboolean
read_full(void *buf, gsize len)
{
  guint8 *p = buf;

  while (len > 0) {
    ssize_t n = read(0, p, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return FALSE;
    p += n;
    len -= (gsize)n;
  }
  return TRUE;
}

/* read_password - the preamble: u32 length, then the password */
static gboolean
read_password(char **password)
{
  unsigned char h[4];
  guint32 len;

  *password = NULL;
  if (!read_full(h, 4))
    return FALSE;
  len = mugai_wire_get32(h);
  if (len > MUGAI_WIRE_PASSWORD_MAX)
    return FALSE;
  if (len == 0)
    return TRUE;
  *password = g_malloc0(len + 1);
  return read_full(*password, len);
}

/* option_u64 - --NAME=N from argv, or DEFAULT */
static guint64
option_u64(int argc, char **argv, const char *name, guint64 def)
{
  gsize n = strlen(name);

  for (int i = 2; i < argc; i++)
    if (!strncmp(argv[i], name, n) && argv[i][n] == '=')
      return g_ascii_strtoull(argv[i] + n + 1, NULL, 10);
  return def;
}

/* option_str - --NAME=VALUE from argv, or NULL */
static const char *
option_str(int argc, char **argv, const char *name)
{
  gsize n = strlen(name);

  for (int i = 2; i < argc; i++)
    if (!strncmp(argv[i], name, n) && argv[i][n] == '=')
      return argv[i] + n + 1;
  return NULL;
}

int
main(int argc, char **argv)
{
  MugaiWorkerJob job = { 0 };
  struct stat st;
  void *map;

  if (argc < 2 || isatty(1)) {
    fprintf(stderr, "mugai-worker: started by mugai, not by hand (pdf|image|archive ...)\n");
    return 2;
  }
#ifndef MUGAI_WORKER_ONLY
  /* A converter's box: no input descriptor, no frames; it becomes the agent. */
  if (!strcmp(argv[1], "office-launch"))
    return mugai_worker_office_launch(argc, argv);
#endif
  mugai_confine_parse_limits(argc, argv, &job.confine);
  job.dpi = (guint)option_u64(argc, argv, "--dpi", 150);
  job.max_pages = (guint)option_u64(argc, argv, "--max-pages", 500);
  job.max_page_pixels = option_u64(argc, argv, "--max-page-pixels", 40000000);
  job.format = option_str(argc, argv, "--format");
  job.max_members = option_u64(argc, argv, "--max-members", 10000);
  job.max_total_bytes = option_u64(argc, argv, "--max-total", G_GUINT64_CONSTANT(1) << 30);
  job.max_member_bytes = option_u64(argc, argv, "--max-member", 64 << 20);
  job.max_ratio = option_u64(argc, argv, "--max-ratio", 200);
  if (!read_password(&job.password))
    return 1;
  if (!write_all(MUGAI_WIRE_MAGIC, 4))
    return 1;
  if (fstat(3, &st) != 0 || !S_ISREG(st.st_mode))
    mugai_worker_fail(MUGAI_WIRE_ERR_INTERNAL, "no input on descriptor 3");
  if (st.st_size == 0)
    mugai_worker_fail(MUGAI_WIRE_ERR_MALFORMED, "empty input");
  map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, 3, 0);
  if (map == MAP_FAILED)
    mugai_worker_fail(MUGAI_WIRE_ERR_INTERNAL, "cannot map input: %s", g_strerror(errno));
  job.input = map;
  job.input_len = (gsize)st.st_size;
  /* A lean worker (mugai-worker-image, mugai-worker-archive) has one mode
   * and links only its library: it starts in a fraction of the time. */
#if !defined(MUGAI_WORKER_ONLY)
  if (!strcmp(argv[1], "pdf"))
    return mugai_worker_pdf(&job);
#endif
#if !defined(MUGAI_WORKER_ONLY) || MUGAI_WORKER_ONLY == 1
  if (!strcmp(argv[1], "image"))
    return mugai_worker_image(&job);
#endif
#if !defined(MUGAI_WORKER_ONLY) || MUGAI_WORKER_ONLY == 2
  if (!strcmp(argv[1], "archive"))
    return mugai_worker_archive(&job);
#endif
  mugai_worker_fail(MUGAI_WIRE_ERR_INTERNAL, "unknown mode");
}
