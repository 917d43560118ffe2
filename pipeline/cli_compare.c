/* skintrack compare: a follow-up photo against its baseline. */
#include "pcli.h"
#include "sk_compare.h"
#include "skintrack.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "x,y,w,h" in pixels. */
static int parse_rect(const char *text, sk_rect_t *r)
{
    long v[4];
    const char *p = text;
    for (int i = 0; i < 4; i++) {
        char *end = NULL;
        v[i] = strtol(p, &end, 10);
        if (end == p || v[i] < 0 || v[i] > 1000000)
            return -1;
        p = end;
        if (i < 3) {
            if (*p != ',')
                return -1;
            p++;
        }
    }
    if (*p)
        return -1;
    *r = (sk_rect_t){(int)v[0], (int)v[1], (int)v[2], (int)v[3]};
    return 0;
}

static void print_text(const char *db, const char *da, const sk_compare_result_t *r)
{
    printf("before %s\nafter  %s\n", db, da);
    printf("  aligned: rotation %.2f deg, scale %.4f, shift %.1f,%.1f px, residual %.4f\n",
           r->reg.rotation_deg, r->reg.scale, r->reg.tx, r->reg.ty, r->reg.residual);
    printf("  common skin %.0f %% of the baseline's; colour normalised on %s (gains %.3f %.3f "
           "%.3f)\n",
           100 * r->common_fraction,
           r->norm == SK_NORM_CARD   ? "the grey cards"
           : r->norm == SK_NORM_SKIN ? "the common skin"
                                     : "nothing",
           r->gain[0], r->gain[1], r->gain[2]);
    printf("  capture: exposure %+.2f EV, white balance %.1f %%, sharpness ratio %.2f\n",
           r->exposure_ev, 100 * r->wb_shift, r->sharpness_ratio);
    if (r->noise_model_version[0] &&
        strcmp(r->noise_model_version, r->before.metrics.model_version) != 0)
        printf("  note: the repeatability limits were measured with model %s, the metrics come "
               "from %s (re-measure with scripts/measure-noise)\n",
               r->noise_model_version, r->before.metrics.model_version);
    for (int b = 0; b < SK_PAIR_FLAG_COUNT; b++)
        if (r->pair_flags & (1u << b))
            printf("  warning: %s mismatch; unreliable: %s\n", sk_pair_flag_name(1u << b),
                   sk_pair_flag_affects(1u << b));
    printf("  %-28s %12s %12s %10s %8s %10s  %s\n", "metric", "before", "after", "change", "%",
           "limit", "verdict");
    for (int i = 0; i < r->count; i++) {
        const sk_compare_metric_t *m = &r->m[i];
        char pct[16] = "-", lim[16] = "-";
        if (isfinite(m->pct))
            snprintf(pct, sizeof pct, "%+.1f", m->pct);
        if (isfinite(m->limit))
            snprintf(lim, sizeof lim, "%.4g", m->limit);
        const char *verdict = m->beyond_noise < 0    ? "unknown"
                              : m->beyond_noise == 0 ? "within noise"
                              : m->improved > 0      ? "BETTER, beyond noise"
                              : m->improved < 0      ? "WORSE, beyond noise"
                                                     : "changed, beyond noise";
        printf("  %-28s %12.4g %12.4g %+10.4g %8s %10s  %s%s\n", m->name, m->before, m->after,
               m->delta, pct, lim, verdict, m->unreliable ? " (capture mismatch)" : "");
    }
}

