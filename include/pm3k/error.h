/* pm3k — one error enum and one error context for the whole library. */
#ifndef PM3K_ERROR_H
#define PM3K_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

/* Every library function that can fail returns one of these; results travel
 * through out-parameters and the message through a pm3k_error. */
typedef enum pm3k_code {
    PM3K_OK = 0,
    PM3K_ERR_NOMEM,       /* out of memory */
    PM3K_ERR_INVALID_ARG, /* a bad option value or argument (usage) */
    PM3K_ERR_NOT_FOUND,   /* a file or key does not exist */
    PM3K_ERR_IO,          /* reading or writing a file failed */
    PM3K_ERR_PARSE,       /* malformed input that is not media (JSON, URL, list) */
    PM3K_ERR_NETWORK,     /* DNS, connect, reset */
    PM3K_ERR_TLS,         /* certificate or handshake failure */
    PM3K_ERR_TIMEOUT,     /* a deadline passed */
    PM3K_ERR_HTTP,        /* the server answered with an unexpected status */
    PM3K_ERR_UNSUPPORTED, /* a feature this build or input cannot do */
    PM3K_ERR_LIBRARY,     /* a dependency (FFmpeg, libvips, libcurl) failed */
    PM3K_ERR_ABORTED,     /* stopped by the caller */
    PM3K_ERR_INTERNAL     /* a bug: should never happen */
} pm3k_code;

#define PM3K_ERROR_MESSAGE_MAX 512

typedef struct pm3k_error {
    pm3k_code code;
    char message[PM3K_ERROR_MESSAGE_MAX];
} pm3k_error;

/* A stable lowercase name for a code ("nomem", "io", ...). */
const char *pm3k_code_name(pm3k_code code);

/* Fill err (may be NULL) and return code, so callers can write
 * `return pm3k_error_set(err, PM3K_ERR_IO, "cannot read '%s'", path);` */
pm3k_code pm3k_error_set(pm3k_error *err, pm3k_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

void pm3k_error_clear(pm3k_error *err);

#ifdef __cplusplus
}
#endif
#endif
