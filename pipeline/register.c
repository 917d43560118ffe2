/* Registration of a follow-up photo (moving) to its baseline (fixed).
 *
 * 1. Luminance pyramid: Rec. 709 luma, area-resized so the longer side of
 *    the larger photo is opts.max_side (level 0), then 2x box levels down to
 *    opts.coarse_side. Both photos share the scale factor.
 * 2. Global estimate at the coarse level (Fourier-Mellin): log-polar
 *    resampling of the high-passed log-magnitude spectra turns rotation and
 *    scale into a shift, found by phase correlation inside the allowed range;
 *    each candidate's translation comes from a second phase correlation.
 * 3. Each candidate is refined by a few ECC iterations; the best one is
 *    refined level by level to level 0 (Evangelidis & Psarakis 2008, forward
 *    additive, warped gradients, similarity or affine warp).
 * 4. Figures at the working levels: luminance NCC, residual, overlap and a
 *    band-pass "structure" NCC that decides whether the photos match.
 * The level-0 transform is scaled back to the photos' own pixels.
 *
 * Conventions: pixel centres at integer coordinates (sk_geom.h). Internally
 * W maps fixed coordinates to moving coordinates (what the warp kernel
 * takes); the result's M is W's inverse at full resolution. */
#include "sk_register.h"

#include <fftw3.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define REG_MAX_LEVELS 10
#define REG_MIN_SIDE 32
#define REG_MIN_SD 0.004     /* luma SD below which a photo has nothing to register */
#define REG_SMOOTH_SIGMA 1.0 /* pre-smoothing and gradient scale, level pixels */
#define REG_CANDIDATES 3     /* rotation/scale peaks kept */
#define REG_SHIFT_PEAKS 2    /* translation peaks kept per rotation/scale */
#define REG_STRUCT_SIDE 512  /* structure NCC at the first level with a side <= this */

/* FFTW's planner is not thread-safe; execution is. */
static pthread_mutex_t plan_lock = PTHREAD_MUTEX_INITIALIZER;

void sk_register_opts_default(sk_register_opts_t *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->model = SK_REG_SIMILARITY;
    opts->max_rotation_deg = 15.0;
    opts->min_scale = 0.75;
    opts->max_scale = 1.0 / 0.75;
    opts->max_side = 1024;
    opts->coarse_side = 256;
    opts->min_correlation = 0.3;
    opts->min_overlap = 0.25;
}

/* ------------------------------------------------------------ planes */

typedef struct plane {
    float *p;
    size_t s;
    int w, h;
} plane_t;

static int plane_alloc(plane_t *pl, int w, int h, size_t stride)
{
    pl->w = w, pl->h = h;
    pl->s = stride ? stride : sk_stride_for_width(w);
    pl->p = sk_alloc_floats(pl->s * (size_t)h);
    return pl->p ? SK_OK : sk_error_set(SK_ERR_NOMEM, "registration: out of memory");
}

static void plane_free(plane_t *pl)
{
    sk_free(pl->p);
    pl->p = NULL;
}

/* Pixel weight: inside the (optional) mask. */
static inline int on(const float *m, size_t x)
{
    return !m || m[x] > 0.5f;
}

/* Level-0 luma of one photo: area-resize each plane, then combine (the
 * resize is linear, so this equals resizing the luma, without a full-size
 * luma plane). */
static int make_luma(const sk_image_t *img, int w0, int h0, plane_t *out, plane_t *tmp,
                     void *scratch)
{
    static const float k709[3] = {0.2126f, 0.7152f, 0.0722f};
    int nc = img->channels >= 3 ? 3 : 1;
    int same = w0 == img->width && h0 == img->height;
    for (int c = 0; c < nc; c++) {
        const float *src = sk_image_plane(img, c);
        float k = nc == 3 ? k709[c] : 1.0f;
        const float *q = src;
        size_t qs = img->stride;
        if (!same) {
            int rc = sk_geom_resize(src, img->stride, img->width, img->height, tmp->p, tmp->s, w0,
                                    h0, SK_RESIZE_AREA, scratch);
            if (rc < 0)
                return rc;
            q = tmp->p, qs = tmp->s;
        }
        for (int y = 0; y < h0; y++) {
            float *o = out->p + (size_t)y * out->s;
            const float *r = q + (size_t)y * qs;
            if (c == 0)
                for (int x = 0; x < w0; x++)
                    o[x] = k * r[x];
            else
                for (int x = 0; x < w0; x++)
                    o[x] += k * r[x];
        }
    }
    return SK_OK;
}

/* Level-0 mask: fraction of nonzero bytes in each output pixel's block of
 * source pixels, thresholded at one half. */
static void make_mask(const uint8_t *m, int w, int h, plane_t *out)
{
    double sx = (double)w / out->w, sy = (double)h / out->h;
    for (int y = 0; y < out->h; y++) {
        int y0 = (int)(y * sy), y1 = (int)((y + 1) * sy);
        if (y1 <= y0)
            y1 = y0 + 1;
        if (y1 > h)
            y1 = h;
        float *o = out->p + (size_t)y * out->s;
        for (int x = 0; x < out->w; x++) {
            int x0 = (int)(x * sx), x1 = (int)((x + 1) * sx);
            if (x1 <= x0)
                x1 = x0 + 1;
            if (x1 > w)
                x1 = w;
            int n = 0, on_ = 0;
            for (int yy = y0; yy < y1; yy++)
                for (int xx = x0; xx < x1; xx++)
                    n++, on_ += m[(size_t)yy * w + xx] != 0;
            o[x] = 2 * on_ >= n ? 1.0f : 0.0f;
        }
    }
}

static void threshold_mask(plane_t *m)
{
    for (int y = 0; y < m->h; y++) {
        float *r = m->p + (size_t)y * m->s;
        for (int x = 0; x < m->w; x++)
            r[x] = r[x] >= 0.5f ? 1.0f : 0.0f;
    }
}

/* Masked mean and SD of a plane (optionally also inside `valid`). */
static void masked_mean_sd(const plane_t *p, const plane_t *mask, const float *valid, size_t vs,
                           double *mean, double *sd, double *count)
{
    double s = 0, ss = 0, n = 0;
    for (int y = 0; y < p->h; y++) {
        const float *r = p->p + (size_t)y * p->s;
        const float *m = mask && mask->p ? mask->p + (size_t)y * mask->s : NULL;
        const float *v = valid ? valid + (size_t)y * vs : NULL;
        for (int x = 0; x < p->w; x++)
            if (on(m, x) && on(v, x)) {
                s += r[x], ss += (double)r[x] * r[x], n += 1;
            }
    }
    *mean = n > 0 ? s / n : 0;
    *sd = n > 0 ? sqrt(fmax(ss / n - *mean * *mean, 0.0)) : 0;
    if (count)
        *count = n;
}

/* -------------------------------------------------------- affine algebra */

/* Level-to-level maps. Down-sampling by two puts level l+1 pixel x at level l
 * coordinate 2x + 0.5; level 0 pixel x sits at full-resolution coordinate
 * s x + (s - 1) / 2 with s the full/level-0 size ratio of that axis. */
static void scale_map(double sx, double sy, double out[6])
{
    out[0] = sx, out[1] = 0, out[2] = 0.5 * sx - 0.5;
    out[3] = 0, out[4] = sy, out[5] = 0.5 * sy - 0.5;
}

