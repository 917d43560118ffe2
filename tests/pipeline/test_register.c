/* Registration of a follow-up photo to its baseline: known similarity
 * transforms recovered on synthetic texture and on the real faces (with an
 * exposure and white-balance change on the moving photo), the phantom's
 * "same skin re-captured" perturbation, and clear refusals when the photos
 * do not show the same region. Accuracy: RMS displacement between the
 * estimated and the true transform over a grid of points inside the overlap,
 * in full-resolution pixels. */
#include <criterion/criterion.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sk_phantom.h"
#include "sk_register.h"
#include "skintrack.h"
#include "testutil.h"

#define FACES SK_SHARED_DATA_DIR "/faces/"

static void setup(void)
{
    cr_assert_eq(sk_pipeline_init("test_register"), SK_OK);
}

TestSuite(register, .init = setup, .timeout = 120);

/* ---------------------------------------------------------- helpers */

static double srgb_to_lin(double v)
{
    return v <= 0.04045 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4);
}

static double lin_to_srgb(double v)
{
    v = v < 0 ? 0 : v > 1 ? 1 : v;
    return v <= 0.0031308 ? 12.92 * v : 1.055 * pow(v, 1.0 / 2.4) - 0.055;
}

/* Exposure (EV) and white-balance gains of R and B, applied to linear values
 * in place; a 4096-entry table per channel keeps it quick. */
static void photometric(sk_image_t *img, double ev, double gain_r, double gain_b)
{
    for (int c = 0; c < img->channels && c < 3; c++) {
        double g = pow(2.0, ev) * (c == 0 ? gain_r : c == 2 ? gain_b : 1.0);
        static float lut[4097];
        for (int i = 0; i <= 4096; i++)
            lut[i] = (float)lin_to_srgb(srgb_to_lin(i / 4096.0) * g);
        float *p = sk_image_plane(img, c);
        for (int y = 0; y < img->height; y++)
            for (int x = 0; x < img->width; x++) {
                float v = p[(size_t)y * img->stride + x];
                v = v < 0 ? 0 : v > 1 ? 1 : v;
                float t = v * 4096.0f;
                int i = (int)t;
                if (i >= 4096)
                    i = 4095;
                float f = t - i;
                p[(size_t)y * img->stride + x] = lut[i] + f * (lut[i + 1] - lut[i]);
            }
    }
}

/* moving(x) = fixed(Mt x): Mt maps moving pixels to fixed pixels, which is
 * what the registration should return. Outside the fixed photo the scene
 * goes on as a flat backdrop: the mean of the fixed photo's outer ring (a
 * real photo has no artificial edge where the baseline's frame ends). */
static sk_image_t *make_moving(const sk_image_t *fixed, const double Mt[6], int w, int h)
{
    sk_image_t *out = NULL;
    cr_assert_eq(sk_image_new(w, h, fixed->channels, &out), SK_OK);
    for (int c = 0; c < fixed->channels; c++) {
        const float *p = sk_image_plane(fixed, c);
        double s = 0;
        int n = 0;
        for (int y = 0; y < fixed->height; y++)
            for (int x = 0; x < fixed->width; x++)
                if (x < 8 || y < 8 || x >= fixed->width - 8 || y >= fixed->height - 8)
                    s += p[(size_t)y * fixed->stride + x], n++;
        sk_warp_params wp = {SK_INTERP_BICUBIC, (float)(s / n), 0.0};
        cr_assert_eq(sk_geom_warp_affine(sk_image_plane(fixed, c), fixed->stride, fixed->width,
                                         fixed->height, sk_image_plane(out, c), out->stride, w, h,
                                         Mt, &wp, NULL, 0),
                     SK_OK);
    }
    return out;
}

/* RMS distance between M and Mt over a 21 x 21 grid of moving-photo points
 * whose true position lies inside the fixed photo (full-resolution px). */
