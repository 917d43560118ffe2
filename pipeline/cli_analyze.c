/* skintrack analyze: one-off scoring of photos. */
#include "skintrack.h"
#include "pcli.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    int json = 0, c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
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
        case OPT_DET:
        case OPT_OVL:
            sk_cli_error(verb->name, "%s is not built yet", argv[optind - 1]);
            return SK_EXIT_FAIL;
        case ':':
            return sk_cli_usage_error(verb, "%s needs a value", argv[optind - 1]);
        default:
            return sk_cli_usage_error(verb, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return sk_cli_usage_error(verb, "no photo given");

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
        if (json) {
            char *text = sk_analysis_to_json(path, &a);
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
