/* pm3k — UTF-8 internals (not public). */
#ifndef PM3K_CORE_UTF_INT_H
#define PM3K_CORE_UTF_INT_H

#include <stddef.h>
#include <stdint.h>

/* A copy of s[0..len) where every invalid UTF-8 byte is replaced by U+FFFD
 * and NUL bytes are dropped, so it is safe in JSON and XML. malloc'd. */
char *pm3k__utf8_sanitize(const char *s, size_t len);

/* Decode one code point from s[0..len) as the WHATWG UTF-8 decoder does
 * (Node's Buffer.toString('utf8'), hence what PM3K's JSON.parse sees):
 * an invalid sequence's maximal subpart (the longest prefix of a valid
 * sequence, at least one byte) is one U+FFFD, so "E2 82" is one replacement
 * and "ED A0 80" (a surrogate) three. Returns the bytes used, 0 at len 0. */
size_t pm3k__utf8_decode_whatwg(const char *s, size_t len, uint32_t *cp);

#endif
