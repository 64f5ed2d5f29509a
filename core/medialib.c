/* pm3k — FFmpeg and libvips loaded with dlopen on first use, and set up the
 * way pm3k needs them (see core/medialib.h for why). */
#include <dlfcn.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/medialib.h"

/* The SONAMEs come from the build (CMakeLists.txt reads them from the
 * libraries pkg-config found), so pm3k loads the very ABI it was compiled
 * against. */
typedef enum media_library {
    LIB_AVUTIL,
    LIB_AVCODEC,
    LIB_AVFORMAT,
    LIB_GLIB,
    LIB_GOBJECT,
    LIB_VIPS,
    LIB_COUNT
} media_library;

/* In load order: each after the libraries it needs. */
static const struct {
    const char *soname;
    const char *project; /* for messages */
} libraries[LIB_COUNT] = {
    [LIB_AVUTIL] = {PM3K_SONAME_AVUTIL, "FFmpeg"},
    [LIB_AVCODEC] = {PM3K_SONAME_AVCODEC, "FFmpeg"},
    [LIB_AVFORMAT] = {PM3K_SONAME_AVFORMAT, "FFmpeg"},
    [LIB_GLIB] = {PM3K_SONAME_GLIB, "GLib"},
    [LIB_GOBJECT] = {PM3K_SONAME_GOBJECT, "GLib"},
    [LIB_VIPS] = {PM3K_SONAME_VIPS, "libvips"},
};

pm3k__medialib_api pm3k__medialib;

/* dlsym gives a data pointer; POSIX guarantees it can hold a function's. */
_Static_assert(sizeof(void *) == sizeof(void (*)(void)), "function pointers fit in void *");

static const struct {
    media_library library;
    const char *name;
    void *slot; /* the function pointer in pm3k__medialib */
} functions[] = {
#define PM3K__MEDIA_ENTRY(lib, name) {LIB_##lib, #name, &pm3k__medialib.name},
    PM3K__MEDIA_FUNCTIONS(PM3K__MEDIA_ENTRY)
#undef PM3K__MEDIA_ENTRY
};

/* Never closed, not even after a failure: GLib keeps process-wide state
 * and cannot be unloaded, and the run stops then anyway. RTLD_LOCAL: no
 * later library binds to their symbols; the GLib type registry is one
 * whichever handle reaches it. */
static void *handles[LIB_COUNT];

static pm3k_code open_libraries(pm3k_error *err)
{
    for (int i = 0; i < LIB_COUNT; i++) {
        handles[i] = dlopen(libraries[i].soname, RTLD_NOW | RTLD_LOCAL);
        if (!handles[i]) {
            const char *why = dlerror();
            pm3k_error_set(err, PM3K_ERR_LIBRARY,
                           "cannot load '%s' (%s), which checking media needs: %s; install the "
                           "package that provides it",
                           libraries[i].soname, libraries[i].project, why ? why : "unknown error");
            goto fail;
        }
    }
    for (size_t i = 0; i < sizeof functions / sizeof functions[0]; i++) {
        dlerror();
        void *symbol = dlsym(handles[functions[i].library], functions[i].name);
        if (!symbol) {
            const char *why = dlerror();
            pm3k_error_set(err, PM3K_ERR_LIBRARY,
                           "cannot use '%s' (%s): %s; pm3k was built against another version "
                           "of it",
                           libraries[functions[i].library].soname,
                           libraries[functions[i].library].project, why ? why : functions[i].name);
            goto fail;
        }
        memcpy(functions[i].slot, &symbol, sizeof symbol);
    }
    return PM3K_OK;

fail:
    memset(&pm3k__medialib, 0, sizeof pm3k__medialib);
    return PM3K_ERR_LIBRARY;
}

/* From here on the names call through pm3k__medialib; the table above took the
 * addresses of its members by their plain names. */
#include "core/medialib_calls.h"

/* libvips and GLib report through g_log; the library never prints. */
static void drop_log(const gchar *domain, GLogLevelFlags level, const gchar *message, gpointer data)
{
}

/* No single FFmpeg allocation may be larger (FFmpeg's own default is 2 GB):
 * a backstop behind the MP4 box walk (probe/mp4box.h), which holds every
 * count the demuxer allocates from. The largest a file the walk passes
 * needs is the index of its samples, at most the walk's 160 MB bound. */
#define MAX_FFMPEG_ALLOCATION (192UL * 1024 * 1024)

static pm3k_code start_libraries(pm3k_error *err)
{
    av_log_set_level(AV_LOG_QUIET);
    av_max_alloc(MAX_FFMPEG_ALLOCATION);
    /* pm3k_global_init pointed VIPSHOME at nothing, before any thread ran,
     * so this init loads none of libvips's optional modules. */
    int vips_rc = VIPS_INIT("pm3k");
    if (vips_rc != 0)
        return pm3k_error_set(err, PM3K_ERR_LIBRARY, "cannot start libvips: %s",
                              vips_error_buffer());
    /* Hostile files must never reach ImageMagick & co, and thousands of files
     * must not fill the operation cache. */
    vips_block_untrusted_set(TRUE);
    vips_cache_set_max(0);
    vips_concurrency_set(1);
    g_log_set_handler("VIPS", G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL | G_LOG_FLAG_RECURSION, drop_log,
                      NULL);
    return PM3K_OK;
}

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static pm3k_error load_result; /* why loading failed */
static bool loaded;

static void load_libraries(void)
{
    if (open_libraries(&load_result) == PM3K_OK && start_libraries(&load_result) == PM3K_OK)
        loaded = true;
}

pm3k_code pm3k__medialib_load(pm3k_error *err)
{
    pthread_once(&load_once, load_libraries);
    if (loaded)
        return PM3K_OK;
    return pm3k_error_set(err, load_result.code, "%s", load_result.message);
}

void pm3k__medialib_shutdown(void)
{
    if (loaded)
        vips_shutdown();
}

/* The module's own entry point registers its loaders, as GModule would call
 * it; the handle is never closed (GLib types cannot be unregistered). */
static pthread_once_t heif_once = PTHREAD_ONCE_INIT;
static pm3k_error heif_result;
static bool heif_loaded;

static void load_heif(void)
{
    static const char path[] = PM3K_VIPS_MODULE_DIR "/vips-heif.so";
    typedef const char *check_init_fn(void *module);
    check_init_fn *check_init;
    void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        const char *why = dlerror();
        pm3k_error_set(&heif_result, PM3K_ERR_UNSUPPORTED,
                       "libvips cannot read HEIC/AVIF here: its HEIF module '%s' does not load "
                       "(%s); install the package that provides it",
                       path, why ? why : "unknown error");
        return;
    }
    void *symbol = dlsym(handle, "g_module_check_init");
    if (!symbol) {
        pm3k_error_set(&heif_result, PM3K_ERR_UNSUPPORTED,
                       "'%s' is not a libvips module (no g_module_check_init)", path);
        return;
    }
    memcpy(&check_init, &symbol, sizeof symbol);
    const char *failed = check_init(NULL);
    if (failed) {
        pm3k_error_set(&heif_result, PM3K_ERR_UNSUPPORTED, "libvips' HEIF module failed: %s",
                       failed);
        return;
    }
    heif_loaded = true;
}

pm3k_code pm3k__medialib_load_heif(pm3k_error *err)
{
    pm3k_code rc = pm3k__medialib_load(err);
    if (rc != PM3K_OK)
        return rc;
    pthread_once(&heif_once, load_heif);
    if (heif_loaded)
        return PM3K_OK;
    return pm3k_error_set(err, heif_result.code, "%s", heif_result.message);
}