/* W (fixed -> moving) at a coarser level into the next finer level. */
static void w_to_finer(double W[6])
{
    double up[6], down[6], t[6];
    scale_map(2, 2, up);
    sk_geom_affine_invert(up, down);
    sk_geom_affine_compose(W, down, t);
    sk_geom_affine_compose(up, t, W);
}

static void w_to_coarser(double W[6])
{
    double up[6], down[6], t[6];
    scale_map(2, 2, up);
    sk_geom_affine_invert(up, down);
    sk_geom_affine_compose(W, up, t);
    sk_geom_affine_compose(down, t, W);
}

static double affine_scale(const double M[6])
{
    return sqrt(fabs(M[0] * M[4] - M[1] * M[3]));
}

static double affine_rotation_deg(const double M[6])
{
    return atan2(M[3] - M[1], M[0] + M[4]) * 180.0 / M_PI;
}

/* Solve H x = b for a symmetric positive definite k x k H (Cholesky).
 * Returns 0, or -1 when H is not positive definite. */
static int solve_spd(int k, const double *H, const double *b, double *x)
{
    double L[36], y[6];
    for (int i = 0; i < k; i++)
        for (int j = 0; j <= i; j++) {
            double s = H[i * k + j];
            for (int q = 0; q < j; q++)
                s -= L[i * k + q] * L[j * k + q];
            if (i == j) {
                if (!(s > 1e-12 * fabs(H[i * k + i])) || !(s > 0))
                    return -1;
                L[i * k + i] = sqrt(s);
            } else {
                L[i * k + j] = s / L[j * k + j];
            }
        }
    for (int i = 0; i < k; i++) {
        double s = b[i];
        for (int q = 0; q < i; q++)
            s -= L[i * k + q] * y[q];
        y[i] = s / L[i * k + i];
    }
    for (int i = k - 1; i >= 0; i--) {
        double s = y[i];
        for (int q = i + 1; q < k; q++)
            s -= L[q * k + i] * x[q];
        x[i] = s / L[i * k + i];
    }
    return 0;
}

/* ------------------------------------------------------------------ ECC */

typedef struct ecc {
    /* fixed level: smoothed luma and mask (p NULL when none) */
    plane_t f, fmask;
    /* moving level: smoothed luma, its gradient, mask */
    plane_t m, gx, gy, mmask;
    /* scratch in the fixed frame */
    plane_t iw, wgx, wgy, valid, wmask;
} ecc_t;

static void warp_plane(const plane_t *src, plane_t *dst, int dw, int dh, const double W[6],
                       float *valid, size_t vs)
{
    sk_warp_params wp = {SK_INTERP_BILINEAR, 0.0f, 0.0};
    sk_geom_warp_affine(src->p, src->s, src->w, src->h, dst->p, dst->s, dw, dh, W, &wp, valid, vs);
}

/* One ECC run at one level. W (fixed -> moving) is updated in place.
 * Returns 0 (converged or iterations used up) or -1 (degenerate: too little
 * overlap, anti-correlated, singular); *rho gets the last correlation. */
static int ecc_run(ecc_t *c, int affine, double W[6], int max_iter, double eps, double *rho,
                   int *iters)
{
    const int k = affine ? 6 : 4;
    const int fw = c->f.w, fh = c->f.h;
    const double cx = 0.5 * (fw - 1), cy = 0.5 * (fh - 1);
    *rho = -1;
    for (int it = 0; it < max_iter; it++) {
        warp_plane(&c->m, &c->iw, fw, fh, W, c->valid.p, c->valid.s);
        warp_plane(&c->gx, &c->wgx, fw, fh, W, NULL, 0);
        warp_plane(&c->gy, &c->wgy, fw, fh, W, NULL, 0);
        if (c->mmask.p)
            warp_plane(&c->mmask, &c->wmask, fw, fh, W, NULL, 0);
        /* Single pass of raw sums; centred quantities follow from them. */
        double n = 0, sF = 0, sI = 0, sFF = 0, sII = 0, sFI = 0;
        double sJ[6] = {0}, sJF[6] = {0}, sJI[6] = {0}, H[36] = {0};
        for (int y = 0; y < fh; y++) {
            const float *fr = c->f.p + (size_t)y * c->f.s;
            const float *ir = c->iw.p + (size_t)y * c->iw.s;
            const float *gxr = c->wgx.p + (size_t)y * c->wgx.s;
            const float *gyr = c->wgy.p + (size_t)y * c->wgy.s;
            const float *vr = c->valid.p + (size_t)y * c->valid.s;
            const float *fm = c->fmask.p ? c->fmask.p + (size_t)y * c->fmask.s : NULL;
            const float *wm = c->mmask.p ? c->wmask.p + (size_t)y * c->wmask.s : NULL;
            const double yc = y - cy;
            double rn = 0, rF = 0, rI = 0, rFF = 0, rII = 0, rFI = 0;
            double rJ[6] = {0}, rJF[6] = {0}, rJI[6] = {0}, rH[36] = {0};
            for (int x = 0; x < fw; x++) {
                if (!(vr[x] > 0.5f) || !on(fm, x) || !on(wm, x))
                    continue;
                const double xc = x - cx, gx = gxr[x], gy = gyr[x], F = fr[x], I = ir[x];
                double J[6];
                if (affine) {
                    J[0] = gx * xc, J[1] = gx * yc, J[2] = gx;
                    J[3] = gy * xc, J[4] = gy * yc, J[5] = gy;
                } else {
                    J[0] = gx * xc + gy * yc, J[1] = gy * xc - gx * yc, J[2] = gx, J[3] = gy;
                }
                rn += 1, rF += F, rI += I, rFF += F * F, rII += I * I, rFI += F * I;
                for (int i = 0; i < k; i++) {
                    rJ[i] += J[i], rJF[i] += J[i] * F, rJI[i] += J[i] * I;
                    for (int j = 0; j <= i; j++)
                        rH[i * k + j] += J[i] * J[j];
                }
            }
            n += rn, sF += rF, sI += rI, sFF += rFF, sII += rII, sFI += rFI;
            for (int i = 0; i < k; i++) {
                sJ[i] += rJ[i], sJF[i] += rJF[i], sJI[i] += rJI[i];
                for (int j = 0; j <= i; j++)
                    H[i * k + j] += rH[i * k + j];
            }
        }
        if (iters)
            (*iters)++;
        if (n < 16.0 * k)
            return -1;
        for (int i = 0; i < k; i++)
            for (int j = i + 1; j < k; j++)
                H[i * k + j] = H[j * k + i];
        const double nrF = sFF - sF * sF / n, nrI = sII - sI * sI / n, cFI = sFI - sF * sI / n;
        if (!(nrF > 1e-12) || !(nrI > 1e-12))
            return -1;
        *rho = cFI / sqrt(nrF * nrI);
        double pF[6], pI[6], hI[6];
        for (int i = 0; i < k; i++) {
            pF[i] = sJF[i] - sJ[i] * sF / n;
            pI[i] = sJI[i] - sJ[i] * sI / n;
        }
        if (solve_spd(k, H, pI, hI) < 0)
            return -1;
        double lam_n = nrI, lam_d = cFI;
        for (int i = 0; i < k; i++)
            lam_n -= pI[i] * hI[i], lam_d -= pF[i] * hI[i];
        if (!(lam_d > 0))
            return -1;
        const double lam = lam_n / lam_d;
        double e[6], dp[6];
        for (int i = 0; i < k; i++)
            e[i] = lam * pF[i] - pI[i];
        if (solve_spd(k, H, e, dp) < 0)
            return -1;
        /* Update the centred parametrisation Wc(p) = W(p + c). */
        double Wc[6] = {W[0], W[1], W[0] * cx + W[1] * cy + W[2],
                        W[3], W[4], W[3] * cx + W[4] * cy + W[5]};
        double old[6];
        memcpy(old, Wc, sizeof old);
        if (affine) {
            for (int i = 0; i < 6; i++)
                Wc[i] += dp[i];
        } else {
            double a = 0.5 * (Wc[0] + Wc[4]) + dp[0], b = 0.5 * (Wc[3] - Wc[1]) + dp[1];
            Wc[0] = a, Wc[1] = -b, Wc[2] += dp[2];
            Wc[3] = b, Wc[4] = a, Wc[5] += dp[3];
        }
        /* Largest move of the image corners (level pixels). */
        double move = 0;
        for (int q = 0; q < 4; q++) {
            double xc = (q & 1) ? cx : -cx, yc = (q & 2) ? cy : -cy;
            double dx = (Wc[0] - old[0]) * xc + (Wc[1] - old[1]) * yc + Wc[2] - old[2];
            double dy = (Wc[3] - old[3]) * xc + (Wc[4] - old[4]) * yc + Wc[5] - old[5];
            move = fmax(move, hypot(dx, dy));
        }
        if (!isfinite(move))
            return -1;
        W[0] = Wc[0], W[1] = Wc[1], W[2] = Wc[2] - Wc[0] * cx - Wc[1] * cy;
        W[3] = Wc[3], W[4] = Wc[4], W[5] = Wc[5] - Wc[3] * cx - Wc[4] * cy;
        if (move < eps)
            break;
    }
    return 0;
}

