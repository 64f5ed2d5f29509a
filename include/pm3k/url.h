/* pm3k — URL options and custom-domain verification. */
#ifndef PM3K_URL_H
#define PM3K_URL_H

#include <stdbool.h>
#include <stddef.h>

#include "pm3k/error.h"
#include "pm3k/probe.h"
#include "pm3k/report.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Check a probe run's URL options before it starts: --domain is a host
 * name, --cacert is readable, --resolve entries are HOST:PORT:ADDRESS.
 * PM3K_ERR_INVALID_ARG (a usage error) with the reason in err otherwise. */
pm3k_code pm3k_url_options_check(const pm3k_probe_config *config, pm3k_error *err);

/* `pm3k domain verify`: what PM3K checks before it accepts a custom domain. */
typedef struct pm3k_domain_config {
    const char *host;       /* HOST or HOST:PORT, as given */
    const char *token;      /* the expected pm3k-verify.txt token, or NULL */
    pm3k_http_options http; /* --cacert, --resolve, --timeout */
    /* Asked about once a second while the request runs; true stops it and
     * pm3k_domain_verify returns PM3K_ERR_ABORTED (a signal came). NULL:
     * never. */
    bool (*stop)(void *userdata);
    void *stop_userdata;
} pm3k_domain_config;

/* Verify a domain: a certificate valid for the host, https://HOST/pm3k-verify.txt
 * answering 200 directly (no redirect) and holding the token (compared after
 * trimming whitespace). Problems are findings of the returned item (kind
 * "domain"); PM3K_ERR_INVALID_ARG when HOST or an option is not usable. */
pm3k_code pm3k_domain_verify(const pm3k_domain_config *config, pm3k_item **out, pm3k_error *err);

/* text with the credentials of every URL in it (a password, the values of
 * signing and token query parameters) replaced by REDACTED, as reports show
 * them: for messages that echo what a user typed. Always NUL-terminates out. */
void pm3k_redact_text(const char *text, char *out, size_t out_len);

/* The host part of a domain argument ("media.test:8443" -> "media.test"),
 * lowercased, for use as a probe's --domain. False when it is not a host. */
bool pm3k_domain_host(const char *domain, char *out, size_t out_len);

#ifdef __cplusplus
}
#endif
#endif
