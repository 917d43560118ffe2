/* Comparison of a follow-up photo with its baseline (pipeline/sk_compare.h):
 * a planted 20 % improvement on phantom skin is measured with the right sign
 * and size and beyond noise; re-captures of unchanged skin stay within noise
 * (on skins the noise measurement never saw); a photo against itself shows
 * no change; photos of different regions are refused; and the repeatability
 * file is loaded and applied as documented (docs/COMPARE.md). Changes are
 * measured on the phantom's default field (40 x 30 mm at 0.04 mm/px, the
 * field the noise figures were measured on); the other checks use a smaller
 * one (20 x 15 mm) to keep the suite quick under sanitizers. */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <vips/vips.h>

#include "sk_compare.h"
#include "sk_phantom.h"
#include "skintrack.h"
#include "testutil.h"

#define FACES SK_SHARED_DATA_DIR "/faces/"
#define MODELS SK_SOURCE_DIR "/models"

/* Skin seeds of this suite. sk_noise measures the noise figures on skins
 * 7101..7116; these are different skins. */
#define SEED_PLANTED 9101u
#define SEED_RECAPTURE 9201u
#define SEED_OTHER 9301u

static void setup(void)
{
    cr_assert_eq(sk_pipeline_init("test_compare"), SK_OK);
}

TestSuite(compare, .init = setup, .timeout = 300);
TestSuite(noise, .init = setup, .timeout = 60);

/* ---------------------------------------------------------- helpers */

/* The default phantom field (40 x 30 mm at 0.04 mm/px) with a seed and a
 * tone; small_skin: a 20 x 15 mm field. */
static void skin(sk_phantom_params *p, uint64_t seed, double ita)
{
    sk_phantom_params_default(p);
    p->seed = seed;
    p->ita_deg = ita;
}

static void small_skin(sk_phantom_params *p, uint64_t seed, double ita)
{
    skin(p, seed, ita);
    p->width_mm = 20.0;
    p->height_mm = 15.0;
}

/* Render `p` and write it to dir/name.png (8 bits, as a camera would
 * deliver it); returns the path in buf and the photo's mm/px. */
static const char *render_png(const sk_phantom_params *p, const char *dir, const char *name,
                              char *buf, size_t len, double *mm_per_px)
{
    sk_image_t *img = NULL;
    sk_phantom_truth *t = NULL;
    cr_assert_eq(sk_phantom_render(p, &img, &t), SK_OK, "%s", sk_error_message());
    if (mm_per_px)
        *mm_per_px = t->mm_per_px;
    const int w = img->width, h = img->height;
    unsigned char *px = malloc((size_t)w * h * 3);
    cr_assert(px);
    sk_image_to_rgb8(img, px);
    snprintf(buf, len, "%s/%s.png", dir, name);
    VipsImage *im = vips_image_new_from_memory(px, (size_t)w * h * 3, w, h, 3, VIPS_FORMAT_UCHAR);
    cr_assert(im);
    cr_assert_eq(vips_pngsave(im, buf, "compression", 1, NULL), 0, "%s", vips_error_buffer());
    g_object_unref(im);
    free(px);
    sk_phantom_truth_free(t);
    sk_image_free(img);
    return buf;
}

/* The project's measured noise figures; the suite needs them. */
static void load_noise(sk_noise_t *noise)
{
    cr_assert_eq(sk_noise_load(MODELS, noise), SK_OK, "%s", sk_error_message());
    cr_assert_gt(noise->count, 0,
                 "models/repeatability/noise.json is missing: run scripts/measure-noise");
}

static const sk_compare_metric_t *find_metric(const sk_compare_result_t *r, const char *name)
{
    for (int i = 0; i < r->count; i++)
        if (r->m[i].name && strcmp(r->m[i].name, name) == 0)
            return &r->m[i];
    return NULL;
}

static int compare_opt(const char *before, const char *after, double mm_per_px,
                       const sk_noise_t *noise, int normalise, sk_compare_result_t *r)
{
    sk_comparer_t *c = NULL;
    cr_assert_eq(sk_comparer_new(&c), SK_OK);
    sk_compare_opts_t o;
    sk_compare_opts_default(&o);
    o.mm_per_px = mm_per_px;
    o.noise = noise;
    o.normalise = normalise;
    int rc = sk_compare_photos(c, before, after, &o, r);
    sk_comparer_free(c);
    return rc;
}

static int compare(const char *before, const char *after, double mm_per_px, const sk_noise_t *noise,
                   sk_compare_result_t *r)
{
    return compare_opt(before, after, mm_per_px, noise, 1, r);
}

/* ------------------------------------------ (a) planted improvement */

/* The headline metric of each family and the change the phantom plants at
 * improvement 0.2 (docs/PHANTOMS.md §4). Scars keep their outline and get
 * 20 % shallower, so their headline is the depth proxy, not the area. */
