/* Binary erosion, dilation, opening and closing with a square or a disc, on
 * bit-packed rows (64 pixels per word).
 *
 * Horizontal: the OR over [x - k, x + k] of a row comes from a sparse table
 * of doubled ORs, T_m(x) = OR[x, x + 2^m - 1], as the OR of two overlapping
 * windows T_m(x - k) | T_m(x + k - 2^m + 1), 2^m <= 2k + 1 < 2^(m+1).
 * Square: each row's horizontal OR, then a vertical running OR over 2r+1
 * rows by van Herk / Gil-Werman (prefix and suffix ORs inside blocks of
 * 2r + 1 rows): a few word operations per 64 pixels whatever r.
 * Disc: the OR over the disc's rows dy of row y + dy dilated by the disc's
 * half-width floor(sqrt(r^2 - dy^2)), from a ring of the last 2r + 1 rows'
 * sparse tables.
 * Erosion is the complement of the dilation of the complement; the
 * complement's outside is off, which makes the outside count as on for the
 * erosion. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pmorph.h"

typedef struct {
    int nw;   /* words per packed row */
    int g;    /* guard words each side of a row in the sparse tables */
    int rw;   /* nw + 2 g */
    int kmax; /* largest horizontal half-width used */
    int m;    /* sparse-table levels 0..m */
} geom_t;

static int ilog2(int v)
{
    int l = 0;
    while ((2 << l) <= v)
        l++;
    return l;
}

static geom_t geometry(int w, int r)
{
    geom_t g;
    g.nw = (w + 63) / 64;
    g.kmax = r < w ? r : w; /* a half-width >= w - 1 already spans the row */
    g.g = (g.kmax + 63) / 64 + 1;
    g.rw = g.nw + 2 * g.g;
    g.m = ilog2(2 * g.kmax + 1);
    return g;
}

static size_t square_words(const geom_t *g, int h)
{
    return 2 * (size_t)h * g->nw + (size_t)(g->m + 1) * g->rw + g->nw;
}

static size_t disk_words(const geom_t *g, int h, int r)
{
    size_t ring = (size_t)(2 * (size_t)r + 1 < (size_t)h ? 2 * (size_t)r + 1 : (size_t)h);
    return ring * (size_t)(g->m + 1) * g->rw + g->nw;
}

size_t sk_morph_scratch_size_r(int w, int h, int r)
{
    if (w < 1 || h < 1 || r < 0)
        return 0;
    geom_t g = geometry(w, r);
    size_t a = square_words(&g, h), b = disk_words(&g, h, r);
    return (a > b ? a : b) * sizeof(uint64_t) + 64;
}

size_t sk_morph_scratch_size(int w, int h)
{
    if (w < 1 || h < 1)
        return 0;
    /* the largest r that differs from a smaller one is about w + h; the
     * disc's ring then holds every row */
    size_t m = sk_morph_scratch_size_r(w, h, w + h);
    size_t fill = ((size_t)w + 1) * (size_t)h * sizeof(int32_t) + (size_t)w * h + 256;
    return m > fill ? m : fill;
}

/* 64 bits starting at bit position 64 i + s of a row (s may be negative);
 * the caller keeps the reads inside the row. */
static inline uint64_t bits_at(const uint64_t *t, int i, int s)
{
    const int q = s >> 6, b = s & 63; /* floor division */
    const uint64_t lo = t[i + q];
    return b ? (lo >> b) | (t[i + q + 1] << (64 - b)) : lo;
}

/* the same with reads outside [0, n) as zeros */
static inline uint64_t bits_at_bounded(const uint64_t *t, int n, int i, int s)
{
    const int q = s >> 6, b = s & 63;
    const int j = i + q;
    const uint64_t lo = j >= 0 && j < n ? t[j] : 0;
    if (!b)
        return lo;
    const uint64_t hi = j + 1 >= 0 && j + 1 < n ? t[j + 1] : 0;
    return (lo >> b) | (hi << (64 - b));
}

/* Pack a source row into level 0 of a guarded table and build levels
 * 1..m: lev[l][i] covers pixels [x, x + 2^l - 1] of each bit x. */
