/* The web app's access password: PBKDF2-HMAC-SHA256 with a random salt,
 * kept in CLINIC/skintrack.auth. HMAC-SHA256 comes from GLib (GHmac); the
 * PBKDF2 loop over it (RFC 8018, section 5.2) is below. */
#include "skintrack.h"
#include "sk_serve.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#define SALT_BYTES 16
#define HASH_BYTES 32

void sk_pbkdf2_sha256(const void *password, size_t pw_len, const void *salt, size_t salt_len,
                      unsigned iterations, unsigned char *out, size_t out_len)
{
    /* The keyed HMAC state is made once and copied for every block, so the
     * password is hashed into the key only once. */
    GHmac *keyed = g_hmac_new(G_CHECKSUM_SHA256, password, pw_len);
    unsigned char u[HASH_BYTES], t[HASH_BYTES];
    for (uint32_t block = 1; out_len > 0; block++) {
        unsigned char be[4] = {(unsigned char)(block >> 24), (unsigned char)(block >> 16),
                               (unsigned char)(block >> 8), (unsigned char)block};
        GHmac *h = g_hmac_copy(keyed);
        g_hmac_update(h, salt, salt_len);
        g_hmac_update(h, be, 4);
        gsize n = sizeof u;
        g_hmac_get_digest(h, u, &n);
        g_hmac_unref(h);
        memcpy(t, u, sizeof t);
        for (unsigned i = 1; i < iterations; i++) {
            h = g_hmac_copy(keyed);
            g_hmac_update(h, u, sizeof u);
            n = sizeof u;
            g_hmac_get_digest(h, u, &n);
            g_hmac_unref(h);
            for (int k = 0; k < HASH_BYTES; k++)
                t[k] ^= u[k];
        }
        size_t take = out_len < sizeof t ? out_len : sizeof t;
        memcpy(out, t, take);
        out += take;
        out_len -= take;
    }
    g_hmac_unref(keyed);
}

static void to_hex(const unsigned char *in, size_t n, char *out)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hx[in[i] >> 4];
        out[2 * i + 1] = hx[in[i] & 15];
    }
    out[2 * n] = '\0';
}

int sk_serve_set_password(const char *clinic, const char *password, unsigned iterations)
{
    char disp[SK_DISPLAY_PATH_MAX];
    if (!clinic || !password)
        return sk_error_set(SK_ERR_ARG, "set password: no clinic or password");
    size_t pw_len = strlen(password);
    if (pw_len < 8 || pw_len > 1024)
        return sk_error_set(SK_ERR_ARG, "password: must be 8 to 1024 characters, not %zu", pw_len);
    struct stat st;
    if (stat(clinic, &st) != 0 || !S_ISDIR(st.st_mode))
        return sk_error_set(SK_ERR_NOT_FOUND, "%s: no such clinic folder",
                            sk_path_display(clinic, disp, sizeof disp));
    if (iterations == 0)
        iterations = SK_SERVE_PBKDF2_ITERATIONS;
    unsigned char salt[SALT_BYTES], hash[HASH_BYTES];
    size_t got = 0;
    while (got < sizeof salt) {
        ssize_t k = getrandom(salt + got, sizeof salt - got, 0);
        if (k < 0 && errno != EINTR)
            return sk_error_set(SK_ERR_IO, "set password: no random bytes: %s", strerror(errno));
        if (k > 0)
            got += (size_t)k;
    }
    sk_pbkdf2_sha256(password, pw_len, salt, sizeof salt, iterations, hash, sizeof hash);
    char salt_hex[2 * SALT_BYTES + 1], hash_hex[2 * HASH_BYTES + 1], line[256];
    to_hex(salt, sizeof salt, salt_hex);
    to_hex(hash, sizeof hash, hash_hex);
    int n = snprintf(line, sizeof line, "pbkdf2-sha256$%u$%s$%s\n", iterations, salt_hex, hash_hex);

    char tmp[4200], path[4200];
    snprintf(tmp, sizeof tmp, "%s/.skintrack.auth.XXXXXX", clinic);
    snprintf(path, sizeof path, "%s/skintrack.auth", clinic);
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0)
        return sk_error_set(errno == EACCES ? SK_ERR_PERMISSION : SK_ERR_IO,
                            "%s: cannot write the password file: %s",
                            sk_path_display(clinic, disp, sizeof disp), strerror(errno));
    int ok = fchmod(fd, 0600) == 0 && write(fd, line, (size_t)n) == n && fsync(fd) == 0;
    int err = errno;
    if (close(fd) != 0 && ok) {
        ok = 0;
        err = errno;
    }
    if (ok && rename(tmp, path) != 0) {
        ok = 0;
        err = errno;
    }
    if (!ok) {
        unlink(tmp);
        return sk_error_set(SK_ERR_IO, "%s: cannot write: %s",
                            sk_path_display(path, disp, sizeof disp), strerror(err));
    }
    return SK_OK;
}

