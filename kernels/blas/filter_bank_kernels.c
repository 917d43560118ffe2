/* Builders of oriented kernel banks (Gabor, second derivative of Gaussian). */
#include <math.h>

#include "pblas.h"

static int check(int K, int k, double sigma, const float *out, const char *who)
{
    if (!out || K < 1 || K > 256 || k < 1 || k > 63 || !(k & 1) || !(sigma > 0.0) ||
        !isfinite(sigma))
        return sk_error_set(SK_ERR_ARG, "%s: bad bank (K %d, k %d, sigma %g)", who, K, k, sigma);
    return SK_OK;
}

static void remove_mean(float *g, int n)
{
    double m = 0.0;
    for (int i = 0; i < n; i++)
        m += g[i];
    m /= n;
    for (int i = 0; i < n; i++)
        g[i] = (float)(g[i] - m);
}

int sk_blas_gabor_bank(int K, int k, double sigma, double lambda, double gamma, double psi,
                       float *out)
{
    int rc = check(K, k, sigma, out, "gabor_bank");
    if (rc)
        return rc;
    if (!(lambda > 0.0) || !isfinite(lambda) || !(gamma > 0.0) || !isfinite(gamma) ||
        !isfinite(psi))
        return sk_error_set(SK_ERR_ARG, "gabor_bank: bad lambda %g / gamma %g / psi %g", lambda,
                            gamma, psi);
    const int c = k / 2;
    for (int n = 0; n < K; n++) {
        const double th = M_PI * n / K, ct = cos(th), st = sin(th);
        float *g = out + (size_t)n * k * k;
        for (int i = 0; i < k; i++)
            for (int j = 0; j < k; j++) {
                double x = j - c, y = i - c;
                double u = x * ct + y * st, v = -x * st + y * ct;
                g[i * k + j] = (float)(exp(-(u * u + gamma * gamma * v * v) / (2 * sigma * sigma)) *
                                       cos(2 * M_PI * u / lambda + psi));
            }
        if (k > 1)
            remove_mean(g, k * k);
        double l2 = 0.0;
        for (int i = 0; i < k * k; i++)
            l2 += (double)g[i] * g[i];
        if (l2 > 0.0) {
            double s = 1.0 / sqrt(l2);
            for (int i = 0; i < k * k; i++)
                g[i] = (float)(g[i] * s);
        }
    }
    return SK_OK;
}

int sk_blas_gauss2_bank(int K, int k, double sigma, float *out)
{
    int rc = check(K, k, sigma, out, "gauss2_bank");
    if (rc)
        return rc;
    const int c = k / 2;
    const double s2 = sigma * sigma, norm = 1.0 / (2 * M_PI * s2);
    for (int n = 0; n < K; n++) {
        const double th = M_PI * n / K, ct = cos(th), st = sin(th);
        float *g = out + (size_t)n * k * k;
        for (int i = 0; i < k; i++)
            for (int j = 0; j < k; j++) {
                double x = j - c, y = i - c, u = x * ct + y * st;
                double G = norm * exp(-(x * x + y * y) / (2 * s2));
                g[i * k + j] = (float)((u * u / s2 - 1.0) * G);
            }
        if (k > 1)
            remove_mean(g, k * k);
    }
    return SK_OK;
}