static void build_levels(const geom_t *g, const uint8_t *src, int w, int invert, uint64_t *lev,
                         int m, void (*pack)(const uint8_t *, int, int, uint64_t *))
{
    memset(lev, 0, (size_t)g->g * sizeof *lev);
    pack(src, w, invert, lev + g->g);
    memset(lev + g->g + g->nw, 0, (size_t)g->g * sizeof *lev);
    for (int l = 1; l <= m; l++) {
        const uint64_t *a = lev + (size_t)(l - 1) * g->rw;
        uint64_t *b = lev + (size_t)l * g->rw;
        const int s = 1 << (l - 1);
        for (int i = 0; i < g->rw; i++)
            b[i] = a[i] | bits_at_bounded(a, g->rw, i, s);
    }
}

/* out[i] |= horizontal OR over [x - k, x + k] from the level table */
static inline void hor_or(const geom_t *g, const uint64_t *lev, int k, uint64_t *out)
{
    const int m = ilog2(2 * k + 1);
    const uint64_t *t = lev + (size_t)m * g->rw;
    const int s0 = -k, s1 = k - (1 << m) + 1;
    for (int i = 0; i < g->nw; i++)
        out[i] |= bits_at(t, g->g + i, s0) | bits_at(t, g->g + i, s1);
}

static void square(const uint8_t *src, size_t ss, uint8_t *dst, size_t ds, int w, int h, int r,
                   uint64_t *ws, int inv, void (*pack)(const uint8_t *, int, int, uint64_t *),
                   void (*unpack)(const uint64_t *, int, int, uint8_t *))
{
    const geom_t g = geometry(w, r);
    const int nw = g.nw;
    const uint64_t last = (w & 63) ? (1ull << (w & 63)) - 1 : ~0ull;
    uint64_t *P = ws, *S = P + (size_t)h * nw, *lev = S + (size_t)h * nw;
    const int k = g.kmax;
    const int m = ilog2(2 * k + 1);
    for (int y = 0; y < h; y++) {
        build_levels(&g, src + (size_t)y * ss, w, inv, lev, m, pack);
        uint64_t *row = P + (size_t)y * nw;
        memset(row, 0, (size_t)nw * sizeof *row);
        hor_or(&g, lev, k, row);
        row[nw - 1] &= last;
    }
    /* vertical: blocks of B rows; S = OR to the block's end, P = OR from the
     * block's start (in place) */
    const long B = 2L * r + 1;
    for (int y = h - 1; y >= 0; y--) {
        uint64_t *s = S + (size_t)y * nw;
        const uint64_t *p = P + (size_t)y * nw;
        if (y + 1 < h && (y + 1) % B != 0) {
            const uint64_t *s1 = s + nw;
            for (int i = 0; i < nw; i++)
                s[i] = p[i] | s1[i];
        } else {
            memcpy(s, p, (size_t)nw * sizeof *s);
        }
    }
    for (int y = 1; y < h; y++)
        if (y % B != 0) {
            uint64_t *p = P + (size_t)y * nw;
            const uint64_t *p0 = p - nw;
            for (int i = 0; i < nw; i++)
                p[i] |= p0[i];
        }
    uint64_t *out = lev; /* the level table is free now */
    for (int y = 0; y < h; y++) {
        const long a = (long)y - r, b = (long)y + r < h ? (long)y + r : h - 1;
        if (a < 0) {
            memcpy(out, P + (size_t)b * nw, (size_t)nw * sizeof *out);
        } else if (a / B == b / B) {
            memcpy(out, S + (size_t)a * nw, (size_t)nw * sizeof *out);
        } else {
            const uint64_t *sa = S + (size_t)a * nw, *pb = P + (size_t)b * nw;
            for (int i = 0; i < nw; i++)
                out[i] = sa[i] | pb[i];
        }
        unpack(out, w, inv, dst + (size_t)y * ds);
    }
}

