#include "iamguard/iamguard.h"

const char *iamg_version(void)
{
    return IAMG_VERSION;
}
