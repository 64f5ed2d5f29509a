/* pm3k — UTF-8 internals (not public). */
#ifndef PM3K_CORE_UTF_INT_H
#define PM3K_CORE_UTF_INT_H

#include <stddef.h>

/* A copy of s[0..len) where every invalid UTF-8 byte is replaced by U+FFFD
 * and NUL bytes are dropped, so it is safe in JSON and XML. malloc'd. */
char *pm3k__utf8_sanitize(const char *s, size_t len);

#endif
