/* Overlay images: detections drawn on a dimmed copy of the photo, each kind
 * in its own colour, written as PNG through libpng. */
#include "skintrack.h"

#include <errno.h>
#include <math.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Colours chosen to stay apart from skin tones and from each other, and to
 * remain distinguishable with the common colour-vision deficiencies (blue,
 * yellow and magenta carry most of the separation). */
static const unsigned char kind_rgb[SK_DET_KIND_COUNT][3] = {
    [SK_DET_PORE] = {0, 190, 255},     /* cyan-blue */
    [SK_DET_SPOT] = {255, 40, 200},    /* magenta */
    [SK_DET_REDNESS] = {255, 120, 0},  /* orange */
    [SK_DET_WRINKLE] = {255, 230, 0},  /* yellow */
    [SK_DET_SCAR] = {40, 255, 120},    /* green */
};

void sk_overlay_colour(sk_detection_kind kind, unsigned char rgb[3])
{
    memcpy(rgb, kind_rgb[kind < SK_DET_KIND_COUNT ? kind : 0], 3);
}

typedef struct {
    unsigned char *px; /* RGB, w * 3 per row */
    int w, h;
    int radius; /* brush radius */
} canvas_t;

static void dot(canvas_t *c, int x, int y, const unsigned char rgb[3])
{
    for (int dy = -c->radius; dy <= c->radius; dy++)
        for (int dx = -c->radius; dx <= c->radius; dx++) {
            if (dx * dx + dy * dy > c->radius * c->radius + c->radius)
                continue;
            int xx = x + dx, yy = y + dy;
            if (xx < 0 || yy < 0 || xx >= c->w || yy >= c->h)
                continue;
            memcpy(c->px + ((size_t)yy * c->w + xx) * 3, rgb, 3);
        }
}

static void line(canvas_t *c, double x0, double y0, double x1, double y1,
                 const unsigned char rgb[3])
{
    double dx = x1 - x0, dy = y1 - y0;
    int steps = (int)ceil(fmax(fabs(dx), fabs(dy)));
    if (steps < 1)
        steps = 1;
    if (steps > 100000)
        steps = 100000;
    for (int i = 0; i <= steps; i++) {
        double t = (double)i / steps;
        dot(c, (int)lround(x0 + t * dx), (int)lround(y0 + t * dy), rgb);
    }
}

static void circle(canvas_t *c, double cx, double cy, double r, const unsigned char rgb[3])
{
    int n = (int)fmax(12, ceil(2 * M_PI * r / 2));
    if (n > 4096)
        n = 4096;
    double px = cx + r, py = cy;
    for (int i = 1; i <= n; i++) {
        double a = 2 * M_PI * i / n;
        double qx = cx + r * cos(a), qy = cy + r * sin(a);
        line(c, px, py, qx, qy, rgb);
        px = qx;
        py = qy;
    }
}

static void polyline(canvas_t *c, const float *xy, int n, int closed, const unsigned char rgb[3])
{
    for (int i = 1; i < n; i++)
        line(c, xy[2 * (i - 1)], xy[2 * (i - 1) + 1], xy[2 * i], xy[2 * i + 1], rgb);
    if (closed && n > 2)
        line(c, xy[2 * (n - 1)], xy[2 * (n - 1) + 1], xy[0], xy[1], rgb);
}

static void draw_detection(canvas_t *c, const sk_detections_t *d, const sk_detection_t *e)
{
    const unsigned char *rgb = kind_rgb[e->kind < SK_DET_KIND_COUNT ? e->kind : 0];
    switch (e->kind) {
    case SK_DET_PORE:
        circle(c, e->x, e->y, fmax(e->diameter * 0.5 + c->radius + 1, 2.0), rgb);
        break;
    case SK_DET_WRINKLE:
        if (e->n_points > 1 && (size_t)(e->first_point + e->n_points) <= d->n_points)
            polyline(c, d->points + 2 * (size_t)e->first_point, e->n_points, 0, rgb);
        break;
    default:
        if (e->n_contour > 2 && (size_t)(e->first_contour + e->n_contour) <= d->n_points) {
            polyline(c, d->points + 2 * (size_t)e->first_contour, e->n_contour, 1, rgb);
        } else {
            float box[8] = {(float)e->bx, (float)e->by, (float)(e->bx + e->bw), (float)e->by,
                            (float)(e->bx + e->bw), (float)(e->by + e->bh), (float)e->bx,
                            (float)(e->by + e->bh)};
            polyline(c, box, 4, 1, rgb);
        }
        break;
    }
}

static int write_png(const char *path, const canvas_t *c)
{
    char disp[SK_DISPLAY_PATH_MAX], tmp[4200];
    sk_path_display(path, disp, sizeof disp);
    snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f)
        return sk_error_set(SK_ERR_IO, "%s: cannot write: %s", disp, strerror(errno));
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!png || !info) {
        png_destroy_write_struct(&png, &info);
        fclose(f);
        unlink(tmp);
        return sk_error_set(SK_ERR_NOMEM, "%s: out of memory", disp);
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        fclose(f);
        unlink(tmp);
        return sk_error_set(SK_ERR_IO, "%s: PNG write failed", disp);
    }
    png_init_io(png, f);
    png_set_compression_level(png, 3);
    png_set_IHDR(png, info, (png_uint_32)c->w, (png_uint_32)c->h, 8, PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (int y = 0; y < c->h; y++)
        png_write_row(png, c->px + (size_t)y * c->w * 3);
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        unlink(tmp);
        return sk_error_set(SK_ERR_IO, "%s: cannot write: %s", disp, strerror(errno));
    }
    return SK_OK;
}

int sk_overlay_render(const sk_image_t *rgb, const sk_detections_t *det, unsigned kinds,
                      unsigned char **out_rgb)
{
    const int w = rgb->width, h = rgb->height;
    unsigned char *px = malloc((size_t)w * h * 3);
    if (!px)
        return sk_error_set(SK_ERR_NOMEM, "overlay: out of memory");
    /* Dim the photo so the marks stand out, keeping it recognisable. */
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int c = 0; c < 3; c++) {
                float v = sk_image_plane(rgb, c)[(size_t)y * rgb->stride + x];
                v = 0.12f + 0.55f * (v < 0 ? 0 : v > 1 ? 1 : v);
                px[((size_t)y * w + x) * 3 + c] = (unsigned char)lroundf(v * 255.0f);
            }
    canvas_t cv = {px, w, h, (w > h ? w : h) >= 2400 ? 2 : (w > h ? w : h) >= 1200 ? 1 : 0};
    for (size_t i = 0; det && i < det->count; i++)
        if (kinds & (1u << det->items[i].kind))
            draw_detection(&cv, det, &det->items[i]);
    *out_rgb = px;
    return SK_OK;
}

int sk_overlay_write(const char *path, const sk_image_t *rgb, const sk_detections_t *det,
                     unsigned kinds)
{
    unsigned char *px = NULL;
    int rc = sk_overlay_render(rgb, det, kinds, &px);
    if (rc < 0)
        return rc;
    canvas_t cv = {px, rgb->width, rgb->height, 0};
    rc = write_png(path, &cv);
    free(px);
    return rc;
}