static const char *const headline[] = {"pores.count", "wrinkles.total_length",
                                       "pigment.spot_area_pct", "redness.area_pct",
                                       "scars.severity"};
#define N_HEADLINE ((int)(sizeof headline / sizeof headline[0]))

/* Families whose phantom bars are known not to be met yet (docs/VALIDATION.md;
 * docs/COMPARE.md, "Repeatability"): their figures are printed with NOT MET
 * and only the consistency of the verdict is asserted, as the model suites
 * do, so the suite keeps guarding the others. Take a family off the list
 * when its line reads "now met". */
static int known_shortfall(const char *name)
{
    return strcmp(name, "scars.severity") == 0;
}

static void planted_session(uint64_t seed, double ita, uint64_t perturb_a, uint64_t perturb_b)
{
    char dir[256], a[512], b[512];
    sk_test_tmpdir(dir, sizeof dir);
    sk_noise_t noise;
    load_noise(&noise);
    sk_phantom_params pa, pb;
    skin(&pa, seed, ita);
    pb = pa;
    sk_phantom_perturb(&pa, perturb_a);
    sk_phantom_perturb(&pb, perturb_b);
    pb.improvement = 0.2;
    double mm = 0;
    render_png(&pa, dir, "before", a, sizeof a, &mm);
    render_png(&pb, dir, "after", b, sizeof b, NULL);

    sk_compare_result_t *r = malloc(sizeof *r);
    cr_assert(r);
    cr_assert_eq(compare(a, b, mm, &noise, r), SK_OK, "%s", sk_error_message());
    if (strcmp(noise.model_version, r->before.metrics.model_version) != 0)
        printf("note: noise figures measured with models %s, photos scored with %s: re-run "
               "scripts/measure-noise\n",
               noise.model_version, r->before.metrics.model_version);
    printf("planted 20 %% improvement, skin %llu (ITA %+.0f), perturb %llu -> %llu: residual "
           "%.4f, common %.2f, flags 0x%x\n",
           (unsigned long long)seed, ita, (unsigned long long)perturb_a,
           (unsigned long long)perturb_b, r->reg.residual, r->common_fraction, r->pair_flags);
    for (int i = 0; i < N_HEADLINE; i++) {
        const sk_compare_metric_t *m = find_metric(r, headline[i]);
        cr_assert(m, "%s missing", headline[i]);
        const sk_noise_entry_t *e = sk_noise_find_scaled(&noise, m->name, 1);
        cr_assert(e, "%s has no noise figure", m->name);
        const double level = 0.5 * (m->before + m->after);
        printf("  %-24s %10.4g -> %10.4g  %+7.2f %%  limit %8.4g (%.1f %% of level, cv %.2f %%)  "
               "beyond %d  improved %d\n",
               m->name, m->before, m->after, m->pct, m->limit, 100.0 * m->limit / fabs(level),
               100.0 * e->cv, m->beyond_noise, m->improved);
        /* the verdict always follows the limit */
        if (isfinite(m->delta) && isfinite(m->limit))
            cr_expect_eq(m->beyond_noise, fabs(m->delta) > m->limit, "%s: verdict %d", m->name,
                         m->beyond_noise);
        /* the truth bar (right sign, about the planted size) and a change
         * beyond noise, marked as an improvement */
        const int met = isfinite(m->pct) && m->pct < 0 && fabs(m->pct + 20.0) <= 8.0 &&
                        m->beyond_noise == 1 && m->improved == 1;
        if (known_shortfall(m->name)) {
            printf("  %-24s %s (known shortfall)\n", m->name, met ? "now met" : "NOT MET");
            continue;
        }
        cr_expect(isfinite(m->pct), "%s: no change measured", m->name);
        cr_expect(m->pct < 0, "%s: planted improvement measured with the wrong sign (%+.2f %%)",
                  m->name, m->pct);
        cr_expect(fabs(m->pct + 20.0) <= 8.0, "%s: %+.2f %%, planted -20 %%", m->name, m->pct);
        cr_expect_eq(m->beyond_noise, 1, "%s: %+.2f %% not beyond noise (limit %.4g)", m->name,
                     m->pct, m->limit);
        cr_expect_eq(m->improved, 1, "%s: not marked improved", m->name);
    }
    free(r);
    sk_test_rmtree(dir);
}

Test(compare, planted_improvement_light_skin)
{
    planted_session(SEED_PLANTED, 35, 11, 12);
}

Test(compare, planted_improvement_dark_skin)
{
    planted_session(SEED_PLANTED + 1, -25, 21, 22);
}

/* ------------------------------------ (b) re-captures within noise */

