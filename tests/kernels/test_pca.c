/* PCA (fit, project), the Jacobi eigen-solver and linear scoring. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pblas.h"
#include "testutil.h"

static const int widths[] = {1, 7, 31, 33, 1000};
enum { NW = sizeof widths / sizeof widths[0] };

/* Known orthonormal axes (rows) and standard deviations. */
static void axes(double U[9])
{
    double R1[9], a = 0.7, b = -0.4;
    /* rotation about z by a, then about x by b */
    double Rz[9] = {cos(a), -sin(a), 0, sin(a), cos(a), 0, 0, 0, 1};
    double Rx[9] = {1, 0, 0, 0, cos(b), -sin(b), 0, sin(b), cos(b)};
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            R1[i * 3 + j] = 0;
            for (int k = 0; k < 3; k++)
                R1[i * 3 + j] += Rx[i * 3 + k] * Rz[k * 3 + j];
        }
    memcpy(U, R1, sizeof R1);
}

/* 3 planes: x = mu + sum_c sd_c g_c U_c. */
static float *make_data(int w, int h, size_t stride, size_t ps, const double mu[3],
                        const double sd[3], sk_test_rng *r)
{
    double U[9];
    axes(U);
    float *d = calloc(ps * 3, sizeof(float));
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double g[3] = {sk_test_rng_gauss(r), sk_test_rng_gauss(r), sk_test_rng_gauss(r)};
            for (int i = 0; i < 3; i++) {
                double v = mu[i];
                for (int c = 0; c < 3; c++)
                    v += sd[c] * g[c] * U[c * 3 + i];
                d[i * ps + y * stride + x] = (float)v;
            }
        }
    return d;
}

/* Two-pass double covariance of the counted pixels. */
static void cov_ref(const float *d, size_t stride, size_t ps, int w, int h, const float *m,
                    double mean[3], double C[9])
{
    double n = 0;
    memset(mean, 0, 3 * sizeof(double));
    memset(C, 0, 9 * sizeof(double));
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            if (m && !(m[y * stride + x] > 0.5f))
                continue;
            n++;
            for (int i = 0; i < 3; i++)
                mean[i] += d[i * ps + y * stride + x];
        }
    for (int i = 0; i < 3; i++)
        mean[i] /= n;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            if (m && !(m[y * stride + x] > 0.5f))
                continue;
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 3; j++)
                    C[i * 3 + j] += (d[i * ps + y * stride + x] - mean[i]) *
                                    (d[j * ps + y * stride + x] - mean[j]);
        }
    for (int i = 0; i < 9; i++)
        C[i] /= n;
}

Test(pca, recovers_known_axes_with_large_offset)
{
    sk_test_rng rng;
    sk_test_rng_init(&rng, sk_test_seed());
    int w = 400, h = 300;
    size_t stride = 416, ps = stride * h;
    const double mu[3] = {1000.0, -50.0, 3.0}, sd[3] = {3.0, 1.0, 0.3};
    float *d = make_data(w, h, stride, ps, mu, sd, &rng);
    double mean[3], cov[9], ev[3], V[9], U[9], rm[3], rc[9];
    cr_assert_eq(sk_blas_pca_fit(d, stride, ps, w, h, 3, NULL, 0, mean, cov, ev, V), SK_OK);
    cov_ref(d, stride, ps, w, h, NULL, rm, rc);
    for (int i = 0; i < 3; i++)
        cr_assert_leq(fabs(mean[i] - rm[i]), 1e-9 * (1 + fabs(rm[i])));
    for (int i = 0; i < 9; i++)
        cr_assert_leq(fabs(cov[i] - rc[i]), 1e-5 * 9.0, "cov[%d] %g vs %g", i, cov[i], rc[i]);
    axes(U);
    for (int c = 0; c < 3; c++) {
        /* 120k samples: eigenvalues within ~2 % of sd^2, axes within 0.5 deg-ish */
        cr_assert_leq(fabs(ev[c] - sd[c] * sd[c]) / (sd[c] * sd[c]), 0.02, "ev[%d] %g", c, ev[c]);
        double dot = 0;
        for (int i = 0; i < 3; i++)
            dot += V[c * 3 + i] * U[c * 3 + i];
        cr_assert_geq(fabs(dot), 0.999, "axis %d |dot| %g", c, fabs(dot));
    }
    cr_assert(ev[0] >= ev[1] && ev[1] >= ev[2]);
    free(d);
}