/* --------------------------------------------------- Fourier-Mellin */

typedef struct fm {
    int N;      /* translation canvas N x N */
    int nt, nr; /* log-polar: angles over [0, pi) x log radii */
    double rmin, dlr;
    float *canvas, *surf, *lpf, *lpm, *lpsurf, *hx, *hy, *mag;
    fftwf_complex *specf, *specm, *cross, *lpspecf, *lpspecm, *lpcross;
    fftwf_plan fwd, inv, lpfwd, lpinv;
} fm_t;

static void fm_free(fm_t *f)
{
    pthread_mutex_lock(&plan_lock);
    if (f->fwd)
        fftwf_destroy_plan(f->fwd);
    if (f->inv)
        fftwf_destroy_plan(f->inv);
    if (f->lpfwd)
        fftwf_destroy_plan(f->lpfwd);
    if (f->lpinv)
        fftwf_destroy_plan(f->lpinv);
    pthread_mutex_unlock(&plan_lock);
    float *fl[] = {f->canvas, f->surf, f->lpf, f->lpm, f->lpsurf, f->hx, f->hy, f->mag};
    for (size_t i = 0; i < sizeof fl / sizeof *fl; i++)
        fftwf_free(fl[i]);
    fftwf_complex *cl[] = {f->specf, f->specm, f->cross, f->lpspecf, f->lpspecm, f->lpcross};
    for (size_t i = 0; i < sizeof cl / sizeof *cl; i++)
        fftwf_free(cl[i]);
    memset(f, 0, sizeof *f);
}

static int fm_init(fm_t *f, int N)
{
    memset(f, 0, sizeof *f);
    f->N = N, f->nt = N, f->nr = N / 2;
    f->rmin = 2.0;
    f->dlr = log((N / 2 - 2) / f->rmin) / f->nr;
    size_t nn = (size_t)N * N, nh = (size_t)N * (N / 2 + 1);
    size_t lp = (size_t)f->nt * f->nr, lph = (size_t)f->nt * (f->nr / 2 + 1);
    f->canvas = fftwf_malloc(nn * sizeof(float));
    f->surf = fftwf_malloc(nn * sizeof(float));
    f->mag = fftwf_malloc(nh * sizeof(float));
    f->lpf = fftwf_malloc(lp * sizeof(float));
    f->lpm = fftwf_malloc(lp * sizeof(float));
    f->lpsurf = fftwf_malloc(lp * sizeof(float));
    f->hx = fftwf_malloc((size_t)N * sizeof(float));
    f->hy = fftwf_malloc((size_t)N * sizeof(float));
    f->specf = fftwf_malloc(nh * sizeof(fftwf_complex));
    f->specm = fftwf_malloc(nh * sizeof(fftwf_complex));
    f->cross = fftwf_malloc(nh * sizeof(fftwf_complex));
    f->lpspecf = fftwf_malloc(lph * sizeof(fftwf_complex));
    f->lpspecm = fftwf_malloc(lph * sizeof(fftwf_complex));
    f->lpcross = fftwf_malloc(lph * sizeof(fftwf_complex));
    if (!f->canvas || !f->surf || !f->mag || !f->lpf || !f->lpm || !f->lpsurf || !f->hx || !f->hy ||
        !f->specf || !f->specm || !f->cross || !f->lpspecf || !f->lpspecm || !f->lpcross) {
        fm_free(f);
        return sk_error_set(SK_ERR_NOMEM, "registration: out of memory");
    }
    pthread_mutex_lock(&plan_lock);
    f->fwd = fftwf_plan_dft_r2c_2d(N, N, f->canvas, f->specf, FFTW_ESTIMATE);
    f->inv = fftwf_plan_dft_c2r_2d(N, N, f->cross, f->surf, FFTW_ESTIMATE);
    f->lpfwd = fftwf_plan_dft_r2c_2d(f->nt, f->nr, f->lpf, f->lpspecf, FFTW_ESTIMATE);
    f->lpinv = fftwf_plan_dft_c2r_2d(f->nt, f->nr, f->lpcross, f->lpsurf, FFTW_ESTIMATE);
    pthread_mutex_unlock(&plan_lock);
    if (!f->fwd || !f->inv || !f->lpfwd || !f->lpinv) {
        fm_free(f);
        return sk_error_set(SK_ERR_INTERNAL, "registration: FFT planning failed");
    }
    return SK_OK;
}

/* Canvas: (img - mean) x Hann window over w x h x weights, zero-padded. */
static void fm_canvas(fm_t *f, const plane_t *img, const plane_t *mask, const float *valid,
                      size_t vs)
{
    const int N = f->N, w = img->w, h = img->h;
    double mean, sd;
    masked_mean_sd(img, mask, valid, vs, &mean, &sd, NULL);
    for (int x = 0; x < w; x++)
        f->hx[x] = (float)(0.5 - 0.5 * cos(2.0 * M_PI * (x + 0.5) / w));
    for (int y = 0; y < h; y++)
        f->hy[y] = (float)(0.5 - 0.5 * cos(2.0 * M_PI * (y + 0.5) / h));
    memset(f->canvas, 0, (size_t)N * N * sizeof(float));
    for (int y = 0; y < h; y++) {
        const float *r = img->p + (size_t)y * img->s;
        const float *m = mask && mask->p ? mask->p + (size_t)y * mask->s : NULL;
        const float *v = valid ? valid + (size_t)y * vs : NULL;
        float *o = f->canvas + (size_t)y * N;
        for (int x = 0; x < w; x++)
            o[x] = on(m, x) && on(v, x) ? (float)(r[x] - mean) * f->hx[x] * f->hy[y] : 0.0f;
    }
}