/* Unchanged skin, two independent re-captures. With a 95 % limit a metric
 * steps over it by chance in about 1 pair of 20, so over the ~24 metrics
 * with a verdict one or two false alarms in a pair can happen; more means
 * the limits are too tight. One pair per test, so the pairs run in
 * parallel. */
static void recapture_pair(int k, double ita)
{
    char dir[256], a[512], b[512];
    sk_test_tmpdir(dir, sizeof dir);
    sk_noise_t noise;
    load_noise(&noise);
    sk_compare_result_t *r = malloc(sizeof *r);
    cr_assert(r);
    int checks = 0, alarms = 0, unknown = 0;
    sk_phantom_params pa, pb;
    skin(&pa, SEED_RECAPTURE + k, ita);
    pb = pa;
    sk_phantom_perturb(&pa, 100 + 2 * k);
    sk_phantom_perturb(&pb, 101 + 2 * k);
    double mm = 0;
    render_png(&pa, dir, "a", a, sizeof a, &mm);
    render_png(&pb, dir, "b", b, sizeof b, NULL);
    cr_assert_eq(compare(a, b, mm, &noise, r), SK_OK, "skin %u: %s", SEED_RECAPTURE + k,
                 sk_error_message());
    printf("re-capture skin %u (ITA %+.0f), perturb %d -> %d: residual %.4f, scale %.3f, "
           "rot %+.2f, flags 0x%x\n",
           SEED_RECAPTURE + k, ita, 100 + 2 * k, 101 + 2 * k, r->reg.residual, r->reg.scale,
           r->reg.rotation_deg, r->pair_flags);
    for (int i = 0; i < r->count; i++) {
        const sk_compare_metric_t *m = &r->m[i];
        if (m->beyond_noise < 0) {
            unknown++;
            cr_expect(m->note != NULL, "%s: unknown without a note", m->name);
            printf("  %-26s unknown: %s\n", m->name, m->note ? m->note : "(no note)");
            continue;
        }
        checks++;
        if (m->beyond_noise == 1) {
            alarms++;
            printf("  %-26s BEYOND NOISE %10.4g -> %10.4g (%+.2f %%), |d| %.4g > limit %.4g\n",
                   m->name, m->before, m->after, m->pct, fabs(m->delta), m->limit);
        }
    }
    printf("re-capture skin %u: %d of %d verdicts beyond noise, %d unknown\n", SEED_RECAPTURE + k,
           alarms, checks, unknown);
    cr_expect_gt(checks, 15);
    cr_expect_leq(alarms, 2, "%d of %d false alarms on unchanged skin: limits too tight", alarms,
                  checks);
    free(r);
    sk_test_rmtree(dir);
}

Test(compare, recapture_light_skin_within_noise)
{
    recapture_pair(0, 45);
}

Test(compare, recapture_medium_skin_within_noise)
{
    recapture_pair(1, 0);
}

Test(compare, recapture_dark_skin_within_noise)
{
    recapture_pair(2, -40);
}

/* A portrait without a scale, re-captured twice: reduced to 600 px, then
 * turned and magnified a little about its centre, brightened or darkened,
 * the centre 480 x 480 kept, through JPEG. The verdicts come from the table
 * for photos without a scale (sizes in px). */
static const char *face_capture(const char *src, double angle, double scale, double gain,
                                int quality, const char *dir, const char *name, char *buf,
                                size_t len)
{
    VipsImage *t = NULL, *u = NULL, *v = NULL, *w = NULL;
    VipsInterpolate *bicubic = vips_interpolate_new("bicubic");
    cr_assert(bicubic);
    cr_assert_eq(vips_thumbnail(src, &t, 600, NULL), 0, "%s", vips_error_buffer());
    cr_assert_eq(
        vips_similarity(t, &u, "angle", angle, "scale", scale, "interpolate", bicubic, NULL), 0,
        "%s", vips_error_buffer());
    cr_assert_eq(vips_linear1(u, &v, gain, 0.0, "uchar", TRUE, NULL), 0, "%s", vips_error_buffer());
    cr_assert_geq(v->Xsize, 480);
    cr_assert_eq(vips_crop(v, &w, (v->Xsize - 480) / 2, (v->Ysize - 480) / 2, 480, 480, NULL), 0,
                 "%s", vips_error_buffer());
    snprintf(buf, len, "%s/%s.jpg", dir, name);
    cr_assert_eq(vips_jpegsave(w, buf, "Q", quality, NULL), 0, "%s", vips_error_buffer());
    g_object_unref(w);
    g_object_unref(v);
    g_object_unref(u);
    g_object_unref(t);
    g_object_unref(bicubic);
    return buf;
}

