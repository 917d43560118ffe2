/* Rendering a phantom: sample the skin description at pixel centres,
 * prefiltered by the pixel footprint, light the height field, and apply
 * the capture (exposure, white balance, sensor noise, JPEG). */
#include <stdlib.h>
#include <string.h>

#include "pphantom.h"

typedef struct {
    int w, h;
    size_t s;
    float *H;          /* height (mm) */
    float *L, *A, *B;  /* albedo, CIELAB */
    float *M;          /* micro-relief multiplier (scars are smoother) */
    double px_mm;      /* pixel size in mm */
    double sig_px;     /* pixel footprint as a Gaussian sigma, mm */
    const ph_camera *c;
} canvas_t;

/* Pixel box of a disc of radius rad_mm around (x, y) mm; 0 when outside. */
static int bbox(const canvas_t *cv, double x, double y, double rad_mm, int *x0, int *y0, int *x1,
                int *y1)
{
    double u, v;
    ph_to_px(cv->c, x, y, &u, &v);
    double rp = rad_mm * cv->c->k + 2;
    *x0 = (int)fmax(0, floor(u - rp));
    *x1 = (int)fmin(cv->w - 1, ceil(u + rp));
    *y0 = (int)fmax(0, floor(v - rp));
    *y1 = (int)fmin(cv->h - 1, ceil(v + rp));
    return *x0 <= *x1 && *y0 <= *y1;
}

static double smoothstep(double e0, double e1, double x)
{
    double t = (x - e0) / (e1 - e0);
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    return t * t * (3 - 2 * t);
}

/* Normalised depth profile of a scar at distance rho (mm) from its centre:
 * 1 on the floor, 0.5 at the rim radius r (the truth's diameter is 2r). */
static double scar_profile(const ph_scar *c, double rho, double sig_px)
{
    switch (c->type) {
    case SK_PH_SCAR_BOXCAR: {
        double e = fmax(c->edge, 1.5 * sig_px);
        return 1.0 - smoothstep(c->r - e, c->r + e, rho);
    }
    case SK_PH_SCAR_ICEPICK:
        return 1.0 - smoothstep(0.3 * c->r, 1.7 * c->r, rho);
    default: {
        double q = rho / c->r;
        return exp2(-q * q) * (1.0 - smoothstep(1.6 * c->r, 2.0 * c->r, rho));
    }
    }
}

static double scar_extent(const ph_scar *c)
{
    return c->type == SK_PH_SCAR_ROLLING ? 2.0 * c->r
           : c->type == SK_PH_SCAR_ICEPICK ? 1.7 * c->r
                                           : c->r + fmax(c->edge, 0.1) + 0.1;
}

static void scars_smooth(const ph_skin *sk, canvas_t *cv)
{
    int x0, y0, x1, y1;
    for (int i = 0; i < sk->n_sc; i++) {
        const ph_scar *c = &sk->sc[i];
        if (!bbox(cv, c->x, c->y, scar_extent(c), &x0, &y0, &x1, &y1))
            continue;
        for (int y = y0; y <= y1; y++)
            for (int x = x0; x <= x1; x++) {
                double mx, my;
                ph_to_mm(cv->c, x, y, &mx, &my);
                double w = scar_profile(c, hypot(mx - c->x, my - c->y), cv->sig_px);
                float *m = &cv->M[(size_t)y * cv->s + x];
                float v = (float)(1.0 - 0.6 * w); /* scar tissue: flattened relief */
                if (v < *m)
                    *m = v;
            }
    }
}

/* Amplitude factor of a band of wavelength lam_mm: the camera does not
 * resolve bands shorter than ~3 pixels, so they fade out instead of
 * aliasing. */
static double band(double lam_mm, double px_mm)
{
    return smoothstep(2.0 * px_mm, 4.0 * px_mm, lam_mm);
}

