/* Symmetric eigen-decomposition by cyclic Jacobi rotations (double).
 * For the small matrices of PCA (d <= 64) Jacobi is simple, accurate to
 * working precision for every eigenvalue, and needs no LAPACK header. See
 * Golub & Van Loan, "Matrix Computations", section 8.5. */
#include <math.h>
#include <string.h>

#include "pblas.h"

enum { MAX_D = 64, MAX_SWEEPS = 64 };

int sk_blas_sym_eig(int d, const double *A, double *eigval, double *eigvec)
{
    if (!A || !eigval || !eigvec || d < 1 || d > MAX_D)
        return sk_error_set(SK_ERR_ARG, "sym_eig: bad arguments (d %d)", d);
    double a[MAX_D * MAX_D], v[MAX_D * MAX_D];
    double scale = 0.0;
    for (int i = 0; i < d; i++)
        for (int j = 0; j < d; j++) {
            double x = 0.5 * (A[i * d + j] + A[j * d + i]); /* symmetrise */
            if (!isfinite(x))
                return sk_error_set(SK_ERR_ARG, "sym_eig: non-finite entry (%d, %d)", i, j);
            a[i * d + j] = x;
            v[i * d + j] = i == j;
            scale += x * x;
        }
    for (int sweep = 0; sweep < MAX_SWEEPS; sweep++) {
        double off = 0.0;
        for (int p = 0; p < d; p++)
            for (int q = p + 1; q < d; q++)
                off += a[p * d + q] * a[p * d + q];
        if (off <= 1e-30 * scale || off == 0.0)
            break;
        for (int p = 0; p < d; p++)
            for (int q = p + 1; q < d; q++) {
                double apq = a[p * d + q];
                if (apq == 0.0)
                    continue;
                double theta = (a[q * d + q] - a[p * d + p]) / (2.0 * apq);
                double t = (theta >= 0 ? 1.0 : -1.0) / (fabs(theta) + sqrt(theta * theta + 1.0));
                double c = 1.0 / sqrt(t * t + 1.0), s = t * c;
                for (int r = 0; r < d; r++) { /* A <- A J (columns p, q) */
                    double arp = a[r * d + p], arq = a[r * d + q];
                    a[r * d + p] = c * arp - s * arq;
                    a[r * d + q] = s * arp + c * arq;
                }
                for (int r = 0; r < d; r++) { /* A <- J^T A (rows p, q) */
                    double apr = a[p * d + r], aqr = a[q * d + r];
                    a[p * d + r] = c * apr - s * aqr;
                    a[q * d + r] = s * apr + c * aqr;
                }
                for (int r = 0; r < d; r++) { /* V <- V J */
                    double vrp = v[r * d + p], vrq = v[r * d + q];
                    v[r * d + p] = c * vrp - s * vrq;
                    v[r * d + q] = s * vrp + c * vrq;
                }
            }
    }
    /* Sort decreasing (selection sort; d is small), eigenvectors are V's columns. */
    int order[MAX_D];
    for (int i = 0; i < d; i++)
        order[i] = i;
    for (int i = 0; i < d; i++) {
        int best = i;
        for (int j = i + 1; j < d; j++)
            if (a[order[j] * d + order[j]] > a[order[best] * d + order[best]])
                best = j;
        int t = order[i];
        order[i] = order[best];
        order[best] = t;
    }
    for (int c = 0; c < d; c++) {
        int col = order[c];
        eigval[c] = a[col * d + col];
        int big = 0;
        for (int r = 1; r < d; r++)
            if (fabs(v[r * d + col]) > fabs(v[big * d + col]))
                big = r;
        double sgn = v[big * d + col] < 0 ? -1.0 : 1.0;
        for (int r = 0; r < d; r++)
            eigvec[c * d + r] = sgn * v[r * d + col];
    }
    return SK_OK;
}
