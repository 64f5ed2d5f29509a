/* pm3k — version strings. */
#include <stdio.h>

#include <curl/curl.h>
#include <cjson/cJSON.h>
#include <libavformat/avformat.h>
#include <sqlite3.h>
#include <vips/vips.h>

#include "core/medialib_calls.h"
#include "pm3k/pm3k.h"
#include "pm3k_version.h"

const char *pm3k_version(void)
{
    return PM3K_VERSION_STRING;
}

/* FFmpeg and libvips are loaded for this (core/medialib.c): the versions
 * that matter are the ones a media check would use. */
const char *pm3k_library_versions(void)
{
    static char text[PM3K_ERROR_MESSAGE_MAX + 256];
    char media[PM3K_ERROR_MESSAGE_MAX + 64];
    pm3k_error err = {0};
    if (pm3k__medialib_load(&err) == PM3K_OK) {
        unsigned av = avformat_version();
        snprintf(media, sizeof media, "libavformat %u.%u.%u, libvips %s", av >> 16,
                 (av >> 8) & 0xFF, av & 0xFF, vips_version_string());
    } else {
        snprintf(media, sizeof media, "libavformat and libvips not loaded (%s)", err.message);
    }
    snprintf(text, sizeof text, "%s, libcurl %s, cJSON %s, SQLite %s", media,
             curl_version_info(CURLVERSION_NOW)->version, cJSON_Version(), sqlite3_libversion());
    return text;
}
