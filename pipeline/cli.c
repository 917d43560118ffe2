/* The command line: git-style verbs over the pipeline. Exit codes: 0 success,
 * 1 failure, 2 usage error. */
#include "skintrack.h"
#include "pcli.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const sk_verb_t *find_verb(const char *name);

void sk_cli_error(const char *verb, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "skintrack: ");
    if (verb)
        fprintf(stderr, "%s: ", verb);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int sk_cli_usage_error(const sk_verb_t *verb, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "skintrack: %s: ", verb->name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nUsage: skintrack %s\nTry 'skintrack %s --help'.\n", verb->usage, verb->name);
    return SK_EXIT_USAGE;
}

int sk_cli_parse_double(const char *text, double lo, double hi, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || *end != '\0' || !isfinite(v) || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

int sk_cli_parse_int(const char *text, long lo, long hi, long *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || end == text || *end != '\0' || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static void print_verb_help(const sk_verb_t *v)
{
    printf("Usage: skintrack %s\n\n%s\n", v->usage, v->help);
}

static const sk_verb_t verbs[] = {
    {"import", "import CLINIC --patient ID --session DATE [--view NAME] [--replace] FILE...",
     "Import (upload) photos into a clinic library: each file is decoded fully,\n"
     "auto-oriented and stripped of private metadata (GPS, maker notes, serial\n"
     "numbers) before it is written as CLINIC/ID/DATE/VIEW.<ext>.\n\n"
     "  --patient ID     patient id: letters, digits, '.', '_' and '-', 1-64 characters\n"
     "  --session DATE   session folder: YYYY-MM-DD with an optional -label\n"
     "  --view NAME      view name (front, left, right, cheek-left ...); default: file stem\n"
     "  --replace        replace an existing photo of the same view\n"
     "  --max-megapixels N  refuse larger images (default 100)\n",
     sk_cli_import},
    {"analyze", "analyze [OPTIONS] PHOTO...",
     "Score photos one by one and print their metrics.\n\n"
     "  --json               one JSON object per photo per line (photo, width, height,\n"
     "                       mm_per_px, qc, metrics)\n"
     "  --mm-per-px X        physical scale of the photos (millimetres per pixel)\n"
     "  --mask FILE          region mask (white = analyse), same size as the photo\n"
     "  --max-megapixels N   refuse larger images (default 100)\n"
     "  --detections         add every detection to the JSON output\n"
     "  --overlays DIR       write overlay PNGs into DIR\n\n"
     "Exit status: 0 when every photo was scored, 1 when any failed, 2 on usage error.\n",
     sk_cli_analyze},
    {"batch", "batch CLINIC [--patient ID] [--jobs N] [--force] [--no-align]",
     "Score every photo of a clinic library that is new, changed or scored by an\n"
     "older model into the library's store, then align each follow-up photo to its\n"
     "view's baseline and previous session and record the changes and whether they\n"
     "exceed noise; resumable after a crash or kill.\n\n"
     "  --patient ID   only this patient\n"
     "  --jobs N       worker threads (default: number of cores)\n"
     "  --force        score everything again\n"
     "  --db FILE      store (default CLINIC/skintrack.db)\n"
     "  --mm-per-px X  scale for photos whose patient.json gives none\n"
     "  --max-megapixels N  refuse larger photos (default 100)\n"
     "  --plain        plain progress lines even on a terminal\n"
     "  --no-align     score only (no alignment of follow-ups)\n\n"
     "A photo that fails, or a pair that cannot be aligned, is recorded with its\n"
     "reason and the batch goes on.\n"
     "Exit status: 0 when every photo scored, 1 when any failed or on interrupt.\n",
     sk_cli_batch},
    {"compare", "compare BEFORE AFTER [--json] [--pdf OUT] [OPTIONS]",
     "Compare two photos of the same view: align AFTER to BEFORE, normalise its\n"
     "colour, measure both inside their common skin, and report each metric's\n"
     "change and whether it exceeds the metric's repeatability limit.\n\n"
     "  --json               one JSON object (registration, pair QC, metrics)\n"
     "  --pdf OUT            also write a one-pair PDF report\n"
     "  --mm-per-px X        physical scale of BEFORE (millimetres per pixel)\n"
     "  --mask-before FILE   region masks (white = analyse), each its photo's size\n"
     "  --mask-after FILE\n"
     "  --card-before X,Y,W,H  a grey card in each photo (pixels): normalise\n"
     "  --card-after X,Y,W,H   colour on it instead of on the skin\n"
     "  --no-normalise       compare colours as captured\n"
     "  --max-megapixels N   refuse larger images (default 100)\n\n"
     "Exit status: 0 on success, 1 when a photo cannot be read or the two do not\n"
     "show the same skin, 2 on usage error.\n",
     sk_cli_compare},
    {"report", "report CLINIC (--patient ID | --all) [--out FILE.pdf] [--out-dir DIR]",
     "Write the PDF progress report of a patient (or of every patient) from the\n"
     "clinic's store: photos, overlays, metric tables with changes since the\n"
     "baseline and the previous session, trend charts, capture warnings, method.\n\n"
     "  --patient ID   the patient\n"
     "  --all          every patient, one PDF each\n"
     "  --out FILE     the PDF (default ./skintrack-report-ID.pdf)\n"
     "  --out-dir DIR  folder for the PDFs (default: the current folder)\n"
     "  --db FILE      store (default CLINIC/skintrack.db)\n",
     sk_cli_report},
    {"export", "export CLINIC [--format csv|json] [--patient ID] [--out FILE]",
     "Print every metric of every scored photo, one row per photo and metric:\n"
     "patient, session, date, view, photo, metric, value, unit, model_version.\n\n"
     "  --format csv|json   CSV per RFC 4180 (default) or a JSON array\n"
     "  --patient ID        only this patient\n"
     "  --db FILE           store (default CLINIC/skintrack.db)\n"
     "  --out FILE          write to FILE (atomically) instead of standard output\n",
     sk_cli_export},
    {"serve", "serve CLINIC [--listen ADDR:PORT] [--set-password]",
     "Serve the local web app over a clinic library: patient list, progress\n"
     "pages with thumbnails and trend charts, upload, scoring and reports.\n"
     "Listens on loopback only unless a password is configured.\n\n"
     "  --listen ADDR:PORT   address (default 127.0.0.1:8080; [::1]:PORT for IPv6)\n"
     "  --set-password       read a new access password from standard input, store\n"
     "                       its salted hash in CLINIC/skintrack.auth, and exit\n"
     "  --max-upload-mb N    largest upload request (default 64)\n"
     "  --max-megapixels N   largest photo accepted (default 100)\n"
     "  --jobs N             worker threads of a scoring run (default: cores)\n"
     "  --quiet              no request log on standard error\n\n"
     "Routes, limits and the security model: docs/WEBAPP.md.\n",
     sk_cli_serve},
};

static const sk_verb_t *find_verb(const char *name)
{
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
        if (strcmp(verbs[i].name, name) == 0)
            return &verbs[i];
    return NULL;
}

static void print_main_help(void)
{
    printf("skintrack %s — objective, repeatable skin measurements from clinic photos\n\n"
           "Usage: skintrack <verb> [options] [arguments]\n\nVerbs:\n",
           sk_version());
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
        printf("  %s\n", verbs[i].usage);
    printf("\nOptions:\n  --help      this help ('skintrack <verb> --help' for a verb)\n"
           "  --version   versions of skintrack and its libraries, and the SIMD path\n\n"
           "Environment: SK_SIMD=scalar|avx2 forces a kernel path.\n"
           "Exit status: 0 success, 1 failure, 2 usage error.\n");
}

static void print_version(void)
{
    printf("skintrack %s\n", sk_version());
    sk_params_t *params = calloc(1, sizeof *params);
    if (params && sk_model_params_load(NULL, params) == SK_OK)
        printf("models %s (parameters from %s)\n", params->version, sk_model_params_dir());
    else
        printf("models %s (parameter files not found: %s)\n", sk_models_version(),
               sk_error_message());
    free(params);
    printf("%s\n", sk_vips_version());
    printf("%s\n", sk_blas_config());
    printf("simd %s (cpu supports avx2+fma: %s)\n", sk_simd_name(sk_simd_level()),
           sk_simd_supported(SK_SIMD_AVX2) ? "yes" : "no");
}

int sk_cli_main(int argc, char **argv)
{
    if (argc < 2) {
        print_main_help();
        return SK_EXIT_USAGE;
    }
    const char *first = argv[1];
    if (strcmp(first, "--help") == 0 || strcmp(first, "-h") == 0 || strcmp(first, "help") == 0) {
        if (argc > 2 && strcmp(first, "help") == 0) {
            const sk_verb_t *v = find_verb(argv[2]);
            if (v) {
                print_verb_help(v);
                return SK_EXIT_OK;
            }
        }
        print_main_help();
        return SK_EXIT_OK;
    }
    if (strcmp(first, "--version") == 0 || strcmp(first, "version") == 0) {
        if (sk_pipeline_init(argv[0]) < 0) {
            sk_cli_error(NULL, "%s", sk_error_message());
            return SK_EXIT_FAIL;
        }
        print_version();
        return SK_EXIT_OK;
    }
    const sk_verb_t *v = find_verb(first);
    if (!v) {
        sk_cli_error(NULL, "'%s' is not a verb; see 'skintrack --help'", first);
        return SK_EXIT_USAGE;
    }
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            print_verb_help(v);
            return SK_EXIT_OK;
        }
    }
    if (sk_pipeline_init(argv[0]) < 0) {
        sk_cli_error(NULL, "%s", sk_error_message());
        return SK_EXIT_FAIL;
    }
    /* The verb sees argv starting at its own name, as getopt expects. */
    int rc = v->run(v, argc - 1, argv + 1);
    return rc;
}
