/* skintrack kernels: pixel math with no clinical meaning.
 *
 * The one public header of the kernels layer. It declares the status codes and
 * per-thread error message shared by every layer, the one image type
 * (sk_image_t), the SIMD dispatch probe, and includes the public header of
 * each kernel family.
 *
 * Conventions for every kernel (see docs/ARCHITECTURE.md):
 *   - pure functions on float planes the caller owns: (src, src_stride, dst,
 *     dst_stride, w, h, params); strides count floats, not bytes;
 *   - no allocation, I/O, globals or threads in the inner loop; scratch memory
 *     comes from a caller-owned workspace (_init/_free pairs) or a buffer the
 *     caller passes in, with its size given by a _scratch_size() helper;
 *   - arguments are validated at the public boundary (negative sk_status on
 *     error), and asserted inside internal helpers.
 */
#ifndef SK_KERNELS_H
#define SK_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- status */

/* Status codes. Values are pinned: they are stored and compared by callers. */
typedef enum sk_status {
    SK_OK = 0,
    SK_ERR_NOMEM = -1,       /* allocation failed */
    SK_ERR_ARG = -2,         /* invalid argument */
    SK_ERR_IO = -3,          /* file could not be read or written */
    SK_ERR_FORMAT = -4,      /* not a decodable image / malformed data */
    SK_ERR_TOO_LARGE = -5,   /* exceeds a configured limit (pixels, bytes) */
    SK_ERR_UNSUPPORTED = -6, /* valid input of a kind we do not handle */
    SK_ERR_NOT_FOUND = -7,   /* missing file, patient, session ... */
    SK_ERR_PERMISSION = -8,  /* no permission */
    SK_ERR_DB = -9,          /* store (SQLite) failure */
    SK_ERR_INTERNAL = -10,   /* a bug: an invariant did not hold */
    SK_ERR_CANCELLED = -11,  /* interrupted by the user */
    SK_ERR_QUALITY = -12,    /* input too poor for a measurement */
    SK_ERR_BUSY = -13,       /* resource held by another process */
    SK_ERR_EXISTS = -14,     /* would overwrite an existing object */
} sk_status;

/* Short fixed description of a status code ("out of memory"). Never NULL. */
const char *sk_status_str(int status);

/* Per-thread error message. sk_error_set() records a formatted message for
 * the calling thread and returns `status`, so a failing path can read
 *     return sk_error_set(SK_ERR_FORMAT, "%s: not an image", path);
 * sk_error_message() returns the calling thread's last message (or "" when
 * none); the pointer stays valid until the next sk_error_* call in the same
 * thread. sk_error_clear() forgets it. */
int sk_error_set(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *sk_error_message(void);
/* Prefix the calling thread's message with "prefix: " (e.g. a file name) and
 * return `status`. */
int sk_error_wrap(int status, const char *prefix);
int sk_error_status(void);
void sk_error_clear(void);

/* ----------------------------------------------------------------- image */

/* The one image type: `channels` float planes of width x height, each row
 * `stride` floats apart (stride >= width, padded to a multiple of 16 floats
 * so rows start 64-byte aligned) and each plane `plane_stride` floats apart.
 * Pixel (x, y) of channel c is data[c * plane_stride + y * stride + x]. */
typedef struct sk_image {
    int width;
    int height;
    int channels;
    size_t stride;
    size_t plane_stride;
    float *data;
    size_t capacity; /* floats allocated; lets sk_image_reshape reuse memory */
} sk_image_t;

/* Allocate an image (contents uninitialised). *out is written only on
 * success; free with sk_image_free(). Returns 0 or a negative sk_status. */
int sk_image_new(int width, int height, int channels, sk_image_t **out);

/* Allocate an image with every sample 0. */
int sk_image_new_zero(int width, int height, int channels, sk_image_t **out);

/* Change an image's shape, reusing its memory when it is large enough (no
 * page faults on reuse; see DESIGN §9). Contents are unspecified after. */
int sk_image_reshape(sk_image_t *img, int width, int height, int channels);

/* Free an image and its planes. sk_image_free(NULL) is a no-op. */
void sk_image_free(sk_image_t *img);

/* The first three planes of `img` (values 0..1, clamped) as interleaved
 * 8-bit RGB into out (width x height x 3 bytes, caller-owned):
 * byte = (unsigned char)(255 v + 0.5). */
void sk_image_to_rgb8(const sk_image_t *img, unsigned char *out);

/* One row of interleaved 8-bit samples (`bands` >= 3 per pixel, the first
 * three R, G, B) into three float rows: r[x] = scale * src[bands x], and so
 * on. The inverse of sk_image_to_rgb8 for scale = 1/255; AVX2 and plain C
 * give the same floats. */
void sk_image_rgb8_row_to_planes(const unsigned char *src, int bands, int w, float scale, float *r,
                                 float *g, float *b);

/* Pointer to the first sample of channel c. */
static inline float *sk_image_plane(const sk_image_t *img, int c)
{
    return img->data + (size_t)c * img->plane_stride;
}

/* Row stride (floats) used for a plane of the given width. */
size_t sk_stride_for_width(int width);

/* 64-byte aligned allocation of n floats, freed with sk_free(); NULL on
 * failure or n == 0. */
float *sk_alloc_floats(size_t n);
void *sk_alloc_aligned(size_t bytes);
void sk_free(void *p);

/* --------------------------------------------------------- SIMD dispatch */

typedef enum sk_simd {
    SK_SIMD_SCALAR = 0,
    SK_SIMD_AVX2 = 1, /* AVX2 + FMA */
} sk_simd;

/* The SIMD path in use, probed once (thread-safe) from the CPU and the
 * SK_SIMD environment variable ("scalar" or "avx2"; asking for avx2 on a CPU
 * without it falls back to scalar). */
sk_simd sk_simd_level(void);

/* Name of a path: "scalar", "avx2". */
const char *sk_simd_name(sk_simd level);

/* Force a path for the rest of the process (tests, benchmarks). Returns the
 * level actually set (avx2 is refused on a CPU without it). */
sk_simd sk_simd_force(sk_simd level);

/* Whether the CPU can run a path at all. */
int sk_simd_supported(sk_simd level);

/* OpenBLAS: set the number of threads it may use (1 while photos are
 * processed in parallel), and describe the build ("OpenBLAS 0.3.21 ..."). */
void sk_blas_set_threads(int n);
const char *sk_blas_config(void);

#ifdef __cplusplus
}
#endif

/* Kernel families. Each header is self-contained and documents its own
 * functions. */
#include "sk_kernel_families.h"

#endif /* SK_KERNELS_H */
