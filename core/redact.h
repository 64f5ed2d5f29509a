/* pm3k — redaction (internal): nothing secret may reach a message, fact,
 * report, log or -v trace. Secrets are recognised by where they sit (a
 * header such as Authorization, the user:password of a URL, a signing
 * query parameter) or by value (the API key, an S3 secret: whatever the
 * caller knows to be one). Every function writes into a caller's buffer,
 * always NUL-terminates it, cuts what does not fit, and turns control
 * characters into '?'. */
#ifndef PM3K_CORE_REDACT_H
#define PM3K_CORE_REDACT_H

#include <stdbool.h>
#include <stddef.h>

#define PM3K__REDACTED "REDACTED"

/* Authorization, Proxy-Authorization, Cookie, Set-Cookie, X-Amz-*, API keys,
 * and any name ending in token, secret, signature, password or credential. */
bool pm3k__redact_is_secret_header(const char *name);

/* A URL with its user:password and the values of signing/credential query
 * parameters (X-Amz-Signature, Signature, sig, token, ...) replaced by
 * REDACTED. */
void pm3k__redact_url(const char *url, char *out, size_t out_len);

/* A header value fit for a report: secret headers become REDACTED, URLs
 * (Location, Content-Location, Link, Refresh) are redacted as URLs. */
void pm3k__redact_header(const char *name, const char *value, char *out, size_t out_len);

/* text with every occurrence of each known secret (empty ones are skipped)
 * replaced by REDACTED. */
void pm3k__redact_known(const char *text, const char *const *secrets, size_t secret_count,
                        char *out, size_t out_len);

#endif
