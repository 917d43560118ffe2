/* Loading the models' versioned parameter files (models/<family>.json) into
 * the flat parameter list the models read. The model version recorded with
 * every stored metric is the code's model version plus a digest of every
 * loaded parameter, so changing any number makes batch score again. */
#include "skintrack.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <glib.h>
#include <json-c/json.h>

static int is_dir(const char *p)
{
    struct stat st;
    return p && stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *sk_model_params_dir(void)
{
    const char *env = getenv("SK_MODELS_DIR");
    if (env && *env)
        return env;
    if (is_dir(SK_MODELS_INSTALL_DIR))
        return SK_MODELS_INSTALL_DIR;
    return SK_MODELS_DIR;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load_file(const char *path, sk_params_t *out, GChecksum *ck)
{
    char disp[SK_DISPLAY_PATH_MAX];
    sk_path_display(path, disp, sizeof disp);
    json_object *root = json_object_from_file(path);
    if (!root)
        return sk_error_set(SK_ERR_FORMAT, "%s: not valid JSON (%s)", disp,
                            json_util_get_last_err() ? json_util_get_last_err() : "parse error");
    int rc = SK_OK;
    json_object *version = NULL, *params = NULL, *family = NULL;
    if (!json_object_is_type(root, json_type_object) ||
        !json_object_object_get_ex(root, "version", &version) ||
        !json_object_is_type(version, json_type_string) ||
        !json_object_object_get_ex(root, "params", &params) ||
        !json_object_is_type(params, json_type_object)) {
        rc = sk_error_set(SK_ERR_FORMAT, "%s: needs a \"version\" string and a \"params\" object",
                          disp);
        goto done;
    }
    json_object_object_get_ex(root, "family", &family);
    g_checksum_update(ck, (const guchar *)json_object_get_string(version), -1);
    json_object_object_foreach(params, key, val)
    {
        if (!json_object_is_type(val, json_type_double) && !json_object_is_type(val, json_type_int)) {
            rc = sk_error_set(SK_ERR_FORMAT, "%s: params.%s must be a number", disp, key);
            goto done;
        }
        double v = json_object_get_double(val);
        if (!isfinite(v)) {
            rc = sk_error_set(SK_ERR_FORMAT, "%s: params.%s is not finite", disp, key);
            goto done;
        }
        if ((rc = sk_params_set(out, key, v)) < 0) {
            sk_error_wrap(rc, disp);
            goto done;
        }
        char line[160];
        snprintf(line, sizeof line, "%s=%.17g;", key, v);
        g_checksum_update(ck, (const guchar *)line, -1);
    }
done:
    json_object_put(root);
    return rc;
}

int sk_model_params_load(const char *dir, sk_params_t *out)
{
    if (!dir)
        dir = sk_model_params_dir();
    sk_params_init(out);
    char disp[SK_DISPLAY_PATH_MAX];
    DIR *d = opendir(dir);
    if (!d)
        return sk_error_set(SK_ERR_NOT_FOUND, "%s: model parameter folder not found (SK_MODELS_DIR)",
                            sk_path_display(dir, disp, sizeof disp));
    char *names[256];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 256) {
        size_t len = strlen(e->d_name);
        if (e->d_name[0] != '.' && len > 5 && strcmp(e->d_name + len - 5, ".json") == 0)
            names[n++] = strdup(e->d_name);
    }
    closedir(d);
    /* Sorted, so the digest does not depend on directory order. */
    qsort(names, (size_t)n, sizeof names[0], cmp_str);
    GChecksum *ck = g_checksum_new(G_CHECKSUM_SHA256);
    int rc = SK_OK;
    for (int i = 0; i < n; i++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (rc == SK_OK)
            rc = load_file(path, out, ck);
        free(names[i]);
    }
    if (rc == SK_OK)
        snprintf(out->version, sizeof out->version, "%s+%.8s", sk_models_version(),
                 g_checksum_get_string(ck));
    g_checksum_free(ck);
    return rc;
}
