/* The planted skin: parameters, tone, and the feature list in mm. */
#include <stdlib.h>
#include <string.h>

#include "pphantom.h"

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
    p->relief = 1.0;
    p->scale = 1.0;
    p->wb_r = 1.0;
    p->wb_b = 1.0;
}

void sk_phantom_perturb(sk_phantom_params *p, uint64_t seed)
{
    ph_rng r = ph_stream(seed, 0x5E4C);
    p->shift_x_mm = ph_range(&r, -1, 1);
    p->shift_y_mm = ph_range(&r, -1, 1);
    p->rotation_deg = ph_range(&r, -3, 3);
    p->scale = ph_range(&r, 0.95, 1.05);
    p->exposure_ev = ph_range(&r, -0.3, 0.3);
    p->wb_r = ph_range(&r, 0.94, 1.06);
    p->wb_b = ph_range(&r, 0.94, 1.06);
    p->noise = ph_range(&r, 0.004, 0.012);
    p->noise_seed = ph_next(&r);
    p->jpeg_quality = 80 + (int)(ph_uni(&r) * 16);
}

/* Base albedo from ITA°. b* rises from about 13 (very light) to 19 (dark)
 * and a* from 9 to 11.5, as in published colorimetry of human skin (Chardon
 * et al. 1991; Del Bino and Bernerd 2013); L* then follows from the
 * definition ITA = atan((L* - 50) / b*). */
void ph_tone(double ita_deg, double *L, double *a, double *b)
{
    double it = fmin(fmax(ita_deg, -60.0), 75.0);
    double bb = 16.0 - 0.065 * (it - 15.0);
    double LL = 50.0 + bb * tan(it * M_PI / 180.0);
    LL = fmin(fmax(LL, 20.0), 85.0);
    *L = LL;
    *a = 9.0 + 0.03 * (55.0 - fmin(it, 55.0));
    *b = bb;
}

void ph_camera_init(ph_camera *c, const sk_phantom_params *p, int w, int h)
{
    c->c_mm[0] = p->width_mm / 2;
    c->c_mm[1] = p->height_mm / 2;
    c->c_px[0] = w / 2.0;
    c->c_px[1] = h / 2.0;
    c->k = p->scale / p->mm_per_px;
    c->cth = cos(p->rotation_deg * M_PI / 180);
    c->sth = sin(p->rotation_deg * M_PI / 180);
    c->sx = p->shift_x_mm;
    c->sy = p->shift_y_mm;
}

double ph_blob_radius(const ph_blob *b, double th)
{
    double a = th - b->angle;
    double e = b->r0 / sqrt(b->elong), f = b->r0 * sqrt(b->elong);
    double ca = cos(a), sa = sin(a);
    double rr = (e * f) / sqrt(f * f * ca * ca + e * e * sa * sa);
    double k = 1 + b->wiggle * ph_noise(2.2 * cos(th), 2.2 * sin(th), b->nseed);
    for (int i = 0; i < PH_HARM; i++)
        k += b->harm[i] * cos((i + 2) * th + b->phase[i]);
    return rr * k;
}

double ph_blob_rmax(const ph_blob *b)
{
    double s = 0;
    for (int i = 0; i < PH_HARM; i++)
        s += fabs(b->harm[i]);
    return b->r0 * sqrt(b->elong) * (1 + s + b->wiggle);
}

/* Area inside the boundary: (1/2) ∮ r(θ)² dθ; the integrand is a
 * trigonometric polynomial of low order (times a smooth ellipse term), so
 * 1440 samples give it to machine precision. */
static double blob_area(const ph_blob *b)
{
    double a = 0;
    for (int i = 0; i < 1440; i++) {
        double r = ph_blob_radius(b, 2 * M_PI * i / 1440.0);
        a += r * r;
    }
    return a * M_PI / 1440.0;
}

/* Random blob of equivalent radius r0 with boundary roughness `rough`. */
static void blob_shape(ph_rng *r, ph_blob *b, double r0, double elong_max, double rough)
{
    b->r0 = r0;
    b->elong = ph_range(r, 1.0, elong_max);
    b->angle = ph_range(r, 0, M_PI);
    b->wiggle = 0.5 * rough;
    b->nseed = ph_next(r);
    for (int k = 0; k < PH_HARM; k++) {
        b->harm[k] = ph_range(r, -1, 1) * 0.6 * rough / (1.0 + 0.8 * k);
        b->phase[k] = ph_range(r, 0, 2 * M_PI);
    }
}

typedef struct {
    double x, y, r;
} disc_t;