static double grid_rms(const double M[6], const double Mt[6], int mw, int mh, int fw, int fh)
{
    double s = 0;
    int n = 0;
    for (int j = 0; j <= 20; j++)
        for (int i = 0; i <= 20; i++) {
            double x = i * (mw - 1) / 20.0, y = j * (mh - 1) / 20.0, xt, yt, xe, ye;
            sk_geom_affine_apply(Mt, x, y, &xt, &yt);
            if (xt < 0 || yt < 0 || xt > fw - 1 || yt > fh - 1)
                continue;
            sk_geom_affine_apply(M, x, y, &xe, &ye);
            s += (xe - xt) * (xe - xt) + (ye - yt) * (ye - yt);
            n++;
        }
    cr_assert_gt(n, 20, "too few grid points in the overlap");
    return sqrt(s / n);
}

/* Seeded synthetic texture: band-limited noise at two scales, soft blobs and
 * a few dark lines, slightly coloured; values about 0.2..0.8. */
static sk_image_t *make_texture(int w, int h, uint64_t seed)
{
    sk_test_rng rng;
    sk_test_rng_init(&rng, seed);
    sk_image_t *img = NULL;
    float *a = NULL, *b = NULL;
    cr_assert_eq(sk_image_new(w, h, 3, &img), SK_OK);
    size_t s = img->stride;
    a = sk_alloc_floats(s * h), b = sk_alloc_floats(s * h);
    cr_assert(a && b);
    sk_gauss_ws ws = {0};
    cr_assert_eq(sk_gauss_ws_init(&ws, w, h), SK_OK);
    float *lum = sk_image_plane(img, 1);
    for (size_t i = 0; i < s * h; i++)
        lum[i] = 0.5f;
    const double sig[2] = {1.5, 7.0}, amp[2] = {0.06, 0.10};
    for (int k = 0; k < 2; k++) {
        sk_test_fill_uniform(a, s, w, h, -1.0f, 1.0f, &rng);
        cr_assert_eq(sk_filter_gauss(a, s, b, s, w, h, sig[k], 0, 0, &ws), SK_OK);
        double ss = 0;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                ss += (double)b[y * s + x] * b[y * s + x];
        float g = (float)(amp[k] / sqrt(ss / ((double)w * h)));
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                lum[y * s + x] += g * b[y * s + x];
    }
    for (int k = 0; k < 14; k++) {
        double cx = sk_test_rng_uniform(&rng) * w, cy = sk_test_rng_uniform(&rng) * h;
        double r = 8 + 40 * sk_test_rng_uniform(&rng), d = (sk_test_rng_uniform(&rng) - 0.5) * 0.4;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                double q = ((x - cx) * (x - cx) + (y - cy) * (y - cy)) / (r * r);
                if (q < 9)
                    lum[y * s + x] += (float)(d * exp(-q));
            }
    }
    for (int k = 0; k < 6; k++) {
        double x0 = sk_test_rng_uniform(&rng) * w, y0 = sk_test_rng_uniform(&rng) * h;
        double ang = sk_test_rng_uniform(&rng) * M_PI,
               len = 0.2 * w + 0.3 * w * sk_test_rng_uniform(&rng);
        double ux = cos(ang), uy = sin(ang);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                double t = (x - x0) * ux + (y - y0) * uy, dn = -(x - x0) * uy + (y - y0) * ux;
                if (t > 0 && t < len && fabs(dn) < 4)
                    lum[y * s + x] -= (float)(0.15 * exp(-dn * dn / 2.0));
            }
    }
    float *r = sk_image_plane(img, 0), *bl = sk_image_plane(img, 2);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            float v = lum[y * s + x];
            v = v < 0.02f ? 0.02f : v > 0.98f ? 0.98f : v;
            lum[y * s + x] = v;
            r[y * s + x] = fminf(1.0f, v * 1.08f);
            bl[y * s + x] = v * 0.85f;
        }
    sk_gauss_ws_free(&ws);
    sk_free(a);
    sk_free(b);
    return img;
}

static sk_image_t *load_face(const char *id)
{
    char path[512];
    snprintf(path, sizeof path, FACES "%s_03.jpg", id);
    sk_image_t *img = NULL;
    int rc = sk_load_photo(path, NULL, &img, NULL, NULL);
    cr_assert_eq(rc, SK_OK, "%s: %s", path, sk_error_message());
    return img;
}