/* Normalised cross-power spectrum of B against A, inverse transformed:
 * surf peaks at +t when b(x) = a(x - t). */
static void cross_power(const fftwf_complex *A, const fftwf_complex *B, fftwf_complex *C, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        double re = (double)B[i][0] * A[i][0] + (double)B[i][1] * A[i][1];
        double im = (double)B[i][1] * A[i][0] - (double)B[i][0] * A[i][1];
        double mg = hypot(re, im);
        if (mg > 1e-20) {
            C[i][0] = (float)(re / mg);
            C[i][1] = (float)(im / mg);
        } else {
            C[i][0] = C[i][1] = 0.0f;
        }
    }
}

/* High-passed log magnitude of an r2c spectrum, then its log-polar
 * resampling (angles over [0, pi): the magnitude is point-symmetric). */
static void fm_log_polar(fm_t *f, const fftwf_complex *spec, float *lp)
{
    const int N = f->N, nh = N / 2 + 1;
    for (int v = 0; v < N; v++) {
        int fv = v <= N / 2 ? v : v - N;
        double cy = cos(M_PI * fv / N);
        for (int u = 0; u < nh; u++) {
            double X = cos(M_PI * u / N) * cy;
            double hp = (1.0 - X) * (2.0 - X);
            const float *c = spec[(size_t)v * nh + u];
            f->mag[(size_t)v * nh + u] = (float)(hp * log1p(hypot(c[0], c[1])));
        }
    }
    for (int it = 0; it < f->nt; it++) {
        double phi = M_PI * it / f->nt, cp = cos(phi), sp = sin(phi);
        float *o = lp + (size_t)it * f->nr;
        for (int ir = 0; ir < f->nr; ir++) {
            double r = f->rmin * exp(ir * f->dlr);
            double u = r * cp, v = r * sp;
            int u0 = (int)floor(u), v0 = (int)floor(v);
            double fu = u - u0, fv = v - v0, acc = 0;
            for (int q = 0; q < 4; q++) {
                int uu = u0 + (q & 1), vv = v0 + (q >> 1);
                double wgt = ((q & 1) ? fu : 1 - fu) * ((q >> 1) ? fv : 1 - fv);
                if (uu < 0)
                    uu = -uu, vv = -vv;
                vv = ((vv % N) + N) % N;
                acc += wgt * f->mag[(size_t)vv * nh + uu];
            }
            o[ir] = (float)acc;
        }
    }
    /* Zero mean, Hann along log-radius (not periodic there). */
    double mean = 0;
    size_t n = (size_t)f->nt * f->nr;
    for (size_t i = 0; i < n; i++)
        mean += lp[i];
    mean /= (double)n;
    for (int it = 0; it < f->nt; it++)
        for (int ir = 0; ir < f->nr; ir++)
            lp[(size_t)it * f->nr + ir] =
                (float)((lp[(size_t)it * f->nr + ir] - mean) *
                        (0.5 - 0.5 * cos(2.0 * M_PI * (ir + 0.5) / f->nr)));
}

typedef struct peak {
    double v, y, x; /* value, sub-pixel position (row, column; signed shifts) */
} peak_t;

static inline float wrap_at(const float *s, int rows, int cols, int y, int x)
{
    y = ((y % rows) + rows) % rows;
    x = ((x % cols) + cols) % cols;
    return s[(size_t)y * cols + x];
}

static double parabola(double a, double b, double c)
{
    double d = a - 2 * b + c;
    if (!(d < 0))
        return 0;
    double o = 0.5 * (a - c) / d;
    return o > 0.5 ? 0.5 : o < -0.5 ? -0.5 : o;
}

/* Up to kmax strongest local maxima of a periodic surface inside the
 * signed-shift window [y0, y1] x [x0, x1], sorted by value. */
static int find_peaks(const float *s, int rows, int cols, int y0, int y1, int x0, int x1,
                      peak_t *pk, int kmax)
{
    int n = 0;
    for (int y = y0; y <= y1; y++)
        for (int x = x0; x <= x1; x++) {
            float v = wrap_at(s, rows, cols, y, x);
            int is_max = 1;
            for (int dy = -1; dy <= 1 && is_max; dy++)
                for (int dx = -1; dx <= 1; dx++)
                    if ((dy || dx) && wrap_at(s, rows, cols, y + dy, x + dx) > v) {
                        is_max = 0;
                        break;
                    }
            if (!is_max)
                continue;
            peak_t p = {
                v,
                y + parabola(wrap_at(s, rows, cols, y - 1, x), v, wrap_at(s, rows, cols, y + 1, x)),
                x + parabola(wrap_at(s, rows, cols, y, x - 1), v,
                             wrap_at(s, rows, cols, y, x + 1))};
            int pos = n < kmax ? n : kmax;
            while (pos > 0 && pk[pos - 1].v < p.v) {
                if (pos < kmax)
                    pk[pos] = pk[pos - 1];
                pos--;
            }
            if (pos < kmax) {
                pk[pos] = p;
                if (n < kmax)
                    n++;
            }
        }
    return n;
}

/* Candidate starting transforms W (fixed -> moving, coarse level). */
typedef struct cand {
    double W[6];
} cand_t;

