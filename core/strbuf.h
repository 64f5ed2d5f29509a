/* pm3k — a growable string for building messages and output (internal). */
#ifndef PM3K_CORE_STRBUF_H
#define PM3K_CORE_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct pm3k__strbuf {
    char *data; /* always NUL-terminated once anything was added */
    size_t len, cap;
    bool failed; /* an allocation failed: detach returns NULL */
} pm3k__strbuf;

void pm3k__strbuf_init(pm3k__strbuf *sb);
void pm3k__strbuf_addn(pm3k__strbuf *sb, const char *s, size_t n);
void pm3k__strbuf_add(pm3k__strbuf *sb, const char *s);
void pm3k__strbuf_addf(pm3k__strbuf *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Take the string (caller frees); NULL if an allocation failed. */
char *pm3k__strbuf_detach(pm3k__strbuf *sb);
void pm3k__strbuf_reset(pm3k__strbuf *sb);
void pm3k__strbuf_free(pm3k__strbuf *sb);

#endif