typedef struct xf {
    double rot_deg, scale, shift_x, shift_y; /* shift as a fraction of the size */
} xf_t;

/* Register a known similarity of `fixed` (about its centre) and return the
 * grid RMS error. */
static double run_case(const sk_image_t *fixed, xf_t t, double ev, double gr, double gb,
                       const sk_register_opts_t *o, const char *label)
{
    int w = fixed->width, h = fixed->height;
    double Mt[6];
    sk_geom_affine_similarity(t.scale, t.rot_deg * M_PI / 180.0, t.shift_x * w, t.shift_y * h,
                              0.5 * (w - 1), 0.5 * (h - 1), Mt);
    sk_image_t *mv = make_moving(fixed, Mt, w, h);
    photometric(mv, ev, gr, gb);
    sk_register_result_t r;
    int rc = sk_register(fixed, NULL, mv, NULL, o, &r);
    cr_assert_eq(rc, SK_OK, "%s: %s", label, sk_error_message());
    double e = grid_rms(r.M, Mt, w, h, w, h);
    printf("%-12s rot %6.1f scale %5.2f shift %5.2f,%5.2f | est rot %7.3f scale %6.4f | "
           "rms %.3f px  ncc %.3f struct %.3f resid %.4f overlap %.2f iters %d\n",
           label, t.rot_deg, t.scale, t.shift_x, t.shift_y, r.rotation_deg, r.scale, e,
           r.correlation, r.structure_correlation, r.residual, r.overlap_fraction, r.iterations);
    fflush(stdout);
    sk_image_free(mv);
    return e;
}

static const xf_t face_xf[4] = {
    {-10.0, 0.80, 0.15, -0.10},
    {-5.0, 0.90, -0.15, 0.15},
    {3.0, 1.10, 0.10, 0.05},
    {10.0, 1.25, -0.08, -0.15},
};

/* ---------------------------------------------------- synthetic texture */

Test(register, synthetic_similarity)
{
    uint64_t seed = sk_test_seed();
    printf("synthetic texture seed %llu\n", (unsigned long long)seed);
    sk_image_t *f = make_texture(1200, 900, seed);
    const xf_t xs[] = {
        {0, 1, 0, 0},
        {-10, 0.80, 0.15, -0.10},
        {10, 1.25, -0.12, 0.15},
        {7, 0.85, -0.15, -0.15},
        {-4, 1.15, 0.05, 0.12},
        {2.5, 1.0, 0.3, -0.02},
    };
    for (size_t i = 0; i < sizeof xs / sizeof *xs; i++) {
        double e = run_case(f, xs[i], i % 2 ? 0.3 : -0.3, 1.06, 0.94, NULL, "synthetic");
        cr_expect_lt(e, 1.0, "case %zu: RMS %.3f px", i, e);
    }
    sk_image_free(f);
}

Test(register, synthetic_affine_model)
{
    uint64_t seed = sk_test_seed() + 1;
    printf("synthetic texture seed %llu\n", (unsigned long long)seed);
    sk_image_t *f = make_texture(1000, 800, seed);
    /* a similarity plus 3 % anisotropic stretch and a little shear */
    double S[6], A[6] = {1.03, 0.02, 0, -0.01, 0.98, 0}, Mt[6];
    sk_geom_affine_similarity(1.1, 6 * M_PI / 180, 40, -30, 499.5, 399.5, S);
    double C[6] = {1, 0, -499.5, 0, 1, -399.5}, Ci[6] = {1, 0, 499.5, 0, 1, 399.5}, t[6];
    sk_geom_affine_compose(A, C, t);
    sk_geom_affine_compose(Ci, t, t);
    sk_geom_affine_compose(S, t, Mt);
    sk_image_t *mv = make_moving(f, Mt, 1000, 800);
    sk_register_opts_t o;
    sk_register_opts_default(&o);
    o.model = SK_REG_AFFINE;
    sk_register_result_t r;
    cr_assert_eq(sk_register(f, NULL, mv, NULL, &o, &r), SK_OK, "%s", sk_error_message());
    double e = grid_rms(r.M, Mt, 1000, 800, 1000, 800);
    printf("affine: rms %.3f px, ncc %.3f\n", e, r.correlation);
    cr_expect_lt(e, 1.0);
    /* the similarity model cannot follow the shear as well */
    o.model = SK_REG_SIMILARITY;
    sk_register_result_t rs;
    int rc = sk_register(f, NULL, mv, NULL, &o, &rs);
    printf("similarity on the affine case: status %d (%s), rms %.3f px, resid %.4f vs %.4f, "
           "struct %.3f vs %.3f\n",
           rc, rc ? sk_error_message() : "ok", grid_rms(rs.M, Mt, 1000, 800, 1000, 800),
           rs.residual, r.residual, rs.structure_correlation, r.structure_correlation);
    cr_expect(rc == SK_OK || rc == SK_ERR_QUALITY);
    cr_expect_lt(r.residual, rs.residual);
    cr_expect_gt(r.structure_correlation, rs.structure_correlation);
    sk_image_free(mv);
    sk_image_free(f);
}

