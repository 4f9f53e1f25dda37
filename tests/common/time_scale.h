/*
 * Tests hold no speed targets (bench/ measures speed); their only time
 * bounds are 10 s or more and catch a hang or a quadratic blow-up. Even
 * those assume native speed: tests/valgrind.sh runs the suite about fifty
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
