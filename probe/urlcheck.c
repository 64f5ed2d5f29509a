/* pm3k — the small pure parts of the URL checks: host matching, the
 * --domain value, Content-Type against the path. Covered by
 * tests/fuzz/fuzz_url.c. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "probe/url_int.h"

/* ---- hosts ---- */

bool pm3k__domain_host(const char *domain, char *out, size_t out_len)
{
    bool ok = false;
    char *url = NULL, *host = NULL;
    CURLU *cu = NULL;
    size_t len = strlen(domain);

    if (out_len == 0 || len == 0 || len > 1024)
        return false;
    out[0] = '\0';
    if (strstr(domain, "://")) {
        url = strdup(domain);
    } else {
        /* A bare host: no path, query, user or spaces allowed. */
        if (strcspn(domain, "/?#@ \t\r\n") != len)
            return false;
        url = malloc(len + 10);
        if (url)
            snprintf(url, len + 10, "https://%s/", domain);
    }
    cu = curl_url();
    if (!url || !cu || curl_url_set(cu, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(cu, CURLUPART_HOST, &host, 0) != CURLUE_OK || !host || !host[0])
        goto out;
    len = pm3k__host_len(host);
    if (len + 1 > out_len)
        goto out;
    for (size_t i = 0; i < len; i++)
        out[i] = (char)tolower((unsigned char)host[i]);
    out[len] = '\0';
    ok = true;
out:
    curl_free(host);
    curl_url_cleanup(cu);
    free(url);
    return ok;
}

/* ---- Content-Type ---- */

void pm3k__content_type_parse(const char *value, pm3k__ct *out)
{
    memset(out, 0, sizeof *out);
    out->major = PM3K__CT_NONE;
    out->media = PM3K__MEDIA_UNKNOWN;
    if (!value)
        return;
    while (*value == ' ' || *value == '\t')
        value++;
    size_t n = strcspn(value, ";");
    while (n > 0 && (value[n - 1] == ' ' || value[n - 1] == '\t'))
        n--;
    if (n == 0)
        return;
    if (n >= sizeof out->essence)
        n = sizeof out->essence - 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)value[i];
        out->essence[i] = (char)(isprint(c) ? tolower(c) : '?');
    }
    out->essence[n] = '\0';
    if (strncmp(out->essence, "video/", 6) == 0)
        out->major = PM3K__CT_VIDEO;
    else if (strncmp(out->essence, "image/", 6) == 0)
        out->major = PM3K__CT_IMAGE;
    else
        out->major = PM3K__CT_OTHER;
    const pm3k__format *format = pm3k__format_by_mime_type(out->essence);
    if (format)
        out->media = format->media;
}

bool pm3k__content_type_fits(const pm3k__ct *ct, const char *ext, bool photo, char *expected,
                             size_t expected_len)
{
    bool known = false;
    pm3k__extension_fits(ext, PM3K__MEDIA_UNKNOWN, &known);
    bool want_image = photo || pm3k__extension_is_image(ext);
    bool want_video = !want_image && known;
    const char *what = want_image ? "image" : want_video ? "video" : "video or image";
    if (known && ext[0])
        snprintf(expected, expected_len, "%s (.%s)", what, ext);
    else
        snprintf(expected, expected_len, "%s", what);

    if (!want_image && !want_video)
        return ct->major == PM3K__CT_VIDEO || ct->major == PM3K__CT_IMAGE;
    if (ct->major != (want_image ? PM3K__CT_IMAGE : PM3K__CT_VIDEO))
        return false;
    /* A subtype pm3k knows must fit the extension too (an .mp4 sent as
     * video/webm); an unknown one (video/x-foo) is given the benefit. */
    if (ct->media == PM3K__MEDIA_UNKNOWN || !known)
        return true;
    bool ext_known;
    return pm3k__extension_fits(ext, ct->media, &ext_known);
}

bool pm3k__url_is_image(bool photo, const pm3k__ct *ct, const char *ext)
{
    if (photo)
        return true;
    if (ct->major == PM3K__CT_VIDEO)
        return false;
    if (ct->major == PM3K__CT_IMAGE)
        return true;
    return pm3k__extension_is_image(ext);
}

const char *pm3k__url_path_extension(const char *path, char *buf, size_t buflen)
{
    return pm3k__path_extension(path, buf, buflen);
}