/* Different sizes and aspect of the two photos, and masks. */
Test(register, synthetic_sizes_and_masks)
{
    uint64_t seed = sk_test_seed() + 2;
    printf("synthetic texture seed %llu\n", (unsigned long long)seed);
    sk_image_t *f = make_texture(900, 1100, seed);
    double Mt[6];
    sk_geom_affine_similarity(0.9, -6 * M_PI / 180, 30, 60, 449.5, 549.5, Mt);
    /* moving photo 800 x 700: its own frame */
    sk_image_t *mv = make_moving(f, Mt, 800, 700);
    /* masks: the fixed one drops a band at the top, the moving one a corner */
    uint8_t *fm = malloc(900 * 1100), *mm = malloc(800 * 700);
    for (int y = 0; y < 1100; y++)
        for (int x = 0; x < 900; x++)
            fm[y * 900 + x] = y > 150;
    for (int y = 0; y < 700; y++)
        for (int x = 0; x < 800; x++)
            mm[y * 800 + x] = !(x > 600 && y > 500);
    sk_register_result_t r;
    cr_assert_eq(sk_register(f, fm, mv, mm, NULL, &r), SK_OK, "%s", sk_error_message());
    double e = grid_rms(r.M, Mt, 800, 700, 900, 1100);
    printf("sizes+masks: rms %.3f px ncc %.3f overlap %.2f\n", e, r.correlation,
           r.overlap_fraction);
    cr_expect_lt(e, 1.0);
    free(fm);
    free(mm);
    sk_image_free(mv);
    sk_image_free(f);
}

/* Two registrations at once (batches run photos in parallel; FFTW's planner
 * is serialised inside): both must give the single-thread answer. */
typedef struct {
    const sk_image_t *f, *m;
    sk_register_result_t r;
    int rc;
} thread_arg_t;

static void *register_thread(void *p)
{
    thread_arg_t *a = p;
    for (int i = 0; i < 3 && a->rc == 0; i++)
        a->rc = sk_register(a->f, NULL, a->m, NULL, NULL, &a->r);
    return NULL;
}

Test(register, concurrent_calls)
{
    uint64_t seed = sk_test_seed() + 3;
    printf("synthetic texture seed %llu\n", (unsigned long long)seed);
    sk_image_t *f = make_texture(640, 480, seed);
    double Mt[6];
    sk_geom_affine_similarity(1.05, 3 * M_PI / 180, 20, -10, 319.5, 239.5, Mt);
    sk_image_t *mv = make_moving(f, Mt, 640, 480);
    sk_register_result_t ref;
    cr_assert_eq(sk_register(f, NULL, mv, NULL, NULL, &ref), SK_OK, "%s", sk_error_message());
    thread_arg_t a[2] = {{.f = f, .m = mv}, {.f = f, .m = mv}};
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        cr_assert_eq(pthread_create(&t[i], NULL, register_thread, &a[i]), 0);
    for (int i = 0; i < 2; i++) {
        pthread_join(t[i], NULL);
        cr_expect_eq(a[i].rc, SK_OK);
        for (int k = 0; k < 6; k++)
            cr_expect_eq(a[i].r.M[k], ref.M[k], "thread %d M[%d] differs", i, k);
    }
    sk_image_free(mv);
    sk_image_free(f);
}