static int fm_candidates(fm_t *f, const plane_t *fi, const plane_t *fmask, const plane_t *mi,
                         const plane_t *mmask, plane_t *warped, plane_t *valid, plane_t *wmask,
                         const sk_register_opts_t *o, cand_t *out, int max_out)
{
    const int N = f->N;
    const size_t nh = (size_t)N * (N / 2 + 1), lph = (size_t)f->nt * (f->nr / 2 + 1);
    /* rotation / scale */
    fm_canvas(f, fi, fmask, NULL, 0);
    fftwf_execute_dft_r2c(f->fwd, f->canvas, f->specf);
    fm_log_polar(f, f->specf, f->lpf);
    fm_canvas(f, mi, mmask, NULL, 0);
    fftwf_execute_dft_r2c(f->fwd, f->canvas, f->specm);
    fm_log_polar(f, f->specm, f->lpm);
    fftwf_execute_dft_r2c(f->lpfwd, f->lpf, f->lpspecf);
    fftwf_execute_dft_r2c(f->lpfwd, f->lpm, f->lpspecm);
    cross_power(f->lpspecf, f->lpspecm, f->lpcross, lph);
    fftwf_execute_dft_c2r(f->lpinv, f->lpcross, f->lpsurf);
    /* LP_m(phi, rho) = LP_f(phi + theta, rho - log s): the peak sits at
     * (-theta, +log s) for M's rotation theta and scale s. */
    int ta = (int)ceil(fmin(o->max_rotation_deg, 90.0) * M_PI / 180.0 / (M_PI / f->nt)) + 1;
    int r0 = (int)floor(log(o->min_scale) / f->dlr) - 1;
    int r1 = (int)ceil(log(o->max_scale) / f->dlr) + 1;
    if (ta > f->nt / 2)
        ta = f->nt / 2;
    peak_t rs[REG_CANDIDATES + 1];
    int nrs = find_peaks(f->lpsurf, f->nt, f->nr, -ta, ta, r0, r1, rs, REG_CANDIDATES);
    /* Always also try no rotation and no scaling. */
    rs[nrs++] = (peak_t){0, 0, 0};
    int n = 0;
    /* Fixed-frame canvas spectrum for translation. */
    fm_canvas(f, fi, fmask, NULL, 0);
    fftwf_execute_dft_r2c(f->fwd, f->canvas, f->specf);
    const double cfx = 0.5 * (fi->w - 1), cfy = 0.5 * (fi->h - 1);
    const double cmx = 0.5 * (mi->w - 1), cmy = 0.5 * (mi->h - 1);
    for (int i = 0; i < nrs; i++) {
        int nflip = o->max_rotation_deg > 90.0 ? 2 : 1;
        for (int flip = 0; flip < nflip; flip++) {
            double theta = -rs[i].y * M_PI / f->nt + (flip ? M_PI : 0.0);
            double s = exp(rs[i].x * f->dlr);
            double S[6], Wi[6];
            sk_geom_affine_similarity(s, theta, cfx - cmx, cfy - cmy, cmx, cmy, S);
            sk_geom_affine_invert(S, Wi);
            warp_plane(mi, warped, fi->w, fi->h, Wi, valid->p, valid->s);
            if (mmask->p) {
                /* fold the moving mask into the validity plane */
                warp_plane(mmask, wmask, fi->w, fi->h, Wi, NULL, 0);
                for (int y = 0; y < fi->h; y++) {
                    float *v = valid->p + (size_t)y * valid->s;
                    const float *m = wmask->p + (size_t)y * wmask->s;
                    for (int x = 0; x < fi->w; x++)
                        v[x] = v[x] > 0.5f && m[x] > 0.5f ? 1.0f : 0.0f;
                }
            }
            fm_canvas(f, warped, fmask, valid->p, valid->s);
            fftwf_execute_dft_r2c(f->fwd, f->canvas, f->specm);
            cross_power(f->specf, f->specm, f->cross, nh);
            fftwf_execute_dft_c2r(f->inv, f->cross, f->surf);
            peak_t ts[REG_SHIFT_PEAKS];
            int nts = find_peaks(f->surf, N, N, -N / 2 + 1, N / 2, -N / 2 + 1, N / 2, ts,
                                 REG_SHIFT_PEAKS);
            for (int j = 0; j < nts && n < max_out; j++) {
                /* warped(x) = fixed(x - d): M = T(-d) S. */
                double T[6] = {1, 0, -ts[j].x, 0, 1, -ts[j].y}, M[6];
                sk_geom_affine_compose(T, S, M);
                if (sk_geom_affine_invert(M, out[n].W) == 0)
                    n++;
            }
        }
    }
    return n;
}

/* ------------------------------------------------------------ figures */

/* Luma NCC, residual and overlap of the fixed level against the warped
 * moving level (unsmoothed), and the band-pass structure NCC. */
typedef struct figures {
    double ncc, residual, overlap, structure;
} figures_t;

static void overlap_stats(const plane_t *f, const plane_t *fmask, const plane_t *iw,
                          const plane_t *valid, const plane_t *wmask, int use_wmask, double *ncc,
                          double *residual, double *overlap)
{
    double n = 0, nall = 0, sF = 0, sI = 0, sFF = 0, sII = 0, sFI = 0;
    for (int y = 0; y < f->h; y++) {
        const float *fr = f->p + (size_t)y * f->s, *ir = iw->p + (size_t)y * iw->s;
        const float *vr = valid->p + (size_t)y * valid->s;
        const float *fm = fmask->p ? fmask->p + (size_t)y * fmask->s : NULL;
        const float *wm = use_wmask ? wmask->p + (size_t)y * wmask->s : NULL;
        for (int x = 0; x < f->w; x++) {
            if (!on(fm, x))
                continue;
            nall += 1;
            if (!(vr[x] > 0.5f) || !on(wm, x))
                continue;
            double F = fr[x], I = ir[x];
            n += 1, sF += F, sI += I, sFF += F * F, sII += I * I, sFI += F * I;
        }
    }
    *overlap = nall > 0 ? n / nall : 0;
    *ncc = 0, *residual = 0;
    if (n < 2)
        return;
    double vF = sFF / n - (sF / n) * (sF / n), vI = sII / n - (sI / n) * (sI / n);
    double cFI = sFI / n - (sF / n) * (sI / n);
    if (vF > 1e-20 && vI > 1e-20) {
        *ncc = cFI / sqrt(vF * vI);
        *residual = sqrt(fmax(vF * (1.0 - *ncc * *ncc), 0.0));
    } else {
        *residual = sqrt(fmax(vF, 0.0));
    }
}

/* Band-pass (difference of Gaussians, sigma 1 and 3) NCC inside the overlap
 * shrunk by the filter's reach. Planes a, b are overwritten. */
static int structure_ncc(plane_t *a, plane_t *b, plane_t *t1, plane_t *t2, const plane_t *fmask,
                         const plane_t *valid, const plane_t *wmask, int use_wmask,
                         sk_gauss_ws *gws, double *out)
{
    const int w = a->w, h = a->h;
    /* Region indicator into t1, then fill outside it with the mean so the
     * filters see no step at the overlap's border. */
    double sa = 0, sb = 0, n = 0;
    for (int y = 0; y < h; y++) {
        const float *vr = valid->p + (size_t)y * valid->s;
        const float *fm = fmask->p ? fmask->p + (size_t)y * fmask->s : NULL;
        const float *wm = use_wmask ? wmask->p + (size_t)y * wmask->s : NULL;
        float *r = t1->p + (size_t)y * t1->s;
        for (int x = 0; x < w; x++) {
            int in = vr[x] > 0.5f && on(fm, x) && on(wm, x);
            r[x] = in ? 1.0f : 0.0f;
            if (in)
                sa += a->p[(size_t)y * a->s + x], sb += b->p[(size_t)y * b->s + x], n += 1;
        }
    }
    *out = 0;
    if (n < 64)
        return SK_OK;
    sa /= n, sb /= n;
    for (int y = 0; y < h; y++) {
        const float *r = t1->p + (size_t)y * t1->s;
        float *ar = a->p + (size_t)y * a->s, *br = b->p + (size_t)y * b->s;
        for (int x = 0; x < w; x++)
            if (!(r[x] > 0.5f))
                ar[x] = (float)sa, br[x] = (float)sb;
    }
    int rc = sk_filter_gauss(t1->p, t1->s, t1->p, t1->s, w, h, 3.0, 0, 0, gws);
    plane_t *ab[2] = {a, b};
    for (int i = 0; i < 2 && rc == 0; i++) {
        rc = sk_filter_gauss(ab[i]->p, ab[i]->s, t2->p, t2->s, w, h, 3.0, 0, 0, gws);
        if (rc == 0)
            rc = sk_filter_gauss(ab[i]->p, ab[i]->s, ab[i]->p, ab[i]->s, w, h, 1.0, 0, 0, gws);
        for (int y = 0; y < h && rc == 0; y++) {
            float *r = ab[i]->p + (size_t)y * ab[i]->s;
            const float *q = t2->p + (size_t)y * t2->s;
            for (int x = 0; x < w; x++)
                r[x] -= q[x];
        }
    }
    if (rc < 0)
        return rc;
    double m = 0, sA = 0, sB = 0, sAA = 0, sBB = 0, sAB = 0;
    for (int y = 0; y < h; y++) {
        const float *r = t1->p + (size_t)y * t1->s;
        const float *ar = a->p + (size_t)y * a->s, *br = b->p + (size_t)y * b->s;
        for (int x = 0; x < w; x++)
            if (r[x] > 0.995f) {
                double A = ar[x], B = br[x];
                m += 1, sA += A, sB += B, sAA += A * A, sBB += B * B, sAB += A * B;
            }
    }
    if (m < 64)
        return SK_OK;
    double vA = sAA / m - (sA / m) * (sA / m), vB = sBB / m - (sB / m) * (sB / m);
    double cAB = sAB / m - (sA / m) * (sB / m);
    *out = vA > 1e-20 && vB > 1e-20 ? cAB / sqrt(vA * vB) : 0;
    return SK_OK;
}

