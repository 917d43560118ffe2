/* skintrack import: the "upload" of photos into a clinic library. */
#include "skintrack.h"
#include "pcli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A name given on the command line, shown safely in a usage error. */
static int bad_name(const sk_verb_t *verb, const char *option, const char *value)
{
    char why[512], disp[SK_DISPLAY_PATH_MAX];
    snprintf(why, sizeof why, "%s", sk_error_message());
    return sk_cli_usage_error(verb, "%s '%s': %s", option,
                              sk_path_display(value, disp, sizeof disp), why);
}

int sk_cli_import(const sk_verb_t *verb, int argc, char **argv)
{
    enum { OPT_PATIENT = 1000, OPT_SESSION, OPT_VIEW, OPT_REPLACE, OPT_MAXMP };
    static const struct option longopts[] = {
        {"patient", required_argument, NULL, OPT_PATIENT},
        {"session", required_argument, NULL, OPT_SESSION},
        {"view", required_argument, NULL, OPT_VIEW},
        {"replace", no_argument, NULL, OPT_REPLACE},
        {"max-megapixels", required_argument, NULL, OPT_MAXMP},
        {NULL, 0, NULL, 0},
    };
    sk_import_opts_t opts;
    sk_import_opts_default(&opts);
    int c;
    opterr = 0;
    optind = 1;
    /* Options may follow CLINIC ("import CLINIC --patient ..."): GNU
     * permutation, so no '+' here; "--" ends the options. */
    while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_PATIENT:
            opts.patient = optarg;
            break;
        case OPT_SESSION:
            opts.session = optarg;
            break;
        case OPT_VIEW:
            opts.view = optarg;
            break;
        case OPT_REPLACE:
            opts.replace = 1;
            break;
        case OPT_MAXMP:
            if (sk_cli_parse_double(optarg, 0.01, 10000.0, &opts.max_megapixels) < 0)
                return sk_cli_usage_error(verb, "--max-megapixels needs a number, not '%s'",
                                          optarg);
            break;
        case ':':
            return sk_cli_usage_error(verb, "%s needs a value", argv[optind - 1]);
        default:
            return sk_cli_usage_error(verb, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return sk_cli_usage_error(verb, "no clinic folder given");
    opts.clinic = argv[optind++];
    if (!*opts.clinic)
        return sk_cli_usage_error(verb, "the clinic folder is an empty string");
    if (!opts.patient)
        return sk_cli_usage_error(verb, "--patient ID is required");
    if (!opts.session)
        return sk_cli_usage_error(verb, "--session DATE is required");
    if (!sk_valid_patient_id(opts.patient))
        return bad_name(verb, "--patient", opts.patient);
    if (!sk_valid_session(opts.session, NULL))
        return bad_name(verb, "--session", opts.session);
    if (opts.view && !sk_valid_view(opts.view))
        return bad_name(verb, "--view", opts.view);
    int nfiles = argc - optind;
    if (nfiles <= 0)
        return sk_cli_usage_error(verb, "no photo given");
    if (opts.view && nfiles > 1)
        return sk_cli_usage_error(verb,
                                  "--view names a single photo, but %d files were given; "
                                  "import them one by one or name the files after their "
                                  "views",
                                  nfiles);

    int failed = 0;
    for (int i = optind; i < argc; i++) {
        sk_import_result_t r;
        if (sk_import_file(&opts, argv[i], &r) < 0) {
            sk_cli_error(NULL, "%s", sk_error_message());
            failed++;
            continue;
        }
        printf("imported %s (%dx%d, %.1f MB)%s\n", r.relpath, r.width, r.height,
               (double)r.bytes / 1e6, r.replaced ? ", replacing the previous photo" : "");
        fflush(stdout);
    }
    return failed ? SK_EXIT_FAIL : SK_EXIT_OK;
}
