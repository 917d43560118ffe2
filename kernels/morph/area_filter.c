/* Remove connected components by area. */
#include "sk_kernels.h"

int sk_morph_area_filter(uint8_t *mask, size_t stride, int w, int h, int64_t min_area,
                         int64_t max_area, int32_t *labels, size_t ls, sk_label_ws *ws)
{
    const sk_component_t *c = NULL;
    int n = 0;
    int rc = sk_label(mask, stride, w, h, labels, ls, NULL, 0, ws, &c, &n);
    if (rc < 0)
        return rc;
    for (int y = 0; y < h; y++) {
        uint8_t *m = mask + (size_t)y * stride;
        const int32_t *l = labels + (size_t)y * ls;
        for (int x = 0; x < w; x++) {
            int32_t k = l[x];
            if (k && (c[k - 1].area < min_area || (max_area > 0 && c[k - 1].area > max_area)))
                m[x] = 0;
        }
    }
    return SK_OK;
}