/* ------------------------------------------------------------- driver */

typedef struct reg_ctx {
    int nlev;
    plane_t img[2][REG_MAX_LEVELS], mask[2][REG_MAX_LEVELS];
    double sx[2], sy[2];
    ecc_t e; /* scratch planes, level-0 sized */
    plane_t t1, t2;
    sk_gauss_ws gws;
    fm_t fm;
} reg_ctx_t;

static void ctx_free(reg_ctx_t *c)
{
    for (int i = 0; i < 2; i++)
        for (int l = 0; l < REG_MAX_LEVELS; l++)
            plane_free(&c->img[i][l]), plane_free(&c->mask[i][l]);
    plane_t *s[] = {&c->e.f,   &c->e.m,     &c->e.gx,    &c->e.gy, &c->e.iw, &c->e.wgx,
                    &c->e.wgy, &c->e.valid, &c->e.wmask, &c->t1,   &c->t2};
    for (size_t i = 0; i < sizeof s / sizeof *s; i++)
        plane_free(s[i]);
    sk_gauss_ws_free(&c->gws);
    if (c->fm.N)
        fm_free(&c->fm);
}

/* Point the ECC scratch planes at level l's sizes (strides stay level 0's). */
static void ecc_bind(reg_ctx_t *c, int l)
{
    const plane_t *f = &c->img[0][l], *m = &c->img[1][l];
    plane_t *fs[] = {&c->e.f,     &c->e.iw,    &c->e.wgx, &c->e.wgy,
                     &c->e.valid, &c->e.wmask, &c->t1,    &c->t2};
    for (size_t i = 0; i < sizeof fs / sizeof *fs; i++)
        fs[i]->w = f->w, fs[i]->h = f->h;
    plane_t *ms[] = {&c->e.m, &c->e.gx, &c->e.gy};
    for (size_t i = 0; i < sizeof ms / sizeof *ms; i++)
        ms[i]->w = m->w, ms[i]->h = m->h;
    c->e.fmask = c->mask[0][l];
    c->e.mmask = c->mask[1][l];
}

/* Smooth both level images and differentiate the moving one. */
static int ecc_prepare(reg_ctx_t *c, int l)
{
    ecc_bind(c, l);
    const plane_t *f = &c->img[0][l], *m = &c->img[1][l];
    int rc = sk_filter_gauss(f->p, f->s, c->e.f.p, c->e.f.s, f->w, f->h, REG_SMOOTH_SIGMA, 0, 0,
                             &c->gws);
    if (rc == 0)
        rc = sk_filter_gauss(m->p, m->s, c->e.m.p, c->e.m.s, m->w, m->h, REG_SMOOTH_SIGMA, 0, 0,
                             &c->gws);
    if (rc == 0)
        rc = sk_filter_gauss(m->p, m->s, c->e.gx.p, c->e.gx.s, m->w, m->h, REG_SMOOTH_SIGMA, 1, 0,
                             &c->gws);
    if (rc == 0)
        rc = sk_filter_gauss(m->p, m->s, c->e.gy.p, c->e.gy.s, m->w, m->h, REG_SMOOTH_SIGMA, 0, 1,
                             &c->gws);
    return rc;
}

static int check_opts(const sk_register_opts_t *o)
{
    if (o->model != SK_REG_SIMILARITY && o->model != SK_REG_AFFINE)
        return sk_error_set(SK_ERR_ARG, "registration: unknown model %d", o->model);
    if (!(o->max_rotation_deg >= 0 && o->max_rotation_deg <= 180))
        return sk_error_set(SK_ERR_ARG, "registration: max_rotation_deg must be 0..180");
    if (!(o->min_scale > 0.2 && o->min_scale <= 1 && o->max_scale >= 1 && o->max_scale < 5))
        return sk_error_set(SK_ERR_ARG, "registration: scale range must lie in (0.2, 5) around 1");
    if (o->max_side < 64 || o->max_side > 8192)
        return sk_error_set(SK_ERR_ARG, "registration: max_side must be 64..8192");
    if (o->coarse_side < 64 || o->coarse_side > 1024 || o->coarse_side > o->max_side)
        return sk_error_set(SK_ERR_ARG,
                            "registration: coarse_side must be 64..1024 and <= max_side");
    if (!(o->min_correlation >= -1 && o->min_correlation < 1) ||
        !(o->min_overlap >= 0 && o->min_overlap < 1))
        return sk_error_set(SK_ERR_ARG, "registration: bad acceptance thresholds");
    return SK_OK;
}

static int check_image(const sk_image_t *im, const char *which)
{
    if (!im || !im->data)
        return sk_error_set(SK_ERR_ARG, "registration: NULL %s image", which);
    if (im->width < REG_MIN_SIDE || im->height < REG_MIN_SIDE)
        return sk_error_set(SK_ERR_ARG, "registration: %s image %dx%d is smaller than %d px", which,
                            im->width, im->height, REG_MIN_SIDE);
    if (im->channels != 1 && im->channels < 3)
        return sk_error_set(SK_ERR_ARG, "registration: %s image has %d channels (1 or 3)", which,
                            im->channels);
    return SK_OK;
}

