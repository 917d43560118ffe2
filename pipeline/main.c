#include <stdio.h>
#include "skintrack.h"

int main(void)
{
    printf("skintrack %s (%s)\n", sk_version(), sk_simd_name(sk_simd_level()));
    return 0;
}
