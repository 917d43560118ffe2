#include "sk_models.h"

const char *sk_models_version(void)
{
    return "0.1";
}
