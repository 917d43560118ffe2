#include "skintrack.h"

const char *sk_version(void)
{
    return SK_VERSION;
}
