/* pm3k — redaction (internal): nothing secret may reach a message, fact,
 * report, log or -v trace. Secrets are recognised by where they sit (a
 * header such as Authorization, the user:password of a URL, a signing
 * query parameter) or by value (the API key, an S3 secret: whatever the
 * caller knows to be one). Every function writes into a caller's buffer,
 * always NUL-terminates it, cuts what does not fit, and (except
 * pm3k__redact_text outside URLs) turns control characters into '?'. */
#ifndef PM3K_CORE_REDACT_H
#define PM3K_CORE_REDACT_H

#include <stdbool.h>
#include <stddef.h>

#define PM3K__REDACTED "REDACTED"

/* Authorization, Proxy-Authorization, Cookie, Set-Cookie, X-Amz-*, API keys,
 * and any name ending in token, secret, signature, password or credential. */
bool pm3k__redact_is_secret_header(const char *name);

/* A URL with its user:password and the values of signing/credential
 * parameters (X-Amz-Signature, X-Amz-Credential, Signature, sig, token,
 * access_token, key, auth, ...: names compared in any case after
 * percent-decoding) in the query and the fragment replaced by REDACTED; a
 * parameter whose value is a URL itself is redacted as one. */
void pm3k__redact_url(const char *url, char *out, size_t out_len);

/* The same, allocated (never cut); NULL when memory runs out. */
char *pm3k__redact_url_dup(const char *url);

/* Does text look like a URL (a scheme and "://", or http:/https: however
 * mistyped)? Such an input is shown redacted. */
bool pm3k__redact_looks_like_url(const char *text);

/* Free text (a message, a title, libcurl's account) with every URL in it
 * (a scheme and "://", up to white space, a quote or a bracket) redacted
 * as pm3k__redact_url does; the text around the URLs is copied as it is
 * (control characters too: the caller shows text its own way). */
void pm3k__redact_text(const char *text, char *out, size_t out_len);
char *pm3k__redact_text_dup(const char *text);

/* A header value fit for a report: secret headers become REDACTED, URLs
 * (Location, Content-Location, Link, Refresh) are redacted as URLs. */
void pm3k__redact_header(const char *name, const char *value, char *out, size_t out_len);

/* text with every occurrence of each known secret (empty ones are skipped)
 * replaced by REDACTED. */
void pm3k__redact_known(const char *text, const char *const *secrets, size_t secret_count,
                        char *out, size_t out_len);

#endif
