/* The truth of a render: every planted feature in mm and photo px, and the
 * per-family totals the skin models are validated against. */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "pphantom.h"

/* Is a disc of radius r_px around (u, v) wholly inside the photo? */
static int disc_inside(double u, double v, double r_px, int w, int h)
{
    return u - r_px >= -0.5 && v - r_px >= -0.5 && u + r_px <= w - 0.5 && v + r_px <= h - 0.5;
}

static int point_inside(double u, double v, int w, int h)
{
    return u >= -0.5 && v >= -0.5 && u <= w - 0.5 && v <= h - 0.5;
}

static sk_phantom_feature *add(sk_phantom_truth *t, const ph_camera *cam, sk_phantom_kind kind,
                               double x, double y)
{
    sk_phantom_feature *f = &t->features[t->n_features++];
    memset(f, 0, sizeof *f);
    f->kind = kind;
    f->x_mm = x;
    f->y_mm = y;
    ph_to_px(cam, x, y, &f->x_px, &f->y_px);
    return f;
}

/* Point of a wrinkle's line at arc length s. */
static void wr_at(const ph_wrinkle *w, double s, double *x, double *y)
{
    double q = s / w->ds;
    int k = (int)floor(q);
    if (k < 0)
        k = 0;
    if (k > w->n - 2)
        k = w->n - 2;
    double a = q - k;
    *x = w->pt[k].x + a * (w->pt[k + 1].x - w->pt[k].x);
    *y = w->pt[k].y + a * (w->pt[k + 1].y - w->pt[k].y);
}