/* ------------------------------------------------------------ faces */

static void face_case(const char *id)
{
    sk_image_t *f = load_face(id);
    char label[32];
    snprintf(label, sizeof label, "face %s", id);
    for (int i = 0; i < 4; i++) {
        double e = run_case(f, face_xf[i], i % 2 ? -0.3 : 0.3, i % 2 ? 0.93 : 1.07,
                            i % 2 ? 1.06 : 0.95, NULL, label);
        cr_expect_lt(e, 1.0, "face %s case %d: RMS %.3f px", id, i, e);
    }
    sk_image_free(f);
}

Test(register, face_001)
{
    face_case("001");
}
Test(register, face_021)
{
    face_case("021");
}
Test(register, face_024)
{
    face_case("024");
}
Test(register, face_038)
{
    face_case("038");
}
Test(register, face_061)
{
    face_case("061");
}
Test(register, face_136)
{
    face_case("136");
}

/* The aligned follow-up matches the baseline inside the valid mask. */
Test(register, warp_result)
{
    sk_image_t *f = load_face("038");
    double Mt[6];
    sk_geom_affine_similarity(1.1, 4 * M_PI / 180, -50, 30, 674.5, 674.5, Mt);
    sk_image_t *mv = make_moving(f, Mt, f->width, f->height);
    sk_register_result_t r;
    cr_assert_eq(sk_register(f, NULL, mv, NULL, NULL, &r), SK_OK, "%s", sk_error_message());
    sk_image_t *al = NULL;
    uint8_t *valid = NULL;
    cr_assert_eq(sk_register_warp(mv, &r, f->width, f->height, &al, &valid), SK_OK);
    cr_assert_eq(al->channels, 3);
    double sd = 0, n = 0;
    size_t nvalid = 0;
    for (int y = 0; y < f->height; y++)
        for (int x = 0; x < f->width; x++) {
            if (!valid[(size_t)y * f->width + x])
                continue;
            nvalid++;
            double d = sk_image_plane(al, 1)[(size_t)y * al->stride + x] -
                       sk_image_plane(f, 1)[(size_t)y * f->stride + x];
            sd += d * d, n += 1;
        }
    double rms = sqrt(sd / n);
    printf("warp: valid %.2f of the frame, RMS green difference %.4f\n",
           (double)nvalid / ((double)f->width * f->height), rms);
    cr_expect_gt(nvalid, (size_t)(0.5 * f->width * f->height));
    cr_expect_lt(rms, 0.02);
    free(valid);
    sk_image_free(al);
    sk_image_free(mv);
    sk_image_free(f);
}

/* ---------------------------------------------------------- phantom */

/* Same skin re-captured: the phantom's perturbation (shift, rotation, scale,
 * exposure, white balance, noise, JPEG). The true map comes from the planted
 * features' pixel positions in both captures (least-squares affine). */
