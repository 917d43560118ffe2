/* Internal declarations shared by the pipeline's sources. */
#ifndef SK_PPIPELINE_H
#define SK_PPIPELINE_H

#include "skintrack.h"

#endif
