/* pm3k — URL check internals shared by probe/url.c, probe/urlcheck.c,
 * probe/remote.c, probe/domain.c, the unit tests and the fuzz target (not
 * public). */
#ifndef PM3K_PROBE_URL_INT_H
#define PM3K_PROBE_URL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#include "core/http.h"
#include "probe/probe_int.h"

/* ---- hosts (probe/urlcheck.c; comparisons are in core/url.h) ---- */

/* The host of a --domain value ("media.example.com", "Media.Example.com:8443",
 * "https://media.example.com/"), lowercased, without port, into out.
 * False when it is not a host name. */
bool pm3k__domain_host(const char *domain, char *out, size_t out_len);

/* Does the host rule let PM3K fetch from host: PM3K storage, or the
 * verified --domain (NULL: none)? */
bool pm3k__url_host_allowed(const char *domain, const char *host);

/* May pm3k contact the URL at all? Only an https URL whose host the rules
 * allow: a URL the rules already reject (not_https, domain_not_verified,
 * domain_mismatch) gets no connection, no TLS handshake, no request, so a
 * list of URLs from untrusted input cannot make pm3k reach other hosts. */
bool pm3k__url_fetchable(const char *domain, const pm3k__url *url);

/* ---- Content-Type (probe/urlcheck.c) ---- */

typedef enum pm3k__ct_major {
    PM3K__CT_NONE,  /* no Content-Type */
    PM3K__CT_VIDEO, /* video/... */
    PM3K__CT_IMAGE, /* image/... */
    PM3K__CT_OTHER  /* anything else (text/html, application/octet-stream) */
} pm3k__ct_major;

typedef struct pm3k__ct {
    pm3k__ct_major major;
    pm3k__media media; /* PM3K__MEDIA_UNKNOWN when the subtype is not one pm3k knows */
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

/* ---- the verdict on one URL (probe/urlcheck.c) ---- */

/* What the requests for one URL saw: all the verdict needs, so it can be
 * judged without a server. */
typedef struct pm3k__url_seen {
    const char *input;          /* the URL as given: the item's path */
    const pm3k__url *url;       /* as parsed; NULL when it is not a valid URL */
    const char *invalid_reason; /* why not, when url is NULL */
    const char *ext;            /* the path's lowercase extension, "" for none */
    /* The answer that decided, with its result (pm3k__http_finish); NULL
     * when nothing was fetched (pm3k__url_fetchable said no). */
    const pm3k__http_response *resp;
    bool get;         /* it answered a GET (stopped after the headers), not a HEAD */
    bool head_seen;   /* a HEAD came first and left the decision to that GET */
    long head_status; /* the HEAD's status, 0 when it had none */
    int64_t elapsed_ms;
} pm3k__url_seen;

/* The run's limits for a URL on host: with the hosting the host implies
 * (PM3K storage or external), unless --hosting was given. */
pm3k_limits pm3k__url_limits(const pm3k_probe_config *config, const char *host);

/* The URL's item: its facts and findings from what was seen. domain is the
 * verified --domain host, or NULL. Without size_check the Content-Length is
 * not held against the plan's limits (--deep leaves that to the media
 * checks). NULL when memory runs out. */
pm3k_item *pm3k__url_verdict(const pm3k_probe_config *config, const char *domain,
                             const pm3k__url_seen *seen, bool size_check);

/* ---- --deep: the remote media through HTTP range reads (probe/remote.c) ---- */

typedef enum pm3k__deep_outcome {
    PM3K__DEEP_READ,        /* the media was read: its facts and findings stand */
    PM3K__DEEP_UNAVAILABLE, /* the server cannot serve --deep (Range ignored, a wrong
                              Content-Range, extra bytes, the file changed): a property of
                              the server, not of the media or the post */
    PM3K__DEEP_TRANSIENT,   /* a read failed on the network (timeout, reset, 5xx) */
    PM3K__DEEP_CONFIG,      /* the CA certificates cannot be loaded: no request can work */
    PM3K__DEEP_STOPPED      /* the run is stopping: the probe gave up on purpose */
} pm3k__deep_outcome;

typedef struct pm3k__deep_result {
    pm3k__deep_outcome outcome;
    char reason[256];      /* why, for anything but PM3K__DEEP_READ */
    int64_t bytes_fetched; /* body bytes received over HTTP */
    int requests;          /* range requests made */
} pm3k__deep_result;

/* Does the run stop? Asked between and during requests, from the thread
 * that runs the probe. */
typedef bool (*pm3k__stop_fn)(void *userdata);

/* Probe the media at url with the video/image rules, as the local probe
 * does a file: sniff, kind, extension check, then pm3k__probe_video or
 * pm3k__probe_image on item. easy is a handle from pm3k__http_handle_new(http)
 * that this thread owns (reused across URLs for connection reuse); size is the Content-Length when
 * known, else -1. When stopping (may be NULL) says yes, requests are cut short and the outcome is
 * PM3K__DEEP_STOPPED. For any outcome but PM3K__DEEP_READ the media facts and
 * findings added to item are not the media's: drop them. */
void pm3k__deep_probe(const pm3k_probe_config *config, CURL *easy, const pm3k__http_ctx *http,
                      const char *url, const char *path_ext, int64_t size, pm3k__stop_fn stopping,
                      void *stopping_data, pm3k_item *item, pm3k__deep_result *result);

#endif