/* Build both pyramids. */
static int build_pyramids(reg_ctx_t *c, const sk_image_t *im[2], const uint8_t *mk[2],
                          const sk_register_opts_t *o)
{
    int big = 0;
    for (int i = 0; i < 2; i++)
        big = im[i]->width > big ? im[i]->width : big,
        big = im[i]->height > big ? im[i]->height : big;
    double f = big > o->max_side ? (double)o->max_side / big : 1.0;
    int w0[2], h0[2], mw = 0, mh = 0;
    for (int i = 0; i < 2; i++) {
        w0[i] = f < 1 ? (int)lround(im[i]->width * f) : im[i]->width;
        h0[i] = f < 1 ? (int)lround(im[i]->height * f) : im[i]->height;
        if (w0[i] < 16)
            w0[i] = 16;
        if (h0[i] < 16)
            h0[i] = 16;
        c->sx[i] = (double)im[i]->width / w0[i];
        c->sy[i] = (double)im[i]->height / h0[i];
        mw = w0[i] > mw ? w0[i] : mw, mh = h0[i] > mh ? h0[i] : mh;
    }
    int rc = SK_OK;
    plane_t tmp = {0};
    void *scratch = NULL;
    rc = plane_alloc(&tmp, mw, mh, 0);
    for (int i = 0; i < 2 && rc == 0; i++) {
        rc = plane_alloc(&c->img[i][0], w0[i], h0[i], 0);
        if (rc < 0)
            break;
        size_t need =
            sk_geom_resize_scratch_size(im[i]->width, im[i]->height, w0[i], h0[i], SK_RESIZE_AREA);
        free(scratch);
        scratch = malloc(need ? need : 1);
        if (!scratch) {
            rc = sk_error_set(SK_ERR_NOMEM, "registration: out of memory");
            break;
        }
        rc = make_luma(im[i], w0[i], h0[i], &c->img[i][0], &tmp, scratch);
        if (rc == 0 && mk[i]) {
            rc = plane_alloc(&c->mask[i][0], w0[i], h0[i], 0);
            if (rc == 0)
                make_mask(mk[i], im[i]->width, im[i]->height, &c->mask[i][0]);
        }
    }
    free(scratch);
    plane_free(&tmp);
    if (rc < 0)
        return rc;
    /* Coarser levels until the larger side fits coarse_side. */
    c->nlev = 1;
    while (c->nlev < REG_MAX_LEVELS) {
        int l = c->nlev - 1, side = 0, minside = 1 << 30;
        for (int i = 0; i < 2; i++) {
            side = c->img[i][l].w > side ? c->img[i][l].w : side;
            side = c->img[i][l].h > side ? c->img[i][l].h : side;
            minside = c->img[i][l].w < minside ? c->img[i][l].w : minside;
            minside = c->img[i][l].h < minside ? c->img[i][l].h : minside;
        }
        if (side <= o->coarse_side || minside < 2 * REG_MIN_SIDE)
            break;
        for (int i = 0; i < 2; i++) {
            plane_t *s = &c->img[i][l], *d = &c->img[i][l + 1];
            if ((rc = plane_alloc(d, (s->w + 1) / 2, (s->h + 1) / 2, 0)) < 0)
                return rc;
            sk_geom_downsample2(s->p, s->s, s->w, s->h, d->p, d->s);
            if (c->mask[i][l].p) {
                plane_t *sm = &c->mask[i][l], *dm = &c->mask[i][l + 1];
                if ((rc = plane_alloc(dm, d->w, d->h, 0)) < 0)
                    return rc;
                sk_geom_downsample2(sm->p, sm->s, sm->w, sm->h, dm->p, dm->s);
                threshold_mask(dm);
            }
        }
        c->nlev++;
    }
    /* ECC scratch sized for level 0. */
    const plane_t *f0 = &c->img[0][0], *m0 = &c->img[1][0];
    int sw = f0->w > m0->w ? f0->w : m0->w, sh = f0->h > m0->h ? f0->h : m0->h;
    size_t fs = sk_stride_for_width(f0->w), ms = sk_stride_for_width(m0->w);
    plane_t *fp[] = {&c->e.f, &c->e.iw, &c->e.wgx, &c->e.wgy, &c->e.valid, &c->t1, &c->t2};
    for (size_t i = 0; i < sizeof fp / sizeof *fp && rc == 0; i++)
        rc = plane_alloc(fp[i], f0->w, f0->h, fs);
    if (rc == 0 && c->mask[1][0].p)
        rc = plane_alloc(&c->e.wmask, f0->w, f0->h, fs);
    plane_t *mp[] = {&c->e.m, &c->e.gx, &c->e.gy};
    for (size_t i = 0; i < sizeof mp / sizeof *mp && rc == 0; i++)
        rc = plane_alloc(mp[i], m0->w, m0->h, ms);
    if (rc == 0)
        rc = sk_gauss_ws_init(&c->gws, sw, sh);
    return rc;
}

/* Refuse a photo whose (masked) coarse level is flat or nearly empty. */
static int check_contrast(const plane_t *img, const plane_t *mask, const char *which)
{
    double mean, sd, n;
    masked_mean_sd(img, mask, NULL, 0, &mean, &sd, &n);
    if (n < 256)
        return sk_error_set(SK_ERR_QUALITY, "the %s photo's mask leaves too few pixels to register",
                            which);
    if (sd < REG_MIN_SD)
        return sk_error_set(SK_ERR_QUALITY,
                            "the %s photo has no contrast to register (luma SD %.4f < %.4f)", which,
                            sd, REG_MIN_SD);
    return SK_OK;
}