static int clear_of(const disc_t *d, int n, double x, double y, double r, double gap)
{
    for (int i = 0; i < n; i++)
        if (hypot(d[i].x - x, d[i].y - y) < d[i].r + r + gap)
            return 0;
    return 1;
}

typedef struct {
    double u;
    int i;
} rank_t;

static int by_u(const void *a, const void *b)
{
    const rank_t *x = a, *y = b;
    return x->u < y->u ? -1 : x->u > y->u ? 1 : x->i - y->i;
}

static int make_pores(const sk_phantom_params *p, ph_skin *sk, double x0, double y0, double x1,
                      double y1)
{
    ph_rng r = ph_stream(p->seed, 1);
    const double area_cm2 = (x1 - x0) * (y1 - y0) / 100.0;
    int target = (int)lround(fmax(0.0, p->pore_density) * area_cm2);
    if (target > 200000)
        return sk_error_set(SK_ERR_ARG, "phantom: %d pores is too many", target);
    sk->pores = calloc(target > 0 ? (size_t)target : 1, sizeof *sk->pores);
    rank_t *rk = calloc(target > 0 ? (size_t)target : 1, sizeof *rk);
    if (!sk->pores || !rk) {
        free(rk);
        return SK_ERR_NOMEM;
    }
    /* Pores are spread more evenly than at random (each sits in its own
     * patch of relief): dart throwing with a minimum spacing of 0.55x the
     * mean spacing, on a grid of buckets for speed. */
    const double spacing = p->pore_density > 0 ? sqrt(100.0 / p->pore_density) : 1.0;
    const double dmin = 0.55 * spacing;
    const int gw = (int)ceil((x1 - x0) / dmin) + 1, gh = (int)ceil((y1 - y0) / dmin) + 1;
    int *grid = malloc((size_t)gw * gh * sizeof *grid);
    if (!grid) {
        free(rk);
        return SK_ERR_NOMEM;
    }
    for (int i = 0; i < gw * gh; i++)
        grid[i] = -1; /* dmin > bucket diagonal / 2 would allow 2 per bucket: see below */
    int n = 0;
    for (long tries = 0; n < target && tries < 60L * target; tries++) {
        double x = ph_range(&r, x0, x1), y = ph_range(&r, y0, y1);
        int gx = (int)((x - x0) / dmin), gy = (int)((y - y0) / dmin);
        int ok = 1;
        for (int j = gy - 1; j <= gy + 1 && ok; j++)
            for (int i = gx - 1; i <= gx + 1 && ok; i++) {
                if (i < 0 || j < 0 || i >= gw || j >= gh || grid[j * gw + i] < 0)
                    continue;
                const ph_pore *q = &sk->pores[grid[j * gw + i]];
                ok = hypot(q->x - x, q->y - y) >= dmin;
            }
        /* a bucket of side dmin holds at most one pore spaced >= dmin
         * apart only approximately; refuse a second one to keep it simple */
        if (!ok || grid[gy * gw + gx] >= 0)
            continue;
        grid[gy * gw + gx] = n;
        ph_pore *q = &sk->pores[n];
        q->x = x;
        q->y = y;
        /* log-normal diameter, median 0.17 mm, resampled into the range */
        do
            q->d = 0.17 * exp(0.32 * ph_gauss(&r));
        while (q->d < SK_PHANTOM_PORE_MIN_MM || q->d > SK_PHANTOM_PORE_MAX_MM);
        q->depth = q->d * ph_range(&r, 0.3, 0.5);
        q->dl = -ph_range(&r, 3.5, 6.0) - 8.0 * (q->d - SK_PHANTOM_PORE_MIN_MM);
        q->db = ph_range(&r, 0.0, 1.0);
        rk[n].u = ph_uni(&r);
        rk[n].i = n;
        n++;
    }
    free(grid);
    sk->n_pores = n;
    /* course of treatment: of the pores inside the reference photo, and
     * separately of the others, the round(f n) of lowest hidden rank close,
     * so the reference count falls by exactly round(f n) */
    sk_phantom_params ref = *p;
    ref.shift_x_mm = ref.shift_y_mm = ref.rotation_deg = 0;
    ref.scale = 1;
    ph_camera cam;
    const int rw = (int)lround(p->width_mm / p->mm_per_px), rh = (int)lround(p->height_mm / p->mm_per_px);
    ph_camera_init(&cam, &ref, rw, rh);
    for (int i = 0; i < n; i++) {
        double u, v, rp = sk->pores[i].d / 2 * cam.k;
        ph_to_px(&cam, sk->pores[i].x, sk->pores[i].y, &u, &v);
        int in = u - rp >= -0.5 && v - rp >= -0.5 && u + rp <= rw - 0.5 && v + rp <= rh - 0.5;
        rk[i].u += in ? 0 : 2.0; /* inside pores rank first, then the others */
    }
    qsort(rk, (size_t)n, sizeof *rk, by_u);
    int n_in = 0;
    while (n_in < n && rk[n_in].u < 2.0)
        n_in++;
    const int close_in = (int)lround(p->improvement * n_in);
    const int close_out = (int)lround(p->improvement * (n - n_in));
    for (int i = 0; i < close_in; i++)
        sk->pores[rk[i].i].closed = 1;
    for (int i = 0; i < close_out; i++)
        sk->pores[rk[n_in + i].i].closed = 1;
    free(rk);
    return SK_OK;
}

