/* skintrack batch and skintrack export. */
#include "skintrack.h"
#include "pcli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int sk_cli_batch(const sk_verb_t *verb, int argc, char **argv)
{
    enum {
        OPT_PATIENT = 1000,
        OPT_JOBS,
        OPT_FORCE,
        OPT_DB,
        OPT_MAXMP,
        OPT_MM,
        OPT_PLAIN,
        OPT_NOALIGN
    };
    static const struct option longopts[] = {
        {"patient", required_argument, NULL, OPT_PATIENT},
        {"jobs", required_argument, NULL, OPT_JOBS},
        {"force", no_argument, NULL, OPT_FORCE},
        {"db", required_argument, NULL, OPT_DB},
        {"max-megapixels", required_argument, NULL, OPT_MAXMP},
        {"mm-per-px", required_argument, NULL, OPT_MM},
        {"plain", no_argument, NULL, OPT_PLAIN},
        {"no-align", no_argument, NULL, OPT_NOALIGN},
        {NULL, 0, NULL, 0},
    };
    sk_batch_opts_t o;
    sk_batch_opts_default(&o);
    long jobs = 0;
    int c;
    opterr = 0;
    optind = 0; /* GNU getopt: full reset, options may follow operands */
    while ((c = getopt_long(argc, argv, ":j:", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_PATIENT:
            if (!sk_valid_patient_id(optarg))
                return sk_cli_usage_error(verb, "'%s' is not a valid patient id", optarg);
            o.patient = optarg;
            break;
        case 'j':
        case OPT_JOBS:
            if (sk_cli_parse_int(optarg, 1, 256, &jobs) < 0)
                return sk_cli_usage_error(verb, "--jobs needs a whole number 1-256, not '%s'",
                                          optarg);
            o.jobs = (int)jobs;
            break;
        case OPT_FORCE: o.force = 1; break;
        case OPT_DB: o.db_path = optarg; break;
        case OPT_MAXMP:
            if (sk_cli_parse_double(optarg, 0.01, 10000.0, &o.max_megapixels) < 0)
                return sk_cli_usage_error(verb, "--max-megapixels needs a number, not '%s'",
                                          optarg);
            break;
        case OPT_MM:
            if (sk_cli_parse_double(optarg, 1e-6, 10.0, &o.mm_per_px) < 0)
                return sk_cli_usage_error(verb, "--mm-per-px needs a number in (0, 10], not '%s'",
                                          optarg);
            break;
        case OPT_PLAIN: o.progress = 0; break;
        case OPT_NOALIGN: o.no_align = 1; break;
        case ':': return sk_cli_usage_error(verb, "%s needs a value", argv[optind - 1]);
        default: return sk_cli_usage_error(verb, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc - 1)
        return sk_cli_usage_error(verb, optind >= argc ? "no clinic folder given"
                                                       : "one clinic folder, please");
    o.clinic = argv[optind];

    sk_batch_summary_t *s = calloc(1, sizeof *s);
    if (!s) {
        sk_cli_error(verb->name, "out of memory");
        return SK_EXIT_FAIL;
    }
    int rc = sk_batch_run(&o, s);
    if (rc < 0 && rc != SK_ERR_CANCELLED) {
        sk_cli_error(NULL, "%s", sk_error_message());
        free(s);
        return SK_EXIT_FAIL;
    }
    printf("batch: %zu photos: %zu scored, %zu unchanged, %zu failed", s->total, s->scored,
           s->skipped, s->failed);
    if (s->failed_before)
        printf(", %zu failed before (unchanged; --force retries)", s->failed_before);
    if (s->interrupted)
        printf(", %zu left (interrupted)", s->left);
    printf(" in %.1f s", s->seconds);
    if (s->scored && s->seconds > 0)
        printf(" (%.2f photos/s)", (double)s->scored / s->seconds);
    printf("\n");
    if (s->aligned || s->align_skipped || s->align_failed) {
        printf("tracking: %zu pairs aligned, %zu unchanged", s->aligned, s->align_skipped);
        if (s->align_failed)
            printf(", %zu could not be aligned", s->align_failed);
        printf(" in %.1f s\n", s->align_seconds);
    }
    for (size_t i = 0; i < s->n_failures; i++)
        printf("  failed: %s: %s\n", s->failures[i].path, s->failures[i].reason);
    if (s->failures_truncated)
        printf("  ... and %zu more failures\n", s->failures_truncated);
    if (rc == SK_ERR_CANCELLED)
        sk_cli_error(verb->name, "%s", sk_error_message());
    int status = (rc < 0 || s->failed) ? SK_EXIT_FAIL : SK_EXIT_OK;
    free(s);
    return status;
}

int sk_cli_export(const sk_verb_t *verb, int argc, char **argv)
{
    enum { OPT_FORMAT = 1000, OPT_DB, OPT_PATIENT, OPT_OUT };
    static const struct option longopts[] = {
        {"format", required_argument, NULL, OPT_FORMAT},
        {"db", required_argument, NULL, OPT_DB},
        {"patient", required_argument, NULL, OPT_PATIENT},
        {"out", required_argument, NULL, OPT_OUT},
        {NULL, 0, NULL, 0},
    };
    sk_export_format fmt = SK_EXPORT_CSV;
    const char *db = NULL, *patient = NULL, *outpath = NULL;
    int c;
    opterr = 0;
    optind = 0; /* GNU getopt: full reset, options may follow operands */
    while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_FORMAT:
            if (strcmp(optarg, "csv") == 0)
                fmt = SK_EXPORT_CSV;
            else if (strcmp(optarg, "json") == 0)
                fmt = SK_EXPORT_JSON;
            else
                return sk_cli_usage_error(verb, "--format is csv or json, not '%s'", optarg);
            break;
        case OPT_DB: db = optarg; break;
        case OPT_PATIENT:
            if (!sk_valid_patient_id(optarg))
                return sk_cli_usage_error(verb, "'%s' is not a valid patient id", optarg);
            patient = optarg;
            break;
        case OPT_OUT: outpath = optarg; break;
        case ':': return sk_cli_usage_error(verb, "%s needs a value", argv[optind - 1]);
        default: return sk_cli_usage_error(verb, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc - 1)
        return sk_cli_usage_error(verb, "one clinic folder, please");
    char dbpath[4200];
    snprintf(dbpath, sizeof dbpath, "%s/skintrack.db", argv[optind]);
    if (!db) {
        if (access(dbpath, F_OK) != 0) {
            char disp[SK_DISPLAY_PATH_MAX];
            sk_cli_error(NULL, "%s: no store here; run 'skintrack batch' on the clinic first",
                         sk_path_display(argv[optind], disp, sizeof disp));
            return SK_EXIT_FAIL;
        }
        db = dbpath;
    }
    FILE *out = stdout;
    char tmp[4200];
    if (outpath) {
        /* Write beside the target and rename, so a failed export never
         * leaves half a file behind. */
        snprintf(tmp, sizeof tmp, "%s.tmp-%ld", outpath, (long)getpid());
        out = fopen(tmp, "wb");
        if (!out) {
            char disp[SK_DISPLAY_PATH_MAX];
            sk_cli_error(NULL, "%s: cannot write", sk_path_display(outpath, disp, sizeof disp));
            return SK_EXIT_FAIL;
        }
    }
    size_t rows = 0;
    int rc = sk_export(db, patient, fmt, out, &rows);
    if (outpath) {
        if (fclose(out) != 0 && rc == SK_OK)
            rc = sk_error_set(SK_ERR_IO, "%s: write error", outpath);
        if (rc == SK_OK && rename(tmp, outpath) != 0)
            rc = sk_error_set(SK_ERR_IO, "%s: cannot rename into place", outpath);
        if (rc < 0)
            unlink(tmp);
    }
    if (rc < 0) {
        sk_cli_error(NULL, "%s", sk_error_message());
        return SK_EXIT_FAIL;
    }
    if (outpath)
        fprintf(stderr, "export: %zu rows written to %s\n", rows, outpath);
    return SK_EXIT_OK;
}