int ph_truth_make(const sk_phantom_params *p, const ph_skin *sk, const ph_camera *cam, int w,
                  int h, sk_phantom_truth **out)
{
    sk_phantom_truth *t = calloc(1, sizeof *t);
    if (!t)
        return SK_ERR_NOMEM;
    int nf = sk->n_pores + sk->n_wr + sk->n_sp + sk->n_rd + sk->n_sc, np = 0;
    for (int i = 0; i < sk->n_wr; i++)
        np += (int)ceil((sk->wr[i].s1 - sk->wr[i].s0) / sk->wr[i].ds) + 3;
    t->features = calloc(nf > 0 ? (size_t)nf : 1, sizeof *t->features);
    t->path = calloc(np > 0 ? (size_t)np : 1, sizeof *t->path);
    if (!t->features || !t->path) {
        sk_phantom_truth_free(t);
        return SK_ERR_NOMEM;
    }
    const double mpp = 1.0 / cam->k;
    t->params = *p;
    t->width = w;
    t->height = h;
    t->mm_per_px = mpp;
    t->area_mm2 = (double)w * h * mpp * mpp;
    t->base_L = sk->L0;
    t->base_a = sk->a0;
    t->base_b = sk->b0;
    t->ita_deg = atan2(sk->L0 - 50.0, sk->b0) * 180.0 / M_PI;
    t->pore_min_mm = SK_PHANTOM_PORE_MIN_MM;
    t->pore_max_mm = SK_PHANTOM_PORE_MAX_MM;
    double pore_d = 0, pore_a = 0, spot_a = 0, red_a = 0, scar_a = 0, wr_depth = 0;

    for (int i = 0; i < sk->n_pores; i++) {
        const ph_pore *q = &sk->pores[i];
        if (q->closed)
            continue;
        sk_phantom_feature *f = add(t, cam, SK_PH_PORE, q->x, q->y);
        f->size_mm = q->d;
        f->area_mm2 = M_PI * q->d * q->d / 4;
        f->depth = q->depth;
        f->dL = q->dl;
        f->db = q->db;
        f->inside = disc_inside(f->x_px, f->y_px, q->d / 2 * cam->k, w, h);
        if (f->inside && q->d >= t->pore_min_mm) {
            t->pore_count++;
            pore_d += q->d;
            pore_a += f->area_mm2;
        }
    }
    for (int i = 0; i < sk->n_wr; i++) {
        const ph_wrinkle *wr = &sk->wr[i];
        double mx, my;
        wr_at(wr, 0.5 * (wr->s0 + wr->s1), &mx, &my);
        sk_phantom_feature *f = add(t, cam, SK_PH_WRINKLE, mx, my);
        f->size_mm = wr->width;
        f->length_mm = wr->s1 - wr->s0;
        f->depth = wr->depth;
        f->dL = wr->dl;
        /* the centre line between the truth ends, points ds apart */
        f->path_first = t->n_path;
        int k0 = (int)floor(wr->s0 / wr->ds) + 1, k1 = (int)ceil(wr->s1 / wr->ds) - 1;
        double px, py;
        wr_at(wr, wr->s0, &px, &py);
        t->path[t->n_path++] = (sk_phantom_point){px, py, 0, 0};
        for (int k = k0; k <= k1; k++)
            t->path[t->n_path++] = (sk_phantom_point){wr->pt[k].x, wr->pt[k].y, 0, 0};
        wr_at(wr, wr->s1, &px, &py);
        t->path[t->n_path++] = (sk_phantom_point){px, py, 0, 0};
        f->path_count = t->n_path - f->path_first;
        /* visible length: the arc length times the share of the line's
         * chords whose middle lies in the photo */
        double chord = 0, chord_in = 0;
        int all_in = 1;
        for (int k = 0; k < f->path_count; k++) {
            sk_phantom_point *q = &t->path[f->path_first + k];
            ph_to_px(cam, q->x_mm, q->y_mm, &q->x_px, &q->y_px);
            all_in &= point_inside(q->x_px, q->y_px, w, h);
            if (k == 0)
                continue;
            const sk_phantom_point *a = q - 1;
            double l = hypot(q->x_mm - a->x_mm, q->y_mm - a->y_mm);
            chord += l;
            if (point_inside(0.5 * (a->x_px + q->x_px), 0.5 * (a->y_px + q->y_px), w, h))
                chord_in += l;
        }
        f->inside = all_in;
        f->visible_mm = all_in ? f->length_mm : chord > 0 ? f->length_mm * chord_in / chord : 0;
        t->wrinkle_total_length += f->visible_mm;
        if (f->visible_mm >= 0.5 * f->length_mm && f->length_mm > 0) {
            t->wrinkle_count++;
            wr_depth += wr->depth;
        }
    }
    for (int i = 0; i < sk->n_sp; i++) {
        const ph_blob *b = &sk->sp[i];
        sk_phantom_feature *f = add(t, cam, SK_PH_SPOT, b->x, b->y);
        f->area_mm2 = b->area;
        f->size_mm = 2 * sqrt(b->area / M_PI);
        f->dL = b->dl;
        f->da = b->da;
        f->db = b->db;
        f->depth = 0;
        f->inside = disc_inside(f->x_px, f->y_px, ph_blob_rmax(b) * cam->k, w, h);
        if (f->inside) {
            t->spot_count++;
            spot_a += b->area;
        }
    }
    for (int i = 0; i < sk->n_rd; i++) {
        const ph_blob *b = &sk->rd[i];
        sk_phantom_feature *f = add(t, cam, SK_PH_REDNESS, b->x, b->y);
        f->area_mm2 = b->area;
        f->size_mm = 2 * sqrt(b->area / M_PI);
        f->dL = b->dl;
        f->da = b->da;
        f->db = b->db;
        f->inside = disc_inside(f->x_px, f->y_px, ph_blob_rmax(b) * cam->k, w, h);
        if (f->inside)
            red_a += b->area;
    }
    for (int i = 0; i < sk->n_sc; i++) {
        const ph_scar *c = &sk->sc[i];
        sk_phantom_feature *f = add(t, cam, SK_PH_SCAR, c->x, c->y);
        f->subtype = c->type;
        f->size_mm = 2 * c->r;
        f->area_mm2 = M_PI * c->r * c->r;
        f->depth = c->depth;
        f->dL = c->type == SK_PH_SCAR_ROLLING ? -0.5 : c->type == SK_PH_SCAR_BOXCAR ? 1.5 : -3.0;
        f->da = c->type == SK_PH_SCAR_ROLLING ? 0.3 : 1.2;
        f->inside = disc_inside(f->x_px, f->y_px, c->r * cam->k, w, h);
        if (f->inside) {
            t->scar_count++;
            scar_a += f->area_mm2;
            t->scar_depth_sum += c->depth * f->area_mm2;
        }
    }
    t->pore_mean_diameter = t->pore_count ? pore_d / t->pore_count : 0;
    t->pore_area_pct = 100.0 * pore_a / t->area_mm2;
    t->wrinkle_mean_depth = t->wrinkle_count ? wr_depth / t->wrinkle_count : 0;
    t->spot_area_pct = 100.0 * spot_a / t->area_mm2;
    t->redness_area_pct = 100.0 * red_a / t->area_mm2;
    t->scar_area_pct = 100.0 * scar_a / t->area_mm2;
    *out = t;
    return SK_OK;
}

