/* The skintrack binary: a thin main over the pipeline's command line. */
#include "pcli.h"

int main(int argc, char **argv)
{
    return sk_cli_main(argc, argv);
}
