/* sk_noise: measure how much every metric moves when the same skin is
 * photographed again, and write the repeatability figures the comparison
 * sets each change against (models/repeatability/noise.json; method in
 * docs/COMPARE.md, "Repeatability").
 *
 * Pairs of re-captures of unchanged skin: synthetic phantoms (known
 * physical scale) captured twice with independent perturbations, and real
 * face photos re-captured twice with libvips (small similarity transform,
 * exposure, white balance, sensor noise, JPEG). Each pair goes through
 * sk_compare_photos with an empty noise model, and per metric
 *   sw = sqrt(mean(d^2) / 2),   cv = sqrt(mean((d / level)^2) / 2)
 * with d = after - before and level = (before + after) / 2.
 * The output depends only on the options: pairs are drawn from fixed seeds
 * and summed in a fixed order whatever the number of threads.
 * Exit 0 on success, 1 on failure, 2 on usage error. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <vips/vips.h>

#include "sk_compare.h"
#include "sk_phantom.h"

/* Phantom skins: a cheek patch at a known scale (the phantom's default
 * field unless --field says otherwise), tones from very light to dark. */
#define SKIN_W_MM 40.0
#define SKIN_H_MM 30.0
#define SKIN_MM_PER_PX 0.04
#define SKIN_SEED_BASE 7101u
static const double skin_ita[] = {55, 40, 25, 10, -5, -20, -35, -50};
#define N_ITA ((int)(sizeof skin_ita / sizeof skin_ita[0]))

/* Tone bands of the phantom figures, from the ITA categories of Chardon et
 * al. (1991): very light to intermediate (ITA > 28°), tan and brown
 * (-30° .. 28°), dark (< -30°). A pair goes to the band of the ITA measured
 * on its first photo, as the comparison looks limits up. Skin k is rendered
 * at tone skin_ita[k % N_ITA], so 16 skins give about 4, 8 and 4 skins to
 * the three bands. */
typedef struct tone_band {
    const char *name;
    double ita_min, ita_max; /* [min, max) */
} tone_band_t;
static const tone_band_t tone_bands[] = {
    {"light", 28, 90}, {"medium", -30, 28}, {"dark", -90, -30}};
#define N_BANDS ((int)(sizeof tone_bands / sizeof tone_bands[0]))

/* Face re-captures: ranges of the synthetic perturbation. */
#define FACE_MAX_ROT_DEG 3.0
#define FACE_MAX_SCALE 0.05
#define FACE_MAX_SHIFT 0.02 /* of the photo's width / height */
#define FACE_MAX_EV 0.3
#define FACE_MAX_WB 0.04
#define FACE_CROP 0.06 /* trimmed from each side after the transform */
#define FACE_MAX_FACES 64

#define MAX_THREADS 16

enum { JOB_PHANTOM, JOB_FACE };

typedef struct job {
    int kind;
    int subject;      /* skin or face number */
    int pair;         /* re-capture pair of that subject */
    const char *face; /* JOB_FACE: the source photo */
    int status;       /* 0, or the negative sk_status of the failure */
    char error[512];
    double seconds;
    sk_compare_result_t *res;
} job_t;

typedef struct run {
    job_t *jobs;
    int n_jobs;
    atomic_int next;
    atomic_int done;
    const char *tmpdir;
    const sk_noise_t *empty;
    pthread_mutex_t lock;
} run_t;

/* One metric's sums over the pairs of one table. Each table holds pairs of
 * one scale mode, so a metric keeps one unit; sw still skips any pair in
 * another unit than the first (an SD that mixed units would mean nothing).
 * cv is a ratio and takes every pair. */
typedef struct acc {
    const char *name;
    const char *unit;
    double sum_d2;
    int n;
    double sum_r2;
    int n_cv;
} acc_t;

/* ------------------------------------------------------------ helpers */