static void bezier(const double P[4][2], double t, double *x, double *y)
{
    double a = 1 - t;
    double b0 = a * a * a, b1 = 3 * a * a * t, b2 = 3 * a * t * t, b3 = t * t * t;
    *x = b0 * P[0][0] + b1 * P[1][0] + b2 * P[2][0] + b3 * P[3][0];
    *y = b0 * P[0][1] + b1 * P[1][1] + b2 * P[2][1] + b3 * P[3][1];
}

/* Extension (mm) of the generated line beyond each truth end: room for the
 * taper, whose half-depth point is the truth end. */
#define WR_EXT 1.0
#define WR_DS 0.2

static int make_wrinkle(ph_rng *r, ph_wrinkle *w, double theta, double x0, double y0, double x1,
                        double y1, double f)
{
    double zw = x1 - x0, zh = y1 - y0;
    double len = exp(ph_range(r, log(5.0), log(25.0)));
    double ang = theta + 0.15 * ph_gauss(r) + (ph_uni(r) < 0.15 ? M_PI / 2 : 0);
    double ux = cos(ang), uy = sin(ang), nx = -uy, ny = ux;
    /* the line and its bends must fit in the zone */
    double fit = fmin((zw - 2) / (fabs(ux) + 0.3 * fabs(nx) + 1e-9),
                      (zh - 2) / (fabs(uy) + 0.3 * fabs(ny) + 1e-9));
    len = fmin(len, fit - 2 * WR_EXT);
    if (len < 3)
        len = 3; /* tiny fields: still a line, perhaps partly outside */
    double chord = len + 2 * WR_EXT;
    double hx = (fabs(ux) * chord + 0.3 * fabs(nx) * chord) / 2;
    double hy = (fabs(uy) * chord + 0.3 * fabs(ny) * chord) / 2;
    double cx = ph_range(r, x0 + fmin(hx, zw / 2), x1 - fmin(hx, zw / 2));
    double cy = ph_range(r, y0 + fmin(hy, zh / 2), y1 - fmin(hy, zh / 2));
    double b1 = ph_range(r, -0.15, 0.15) * chord, b2 = ph_range(r, -0.15, 0.15) * chord;
    double P[4][2];
    for (int k = 0; k < 4; k++) {
        double t = k / 3.0 - 0.5, off = k == 1 ? b1 : k == 2 ? b2 : 0;
        P[k][0] = cx + ux * chord * t + nx * off;
        P[k][1] = cy + uy * chord * t + ny * off;
    }
    double mam = ph_range(r, 0.04, 0.15), mlam = ph_range(r, 2.5, 6.0), mph = ph_range(r, 0, 6.3);
    /* dense samples of the bent curve with a small meander along its
     * normal, then resampling at equal arc length */
    enum { NS = 4000 };
    double *dx = malloc(sizeof(double) * 3 * (NS + 1));
    if (!dx)
        return SK_ERR_NOMEM;
    double *dy = dx + NS + 1, *cs = dy + NS + 1;
    for (int i = 0; i <= NS; i++) {
        double t = (double)i / NS, bx, by, ax, ay;
        bezier(P, t, &bx, &by);
        bezier(P, fmin(1.0, t + 1e-4), &ax, &ay);
        if (t + 1e-4 > 1.0)
            bezier(P, t - 1e-4, &ax, &ay), ax = 2 * bx - ax, ay = 2 * by - ay;
        double tx = ax - bx, ty = ay - by, tl = hypot(tx, ty);
        double m = mam * sin(2 * M_PI * t * chord / mlam + mph);
        dx[i] = bx - ty / tl * m;
        dy[i] = by + tx / tl * m;
        cs[i] = i ? cs[i - 1] + hypot(dx[i] - dx[i - 1], dy[i] - dy[i - 1]) : 0;
    }
    double total = cs[NS];
    int n = (int)floor(total / WR_DS) + 1;
    w->pt = calloc((size_t)n, sizeof *w->pt);
    if (!w->pt) {
        free(dx);
        return SK_ERR_NOMEM;
    }
    int j = 0;
    for (int k = 0; k < n; k++) {
        double s = k * WR_DS;
        while (j < NS - 1 && cs[j + 1] < s)
            j++;
        double a = (s - cs[j]) / fmax(cs[j + 1] - cs[j], 1e-15);
        w->pt[k].x = dx[j] + a * (dx[j + 1] - dx[j]);
        w->pt[k].y = dy[j] + a * (dy[j + 1] - dy[j]);
    }
    free(dx);
    w->n = n;
    w->ds = WR_DS;
    /* truth length at f = 0: the resampled line less its two extensions */
    double L0 = (n - 1) * WR_DS - 2 * WR_EXT;
    w->ext = WR_EXT;
    w->len0 = L0;
    w->s0 = WR_EXT + 0.5 * f * L0;
    w->s1 = WR_EXT + L0 - 0.5 * f * L0;
    w->width = fmin(1.0, ph_range(r, 0.2, 0.45) + 0.022 * L0);
    w->depth = w->width * ph_range(r, 0.12, 0.25);
    w->dl = -ph_range(r, 2.0, 4.0);
    return SK_OK;
}