/* Parse "pbkdf2-sha256$ITER$SALT$HASH"; 0 or SK_ERR_FORMAT. */
static int parse_record(const char *line, unsigned *iter, unsigned char salt[SALT_BYTES],
                        unsigned char hash[HASH_BYTES])
{
    char salt_hex[2 * SALT_BYTES + 2], hash_hex[2 * HASH_BYTES + 2];
    unsigned long it = 0;
    if (sscanf(line, "pbkdf2-sha256$%lu$%33[0-9a-f]$%65[0-9a-f]", &it, salt_hex, hash_hex) != 3 ||
        strlen(salt_hex) != 2 * SALT_BYTES || strlen(hash_hex) != 2 * HASH_BYTES || it < 1000 ||
        it > 100000000)
        return SK_ERR_FORMAT;
    *iter = (unsigned)it;
    for (int i = 0; i < SALT_BYTES; i++)
        sscanf(salt_hex + 2 * i, "%2hhx", &salt[i]);
    for (int i = 0; i < HASH_BYTES; i++)
        sscanf(hash_hex + 2 * i, "%2hhx", &hash[i]);
    return SK_OK;
}

/* Read the record; 1 found (line filled), 0 none, negative on error. */
int sk_serve_auth_read(const char *clinic, char *line, size_t len)
{
    char path[4200], disp[SK_DISPLAY_PATH_MAX];
    snprintf(path, sizeof path, "%s/skintrack.auth", clinic);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        if (errno == ENOENT)
            return 0;
        return sk_error_set(SK_ERR_IO, "%s: cannot read: %s",
                            sk_path_display(path, disp, sizeof disp), strerror(errno));
    }
    ssize_t n = read(fd, line, len - 1);
    close(fd);
    if (n < 0)
        return sk_error_set(SK_ERR_IO, "%s: cannot read: %s",
                            sk_path_display(path, disp, sizeof disp), strerror(errno));
    line[n] = '\0';
    unsigned it;
    unsigned char salt[SALT_BYTES], hash[HASH_BYTES];
    if (parse_record(line, &it, salt, hash) < 0)
        return sk_error_set(SK_ERR_FORMAT,
                            "%s: not a skintrack password record; set the password again with "
                            "'skintrack serve CLINIC --set-password'",
                            sk_path_display(path, disp, sizeof disp));
    return 1;
}

int sk_serve_has_password(const char *clinic)
{
    char line[512];
    return sk_serve_auth_read(clinic, line, sizeof line);
}

/* 1 when the password matches the record, 0 when not (or the record is bad). */
int sk_serve_auth_match(const char *record, const char *password)
{
    unsigned it;
    unsigned char salt[SALT_BYTES], want[HASH_BYTES], got[HASH_BYTES];
    if (!password || parse_record(record, &it, salt, want) < 0)
        return 0;
    sk_pbkdf2_sha256(password, strlen(password), salt, sizeof salt, it, got, sizeof got);
    unsigned diff = 0;
    for (int i = 0; i < HASH_BYTES; i++)
        diff |= (unsigned)(got[i] ^ want[i]);
    return diff == 0;
}
