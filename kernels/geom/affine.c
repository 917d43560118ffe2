/* 2x3 affine matrices: composition, inverse, similarity about a centre. */
#include <math.h>

#include "pgeom.h"

void sk_geom_affine_compose(const double A[6], const double B[6], double out[6])
{
    /* [A 0 0 1] [B 0 0 1] with the last row implied. */
    double r[6] = {
        A[0] * B[0] + A[1] * B[3], A[0] * B[1] + A[1] * B[4], A[0] * B[2] + A[1] * B[5] + A[2],
        A[3] * B[0] + A[4] * B[3], A[3] * B[1] + A[4] * B[4], A[3] * B[2] + A[4] * B[5] + A[5],
    };
    for (int i = 0; i < 6; i++)
        out[i] = r[i];
}

int sk_geom_affine_invert(const double M[6], double out[6])
{
    double det = M[0] * M[4] - M[1] * M[3];
    if (!(fabs(det) >= 1e-12) || !isfinite(det))
        return sk_error_set(SK_ERR_ARG, "affine_invert: singular matrix (det %g)", det);
    double i0 = M[4] / det, i1 = -M[1] / det, i3 = -M[3] / det, i4 = M[0] / det;
    double r[6] = {i0, i1, -(i0 * M[2] + i1 * M[5]), i3, i4, -(i3 * M[2] + i4 * M[5])};
    for (int i = 0; i < 6; i++)
        out[i] = r[i];
    return SK_OK;
}

void sk_geom_affine_similarity(double scale, double angle, double tx, double ty, double cx,
                               double cy, double out[6])
{
    double c = scale * cos(angle), s = scale * sin(angle);
    out[0] = c;
    out[1] = -s;
    out[2] = cx + tx - (c * cx - s * cy);
    out[3] = s;
    out[4] = c;
    out[5] = cy + ty - (s * cx + c * cy);
}

void sk_geom_affine_apply(const double M[6], double x, double y, double *xo, double *yo)
{
    *xo = M[0] * x + M[1] * y + M[2];
    *yo = M[3] * x + M[4] * y + M[5];
}
