/* Small helpers of the web app: a growable string with HTML and JSON
 * escaping, random bytes, base64url. */
#ifdef SK_HAVE_MHD
#include "pserve.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

static int sb_grow(sk_sb_t *b, size_t extra)
{
    if (b->failed)
        return -1;
    if (b->len + extra + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 1024;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *s = realloc(b->s, cap);
    if (!s) {
        b->failed = 1;
        return -1;
    }
    b->s = s;
    b->cap = cap;
    return 0;
}

void sk_sb_putn(sk_sb_t *b, const char *s, size_t n)
{
    if (sb_grow(b, n) < 0)
        return;
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void sk_sb_put(sk_sb_t *b, const char *s)
{
    sk_sb_putn(b, s, strlen(s));
}

void sk_sb_printf(sk_sb_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || sb_grow(b, (size_t)n) < 0)
        return;
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void sk_sb_html(sk_sb_t *b, const char *s)
{
    sk_sb_html_n(b, s, strlen(s));
}

void sk_sb_html_n(sk_sb_t *b, const char *s, size_t n)
{
    for (const char *end = s + n; s < end; s++) {
        switch (*s) {
        case '&':
            sk_sb_put(b, "&amp;");
            break;
        case '<':
            sk_sb_put(b, "&lt;");
            break;
        case '>':
            sk_sb_put(b, "&gt;");
            break;
        case '"':
            sk_sb_put(b, "&quot;");
            break;
        case '\'':
            sk_sb_put(b, "&#39;");
            break;
        default:
            sk_sb_putn(b, s, 1);
        }
    }
}

void sk_sb_json(sk_sb_t *b, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            sk_sb_putn(b, e, 2);
        } else if (c < 0x20) {
            sk_sb_printf(b, "\\u%04x", c);
        } else if (c == '<') {
            sk_sb_put(b, "\\u003c"); /* never "</script>" in JSON */
        } else {
            sk_sb_putn(b, s, 1);
        }
    }
}

void sk_sb_free(sk_sb_t *b)
{
    free(b->s);
    memset(b, 0, sizeof *b);
}

int serve_random(void *buf, size_t n)
{
    unsigned char *p = buf;
    while (n > 0) {
        ssize_t k = getrandom(p, n, 0);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return sk_error_set(SK_ERR_IO, "random: %s", strerror(errno));
        }
        p += k;
        n -= (size_t)k;
    }
    return SK_OK;
}

void serve_b64url(const unsigned char *in, size_t n, char *out)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)in[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)in[i + 1] << 8;
        if (i + 2 < n)
            v |= in[i + 2];
        out[o++] = tab[(v >> 18) & 63];
        out[o++] = tab[(v >> 12) & 63];
        if (i + 1 < n)
            out[o++] = tab[(v >> 6) & 63];
        if (i + 2 < n)
            out[o++] = tab[v & 63];
    }
    out[o] = '\0';
}

void serve_sem_wait(sem_t *s)
{
    while (sem_wait(s) != 0 && errno == EINTR)
        ;
}

double serve_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

#endif /* SK_HAVE_MHD */