Test(compare, face_recapture_within_noise)
{
    char dir[256], a[512], b[512];
    sk_test_tmpdir(dir, sizeof dir);
    sk_noise_t noise;
    load_noise(&noise);
    cr_assert_gt(noise.count_nominal, 0, "no table for photos without a scale");
    face_capture(FACES "038_03.jpg", 1.2, 1.00, 1.00, 92, dir, "a", a, sizeof a);
    face_capture(FACES "038_03.jpg", -0.8, 1.03, 1.06, 85, dir, "b", b, sizeof b);
    sk_compare_result_t *r = malloc(sizeof *r);
    cr_assert(r);
    cr_assert_eq(compare(a, b, 0, &noise, r), SK_OK, "%s", sk_error_message());
    printf("face re-capture: residual %.4f, scale %.3f, rot %+.2f, common %.2f, flags 0x%x\n",
           r->reg.residual, r->reg.scale, r->reg.rotation_deg, r->common_fraction, r->pair_flags);
    int checks = 0, alarms = 0;
    for (int i = 0; i < r->count; i++) {
        const sk_compare_metric_t *m = &r->m[i];
        if (isfinite(m->delta) && isfinite(m->limit)) {
            const double lim =
                sk_noise_limit_scaled(&noise, m->name, 0.5 * (m->before + m->after), 0);
            cr_expect_float_eq(m->limit, lim, 1e-12 * fmax(1.0, lim),
                               "%s: limit %g is not the no-scale table's %g", m->name, m->limit,
                               lim);
        }
        if (m->beyond_noise < 0)
            continue;
        checks++;
        if (m->beyond_noise == 1) {
            alarms++;
            printf("  %-26s BEYOND NOISE %10.4g -> %10.4g (%+.2f %%), |d| %.4g > limit %.4g\n",
                   m->name, m->before, m->after, m->pct, fabs(m->delta), m->limit);
        }
    }
    const sk_compare_metric_t *len_m = find_metric(r, "wrinkles.total_length");
    cr_assert(len_m);
    cr_expect_str_eq(len_m->unit, "px");
    printf("face re-capture: %d of %d verdicts beyond noise\n", alarms, checks);
    cr_expect_gt(checks, 12);
    cr_expect_leq(alarms, 2, "%d of %d false alarms on an unchanged face", alarms, checks);
    free(r);
    sk_test_rmtree(dir);
}

/* ------------------------------------------------------- (c) identity */

/* A photo against itself: the identity transform, and no change. The
 * colour normalisation's gains are then exactly 1, but its table lookup
 * still moves values by a float rounding (about 1e-7), so with
 * normalisation the deltas are zero to that rounding; without it they are
 * zero exactly. */
static void identity_pair(int normalise, double tol)
{
    char dir[256], a[512];
    sk_test_tmpdir(dir, sizeof dir);
    sk_noise_t noise;
    load_noise(&noise);
    sk_phantom_params p;
    small_skin(&p, SEED_PLANTED, 20);
    sk_phantom_perturb(&p, 31);
    double mm = 0;
    render_png(&p, dir, "a", a, sizeof a, &mm);
    sk_compare_result_t *r = malloc(sizeof *r);
    cr_assert(r);
    cr_assert_eq(compare_opt(a, a, mm, &noise, normalise, r), SK_OK, "%s", sk_error_message());
    const double *M = r->reg.M;
    printf("identity (normalise %d): M = [%.6f %.6f %.4f; %.6f %.6f %.4f], residual %.2e, common "
           "%.3f\n",
           normalise, M[0], M[1], M[2], M[3], M[4], M[5], r->reg.residual, r->common_fraction);
    cr_expect_lt(fabs(r->reg.scale - 1), 1e-4);
    cr_expect_lt(fabs(r->reg.rotation_deg), 0.01);
    cr_expect_lt(hypot(r->reg.tx, r->reg.ty), 0.01);
    cr_expect_lt(r->reg.residual, 1e-3);
    cr_expect_eq(r->pair_flags, 0u, "flags 0x%x", r->pair_flags);
    cr_expect_gt(r->count, 20);
    double worst = 0;
    for (int i = 0; i < r->count; i++) {
        const sk_compare_metric_t *m = &r->m[i];
        if (isnan(m->before) && isnan(m->after))
            continue;
        cr_expect(isfinite(m->before) && isfinite(m->after), "%s: %g vs %g", m->name, m->before,
                  m->after);
        const double rel = fabs(m->delta) / fmax(1.0, fabs(m->before));
        worst = fmax(worst, rel);
        cr_expect_leq(rel, tol, "%s: delta %g", m->name, m->delta);
        cr_expect_neq(m->beyond_noise, 1, "%s beyond noise against itself", m->name);
        cr_expect_eq(m->improved, 0, "%s improved against itself", m->name);
    }
    printf("identity (normalise %d): largest |delta| / max(1, |before|) = %.3g\n", normalise,
           worst);
    free(r);
    sk_test_rmtree(dir);
}

Test(compare, identity_pair_shows_no_change)
{
    identity_pair(1, 1e-5);
}

