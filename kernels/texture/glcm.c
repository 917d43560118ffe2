/* Grey-level co-occurrence matrices. The accumulation is a histogram of
 * index i * levels + j; counting into several interleaved partial
 * histograms breaks the store-to-load dependency when neighbouring pairs hit
 * the same bin (smooth skin is mostly pairs on the diagonal). */
#include <stdlib.h>
#include <string.h>

#include "ptexture.h"

#define NPARTS 4

/* Pair indices of one row segment; pairs that do not count go to `dump`. */
static inline uint64_t row_index(const uint8_t *restrict a, const uint8_t *restrict b,
                                 const uint8_t *restrict ma, const uint8_t *restrict mb, int n,
                                 unsigned levels, uint32_t dump, uint32_t *restrict idx)
{
    uint64_t cnt = 0;
    if (ma) {
        for (int i = 0; i < n; i++) {
            unsigned ia = a[i], ib = b[i];
            int ok = (ia < levels) & (ib < levels) & (ma[i] != 0) & (mb[i] != 0);
            idx[i] = ok ? ia * levels + ib : dump;
            cnt += (uint64_t)ok;
        }
    } else {
        for (int i = 0; i < n; i++) {
            unsigned ia = a[i], ib = b[i];
            int ok = (ia < levels) & (ib < levels);
            idx[i] = ok ? ia * levels + ib : dump;
            cnt += (uint64_t)ok;
        }
    }
    return cnt;
}

uint64_t sk_texture_glcm_accumulate(const uint8_t *q, size_t qs, const uint8_t *mask, size_t ms,
                                    int w, int h, int levels, int dx, int dy, uint32_t *parts,
                                    int nparts, uint32_t *idx)
{
    const size_t ll = (size_t)levels * levels, stride = ll + 1;
    const int x0 = dx < 0 ? -dx : 0, x1 = dx > 0 ? w - dx : w;
    const int y0 = dy < 0 ? -dy : 0, y1 = dy > 0 ? h - dy : h;
    if (x1 <= x0 || y1 <= y0)
        return 0;
    const int n = x1 - x0;
    uint64_t cnt = 0;
    uint32_t *p0 = parts, *p1 = parts + stride, *p2 = parts + 2 * stride, *p3 = parts + 3 * stride;
    for (int y = y0; y < y1; y++) {
        const uint8_t *a = q + (size_t)y * qs + x0, *b = q + (size_t)(y + dy) * qs + x0 + dx;
        const uint8_t *ma = mask ? mask + (size_t)y * ms + x0 : NULL;
        const uint8_t *mb = mask ? mask + (size_t)(y + dy) * ms + x0 + dx : NULL;
        cnt += row_index(a, b, ma, mb, n, (unsigned)levels, (uint32_t)ll, idx);
        int i = 0;
        if (nparts == 4) {
            for (; i + 4 <= n; i += 4) {
                p0[idx[i]]++;
                p1[idx[i + 1]]++;
                p2[idx[i + 2]]++;
                p3[idx[i + 3]]++;
            }
        } else if (nparts == 2) {
            for (; i + 2 <= n; i += 2) {
                p0[idx[i]]++;
                p1[idx[i + 1]]++;
            }
        }
        for (; i < n; i++)
            p0[idx[i]]++;
    }
    return cnt;
}

size_t sk_texture_glcm_scratch_size(int levels, int w)
{
    if (levels < 1 || w < 1)
        return 0;
    return NPARTS * ((size_t)levels * levels + 1) * sizeof(uint32_t) +
           (size_t)w * sizeof(uint32_t) + 64;
}

static int check(const uint8_t *q, size_t qs, const uint8_t *mask, size_t ms, int w, int h,
                 int levels, const void *out)
{
    if (!q || !out || w < 1 || h < 1 || levels < 2 || levels > 256 || qs < (size_t)w ||
        (mask && ms < (size_t)w))
        return sk_error_set(SK_ERR_ARG, "glcm: bad argument (w %d, h %d, levels %d)", w, h,
                            levels);
    return SK_OK;
}

