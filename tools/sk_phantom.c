/* sk_phantom: render a synthetic skin phantom and its ground truth. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vips/vips.h>

#include "sk_phantom.h"

static void usage(FILE *f)
{
    fprintf(f, "Usage: sk_phantom --out DIR [options]\n"
               "  --seed N          the skin (default 1)\n"
               "  --width-mm W --height-mm H   field of view (default 40 x 30)\n"
               "  --mm-per-px X     resolution (default 0.04)\n"
               "  --ita DEG         skin tone as ITA (default 30)\n"
               "  --improvement F   course of treatment, 0..0.9 (default 0)\n"
               "  --perturb SEED    a random re-capture (shift, rotation, scale, exposure,\n"
               "                    white balance, noise, JPEG)\n"
               "  --featureless     skin without pores, wrinkles, spots, redness or scars\n"
               "  --format png|jpg  (default png)\n"
               "  --name STEM       file stem (default phantom)\n"
               "Writes STEM.png|jpg and STEM.truth.json into DIR.\n");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"out", required_argument, NULL, 'o'},      {"seed", required_argument, NULL, 's'},
        {"width-mm", required_argument, NULL, 'W'}, {"height-mm", required_argument, NULL, 'H'},
        {"mm-per-px", required_argument, NULL, 'm'}, {"ita", required_argument, NULL, 'i'},
        {"improvement", required_argument, NULL, 'f'}, {"perturb", required_argument, NULL, 'p'},
        {"featureless", no_argument, NULL, 'F'},    {"format", required_argument, NULL, 't'},
        {"name", required_argument, NULL, 'n'},     {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    sk_phantom_params p;
    sk_phantom_params_default(&p);
    const char *out = NULL, *fmt = "png", *name = "phantom";
    long perturb = -1;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 's': p.seed = strtoull(optarg, NULL, 10); break;
        case 'W': p.width_mm = atof(optarg); break;
        case 'H': p.height_mm = atof(optarg); break;
        case 'm': p.mm_per_px = atof(optarg); break;
        case 'i': p.ita_deg = atof(optarg); break;
        case 'f': p.improvement = atof(optarg); break;
        case 'p': perturb = atol(optarg); break;
        case 'F': p.featureless = 1; break;
        case 't': fmt = optarg; break;
        case 'n': name = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!out || (strcmp(fmt, "png") && strcmp(fmt, "jpg"))) {
        usage(stderr);
        return 2;
    }
    if (perturb >= 0)
        sk_phantom_perturb(&p, (uint64_t)perturb);
    if (sk_pipeline_init(argv[0]) < 0) {
        fprintf(stderr, "sk_phantom: %s\n", sk_error_message());
        return 1;
    }
    sk_image_t *img = NULL;
    sk_phantom_truth *t = NULL;
    if (sk_phantom_render(&p, &img, &t) < 0) {
        fprintf(stderr, "sk_phantom: %s\n", sk_error_message());
        return 1;
    }
    int w = img->width, h = img->height;
    unsigned char *buf = malloc((size_t)w * h * 3);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int k = 0; k < 3; k++) {
                float v = sk_image_plane(img, k)[(size_t)y * img->stride + x];
                buf[((size_t)y * w + x) * 3 + k] = (unsigned char)(255.0f * (v < 0 ? 0 : v > 1 ? 1 : v) + 0.5f);
            }
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.%s", out, name, fmt);
    VipsImage *im = vips_image_new_from_memory(buf, (size_t)w * h * 3, w, h, 3, VIPS_FORMAT_UCHAR);
    int rc = strcmp(fmt, "jpg") == 0 ? vips_jpegsave(im, path, "Q", 92, NULL) : vips_pngsave(im, path, NULL);
    g_object_unref(im);
    free(buf);
    if (rc != 0) {
        fprintf(stderr, "sk_phantom: %s: %s\n", path, vips_error_buffer());
        return 1;
    }
    char *json = sk_phantom_truth_to_json(t);
    snprintf(path, sizeof path, "%s/%s.truth.json", out, name);
    FILE *f = fopen(path, "w");
    if (!f || !json || fputs(json, f) < 0 || fclose(f) != 0) {
        fprintf(stderr, "sk_phantom: %s: cannot write\n", path);
        return 1;
    }
    free(json);
    printf("%s/%s.%s: %dx%d, %d pores, %d wrinkles (%.1f mm), %d spots (%.2f %%), %d scars\n", out,
           name, fmt, t->width, t->height, t->pore_count, t->wrinkle_count,
           t->wrinkle_total_length, t->spot_count, t->spot_area_pct, t->scar_count);
    sk_phantom_truth_free(t);
    sk_image_free(img);
    return 0;
}
