/* pm3k — probe one local file: read its signature, hand it to the video or
 * image checks, and add what every file gets (size, extension check). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

#include "core/medialib.h"
#include "probe/probe_int.h"

void pm3k_probe_config_init(pm3k_probe_config *config)
{
    memset(config, 0, sizeof *config);
    pm3k_limits_init(&config->limits, PM3K_PLAN_FREE, PM3K_HOSTING_EXTERNAL);
    config->cover_index = 0;
    config->jobs = 0;
}

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

const char *pm3k__format_mb(int64_t bytes, char *buf, size_t buflen)
{
    /* Small limits (--max-size 10kB) still need visible digits. */
    snprintf(buf, buflen, bytes < 1000000 ? "%.3f" : "%.1f", (double)bytes / 1e6);
    return buf;
}

int64_t pm3k__source_read(pm3k__source *src, int64_t offset, void *buf, size_t len)
{
    int64_t n = src->read_at(src->ctx, offset, buf, len);
    if (n > 0)
        src->bytes_read += n;
    return n;
}

/* ---- memory source ---- */

static int64_t memory_read_at(void *ctx, int64_t offset, void *buf, size_t len)
{
    const pm3k__memory *m = ctx;
    if (offset < 0)
        return -1;
    if ((uint64_t)offset >= m->len)
        return 0;
    size_t n = m->len - (size_t)offset < len ? m->len - (size_t)offset : len;
    memcpy(buf, m->data + offset, n);
    return (int64_t)n;
}

void pm3k__source_memory(pm3k__source *src, pm3k__memory *mem, const void *data, size_t len,
                         const char *name)
{
    memset(src, 0, sizeof *src);
    mem->data = data;
    mem->len = len;
    src->ctx = mem;
    src->name = name;
    src->fd = -1;
    src->size = (int64_t)len;
    src->read_at = memory_read_at;
}

/* ---- local file source ---- */

typedef struct file_ctx {
    int fd;
    char *error; /* points at the owning source's error buffer */
    size_t error_len;
} file_ctx;

static int64_t file_read_at(void *ctx, int64_t offset, void *buf, size_t len)
{
    file_ctx *f = ctx;
    size_t done = 0;
    while (done < len) {
        ssize_t n = pread(f->fd, (char *)buf + done, len - done, (off_t)offset + (off_t)done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf(f->error, f->error_len, "%s", strerror(errno));
            return -1;
        }
        if (n == 0)
            break;
        done += (size_t)n;
    }
    return (int64_t)done;
}

/* ---- the common part of every file ---- */

static void check_extension(const char *path, const pm3k__sniff *sniff, pm3k_item *item)
{
    char ext[16];
    bool known;
    pm3k__path_extension(path, ext, sizeof ext);
    if (ext[0])
        pm3k_item_fact_str(item, "extension", ext);
    if (sniff->media == PM3K__MEDIA_UNKNOWN || sniff->media == PM3K__MEDIA_EMPTY)
        return;
    if (!pm3k__extension_fits(ext, sniff->media, &known) && known)
        pm3k_item_add(item,
                      pm3k_item_kind(item) == PM3K_KIND_IMAGE ? PM3K_RULE_EXTENSION_MISMATCH_IMAGE
                                                              : PM3K_RULE_EXTENSION_MISMATCH_VIDEO,
                      PM3K_END);
}

/* Which kind of item a file is: its content says, or the --photo context;
 * only when the content says nothing (empty, missing) does the name hint. */
static pm3k_kind kind_for(const pm3k_probe_config *config, const char *path,
                          const pm3k__sniff *sniff)
{
    char ext[16];
    if (config->photo_mode || sniff->image)
        return PM3K_KIND_IMAGE;
    if (sniff->video)
        return PM3K_KIND_VIDEO;
    return pm3k__extension_is_image(pm3k__path_extension(path, ext, sizeof ext)) ? PM3K_KIND_IMAGE
                                                                                 : PM3K_KIND_VIDEO;
}

static pm3k_item *missing_item(const pm3k_probe_config *config, const char *path, int errnum,
                               const char *reason)
{
    pm3k__sniff none;
    pm3k__sniff_buffer(NULL, 0, &none);
    none.media = PM3K__MEDIA_UNKNOWN;
    pm3k_item *item = pm3k_item_new(kind_for(config, path, &none), path);
    if (!item)
        return NULL;
    if (errnum == ENOENT || errnum == ENOTDIR)
        pm3k_item_add(item, PM3K_RULE_INPUT_MISSING, PM3K_END);
    else
        pm3k_item_add(item, PM3K_RULE_INPUT_UNREADABLE, "reason",
                      reason ? reason : strerror(errnum), PM3K_END);
    return item;
}

pm3k_code pm3k_probe_file(const pm3k_probe_config *config, const char *path, pm3k_item **out,
                          pm3k_error *err)
{
    pm3k_code rc = PM3K_OK;
    pm3k_item *item = NULL;
    uint8_t head[PM3K__SNIFF_BYTES];
    struct stat st;
    pm3k__sniff sniff;
    pm3k__source src = {.fd = -1};
    file_ctx fctx = {.fd = -1, .error = src.error, .error_len = sizeof src.error};

    *out = NULL;
    rc = pm3k__medialib_load(err);
    if (rc != PM3K_OK)
        return rc;
    fctx.fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fctx.fd < 0) {
        item = missing_item(config, path, errno, NULL);
        goto out;
    }
    if (fstat(fctx.fd, &st) != 0) {
        item = missing_item(config, path, errno, NULL);
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        /* FIFOs, devices and sockets could block or never end. */
        item = missing_item(config, path, EINVAL,
                            S_ISDIR(st.st_mode) ? "it is a folder" : "not a regular file");
        goto out;
    }
    src.ctx = &fctx;
    src.name = path;
    src.path = path;
    src.fd = fctx.fd;
    src.size = (int64_t)st.st_size;
    src.read_at = file_read_at;

    int64_t n = pm3k__source_read(&src, 0, head, sizeof head);
    if (n < 0) {
        item = missing_item(config, path, EIO, src.error);
        goto out;
    }
    pm3k__sniff_buffer(head, (size_t)n, &sniff);
    item = pm3k_item_new(kind_for(config, path, &sniff), path);
    if (!item)
        goto out;
    pm3k_item_fact_str(item, "content_type", sniff.name);
    pm3k_item_fact_int(item, "size_bytes", src.size);
    check_extension(path, &sniff, item);
    if (pm3k_item_kind(item) == PM3K_KIND_IMAGE)
        pm3k__probe_image(config, &src, &sniff, item);
    else
        pm3k__probe_video(config, &src, &sniff, item);

out:
    if (fctx.fd >= 0)
        close(fctx.fd);
    if (!item)
        rc = pm3k_error_set(err, PM3K_ERR_NOMEM, "out of memory while probing '%s'", path);
    *out = item;
    return rc;
}