int sk_register(const sk_image_t *fixed, const uint8_t *fixed_mask, const sk_image_t *moving,
                const uint8_t *moving_mask, const sk_register_opts_t *opts,
                sk_register_result_t *out)
{
    sk_register_opts_t o;
    if (opts)
        o = *opts;
    else
        sk_register_opts_default(&o);
    if (!out)
        return sk_error_set(SK_ERR_ARG, "registration: NULL result");
    int rc = check_opts(&o);
    if (rc == 0)
        rc = check_image(fixed, "fixed");
    if (rc == 0)
        rc = check_image(moving, "moving");
    if (rc < 0)
        return rc;
    memset(out, 0, sizeof *out);

    reg_ctx_t *c = calloc(1, sizeof *c);
    if (!c)
        return sk_error_set(SK_ERR_NOMEM, "registration: out of memory");
    const sk_image_t *im[2] = {fixed, moving};
    const uint8_t *mk[2] = {fixed_mask, moving_mask};
    if ((rc = build_pyramids(c, im, mk, &o)) < 0)
        goto fail;
    const int top = c->nlev - 1;
    if ((rc = check_contrast(&c->img[0][top], &c->mask[0][top], "baseline")) < 0 ||
        (rc = check_contrast(&c->img[1][top], &c->mask[1][top], "follow-up")) < 0)
        goto fail;

    /* ---- global candidates at the coarse level */
    int side = 0;
    for (int i = 0; i < 2; i++) {
        side = c->img[i][top].w > side ? c->img[i][top].w : side;
        side = c->img[i][top].h > side ? c->img[i][top].h : side;
    }
    int N = 64;
    while (N < side)
        N *= 2;
    if ((rc = fm_init(&c->fm, N)) < 0)
        goto fail;
    ecc_bind(c, top);
    cand_t cand[(REG_CANDIDATES + 1) * 2 * REG_SHIFT_PEAKS];
    int ncand =
        fm_candidates(&c->fm, &c->img[0][top], &c->mask[0][top], &c->img[1][top], &c->mask[1][top],
                      &c->t1, &c->t2, &c->e.wmask, &o, cand, (int)(sizeof cand / sizeof *cand));
    fm_free(&c->fm);

    /* ---- pick the candidate ECC likes best, then refine level by level */
    if ((rc = ecc_prepare(c, top)) < 0)
        goto fail;
    int iters = 0, best = -1;
    double best_rho = -2, W[6];
    for (int i = 0; i < ncand; i++) {
        double Wi[6], rho;
        memcpy(Wi, cand[i].W, sizeof Wi);
        if (ecc_run(&c->e, 0, Wi, 12, 0.02, &rho, &iters) == 0 && rho > best_rho) {
            best_rho = rho, best = i;
            memcpy(W, Wi, sizeof W);
        }
    }
    if (best < 0) {
        rc = sk_error_set(SK_ERR_QUALITY,
                          "photos do not show the same region (no starting point converged)");
        goto fail;
    }
    for (int l = top; l >= 0; l--) {
        if (l != top) {
            w_to_finer(W);
            if ((rc = ecc_prepare(c, l)) < 0)
                goto fail;
        }
        int affine = o.model == SK_REG_AFFINE && l <= 1;
        double rho;
        if (ecc_run(&c->e, affine, W, l == 0 ? 25 : 40, l == 0 ? 0.005 : 0.01, &rho, &iters) < 0) {
            rc = sk_error_set(SK_ERR_QUALITY,
                              "photos do not show the same region (alignment diverged at level %d)",
                              l);
            goto fail;
        }
    }
    out->iterations = iters;

    /* ---- figures */
    {
        const plane_t *f0 = &c->img[0][0];
        out->work_width = f0->w, out->work_height = f0->h;
        ecc_bind(c, 0);
        warp_plane(&c->img[1][0], &c->e.iw, f0->w, f0->h, W, c->e.valid.p, c->e.valid.s);
        int use_wm = c->mask[1][0].p != NULL;
        if (use_wm)
            warp_plane(&c->mask[1][0], &c->e.wmask, f0->w, f0->h, W, NULL, 0);
        overlap_stats(f0, &c->mask[0][0], &c->e.iw, &c->e.valid, &c->e.wmask, use_wm,
                      &out->correlation, &out->residual, &out->overlap_fraction);
        /* structure NCC at the first level whose side is <= REG_STRUCT_SIDE */
        int ls = 0;
        double Ws[6];
        memcpy(Ws, W, sizeof Ws);
        while (ls < top && (c->img[0][ls].w > REG_STRUCT_SIDE || c->img[0][ls].h > REG_STRUCT_SIDE))
            ls++, w_to_coarser(Ws);
        ecc_bind(c, ls);
        const plane_t *fl = &c->img[0][ls];
        warp_plane(&c->img[1][ls], &c->e.iw, fl->w, fl->h, Ws, c->e.valid.p, c->e.valid.s);
        if (use_wm)
            warp_plane(&c->mask[1][ls], &c->e.wmask, fl->w, fl->h, Ws, NULL, 0);
        plane_t a = c->e.f; /* scratch copy of the fixed level */
        for (int y = 0; y < fl->h; y++)
            memcpy(a.p + (size_t)y * a.s, fl->p + (size_t)y * fl->s, (size_t)fl->w * sizeof(float));
        if ((rc = structure_ncc(&a, &c->e.iw, &c->t1, &c->t2, &c->mask[0][ls], &c->e.valid,
                                &c->e.wmask, use_wm, &c->gws, &out->structure_correlation)) < 0)
            goto fail;
    }

    /* ---- back to full resolution: M = A_f W0^-1 A_m^-1 */
    {
        double Af[6], Am[6], Ami[6], M0[6], t[6];
        scale_map(c->sx[0], c->sy[0], Af);
        scale_map(c->sx[1], c->sy[1], Am);
        sk_geom_affine_invert(Am, Ami);
        if (sk_geom_affine_invert(W, M0) < 0) {
            rc = sk_error_set(SK_ERR_QUALITY,
                              "photos do not show the same region (degenerate transform)");
            goto fail;
        }
        sk_geom_affine_compose(M0, Ami, t);
        sk_geom_affine_compose(Af, t, out->M);
        out->scale = affine_scale(out->M);
        out->rotation_deg = affine_rotation_deg(out->M);
        double cx = 0.5 * (moving->width - 1), cy = 0.5 * (moving->height - 1), X, Y;
        sk_geom_affine_apply(out->M, cx, cy, &X, &Y);
        out->tx = X - cx, out->ty = Y - cy;
    }

    /* ---- acceptance */
    if (!(out->structure_correlation >= o.min_correlation)) {
        rc = sk_error_set(SK_ERR_QUALITY,
                          "photos do not show the same region (structure correlation %.2f < %.2f)",
                          out->structure_correlation, o.min_correlation);
        goto fail;
    }
    if (!(out->overlap_fraction >= o.min_overlap)) {
        rc = sk_error_set(SK_ERR_QUALITY, "photos overlap too little (%.0f %% < %.0f %%)",
                          100.0 * out->overlap_fraction, 100.0 * o.min_overlap);
        goto fail;
    }
    if (fabs(out->rotation_deg) > o.max_rotation_deg + 1.0 || out->scale < o.min_scale / 1.02 ||
        out->scale > o.max_scale * 1.02) {
        rc = sk_error_set(SK_ERR_QUALITY,
                          "photos do not show the same region (best match: rotation %.1f deg, "
                          "scale %.2f, outside the search range)",
                          out->rotation_deg, out->scale);
        goto fail;
    }
    ctx_free(c);
    free(c);
    return SK_OK;
fail:
    ctx_free(c);
    free(c);
    return rc;
}

int sk_register_warp(const sk_image_t *moving, const sk_register_result_t *r, int out_w, int out_h,
                     sk_image_t **out, uint8_t **valid)
{
    if (!moving || !moving->data || !r || !out)
        return sk_error_set(SK_ERR_ARG, "register warp: NULL argument");
    if (out_w < 1 || out_h < 1)
        return sk_error_set(SK_ERR_ARG, "register warp: bad output size %dx%d", out_w, out_h);
    double Mi[6];
    if (sk_geom_affine_invert(r->M, Mi) < 0)
        return sk_error_set(SK_ERR_ARG, "register warp: singular transform");
    sk_image_t *img = NULL;
    float *vf = NULL;
    uint8_t *vb = NULL;
    int rc = sk_image_new(out_w, out_h, moving->channels, &img);
    if (rc < 0)
        return rc;
    size_t vs = sk_stride_for_width(out_w);
    if (valid) {
        vf = sk_alloc_floats(vs * (size_t)out_h);
        vb = malloc((size_t)out_w * out_h);
        if (!vf || !vb) {
            rc = sk_error_set(SK_ERR_NOMEM, "register warp: out of memory");
            goto fail;
        }
    }
    sk_warp_params wp = {SK_INTERP_BILINEAR, 0.0f, 0.0};
    for (int ch = 0; ch < moving->channels; ch++) {
        rc = sk_geom_warp_affine(sk_image_plane(moving, ch), moving->stride, moving->width,
                                 moving->height, sk_image_plane(img, ch), img->stride, out_w, out_h,
                                 Mi, &wp, ch == 0 ? vf : NULL, vs);
        if (rc < 0)
            goto fail;
    }
    if (valid) {
        for (int y = 0; y < out_h; y++)
            for (int x = 0; x < out_w; x++)
                vb[(size_t)y * out_w + x] = vf[(size_t)y * vs + x] > 0.5f;
        sk_free(vf);
        *valid = vb;
    }
    *out = img;
    return SK_OK;
fail:
    sk_image_free(img);
    sk_free(vf);
    free(vb);
    return rc;
}
