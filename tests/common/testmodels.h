/* Shared helpers for the model suites: run one family on a test image or on
 * a rendered phantom, with the whole image as skin. */
#ifndef SK_TESTMODELS_H
#define SK_TESTMODELS_H

#include "pmodels.h"
#include "sk_phantom.h"

/* The value of metric `name` in m (asserts that it is there). */
double sk_test_metric(const sk_metric_set_t *m, const char *name);

/* Run family fn on a test image at mm_per_px: a one-channel image is used
 * as every colour plane (the controlled scenes' L*), a three-channel one as
 * L*, a*, b*; the whole image is skin. Detections go to det (initialised
 * here) when it is not NULL. */
void sk_test_family_on_image(sk_family_fn fn, const sk_image_t *img, double mm_per_px, int physical,
                             sk_metric_set_t *m, sk_detections_t *det);

/* A family's metrics on a rendered phantom, with the phantom's truth (free
 * it with sk_phantom_truth_free). */
typedef struct sk_test_ph_run {
    sk_metric_set_t m;
    sk_phantom_truth *t;
} sk_test_ph_run;

/* Render a phantom, convert it to CIELAB with the colour kernels, treat the
 * whole patch as skin and run family fn. */
void sk_test_ph_measure(const sk_phantom_params *pp, sk_test_ph_run *o, sk_family_fn fn);

/* Coefficient of variation of `name` over n re-captures of p (perturbation
 * seeds 1000, 1001, ...); the mean in *mean_out. With SK_PHANTOM_VERBOSE set,
 * each re-capture's value is printed. */
double sk_test_ph_cv(const sk_phantom_params *p, int n, const char *name, sk_family_fn fn,
                     double *mean_out);

/* A phantom photo in a clinic library, CLINIC/patient/session/view.jpg
 * (JPEG quality 92): 24 x 18 mm at the default 0.04 mm/px, with a planted
 * improvement, re-captured with perturbation seed `perturb` (0: none), and
 * cropped to the central `crop` of each side (1: the whole field). */
void sk_test_clinic_phantom(const char *clinic, const char *patient, const char *session,
                            const char *view, double improvement, uint64_t perturb, double crop);

#endif
