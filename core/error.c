/* pm3k — error codes, the error context, and exit-code precedence. */
#include <stdarg.h>
#include <stdio.h>

#include "pm3k/error.h"
#include "pm3k/exit.h"

const char *pm3k_code_name(pm3k_code code)
{
    switch (code) {
    case PM3K_OK:
        return "ok";
    case PM3K_ERR_NOMEM:
        return "nomem";
    case PM3K_ERR_INVALID_ARG:
        return "invalid_arg";
    case PM3K_ERR_NOT_FOUND:
        return "not_found";
    case PM3K_ERR_IO:
        return "io";
    case PM3K_ERR_PARSE:
        return "parse";
    case PM3K_ERR_NETWORK:
        return "network";
    case PM3K_ERR_TLS:
        return "tls";
    case PM3K_ERR_TIMEOUT:
        return "timeout";
    case PM3K_ERR_HTTP:
        return "http";
    case PM3K_ERR_UNSUPPORTED:
        return "unsupported";
    case PM3K_ERR_LIBRARY:
        return "library";
    case PM3K_ERR_ABORTED:
        return "aborted";
    case PM3K_ERR_INTERNAL:
        return "internal";
    }
    return "unknown";
}

pm3k_code pm3k_error_set(pm3k_error *err, pm3k_code code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        err->code = code;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return code;
}

void pm3k_error_clear(pm3k_error *err)
{
    if (err) {
        err->code = PM3K_OK;
        err->message[0] = '\0';
    }
}

static int exit_rank(int code)
{
    switch (code) {
    case PM3K_EXIT_USAGE:
        return 3;
    case PM3K_EXIT_RULE_FAILED:
        return 2;
    case PM3K_EXIT_TRANSIENT:
        return 1;
    default:
        return 0;
    }
}

int pm3k_exit_merge(int a, int b)
{
    return exit_rank(a) >= exit_rank(b) ? a : b;
}
