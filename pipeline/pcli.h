/* Internal interface of the command-line verbs. */
#ifndef SK_PCLI_H
#define SK_PCLI_H

#include <stdarg.h>

enum { SK_EXIT_OK = 0, SK_EXIT_FAIL = 1, SK_EXIT_USAGE = 2 };

typedef struct sk_verb sk_verb_t;
struct sk_verb {
    const char *name;
    const char *usage;
    const char *help;
    /* argv[0] is the verb's name. Returns an exit status. */
    int (*run)(const sk_verb_t *verb, int argc, char **argv);
};

/* Entry point of the binary. */
int sk_cli_main(int argc, char **argv);

/* "skintrack: VERB: message" on stderr (verb may be NULL). */
void sk_cli_error(const char *verb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Print a usage error with the verb's usage line; returns SK_EXIT_USAGE. */
int sk_cli_usage_error(const sk_verb_t *verb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Strict number parsing: the whole text, within [lo, hi]. 0 or -1. */
int sk_cli_parse_double(const char *text, double lo, double hi, double *out);
int sk_cli_parse_int(const char *text, long lo, long hi, long *out);

int sk_cli_analyze(const sk_verb_t *verb, int argc, char **argv);
int sk_cli_import(const sk_verb_t *verb, int argc, char **argv);
int sk_cli_batch(const sk_verb_t *verb, int argc, char **argv);
int sk_cli_export(const sk_verb_t *verb, int argc, char **argv);
int sk_cli_report(const sk_verb_t *verb, int argc, char **argv);
int sk_cli_compare(const sk_verb_t *verb, int argc, char **argv);
int sk_cli_serve(const sk_verb_t *verb, int argc, char **argv);

#endif
