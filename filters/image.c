/*
 * image.c - filter: an image becomes one mugai encoded from its pixels.
 *
 * A sandboxed worker decodes PNG, JPEG, GIF, BMP, TIFF or WebP (the format
 * comes from libmagic, never from the name or the declared type) and sends
 * pixels; the trusted side encodes them again: JPEG for photographs (the
 * source was a JPEG), PNG for everything else. EXIF, GPS, XMP, comments,
 * colour profiles, extra frames and bytes appended after the image do not
 * survive because nothing but pixels crosses the boundary.
 */
#include <string.h>

#include "core/run-private.h"
#include "sandbox/pixels.h"
#include "sandbox/worker.h"

#define JPEG_QUALITY 90

static const char *const image_types[][2] = {
  { "image/png", "png" },   { "image/jpeg", "jpeg" },    { "image/gif", "gif" },
  { "image/bmp", "bmp" },   { "image/x-ms-bmp", "bmp" }, { "image/tiff", "tiff" },
  { "image/webp", "webp" },
};

/* image_format - the worker's format name for a sniffed type, or NULL */
static const char *
image_format(const char *type)
{
  for (gsize i = 0; type && i < G_N_ELEMENTS(image_types); i++)
    if (!strcmp(type, image_types[i][0]))
      return image_types[i][1];
  return NULL;
}

static int
image_bid(const MugaiItem *item, const MugaiRun *run)
{
  if (!mugai_item_get_data(item) || !image_format(mugai_item_get_detected_type(item)))
    return MUGAI_BID_NONE;
  return MUGAI_BID_CERTAIN;
}

/* output_extension - the name's own extension when it already says what
 * the output is (photo.JPG stays photo.JPG), else .jpg or .png */
static const char *
output_extension(const MugaiItem *item, gboolean jpeg)
{
  static const char *const jpeg_ext[] = { ".jpg", ".jpeg", ".jpe", NULL };
  static const char *const png_ext[] = { ".png", NULL };
  const char *name = mugai_item_get_name(item);
  const char *dot = name ? strrchr(name, '.') : NULL;
  const char *const *ok = jpeg ? jpeg_ext : png_ext;

  for (guint i = 0; dot && ok[i]; i++)
    if (!g_ascii_strcasecmp(dot, ok[i]))
      return dot;
  return jpeg ? ".jpg" : ".png";
}

/* decode - run the worker; FRAME holds the checked pixels on success */
static gboolean
decode(MugaiRun *run, MugaiWorker *w, gboolean *photo, MugaiFrame *frame, GError **error)
{
  MugaiFrame f;

  if (!mugai_worker_next(w, &f, error))
    return FALSE;
  if (f.type != MUGAI_WIRE_DOC || f.page_count != 1) {
    g_set_error(error, MUGAI_SANDBOX_ERROR, MUGAI_SANDBOX_ERROR_PROTOCOL,
                "image worker did not announce one image");
    return FALSE;
  }
  *photo = (f.flags & MUGAI_WIRE_DOC_PHOTO) != 0;
  if (!mugai_worker_next(w, frame, error))
    return FALSE;
  if (frame->type != MUGAI_WIRE_PAGE || frame->index != 0) {
    g_set_error(error, MUGAI_SANDBOX_ERROR, MUGAI_SANDBOX_ERROR_PROTOCOL,
                "image worker sent no pixels");
    return FALSE;
  }
  return TRUE;
}

static MugaiFilterResult
image_run(MugaiItem *item, MugaiRun *run, GError **error)
{
  const char *format = image_format(mugai_item_get_detected_type(item));
  g_autofree char *arg = g_strdup_printf("--format=%s", format);
  const char *const extra[] = { arg, NULL };
  g_autoptr(GError) local = NULL;
  g_autoptr(GBytes) out = NULL;
  gboolean photo = FALSE, jpeg = FALSE;
  MugaiWorker *w;
  MugaiFrame f;
  guint width = 0, height = 0;

  if (!mugai_sandbox_acquire(run->config, &local)) {
    mugai_sandbox_record_failure(item, run->config, local);
    return MUGAI_FILTER_OK;
  }
  w = mugai_worker_spawn(run->config, "image", mugai_item_get_data(item), extra, NULL, &local);
  if (w && decode(run, w, &photo, &f, &local)) {
    /* Encode while the frame's pixels are valid, then insist on a clean end. */
    jpeg = photo && f.channels != 4;
    width = f.width;
    height = f.height;
    out = jpeg ? mugai_pixels_encode_jpeg(f.pixels, f.width, f.height, f.channels, JPEG_QUALITY,
                                          &local)
               : mugai_pixels_encode_png(f.pixels, f.width, f.height, f.channels, &local);
    if (out) {
      MugaiFrame end;
      if (!mugai_worker_next(w, &end, &local) || end.type != MUGAI_WIRE_END) {
        if (!local)
          g_set_error(&local, MUGAI_SANDBOX_ERROR, MUGAI_SANDBOX_ERROR_PROTOCOL,
                      "image worker sent more than one image");
        g_clear_pointer(&out, g_bytes_unref);
      } else {
        MugaiWorker *done = g_steal_pointer(&w);
        if (!mugai_worker_close(done, FALSE, &local))
          g_clear_pointer(&out, g_bytes_unref);
      }
    }
  }
  if (w)
    mugai_worker_close(w, TRUE, NULL);
  mugai_sandbox_release();
  if (!out) {
    if (local && local->domain != MUGAI_SANDBOX_ERROR) {
      g_propagate_error(error, g_steal_pointer(&local));
      return MUGAI_FILTER_FAILED;
    }
    mugai_sandbox_record_failure(item, run->config, local);
    return MUGAI_FILTER_OK;
  }
  {
    g_autofree char *name = mugai_item_output_name(item, output_extension(item, jpeg));
    mugai_item_add_output(item, name, jpeg ? "image/jpeg" : "image/png", g_bytes_ref(out));
  }
  mugai_item_set_outcome(item, MUGAI_ACTION_CONVERTED, MUGAI_REASON_REENCODED,
                         "%s %ux%u re-encoded as %s", format, width, height, jpeg ? "JPEG" : "PNG");
  return MUGAI_FILTER_OK;
}

const MugaiFilter mugai_filter_image = {
  .abi_version = MUGAI_FILTER_ABI_VERSION,
  .name = "image",
  .flags = MUGAI_FILTER_FLAG_UNTRUSTED_PARSER,
  .bid = image_bid,
  .run = image_run,
};