Test(compare, identity_pair_without_normalisation_is_exact)
{
    identity_pair(0, 0.0);
}

/* A region mask on the baseline (its left half: the treated skin) limits
 * the comparison to it, and is not a capture mismatch: the common skin is
 * measured against the baseline's skin inside its mask, so the pair of a
 * photo with itself has no overlap flag and no change. */
Test(compare, baseline_region_mask_is_not_an_overlap_mismatch)
{
    char dir[256], a[512], mpath[600];
    sk_test_tmpdir(dir, sizeof dir);
    sk_noise_t noise;
    load_noise(&noise);
    sk_phantom_params p;
    small_skin(&p, SEED_PLANTED, 20);
    double mm = 0;
    render_png(&p, dir, "a", a, sizeof a, &mm);
    VipsImage *im = vips_image_new_from_file(a, NULL), *mask = NULL;
    cr_assert(im);
    const int w = im->Xsize, h = im->Ysize;
    unsigned char *m = calloc((size_t)w * h, 1);
    for (int y = 0; y < h; y++)
        memset(m + (size_t)y * w, 255, (size_t)w / 2);
    mask = vips_image_new_from_memory(m, (size_t)w * h, w, h, 1, VIPS_FORMAT_UCHAR);
    snprintf(mpath, sizeof mpath, "%s/a.mask.png", dir);
    cr_assert_eq(vips_pngsave(mask, mpath, NULL), 0, "%s", vips_error_buffer());
    g_object_unref(mask);
    g_object_unref(im);
    sk_comparer_t *c = NULL;
    cr_assert_eq(sk_comparer_new(&c), SK_OK);
    sk_compare_opts_t o;
    sk_compare_opts_default(&o);
    o.mm_per_px = mm;
    o.noise = &noise;
    o.mask_before = mpath;
    sk_compare_result_t *r = malloc(sizeof *r);
    cr_assert(r);
    cr_assert_eq(sk_compare_photos(c, a, a, &o, r), SK_OK, "%s", sk_error_message());
    printf("baseline masked to its left half: common %.3f, flags 0x%x\n", r->common_fraction,
           r->pair_flags);
    cr_expect_gt(r->common_fraction, 0.9);
    cr_expect_eq(r->pair_flags & SK_PAIR_OVERLAP, 0u, "a region mask flagged as overlap");
    const sk_compare_metric_t *pc = find_metric(r, "pores.count");
    cr_assert(pc && isfinite(pc->before));
    cr_expect_float_eq(pc->before, pc->after, 1e-9);
    free(r);
    sk_comparer_free(c);
    free(m);
    sk_test_rmtree(dir);
}

/* ------------------------------------------------ (d) different regions */

Test(compare, different_skins_are_refused)
{
    char dir[256], a[512], b[512];
    sk_test_tmpdir(dir, sizeof dir);
    sk_noise_t noise = {0};
    sk_phantom_params pa, pb;
    small_skin(&pa, SEED_OTHER, 30);
    small_skin(&pb, SEED_OTHER + 1, 30);
    sk_phantom_perturb(&pb, 41);
    double mm = 0;
    render_png(&pa, dir, "a", a, sizeof a, &mm);
    render_png(&pb, dir, "b", b, sizeof b, NULL);
    sk_compare_result_t *r = malloc(sizeof *r);
    cr_assert(r);
    int rc = compare(a, b, mm, &noise, r);
    printf("different skins: %d (%s)\n", rc, sk_error_message());
    cr_expect_eq(rc, SK_ERR_QUALITY, "%d: %s", rc, sk_error_message());
    cr_expect_neq(sk_error_message()[0], '\0');
    free(r);
    sk_test_rmtree(dir);
}

Test(compare, face_and_phantom_are_refused)
{
    char dir[256], a[512];
    sk_test_tmpdir(dir, sizeof dir);
    sk_noise_t noise = {0};
    sk_phantom_params p;
    small_skin(&p, SEED_OTHER, 10);
    render_png(&p, dir, "a", a, sizeof a, NULL);
    sk_compare_result_t *r = malloc(sizeof *r);
    cr_assert(r);
    int rc = compare(FACES "001_03.jpg", a, 0, &noise, r);
    printf("face vs phantom: %d (%s)\n", rc, sk_error_message());
    cr_expect_eq(rc, SK_ERR_QUALITY, "%d: %s", rc, sk_error_message());
    rc = compare(a, FACES "001_03.jpg", 0, &noise, r);
    printf("phantom vs face: %d (%s)\n", rc, sk_error_message());
    cr_expect_eq(rc, SK_ERR_QUALITY, "%d: %s", rc, sk_error_message());
    free(r);
    sk_test_rmtree(dir);
}

/* ---------------------------------------------- (e) repeatability file */