int sk_texture_glcm_multi(const uint8_t *q, size_t qs, const uint8_t *mask, size_t ms, int w,
                          int h, int levels, const sk_glcm_offset_t *offs, int n_off,
                          int symmetric, uint32_t *glcm, uint64_t *pairs, void *scratch)
{
    int rc = check(q, qs, mask, ms, w, h, levels, glcm);
    if (rc < 0)
        return rc;
    if (!offs || n_off < 1)
        return sk_error_set(SK_ERR_ARG, "glcm: no offsets");
    if ((uint64_t)w * (uint64_t)h >= (1ull << 31))
        return sk_error_set(SK_ERR_TOO_LARGE, "glcm: %d x %d too large for uint32 counts", w, h);
    void *own = NULL;
    if (!scratch) {
        own = malloc(sk_texture_glcm_scratch_size(levels, w));
        if (!own)
            return sk_error_set(SK_ERR_NOMEM, "glcm: out of memory");
        scratch = own;
    }
    const size_t ll = (size_t)levels * levels, stride = ll + 1;
    uint32_t *parts = scratch;
    uint32_t *idx = parts + NPARTS * stride;
    for (int k = 0; k < n_off; k++) {
        memset(parts, 0, NPARTS * stride * sizeof *parts);
        uint64_t n = sk_texture_glcm_accumulate(q, qs, mask, ms, w, h, levels, offs[k].dx,
                                                offs[k].dy, parts, NPARTS, idx);
        if (pairs)
            pairs[k] = n;
        uint32_t *o = glcm + (size_t)k * ll;
        for (size_t i = 0; i < ll; i++)
            o[i] = parts[i] + parts[stride + i] + parts[2 * stride + i] + parts[3 * stride + i];
        if (symmetric)
            for (int i = 0; i < levels; i++) {
                o[(size_t)i * levels + i] *= 2;
                for (int j = i + 1; j < levels; j++) {
                    uint32_t s = o[(size_t)i * levels + j] + o[(size_t)j * levels + i];
                    o[(size_t)i * levels + j] = o[(size_t)j * levels + i] = s;
                }
            }
    }
    free(own);
    return SK_OK;
}

int sk_texture_glcm(const uint8_t *q, size_t qs, const uint8_t *mask, size_t ms, int w, int h,
                    int levels, int dx, int dy, int symmetric, uint64_t *glcm, uint64_t *pairs)
{
    int rc = check(q, qs, mask, ms, w, h, levels, glcm);
    if (rc < 0)
        return rc;
    /* uint32 partials cannot overflow below 2^32 pixels */
    if ((uint64_t)w * (uint64_t)h >= (1ull << 32))
        return sk_error_set(SK_ERR_TOO_LARGE, "glcm: %d x %d too large", w, h);
    const size_t ll = (size_t)levels * levels, stride = ll + 1;
    uint32_t *parts = calloc(1, sk_texture_glcm_scratch_size(levels, w));
    if (!parts)
        return sk_error_set(SK_ERR_NOMEM, "glcm: out of memory");
    uint32_t *idx = parts + NPARTS * stride;
    uint64_t n = sk_texture_glcm_accumulate(q, qs, mask, ms, w, h, levels, dx, dy, parts, NPARTS,
                                            idx);
    for (size_t i = 0; i < ll; i++)
        glcm[i] = (uint64_t)parts[i] + parts[stride + i] + parts[2 * stride + i] +
                  parts[3 * stride + i];
    free(parts);
    if (symmetric)
        for (int i = 0; i < levels; i++) {
            glcm[(size_t)i * levels + i] *= 2;
            for (int j = i + 1; j < levels; j++) {
                uint64_t s = glcm[(size_t)i * levels + j] + glcm[(size_t)j * levels + i];
                glcm[(size_t)i * levels + j] = glcm[(size_t)j * levels + i] = s;
            }
        }
    if (pairs)
        *pairs = n;
    return SK_OK;
}

int sk_texture_glcm_normalise(const uint32_t *counts, int levels, double *p)
{
    if (!counts || !p || levels < 1)
        return sk_error_set(SK_ERR_ARG, "glcm_normalise: bad argument");
    const size_t ll = (size_t)levels * levels;
    uint64_t s = 0;
    for (size_t i = 0; i < ll; i++)
        s += counts[i];
    const double inv = s ? 1.0 / (double)s : 0.0;
    for (size_t i = 0; i < ll; i++)
        p[i] = (double)counts[i] * inv;
    return s ? SK_OK : sk_error_set(SK_ERR_ARG, "glcm_normalise: empty matrix");
}

int sk_texture_glcm_normalise_u64(const uint64_t *counts, int levels, double *p)
{
    if (!counts || !p || levels < 1)
        return sk_error_set(SK_ERR_ARG, "glcm_normalise: bad argument");
    const size_t ll = (size_t)levels * levels;
    double s = 0;
    for (size_t i = 0; i < ll; i++)
        s += (double)counts[i];
    const double inv = s > 0 ? 1.0 / s : 0.0;
    for (size_t i = 0; i < ll; i++)
        p[i] = (double)counts[i] * inv;
    return s > 0 ? SK_OK : sk_error_set(SK_ERR_ARG, "glcm_normalise: empty matrix");
}