int sk_cli_compare(const sk_verb_t *verb, int argc, char **argv)
{
    enum {
        OPT_MM = 1000,
        OPT_MASK_B,
        OPT_MASK_A,
        OPT_CARD_B,
        OPT_CARD_A,
        OPT_NONORM,
        OPT_MAXMP,
        OPT_PDF,
    };
    static const struct option longopts[] = {
        {"json", no_argument, NULL, 'j'},
        {"mm-per-px", required_argument, NULL, OPT_MM},
        {"mask-before", required_argument, NULL, OPT_MASK_B},
        {"mask-after", required_argument, NULL, OPT_MASK_A},
        {"card-before", required_argument, NULL, OPT_CARD_B},
        {"card-after", required_argument, NULL, OPT_CARD_A},
        {"no-normalise", no_argument, NULL, OPT_NONORM},
        {"max-megapixels", required_argument, NULL, OPT_MAXMP},
        {"pdf", required_argument, NULL, OPT_PDF},
        {NULL, 0, NULL, 0},
    };
    sk_compare_opts_t opts;
    sk_compare_opts_default(&opts);
    sk_rect_t card_b, card_a;
    int json = 0, c;
    const char *pdf = NULL;
    opterr = 0;
    optind = 0; /* GNU getopt: full reset, options may follow operands */
    while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
        switch (c) {
        case 'j':
            json = 1;
            break;
        case OPT_MM:
            if (sk_cli_parse_double(optarg, 1e-6, 10.0, &opts.mm_per_px) < 0)
                return sk_cli_usage_error(verb, "--mm-per-px needs a number in (0, 10], not '%s'",
                                          optarg);
            break;
        case OPT_MASK_B:
            opts.mask_before = optarg;
            break;
        case OPT_MASK_A:
            opts.mask_after = optarg;
            break;
        case OPT_CARD_B:
        case OPT_CARD_A:
            if (parse_rect(optarg, c == OPT_CARD_B ? &card_b : &card_a) < 0)
                return sk_cli_usage_error(verb, "%s needs X,Y,W,H in pixels, not '%s'",
                                          c == OPT_CARD_B ? "--card-before" : "--card-after",
                                          optarg);
            if (c == OPT_CARD_B)
                opts.card_before = &card_b;
            else
                opts.card_after = &card_a;
            break;
        case OPT_NONORM:
            opts.normalise = 0;
            break;
        case OPT_MAXMP:
            if (sk_cli_parse_double(optarg, 0.01, 10000.0, &opts.load.max_megapixels) < 0)
                return sk_cli_usage_error(verb, "--max-megapixels needs a number, not '%s'",
                                          optarg);
            break;
        case OPT_PDF:
            pdf = optarg;
            break;
        case ':':
            return sk_cli_usage_error(verb, "%s needs a value", argv[optind - 1]);
        default:
            return sk_cli_usage_error(verb, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (argc - optind != 2)
        return sk_cli_usage_error(verb, "needs exactly two photos, BEFORE and AFTER");
    if (!opts.card_before != !opts.card_after)
        return sk_cli_usage_error(verb, "give --card-before and --card-after together");
    const char *before = argv[optind], *after = argv[optind + 1];
    opts.detections = pdf != NULL;

    sk_blas_set_threads(1);
    sk_comparer_t *cmp = NULL;
    sk_compare_result_t *r = calloc(1, sizeof *r);
    if (!r || sk_comparer_new(&cmp) < 0) {
        sk_cli_error(verb->name, "%s", r ? sk_error_message() : "out of memory");
        free(r);
        return SK_EXIT_FAIL;
    }
    int status = SK_EXIT_OK;
    if (sk_compare_photos(cmp, before, after, &opts, r) < 0) {
        sk_cli_error(verb->name, "%s", sk_error_message());
        status = SK_EXIT_FAIL;
        goto done;
    }
    char db[SK_DISPLAY_PATH_MAX], da[SK_DISPLAY_PATH_MAX];
    sk_path_display(before, db, sizeof db);
    sk_path_display(after, da, sizeof da);
    if (pdf && sk_report_compare(cmp, before, after, r, pdf) < 0) {
        sk_cli_error(verb->name, "%s", sk_error_message());
        status = SK_EXIT_FAIL;
    }
    if (json) {
        char *text = sk_compare_to_json(before, after, r);
        if (!text) {
            sk_cli_error(verb->name, "out of memory writing JSON");
            status = SK_EXIT_FAIL;
            goto done;
        }
        puts(text);
        free(text);
    } else {
        print_text(db, da, r);
        if (pdf && status == SK_EXIT_OK)
            printf("report: %s\n", pdf);
    }
done:
    sk_comparer_free(cmp);
    free(r);
    return status;
}