static uint64_t mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/* Uniform in [-1, 1) from a stream state. */
static double rng_sym(uint64_t *s)
{
    *s = mix64(*s);
    return (double)(*s >> 11) * (2.0 / 9007199254740992.0) - 1.0;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static uint64_t skin_seed(int skin)
{
    return SKIN_SEED_BASE + (uint64_t)skin;
}

/* Perturbation seed of one capture (0 = A, 1 = B) of a pair; below 1e9 so
 * that `sk_phantom --seed S --ita T --perturb P` replays it. */
static uint64_t capture_seed(int skin, int pair, int capture)
{
    return skin_seed(skin) * 1000u + (uint64_t)pair * 2u + (uint64_t)capture;
}

static void vips_error_take(char *err, size_t len, const char *what)
{
    const char *msg = vips_error_buffer();
    size_t n = strcspn(msg, "\n");
    snprintf(err, len, "%s: %.*s", what, (int)(n > 400 ? 400 : n), msg);
    vips_error_clear();
}

/* Write a rendered phantom as an 8-bit PNG (light compression: the file is
 * read back once). */
static int write_png(const sk_image_t *img, const char *path, char *err, size_t errlen)
{
    const int w = img->width, h = img->height;
    unsigned char *buf = malloc((size_t)w * h * 3);
    if (!buf) {
        snprintf(err, errlen, "%s: out of memory", path);
        return SK_ERR_NOMEM;
    }
    sk_image_to_rgb8(img, buf);
    int rc = SK_ERR_IO;
    VipsImage *im = vips_image_new_from_memory(buf, (size_t)w * h * 3, w, h, 3, VIPS_FORMAT_UCHAR);
    if (im && vips_pngsave(im, path, "compression", 1, NULL) == 0)
        rc = 0;
    else
        vips_error_take(err, errlen, path);
    if (im)
        g_object_unref(im);
    free(buf);
    return rc;
}

/* Render one perturbed capture of a phantom skin into `path`; *mm_per_px
 * gets the capture's pixel size. */
static double field_w_mm = SKIN_W_MM, field_h_mm = SKIN_H_MM;

static int phantom_capture(int skin, int pair, int capture, const char *path, double *mm_per_px,
                           char *err, size_t errlen)
{
    sk_phantom_params p;
    sk_phantom_params_default(&p);
    p.seed = skin_seed(skin);
    p.ita_deg = skin_ita[skin % N_ITA];
    p.width_mm = field_w_mm;
    p.height_mm = field_h_mm;
    p.mm_per_px = SKIN_MM_PER_PX;
    sk_phantom_perturb(&p, capture_seed(skin, pair, capture));
    sk_image_t *img = NULL;
    sk_phantom_truth *t = NULL;
    int rc = sk_phantom_render(&p, &img, &t);
    if (rc < 0) {
        snprintf(err, errlen, "phantom %d: %s", skin, sk_error_message());
        return rc;
    }
    *mm_per_px = t->mm_per_px;
    rc = write_png(img, path, err, errlen);
    sk_phantom_truth_free(t);
    sk_image_free(img);
    return rc;
}

/* Re-capture a real photo: white balance and exposure as gains of linear
 * light, a similarity transform about the centre (edges extended, then a
 * margin trimmed so no artificial border shows), signal-dependent Gaussian
 * sensor noise in linear light (the phantom's model), sRGB, JPEG. */
static int face_capture(const char *src, uint64_t seed, const char *path, char *err, size_t errlen)
{
    uint64_t s = seed;
    const double rot = FACE_MAX_ROT_DEG * rng_sym(&s) * (M_PI / 180.0);
    const double scale = 1.0 + FACE_MAX_SCALE * rng_sym(&s);
    const double fx = FACE_MAX_SHIFT * rng_sym(&s), fy = FACE_MAX_SHIFT * rng_sym(&s);
    const double gain = pow(2.0, FACE_MAX_EV * rng_sym(&s));
    const double wr = 1.0 + FACE_MAX_WB * rng_sym(&s), wb = 1.0 + FACE_MAX_WB * rng_sym(&s);
    const double noise = 0.008 + 0.004 * rng_sym(&s);
    const int quality = 80 + (int)((rng_sym(&s) + 1.0) * 8.0); /* 80..95 */
    int noise_seed[3];
    for (int c = 0; c < 3; c++)
        noise_seed[c] = (int)(mix64(seed + 101u * (c + 1)) & 0x7fffffff);

    VipsObject *ctx = VIPS_OBJECT(vips_image_new());
    VipsImage **t = (VipsImage **)vips_object_local_array(ctx, 20);
    VipsInterpolate *bicubic = vips_interpolate_new("bicubic");
    int rc = SK_ERR_FORMAT;
    if (!bicubic) {
        vips_error_take(err, errlen, src);
        g_object_unref(ctx);
        return rc;
    }
    if (!(t[0] = vips_image_new_from_file(src, NULL)) ||
        vips_colourspace(t[0], &t[1], VIPS_INTERPRETATION_sRGB, NULL))
        goto fail;
    VipsImage *rgb = t[1];
    if (rgb->Bands > 3) {
        if (vips_extract_band(rgb, &t[2], 0, "n", 3, NULL))
            goto fail;
        rgb = t[2];
    }
    const int w = rgb->Xsize, h = rgb->Ysize;
    const double cx = 0.5 * w, cy = 0.5 * h;
    double g[3] = {gain * wr, gain, gain * wb}, zero[3] = {0, 0, 0};
    VipsArrayInt *area = vips_array_int_newv(4, 0, 0, w, h);
    const int m = (int)lround(FACE_CROP * (w < h ? w : h));
    int bad =
        vips_colourspace(rgb, &t[3], VIPS_INTERPRETATION_scRGB, NULL) ||
        vips_linear(t[3], &t[4], g, zero, 3, NULL) ||
        vips_affine(t[4], &t[5], scale * cos(rot), -scale * sin(rot), scale * sin(rot),
                    scale * cos(rot), "interpolate", bicubic, "oarea", area, "idx", -cx, "idy", -cy,
                    "odx", cx + fx * w, "ody", cy + fy * h, "extend", VIPS_EXTEND_COPY, NULL);
    vips_area_unref(VIPS_AREA(area));
    if (bad)
        goto fail;
    /* SD = noise * 0.18 * sqrt(0.05 + 0.95 * lin / 0.18); abs() guards the
     * bicubic undershoot next to black */
    if (vips_linear1(t[5], &t[6], 0.95 / 0.18, 0.05, NULL) || vips_abs(t[6], &t[7], NULL) ||
        vips_pow_const1(t[7], &t[8], 0.5, NULL))
        goto fail;
    for (int c = 0; c < 3; c++)
        if (vips_gaussnoise(&t[9 + c], w, h, "sigma", noise * 0.18, "mean", 0.0, "seed",
                            noise_seed[c], NULL))
            goto fail;
    if (vips_bandjoin(&t[9], &t[12], 3, NULL) || vips_multiply(t[8], t[12], &t[13], NULL) ||
        vips_add(t[5], t[13], &t[14], NULL) ||
        vips_crop(t[14], &t[15], m, m, w - 2 * m, h - 2 * m, NULL) ||
        vips_copy(t[15], &t[16], "interpretation", VIPS_INTERPRETATION_scRGB, NULL) ||
        vips_colourspace(t[16], &t[17], VIPS_INTERPRETATION_sRGB, NULL) ||
        vips_jpegsave(t[17], path, "Q", quality, NULL))
        goto fail;
    rc = 0;
    goto done;
fail:
    vips_error_take(err, errlen, src);
done:
    g_object_unref(bicubic);
    g_object_unref(ctx);
    return rc;
}

/* ---------------------------------------------------------------- jobs */

static void run_job(run_t *r, job_t *j, sk_comparer_t *cmp, int thread)
{
    char a[4096], b[4096];
    snprintf(a, sizeof a, "%s/t%d_a.%s", r->tmpdir, thread, j->kind == JOB_FACE ? "jpg" : "png");
    snprintf(b, sizeof b, "%s/t%d_b.%s", r->tmpdir, thread, j->kind == JOB_FACE ? "jpg" : "png");
    double t0 = now_s(), mm_a = 0, mm_b = 0;
    int rc;
    sk_compare_opts_t o;
    sk_compare_opts_default(&o);
    o.noise = r->empty;
    if (j->kind == JOB_PHANTOM) {
        rc = phantom_capture(j->subject, j->pair, 0, a, &mm_a, j->error, sizeof j->error);
        if (rc == 0)
            rc = phantom_capture(j->subject, j->pair, 1, b, &mm_b, j->error, sizeof j->error);
        o.mm_per_px = mm_a; /* the baseline's scale, as a clinic would give it */
    } else {
        uint64_t s = mix64(0x5eedf00dull + 7919u * (uint64_t)j->subject) + 2u * (uint64_t)j->pair;
        rc = face_capture(j->face, mix64(s), a, j->error, sizeof j->error);
        if (rc == 0)
            rc = face_capture(j->face, mix64(s + 1), b, j->error, sizeof j->error);
    }
    if (rc == 0) {
        rc = sk_compare_photos(cmp, a, b, &o, j->res);
        if (rc < 0)
            snprintf(j->error, sizeof j->error, "%s", sk_error_message());
    }
    j->status = rc;
    j->seconds = now_s() - t0;
    unlink(a);
    unlink(b);
}

static void describe(const job_t *j, char *buf, size_t len)
{
    if (j->kind == JOB_PHANTOM)
        snprintf(buf, len, "skin %d (seed %llu, ITA %+.0f) pair %d", j->subject,
                 (unsigned long long)skin_seed(j->subject), skin_ita[j->subject % N_ITA], j->pair);
    else {
        const char *base = strrchr(j->face, '/');
        snprintf(buf, len, "face %s pair %d", base ? base + 1 : j->face, j->pair);
    }
}

typedef struct worker_arg {
    run_t *run;
    int thread;
} worker_arg_t;

static void *worker(void *p)
{
    worker_arg_t *wa = p;
    run_t *r = wa->run;
    sk_comparer_t *cmp = NULL;
    int rc = sk_comparer_new(&cmp);
    for (;;) {
        int i = atomic_fetch_add(&r->next, 1);
        if (i >= r->n_jobs)
            break;
        job_t *j = &r->jobs[i];
        if (rc < 0) {
            j->status = rc;
            snprintf(j->error, sizeof j->error, "%s", sk_error_message());
        } else
            run_job(r, j, cmp, wa->thread);
        int done = atomic_fetch_add(&r->done, 1) + 1;
        char what[256];
        describe(j, what, sizeof what);
        pthread_mutex_lock(&r->lock);
        if (j->status == 0)
            printf("[%3d/%d] %-44s %5.2f s  residual %.4f  rot %+.2f deg  scale %.3f\n", done,
                   r->n_jobs, what, j->seconds, j->res->reg.residual, j->res->reg.rotation_deg,
                   j->res->reg.scale);
        else
            printf("[%3d/%d] %-44s FAILED: %s\n", done, r->n_jobs, what, j->error);
        fflush(stdout);
        pthread_mutex_unlock(&r->lock);
    }
    sk_comparer_free(cmp);
    return NULL;
}

/* ------------------------------------------------------------- figures */

static acc_t *acc_find(acc_t *acc, int *n, const char *name, const char *unit)
{
    for (int i = 0; i < *n; i++)
        if (strcmp(acc[i].name, name) == 0)
            return &acc[i];
    if (*n >= SK_NOISE_MAX)
        return NULL;
    acc_t *a = &acc[(*n)++];
    memset(a, 0, sizeof *a);
    a->name = name;
    a->unit = unit ? unit : "";
    return a;
}

/* Sums of every metric over the successful pairs of one kind (-1: all), in
 * job order; with `band`, only the phantom skins of that tone band. */
static int accumulate(const run_t *r, int kind, const tone_band_t *band, acc_t *acc)
{
    int n = 0;
    for (int i = 0; i < r->n_jobs; i++) {
        const job_t *j = &r->jobs[i];
        if (j->status != 0 || (kind >= 0 && j->kind != kind))
            continue;
        if (band) {
            /* the band of the measured tone, as the comparison looks it up */
            double ita = NAN;
            for (int k = 0; k < j->res->count; k++)
                if (j->res->m[k].name && strcmp(j->res->m[k].name, "pigment.ita_deg") == 0)
                    ita = j->res->m[k].before;
            if (j->kind != JOB_PHANTOM || !(ita >= band->ita_min && ita < band->ita_max))
                continue;
        }
        for (int k = 0; k < j->res->count; k++) {
            const sk_compare_metric_t *m = &j->res->m[k];
            if (!m->name || !isfinite(m->before) || !isfinite(m->after))
                continue;
            acc_t *a = acc_find(acc, &n, m->name, m->unit);
            if (!a)
                continue;
            const double d = m->after - m->before, level = 0.5 * (m->before + m->after);
            if (strcmp(a->unit, m->unit ? m->unit : "") == 0) {
                a->sum_d2 += d * d;
                a->n++;
            }
            if (fabs(level) > 0) {
                a->sum_r2 += (d / level) * (d / level);
                a->n_cv++;
            }
        }
    }
    return n;
}

static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static double acc_sw(const acc_t *a)
{
    return a->n ? sqrt(a->sum_d2 / a->n / 2.0) : 0.0;
}

static double acc_cv(const acc_t *a)
{
    return a->n_cv ? sqrt(a->sum_r2 / a->n_cv / 2.0) : 0.0;
}

/* One table: "key": {"<metric>": {"sw", "cv", "n", "n_cv", "unit"}, ...},
 * indented by `ind` spaces. */
static void write_table(FILE *f, const char *key, const acc_t *acc, int n_acc, int ind)
{
    fprintf(f, "%*s\"%s\": {", ind, "", key);
    for (int i = 0; i < n_acc; i++) {
        const acc_t *a = &acc[i];
        fprintf(f, "%s\n%*s", i ? "," : "", ind + 2, "");
        json_string(f, a->name);
        fprintf(f, ": {\"sw\": %.6g, \"cv\": %.6g, \"n\": %d, \"n_cv\": %d, \"unit\": ", acc_sw(a),
                acc_cv(a), a->n, a->n_cv);
        json_string(f, a->unit);
        fputc('}', f);
    }
    fprintf(f, "\n%*s}", ind, "");
}

/* Write the figures to `path` atomically: a temporary file beside it, then
 * rename. "metrics" holds the pairs compared at a physical scale (the
 * phantoms), "metrics_nominal" those without one (the faces; left out when
 * there are none, and the comparison then uses the first table for both).
 * Returns 0 or a negative sk_status (message set). */
static int write_noise(const char *path, const acc_t *phys, int n_phys, const acc_t *nom, int n_nom,
                       acc_t (*band)[SK_NOISE_MAX], const int *n_band, int pairs,
                       const char *model_version, const char *method)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path) >= (int)sizeof tmp)
        return sk_error_set(SK_ERR_ARG, "%s: path too long", path);
    int fd = mkstemp(tmp);
    if (fd < 0)
        return sk_error_set(SK_ERR_IO, "%s: %s", tmp, strerror(errno));
    /* mkstemp makes the file private; the figures are shared model data */
    mode_t mask = umask(0);
    umask(mask);
    if (fchmod(fd, 0666 & ~mask) != 0) {
        int e = errno;
        close(fd);
        unlink(tmp);
        return sk_error_set(SK_ERR_IO, "%s: %s", tmp, strerror(e));
    }
    FILE *f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        unlink(tmp);
        return sk_error_set(SK_ERR_IO, "%s: %s", tmp, strerror(errno));
    }
    fprintf(f, "{\n  \"format\": \"skintrack-noise\",\n  \"version\": \"1.1\",\n");
    fprintf(f, "  \"model_version\": ");
    json_string(f, model_version);
    fprintf(f, ",\n  \"method\": ");
    json_string(f, method);
    fprintf(f, ",\n  \"command\": \"scripts/measure-noise\",\n  \"pairs\": %d,\n", pairs);
    write_table(f, "metrics", phys, n_phys, 2);
    if (n_nom > 0) {
        fprintf(f, ",\n");
        write_table(f, "metrics_nominal", nom, n_nom, 2);
    }
    int first = 1;
    for (int b = 0; b < N_BANDS; b++) {
        if (n_band[b] == 0)
            continue;
        fprintf(f, "%s    {\"name\": \"%s\", \"ita_min\": %g, \"ita_max\": %g,\n",
                first ? ",\n  \"tone_bands\": [\n" : ",\n", tone_bands[b].name,
                tone_bands[b].ita_min, tone_bands[b].ita_max);
        write_table(f, "metrics", band[b], n_band[b], 6);
        fputc('}', f);
        first = 0;
    }
    if (!first)
        fprintf(f, "\n  ]");
    fprintf(f, "\n}\n");
    int bad = fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0;
    bad |= fclose(f) != 0;
    if (bad) {
        unlink(tmp);
        return sk_error_set(SK_ERR_IO, "%s: write failed", tmp);
    }
    if (rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return sk_error_set(SK_ERR_IO, "%s: %s", path, strerror(e));
    }
    return 0;
}

