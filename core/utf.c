/* pm3k — UTF-8 decoding and UTF-16 length. */
#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"
#include "core/utf_int.h"
#include "pm3k/utf.h"

#define REPLACEMENT 0xFFFDu

size_t pm3k_utf8_decode(const char *s, size_t len, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    if (len == 0)
        return 0;
    unsigned char b0 = u[0];
    size_t need;
    uint32_t value, min;
    if (b0 < 0x80) {
        *cp = b0;
        return 1;
    } else if (b0 >= 0xC2 && b0 <= 0xDF) {
        need = 1, value = b0 & 0x1Fu, min = 0x80;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        need = 2, value = b0 & 0x0Fu, min = 0x800;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        need = 3, value = b0 & 0x07u, min = 0x10000;
    } else {
        *cp = REPLACEMENT;
        return 1;
    }
    if (len < need + 1) {
        *cp = REPLACEMENT;
        return 1;
    }
    for (size_t i = 1; i <= need; i++) {
        if ((u[i] & 0xC0) != 0x80) {
            *cp = REPLACEMENT;
            return 1;
        }
        value = (value << 6) | (u[i] & 0x3Fu);
    }
    if (value < min || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) {
        *cp = REPLACEMENT;
        return 1;
    }
    *cp = value;
    return need + 1;
}

size_t pm3k_utf8_encode(uint32_t cp, char out[4])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp >= 0xD800 && cp <= 0xDFFF)
        return 0;
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    if (cp <= 0x10FFFF) {
        out[0] = (char)(0xF0 | (cp >> 18));
        out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[3] = (char)(0x80 | (cp & 0x3F));
        return 4;
    }
    return 0;
}

/* True when the bytes at s really encode U+FFFD (not a decoding error). */
static bool is_literal_replacement(const char *s, size_t used)
{
    return used == 3 && memcmp(s, "\xEF\xBF\xBD", 3) == 0;
}

bool pm3k_utf8_valid(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        size_t used = pm3k_utf8_decode(s + i, len - i, &cp);
        if (cp == REPLACEMENT && !is_literal_replacement(s + i, used))
            return false;
        i += used;
    }
    return true;
}

size_t pm3k__utf8_decode_whatwg(const char *s, size_t len, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    if (len == 0)
        return 0;
    unsigned char b0 = u[0];
    size_t need;
    uint32_t value;
    unsigned char lo = 0x80, hi = 0xBF; /* the bytes the next one may be */
    if (b0 < 0x80) {
        *cp = b0;
        return 1;
    } else if (b0 >= 0xC2 && b0 <= 0xDF) {
        need = 1, value = b0 & 0x1Fu;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        need = 2, value = b0 & 0x0Fu;
        lo = b0 == 0xE0 ? 0xA0 : 0x80; /* no overlong forms */
        hi = b0 == 0xED ? 0x9F : 0xBF; /* no surrogates */
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        need = 3, value = b0 & 0x07u;
        lo = b0 == 0xF0 ? 0x90 : 0x80; /* no overlong forms */
        hi = b0 == 0xF4 ? 0x8F : 0xBF; /* nothing past U+10FFFF */
    } else {
        *cp = REPLACEMENT;
        return 1;
    }
    for (size_t i = 1; i <= need; i++) {
        /* The bytes so far are one maximal subpart; the one that does not
         * fit starts the next character. */
        if (i >= len || u[i] < lo || u[i] > hi) {
            *cp = REPLACEMENT;
            return i;
        }
        value = (value << 6) | (u[i] & 0x3Fu);
        lo = 0x80;
        hi = 0xBF;
    }
    *cp = value;
    return need + 1;
}

size_t pm3k_utf16_length(const char *s, size_t len)
{
    size_t i = 0, units = 0;
    while (i < len) {
        uint32_t cp;
        i += pm3k__utf8_decode_whatwg(s + i, len - i, &cp);
        units += cp >= 0x10000 ? 2 : 1;
    }
    return units;
}

char *pm3k__utf8_sanitize(const char *s, size_t len)
{
    pm3k__strbuf sb;
    pm3k__strbuf_init(&sb);
    pm3k__strbuf_addn(&sb, "", 0);
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        size_t used = pm3k_utf8_decode(s + i, len - i, &cp);
        if (cp == 0) {
            /* dropped: a NUL would end the string early downstream */
        } else if (cp == REPLACEMENT && !is_literal_replacement(s + i, used)) {
            pm3k__strbuf_add(&sb, "\xEF\xBF\xBD");
        } else {
            pm3k__strbuf_addn(&sb, s + i, used);
        }
        i += used;
    }
    return pm3k__strbuf_detach(&sb);
}
