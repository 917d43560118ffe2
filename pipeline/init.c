/* Pipeline start-up: libvips and its caches. */
#include "skintrack.h"

#include <stdio.h>
#include <string.h>

#include <vips/vips.h>

/* libvips reports decode trouble as GLib warnings on stderr ("error in tile
 * 0 x 24") before the error we turn into our one-line message. Keep them
 * only when SK_DEBUG is set. */
static void quiet_log(const gchar *domain, GLogLevelFlags level, const gchar *message,
                      gpointer data)
{
    (void)data;
    if (g_getenv("SK_DEBUG"))
        g_log_default_handler(domain, level, message, NULL);
}

int sk_pipeline_init(const char *argv0)
{
    g_log_set_handler("VIPS", G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO,
                      quiet_log, NULL);
    if (VIPS_INIT(argv0 ? argv0 : "skintrack") != 0)
        return sk_error_set(SK_ERR_INTERNAL, "cannot start libvips: %s", vips_error_buffer());
    /* Every photo is read once: an operation cache only costs memory, and
     * batch workers would share it across threads for nothing. */
    vips_cache_set_max(0);
    vips_cache_set_max_mem(0);
    vips_cache_set_max_files(0);
    return SK_OK;
}

void sk_pipeline_shutdown(void)
{
    vips_shutdown();
}

const char *sk_vips_version(void)
{
    static char buf[64];
    snprintf(buf, sizeof buf, "libvips %s", vips_version_string());
    return buf;
}

char *sk_path_display(const char *path, char *out, size_t len)
{
    if (!out || len == 0)
        return out;
    if (!path)
        path = "(null)";
    size_t n = strlen(path);
    if (n < len) {
        memcpy(out, path, n + 1);
    } else {
        /* Keep the start and the end, which name the folder and the file. */
        size_t keep = (len - 4) / 2;
        memcpy(out, path, keep);
        memcpy(out + keep, "...", 3);
        memcpy(out + keep + 3, path + n - (len - 4 - keep), len - 4 - keep);
        out[len - 1] = '\0';
    }
    for (char *p = out; *p; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f)
            *p = '?';
    return out;
}