/* Micro-relief and colour mottling of the whole field. */
static void base_layer(const sk_phantom_params *p, const ph_skin *sk, canvas_t *cv)
{
    const uint64_t sd = p->seed * 0xA24BAED4963EE407ull + 11;
    const double rel = p->relief;
    /* furrow network: fine cells ~0.5 mm, primary lines ~1.6 mm; both
     * stretched along one direction as skin lines are */
    const double ca = cos(sk->relief_angle), sa = sin(sk->relief_angle), an = 1.3;
    const double c1 = 0.45, c2 = 1.6;
    const double sg1 = 0.02, sg2 = 0.045;   /* furrow half-widths (sigma) */
    const double A1 = 0.006, A2 = 0.014;    /* furrow depths (mm) */
    const double e1 = sqrt(sg1 * sg1 + cv->sig_px * cv->sig_px);
    const double e2 = sqrt(sg2 * sg2 + cv->sig_px * cv->sig_px);
    const double f1 = rel * A1 * sg1 / e1, f2 = rel * A2 * sg2 / e2; /* area-preserving */
    const double b1 = rel * 0.0025 * band(0.15, cv->px_mm);
    const double b2 = rel * 0.0035 * band(0.35, cv->px_mm);
    const double b3 = rel * 0.0050 * band(0.8, cv->px_mm);
    const double sp = 0.5 * band(0.3, cv->px_mm);
    const double dome = rel * 0.008 * band(c2, cv->px_mm);
    for (int y = 0; y < cv->h; y++)
        for (int x = 0; x < cv->w; x++) {
            double mx, my;
            ph_to_mm(cv->c, x, y, &mx, &my);
            double qa = (ca * mx + sa * my) / an, qb = (-sa * mx + ca * my) * an;
            /* domain warp: skin furrows curve, they are not straight cell walls */
            double wa = 0.35 * ph_noise(mx / 1.3, my / 1.3, sd + 12);
            double wb = 0.35 * ph_noise(mx / 1.3 + 5.1, my / 1.3, sd + 13);
            double d1 = ph_cell_edge((qa + 0.4 * wa) / c1, (qb + 0.4 * wb) / c1, sd) * c1;
            double d2 = ph_cell_edge((qa + wa) / c2 + 17.3, (qb + wb) / c2, sd + 1) * c2;
            double mod = 0.7 + 0.5 * ph_noise(mx / 1.1, my / 1.1, sd + 2);
            mod = mod < 0.15 ? 0.15 : mod;
            /* furrows, and cell plateaus that dome up between them */
            /* where a fine furrow meets a primary line the deeper one wins:
             * a sum would dig pore-like pits at every crossing */
            double hr = -mod * fmax(f1 * exp(-d1 * d1 / (2 * e1 * e1)),
                                    f2 * exp(-d2 * d2 / (2 * e2 * e2))) +
                        dome * smoothstep(0.0, 0.5 * c2, d2) +
                        b1 * ph_noise(mx / 0.15, my / 0.15, sd + 3) +
                        b2 * ph_noise(mx / 0.35, my / 0.35, sd + 4) +
                        b3 * ph_noise(mx / 0.8, my / 0.8, sd + 5);
            /* mottling: melanin (L* down, b* up) and haemoglobin (a* up) */
            double mel = 0.6 * ph_noise(mx / 4.0, my / 4.0, sd + 6) +
                         0.4 * ph_noise(mx / 1.2, my / 1.2, sd + 7);
            double hb = 0.7 * ph_noise(mx / 6.0, my / 6.0, sd + 8) +
                        0.3 * ph_noise(mx / 1.5, my / 1.5, sd + 9);
            double fine = sp * ph_noise(mx / 0.3, my / 0.3, sd + 10);
            size_t o = (size_t)y * cv->s + x;
            cv->H[o] = (float)(hr * cv->M[o]);
            cv->L[o] = (float)(sk->L0 - 2.5 * mel - 0.6 * hb + fine);
            cv->A[o] = (float)(sk->a0 + 1.8 * hb + 0.2 * mel);
            cv->B[o] = (float)(sk->b0 + 1.4 * mel);
        }
}

