/* Continuous noise functions of the skin plane: gradient noise for relief
 * and mottling, a cellular distance for the furrow network. */
#include "pphantom.h"

static double fade(double t)
{
    return t * t * t * (t * (t * 6 - 15) + 10);
}

/* Dot product of the lattice point's pseudo-random unit gradient with the
 * offset (dx, dy); 16 directions are plenty for skin. */
static double grad(int64_t i, int64_t j, uint64_t seed, double dx, double dy)
{
    static const double gx[16] = {1,     0.924, 0.707, 0.383, 0,      -0.383, -0.707, -0.924,
                                  -1,    -0.924, -0.707, -0.383, 0,    0.383,  0.707,  0.924};
    static const double gy[16] = {0,      0.383,  0.707,  0.924,  1,      0.924, 0.707, 0.383,
                                  0,      -0.383, -0.707, -0.924, -1,     -0.924, -0.707, -0.383};
    unsigned k = (unsigned)(ph_hash3((uint64_t)i, (uint64_t)j, seed) >> 60);
    return gx[k] * dx + gy[k] * dy;
}

double ph_noise(double x, double y, uint64_t seed)
{
    double fx = floor(x), fy = floor(y);
    int64_t i = (int64_t)fx, j = (int64_t)fy;
    double dx = x - fx, dy = y - fy;
    double u = fade(dx), v = fade(dy);
    double a = grad(i, j, seed, dx, dy), b = grad(i + 1, j, seed, dx - 1, dy);
    double c = grad(i, j + 1, seed, dx, dy - 1), d = grad(i + 1, j + 1, seed, dx - 1, dy - 1);
    double ab = a + u * (b - a), cd = c + u * (d - c);
    return 1.4 * (ab + v * (cd - ab));
}

double ph_cell_edge(double x, double y, uint64_t seed)
{
    double fx = floor(x), fy = floor(y);
    int64_t i = (int64_t)fx, j = (int64_t)fy;
    double best[2] = {1e30, 1e30}; /* the two nearest sites */
    double bx[2] = {0, 0}, by[2] = {0, 0};
    for (int64_t dj = -1; dj <= 1; dj++)
        for (int64_t di = -1; di <= 1; di++) {
            uint64_t h = ph_hash3((uint64_t)(i + di), (uint64_t)(j + dj), seed);
            /* site jittered within the central 80 % of its cell */
            double sx = (double)(i + di) + 0.1 + 0.8 * (double)(h & 0xFFFF) / 65535.0;
            double sy = (double)(j + dj) + 0.1 + 0.8 * (double)((h >> 16) & 0xFFFF) / 65535.0;
            double d2 = (sx - x) * (sx - x) + (sy - y) * (sy - y);
            if (d2 < best[0]) {
                best[1] = best[0], bx[1] = bx[0], by[1] = by[0];
                best[0] = d2, bx[0] = sx, by[0] = sy;
            } else if (d2 < best[1]) {
                best[1] = d2, bx[1] = sx, by[1] = sy;
            }
        }
    /* distance to the bisector of the two nearest sites: exact distance to
     * the Voronoi edge between them */
    double ex = bx[1] - bx[0], ey = by[1] - by[0];
    double el = sqrt(ex * ex + ey * ey);
    if (el < 1e-12)
        return 0;
    double mx = 0.5 * (bx[0] + bx[1]), my = 0.5 * (by[0] + by[1]);
    return fabs((x - mx) * ex + (y - my) * ey) / el;
}
