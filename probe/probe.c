/* pm3k — probe one local file: read its signature, hand it to the video or
 * image checks, and add what every file gets (size, extension check). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/medialib.h"
#include "probe/probe_int.h"

void pm3k_probe_config_init(pm3k_probe_config *config)
{
    memset(config, 0, sizeof *config);
    pm3k_limits_init(&config->limits, PM3K_PLAN_FREE, PM3K_HOSTING_EXTERNAL);
    config->cover_index = 0;
    config->jobs = 0;
}

const char *pm3k__format_mb(int64_t bytes, char *buf, size_t buflen)
{
    /* Small limits (--max-size 10kB) still need visible digits. */
    snprintf(buf, buflen, bytes < 1000000 ? "%.3f" : "%.1f", (double)bytes / 1e6);
    return buf;
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
    pm3k__source src;
    int fd = -1;

    *out = NULL;
    rc = pm3k__medialib_load(err);
    if (rc != PM3K_OK)
        return rc;
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        item = missing_item(config, path, errno, NULL);
        goto out;
    }
    if (fstat(fd, &st) != 0) {
        item = missing_item(config, path, errno, NULL);
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        /* FIFOs, devices and sockets could block or never end. */
        item = missing_item(config, path, EINVAL,
                            S_ISDIR(st.st_mode) ? "it is a folder" : "not a regular file");
        goto out;
    }
    pm3k__source_file(&src, fd, path, (int64_t)st.st_size);

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
    if (fd >= 0)
        close(fd);
    if (!item)
        rc = pm3k_error_set(err, PM3K_ERR_NOMEM, "out of memory while probing '%s'", path);
    *out = item;
    return rc;
}