static void draw_pores(const ph_skin *sk, canvas_t *cv)
{
    int x0, y0, x1, y1;
    for (int i = 0; i < sk->n_pores; i++) {
        const ph_pore *q = &sk->pores[i];
        if (q->closed)
            continue;
        /* Gaussian pit of FWHM 0.9 d, prefiltered by the pixel (volume kept) */
        double sg = q->d / 2.6, se2 = sg * sg + cv->sig_px * cv->sig_px;
        double amp = sg * sg / se2;
        if (!bbox(cv, q->x, q->y, 3.5 * sqrt(se2), &x0, &y0, &x1, &y1))
            continue;
        for (int y = y0; y <= y1; y++)
            for (int x = x0; x <= x1; x++) {
                double mx, my;
                ph_to_mm(cv->c, x, y, &mx, &my);
                double d2 = (mx - q->x) * (mx - q->x) + (my - q->y) * (my - q->y);
                double g = amp * exp(-d2 / (2 * se2));
                size_t o = (size_t)y * cv->s + x;
                cv->H[o] -= (float)(q->depth * g);
                cv->L[o] += (float)(q->dl * g);
                cv->B[o] += (float)(q->db * g);
            }
    }
}

static void draw_blobs(const ph_blob *bl, int n, canvas_t *cv, uint64_t seed, double tex,
                       double tex_mm)
{
    int x0, y0, x1, y1;
    for (int i = 0; i < n; i++) {
        const ph_blob *b = &bl[i];
        double e = fmax(b->edge, 1.5 * cv->sig_px);
        if (!bbox(cv, b->x, b->y, ph_blob_rmax(b) + e, &x0, &y0, &x1, &y1))
            continue;
        uint64_t bs = seed + 7919 * (uint64_t)i;
        for (int y = y0; y <= y1; y++)
            for (int x = x0; x <= x1; x++) {
                double mx, my;
                ph_to_mm(cv->c, x, y, &mx, &my);
                double dx = mx - b->x, dy = my - b->y, d = hypot(dx, dy);
                double rb = ph_blob_radius(b, atan2(dy, dx));
                double k = 1.0 - smoothstep(rb - e, rb + e, d);
                if (k <= 0)
                    continue;
                /* uneven fill: a real lesion is not a flat stain */
                double m = 1.0 + tex * (ph_noise(mx / tex_mm, my / tex_mm, bs) +
                                        0.5 * ph_noise(mx / (0.4 * tex_mm), my / (0.4 * tex_mm), bs + 1));
                k *= m;
                size_t o = (size_t)y * cv->s + x;
                cv->L[o] += (float)(b->dl * k);
                cv->A[o] += (float)(b->da * k);
                cv->B[o] += (float)(b->db * k);
            }
    }
}

static void draw_scars(const ph_skin *sk, canvas_t *cv)
{
    int x0, y0, x1, y1;
    for (int i = 0; i < sk->n_sc; i++) {
        const ph_scar *c = &sk->sc[i];
        if (!bbox(cv, c->x, c->y, scar_extent(c), &x0, &y0, &x1, &y1))
            continue;
        /* boxcar and ice-pick scars are paler and a little pink (fibrosis);
         * rolling scars barely change colour */
        double dl = c->type == SK_PH_SCAR_ROLLING ? -0.5 : c->type == SK_PH_SCAR_BOXCAR ? 1.5 : -3.0;
        double da = c->type == SK_PH_SCAR_ROLLING ? 0.3 : 1.2;
        for (int y = y0; y <= y1; y++)
            for (int x = x0; x <= x1; x++) {
                double mx, my;
                ph_to_mm(cv->c, x, y, &mx, &my);
                double w = scar_profile(c, hypot(mx - c->x, my - c->y), cv->sig_px);
                size_t o = (size_t)y * cv->s + x;
                cv->H[o] -= (float)(c->depth * w);
                cv->L[o] += (float)(dl * w);
                cv->A[o] += (float)(da * w);
            }
    }
}

/* Taper of a wrinkle's depth along its arc: 0.5 exactly at the truth ends. */
#define WR_TAPER 0.6