static void disk(const uint8_t *src, size_t ss, uint8_t *dst, size_t ds, int w, int h, int r,
                 uint64_t *ws, int inv, void (*pack)(const uint8_t *, int, int, uint64_t *),
                 void (*unpack)(const uint64_t *, int, int, uint8_t *))
{
    const geom_t g = geometry(w, r);
    const int nw = g.nw;
    const uint64_t last = (w & 63) ? (1ull << (w & 63)) - 1 : ~0ull;
    const long ring = 2L * r + 1 < h ? 2L * r + 1 : h;
    const size_t slot = (size_t)(g.m + 1) * g.rw;
    uint64_t *tables = ws, *out = ws + (size_t)ring * slot;
    int built = 0; /* rows 0 .. built-1 have tables in the ring */
    for (int y = 0; y < h; y++) {
        const int ylast = (long)y + r < h ? y + r : h - 1;
        for (; built <= ylast; built++)
            build_levels(&g, src + (size_t)built * ss, w, inv, tables + (size_t)(built % ring) * slot,
                         g.m, pack);
        memset(out, 0, (size_t)nw * sizeof *out);
        const int d0 = y - r < 0 ? -y : -r;
        for (int dy = d0; dy <= r && y + dy < h; dy++) {
            int k = (int)floor(sqrt((double)r * r - (double)dy * dy) + 1e-9);
            if (k > g.kmax)
                k = g.kmax;
            hor_or(&g, tables + (size_t)((y + dy) % ring) * slot, k, out);
        }
        out[nw - 1] &= last;
        unpack(out, w, inv, dst + (size_t)y * ds);
    }
}

void sk_morph_apply(const uint8_t *src, size_t ss, uint8_t *dst, size_t ds, int w, int h, int r,
                    sk_se se, void *scratch, int erode, sk_simd path)
{
    void (*pack)(const uint8_t *, int, int, uint64_t *) =
        path == SK_SIMD_AVX2 ? sk_morph_pack_avx2 : sk_morph_pack_scalar;
    void (*unpack)(const uint64_t *, int, int, uint8_t *) =
        path == SK_SIMD_AVX2 ? sk_morph_unpack_avx2 : sk_morph_unpack_scalar;
    uint64_t *ws = (uint64_t *)(((uintptr_t)scratch + 63) & ~(uintptr_t)63);
    if (se == SK_SE_DISK)
        disk(src, ss, dst, ds, w, h, r, ws, erode, pack, unpack);
    else
        square(src, ss, dst, ds, w, h, r, ws, erode, pack, unpack);
}

static int morph(const uint8_t *src, size_t ss, uint8_t *dst, size_t ds, int w, int h, int r,
                 sk_se se, void *scratch, int erode)
{
    if (!src || !dst || w < 1 || h < 1 || r < 0 || ss < (size_t)w || ds < (size_t)w ||
        (se != SK_SE_SQUARE && se != SK_SE_DISK))
        return sk_error_set(SK_ERR_ARG, "morph: bad argument (w %d, h %d, r %d)", w, h, r);
    if (src == dst && ss != ds)
        return sk_error_set(SK_ERR_ARG, "morph: in place needs equal strides");
    void *own = NULL;
    if (!scratch) {
        own = malloc(sk_morph_scratch_size_r(w, h, r));
        if (!own)
            return sk_error_set(SK_ERR_NOMEM, "morph: out of memory");
        scratch = own;
    }
    sk_morph_apply(src, ss, dst, ds, w, h, r, se, scratch, erode, sk_simd_level());
    free(own);
    return SK_OK;
}

int sk_morph_dilate(const uint8_t *src, size_t ss, uint8_t *dst, size_t ds, int w, int h, int r,
                    sk_se se, void *scratch)
{
    return morph(src, ss, dst, ds, w, h, r, se, scratch, 0);
}

int sk_morph_erode(const uint8_t *src, size_t ss, uint8_t *dst, size_t ds, int w, int h, int r,
                   sk_se se, void *scratch)
{
    return morph(src, ss, dst, ds, w, h, r, se, scratch, 1);
}

int sk_morph_open(const uint8_t *src, size_t ss, uint8_t *dst, size_t ds, int w, int h, int r,
                  sk_se se, void *scratch)
{
    int rc = morph(src, ss, dst, ds, w, h, r, se, scratch, 1);
    return rc < 0 ? rc : morph(dst, ds, dst, ds, w, h, r, se, scratch, 0);
}

int sk_morph_close(const uint8_t *src, size_t ss, uint8_t *dst, size_t ds, int w, int h, int r,
                   sk_se se, void *scratch)
{
    int rc = morph(src, ss, dst, ds, w, h, r, se, scratch, 0);
    return rc < 0 ? rc : morph(dst, ds, dst, ds, w, h, r, se, scratch, 1);
}
