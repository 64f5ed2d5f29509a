/* pm3k — version strings. */
#include <stdio.h>

#include <curl/curl.h>
#include <cjson/cJSON.h>
#include <libavformat/avformat.h>
#include <sqlite3.h>
#include <vips/vips.h>

#include "pm3k/pm3k.h"
#include "pm3k_version.h"

const char *pm3k_version(void)
{
    return PM3K_VERSION_STRING;
}

const char *pm3k_library_versions(void)
{
    static char text[256];
    unsigned av = avformat_version();
    snprintf(text, sizeof text, "libavformat %u.%u.%u, libvips %s, libcurl %s, cJSON %s, SQLite %s",
             av >> 16, (av >> 8) & 0xFF, av & 0xFF, vips_version_string(),
             curl_version_info(CURLVERSION_NOW)->version, cJSON_Version(), sqlite3_libversion());
    return text;
}
