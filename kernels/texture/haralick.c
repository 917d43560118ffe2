/* Haralick properties of a normalised co-occurrence matrix. Every sum runs
 * row by row with the column index innermost and no branches, so the
 * compiler vectorises them; only the entropy's log2 stays scalar. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sk_kernels.h"

int sk_texture_haralick_p(const double *p, int levels, sk_haralick_t *o)
{
    if (!p || !o || levels < 1 || levels > 256)
        return sk_error_set(SK_ERR_ARG, "haralick: bad argument");
    memset(o, 0, sizeof *o);
    const int L = levels;
    double total = 0, mi = 0, mj = 0;
    double colsum[256] = {0};
    for (int i = 0; i < L; i++) {
        const double *r = p + (size_t)i * L;
        double rs = 0;
        for (int j = 0; j < L; j++) {
            rs += r[j];
            colsum[j] += r[j];
        }
        total += rs;
        mi += i * rs;
    }
    if (!(total > 0))
        return sk_error_set(SK_ERR_ARG, "haralick: empty matrix");
    const double inv = 1.0 / total;
    for (int j = 0; j < L; j++)
        mj += j * colsum[j];
    mi *= inv;
    mj *= inv;
    double con = 0, dis = 0, hom = 0, asm_ = 0, ent = 0, vi = 0, vj = 0, cov = 0;
    for (int i = 0; i < L; i++) {
        const double *r = p + (size_t)i * L;
        double c0 = 0, c1 = 0, c2 = 0, c3 = 0, rs = 0, cj = 0;
        for (int j = 0; j < L; j++) {
            double v = r[j] * inv, d = (double)(i - j);
            c0 += v * d * d;
            c1 += v * fabs(d);
            c2 += v / (1.0 + d * d);
            c3 += v * v;
            rs += v;
            cj += v * (j - mj);
        }
        con += c0, dis += c1, hom += c2, asm_ += c3;
        vi += (i - mi) * (i - mi) * rs;
        cov += (i - mi) * cj;
        for (int j = 0; j < L; j++) {
            double v = r[j] * inv;
            if (v > 0)
                ent -= v * log2(v);
        }
    }
    for (int j = 0; j < L; j++)
        vj += (j - mj) * (j - mj) * colsum[j] * inv;
    o->contrast = con;
    o->dissimilarity = dis;
    o->homogeneity = hom;
    o->asm_ = asm_;
    o->energy = sqrt(asm_);
    /* scikit-image: correlation is 1 when either standard deviation is
     * (numerically) zero, i.e. a constant image along that axis */
    const double si = sqrt(vi), sj = sqrt(vj);
    o->correlation = (si < 1e-15 || sj < 1e-15) ? 1.0 : cov / (si * sj);
    o->entropy = ent;
    return SK_OK;
}

int sk_texture_haralick(const uint64_t *glcm, int levels, sk_haralick_t *o)
{
    if (!glcm || !o || levels < 2 || levels > 256)
        return sk_error_set(SK_ERR_ARG, "haralick: bad argument");
    const size_t ll = (size_t)levels * levels;
    double *p = malloc(ll * sizeof *p);
    if (!p)
        return sk_error_set(SK_ERR_NOMEM, "haralick: out of memory");
    int rc = sk_texture_glcm_normalise_u64(glcm, levels, p);
    if (rc == SK_OK)
        rc = sk_texture_haralick_p(p, levels, o);
    else
        memset(o, 0, sizeof *o);
    free(p);
    return rc;
}
