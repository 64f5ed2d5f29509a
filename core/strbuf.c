/* pm3k — growable string. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"

void pm3k__strbuf_init(pm3k__strbuf *sb)
{
    memset(sb, 0, sizeof *sb);
}

static bool reserve(pm3k__strbuf *sb, size_t extra)
{
    if (sb->failed)
        return false;
    if (sb->len + extra + 1 <= sb->cap)
        return true;
    size_t cap = sb->cap ? sb->cap : 64;
    while (cap < sb->len + extra + 1)
        cap *= 2;
    char *grown = realloc(sb->data, cap);
    if (!grown) {
        sb->failed = true;
        return false;
    }
    sb->data = grown;
    sb->cap = cap;
    return true;
}

void pm3k__strbuf_addn(pm3k__strbuf *sb, const char *s, size_t n)
{
    if (!reserve(sb, n))
        return;
    memcpy(sb->data + sb->len, s, n);
    sb->len += n;
    sb->data[sb->len] = '\0';
}

void pm3k__strbuf_add(pm3k__strbuf *sb, const char *s)
{
    pm3k__strbuf_addn(sb, s, strlen(s));
}

void pm3k__strbuf_addf(pm3k__strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !reserve(sb, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb->len += (size_t)n;
}

char *pm3k__strbuf_detach(pm3k__strbuf *sb)
{
    char *out = NULL;
    if (!sb->failed)
        out = sb->data ? sb->data : strdup("");
    else
        free(sb->data);
    pm3k__strbuf_init(sb);
    return out;
}

void pm3k__strbuf_reset(pm3k__strbuf *sb)
{
    sb->len = 0;
    if (sb->data)
        sb->data[0] = '\0';
}

void pm3k__strbuf_free(pm3k__strbuf *sb)
{
    free(sb->data);
    pm3k__strbuf_init(sb);
}