/* Print one table of figures. */
static void print_table(const char *title, const acc_t *acc, int n)
{
    printf("\n%s\n%-26s %-8s %11s %7s %4s %4s\n", title, "metric", "unit", "sw", "cv %", "n",
           "n_cv");
    for (int i = 0; i < n; i++)
        printf("%-26s %-8s %11.5g %7.2f %4d %4d\n", acc[i].name, acc[i].unit, acc_sw(&acc[i]),
               100.0 * acc_cv(&acc[i]), acc[i].n, acc[i].n_cv);
}

/* Every pair's values, one row per pair and metric, for a closer look. */
static int write_csv(const char *path, const run_t *r)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return sk_error_set(SK_ERR_IO, "%s: %s", path, strerror(errno));
    fprintf(f, "kind,subject,pair,metric,unit,before,after\n");
    for (int i = 0; i < r->n_jobs; i++) {
        const job_t *j = &r->jobs[i];
        if (j->status != 0)
            continue;
        char what[256];
        if (j->kind == JOB_PHANTOM)
            snprintf(what, sizeof what, "skin,%llu", (unsigned long long)skin_seed(j->subject));
        else {
            const char *base = strrchr(j->face, '/');
            snprintf(what, sizeof what, "face,%s", base ? base + 1 : j->face);
        }
        for (int k = 0; k < j->res->count; k++) {
            const sk_compare_metric_t *m = &j->res->m[k];
            fprintf(f, "%s,%d,%s,%s,%.9g,%.9g\n", what, j->pair, m->name, m->unit ? m->unit : "",
                    m->before, m->after);
        }
    }
    if (fclose(f) != 0)
        return sk_error_set(SK_ERR_IO, "%s: write failed", path);
    return 0;
}

