/* pm3k — redaction of secrets in URLs, headers and free text. See
 * core/redact.h. */
#include <string.h>
#include <strings.h>

#include "core/redact.h"

static bool ends_with_ci(const char *s, size_t len, const char *suffix)
{
    size_t n = strlen(suffix);
    return len >= n && strncasecmp(s + len - n, suffix, n) == 0;
}

bool pm3k__redact_is_secret_header(const char *name)
{
    static const char *const exact[] = {"authorization", "proxy-authorization",
                                        "cookie",        "set-cookie",
                                        "x-api-key",     "api-key",
                                        "x-auth",        NULL};
    size_t len = strlen(name);
    for (const char *const *p = exact; *p; p++)
        if (strcasecmp(name, *p) == 0)
            return true;
    return strncasecmp(name, "x-amz-", 6) == 0 || ends_with_ci(name, len, "token") ||
           ends_with_ci(name, len, "secret") || ends_with_ci(name, len, "signature") ||
           ends_with_ci(name, len, "password") || ends_with_ci(name, len, "credential");
}

/* Query parameters whose values sign or authorise a request. */
static bool secret_param(const char *name, size_t len)
{
    static const char *const exact[] = {"sig",
                                        "key",
                                        "apikey",
                                        "api_key",
                                        "auth",
                                        "password",
                                        "passwd",
                                        "secret",
                                        "policy",
                                        "googleaccessid",
                                        "code",
                                        "x-amz-date",
                                        "session",
                                        "jwt",
                                        "x-amz-credential",
                                        "x-goog-credential",
                                        "awsaccesskeyid",
                                        NULL};
    for (const char *const *p = exact; *p; p++)
        if (strlen(*p) == len && strncasecmp(name, *p, len) == 0)
            return true;
    return ends_with_ci(name, len, "signature") || ends_with_ci(name, len, "token") ||
           ends_with_ci(name, len, "secret") || ends_with_ci(name, len, "password") ||
           ends_with_ci(name, len, "credential");
}

/* The output so far; put() never writes past cap - 1 and always ends it. */
typedef struct out_buf {
    char *p;
    size_t len, cap;
} out_buf;

static void put(out_buf *o, const char *s, size_t n)
{
    for (size_t i = 0; i < n && o->len + 1 < o->cap; i++) {
        unsigned char c = (unsigned char)s[i];
        o->p[o->len++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    o->p[o->len] = '\0';
}

static void put_redacted(out_buf *o)
{
    put(o, PM3K__REDACTED, sizeof PM3K__REDACTED - 1);
}

/* scheme://[user:password@]host: the authority with its credentials
 * redacted; returns where the path starts (url itself when there is no
 * scheme). A scheme is letters, digits, '+', '-', '.' before "://" (not a
 * "://" later in the query). */
static const char *put_authority(out_buf *o, const char *url)
{
    size_t scheme_len = strspn(url, "abcdefghijklmnopqrstuvwxyz"
                                    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.");
    if (strncmp(url + scheme_len, "://", 3) != 0 || scheme_len == 0 || scheme_len >= 32)
        return url;
    const char *auth = url + scheme_len + 3;
    size_t auth_len = strcspn(auth, "/?#");
    const char *at = NULL;
    for (size_t i = 0; i < auth_len; i++)
        if (auth[i] == '@')
            at = auth + i;
    put(o, url, (size_t)(auth - url));
    if (at) {
        put_redacted(o);
        put(o, "@", 1);
        put(o, at + 1, (size_t)(auth + auth_len - at - 1));
    } else {
        put(o, auth, auth_len);
    }
    return auth + auth_len;
}

void pm3k__redact_url(const char *url, char *out, size_t out_len)
{
    out_buf o = {out, 0, out_len};
    if (out_len == 0)
        return;
    out[0] = '\0';
    const char *p = put_authority(&o, url);
    size_t path_len = strcspn(p, "?#");
    put(&o, p, path_len);
    p += path_len;
    if (*p != '?') {
        put(&o, p, strlen(p));
        return;
    }
    put(&o, "?", 1);
    p++;
    /* name=value pairs up to the fragment */
    while (*p && *p != '#') {
        size_t pair_len = strcspn(p, "&;#");
        const char *eq = memchr(p, '=', pair_len);
        size_t name_len = eq ? (size_t)(eq - p) : pair_len;
        if (eq && secret_param(p, name_len)) {
            put(&o, p, name_len + 1);
            put_redacted(&o);
        } else {
            put(&o, p, pair_len);
        }
        p += pair_len;
        if (*p == '&' || *p == ';') {
            put(&o, p, 1);
            p++;
        }
    }
    put(&o, p, strlen(p));
}

void pm3k__redact_header(const char *name, const char *value, char *out, size_t out_len)
{
    static const char *const url_headers[] = {"location", "content-location", "link", "refresh",
                                              NULL};
    out_buf o = {out, 0, out_len};
    if (out_len == 0)
        return;
    out[0] = '\0';
    if (pm3k__redact_is_secret_header(name)) {
        put_redacted(&o);
        return;
    }
    for (const char *const *p = url_headers; *p; p++)
        if (strcasecmp(name, *p) == 0) {
            pm3k__redact_url(value, out, out_len);
            return;
        }
    put(&o, value, strlen(value));
}

/* The length of the known secret text starts with, or 0. */
static size_t known_at(const char *text, const char *const *secrets, size_t secret_count)
{
    for (size_t i = 0; i < secret_count; i++) {
        size_t n = secrets[i] ? strlen(secrets[i]) : 0;
        if (n > 0 && strncmp(text, secrets[i], n) == 0)
            return n;
    }
    return 0;
}

void pm3k__redact_known(const char *text, const char *const *secrets, size_t secret_count,
                        char *out, size_t out_len)
{
    out_buf o = {out, 0, out_len};
    if (out_len == 0)
        return;
    out[0] = '\0';
    for (const char *p = text; *p && o.len + 1 < o.cap;) {
        size_t n = known_at(p, secrets, secret_count);
        if (n > 0) {
            put_redacted(&o);
            p += n;
        } else {
            put(&o, p, 1);
            p++;
        }
    }
}