static void write_noise_file(const char *dir, const char *text)
{
    char sub[512], path[600];
    snprintf(sub, sizeof sub, "%s/repeatability", dir);
    cr_assert(mkdir(sub, 0755) == 0 || errno == EEXIST);
    sk_test_write_file(sub, "noise.json", text, strlen(text), path, sizeof path);
}

Test(noise, missing_file_gives_no_limits)
{
    char dir[256];
    sk_test_tmpdir(dir, sizeof dir);
    sk_noise_t n;
    memset(&n, 0x5a, sizeof n);
    cr_assert_eq(sk_noise_load(dir, &n), SK_OK, "%s", sk_error_message());
    cr_expect_eq(n.count, 0);
    cr_expect_null(sk_noise_find(&n, "pores.count"));
    cr_expect(isnan(sk_noise_limit(&n, "pores.count", 100)));
    sk_test_rmtree(dir);
}

Test(noise, malformed_file_is_refused)
{
    static const char *const bad[] = {
        "{\"format\": \"skintrack-noise\", \"metrics\": {\"pores.count\": {\"sw\": 1",
        "not json at all",
        "[1, 2, 3]",
        "{\"format\": \"skintrack-noise\", \"version\": \"1.0\", \"metrics\": 7}",
        "{\"metrics\": {\"pores.count\": {\"sw\": -1, \"cv\": 0.1}}}",
        "{\"metrics\": {\"pores.count\": {\"sw\": \"big\", \"cv\": 0.1}}}",
        "{\"metrics\": {}, \"metrics_nominal\": [1]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char dir[256];
        sk_test_tmpdir(dir, sizeof dir);
        write_noise_file(dir, bad[i]);
        sk_noise_t n;
        int rc = sk_noise_load(dir, &n);
        printf("malformed %zu: %d (%s)\n", i, rc, sk_error_message());
        cr_expect_eq(rc, SK_ERR_FORMAT, "case %zu: %d", i, rc);
        cr_expect_not_null(strstr(sk_error_message(), "noise.json"), "case %zu: '%s'", i,
                           sk_error_message());
        sk_test_rmtree(dir);
    }
}

Test(noise, hand_made_file_loads)
{
    char dir[256];
    sk_test_tmpdir(dir, sizeof dir);
    write_noise_file(dir, "{\"format\": \"skintrack-noise\", \"version\": \"1.0\",\n"
                          " \"model_version\": \"1.0+test\", \"method\": \"hand made\",\n"
                          " \"command\": \"none\", \"pairs\": 3,\n"
                          " \"metrics\": {\"pores.count\": {\"sw\": 2.5, \"cv\": 0.04, \"n\": 3},\n"
                          "             \"texture.ra\": {\"sw\": 0.1, \"cv\": 0.02, \"n\": 3}}}\n");
    sk_noise_t n;
    cr_assert_eq(sk_noise_load(dir, &n), SK_OK, "%s", sk_error_message());
    cr_expect_eq(n.count, 2);
    const sk_noise_entry_t *e = sk_noise_find(&n, "pores.count");
    cr_assert_not_null(e);
    cr_expect_float_eq(e->sw, 2.5, 1e-12);
    cr_expect_float_eq(e->cv, 0.04, 1e-12);
    cr_expect_eq(e->n, 3);
    cr_expect_str_eq(n.model_version, "1.0+test");
    const double k = 1.96 * sqrt(2.0);
    /* level 50: cv * level = 2 < sw; level 200: 8 > sw */
    cr_expect_float_eq(sk_noise_limit(&n, "pores.count", 50), k * 2.5, 1e-9);
    cr_expect_float_eq(sk_noise_limit(&n, "pores.count", 200), k * 8.0, 1e-9);
    /* no table for photos without a scale: the scaled one serves both */
    cr_expect_eq(n.count_nominal, 0);
    cr_expect_float_eq(sk_noise_limit_scaled(&n, "texture.ra", 5, 0), k * 0.1, 1e-9);
    sk_test_rmtree(dir);
}