Test(register, phantom_recapture)
{
    sk_phantom_params p;
    sk_phantom_params_default(&p);
    p.seed = 7;
    sk_image_t *a = NULL, *b = NULL;
    sk_phantom_truth *ta = NULL, *tb = NULL;
    cr_assert_eq(sk_phantom_render(&p, &a, &ta), SK_OK, "%s", sk_error_message());
    for (uint64_t k = 1; k <= 3; k++) {
        sk_phantom_params q = p;
        sk_phantom_perturb(&q, 100 + k);
        cr_assert_eq(sk_phantom_render(&q, &b, &tb), SK_OK, "%s", sk_error_message());
        cr_assert_eq(ta->n_features, tb->n_features);
        /* least-squares affine from b's pixels to a's pixels */
        double AtA[3][3] = {{0}}, Atx[3] = {0}, Aty[3] = {0};
        int n = 0;
        for (int i = 0; i < ta->n_features; i++) {
            const sk_phantom_feature *fa = &ta->features[i], *fb = &tb->features[i];
            double v[3] = {fb->x_px, fb->y_px, 1};
            for (int r = 0; r < 3; r++) {
                for (int c = 0; c < 3; c++)
                    AtA[r][c] += v[r] * v[c];
                Atx[r] += v[r] * fa->x_px, Aty[r] += v[r] * fa->y_px;
            }
            n++;
        }
        cr_assert_gt(n, 10);
        /* solve the 3x3 systems (Cramer) */
        double d = AtA[0][0] * (AtA[1][1] * AtA[2][2] - AtA[1][2] * AtA[2][1]) -
                   AtA[0][1] * (AtA[1][0] * AtA[2][2] - AtA[1][2] * AtA[2][0]) +
                   AtA[0][2] * (AtA[1][0] * AtA[2][1] - AtA[1][1] * AtA[2][0]);
        double Mt[6];
        for (int row = 0; row < 2; row++) {
            const double *rhs = row ? Aty : Atx;
            for (int col = 0; col < 3; col++) {
                double m[3][3];
                memcpy(m, AtA, sizeof m);
                for (int r = 0; r < 3; r++)
                    m[r][col] = rhs[r];
                double dc = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
                            m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
                            m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
                Mt[row * 3 + col] = dc / d;
            }
        }
        sk_register_result_t r;
        int rc = sk_register(a, NULL, b, NULL, NULL, &r);
        cr_assert_eq(rc, SK_OK, "perturbation %llu: %s", (unsigned long long)k, sk_error_message());
        double e = grid_rms(r.M, Mt, b->width, b->height, a->width, a->height);
        printf("phantom %llu: shift %.2f,%.2f mm rot %.2f scale %.3f ev %.2f | rms %.3f px "
               "ncc %.3f struct %.3f resid %.4f\n",
               (unsigned long long)k, q.shift_x_mm, q.shift_y_mm, q.rotation_deg, q.scale,
               q.exposure_ev, e, r.correlation, r.structure_correlation, r.residual);
        cr_expect_lt(e, 1.0);
        sk_image_free(b);
        sk_phantom_truth_free(tb);
        b = NULL, tb = NULL;
    }
    sk_image_free(a);
    sk_phantom_truth_free(ta);
}

/* --------------------------------------------------------- refusals */

static void expect_refusal(const sk_image_t *f, const sk_image_t *m, const char *what)
{
    sk_register_result_t r;
    int rc = sk_register(f, NULL, m, NULL, NULL, &r);
    printf("%s: status %d: %s (ncc %.3f struct %.3f overlap %.2f)\n", what, rc, sk_error_message(),
           r.correlation, r.structure_correlation, r.overlap_fraction);
    cr_expect_eq(rc, SK_ERR_QUALITY, "%s: expected a refusal, got %d", what, rc);
    const char *msg = sk_error_message();
    cr_expect(strlen(msg) > 10 && !strchr(msg, '\n'), "%s: one-line reason expected", what);
}

Test(register, refuses_different_faces)
{
    const char *pairs[][2] = {{"001", "136"}, {"021", "024"}, {"038", "061"}};
    for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++) {
        sk_image_t *a = load_face(pairs[i][0]), *b = load_face(pairs[i][1]);
        char what[64];
        snprintf(what, sizeof what, "faces %s vs %s", pairs[i][0], pairs[i][1]);
        expect_refusal(a, b, what);
        sk_image_free(a);
        sk_image_free(b);
    }
}

Test(register, refuses_face_vs_noise_and_skin)
{
    uint64_t seed = sk_test_seed();
    printf("noise seed %llu\n", (unsigned long long)seed);
    sk_test_rng rng;
    sk_test_rng_init(&rng, seed);
    sk_image_t *f = load_face("001"), *n = NULL;
    cr_assert_eq(sk_image_new(f->width, f->height, 3, &n), SK_OK);
    for (int c = 0; c < 3; c++)
        sk_test_fill_uniform(sk_image_plane(n, c), n->stride, n->width, n->height, 0.0f, 1.0f,
                             &rng);
    expect_refusal(f, n, "face vs noise");
    expect_refusal(n, f, "noise vs face");
    sk_phantom_params p;
    sk_phantom_params_default(&p);
    sk_image_t *skin = NULL;
    cr_assert_eq(sk_phantom_render(&p, &skin, NULL), SK_OK);
    expect_refusal(f, skin, "face vs skin close-up");
    sk_image_t *tex = make_texture(1000, 750, seed);
    expect_refusal(skin, tex, "skin vs synthetic texture");
    sk_image_free(tex);
    sk_image_free(skin);
    sk_image_free(n);
    sk_image_free(f);
}

