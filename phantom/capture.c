/* The JPEG leg of a re-capture: encode and decode through libvips, as a
 * camera or a clinic's import would. */
#include <stdlib.h>

#include <vips/vips.h>

#include "pphantom.h"

int ph_jpeg_round_trip(sk_image_t *img, int quality)
{
    const int w = img->width, h = img->height;
    unsigned char *buf = malloc((size_t)w * h * 3);
    if (!buf)
        return SK_ERR_NOMEM;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int c = 0; c < 3; c++) {
                float v = sk_image_plane(img, c)[(size_t)y * img->stride + x];
                buf[((size_t)y * w + x) * 3 + c] = (unsigned char)lroundf(255.0f * (v < 0 ? 0 : v > 1 ? 1 : v));
            }
    VipsImage *im = vips_image_new_from_memory(buf, (size_t)w * h * 3, w, h, 3, VIPS_FORMAT_UCHAR);
    void *jpg = NULL;
    size_t n = 0;
    VipsImage *back = NULL;
    int rc = SK_ERR_FORMAT;
    if (im && vips_jpegsave_buffer(im, &jpg, &n, "Q", quality, NULL) == 0 &&
        vips_jpegload_buffer(jpg, n, &back, NULL) == 0)
        rc = SK_OK;
    if (rc == SK_OK) {
        size_t len = 0;
        unsigned char *px = vips_image_write_to_memory(back, &len);
        if (px && len == (size_t)w * h * 3) {
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    for (int c = 0; c < 3; c++)
                        sk_image_plane(img, c)[(size_t)y * img->stride + x] =
                            px[((size_t)y * w + x) * 3 + c] / 255.0f;
        } else {
            rc = SK_ERR_FORMAT;
        }
        g_free(px);
    }
    vips_error_clear();
    if (back)
        g_object_unref(back);
    if (im)
        g_object_unref(im);
    g_free(jpg);
    free(buf);
    return rc < 0 ? sk_error_set(rc, "phantom: JPEG round trip failed") : SK_OK;
}
