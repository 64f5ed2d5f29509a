/* pm3k — URL parsing through libcurl's parser, and host comparisons. */
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "core/url.h"
#include "pm3k/pm3k.h"

void pm3k__url_free(pm3k__url *url)
{
    if (!url)
        return;
    curl_free(url->text);
    curl_free(url->scheme);
    curl_free(url->host);
    curl_free(url->port);
    curl_free(url->path);
    memset(url, 0, sizeof *url);
}

/* A part libcurl does not have comes back NULL. */
static char *part(CURLU *cu, CURLUPart which, unsigned flags)
{
    char *value = NULL;
    if (curl_url_get(cu, which, &value, flags) != CURLUE_OK) {
        curl_free(value);
        return NULL;
    }
    return value;
}

pm3k_code pm3k__url_parse(const char *text, unsigned flags, pm3k__url *out, pm3k_error *err)
{
    pm3k_code rc = PM3K_OK;
    unsigned curl_flags = ((flags & PM3K__URL_ANY_SCHEME) ? CURLU_NON_SUPPORT_SCHEME : 0u) |
                          ((flags & PM3K__URL_ALLOW_SPACE) ? CURLU_ALLOW_SPACE : 0u);
    memset(out, 0, sizeof *out);
    CURLU *cu = curl_url();
    if (!cu)
        return pm3k_error_set(err, PM3K_ERR_NOMEM, "out of memory");
    CURLUcode set = curl_url_set(cu, CURLUPART_URL, text, curl_flags);
    if (set != CURLUE_OK) {
        rc = set == CURLUE_OUT_OF_MEMORY
                 ? pm3k_error_set(err, PM3K_ERR_NOMEM, "out of memory")
                 : pm3k_error_set(err, PM3K_ERR_PARSE, "%s", curl_url_strerror(set));
        goto out;
    }
    out->scheme = part(cu, CURLUPART_SCHEME, 0);
    out->host = part(cu, CURLUPART_HOST, 0);
    out->path = part(cu, CURLUPART_PATH, 0);
    out->text = part(cu, CURLUPART_URL, 0);
    out->port = part(cu, CURLUPART_PORT, CURLU_DEFAULT_PORT);
    if (!out->scheme || !out->text || !out->path) {
        rc = pm3k_error_set(err, PM3K_ERR_PARSE, "cannot take the URL apart");
        goto out;
    }
    if (!out->host || !out->host[0]) {
        rc = pm3k_error_set(err, PM3K_ERR_PARSE, "it has no host");
        goto out;
    }
    for (char *p = out->scheme; *p; p++)
        *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
out:
    curl_url_cleanup(cu);
    if (rc != PM3K_OK)
        pm3k__url_free(out);
    return rc;
}

size_t pm3k__host_len(const char *host)
{
    size_t n = strlen(host);
    if (n > 1 && host[n - 1] == '.')
        n--;
    return n;
}

bool pm3k__host_equal(const char *a, const char *b)
{
    size_t na = pm3k__host_len(a), nb = pm3k__host_len(b);
    return na > 0 && na == nb && strncasecmp(a, b, na) == 0;
}

bool pm3k__host_is_storage(const char *host)
{
    return pm3k__host_equal(host, PM3K_STORAGE_HOST);
}