static void draw_wrinkles(const ph_skin *sk, canvas_t *cv, uint64_t seed)
{
    for (int i = 0; i < sk->n_wr; i++) {
        const ph_wrinkle *w = &sk->wr[i];
        double sa = w->s0 - WR_TAPER, sb = w->s1 + WR_TAPER;
        int ka = (int)fmax(0, floor(sa / w->ds)), kb = (int)fmin(w->n - 1, ceil(sb / w->ds));
        if (kb <= ka)
            continue;
        double smax = w->width / 2.3548;
        double pad = 3.5 * sqrt(smax * smax + cv->sig_px * cv->sig_px);
        double minu = 1e30, minv = 1e30, maxu = -1e30, maxv = -1e30;
        for (int k = ka; k <= kb; k++) {
            double u, v;
            ph_to_px(cv->c, w->pt[k].x, w->pt[k].y, &u, &v);
            minu = fmin(minu, u), maxu = fmax(maxu, u), minv = fmin(minv, v), maxv = fmax(maxv, v);
        }
        double pp = pad * cv->c->k + 2;
        int bx0 = (int)fmax(0, floor(minu - pp)), bx1 = (int)fmin(cv->w - 1, ceil(maxu + pp));
        int by0 = (int)fmax(0, floor(minv - pp)), by1 = (int)fmin(cv->h - 1, ceil(maxv + pp));
        if (bx0 > bx1 || by0 > by1)
            continue;
        int bw = bx1 - bx0 + 1, bh = by1 - by0 + 1;
        float *acc = calloc((size_t)bw * bh, sizeof(float));
        if (!acc)
            continue;
        const uint64_t ws = seed + 104729 * (uint64_t)i;
        for (int k = ka; k < kb; k++) {
            double ax = w->pt[k].x, ay = w->pt[k].y, ex = w->pt[k + 1].x - ax,
                   ey = w->pt[k + 1].y - ay;
            double el2 = ex * ex + ey * ey;
            if (el2 <= 0)
                continue;
            double u0, v0, u1, v1;
            ph_to_px(cv->c, ax, ay, &u0, &v0);
            ph_to_px(cv->c, ax + ex, ay + ey, &u1, &v1);
            int x0 = (int)fmax(bx0, floor(fmin(u0, u1) - pp)), x1 = (int)fmin(bx1, ceil(fmax(u0, u1) + pp));
            int y0 = (int)fmax(by0, floor(fmin(v0, v1) - pp)), y1 = (int)fmin(by1, ceil(fmax(v0, v1) + pp));
            for (int y = y0; y <= y1; y++)
                for (int x = x0; x <= x1; x++) {
                    double mx, my;
                    ph_to_mm(cv->c, x, y, &mx, &my);
                    double t = ((mx - ax) * ex + (my - ay) * ey) / el2;
                    t = t < 0 ? 0 : t > 1 ? 1 : t;
                    double px = ax + t * ex - mx, py = ay + t * ey - my;
                    double d2 = px * px + py * py;
                    if (d2 > pad * pad)
                        continue;
                    double s = (k + t) * w->ds;
                    double taper = smoothstep(w->s0 - WR_TAPER, w->s0 + WR_TAPER, s) *
                                   (1.0 - smoothstep(w->s1 - WR_TAPER, w->s1 + WR_TAPER, s));
                    if (taper <= 0)
                        continue;
                    /* along the line: fuller in the middle of the original
                     * wrinkle, and a slow wander of depth */
                    double q = fmin(fmax((s - w->ext) / w->len0, 0.0), 1.0);
                    double mid = sin(M_PI * q);
                    double sg = smax * (0.55 + 0.45 * mid);
                    double se2 = sg * sg + cv->sig_px * cv->sig_px;
                    double dep = w->depth * (0.7 + 0.3 * mid) *
                                 (1.0 + 0.2 * ph_noise(s / 2.5, 0.5, ws)) * taper;
                    /* line profile prefiltered by the pixel: area kept */
                    float val = (float)(dep * sqrt(sg * sg / se2) * exp(-d2 / (2 * se2)));
                    float *a = &acc[(size_t)(y - by0) * bw + (x - bx0)];
                    if (val > *a)
                        *a = val; /* nearest part of the line wins; no double counting */
                }
        }
        for (int y = 0; y < bh; y++)
            for (int x = 0; x < bw; x++) {
                float a = acc[(size_t)y * bw + x];
                if (a == 0)
                    continue;
                size_t o = (size_t)(y + by0) * cv->s + (x + bx0);
                cv->H[o] -= a;
                cv->L[o] += (float)(w->dl * a / w->depth);
            }
        free(acc);
    }
}

