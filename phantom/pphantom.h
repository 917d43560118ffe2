/* Internals of the skin phantom: random numbers, continuous noise, the
 * planted skin description and the camera. */
#ifndef PPHANTOM_H
#define PPHANTOM_H

#include <math.h>
#include <stdint.h>

#include "sk_phantom.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* ------------------------------------------------------------ randomness */

typedef struct {
    uint64_t s;
} ph_rng;

/* splitmix64: tiny, fast, and good enough to place features. */
static inline uint64_t ph_next(ph_rng *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* A generator for one family of one skin: families draw from separate
 * streams so that changing the number of spots does not move the pores. */
static inline ph_rng ph_stream(uint64_t seed, uint64_t family)
{
    ph_rng r = {seed * 0xD1342543DE82EF95ull + family * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull};
    ph_next(&r);
    return r;
}

static inline double ph_uni(ph_rng *r)
{
    return (double)(ph_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

static inline double ph_range(ph_rng *r, double lo, double hi)
{
    return lo + (hi - lo) * ph_uni(r);
}

static inline double ph_gauss(ph_rng *r)
{
    double u1 = ph_uni(r), u2 = ph_uni(r);
    if (u1 < 1e-300)
        u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(2 * M_PI * u2);
}

/* 64-bit mix of a few integers (stateless: a value per lattice point or
 * per pixel). */
static inline uint64_t ph_hash3(uint64_t a, uint64_t b, uint64_t c)
{
    uint64_t h = a * 0x9E3779B97F4A7C15ull ^ b * 0xC2B2AE3D27D4EB4Full ^ c * 0x165667B19E3779F9ull;
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDull;
    h ^= h >> 33;
    h *= 0xC4CEB9FE1A85EC53ull;
    h ^= h >> 33;
    return h;
}

/* ------------------------------------------------------ continuous noise */

/* Gradient noise (Perlin) of unit lattice spacing, roughly in [-1, 1],
 * standard deviation about 0.2 .. 0.25; continuous in the plane, so every
 * capture samples the same function. */
double ph_noise(double x, double y, uint64_t seed);

/* Distance (in lattice units) from (x, y) to the nearest boundary of a
 * jittered-grid Voronoi cell (unit spacing): 0 on a furrow of the cellular
 * network, ~0.5 in the middle of a cell. */
double ph_cell_edge(double x, double y, uint64_t seed);

/* ---------------------------------------------------------- the skin */

typedef struct {
    double x, y, d, depth, dl, db;
    int closed; /* removed by the course of treatment */
} ph_pore;

typedef struct {
    ph_pore *pt;   /* centre line, points ds apart (x, y used) */
    int n;         /* points of the whole generated line */
    double ds;     /* spacing (mm) */
    double s0, s1; /* truth ends (arc length from point 0), half depth there */
    double ext;    /* arc length before the untreated wrinkle's start */
    double len0;   /* truth length of the untreated wrinkle */
    double width;  /* FWHM (mm) at the middle */
    double depth;  /* mm at the middle */
    double dl;     /* L* change at full depth */
} ph_wrinkle;

#define PH_HARM 6
typedef struct {
    double x, y, r0, elong, angle, edge;
    double dl, da, db;
    double harm[PH_HARM], phase[PH_HARM];
    double wiggle;  /* amplitude of a noise term of the outline */
    uint64_t nseed; /* its seed */
    double area;
} ph_blob; /* spots and redness: a perturbed ellipse */

typedef struct {
    double x, y, r, depth, edge;
    int type;
} ph_scar;

typedef struct {
    ph_pore *pores;
    int n_pores;
    ph_wrinkle *wr;
    int n_wr;
    ph_blob *sp;
    int n_sp;
    ph_blob *rd;
    int n_rd;
    ph_scar *sc;
    int n_sc;
    double L0, a0, b0;   /* base tone */
    double relief_angle; /* orientation of the furrow network */
} ph_skin;

/* Build the skin of p (features in mm). Returns 0 or a negative status;
 * free with ph_skin_free (also after failure). */
int ph_skin_make(const sk_phantom_params *p, ph_skin *sk);
void ph_skin_free(ph_skin *sk);

/* Boundary radius (mm) of a blob at polar angle th about its centre. */
double ph_blob_radius(const ph_blob *b, double th);
/* Largest boundary radius (for bounding boxes). */
double ph_blob_rmax(const ph_blob *b);

/* Base tone from ITA: L*, a*, b* of the albedo. */
void ph_tone(double ita_deg, double *L, double *a, double *b);

/* ---------------------------------------------------------- the camera */

typedef struct {
    double c_mm[2], c_px[2];
    double k;        /* px per mm in the photo */
    double cth, sth; /* rotation */
    double sx, sy;   /* shift (mm) */
} ph_camera;

void ph_camera_init(ph_camera *c, const sk_phantom_params *p, int w, int h);

/* skin mm -> photo px (pixel centres at integer coordinates) */
static inline void ph_to_px(const ph_camera *c, double x, double y, double *u, double *v)
{
    double dx = x - c->c_mm[0], dy = y - c->c_mm[1];
    double rx = c->cth * dx - c->sth * dy + c->sx, ry = c->sth * dx + c->cth * dy + c->sy;
    *u = c->c_px[0] + c->k * rx - 0.5;
    *v = c->c_px[1] + c->k * ry - 0.5;
}

/* photo px -> skin mm */
static inline void ph_to_mm(const ph_camera *c, double u, double v, double *x, double *y)
{
    double rx = (u + 0.5 - c->c_px[0]) / c->k - c->sx, ry = (v + 0.5 - c->c_px[1]) / c->k - c->sy;
    *x = c->c_mm[0] + c->cth * rx + c->sth * ry;
    *y = c->c_mm[1] - c->sth * rx + c->cth * ry;
}

/* Build the truth of a render. Returns 0 or a negative status. */
int ph_truth_make(const sk_phantom_params *p, const ph_skin *sk, const ph_camera *cam, int w,
                  int h, sk_phantom_truth **out);

/* Sensor noise and a JPEG round trip on sRGB planes. */
int ph_jpeg_round_trip(sk_image_t *img, int quality);

#endif