void ph_skin_free(ph_skin *sk)
{
    free(sk->pores);
    for (int i = 0; i < sk->n_wr; i++)
        free(sk->wr[i].pt);
    free(sk->wr);
    free(sk->sp);
    free(sk->rd);
    free(sk->sc);
    memset(sk, 0, sizeof *sk);
}

int ph_skin_make(const sk_phantom_params *p, ph_skin *sk)
{
    memset(sk, 0, sizeof *sk);
    ph_tone(p->ita_deg, &sk->L0, &sk->a0, &sk->b0);
    ph_rng rs = ph_stream(p->seed, 0);
    sk->relief_angle = ph_range(&rs, 0, M_PI);
    const double theta = ph_range(&rs, -0.5, 0.5); /* main direction of the lines */
    if (p->featureless)
        return SK_OK;
    const double m = 3.0; /* features stay clear of the field's edges */
    const double x0 = m, x1 = p->width_mm - m, y0 = m, y1 = p->height_mm - m;
    const double f = p->improvement;
    if (x1 - x0 < 4 || y1 - y0 < 4)
        return sk_error_set(SK_ERR_ARG, "phantom: field %g x %g mm is too small for features",
                            p->width_mm, p->height_mm);
    if (p->n_wrinkles < 0 || p->n_spots < 0 || p->n_redness < 0 || p->n_scars < 0 ||
        p->n_wrinkles > 500 || p->n_spots > 500 || p->n_redness > 100 || p->n_scars > 500)
        return sk_error_set(SK_ERR_ARG, "phantom: feature counts out of range");
    /* pores cover the whole skin, a little beyond the reference field, so
     * their density in a photo does not depend on its framing */
    int rc = make_pores(p, sk, -3.0, -3.0, p->width_mm + 3.0, p->height_mm + 3.0);
    if (rc < 0)
        return rc;
    const double zmin = fmin(x1 - x0, y1 - y0);

    /* wrinkles */
    ph_rng r = ph_stream(p->seed, 2);
    sk->wr = calloc((size_t)p->n_wrinkles + 1, sizeof *sk->wr);
    if (!sk->wr)
        return SK_ERR_NOMEM;
    for (int i = 0; i < p->n_wrinkles; i++) {
        if ((rc = make_wrinkle(&r, &sk->wr[i], theta, x0, y0, x1, y1, f)) < 0)
            return rc;
        sk->n_wr++;
    }

    /* pigmented spots and scars share one list of occupied discs, so each
     * stays a separate object with an exact area */
    disc_t *occ = calloc((size_t)(p->n_spots + p->n_scars) + 1, sizeof *occ);
    sk->sp = calloc((size_t)p->n_spots + 1, sizeof *sk->sp);
    sk->sc = calloc((size_t)p->n_scars + 1, sizeof *sk->sc);
    sk->rd = calloc((size_t)p->n_redness + 1, sizeof *sk->rd);
    disc_t *rocc = calloc((size_t)p->n_redness + 1, sizeof *rocc);
    if (!occ || !sk->sp || !sk->sc || !sk->rd || !rocc) {
        free(occ);
        free(rocc);
        return SK_ERR_NOMEM;
    }
    int nocc = 0;
    r = ph_stream(p->seed, 3);
    for (int i = 0; i < p->n_spots; i++) {
        ph_blob *s = &sk->sp[sk->n_sp];
        double dia = exp(ph_range(&r, log(1.2), log(5.0)));
        dia = fmin(dia, 0.4 * zmin);
        blob_shape(&r, s, dia / 2, 1.6, 0.3);
        s->edge = ph_range(&r, 0.15, 0.4);
        s->dl = -ph_range(&r, 6, 16);
        s->db = ph_range(&r, 2.5, 6);
        s->da = ph_range(&r, 0.5, 2.0);
        double rm = ph_blob_rmax(s) + s->edge;
        int placed = 0;
        for (int t = 0; t < 300 && !placed; t++) {
            s->x = ph_range(&r, x0 + rm, x1 - rm);
            s->y = ph_range(&r, y0 + rm, y1 - rm);
            placed = clear_of(occ, nocc, s->x, s->y, rm, 0.5);
        }
        if (!placed)
            continue; /* no room: the truth lists what was planted */
        occ[nocc++] = (disc_t){s->x, s->y, rm};
        /* course of treatment: the same outline, area x (1 - f) */
        s->r0 *= sqrt(1.0 - f);
        s->area = blob_area(s);
        sk->n_sp++;
    }
    r = ph_stream(p->seed, 5);
    for (int i = 0; i < p->n_scars; i++) {
        ph_scar *c = &sk->sc[sk->n_sc];
        double u = ph_uni(&r);
        if (u < 0.3) {
            c->type = SK_PH_SCAR_ICEPICK;
            c->r = ph_range(&r, 0.5, 0.8);
            c->depth = ph_range(&r, 0.15, 0.3);
        } else if (u < 0.7) {
            c->type = SK_PH_SCAR_BOXCAR;
            c->r = ph_range(&r, 0.75, 2.0);
            c->depth = ph_range(&r, 0.1, 0.25);
        } else {
            c->type = SK_PH_SCAR_ROLLING;
            c->r = ph_range(&r, 1.25, 2.5);
            c->depth = ph_range(&r, 0.08, 0.18);
        }
        c->r = fmin(c->r, 0.2 * zmin);
        c->edge = ph_range(&r, 0.25, 0.45);
        double rm = c->type == SK_PH_SCAR_ROLLING ? 2.0 * c->r
                    : c->type == SK_PH_SCAR_ICEPICK ? 1.7 * c->r
                                                    : c->r + c->edge;
        int placed = 0;
        for (int t = 0; t < 300 && !placed; t++) {
            c->x = ph_range(&r, x0 + rm, x1 - rm);
            c->y = ph_range(&r, y0 + rm, y1 - rm);
            placed = clear_of(occ, nocc, c->x, c->y, rm, 0.8);
        }
        if (!placed)
            continue;
        occ[nocc++] = (disc_t){c->x, c->y, rm};
        c->depth *= 1.0 - f; /* course of treatment: depth x (1 - f) */
        sk->n_sc++;
    }
    r = ph_stream(p->seed, 4);
    int nr = 0;
    for (int i = 0; i < p->n_redness; i++) {
        ph_blob *d = &sk->rd[sk->n_rd];
        double dia = fmin(ph_range(&r, 4.0, 10.0), 0.6 * zmin);
        blob_shape(&r, d, dia / 2, 1.4, 0.12);
        d->edge = ph_range(&r, 0.5, 1.0);
        d->da = ph_range(&r, 5, 9);
        d->dl = -1.0;
        d->db = 0.5;
        double rm = ph_blob_rmax(d) + d->edge;
        int placed = 0;
        for (int t = 0; t < 300 && !placed; t++) {
            d->x = ph_range(&r, x0 + fmin(rm, (x1 - x0) / 2), x1 - fmin(rm, (x1 - x0) / 2));
            d->y = ph_range(&r, y0 + fmin(rm, (y1 - y0) / 2), y1 - fmin(rm, (y1 - y0) / 2));
            placed = clear_of(rocc, nr, d->x, d->y, rm, 0.5);
        }
        if (!placed)
            continue;
        rocc[nr++] = (disc_t){d->x, d->y, rm};
        d->r0 *= sqrt(1.0 - f); /* area x (1 - f) */
        d->area = blob_area(d);
        sk->n_rd++;
    }
    free(occ);
    free(rocc);
    return SK_OK;
}
