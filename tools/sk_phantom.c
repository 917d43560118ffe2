/* sk_phantom: render a synthetic skin phantom and its ground truth
 * (docs/PHANTOMS.md). Exit 0 on success, 1 on failure, 2 on usage error. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <vips/vips.h>

#include "sk_phantom.h"

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: sk_phantom --out DIR [options]\n"
            "Render a synthetic skin phantom with planted pores, wrinkles, spots, redness\n"
            "and scars, and write STEM.png|jpg and STEM.truth.json into DIR.\n"
            "\n"
            "The skin:\n"
            "  --seed N            the skin (default 1)\n"
            "  --width-mm W        field of view (default 40)\n"
            "  --height-mm H       (default 30)\n"
            "  --mm-per-px X       resolution (default 0.04)\n"
            "  --ita DEG           skin tone as ITA in degrees, -60..75 (default 30)\n"
            "  --pores D           pores per cm^2 (default 60)\n"
            "  --wrinkles N --spots N --redness N --scars N   feature counts (6 5 2 3)\n"
            "  --relief F          micro-relief amplitude (default 1)\n"
            "  --improvement F     course of treatment, 0 <= F < 1 (default 0)\n"
            "  --featureless       no pores, wrinkles, spots, redness or scars\n"
            "The capture:\n"
            "  --perturb SEED      a random re-capture (shift, rotation, scale, exposure,\n"
            "                      white balance, noise, JPEG)\n"
            "Output:\n"
            "  --format png|jpg    (default png)\n"
            "  --depth 8|16        PNG bits per sample (default 8)\n"
            "  --quality Q         JPEG quality of a jpg file (default 92)\n"
            "  --name STEM         file stem (default phantom)\n"
            "  --help              this text\n");
}

static int parse_double(const char *opt, const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end) {
        fprintf(stderr, "sk_phantom: %s: not a number: '%s'\n", opt, s);
        return -1;
    }
    *out = v;
    return 0;
}

static int parse_int(const char *opt, const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) {
        fprintf(stderr, "sk_phantom: %s: expected an integer in %ld..%ld, got '%s'\n", opt, lo,
                hi, s);
        return -1;
    }
    *out = v;
    return 0;
}

static int write_image(const sk_image_t *img, const char *path, int jpg, int depth, int quality)
{
    const int w = img->width, h = img->height;
    const int wide = !jpg && depth == 16;
    const size_t n = (size_t)w * h * 3;
    void *buf = malloc(n * (wide ? 2 : 1));
    if (!buf)
        return -1;
    if (wide) {
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int k = 0; k < 3; k++) {
                    float v = sk_image_plane(img, k)[(size_t)y * img->stride + x];
                    v = v < 0 ? 0 : v > 1 ? 1 : v;
                    ((unsigned short *)buf)[((size_t)y * w + x) * 3 + k] =
                        (unsigned short)(65535.0f * v + 0.5f);
                }
    } else {
        sk_image_to_rgb8(img, buf);
    }
    VipsImage *im = vips_image_new_from_memory(buf, n * (wide ? 2 : 1), w, h, 3,
                                               wide ? VIPS_FORMAT_USHORT : VIPS_FORMAT_UCHAR);
    int rc = -1;
    if (im) {
        if (wide)
            im->Type = VIPS_INTERPRETATION_RGB16;
        rc = jpg ? vips_jpegsave(im, path, "Q", quality, NULL) : vips_pngsave(im, path, NULL);
        g_object_unref(im);
    }
    free(buf);
    return rc;
}

int main(int argc, char **argv)
{
    enum { O_WRINKLES = 256, O_SPOTS, O_REDNESS, O_SCARS, O_RELIEF, O_DEPTH, O_QUALITY, O_PORES };
    static const struct option opts[] = {
        {"out", required_argument, NULL, 'o'},        {"seed", required_argument, NULL, 's'},
        {"width-mm", required_argument, NULL, 'W'},   {"height-mm", required_argument, NULL, 'H'},
        {"mm-per-px", required_argument, NULL, 'm'},  {"ita", required_argument, NULL, 'i'},
        {"improvement", required_argument, NULL, 'f'}, {"perturb", required_argument, NULL, 'p'},
        {"featureless", no_argument, NULL, 'F'},      {"format", required_argument, NULL, 't'},
        {"name", required_argument, NULL, 'n'},       {"help", no_argument, NULL, 'h'},
        {"wrinkles", required_argument, NULL, O_WRINKLES},
        {"spots", required_argument, NULL, O_SPOTS},
        {"redness", required_argument, NULL, O_REDNESS},
        {"scars", required_argument, NULL, O_SCARS},
        {"relief", required_argument, NULL, O_RELIEF},
        {"depth", required_argument, NULL, O_DEPTH},
        {"quality", required_argument, NULL, O_QUALITY},
        {"pores", required_argument, NULL, O_PORES},
        {NULL, 0, NULL, 0}};
    sk_phantom_params p;
    sk_phantom_params_default(&p);
    const char *out = NULL, *fmt = "png", *name = "phantom";
    long perturb = -1, depth = 8, quality = 92, v;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        int bad = 0;
        switch (c) {
        case 'o': out = optarg; break;
        case 's': {
            char *end;
            errno = 0;
            p.seed = strtoull(optarg, &end, 10);
            bad = errno || end == optarg || *end || optarg[0] == '-';
            if (bad)
                fprintf(stderr, "sk_phantom: --seed: not a non-negative integer: '%s'\n", optarg);
            break;
        }
        case 'W': bad = parse_double("--width-mm", optarg, &p.width_mm); break;
        case 'H': bad = parse_double("--height-mm", optarg, &p.height_mm); break;
        case 'm': bad = parse_double("--mm-per-px", optarg, &p.mm_per_px); break;
        case 'i': bad = parse_double("--ita", optarg, &p.ita_deg); break;
        case 'f': bad = parse_double("--improvement", optarg, &p.improvement); break;
        case O_RELIEF: bad = parse_double("--relief", optarg, &p.relief); break;
        case O_PORES: bad = parse_double("--pores", optarg, &p.pore_density); break;
        case 'p': bad = parse_int("--perturb", optarg, 0, 1000000000L, &perturb); break;
        case O_WRINKLES: bad = parse_int("--wrinkles", optarg, 0, 500, &v); p.n_wrinkles = (int)v; break;
        case O_SPOTS: bad = parse_int("--spots", optarg, 0, 500, &v); p.n_spots = (int)v; break;
        case O_REDNESS: bad = parse_int("--redness", optarg, 0, 100, &v); p.n_redness = (int)v; break;
        case O_SCARS: bad = parse_int("--scars", optarg, 0, 500, &v); p.n_scars = (int)v; break;
        case O_DEPTH: bad = parse_int("--depth", optarg, 8, 16, &depth) || (depth != 8 && depth != 16); break;
        case O_QUALITY: bad = parse_int("--quality", optarg, 1, 100, &quality); break;
        case 'F': p.featureless = 1; break;
        case 't': fmt = optarg; break;
        case 'n': name = optarg; break;
        case 'h': usage(stdout); return 0;
        default:
            fprintf(stderr, "sk_phantom: unknown or incomplete option '%s'\n", argv[optind - 1]);
            bad = 1;
        }
        if (bad) {
            fprintf(stderr, "Try 'sk_phantom --help'.\n");
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "sk_phantom: unexpected argument '%s'\nTry 'sk_phantom --help'.\n",
                argv[optind]);
        return 2;
    }
    if (!out) {
        fprintf(stderr, "sk_phantom: --out DIR is required\nTry 'sk_phantom --help'.\n");
        return 2;
    }
    if (strcmp(fmt, "png") && strcmp(fmt, "jpg")) {
        fprintf(stderr, "sk_phantom: --format: png or jpg, not '%s'\n", fmt);
        return 2;
    }
    if (!*name || strchr(name, '/')) {
        fprintf(stderr, "sk_phantom: --name: a file stem without '/', not '%s'\n", name);
        return 2;
    }
    if (!(p.improvement >= 0 && p.improvement < 1)) {
        fprintf(stderr, "sk_phantom: --improvement must be in [0, 1)\n");
        return 2;
    }
    struct stat st;
    if (stat(out, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "sk_phantom: %s: not a directory\n", out);
        return 1;
    }
    if (perturb >= 0)
        sk_phantom_perturb(&p, (uint64_t)perturb);
    if (sk_pipeline_init(argv[0]) < 0) {
        fprintf(stderr, "sk_phantom: %s\n", sk_error_message());
        return 1;
    }
    sk_image_t *img = NULL;
    sk_phantom_truth *t = NULL;
    char *json = NULL;
    int ret = 1;
    if (sk_phantom_render(&p, &img, &t) < 0) {
        fprintf(stderr, "sk_phantom: %s\n", sk_error_message());
        return sk_error_status() == SK_ERR_ARG ? 2 : 1;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.%s", out, name, fmt);
    if (write_image(img, path, !strcmp(fmt, "jpg"), (int)depth, (int)quality) != 0) {
        fprintf(stderr, "sk_phantom: %s: %s\n", path, vips_error_buffer());
        vips_error_clear();
        goto done;
    }
    if (sk_phantom_truth_to_json(t, &json) < 0) {
        fprintf(stderr, "sk_phantom: %s\n", sk_error_message());
        goto done;
    }
    snprintf(path, sizeof path, "%s/%s.truth.json", out, name);
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "sk_phantom: %s: %s\n", path, strerror(errno));
        goto done;
    }
    int werr = fputs(json, f) < 0 || fputc('\n', f) == EOF;
    if (fclose(f) != 0 || werr) {
        fprintf(stderr, "sk_phantom: %s: write failed\n", path);
        goto done;
    }
    printf("%s/%s.%s: %dx%d at %.4f mm/px, %d pores, %d wrinkles (%.1f mm), %d spots (%.2f %%), "
           "redness %.2f %%, %d scars\n",
           out, name, fmt, t->width, t->height, t->mm_per_px, t->pore_count, t->wrinkle_count,
           t->wrinkle_total_length, t->spot_count, t->spot_area_pct, t->redness_area_pct,
           t->scar_count);
    ret = 0;
done:
    free(json);
    sk_phantom_truth_free(t);
    sk_image_free(img);
    return ret;
}