Test(noise, nominal_table_serves_photos_without_scale)
{
    char dir[256];
    sk_test_tmpdir(dir, sizeof dir);
    write_noise_file(dir, "{\"format\": \"skintrack-noise\", \"version\": \"1.0\",\n"
                          " \"metrics\": {\"wrinkles.total_length\": {\"sw\": 2, \"cv\": 0.1}},\n"
                          " \"metrics_nominal\": {\"wrinkles.total_length\": {\"sw\": 40, "
                          "\"cv\": 0.2},\n"
                          "                     \"texture.ra\": {\"sw\": 0.05, \"cv\": 0}}}\n");
    sk_noise_t n;
    cr_assert_eq(sk_noise_load(dir, &n), SK_OK, "%s", sk_error_message());
    cr_expect_eq(n.count, 1);
    cr_expect_eq(n.count_nominal, 2);
    const double k = 1.96 * sqrt(2.0);
    /* mm at a physical scale, px without one */
    cr_expect_float_eq(sk_noise_limit_scaled(&n, "wrinkles.total_length", 50, 1), k * 5, 1e-9);
    cr_expect_float_eq(sk_noise_limit_scaled(&n, "wrinkles.total_length", 50, 0), k * 40, 1e-9);
    cr_expect_float_eq(sk_noise_limit_scaled(&n, "wrinkles.total_length", 1000, 0), k * 200, 1e-9);
    cr_expect_float_eq(sk_noise_limit(&n, "wrinkles.total_length", 50), k * 5, 1e-9);
    /* a metric only in the nominal table has no limit at a physical scale */
    cr_expect(isnan(sk_noise_limit_scaled(&n, "texture.ra", 1, 1)));
    cr_expect_float_eq(sk_noise_limit_scaled(&n, "texture.ra", 1, 0), k * 0.05, 1e-9);
    sk_test_rmtree(dir);
}

/* Without a scale, the nominal table's relative figure is never taken below
 * the phantoms' cv (its sw is not compared: the units differ). */
Test(noise, nominal_limit_has_the_phantom_cv_as_floor)
{
    char dir[256];
    sk_test_tmpdir(dir, sizeof dir);
    write_noise_file(dir, "{\"format\": \"skintrack-noise\", \"version\": \"1.0\",\n"
                          " \"metrics\": {\"pigment.evenness\": {\"sw\": 0.5, \"cv\": 0.01}},\n"
                          " \"metrics_nominal\": {\"pigment.evenness\": {\"sw\": 0.011, "
                          "\"cv\": 0.004}}}\n");
    sk_noise_t n;
    cr_assert_eq(sk_noise_load(dir, &n), SK_OK, "%s", sk_error_message());
    const double k = 1.96 * sqrt(2.0);
    /* level 6.7: nominal max(0.011, 0.0268) < phantom cv 0.067; sw 0.5 stays out */
    cr_expect_float_eq(sk_noise_limit_scaled(&n, "pigment.evenness", 6.7, 0), k * 0.067, 1e-9);
    /* level 1: the nominal sw 0.011 is above both relative figures */
    cr_expect_float_eq(sk_noise_limit_scaled(&n, "pigment.evenness", 1.0, 0), k * 0.011, 1e-9);
    /* with a scale, the phantoms' own figures */
    cr_expect_float_eq(sk_noise_limit_scaled(&n, "pigment.evenness", 6.7, 1), k * 0.5, 1e-9);
    sk_test_rmtree(dir);
}

/* Limits by skin tone: the band's figure when it was measured on enough
 * pairs and the photos have a physical scale; the pooled one otherwise. */
