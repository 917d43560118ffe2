/* skintrack report: the PDF progress report of a patient, or of every
 * patient with --all. */
#include "skintrack.h"
#include "pcli.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int sk_cli_report(const sk_verb_t *verb, int argc, char **argv)
{
    enum { OPT_PATIENT = 1000, OPT_ALL, OPT_OUT, OPT_OUTDIR, OPT_DB };
    static const struct option longopts[] = {
        {"patient", required_argument, NULL, OPT_PATIENT},
        {"all", no_argument, NULL, OPT_ALL},
        {"out", required_argument, NULL, OPT_OUT},
        {"out-dir", required_argument, NULL, OPT_OUTDIR},
        {"db", required_argument, NULL, OPT_DB},
        {NULL, 0, NULL, 0},
    };
    const char *patient = NULL, *out = NULL, *outdir = NULL, *db = NULL;
    int all = 0, c;
    opterr = 0;
    optind = 0; /* GNU getopt: full reset, options may follow operands */
    while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_PATIENT:
            if (!sk_valid_patient_id(optarg))
                return sk_cli_usage_error(verb, "'%s' is not a valid patient id", optarg);
            patient = optarg;
            break;
        case OPT_ALL: all = 1; break;
        case OPT_OUT: out = optarg; break;
        case OPT_OUTDIR: outdir = optarg; break;
        case OPT_DB: db = optarg; break;
        case ':': return sk_cli_usage_error(verb, "%s needs a value", argv[optind - 1]);
        default: return sk_cli_usage_error(verb, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc - 1)
        return sk_cli_usage_error(verb, "one clinic folder, please");
    if (!patient == !all)
        return sk_cli_usage_error(verb, "give --patient ID or --all");
    if (all && out)
        return sk_cli_usage_error(verb, "--out names one file; with --all use --out-dir");
    const char *clinic = argv[optind];
    char dbpath[4200], disp[SK_DISPLAY_PATH_MAX];
    if (!db) {
        snprintf(dbpath, sizeof dbpath, "%s/skintrack.db", clinic);
        db = dbpath;
    }
    if (access(db, R_OK) != 0) {
        sk_cli_error(NULL, "%s: no store here; run 'skintrack batch' on the clinic first",
                     sk_path_display(clinic, disp, sizeof disp));
        return SK_EXIT_FAIL;
    }
    sk_blas_set_threads(1);
    sk_photo_ref_t *refs = NULL;
    size_t n = 0;
    if (all && sk_library_scan(clinic, NULL, &refs, &n, NULL, NULL) < 0) {
        sk_cli_error(NULL, "%s", sk_error_message());
        return SK_EXIT_FAIL;
    }
    if (outdir && mkdir(outdir, 0755) != 0 && errno != EEXIST) {
        sk_cli_error(NULL, "%s: cannot create: %s", sk_path_display(outdir, disp, sizeof disp),
                     strerror(errno));
        free(refs);
        return SK_EXIT_FAIL;
    }
    int failed = 0, done = 0;
    for (size_t i = 0; i < (all ? n : 1); i++) {
        const char *id = all ? refs[i].patient : patient;
        if (all && i > 0 && strcmp(refs[i - 1].patient, id) == 0)
            continue;
        char path[4200];
        if (out)
            snprintf(path, sizeof path, "%s", out);
        else
            snprintf(path, sizeof path, "%s%sskintrack-report-%s.pdf", outdir ? outdir : "",
                     outdir ? "/" : "", id);
        int pages = 0;
        if (sk_report_patient(clinic, db, id, path, &pages) < 0) {
            sk_cli_error(NULL, "%s", sk_error_message());
            failed++;
            continue;
        }
        printf("report: %s (%d pages)\n", path, pages);
        done++;
    }
    free(refs);
    return failed ? SK_EXIT_FAIL : SK_EXIT_OK;
}