/* ----------------------------------------------------------------- main */

static int is_photo_name(const char *name)
{
    static const char *ext[] = {".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp", ".heic"};
    const char *dot = strrchr(name, '.');
    if (!dot || name[0] == '.')
        return 0;
    for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++)
        if (strcasecmp(dot, ext[i]) == 0)
            return 1;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The photos of DIR (by extension), sorted by name. */
static int list_faces(const char *dir, char **out, int max)
{
    DIR *d = opendir(dir);
    if (!d)
        return sk_error_set(SK_ERR_NOT_FOUND, "%s: %s", dir, strerror(errno));
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!is_photo_name(e->d_name))
            continue;
        if (n == max) {
            fprintf(stderr, "sk_noise: %s: more than %d photos; the rest are left out\n", dir, max);
            break;
        }
        char *p = malloc(strlen(dir) + strlen(e->d_name) + 2);
        if (!p)
            break;
        sprintf(p, "%s/%s", dir, e->d_name);
        out[n++] = p;
    }
    closedir(d);
    qsort(out, (size_t)n, sizeof *out, cmp_str);
    return n;
}

static void usage(FILE *f)
{
    fprintf(f, "Usage: sk_noise [options]\n"
               "Measure the repeatability of every metric on re-captures of unchanged skin\n"
               "(phantoms, and face photos re-captured synthetically) and write the noise\n"
               "figures the comparison uses.\n"
               "\n"
               "  --out FILE     output (default models/repeatability/noise.json)\n"
               "  --faces DIR    also re-capture every photo in DIR (none by default)\n"
               "  --skins N      phantom skins (default 16; skin k has ITA 55, 40, 25, 10, -5, -20,\n"
               "                 -35, -50 by k mod 8, and its own seed)\n"
               "  --pairs N      re-capture pairs per skin (default 6)\n"
               "  --face-pairs N re-capture pairs per face photo (default 3)\n"
               "  --field WxH    phantom field of view in mm (default 40x30)\n"
               "  --jobs N       threads (default 2)\n"
               "  --csv FILE     also write every pair's values (kind, subject, pair, metric,\n"
               "                 unit, before, after)\n"
               "  --quick        a smoke run: at most 2 skins and 2 faces, 1 pair each\n"
               "  --help         this text\n");
}

