/*
 * Time bounds in tests (a limit trips within 3 s, a 2 MB template parses in
 * 50 ms) assume native speed. tests/valgrind.sh runs the suite about fifty
 * times slower and sets IAMG_TEST_TIME_SCALE; bounds are multiplied by it.
 */
#ifndef IAMG_TESTS_TIME_SCALE_H
#define IAMG_TESTS_TIME_SCALE_H

#include <stdlib.h>

static inline double test_time_scale(void)
{
    const char *s = getenv("IAMG_TEST_TIME_SCALE");
    double v = s ? strtod(s, NULL) : 1.0;
    return v > 1.0 ? v : 1.0;
}

#endif
