/* Synthetic skin phantoms with known truth (docs/PHANTOMS.md). */
#include "sk_phantom.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <vips/vips.h>

/* ------------------------------------------------------------ randomness */

typedef struct {
    uint64_t s;
} rng_t;

static uint64_t rng_next(rng_t *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double uni(rng_t *r)
{
    return (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

static double range(rng_t *r, double lo, double hi)
{
    return lo + (hi - lo) * uni(r);
}

static double gauss(rng_t *r)
{
    double u1 = uni(r), u2 = uni(r);
    if (u1 < 1e-300)
        u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(2 * M_PI * u2);
}

/* Value noise on a lattice of spacing 1, smooth (quintic) interpolation,
 * values in [-1, 1]; continuous in the plane so every capture of the skin
 * samples the same function. */
static double lattice(int64_t i, int64_t j, uint64_t seed)
{
    uint64_t h = seed ^ ((uint64_t)i * 0x9E3779B97F4A7C15ull) ^ ((uint64_t)j * 0xC2B2AE3D27D4EB4Full);
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDull;
    h ^= h >> 33;
    h *= 0xC4CEB9FE1A85EC53ull;
    h ^= h >> 33;
    return (double)(h >> 11) * (2.0 / 9007199254740992.0) - 1.0;
}

static double fade(double t)
{
    return t * t * t * (t * (t * 6 - 15) + 10);
}

static double noise2(double x, double y, uint64_t seed)
{
    double fx = floor(x), fy = floor(y);
    int64_t i = (int64_t)fx, j = (int64_t)fy;
    double u = fade(x - fx), v = fade(y - fy);
    double a = lattice(i, j, seed), b = lattice(i + 1, j, seed);
    double c = lattice(i, j + 1, seed), d = lattice(i + 1, j + 1, seed);
    return (a + u * (b - a)) + v * ((c + u * (d - c)) - (a + u * (b - a)));
}

/* ------------------------------------------------------------- features */

typedef struct {
    double x, y, d, depth, dl, u; /* pore: u orders removal */
} pore_t;

typedef struct {
    double p[4][2]; /* cubic Bézier control points (mm) */
    double width, depth;
    double t0, t1; /* visible parameter range */
} wrinkle_t;

typedef struct {
    double x, y, r0, elong, angle, dl, da, db;
    double harm[3], phase[3];
} spot_t;

typedef struct {
    double x, y, r0, da;
} red_t;

typedef struct {
    double x, y, r0, depth;
    int boxcar;
} scar_t;

typedef struct {
    pore_t *pores;
    int n_pores;
    wrinkle_t wr[64];
    int n_wr;
    spot_t sp[64];
    int n_sp;
    red_t rd[16];
    int n_rd;
    scar_t sc[32];
    int n_sc;
} skin_t;

void sk_phantom_params_default(sk_phantom_params *p)
{
    memset(p, 0, sizeof *p);
    p->seed = 1;
    p->width_mm = 40;
    p->height_mm = 30;
    p->mm_per_px = 0.04;
    p->ita_deg = 30;
    p->pore_density = 60;
    p->n_wrinkles = 6;
    p->n_spots = 5;
    p->n_redness = 2;
    p->n_scars = 3;
    p->scale = 1.0;
    p->wb_r = 1.0;
    p->wb_b = 1.0;
}

void sk_phantom_perturb(sk_phantom_params *p, uint64_t seed)
{
    rng_t r = {seed * 0x2545F4914F6CDD1Dull + 17};
    p->shift_x_mm = range(&r, -1, 1);
    p->shift_y_mm = range(&r, -1, 1);
    p->rotation_deg = range(&r, -3, 3);
    p->scale = range(&r, 0.95, 1.05);
    p->exposure_ev = range(&r, -0.3, 0.3);
    p->wb_r = range(&r, 0.94, 1.06);
    p->wb_b = range(&r, 0.94, 1.06);
    p->noise = range(&r, 0.004, 0.012);
    p->jpeg_quality = 80 + (int)(uni(&r) * 16);
}

static void bezier(const wrinkle_t *w, double t, double *x, double *y)
{
    double a = 1 - t;
    double b0 = a * a * a, b1 = 3 * a * a * t, b2 = 3 * a * t * t, b3 = t * t * t;
    *x = b0 * w->p[0][0] + b1 * w->p[1][0] + b2 * w->p[2][0] + b3 * w->p[3][0];
    *y = b0 * w->p[0][1] + b1 * w->p[1][1] + b2 * w->p[2][1] + b3 * w->p[3][1];
}

static double arc_length(const wrinkle_t *w, double t0, double t1)
{
    double len = 0, px, py;
    bezier(w, t0, &px, &py);
    for (int i = 1; i <= 400; i++) {
        double x, y;
        bezier(w, t0 + (t1 - t0) * i / 400.0, &x, &y);
        len += hypot(x - px, y - py);
        px = x;
        py = y;
    }
    return len;
}

/* Spot boundary radius at angle th (mm): a perturbed ellipse. */
static double spot_radius(const spot_t *s, double th)
{
    double a = th - s->angle;
    double e = s->r0 / sqrt(s->elong), f = s->r0 * sqrt(s->elong);
    double rr = (e * f) / sqrt(pow(f * cos(a), 2) + pow(e * sin(a), 2));
    double k = 1;
    for (int i = 0; i < 3; i++)
        k += s->harm[i] * cos((i + 2) * th + s->phase[i]);
    return rr * k;
}

static double spot_area(const spot_t *s)
{
    double a = 0;
    for (int i = 0; i < 720; i++) {
        double r = spot_radius(s, 2 * M_PI * i / 720.0);
        a += 0.5 * r * r * (2 * M_PI / 720.0);
    }
    return a;
}

static int make_skin(const sk_phantom_params *p, skin_t *sk)
{
    memset(sk, 0, sizeof *sk);
    if (p->featureless)
        return SK_OK;
    rng_t r = {p->seed * 0x9E3779B97F4A7C15ull + 1};
    const double m = 3.0; /* features stay clear of the field's edges */
    const double x0 = m, x1 = p->width_mm - m, y0 = m, y1 = p->height_mm - m;
    const double f = p->improvement;
    if (x1 <= x0 || y1 <= y0)
        return sk_error_set(SK_ERR_ARG, "phantom: field too small");
    /* pores */
    int n = (int)lround(p->pore_density * (x1 - x0) * (y1 - y0) / 100.0);
    sk->pores = calloc(n > 0 ? (size_t)n : 1, sizeof *sk->pores);
    if (!sk->pores)
        return SK_ERR_NOMEM;
    for (int i = 0; i < n; i++) {
        pore_t *q = &sk->pores[i];
        q->x = range(&r, x0, x1);
        q->y = range(&r, y0, y1);
        q->d = fmin(0.4, fmax(0.1, 0.17 * exp(0.28 * gauss(&r))));
        q->depth = q->d * range(&r, 0.35, 0.55);
        q->dl = range(&r, 4, 8);
        q->u = uni(&r);
    }
    /* improvement: the round(f n) pores with the smallest u close */
    int remove = (int)lround(f * n);
    for (int i = 0; i < n; i++) {
        int rank = 0;
        for (int j = 0; j < n; j++)
            rank += sk->pores[j].u < sk->pores[i].u;
        if (rank < remove)
            sk->pores[i].d = 0;
    }
    sk->n_pores = n;
    /* wrinkles */
    sk->n_wr = p->n_wrinkles < 64 ? p->n_wrinkles : 64;
    for (int i = 0; i < sk->n_wr; i++) {
        wrinkle_t *w = &sk->wr[i];
        double len = range(&r, 6, 18), ang = range(&r, -0.6, 0.6) + (uni(&r) < 0.3 ? M_PI / 2 : 0);
        double cx = range(&r, x0 + 2, x1 - 2), cy = range(&r, y0 + 2, y1 - 2);
        double ux = cos(ang), uy = sin(ang), bend = range(&r, -0.12, 0.12) * len;
        /* keep the line inside the feature area */
        double hx = fabs(ux) * len / 2, hy = fabs(uy) * len / 2;
        cx = fmin(fmax(cx, x0 + hx + 1), x1 - hx - 1);
        cy = fmin(fmax(cy, y0 + hy + 1), y1 - hy - 1);
        for (int k = 0; k < 4; k++) {
            double t = k / 3.0 - 0.5, off = (k == 1 || k == 2) ? bend : 0;
            w->p[k][0] = cx + ux * len * t - uy * off;
            w->p[k][1] = cy + uy * len * t + ux * off;
        }
        w->width = range(&r, 0.25, 0.7);
        w->depth = range(&r, 0.08, 0.18);
        w->t0 = 0.5 * f;
        w->t1 = 1.0 - 0.5 * f;
    }
    /* pigmented spots */
    sk->n_sp = p->n_spots < 64 ? p->n_spots : 64;
    for (int i = 0; i < sk->n_sp; i++) {
        spot_t *s = &sk->sp[i];
        s->r0 = range(&r, 0.7, 2.2) * sqrt(1.0 - f);
        s->x = range(&r, x0 + 2.5, x1 - 2.5);
        s->y = range(&r, y0 + 2.5, y1 - 2.5);
        s->elong = range(&r, 1.0, 1.6);
        s->angle = range(&r, 0, M_PI);
        for (int k = 0; k < 3; k++) {
            s->harm[k] = range(&r, -0.08, 0.08);
            s->phase[k] = range(&r, 0, 2 * M_PI);
        }
        s->dl = -range(&r, 7, 15);
        s->db = range(&r, 2, 5);
        s->da = range(&r, 0, 1.5);
    }
    /* redness patches */
    sk->n_rd = p->n_redness < 16 ? p->n_redness : 16;
    for (int i = 0; i < sk->n_rd; i++) {
        red_t *d = &sk->rd[i];
        d->r0 = range(&r, 2.0, 4.0) * sqrt(1.0 - f);
        d->x = range(&r, x0 + 4, x1 - 4);
        d->y = range(&r, y0 + 4, y1 - 4);
        d->da = range(&r, 6, 9);
    }
    /* atrophic scars */
    sk->n_sc = p->n_scars < 32 ? p->n_scars : 32;
    for (int i = 0; i < sk->n_sc; i++) {
        scar_t *s = &sk->sc[i];
        s->r0 = range(&r, 0.8, 2.0);
        s->x = range(&r, x0 + 2.5, x1 - 2.5);
        s->y = range(&r, y0 + 2.5, y1 - 2.5);
        s->depth = range(&r, 0.12, 0.25) * (1.0 - f);
        s->boxcar = uni(&r) < 0.5;
    }
    return SK_OK;
}

/* ------------------------------------------------------------ rendering */

typedef struct {
    double c_mm[2], c_px[2];
    double k;        /* px per mm in the photo */
    double cth, sth; /* rotation */
    double sx, sy;   /* shift (mm) */
} camera_t;

/* skin mm -> photo px */
static void to_px(const camera_t *c, double x, double y, double *u, double *v)
{
    double dx = x - c->c_mm[0], dy = y - c->c_mm[1];
    double rx = c->cth * dx - c->sth * dy + c->sx, ry = c->sth * dx + c->cth * dy + c->sy;
    *u = c->c_px[0] + c->k * rx - 0.5;
    *v = c->c_px[1] + c->k * ry - 0.5;
}

/* photo px (pixel centre index) -> skin mm */
static void to_mm(const camera_t *c, double u, double v, double *x, double *y)
{
    double rx = (u + 0.5 - c->c_px[0]) / c->k - c->sx, ry = (v + 0.5 - c->c_px[1]) / c->k - c->sy;
    *x = c->c_mm[0] + c->cth * rx + c->sth * ry;
    *y = c->c_mm[1] - c->sth * rx + c->cth * ry;
}

typedef struct {
    int w, h;
    size_t s;
    float *H, *L, *A, *B;
} planes_t;

/* Pixel range of a disc of radius rad_mm around (x, y) mm. */
static int bbox(const camera_t *c, const planes_t *pl, double x, double y, double rad_mm, int *bx0,
                int *by0, int *bx1, int *by1)
{
    double u, v;
    to_px(c, x, y, &u, &v);
    double rp = rad_mm * c->k + 2;
    *bx0 = (int)floor(u - rp), *bx1 = (int)ceil(u + rp);
    *by0 = (int)floor(v - rp), *by1 = (int)ceil(v + rp);
    if (*bx0 < 0)
        *bx0 = 0;
    if (*by0 < 0)
        *by0 = 0;
    if (*bx1 > pl->w - 1)
        *bx1 = pl->w - 1;
    if (*by1 > pl->h - 1)
        *by1 = pl->h - 1;
    return *bx0 <= *bx1 && *by0 <= *by1;
}

static double smoothstep(double e0, double e1, double x)
{
    double t = (x - e0) / (e1 - e0);
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    return t * t * (3 - 2 * t);
}

static void render_features(const sk_phantom_params *p, const skin_t *sk, const camera_t *c,
                            planes_t *pl)
{
    int x0, y0, x1, y1;
    /* pores: a rounded pit in the height field, a little darker inside */
    for (int i = 0; i < sk->n_pores; i++) {
        const pore_t *q = &sk->pores[i];
        if (q->d <= 0)
            continue;
        double sg = q->d / 2.6;
        if (!bbox(c, pl, q->x, q->y, 3.5 * sg, &x0, &y0, &x1, &y1))
            continue;
        for (int y = y0; y <= y1; y++)
            for (int x = x0; x <= x1; x++) {
                double mx, my;
                to_mm(c, x, y, &mx, &my);
                double d2 = (mx - q->x) * (mx - q->x) + (my - q->y) * (my - q->y);
                double g = exp(-d2 / (2 * sg * sg));
                size_t o = (size_t)y * pl->s + x;
                pl->H[o] -= (float)(q->depth * g);
                pl->L[o] -= (float)(q->dl * g);
            }
    }
    /* pigmented spots: colour only, soft boundary 0.15 mm */
    for (int i = 0; i < sk->n_sp; i++) {
        const spot_t *s = &sk->sp[i];
        double rmax = s->r0 * sqrt(s->elong) * 1.3 + 0.3;
        if (!bbox(c, pl, s->x, s->y, rmax, &x0, &y0, &x1, &y1))
            continue;
        for (int y = y0; y <= y1; y++)
            for (int x = x0; x <= x1; x++) {
                double mx, my;
                to_mm(c, x, y, &mx, &my);
                double dx = mx - s->x, dy = my - s->y, d = hypot(dx, dy);
                double rb = spot_radius(s, atan2(dy, dx));
                double k = 1.0 - smoothstep(rb - 0.15, rb + 0.15, d);
                /* a little darker towards the centre, as real lentigines */
                k *= 0.85 + 0.15 * (1.0 - smoothstep(0, rb, d));
                size_t o = (size_t)y * pl->s + x;
                pl->L[o] += (float)(s->dl * k);
                pl->A[o] += (float)(s->da * k);
                pl->B[o] += (float)(s->db * k);
            }
    }
    /* redness: a* up inside a soft disc (edge 0.5 mm) */
    for (int i = 0; i < sk->n_rd; i++) {
        const red_t *d = &sk->rd[i];
        if (!bbox(c, pl, d->x, d->y, d->r0 + 1.0, &x0, &y0, &x1, &y1))
            continue;
        for (int y = y0; y <= y1; y++)
            for (int x = x0; x <= x1; x++) {
                double mx, my;
                to_mm(c, x, y, &mx, &my);
                double k = 1.0 - smoothstep(d->r0 - 0.5, d->r0 + 0.5, hypot(mx - d->x, my - d->y));
                size_t o = (size_t)y * pl->s + x;
                pl->A[o] += (float)(d->da * k);
                pl->L[o] -= (float)(1.5 * k);
            }
    }
    /* atrophic scars: boxcar (flat floor, steep walls) or rolling (smooth) */
    for (int i = 0; i < sk->n_sc; i++) {
        const scar_t *s = &sk->sc[i];
        if (!bbox(c, pl, s->x, s->y, s->r0 * 1.5 + 0.3, &x0, &y0, &x1, &y1))
            continue;
        for (int y = y0; y <= y1; y++)
            for (int x = x0; x <= x1; x++) {
                double mx, my;
                to_mm(c, x, y, &mx, &my);
                double d = hypot(mx - s->x, my - s->y) / s->r0;
                double k = s->boxcar ? 1.0 - smoothstep(0.75, 1.05, d)
                                     : exp(-d * d * 2.2) * (d < 1.5);
                size_t o = (size_t)y * pl->s + x;
                pl->H[o] -= (float)(s->depth * k);
                pl->L[o] -= (float)(1.0 * k);
            }
    }
    /* wrinkles: valleys splatted along the curve; the deepest splat wins so
     * overlapping samples do not add up */
    for (int i = 0; i < sk->n_wr; i++) {
        const wrinkle_t *w = &sk->wr[i];
        double len = arc_length(w, w->t0, w->t1);
        if (len <= 0)
            continue;
        double minx = 1e30, miny = 1e30, maxx = -1e30, maxy = -1e30;
        for (int k = 0; k <= 50; k++) {
            double bx, by, u, v;
            bezier(w, w->t0 + (w->t1 - w->t0) * k / 50.0, &bx, &by);
            to_px(c, bx, by, &u, &v);
            minx = fmin(minx, u), maxx = fmax(maxx, u), miny = fmin(miny, v), maxy = fmax(maxy, v);
        }
        double pad = w->width * c->k * 2 + 3;
        int bx0 = (int)fmax(0, floor(minx - pad)), bx1 = (int)fmin(pl->w - 1, ceil(maxx + pad));
        int by0 = (int)fmax(0, floor(miny - pad)), by1 = (int)fmin(pl->h - 1, ceil(maxy + pad));
        if (bx0 > bx1 || by0 > by1)
            continue;
        int bw = bx1 - bx0 + 1, bh = by1 - by0 + 1;
        float *acc = calloc((size_t)bw * bh, sizeof(float));
        if (!acc)
            continue;
        int steps = (int)ceil(len * c->k * 3) + 2;
        for (int k = 0; k <= steps; k++) {
            double t = (double)k / steps;
            double tt = w->t0 + (w->t1 - w->t0) * t;
            double taper = pow(sin(M_PI * t), 0.6);
            double sg = (w->width / 2.355) * (0.45 + 0.55 * taper), dp = w->depth * taper;
            double bx, by, u, v;
            bezier(w, tt, &bx, &by);
            to_px(c, bx, by, &u, &v);
            double rp = 3 * sg * c->k + 1;
            for (int y = (int)fmax(by0, floor(v - rp)); y <= (int)fmin(by1, ceil(v + rp)); y++)
                for (int x = (int)fmax(bx0, floor(u - rp)); x <= (int)fmin(bx1, ceil(u + rp)); x++) {
                    double mx, my;
                    to_mm(c, x, y, &mx, &my);
                    double d2 = (mx - bx) * (mx - bx) + (my - by) * (my - by);
                    float val = (float)(-dp * exp(-d2 / (2 * sg * sg)));
                    float *a = &acc[(size_t)(y - by0) * bw + (x - bx0)];
                    if (val < *a)
                        *a = val;
                }
        }
        for (int y = 0; y < bh; y++)
            for (int x = 0; x < bw; x++) {
                size_t o = (size_t)(y + by0) * pl->s + (x + bx0);
                float a = acc[(size_t)y * bw + x];
                pl->H[o] += a;
                pl->L[o] += 30.0f * a; /* the fold holds shadowed, darker skin */
            }
        free(acc);
    }
    (void)p;
}

static int jpeg_round_trip(sk_image_t *img, int quality)
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

int sk_phantom_render(const sk_phantom_params *p, sk_image_t **out, sk_phantom_truth **truth_out)
{
    if (!p || !out || !(p->mm_per_px > 0) || !(p->width_mm > 0) || !(p->height_mm > 0) ||
        !(p->scale > 0) || p->improvement < 0 || p->improvement >= 1)
        return sk_error_set(SK_ERR_ARG, "phantom: invalid parameters");
    const int w = (int)lround(p->width_mm / p->mm_per_px), h = (int)lround(p->height_mm / p->mm_per_px);
    if (w < 16 || h < 16 || (double)w * h > 50e6)
        return sk_error_set(SK_ERR_ARG, "phantom: %dx%d pixels is out of range", w, h);
    skin_t sk;
    int rc = make_skin(p, &sk);
    if (rc < 0)
        return rc;
    sk_image_t *lab = NULL, *img = NULL;
    float *H = NULL;
    sk_phantom_truth *t = NULL;
    camera_t cam = {{p->width_mm / 2, p->height_mm / 2},
                    {w / 2.0, h / 2.0},
                    p->scale / p->mm_per_px,
                    cos(p->rotation_deg * M_PI / 180),
                    sin(p->rotation_deg * M_PI / 180),
                    p->shift_x_mm,
                    p->shift_y_mm};
    if ((rc = sk_image_new(w, h, 3, &lab)) < 0 || (rc = sk_image_new(w, h, 3, &img)) < 0)
        goto fail;
    size_t s = lab->stride;
    H = sk_alloc_floats(s * (size_t)h);
    if (!H) {
        rc = SK_ERR_NOMEM;
        goto fail;
    }
    /* base tone from ITA: b* fixed per tone band, L* from the angle */
    double b0 = p->ita_deg > 20 ? 15.0 : 18.0;
    double L0 = 50.0 + b0 * tan(p->ita_deg * M_PI / 180.0);
    L0 = fmin(fmax(L0, 22.0), 82.0);
    double a0 = 9.0 + (p->ita_deg < 10 ? 2.0 : 0.0);
    planes_t pl = {w, h, s, H, sk_image_plane(lab, 0), sk_image_plane(lab, 1), sk_image_plane(lab, 2)};
    const uint64_t seed = p->seed * 0xA24BAED4963EE407ull;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double mx, my;
            to_mm(&cam, x, y, &mx, &my);
            /* micro-relief: octaves at 0.12, 0.25 and 0.5 mm plus fine lines */
            double hr = 0.006 * noise2(mx / 0.12, my / 0.12, seed) +
                        0.008 * noise2(mx / 0.25, my / 0.25, seed + 1) +
                        0.010 * noise2(mx / 0.5, my / 0.5, seed + 2);
            size_t o = (size_t)y * s + x;
            H[o] = (float)hr;
            pl.L[o] = (float)(L0 + 1.2 * noise2(mx / 3.0, my / 3.0, seed + 3) +
                              0.5 * noise2(mx / 0.8, my / 0.8, seed + 4));
            pl.A[o] = (float)(a0 + 0.8 * noise2(mx / 5.0, my / 5.0, seed + 5));
            pl.B[o] = (float)(b0 + 0.6 * noise2(mx / 4.0, my / 4.0, seed + 6));
        }
    render_features(p, &sk, &cam, &pl);

    /* albedo to linear RGB, then light it */
    if ((rc = sk_colour_lab_to_srgb(lab->data, s, lab->plane_stride, img->data, s, img->plane_stride,
                                    w, h)) < 0)
        goto fail;
    for (int c = 0; c < 3; c++)
        sk_colour_srgb_to_linear(sk_image_plane(img, c), s, sk_image_plane(img, c), s, w, h);
    const double lx = -0.45, ly = -0.55, lz = 1.0, ln = sqrt(lx * lx + ly * ly + lz * lz);
    const double mpp = 1.0 / cam.k, flat = lz / ln;
    rng_t nr = {p->seed * 31 + (uint64_t)(p->noise * 1e6) + (uint64_t)p->jpeg_quality * 7 +
                (uint64_t)(fabs(p->shift_x_mm) * 1e4) + 1};
    const double gain = pow(2.0, p->exposure_ev);
    const double gains[3] = {gain * p->wb_r, gain, gain * p->wb_b};
    for (int y = 0; y < h; y++) {
        int ya = y > 0 ? y - 1 : y, yb = y < h - 1 ? y + 1 : y;
        for (int x = 0; x < w; x++) {
            int xa = x > 0 ? x - 1 : x, xb = x < w - 1 ? x + 1 : x;
            double gx = (H[(size_t)y * s + xb] - H[(size_t)y * s + xa]) / ((xb - xa) * mpp);
            double gy = (H[(size_t)yb * s + x] - H[(size_t)ya * s + x]) / ((yb - ya) * mpp);
            double nn = sqrt(gx * gx + gy * gy + 1.0);
            double lambert = (-gx * lx - gy * ly + lz) / (nn * ln);
            if (lambert < 0)
                lambert = 0;
            /* ambient + diffuse, 1.0 on flat skin; gentle illumination falloff */
            double shade = (0.3 + 0.7 * lambert / flat) * (1.0 + 0.06 * ((double)x / w - 0.5));
            for (int c = 0; c < 3; c++) {
                float *v = &sk_image_plane(img, c)[(size_t)y * s + x];
                double lin = *v * shade * gains[c];
                if (p->noise > 0)
                    lin += p->noise * sqrt(fmax(lin, 0.0) / 0.18) * gauss(&nr) * 0.18;
                *v = (float)(lin < 0 ? 0 : lin > 1 ? 1 : lin);
            }
        }
    }
    for (int c = 0; c < 3; c++)
        sk_colour_linear_to_srgb(sk_image_plane(img, c), s, sk_image_plane(img, c), s, w, h);
    if (p->jpeg_quality > 0 && (rc = jpeg_round_trip(img, p->jpeg_quality)) < 0)
        goto fail;

    if (truth_out) {
        t = calloc(1, sizeof *t);
        int nf = sk.n_pores + sk.n_wr + sk.n_sp + sk.n_rd + sk.n_sc;
        t->features = calloc(nf > 0 ? (size_t)nf : 1, sizeof *t->features);
        if (!t || !t->features) {
            rc = SK_ERR_NOMEM;
            goto fail;
        }
        t->params = *p;
        t->width = w;
        t->height = h;
        t->mm_per_px = mpp;
        t->area_mm2 = (double)w * h * mpp * mpp;
        t->base_L = L0;
        t->base_a = a0;
        t->base_b = b0;
        t->ita_deg = atan2(L0 - 50.0, b0) * 180.0 / M_PI;
        double pore_d = 0;
        double spot_a = 0, red_a = 0, scar_a = 0;
#define ADD(K, X, Y, SIZE, LEN, AREA, DEPTH, RAD)                                                  \
    do {                                                                                            \
        sk_phantom_feature *F = &t->features[t->n_features++];                                     \
        F->kind = K, F->x_mm = X, F->y_mm = Y, F->size_mm = SIZE, F->length_mm = LEN;              \
        F->area_mm2 = AREA, F->depth = DEPTH;                                                      \
        to_px(&cam, X, Y, &F->x_px, &F->y_px);                                                     \
        double rp = (RAD) * cam.k;                                                                 \
        F->inside = F->x_px - rp >= 0 && F->y_px - rp >= 0 && F->x_px + rp <= w - 1 &&             \
                    F->y_px + rp <= h - 1;                                                         \
    } while (0)
        for (int i = 0; i < sk.n_pores; i++) {
            const pore_t *q = &sk.pores[i];
            if (q->d <= 0)
                continue;
            ADD(SK_PH_PORE, q->x, q->y, q->d, 0, M_PI * q->d * q->d / 4, q->depth, q->d / 2);
            if (t->features[t->n_features - 1].inside && q->d >= 0.1) {
                t->pore_count++;
                pore_d += q->d;
            }
        }
        for (int i = 0; i < sk.n_wr; i++) {
            const wrinkle_t *wr = &sk.wr[i];
            double mx, my, len = arc_length(wr, wr->t0, wr->t1);
            bezier(wr, 0.5, &mx, &my);
            ADD(SK_PH_WRINKLE, mx, my, wr->width, len, 0, wr->depth, len / 2);
            t->wrinkle_count++;
            t->wrinkle_total_length += len;
        }
        for (int i = 0; i < sk.n_sp; i++) {
            double a = spot_area(&sk.sp[i]);
            ADD(SK_PH_SPOT, sk.sp[i].x, sk.sp[i].y, 2 * sqrt(a / M_PI), 0, a, -sk.sp[i].dl,
                sk.sp[i].r0 * 1.5);
            if (t->features[t->n_features - 1].inside) {
                t->spot_count++;
                spot_a += a;
            }
        }
        for (int i = 0; i < sk.n_rd; i++) {
            double a = M_PI * sk.rd[i].r0 * sk.rd[i].r0;
            ADD(SK_PH_REDNESS, sk.rd[i].x, sk.rd[i].y, 2 * sk.rd[i].r0, 0, a, sk.rd[i].da,
                sk.rd[i].r0);
            red_a += a;
        }
        for (int i = 0; i < sk.n_sc; i++) {
            double a = M_PI * sk.sc[i].r0 * sk.sc[i].r0;
            ADD(SK_PH_SCAR, sk.sc[i].x, sk.sc[i].y, 2 * sk.sc[i].r0, 0, a, sk.sc[i].depth,
                sk.sc[i].r0);
            t->scar_count++;
            scar_a += a;
            t->scar_depth_sum += sk.sc[i].depth * a;
        }
#undef ADD
        t->pore_mean_diameter = t->pore_count ? pore_d / t->pore_count : 0;
        t->spot_area_pct = 100.0 * spot_a / t->area_mm2;
        t->redness_area_pct = 100.0 * red_a / t->area_mm2;
        t->scar_area_pct = 100.0 * scar_a / t->area_mm2;
        *truth_out = t;
        t = NULL;
    }
    *out = img;
    img = NULL;
    rc = SK_OK;
fail:
    if (rc < 0 && rc != sk_error_status())
        sk_error_set(rc, "phantom: %s", sk_status_str(rc));
    sk_phantom_truth_free(t);
    sk_image_free(lab);
    sk_image_free(img);
    sk_free(H);
    free(sk.pores);
    return rc;
}

void sk_phantom_truth_free(sk_phantom_truth *t)
{
    if (!t)
        return;
    free(t->features);
    free(t);
}

char *sk_phantom_truth_to_json(const sk_phantom_truth *t)
{
    static const char *const kinds[] = {"pore", "wrinkle", "spot", "redness", "scar"};
    json_object *o = json_object_new_object();
    json_object *pp = json_object_new_object();
    json_object_object_add(pp, "seed", json_object_new_int64((int64_t)t->params.seed));
    json_object_object_add(pp, "improvement", json_object_new_double(t->params.improvement));
    json_object_object_add(pp, "ita_deg", json_object_new_double(t->params.ita_deg));
    json_object_object_add(pp, "featureless", json_object_new_boolean(t->params.featureless));
    json_object_object_add(pp, "rotation_deg", json_object_new_double(t->params.rotation_deg));
    json_object_object_add(pp, "scale", json_object_new_double(t->params.scale));
    json_object_object_add(pp, "shift_x_mm", json_object_new_double(t->params.shift_x_mm));
    json_object_object_add(pp, "shift_y_mm", json_object_new_double(t->params.shift_y_mm));
    json_object_object_add(pp, "exposure_ev", json_object_new_double(t->params.exposure_ev));
    json_object_object_add(pp, "jpeg_quality", json_object_new_int(t->params.jpeg_quality));
    json_object_object_add(o, "params", pp);
    json_object_object_add(o, "width", json_object_new_int(t->width));
    json_object_object_add(o, "height", json_object_new_int(t->height));
    json_object_object_add(o, "mm_per_px", json_object_new_double(t->mm_per_px));
    json_object *tot = json_object_new_object();
    json_object_object_add(tot, "pore_count", json_object_new_int(t->pore_count));
    json_object_object_add(tot, "pore_mean_diameter_mm", json_object_new_double(t->pore_mean_diameter));
    json_object_object_add(tot, "wrinkle_count", json_object_new_int(t->wrinkle_count));
    json_object_object_add(tot, "wrinkle_total_length_mm", json_object_new_double(t->wrinkle_total_length));
    json_object_object_add(tot, "spot_count", json_object_new_int(t->spot_count));
    json_object_object_add(tot, "spot_area_pct", json_object_new_double(t->spot_area_pct));
    json_object_object_add(tot, "redness_area_pct", json_object_new_double(t->redness_area_pct));
    json_object_object_add(tot, "scar_count", json_object_new_int(t->scar_count));
    json_object_object_add(tot, "scar_area_pct", json_object_new_double(t->scar_area_pct));
    json_object_object_add(tot, "scar_depth_sum_mm3", json_object_new_double(t->scar_depth_sum));
    json_object_object_add(tot, "ita_deg", json_object_new_double(t->ita_deg));
    json_object_object_add(o, "truth", tot);
    json_object *fa = json_object_new_array();
    for (int i = 0; i < t->n_features; i++) {
        const sk_phantom_feature *f = &t->features[i];
        json_object *e = json_object_new_object();
        json_object_object_add(e, "kind", json_object_new_string(kinds[f->kind]));
        json_object_object_add(e, "x_px", json_object_new_double(f->x_px));
        json_object_object_add(e, "y_px", json_object_new_double(f->y_px));
        json_object_object_add(e, "size_mm", json_object_new_double(f->size_mm));
        if (f->length_mm > 0)
            json_object_object_add(e, "length_mm", json_object_new_double(f->length_mm));
        if (f->area_mm2 > 0)
            json_object_object_add(e, "area_mm2", json_object_new_double(f->area_mm2));
        json_object_object_add(e, "depth", json_object_new_double(f->depth));
        json_object_object_add(e, "inside", json_object_new_boolean(f->inside));
        json_object_array_add(fa, e);
    }
    json_object_object_add(o, "features", fa);
    const char *txt = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY);
    char *copy = txt ? strdup(txt) : NULL;
    json_object_put(o);
    return copy;
}