static int parse_count(const char *opt, const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) {
        fprintf(stderr, "sk_noise: %s: expected an integer in %ld..%ld, got '%s'\n", opt, lo, hi,
                s);
        return -1;
    }
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"out", required_argument, NULL, 'o'},
                                         {"faces", required_argument, NULL, 'f'},
                                         {"skins", required_argument, NULL, 's'},
                                         {"pairs", required_argument, NULL, 'p'},
                                         {"face-pairs", required_argument, NULL, 'F'},
                                         {"jobs", required_argument, NULL, 'j'},
                                         {"csv", required_argument, NULL, 'c'},
                                         {"field", required_argument, NULL, 'w'},
                                         {"quick", no_argument, NULL, 'q'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *out = "models/repeatability/noise.json", *faces_dir = NULL, *csv = NULL;
    long skins = 16, pairs = 6, face_pairs = 3, threads = 2;
    int quick = 0, c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        int bad = 0;
        switch (c) {
        case 'o':
            out = optarg;
            break;
        case 'f':
            faces_dir = optarg;
            break;
        case 's':
            bad = parse_count("--skins", optarg, 0, 1000, &skins);
            break;
        case 'p':
            bad = parse_count("--pairs", optarg, 1, 100, &pairs);
            break;
        case 'F':
            bad = parse_count("--face-pairs", optarg, 1, 100, &face_pairs);
            break;
        case 'j':
            bad = parse_count("--jobs", optarg, 1, MAX_THREADS, &threads);
            break;
        case 'q':
            quick = 1;
            break;
        case 'c':
            csv = optarg;
            break;
        case 'w': {
            char *end;
            errno = 0;
            field_w_mm = strtod(optarg, &end);
            if (*end == 'x')
                field_h_mm = strtod(end + 1, &end);
            bad = errno || *end || !(field_w_mm >= 10 && field_w_mm <= 200) ||
                  !(field_h_mm >= 10 && field_h_mm <= 200);
            if (bad)
                fprintf(stderr, "sk_noise: --field: expected WxH in mm (10..200), got '%s'\n",
                        optarg);
            break;
        }
        case 'h':
            usage(stdout);
            return 0;
        default:
            fprintf(stderr, "sk_noise: unknown or incomplete option '%s'\n", argv[optind - 1]);
            bad = 1;
        }
        if (bad) {
            fprintf(stderr, "Try 'sk_noise --help'.\n");
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "sk_noise: unexpected argument '%s'\nTry 'sk_noise --help'.\n",
                argv[optind]);
        return 2;
    }
    if (quick) {
        skins = skins < 2 ? skins : 2;
        pairs = 1;
        face_pairs = 1;
    }
    /* refuse an unwritable output before minutes of work */
    {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s", out);
        char *slash = strrchr(dir, '/');
        if (slash)
            *(slash == dir ? slash + 1 : slash) = '\0';
        else
            snprintf(dir, sizeof dir, ".");
        if (access(dir, W_OK) != 0) {
            fprintf(stderr, "sk_noise: %s: cannot write there: %s\n", dir, strerror(errno));
            return 1;
        }
    }
    if (sk_pipeline_init(argv[0]) < 0) {
        fprintf(stderr, "sk_noise: %s\n", sk_error_message());
        return 1;
    }

    int ret = 1, n_faces = 0;
    char *faces[FACE_MAX_FACES];
    run_t r = {0};
    char tmpdir[4096] = "";
    static sk_noise_t empty; /* no limits while measuring */
    static acc_t acc_ph[SK_NOISE_MAX], acc_fc[SK_NOISE_MAX], acc_band[N_BANDS][SK_NOISE_MAX];
    pthread_mutex_init(&r.lock, NULL);
    if (faces_dir) {
        n_faces = list_faces(faces_dir, faces, FACE_MAX_FACES);
        if (n_faces < 0) {
            fprintf(stderr, "sk_noise: %s\n", sk_error_message());
            n_faces = 0;
            goto done;
        }
        if (quick && n_faces > 2) {
            for (int i = 2; i < n_faces; i++)
                free(faces[i]);
            n_faces = 2;
        }
    }
    r.n_jobs = (int)(skins * pairs + n_faces * face_pairs);
    if (r.n_jobs == 0) {
        fprintf(stderr, "sk_noise: nothing to measure (no skins and no faces)\n");
        goto done;
    }
    r.jobs = calloc((size_t)r.n_jobs, sizeof *r.jobs);
    if (!r.jobs)
        goto nomem;
    int k = 0;
    for (int s = 0; s < skins; s++)
        for (int p = 0; p < pairs; p++, k++)
            r.jobs[k] = (job_t){.kind = JOB_PHANTOM, .subject = s, .pair = p};
    for (int f = 0; f < n_faces; f++)
        for (int p = 0; p < face_pairs; p++, k++)
            r.jobs[k] = (job_t){.kind = JOB_FACE, .subject = f, .pair = p, .face = faces[f]};
    for (int i = 0; i < r.n_jobs; i++)
        if (!(r.jobs[i].res = malloc(sizeof *r.jobs[i].res)))
            goto nomem;

    const char *tmp_base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/sk_noise.XXXXXX",
             tmp_base && *tmp_base ? tmp_base : "/tmp");
    if (!mkdtemp(tmpdir)) {
        fprintf(stderr, "sk_noise: %s: %s\n", tmpdir, strerror(errno));
        tmpdir[0] = '\0';
        goto done;
    }
    r.tmpdir = tmpdir;
    r.empty = &empty;
    printf("sk_noise: %ld skins x %ld pairs, %d faces x %ld pairs, %ld threads\n", skins, pairs,
           n_faces, face_pairs, threads);
    fflush(stdout);

    const double t0 = now_s();
    pthread_t tid[MAX_THREADS];
    worker_arg_t wa[MAX_THREADS];
    int started = 0;
    for (int i = 0; i < threads; i++) {
        wa[i] = (worker_arg_t){&r, i};
        if (pthread_create(&tid[i], NULL, worker, &wa[i]) != 0)
            break;
        started++;
    }
    if (started == 0) {
        fprintf(stderr, "sk_noise: cannot start a thread\n");
        goto done;
    }
    for (int i = 0; i < started; i++)
        pthread_join(tid[i], NULL);

    int ok = 0, failed = 0;
    const char *model_version = NULL;
    for (int i = 0; i < r.n_jobs; i++) {
        const job_t *j = &r.jobs[i];
        if (j->status != 0) {
            failed++;
            continue;
        }
        ok++;
        const char *v = j->res->before.metrics.model_version;
        if (!model_version)
            model_version = v;
        else if (strcmp(model_version, v) != 0) {
            fprintf(stderr, "sk_noise: model version changed during the run (%s, %s)\n",
                    model_version, v);
            goto done;
        }
    }
    if (ok == 0 || failed * 10 > r.n_jobs) {
        fprintf(stderr, "sk_noise: %d of %d pairs failed; nothing written\n", failed, r.n_jobs);
        goto done;
    }
    const int n_ph = accumulate(&r, JOB_PHANTOM, NULL, acc_ph);
    const int n_fc = accumulate(&r, JOB_FACE, NULL, acc_fc);
    int n_band[N_BANDS];
    for (int b = 0; b < N_BANDS; b++)
        n_band[b] = accumulate(&r, JOB_PHANTOM, &tone_bands[b], acc_band[b]);
    char method[1024];
    snprintf(method, sizeof method,
             "%ld phantom skins x %ld re-capture pairs (%.0fx%.0f mm at %.2f mm/px, ITA "
             "55..-50; table metrics, and by tone in tone_bands: ITA >= 28, -30..28, < -30) "
             "and %d face photos x %ld pairs (no scale; table "
             "metrics_nominal); phantoms perturbed by "
             "sk_phantom_perturb, "
             "faces by rotation +-%.0f deg, scale +-%.0f %%, shift +-%.0f %%, +-%.1f EV, R/B "
             "gains +-%.0f %%, sensor noise, JPEG 80-95; sw = sqrt(mean(d^2)/2), "
             "cv = sqrt(mean((d/level)^2)/2), d = after - before, level = (before + after)/2",
             skins, pairs, field_w_mm, field_h_mm, SKIN_MM_PER_PX, n_faces, face_pairs,
             FACE_MAX_ROT_DEG, 100 * FACE_MAX_SCALE, 100 * FACE_MAX_SHIFT, FACE_MAX_EV,
             100 * FACE_MAX_WB);
    if (write_noise(out, acc_ph, n_ph, acc_fc, n_fc, acc_band, n_band, ok, model_version, method) <
        0) {
        fprintf(stderr, "sk_noise: %s\n", sk_error_message());
        goto done;
    }
    print_table("metrics (phantoms, physical scale):", acc_ph, n_ph);
    if (n_fc)
        print_table("metrics_nominal (faces, no scale):", acc_fc, n_fc);
    for (int b = 0; b < N_BANDS; b++)
        if (n_band[b]) {
            char title[96];
            snprintf(title, sizeof title, "tone band %s (phantoms, ITA %g .. %g):",
                     tone_bands[b].name, tone_bands[b].ita_min, tone_bands[b].ita_max);
            print_table(title, acc_band[b], n_band[b]);
        }
    if (csv && write_csv(csv, &r) < 0)
        fprintf(stderr, "sk_noise: %s\n", sk_error_message());
    printf("\nsk_noise: %d pairs (%d failed) in %.1f s; wrote %s (model %s)\n", ok, failed,
           now_s() - t0, out, model_version);
    ret = 0;
    goto done;
nomem:
    fprintf(stderr, "sk_noise: out of memory\n");
done:
    if (tmpdir[0])
        rmdir(tmpdir);
    if (r.jobs)
        for (int i = 0; i < r.n_jobs; i++)
            free(r.jobs[i].res);
    free(r.jobs);
    for (int i = 0; i < n_faces; i++)
        free(faces[i]);
    pthread_mutex_destroy(&r.lock);
    sk_pipeline_shutdown();
    return ret;
}
