/* skintrack analyze: one-off scoring of photos. */
#include "skintrack.h"
#include "pcli.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void print_text(const char *disp, const sk_analysis_t *a)
{
    printf("%s: %dx%d %s", disp, a->load.width, a->load.height, a->load.format);
    if (a->load.orientation > 1)
        printf(", orientation %d applied", a->load.orientation);
    printf("\n  qc: luma %.3f, clipped %.2f%%, sharpness %.1f", a->qc.mean_luma,
           100 * a->qc.clipped_fraction, a->qc.sharpness);
    for (int i = 0; i < SK_QC_FLAG_COUNT; i++)
        if (a->qc.flags & (1u << i))
            printf(" [%s]", sk_qc_flag_name(1u << i));
    printf("\n");
    for (int i = 0; i < a->metrics.count; i++) {
        const sk_metric_t *m = &a->metrics.items[i];
        if (isfinite(m->value))
            printf("  %-28s %12.4g %s\n", m->name, m->value, m->unit);
        else
            printf("  %-28s %12s (%s)\n", m->name, "-", m->null_reason ? m->null_reason : "n/a");
    }
}

/* DIR/<stem>.overlay.png with every detection, and one per family. */
static int write_overlays(const char *dir, const char *path, sk_analyzer_t *an)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    char stem[256];
    snprintf(stem, sizeof stem, "%s", base);
    char *dot = strrchr(stem, '.');
    if (dot && dot != stem)
        *dot = '\0';
    static const struct {
        const char *suffix;
        unsigned kinds;
    } sets[] = {{"overlay", SK_OVERLAY_ALL},
                {"pores", 1u << SK_DET_PORE},
                {"wrinkles", 1u << SK_DET_WRINKLE},
                {"spots", (1u << SK_DET_SPOT) | (1u << SK_DET_REDNESS)},
                {"scars", 1u << SK_DET_SCAR}};
    for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++) {
        char out[4400];
        snprintf(out, sizeof out, "%s/%s.%s.png", dir, stem, sets[i].suffix);
        int rc = sk_overlay_write(out, sk_analyzer_photo(an), sk_analyzer_detections(an),
                                  sets[i].kinds);
        if (rc < 0)
            return rc;
    }
    return SK_OK;
}

int sk_cli_analyze(const sk_verb_t *verb, int argc, char **argv)
{
    enum { OPT_MM = 1000, OPT_MASK, OPT_MAXMP, OPT_DET, OPT_OVL };
    static const struct option longopts[] = {
        {"json", no_argument, NULL, 'j'},
        {"mm-per-px", required_argument, NULL, OPT_MM},
        {"mask", required_argument, NULL, OPT_MASK},
        {"max-megapixels", required_argument, NULL, OPT_MAXMP},
        {"detections", no_argument, NULL, OPT_DET},
        {"overlays", required_argument, NULL, OPT_OVL},
        {NULL, 0, NULL, 0},
    };
    sk_analyze_opts_t opts;
    sk_analyze_opts_default(&opts);
    int json = 0, c, want_det = 0;
    const char *overlays = NULL;
    opterr = 0;
    optind = 0; /* GNU getopt: full reset, options may follow operands */
    while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
        switch (c) {
        case 'j': json = 1; break;
        case OPT_MM:
            if (sk_cli_parse_double(optarg, 1e-6, 10.0, &opts.mm_per_px) < 0)
                return sk_cli_usage_error(verb, "--mm-per-px needs a number in (0, 10], not '%s'",
                                          optarg);
            break;
        case OPT_MASK: opts.mask_path = optarg; break;
        case OPT_MAXMP:
            if (sk_cli_parse_double(optarg, 0.01, 10000.0, &opts.load.max_megapixels) < 0)
                return sk_cli_usage_error(verb, "--max-megapixels needs a number, not '%s'",
                                          optarg);
            break;
        case OPT_DET: want_det = 1; break;
        case OPT_OVL: overlays = optarg; break;
        case ':':
            return sk_cli_usage_error(verb, "%s needs a value", argv[optind - 1]);
        default:
            return sk_cli_usage_error(verb, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return sk_cli_usage_error(verb, "no photo given");
    if (overlays) {
        struct stat st;
        if (stat(overlays, &st) != 0 && mkdir(overlays, 0755) != 0) {
            sk_cli_error(NULL, "%s: cannot create the overlay folder", overlays);
            return SK_EXIT_FAIL;
        }
    }
    opts.detections = want_det || overlays;

    /* One photo at a time: OpenBLAS threads would only spin next to us. */
    sk_blas_set_threads(1);
    sk_analyzer_t *an = NULL;
    if (sk_analyzer_new(&an) < 0) {
        sk_cli_error(verb->name, "%s", sk_error_message());
        return SK_EXIT_FAIL;
    }
    int failed = 0;
    for (int i = optind; i < argc; i++) {
        const char *path = argv[i];
        char disp[SK_DISPLAY_PATH_MAX];
        sk_path_display(path, disp, sizeof disp);
        sk_analysis_t a;
        if (sk_analyze_photo(an, path, &opts, &a) < 0) {
            sk_cli_error(NULL, "%s", sk_error_message());
            failed++;
            continue;
        }
        if (overlays && write_overlays(overlays, path, an) < 0) {
            sk_cli_error(NULL, "%s", sk_error_message());
            failed++;
        }
        if (json) {
            char *text = sk_analysis_to_json(path, &a, want_det ? sk_analyzer_detections(an) : NULL);
            if (!text) {
                sk_cli_error(NULL, "%s: out of memory writing JSON", disp);
                failed++;
                continue;
            }
            puts(text);
            free(text);
        } else {
            print_text(disp, &a);
        }
        fflush(stdout);
    }
    sk_analyzer_free(an);
    return failed ? SK_EXIT_FAIL : SK_EXIT_OK;
}