Test(register, refuses_uniform)
{
    sk_image_t *g = NULL, *g2 = NULL;
    cr_assert_eq(sk_image_new(640, 480, 3, &g), SK_OK);
    cr_assert_eq(sk_image_new(640, 480, 3, &g2), SK_OK);
    for (int c = 0; c < 3; c++)
        for (int y = 0; y < 480; y++)
            for (int x = 0; x < 640; x++) {
                sk_image_plane(g, c)[(size_t)y * g->stride + x] = 0.5f;
                sk_image_plane(g2, c)[(size_t)y * g2->stride + x] = 0.3f;
            }
    sk_register_result_t r;
    int rc = sk_register(g, NULL, g2, NULL, NULL, &r);
    printf("grey vs grey: %d: %s\n", rc, sk_error_message());
    cr_expect_eq(rc, SK_ERR_QUALITY);
    cr_expect(strstr(sk_error_message(), "no contrast") != NULL);
    sk_image_t *f = load_face("024");
    rc = sk_register(f, NULL, g, NULL, NULL, &r);
    printf("face vs grey: %d: %s\n", rc, sk_error_message());
    cr_expect_eq(rc, SK_ERR_QUALITY);
    rc = sk_register(g, NULL, f, NULL, NULL, &r);
    printf("grey vs face: %d: %s\n", rc, sk_error_message());
    cr_expect_eq(rc, SK_ERR_QUALITY);
    /* a mask that leaves nothing */
    uint8_t *none = calloc((size_t)f->width * f->height, 1);
    rc = sk_register(f, none, f, NULL, NULL, &r);
    printf("empty mask: %d: %s\n", rc, sk_error_message());
    cr_expect_eq(rc, SK_ERR_QUALITY);
    free(none);
    sk_image_free(f);
    sk_image_free(g);
    sk_image_free(g2);
}

Test(register, bad_arguments)
{
    sk_image_t *a = NULL, *tiny = NULL;
    cr_assert_eq(sk_image_new_zero(100, 100, 3, &a), SK_OK);
    cr_assert_eq(sk_image_new_zero(20, 100, 3, &tiny), SK_OK);
    sk_register_result_t r;
    cr_expect_eq(sk_register(NULL, NULL, a, NULL, NULL, &r), SK_ERR_ARG);
    cr_expect_eq(sk_register(a, NULL, NULL, NULL, NULL, &r), SK_ERR_ARG);
    cr_expect_eq(sk_register(a, NULL, a, NULL, NULL, NULL), SK_ERR_ARG);
    cr_expect_eq(sk_register(a, NULL, tiny, NULL, NULL, &r), SK_ERR_ARG);
    sk_register_opts_t o;
    sk_register_opts_default(&o);
    o.model = 7;
    cr_expect_eq(sk_register(a, NULL, a, NULL, &o, &r), SK_ERR_ARG);
    sk_register_opts_default(&o);
    o.min_scale = 1.5;
    cr_expect_eq(sk_register(a, NULL, a, NULL, &o, &r), SK_ERR_ARG);
    sk_register_opts_default(&o);
    o.max_side = 10;
    cr_expect_eq(sk_register(a, NULL, a, NULL, &o, &r), SK_ERR_ARG);
    memset(&r, 0, sizeof r);
    sk_image_t *out = NULL;
    cr_expect_eq(sk_register_warp(a, &r, 10, 10, &out, NULL), SK_ERR_ARG); /* singular M */
    cr_expect_null(out);
    r.M[0] = r.M[4] = 1;
    cr_expect_eq(sk_register_warp(a, &r, 0, 10, &out, NULL), SK_ERR_ARG);
    cr_expect_eq(sk_register_warp(a, &r, 50, 40, &out, NULL), SK_OK);
    cr_expect_eq(out->width, 50);
    sk_image_free(out);
    sk_image_free(a);
    sk_image_free(tiny);
}
