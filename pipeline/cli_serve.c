/* skintrack serve: the clinic web app on libmicrohttpd, and
 * --set-password for its access password. */
#include "skintrack.h"
#include "sk_serve.h"
#include "pcli.h"

#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

/* One line from standard input, without its line end; echo off on a
 * terminal. 0 or -1. */
static int read_password(const char *prompt, char *buf, size_t len)
{
    int tty = isatty(0);
    struct termios old, quiet;
    if (tty) {
        fprintf(stderr, "%s", prompt);
        fflush(stderr);
        tcgetattr(0, &old);
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(0, TCSAFLUSH, &quiet);
    }
    char *got = fgets(buf, (int)len, stdin);
    if (tty) {
        tcsetattr(0, TCSAFLUSH, &old);
        fputc('\n', stderr);
    }
    if (!got)
        return -1;
    buf[strcspn(buf, "\r\n")] = '\0';
    return 0;
}

static int set_password(const char *clinic)
{
    char pw[1100], again[1100];
    if (read_password("New password for the web app: ", pw, sizeof pw) < 0) {
        sk_cli_error("serve", "--set-password: no password on standard input");
        return SK_EXIT_FAIL;
    }
    if (isatty(0)) {
        if (read_password("The same again: ", again, sizeof again) < 0 || strcmp(pw, again) != 0) {
            sk_cli_error("serve", "--set-password: the two passwords differ; nothing changed");
            return SK_EXIT_FAIL;
        }
    }
    int rc = sk_serve_set_password(clinic, pw, 0);
    memset(pw, 0, sizeof pw);
    memset(again, 0, sizeof again);
    if (rc < 0) {
        sk_cli_error("serve", "%s", sk_error_message());
        return SK_EXIT_FAIL;
    }
    printf("password set: %s/skintrack.auth (salted PBKDF2-SHA256); restart the server\n", clinic);
    return SK_EXIT_OK;
}

int sk_cli_serve(const sk_verb_t *verb, int argc, char **argv)
{
    enum { OPT_LISTEN = 1000, OPT_SETPW, OPT_MAXMB, OPT_MAXMP, OPT_JOBS, OPT_QUIET };
    static const struct option longopts[] = {
        {"listen", required_argument, NULL, OPT_LISTEN},
        {"set-password", no_argument, NULL, OPT_SETPW},
        {"max-upload-mb", required_argument, NULL, OPT_MAXMB},
        {"max-megapixels", required_argument, NULL, OPT_MAXMP},
        {"jobs", required_argument, NULL, OPT_JOBS},
        {"quiet", no_argument, NULL, OPT_QUIET},
        {NULL, 0, NULL, 0},
    };
    sk_serve_opts_t o;
    sk_serve_opts_default(&o);
    o.log = 1;
    int setpw = 0, c;
    long v;
    double mb = SK_SERVE_DEFAULT_MAX_BODY_MB;
    opterr = 0;
    optind = 0; /* GNU getopt: full reset, options may follow operands */
    while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_LISTEN:
            o.listen = optarg;
            break;
        case OPT_SETPW:
            setpw = 1;
            break;
        case OPT_MAXMB:
            if (sk_cli_parse_double(optarg, 0.1, 4096, &mb) < 0)
                return sk_cli_usage_error(verb, "--max-upload-mb needs a number 0.1-4096, not '%s'",
                                          optarg);
            break;
        case OPT_MAXMP:
            if (sk_cli_parse_double(optarg, 0.01, 10000.0, &o.max_megapixels) < 0)
                return sk_cli_usage_error(verb, "--max-megapixels needs a number, not '%s'",
                                          optarg);
            break;
        case OPT_JOBS:
            if (sk_cli_parse_int(optarg, 1, 256, &v) < 0)
                return sk_cli_usage_error(verb, "--jobs needs a whole number 1-256, not '%s'",
                                          optarg);
            o.jobs = (int)v;
            break;
        case OPT_QUIET:
            o.log = 0;
            break;
        case ':':
            return sk_cli_usage_error(verb, "%s needs a value", argv[optind - 1]);
        default:
            return sk_cli_usage_error(verb, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc - 1)
        return sk_cli_usage_error(verb, "one clinic folder, please");
    o.clinic = argv[optind];
    o.max_body_bytes = (size_t)(mb * 1024 * 1024);
    if (setpw)
        return set_password(o.clinic);

    /* Signals are taken by sigwait below; threads inherit the mask. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    sk_blas_set_threads(1);
    /* One thread per connection: without a cap glibc gives many of them an
     * arena of their own, and freed photo buffers stay resident in each. */
    mallopt(M_ARENA_MAX, 2);

    sk_server_t *srv = NULL;
    int rc = sk_serve_start(&o, &srv);
    if (rc < 0) {
        sk_cli_error(NULL, "%s", sk_error_message());
        return rc == SK_ERR_ARG ? SK_EXIT_USAGE : SK_EXIT_FAIL;
    }
    const char *listen_on = o.listen ? o.listen : SK_SERVE_DEFAULT_LISTEN;
    const char *colon = strrchr(listen_on, ':');
    int host_len = colon ? (int)(colon - listen_on) : 0;
    printf("skintrack: serving %s at http://%.*s:%d/ (%s; Ctrl-C to stop)\n", o.clinic, host_len,
           listen_on, sk_serve_port(srv),
           sk_serve_has_password(o.clinic) == 1 ? "password required" : "loopback only");
    fflush(stdout);
    int sig = 0;
    sigwait(&set, &sig);
    fprintf(stderr, "skintrack: stopping (waiting for a scoring run in flight, if any)\n");
    /* A second Ctrl-C now interrupts a scoring run in flight (or ends the
     * program when none is). */
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    sk_serve_stop(srv);
    return SK_EXIT_OK;
}
