/* Named scratch buffers of one worker, kept from photo to photo. */
#include "sk_models.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WS_MAX 128

struct sk_models_ws {
    int count;
    struct {
        char key[48];
        void *p;
        size_t bytes;
        void (*release)(void *);
    } slot[WS_MAX];
};

int sk_models_ws_new(sk_models_ws_t **out)
{
    sk_models_ws_t *ws = calloc(1, sizeof *ws);
    if (!ws)
        return sk_error_set(SK_ERR_NOMEM, "models workspace: out of memory");
    *out = ws;
    return SK_OK;
}

void sk_models_ws_free(sk_models_ws_t *ws)
{
    if (!ws)
        return;
    for (int i = 0; i < ws->count; i++) {
        if (ws->slot[i].release && ws->slot[i].p)
            ws->slot[i].release(ws->slot[i].p);
        sk_free(ws->slot[i].p);
    }
    free(ws);
}

void *sk_models_ws_bytes(sk_models_ws_t *ws, const char *key, size_t bytes)
{
    int i;
    for (i = 0; i < ws->count; i++)
        if (strcmp(ws->slot[i].key, key) == 0)
            break;
    if (i == ws->count) {
        if (ws->count == WS_MAX || strlen(key) >= sizeof ws->slot[0].key) {
            sk_error_set(SK_ERR_INTERNAL, "models workspace: no slot for %s", key);
            return NULL;
        }
        snprintf(ws->slot[i].key, sizeof ws->slot[0].key, "%s", key);
        ws->count++;
    }
    if (ws->slot[i].bytes < bytes) {
        void *p = sk_alloc_aligned(bytes);
        if (!p) {
            sk_error_set(SK_ERR_NOMEM, "models workspace: cannot allocate %zu bytes for %s", bytes,
                         key);
            return NULL;
        }
        sk_free(ws->slot[i].p);
        ws->slot[i].p = p;
        ws->slot[i].bytes = bytes;
    }
    return ws->slot[i].p;
}

void *sk_models_ws_object(sk_models_ws_t *ws, const char *key, size_t bytes,
                          void (*release)(void *))
{
    for (int i = 0; i < ws->count; i++)
        if (strcmp(ws->slot[i].key, key) == 0)
            return ws->slot[i].p;
    void *p = sk_models_ws_bytes(ws, key, bytes);
    if (!p)
        return NULL;
    memset(p, 0, bytes);
    ws->slot[ws->count - 1].release = release;
    return p;
}

float *sk_models_ws_plane(sk_models_ws_t *ws, const char *key, int w, int h, size_t *stride)
{
    if (w <= 0 || h <= 0) {
        sk_error_set(SK_ERR_ARG, "models workspace: bad plane %dx%d for %s", w, h, key);
        return NULL;
    }
    size_t s = sk_stride_for_width(w);
    float *p = sk_models_ws_bytes(ws, key, s * (size_t)h * sizeof(float));
    if (p && stride)
        *stride = s;
    return p;
}

size_t sk_models_ws_size(const sk_models_ws_t *ws)
{
    size_t n = 0;
    for (int i = 0; i < ws->count; i++)
        n += ws->slot[i].bytes;
    return n;
}