Test(pca, widths_masks_and_projection_decorrelates)
{
    sk_test_rng rng;
    sk_test_rng_init(&rng, sk_test_seed() + 1);
    for (int wi = 0; wi < NW; wi++) {
        int w = widths[wi], h = 4500 / w + 3;
        size_t stride = (size_t)w + 3, ps = stride * h + 5;
        const double mu[3] = {0.5, 0.2, -0.1}, sd[3] = {0.2, 0.05, 0.01};
        float *d = make_data(w, h, stride, ps, mu, sd, &rng);
        float *m = calloc(stride * h, sizeof(float));
        for (size_t i = 0; i < stride * h; i++)
            m[i] = sk_test_rng_uniform(&rng) < 0.6 ? 1.0f : 0.0f;
        double mean[3], cov[9], ev[3], V[9], rm[3], rc[9];
        cr_assert_eq(sk_blas_pca_fit(d, stride, ps, w, h, 3, m, stride, mean, cov, ev, V), SK_OK);
        cov_ref(d, stride, ps, w, h, m, rm, rc);
        for (int i = 0; i < 9; i++)
            cr_assert_leq(fabs(cov[i] - rc[i]), 1e-6 * 0.04 + 1e-9, "w %d cov[%d]", w, i);
        /* Eigen-equation C v = lambda v on the reference covariance. */
        for (int c = 0; c < 3; c++)
            for (int i = 0; i < 3; i++) {
                double cv = 0;
                for (int j = 0; j < 3; j++)
                    cv += rc[i * 3 + j] * V[c * 3 + j];
                cr_assert_leq(fabs(cv - ev[c] * V[c * 3 + i]), 1e-6 * ev[0]);
            }
        /* Project all pixels and check against the direct formula. */
        size_t dps = stride * h;
        float *p = calloc(dps * 3, sizeof(float));
        cr_assert_eq(sk_blas_pca_project(d, stride, ps, w, h, 3, mean, V, 3, p, stride, dps),
                     SK_OK);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int c = 0; c < 3; c++) {
                    double want = 0;
                    for (int i = 0; i < 3; i++)
                        want += V[c * 3 + i] * (d[i * ps + y * stride + x] - mean[i]);
                    cr_assert_leq(fabs(p[c * dps + y * stride + x] - want), 1e-5);
                }
        free(d);
        free(m);
        free(p);
    }
}

Test(sym_eig, random_symmetric_matrices)
{
    sk_test_rng rng;
    sk_test_rng_init(&rng, sk_test_seed() + 2);
    const int ds[] = {1, 2, 5, 20, 64};
    for (int t = 0; t < 5; t++) {
        int d = ds[t];
        double *A = malloc(sizeof(double) * d * d), *V = malloc(sizeof(double) * d * d),
               *ev = malloc(sizeof(double) * d);
        for (int i = 0; i < d; i++)
            for (int j = 0; j <= i; j++)
                A[i * d + j] = A[j * d + i] = sk_test_rng_gauss(&rng);
        cr_assert_eq(sk_blas_sym_eig(d, A, ev, V), SK_OK);
        for (int c = 0; c < d; c++) {
            if (c)
                cr_assert_geq(ev[c - 1], ev[c]);
            for (int i = 0; i < d; i++) {
                double av = 0;
                for (int j = 0; j < d; j++)
                    av += A[i * d + j] * V[c * d + j];
                cr_assert_leq(fabs(av - ev[c] * V[c * d + i]), 1e-10 * d, "d %d", d);
            }
            for (int e = 0; e < d; e++) {
                double dot = 0;
                for (int i = 0; i < d; i++)
                    dot += V[c * d + i] * V[e * d + i];
                cr_assert_leq(fabs(dot - (c == e)), 1e-12 * d);
            }
        }
        free(A);
        free(V);
        free(ev);
    }
    double z[4];
    cr_assert_eq(sk_blas_sym_eig(65, z, z, z), SK_ERR_ARG);
}

Test(linear_score, matches_direct_one_and_many_models)
{
    sk_test_rng rng;
    sk_test_rng_init(&rng, sk_test_seed() + 3);
    for (int wi = 0; wi < NW; wi++) {
        int n = widths[wi], d = 13;
        size_t ldx = 16;
        for (int m = 1; m <= 3; m += 2) {
            size_t lds = (size_t)m + 2;
            float *X = calloc((size_t)n * ldx, sizeof(float)), *W = malloc(sizeof(float) * d * m);
            float b[3] = {0.5f, -1.0f, 2.0f}, *s = calloc((size_t)n * lds, sizeof(float));
            for (int i = 0; i < n; i++)
                for (int j = 0; j < d; j++)
                    X[i * ldx + j] = (float)sk_test_rng_gauss(&rng);
            for (int j = 0; j < d * m; j++)
                W[j] = (float)sk_test_rng_gauss(&rng);
            cr_assert_eq(sk_blas_linear_score(X, ldx, n, d, W, m, b, s, lds), SK_OK);
            for (int i = 0; i < n; i++)
                for (int o = 0; o < m; o++) {
                    double want = b[o];
                    for (int j = 0; j < d; j++)
                        want += (double)X[i * ldx + j] * W[j * m + o];
                    cr_assert_leq(fabs(s[i * lds + o] - want), 1e-5 * (1 + fabs(want)));
                }
            free(X);
            free(W);
            free(s);
        }
    }
    float x[4];
    cr_assert_eq(sk_blas_linear_score(x, 1, 1, 2, x, 1, NULL, x, 1), SK_ERR_ARG);
}

Test(pca, too_few_pixels_and_bad_args)
{
    float d[3] = {1, 2, 3}, m[1] = {0};
    double mean[3], ev[3], V[9];
    cr_assert_eq(sk_blas_pca_fit(d, 1, 1, 1, 1, 3, NULL, 0, mean, NULL, ev, V), SK_ERR_QUALITY);
    cr_assert_eq(sk_blas_pca_fit(d, 1, 1, 1, 1, 3, m, 1, mean, NULL, ev, V), SK_ERR_QUALITY);
    cr_assert_eq(sk_blas_pca_fit(d, 1, 1, 1, 1, 0, NULL, 0, mean, NULL, ev, V), SK_ERR_ARG);
}