/* Standard normal deviate from a hash of the pixel: the noise pattern is a
 * function of (noise_seed, x, y, channel), whatever order pixels are done. */
static double pixel_gauss(uint64_t seed, uint64_t i, uint64_t c)
{
    uint64_t h = ph_hash3(seed, i, c);
    double u1 = ((double)(h >> 40) + 0.5) / 16777216.0;
    double u2 = (double)(h & 0xFFFFFF) / 16777216.0;
    return sqrt(-2.0 * log(u1)) * cos(2 * M_PI * u2);
}

int sk_phantom_render(const sk_phantom_params *p, sk_image_t **out, sk_phantom_truth **truth_out)
{
    if (!p || !out)
        return sk_error_set(SK_ERR_ARG, "phantom: NULL argument");
    if (!(p->mm_per_px > 0) || !(p->width_mm > 0) || !(p->height_mm > 0) || !(p->scale > 0.2) ||
        !(p->scale < 5) || !(p->improvement >= 0) || !(p->improvement < 1) ||
        !(p->pore_density >= 0) || !(p->relief >= 0) || !(p->wb_r > 0) || !(p->wb_b > 0) ||
        !(p->noise >= 0 && p->noise <= 0.2) || !(fabs(p->exposure_ev) <= 4) ||
        !(fabs(p->rotation_deg) <= 180) || !isfinite(p->shift_x_mm) ||
        !isfinite(p->shift_y_mm) || !isfinite(p->ita_deg) || p->jpeg_quality < 0 ||
        p->jpeg_quality > 100)
        return sk_error_set(SK_ERR_ARG, "phantom: invalid parameters");
    const double wpx = p->width_mm / p->mm_per_px, hpx = p->height_mm / p->mm_per_px;
    if (wpx < 16 || hpx < 16 || wpx * hpx > 60e6)
        return sk_error_set(SK_ERR_ARG, "phantom: %.0f x %.0f pixels is out of range", wpx, hpx);
    const int w = (int)lround(wpx), h = (int)lround(hpx);
    ph_skin sk;
    sk_image_t *lab = NULL, *img = NULL;
    float *H = NULL;
    sk_phantom_truth *t = NULL;
    int rc = ph_skin_make(p, &sk);
    if (rc < 0)
        goto fail;
    ph_camera cam;
    ph_camera_init(&cam, p, w, h);
    if ((rc = sk_image_new(w, h, 3, &lab)) < 0 || (rc = sk_image_new(w, h, 3, &img)) < 0)
        goto fail;
    const size_t s = lab->stride;
    H = sk_alloc_floats(s * (size_t)h);
    if (!H) {
        rc = SK_ERR_NOMEM;
        goto fail;
    }
    canvas_t cv = {w, h, s, H, sk_image_plane(lab, 0), sk_image_plane(lab, 1),
                   sk_image_plane(lab, 2), sk_image_plane(img, 0), 1.0 / cam.k,
                   0.35 / cam.k, &cam};
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            cv.M[(size_t)y * s + x] = 1.0f;
    scars_smooth(&sk, &cv);
    base_layer(p, &sk, &cv);
    const uint64_t fs = p->seed * 0x9FB21C651E98DF25ull + 3;
    draw_blobs(sk.rd, sk.n_rd, &cv, fs, 0.2, 1.8);
    draw_blobs(sk.sp, sk.n_sp, &cv, fs + 1, 0.35, 0.7);
    draw_scars(&sk, &cv);
    draw_pores(&sk, &cv);
    draw_wrinkles(&sk, &cv, fs + 2);

    /* albedo to linear RGB (D65), then light it */
    if ((rc = sk_colour_lab_to_srgb(lab->data, s, lab->plane_stride, img->data, s,
                                    img->plane_stride, w, h)) < 0)
        goto fail;
    for (int c = 0; c < 3; c++)
        if ((rc = sk_colour_srgb_to_linear(sk_image_plane(img, c), s, sk_image_plane(img, c), s,
                                           w, h)) < 0)
            goto fail;
    /* light from the upper left of the skin (skin frame), 40° above it */
    const double lx = -0.45, ly = -0.55, lz = 1.0, ln = sqrt(lx * lx + ly * ly + lz * lz);
    const double flat = lz / ln, amb = 0.3;
    const double gain = pow(2.0, p->exposure_ev);
    const double gains[3] = {gain * p->wb_r, gain, gain * p->wb_b};
    const uint64_t sd = p->seed * 0xA24BAED4963EE407ull + 99;
    for (int y = 0; y < h; y++) {
        int ya = y > 0 ? y - 1 : y, yb = y < h - 1 ? y + 1 : y;
        for (int x = 0; x < w; x++) {
            int xa = x > 0 ? x - 1 : x, xb = x < w - 1 ? x + 1 : x;
            /* slope per mm in the photo frame, turned into the skin frame */
            double hu = (H[(size_t)y * s + xb] - H[(size_t)y * s + xa]) * cam.k / (xb - xa);
            double hv = (H[(size_t)yb * s + x] - H[(size_t)ya * s + x]) * cam.k / (yb - ya);
            double gx = cam.cth * hu + cam.sth * hv, gy = -cam.sth * hu + cam.cth * hv;
            double nn = sqrt(gx * gx + gy * gy + 1.0);
            double lambert = (-gx * lx - gy * ly + lz) / (nn * ln);
            if (lambert < 0)
                lambert = 0;
            double mx, my;
            ph_to_mm(&cam, x, y, &mx, &my);
            /* low-frequency illumination: a gentle gradient along the light
             * (face curvature, distance to the lamp) and broad unevenness */
            double gxn = (mx - p->width_mm / 2) / (p->width_mm + p->height_mm),
                   gyn = (my - p->height_mm / 2) / (p->width_mm + p->height_mm);
            double illum = 1.0 + 0.08 * (lx * gxn + ly * gyn) / 0.71 +
                           0.025 * ph_noise(mx / 25.0, my / 25.0, sd);
            double shade = (amb + (1 - amb) * lambert / flat) * illum;
            size_t o = (size_t)y * s + x;
            for (int c = 0; c < 3; c++) {
                float *v = &sk_image_plane(img, c)[o];
                double lin = *v * shade * gains[c];
                if (p->noise > 0) {
                    /* shot + read noise: SD = noise x 0.18 at linear 0.18 */
                    double sdv = p->noise * 0.18 * sqrt(0.05 + 0.95 * fmax(lin, 0.0) / 0.18);
                    lin += sdv * pixel_gauss(p->noise_seed, (uint64_t)y * w + x, (uint64_t)c);
                }
                *v = (float)(lin < 0 ? 0 : lin > 1 ? 1 : lin);
            }
        }
    }
    for (int c = 0; c < 3; c++)
        if ((rc = sk_colour_linear_to_srgb(sk_image_plane(img, c), s, sk_image_plane(img, c), s,
                                           w, h)) < 0)
            goto fail;
    if (p->jpeg_quality > 0 && (rc = ph_jpeg_round_trip(img, p->jpeg_quality)) < 0)
        goto fail;
    if (truth_out && (rc = ph_truth_make(p, &sk, &cam, w, h, &t)) < 0)
        goto fail;
    *out = img;
    img = NULL;
    if (truth_out)
        *truth_out = t;
    t = NULL;
    rc = SK_OK;
fail:
    if (rc < 0 && rc != sk_error_status())
        sk_error_set(rc, "phantom: %s", sk_status_str(rc));
    sk_phantom_truth_free(t);
    sk_image_free(lab);
    sk_image_free(img);
    sk_free(H);
    ph_skin_free(&sk);
    return rc;
}
