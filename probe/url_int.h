/* pm3k — URL check internals shared by probe/url.c, probe/remote.c,
 * probe/domain.c and the fuzz target (not public). */
#ifndef PM3K_PROBE_URL_INT_H
#define PM3K_PROBE_URL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#include "core/http.h"
#include "probe/probe_int.h"

/* ---- hosts (probe/urlcheck.c; comparisons are in core/http.h) ---- */

/* The host of a --domain value ("media.example.com", "Media.Example.com:8443",
 * "https://media.example.com/"), lowercased, without port, into out.
 * False when it is not a host name. */
bool pm3k__domain_host(const char *domain, char *out, size_t out_len);

/* ---- Content-Type (probe/urlcheck.c) ---- */

typedef enum pm3k__ct_major {
    PM3K_CT_NONE,  /* no Content-Type */
    PM3K_CT_VIDEO, /* video/... */
    PM3K_CT_IMAGE, /* image/... */
    PM3K_CT_OTHER  /* anything else (text/html, application/octet-stream) */
} pm3k__ct_major;

typedef struct pm3k__ct {
    pm3k__ct_major major;
    pm3k__media media; /* PM3K_MEDIA_UNKNOWN when the subtype is not one pm3k knows */
    char essence[64];  /* "video/mp4": lowercase, no parameters, cut to fit */
} pm3k__ct;

void pm3k__content_type_parse(const char *value, pm3k__ct *out);

/* Does a Content-Type fit the URL? ext is the path's lowercase extension
 * ("" for none); photo means a photo post (images only). On false, expected
 * says what would fit ("video (.mp4)", "image", "video or image"). */
bool pm3k__content_type_fits(const pm3k__ct *ct, const char *ext, bool photo, char *expected,
                             size_t expected_len);

/* Video or image, for too_large vs image_too_large: the --photo context,
 * else the Content-Type, else the path's extension. */
bool pm3k__url_is_image(bool photo, const pm3k__ct *ct, const char *ext);

/* The lowercase extension of a URL path ("/a/b.MP4" -> "mp4"); the path has
 * no query or fragment. */
const char *pm3k__url_path_extension(const char *path, char *buf, size_t buflen);

/* ---- --deep: the remote media through HTTP range reads (probe/remote.c) ---- */

typedef struct pm3k__deep_result {
    bool network_failed;   /* a read failed for a reason that is not the media's */
    char reason[256];      /* why, when network_failed */
    int64_t bytes_fetched; /* body bytes received over HTTP */
    int requests;          /* range requests made */
} pm3k__deep_result;

/* Probe the media at url with the video/image rules, as the local probe
 * does a file: sniff, kind, extension check, then pm3k__probe_video or
 * pm3k__probe_image on item. easy is a handle this thread owns (reused for
 * connection reuse); size is the Content-Length when known, else -1. */
void pm3k__deep_probe(const pm3k_probe_config *config, CURL *easy, const pm3k__http_ctx *http,
                      const char *url, const char *path_ext, int64_t size, pm3k_item *item,
                      pm3k__deep_result *result);

#endif
