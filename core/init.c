/* pm3k — process-wide setup and teardown. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "core/medialib.h"
#include "pm3k/pm3k.h"

/* The caller's VIPSHOME, given back by pm3k_global_cleanup. */
static char *caller_vipshome;
static bool vipshome_pinned;

/* Only what every command needs: FFmpeg and libvips are loaded and set up
 * by the first media check (core/medialib.c), maybe on a worker thread. */
pm3k_code pm3k_global_init(pm3k_error *err)
{
    static bool done;
    if (done)
        return PM3K_OK;
    /* libvips loads its optional modules (ImageMagick, poppler, OpenSlide,
     * HEIF, JPEG XL) from a folder under $VIPSHOME at init. pm3k needs none:
     * JPEG, PNG and WebP are built in, and every other type is refused from
     * its signature. Pointing VIPSHOME at nothing keeps hostile files away
     * from those loaders for good and saves ~40 ms. It is set here, while the
     * process has one thread, because the media init may run later beside
     * the URL thread, whose libcurl reads the environment. */
    if (!vipshome_pinned) {
        const char *home = getenv("VIPSHOME");
        caller_vipshome = home ? strdup(home) : NULL;
        if (home && !caller_vipshome)
            return pm3k_error_set(err, PM3K_ERR_NOMEM, "out of memory");
        if (setenv("VIPSHOME", "/nonexistent/pm3k-no-vips-modules", 1) != 0)
            return pm3k_error_set(err, PM3K_ERR_NOMEM, "cannot set VIPSHOME");
        vipshome_pinned = true;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return pm3k_error_set(err, PM3K_ERR_LIBRARY, "cannot start libcurl");
    done = true;
    return PM3K_OK;
}

void pm3k_global_cleanup(void)
{
    curl_global_cleanup();
    pm3k__medialib_shutdown();
    if (vipshome_pinned) {
        if (caller_vipshome)
            setenv("VIPSHOME", caller_vipshome, 1);
        else
            unsetenv("VIPSHOME");
        free(caller_vipshome);
        caller_vipshome = NULL;
        vipshome_pinned = false;
    }
}
