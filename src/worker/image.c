/*
 * image.c - worker mode "image": gdk-pixbuf decodes one image to pixels.
 *
 * Only the loader for the format libmagic found is used (the parent names
 * it), and it is loaded before the sandbox closes. The declared size is
 * checked when the loader announces it, before the pixel buffer exists, so
 * a decompression bomb is refused without being decoded. The first frame
 * of an animation is taken; an EXIF orientation is applied to the pixels,
 * because the metadata that carried it does not survive.
 */
#include <string.h>

#include <gdk-pixbuf/gdk-pixbuf.h>

#include "worker/worker.h"

#define MAX_SIDE 10000

static const char *const formats[][2] = {
  { "png", "png" }, { "jpeg", "jpeg" }, { "gif", "gif" },
  { "bmp", "bmp" }, { "tiff", "tiff" }, { "webp", "webp" },
};

/* size_prepared - refuse a pixel bomb before any pixel is allocated */
static void
size_prepared(GdkPixbufLoader *loader, int width, int height, gpointer user_data)
{
  const MugaiWorkerJob *job = user_data;

  if (width <= 0 || height <= 0 || width > MAX_SIDE || height > MAX_SIDE
      || (guint64)width * (guint64)height > job->max_page_pixels)
    mugai_worker_fail(MUGAI_WIRE_ERR_LIMIT, "declared %dx%d pixels is over the limit", width,
                      height);
}

int
mugai_worker_image(MugaiWorkerJob *job)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbufLoader) loader = NULL;
  g_autoptr(GdkPixbuf) oriented = NULL;
  const char *type = NULL;
  GdkPixbuf *pixbuf;
  guint channels;

  for (gsize i = 0; job->format && i < G_N_ELEMENTS(formats); i++)
    if (!strcmp(job->format, formats[i][0]))
      type = formats[i][1];
  if (!type)
    mugai_worker_fail(MUGAI_WIRE_ERR_UNSUPPORTED, "image format not supported");
  loader = gdk_pixbuf_loader_new_with_type(type, &error);
  if (!loader)
    mugai_worker_fail(MUGAI_WIRE_ERR_UNSUPPORTED, "no decoder for %s", type);
  g_signal_connect(loader, "size-prepared", G_CALLBACK(size_prepared), job);
  if (!mugai_confine_enter(&job->confine, &error))
    mugai_worker_fail(MUGAI_WIRE_ERR_INTERNAL, "cannot confine: %s", error->message);

  if (!gdk_pixbuf_loader_write(loader, job->input, job->input_len, &error)
      || !gdk_pixbuf_loader_close(loader, &error))
    mugai_worker_fail(MUGAI_WIRE_ERR_MALFORMED, "not a readable %s image", type);
  pixbuf = gdk_pixbuf_loader_get_pixbuf(loader);
  if (!pixbuf || gdk_pixbuf_get_colorspace(pixbuf) != GDK_COLORSPACE_RGB
      || gdk_pixbuf_get_bits_per_sample(pixbuf) != 8)
    mugai_worker_fail(MUGAI_WIRE_ERR_MALFORMED, "no pixels in %s image", type);
  oriented = gdk_pixbuf_apply_embedded_orientation(pixbuf);
  if (oriented)
    pixbuf = oriented;
  channels = (guint)gdk_pixbuf_get_n_channels(pixbuf);
  if (channels != 3 && channels != 4)
    mugai_worker_fail(MUGAI_WIRE_ERR_MALFORMED, "unexpected pixel layout");
  if (!mugai_worker_send_doc(1, !strcmp(type, "jpeg") ? MUGAI_WIRE_DOC_PHOTO : 0)
      || !mugai_worker_send_rgba(
          0, gdk_pixbuf_read_pixels(pixbuf), (guint)gdk_pixbuf_get_width(pixbuf),
          (guint)gdk_pixbuf_get_height(pixbuf), (gsize)gdk_pixbuf_get_rowstride(pixbuf), channels))
    _exit(1);
  mugai_worker_finish();
}
