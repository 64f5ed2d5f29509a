/* pm3k — UTF-8 / UTF-16 helpers (caption lengths are counted in UTF-16
 * units, as TikTok and JavaScript count them). */
#ifndef PM3K_UTF_H
#define PM3K_UTF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Decode one code point from s[0..len). Returns the number of bytes used
 * (1..4), or 0 at len == 0. Invalid or overlong sequences, surrogates and
 * values past U+10FFFF decode as U+FFFD using exactly one byte. */
size_t pm3k_utf8_decode(const char *s, size_t len, uint32_t *cp);

/* Encode cp into out (4 bytes room); returns bytes written (0 if invalid). */
size_t pm3k_utf8_encode(uint32_t cp, char out[4]);

/* True if s[0..len) is well-formed UTF-8 (no surrogates, no overlongs). */
bool pm3k_utf8_valid(const char *s, size_t len);

/* Length in UTF-16 code units (a code point above U+FFFF counts 2) of the
 * text Node decodes from these bytes: each maximal invalid subsequence is
 * one U+FFFD, one unit ("E2 82" is one, "C0 AF" two; WHATWG's rule). */
size_t pm3k_utf16_length(const char *s, size_t len);

#ifdef __cplusplus
}
#endif
#endif
