/* pm3k — redaction of secrets in URLs, headers and free text. See
 * core/redact.h. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/redact.h"
#include "pm3k/url.h"

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

/* Query parameters whose values sign or authorise a request, compared
 * after percent-decoding, in any case. */
static bool secret_name(const char *name, size_t len)
{
    static const char *const exact[] = {"sig",
                                        "key",
                                        "apikey",
                                        "api_key",
                                        "api-key",
                                        "auth",
                                        "password",
                                        "passwd",
                                        "pass",
                                        "pwd",
                                        "secret",
                                        "policy",
                                        "googleaccessid",
                                        "code",
                                        "x-amz-date",
                                        "session",
                                        "jwt",
                                        "hmac",
                                        "md5",
                                        "hdnea",
                                        "hdnts",
                                        "__gda__",
                                        "x-amz-credential",
                                        "x-goog-credential",
                                        "awsaccesskeyid",
                                        NULL};
    for (const char *const *p = exact; *p; p++)
        if (strlen(*p) == len && strncasecmp(name, *p, len) == 0)
            return true;
    return ends_with_ci(name, len, "signature") || ends_with_ci(name, len, "token") ||
           ends_with_ci(name, len, "secret") || ends_with_ci(name, len, "password") ||
           ends_with_ci(name, len, "credential") || ends_with_ci(name, len, "key");
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* A parameter name as the server reads it: %XX and '+' decoded. */
static bool secret_param(const char *name, size_t len)
{
    char decoded[256];
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (n == sizeof decoded)
            return secret_name(name, len); /* too long to decode: as written */
        int hi = i + 2 < len ? hex_value(name[i + 1]) : -1;
        int lo = i + 2 < len ? hex_value(name[i + 2]) : -1;
        if (name[i] == '%' && hi >= 0 && lo >= 0) {
            decoded[n++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            decoded[n++] = name[i] == '+' ? ' ' : name[i];
        }
    }
    return secret_name(decoded, n);
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

/* Nested URLs (a URL in a query value) are redacted this deep. */
#define NEST_MAX 4

static size_t scheme_len(const char *s, size_t len)
{
    size_t n = 0;
    while (n < len && (isalnum((unsigned char)s[n]) || s[n] == '+' || s[n] == '-' || s[n] == '.'))
        n++;
    if (n == 0 || n >= 32 || !isalpha((unsigned char)s[0]) || len - n < 3 ||
        memcmp(s + n, "://", 3) != 0)
        return 0;
    return n;
}

static void put_url(out_buf *o, const char *url, size_t len, int depth);

/* scheme://[user:password@]host: the authority with its credentials
 * redacted; returns how much of url it took (0 when there is no scheme).
 * A scheme is letters, digits, '+', '-', '.' before "://". */
/* "http:" or "https:" and the slashes after it, mistyped as they may be
 * ("https:/host", "http:\\host"): the length of that prefix, else 0. */
static size_t mistyped_prefix(const char *url, size_t len)
{
    size_t n = len >= 5 && strncasecmp(url, "http:", 5) == 0    ? 5
               : len >= 6 && strncasecmp(url, "https:", 6) == 0 ? 6
                                                                : 0;
    while (n > 0 && n < len && (url[n] == '/' || url[n] == '\\'))
        n++;
    return n;
}

static size_t put_authority(out_buf *o, const char *url, size_t len)
{
    size_t scheme = scheme_len(url, len);
    size_t prefix = scheme ? scheme + 3 : mistyped_prefix(url, len);
    if (prefix == 0)
        return 0;
    const char *auth = url + prefix;
    size_t left = len - prefix, auth_len = 0;
    while (auth_len < left && !strchr("/?#", auth[auth_len]))
        auth_len++;
    const char *at = NULL;
    for (size_t i = 0; i < auth_len; i++)
        if (auth[i] == '@')
            at = auth + i;
    put(o, url, prefix);
    if (at) {
        put_redacted(o);
        put(o, "@", 1);
        put(o, at + 1, (size_t)(auth + auth_len - at - 1));
    } else {
        put(o, auth, auth_len);
    }
    return prefix + auth_len;
}

/* name=value pairs separated by '&' or ';' (a query, or a fragment such as
 * "#access_token=..."): secret values become REDACTED, a value that is a
 * URL itself is redacted as one. */
static void put_pairs(out_buf *o, const char *p, size_t len, int depth)
{
    size_t i = 0;
    while (i < len) {
        size_t pair = 0;
        while (i + pair < len && p[i + pair] != '&' && p[i + pair] != ';')
            pair++;
        const char *eq = memchr(p + i, '=', pair);
        size_t name_len = eq ? (size_t)(eq - (p + i)) : pair;
        if (eq && secret_param(p + i, name_len)) {
            put(o, p + i, name_len + 1);
            put_redacted(o);
        } else if (eq && depth < NEST_MAX && scheme_len(eq + 1, pair - name_len - 1) > 0) {
            put(o, p + i, name_len + 1);
            put_url(o, eq + 1, pair - name_len - 1, depth + 1);
        } else {
            put(o, p + i, pair);
        }
        i += pair;
        if (i < len) {
            put(o, p + i, 1);
            i++;
        }
    }
}

static void put_url(out_buf *o, const char *url, size_t len, int depth)
{
    size_t i = put_authority(o, url, len);
    size_t path = 0;
    while (i + path < len && url[i + path] != '?' && url[i + path] != '#')
        path++;
    put(o, url + i, path);
    i += path;
    if (i < len && url[i] == '?') {
        size_t query = 0;
        put(o, "?", 1);
        i++;
        while (i + query < len && url[i + query] != '#')
            query++;
        put_pairs(o, url + i, query, depth);
        i += query;
    }
    if (i < len) { /* '#' */
        put(o, "#", 1);
        put_pairs(o, url + i + 1, len - i - 1, depth);
    }
}

void pm3k__redact_url(const char *url, char *out, size_t out_len)
{
    out_buf o = {out, 0, out_len};
    if (out_len == 0)
        return;
    out[0] = '\0';
    put_url(&o, url, strlen(url), 0);
}

bool pm3k__redact_looks_like_url(const char *text)
{
    return scheme_len(text, strlen(text)) > 0 || strncasecmp(text, "http:", 5) == 0 ||
           strncasecmp(text, "https:", 6) == 0;
}

/* Where a URL in free text ends: at white space, a quote or a bracket. */
static size_t url_extent(const char *s)
{
    size_t n = 0;
    while (s[n] && !isspace((unsigned char)s[n]) && !strchr("\"'<>`", s[n]))
        n++;
    return n;
}

void pm3k__redact_text(const char *text, char *out, size_t out_len)
{
    out_buf o = {out, 0, out_len};
    if (out_len == 0)
        return;
    out[0] = '\0';
    size_t len = strlen(text);
    for (size_t i = 0; i < len && o.len + 1 < o.cap;) {
        bool starts = i == 0 || !(isalnum((unsigned char)text[i - 1]) || text[i - 1] == '+' ||
                                  text[i - 1] == '-' || text[i - 1] == '.');
        if (starts && scheme_len(text + i, len - i) > 0) {
            size_t n = url_extent(text + i);
            put_url(&o, text + i, n, 0);
            i += n;
        } else {
            o.p[o.len++] = text[i++]; /* outside URLs: as it is */
            o.p[o.len] = '\0';
        }
    }
}

/* Room for any redaction of len bytes: a value of at least 4 bytes
 * ("sig=") may become REDACTED, and the userinfo's '@' REDACTED@. */
static size_t redacted_cap(size_t len)
{
    return 3 * len + sizeof PM3K__REDACTED + 2;
}

static char *redact_dup(const char *text, void (*redact)(const char *, char *, size_t))
{
    size_t len = strlen(text);
    char *out = malloc(redacted_cap(len));
    if (!out)
        return NULL;
    redact(text, out, redacted_cap(len));
    char *fit = realloc(out, strlen(out) + 1);
    return fit ? fit : out;
}

char *pm3k__redact_url_dup(const char *url)
{
    return redact_dup(url, pm3k__redact_url);
}

char *pm3k__redact_text_dup(const char *text)
{
    return redact_dup(text, pm3k__redact_text);
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

void pm3k_redact_text(const char *text, char *out, size_t out_len)
{
    pm3k__redact_text(text, out, out_len);
}