Test(noise, tone_bands_pick_the_limit)
{
    char dir[256];
    sk_test_tmpdir(dir, sizeof dir);
    write_noise_file(
        dir, "{\"format\": \"skintrack-noise\", \"version\": \"1.1\",\n"
             " \"metrics\": {\"pigment.spot_area_pct\": {\"sw\": 0.04, \"cv\": 0.04, \"n\": 96},\n"
             "             \"redness.area_pct\": {\"sw\": 0.3, \"cv\": 0.04, \"n\": 96}},\n"
             " \"metrics_nominal\": {\"pigment.spot_area_pct\": {\"sw\": 0.3, \"cv\": 0.2}},\n"
             " \"tone_bands\": [\n"
             "  {\"name\": \"light\", \"ita_min\": 28, \"ita_max\": 90, \"metrics\": {\n"
             "    \"pigment.spot_area_pct\": {\"sw\": 0.002, \"cv\": 0.002, \"n\": 24},\n"
             "    \"redness.area_pct\": {\"sw\": 0.01, \"cv\": 0.01, \"n\": 6}}},\n"
             "  {\"name\": \"dark\", \"ita_min\": -90, \"ita_max\": -30, \"metrics\": {\n"
             "    \"pigment.spot_area_pct\": {\"sw\": 0.1, \"cv\": 0.1, \"n\": 24}}}]}\n");
    sk_noise_t n;
    cr_assert_eq(sk_noise_load(dir, &n), SK_OK, "%s", sk_error_message());
    cr_expect_eq(n.n_bands, 2);
    cr_expect_str_eq(n.bands[1].name, "dark");
    const double k = 1.96 * sqrt(2.0);
    const char *sa = "pigment.spot_area_pct";
    cr_expect_eq(sk_noise_find_toned(&n, sa, 1, 45.0), &n.bands[0].items[0]);
    /* a band raises the limit (dark skin) but never lowers it (light skin) */
    cr_expect_float_eq(sk_noise_limit_toned(&n, sa, 1.0, 1, 45.0), k * 0.04, 1e-12);
    cr_expect_float_eq(sk_noise_limit_toned(&n, sa, 1.0, 1, -45.0), k * 0.1, 1e-12);
    /* the edges: ita_min inside, ita_max outside */
    cr_expect_float_eq(sk_noise_limit_toned(&n, sa, 1.0, 1, -90.0), k * 0.1, 1e-12);
    cr_expect_float_eq(sk_noise_limit_toned(&n, sa, 1.0, 1, -30.0), k * 0.04, 1e-12);
    /* no band, unknown tone, or no scale: pooled figures */
    cr_expect_float_eq(sk_noise_limit_toned(&n, sa, 1.0, 1, 0.0), k * 0.04, 1e-12);
    cr_expect_float_eq(sk_noise_limit_toned(&n, sa, 1.0, 1, NAN), k * 0.04, 1e-12);
    cr_expect_float_eq(sk_noise_limit_toned(&n, sa, 1.0, 0, 45.0), k * 0.3, 1e-12);
    /* a band figure from too few pairs is not used */
    cr_expect_float_eq(sk_noise_limit_toned(&n, "redness.area_pct", 1.0, 1, 45.0), k * 0.3, 1e-12);
    /* stored verdicts follow the band: 1.0 -> 1.2 (limit 0.112 pooled, 0.28
     * on dark skin) is beyond noise except on dark skin */
    cr_expect_eq(sk_noise_beyond_stored(&n, sa, 1.0, 1.2, 1, 45.0), 1);
    cr_expect_eq(sk_noise_beyond_stored(&n, sa, 1.0, 1.2, 1, NAN), 1);
    cr_expect_eq(sk_noise_beyond_stored(&n, sa, 1.0, 1.2, 1, -45.0), 0);
    sk_test_rmtree(dir);

    static const char *const bad[] = {
        "{\"metrics\": {}, \"tone_bands\": {}}",
        "{\"metrics\": {}, \"tone_bands\": [{\"ita_min\": 10, \"ita_max\": 5, \"metrics\": {}}]}",
        "{\"metrics\": {}, \"tone_bands\": [{\"ita_min\": 10, \"ita_max\": 50}]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sk_test_tmpdir(dir, sizeof dir);
        write_noise_file(dir, bad[i]);
        cr_expect_eq(sk_noise_load(dir, &n), SK_ERR_FORMAT, "case %zu", i);
        sk_test_rmtree(dir);
    }
}

Test(noise, limit_arithmetic)
{
    sk_noise_t n;
    memset(&n, 0, sizeof n);
    n.count = 2;
    snprintf(n.items[0].name, sizeof n.items[0].name, "pigment.spot_area_pct");
    n.items[0].sw = 0.2;
    n.items[0].cv = 0.05;
    n.items[0].n = 10;
    snprintf(n.items[1].name, sizeof n.items[1].name, "texture.ra");
    n.items[1].sw = 0.0;
    n.items[1].cv = 0.0;
    n.items[1].n = 10;
    const double k = 1.96 * sqrt(2.0);
    cr_expect_float_eq(sk_noise_limit(&n, "pigment.spot_area_pct", 1.0), k * 0.2, 1e-12);
    cr_expect_float_eq(sk_noise_limit(&n, "pigment.spot_area_pct", 4.0), k * 0.2, 1e-12);
    cr_expect_float_eq(sk_noise_limit(&n, "pigment.spot_area_pct", 10.0), k * 0.5, 1e-12);
    cr_expect_float_eq(sk_noise_limit(&n, "pigment.spot_area_pct", -10.0), k * 0.5, 1e-12);
    cr_expect_float_eq(sk_noise_limit(&n, "texture.ra", 3.0), 0.0, 1e-15);
    cr_expect(isnan(sk_noise_limit(&n, "pores.count", 10.0)));
    cr_expect(isnan(sk_noise_limit(&n, "pigment.spot", 10.0)));
    cr_expect_eq(sk_noise_find(&n, "texture.ra"), &n.items[1]);
    cr_expect_null(sk_noise_find(&n, "texture"));
    /* stored (whole-photo) verdicts: level 10 -> limit k * 0.5 = 1.386 */
    cr_expect_eq(sk_noise_beyond_stored(&n, "pigment.spot_area_pct", 9.3, 10.7, 1, NAN), 1);
    cr_expect_eq(sk_noise_beyond_stored(&n, "pigment.spot_area_pct", 9.4, 10.6, 1, NAN), 0);
    cr_expect_eq(sk_noise_beyond_stored(&n, "pigment.spot_area_pct", NAN, 10.6, 1, NAN), -1);
    cr_expect_eq(sk_noise_beyond_stored(&n, "pores.count", 100, 200, 1, NAN), -1);
    cr_expect_eq(sk_noise_beyond_stored(&n, "pigment.ita_deg", 10, 40, 1, NAN), -1);
}
