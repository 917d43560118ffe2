#include "sk_models.h"

const char *sk_models_version(void)
{
    return "1.0";
}