void sk_phantom_truth_free(sk_phantom_truth *t)
{
    if (!t)
        return;
    free(t->features);
    free(t->path);
    free(t);
}

/* ---------------------------------------------------------------- JSON */

static void put_d(json_object *o, const char *k, double v)
{
    json_object_object_add(o, k, json_object_new_double(v));
}

static void put_i(json_object *o, const char *k, int v)
{
    json_object_object_add(o, k, json_object_new_int(v));
}

int sk_phantom_truth_to_json(const sk_phantom_truth *t, char **json)
{
    static const char *const kinds[] = {"pore", "wrinkle", "spot", "redness", "scar"};
    static const char *const scars[] = {"icepick", "boxcar", "rolling"};
    if (!t || !json)
        return sk_error_set(SK_ERR_ARG, "phantom: NULL argument");
    const sk_phantom_params *p = &t->params;
    json_object *o = json_object_new_object();
    if (!o)
        return SK_ERR_NOMEM;
    json_object_object_add(o, "format", json_object_new_string("skintrack-phantom-truth"));
    put_i(o, "version", 2);
    json_object *pp = json_object_new_object();
    json_object_object_add(pp, "seed", json_object_new_uint64(p->seed));
    put_d(pp, "width_mm", p->width_mm);
    put_d(pp, "height_mm", p->height_mm);
    put_d(pp, "mm_per_px", p->mm_per_px);
    put_d(pp, "ita_deg", p->ita_deg);
    put_d(pp, "pore_density_per_cm2", p->pore_density);
    put_i(pp, "n_wrinkles", p->n_wrinkles);
    put_i(pp, "n_spots", p->n_spots);
    put_i(pp, "n_redness", p->n_redness);
    put_i(pp, "n_scars", p->n_scars);
    put_d(pp, "relief", p->relief);
    put_d(pp, "improvement", p->improvement);
    json_object_object_add(pp, "featureless", json_object_new_boolean(p->featureless));
    json_object *cap = json_object_new_object();
    put_d(cap, "shift_x_mm", p->shift_x_mm);
    put_d(cap, "shift_y_mm", p->shift_y_mm);
    put_d(cap, "rotation_deg", p->rotation_deg);
    put_d(cap, "scale", p->scale);
    put_d(cap, "exposure_ev", p->exposure_ev);
    put_d(cap, "wb_r", p->wb_r);
    put_d(cap, "wb_b", p->wb_b);
    put_d(cap, "noise", p->noise);
    json_object_object_add(cap, "noise_seed", json_object_new_uint64(p->noise_seed));
    put_i(cap, "jpeg_quality", p->jpeg_quality);
    json_object_object_add(pp, "capture", cap);
    json_object_object_add(o, "params", pp);
    put_i(o, "width", t->width);
    put_i(o, "height", t->height);
    put_d(o, "mm_per_px", t->mm_per_px);
    put_d(o, "area_mm2", t->area_mm2);
    json_object *tot = json_object_new_object();
    put_i(tot, "pore_count", t->pore_count);
    put_d(tot, "pore_min_diameter_mm", t->pore_min_mm);
    put_d(tot, "pore_max_diameter_mm", t->pore_max_mm);
    put_d(tot, "pore_mean_diameter_mm", t->pore_mean_diameter);
    put_d(tot, "pore_area_pct", t->pore_area_pct);
    put_d(tot, "pore_density_per_cm2", 100.0 * t->pore_count / t->area_mm2);
    put_i(tot, "wrinkle_count", t->wrinkle_count);
    put_d(tot, "wrinkle_total_length_mm", t->wrinkle_total_length);
    put_d(tot, "wrinkle_mean_depth_mm", t->wrinkle_mean_depth);
    put_i(tot, "spot_count", t->spot_count);
    put_d(tot, "spot_area_pct", t->spot_area_pct);
    put_d(tot, "redness_area_pct", t->redness_area_pct);
    put_i(tot, "scar_count", t->scar_count);
    put_d(tot, "scar_area_pct", t->scar_area_pct);
    put_d(tot, "scar_severity_mm3", t->scar_depth_sum);
    put_d(tot, "base_L", t->base_L);
    put_d(tot, "base_a", t->base_a);
    put_d(tot, "base_b", t->base_b);
    put_d(tot, "ita_deg", t->ita_deg);
    json_object_object_add(o, "truth", tot);
    json_object *fa = json_object_new_array();
    for (int i = 0; i < t->n_features; i++) {
        const sk_phantom_feature *f = &t->features[i];
        json_object *e = json_object_new_object();
        json_object_object_add(e, "kind", json_object_new_string(kinds[f->kind]));
        if (f->kind == SK_PH_SCAR)
            json_object_object_add(e, "type", json_object_new_string(scars[f->subtype]));
        put_d(e, "x_mm", f->x_mm);
        put_d(e, "y_mm", f->y_mm);
        put_d(e, "x_px", f->x_px);
        put_d(e, "y_px", f->y_px);
        put_d(e, "size_mm", f->size_mm);
        if (f->kind == SK_PH_WRINKLE) {
            put_d(e, "length_mm", f->length_mm);
            put_d(e, "visible_mm", f->visible_mm);
        } else {
            put_d(e, "area_mm2", f->area_mm2);
        }
        if (f->kind == SK_PH_PORE || f->kind == SK_PH_WRINKLE || f->kind == SK_PH_SCAR)
            put_d(e, "depth_mm", f->depth);
        put_d(e, "dL", f->dL);
        if (f->da != 0)
            put_d(e, "da", f->da);
        if (f->db != 0)
            put_d(e, "db", f->db);
        json_object_object_add(e, "inside", json_object_new_boolean(f->inside));
        if (f->kind == SK_PH_WRINKLE) {
            json_object *pa = json_object_new_array();
            for (int k = 0; k < f->path_count; k++) {
                const sk_phantom_point *q = &t->path[f->path_first + k];
                json_object *pt = json_object_new_array();
                json_object_array_add(pt, json_object_new_double(q->x_px));
                json_object_array_add(pt, json_object_new_double(q->y_px));
                json_object_array_add(pa, pt);
            }
            json_object_object_add(e, "path_px", pa);
        }
        json_object_array_add(fa, e);
    }
    json_object_object_add(o, "features", fa);
    const char *txt = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
                                                            JSON_C_TO_STRING_NOSLASHESCAPE);
    char *copy = txt ? strdup(txt) : NULL;
    json_object_put(o);
    if (!copy)
        return sk_error_set(SK_ERR_NOMEM, "phantom: out of memory writing the truth");
    *json = copy;
    return SK_OK;
}
