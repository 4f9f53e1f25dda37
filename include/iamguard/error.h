/*
 * iamguard/error.h - status codes and the caller-owned error record.
 *
 * Every fallible public function returns 0 (IAMG_OK) or a negative IAMG_E*
 * code, and fills an iamg_error the caller provides (it may be NULL when the
 * caller only wants the code). There is no global "last error": scans run on
 * several threads at once.
 */
#ifndef IAMGUARD_ERROR_H
#define IAMGUARD_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

#if defined(IAMG_BUILDING) && defined(__GNUC__)
#define IAMG_API __attribute__((visibility("default")))
#else
#define IAMG_API
#endif

/** Status codes. 0 is success; every error is negative. */
typedef enum iamg_status {
    IAMG_OK = 0,
    IAMG_ENOMEM = -1,   /**< an allocation failed */
    IAMG_EIO = -2,      /**< a file could not be read or written */
    IAMG_EPARSE = -3,   /**< JSON/YAML syntax error */
    IAMG_EINVALID = -4, /**< well-formed input of the wrong shape */
    IAMG_ELIMIT = -5,   /**< a configured limit was exceeded (size, depth, count, time) */
    IAMG_ERULE = -6,    /**< a Lua rule failed to load or to run */
    IAMG_EUSAGE = -7,   /**< bad argument or option value */
    IAMG_ESKIP = -8,    /**< input is not something iamguard scans (not an error) */
    IAMG_ELOG = -9      /**< a line a rule wrote with log(), kept by verbose scans (not an error) */
} iamg_status;

#define IAMG_ERROR_PATH_MAX 512
#define IAMG_ERROR_TEXT_MAX 512

/**
 * Details of one error. line and column are 1-based, 0 when unknown;
 * column counts UTF-16 code units (see README, "Positions").
 */
typedef struct iamg_error {
    int code; /**< an iamg_status */
    unsigned line;
    unsigned column;
    char path[IAMG_ERROR_PATH_MAX];
    char message[IAMG_ERROR_TEXT_MAX];
} iamg_error;

/** Short, static, lower-case name of a status code ("parse error", ...). */
IAMG_API const char *iamg_strerror(int code);

#ifdef __cplusplus
}
#endif
#endif
