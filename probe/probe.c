/* pm3k — probe one local file, and the dispatch every probe shares (a local
 * file here, a --deep URL in probe/remote.c): read the signature, choose
 * video or image checks, add what every file gets (size, extension check)
 * and hand it to probe/video.c or probe/image.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/rules_int.h"
#include "core/medialib.h"
#include "probe/probe_int.h"

void pm3k_probe_config_init(pm3k_probe_config *config)
{
    memset(config, 0, sizeof *config);
    pm3k_limits_init(&config->limits, PM3K_PLAN_FREE, PM3K_HOSTING_EXTERNAL);
    config->cover_index = 0;
    config->jobs = 0;
}

/* ---- the common part of every probe, local file or --deep URL ---- */

bool pm3k__sniff_source(pm3k__source *src, pm3k__sniff *out)
{
    uint8_t head[PM3K__SNIFF_BYTES];
    int64_t n = pm3k__source_read(src, 0, head, sizeof head);
    if (n < 0)
        return false;
    pm3k__sniff_buffer(head, (size_t)n, out);
    return true;
}

/* The content says which checks a file gets, or the --photo context; only
 * when the content says nothing (empty, unknown, missing) does the name
 * hint. */
bool pm3k__probe_as_image(const pm3k_probe_config *config, const pm3k__sniff *sniff,
                          const char *ext)
{
    if (config->photo_mode)
        return true;
    switch (sniff->format->kind) {
    case PM3K__FORMAT_IMAGE:
        return true;
    case PM3K__FORMAT_VIDEO:
        return false;
    case PM3K__FORMAT_NONE:
        break;
    }
    return pm3k__extension_is_image(ext);
}

void pm3k__probe_sniffed(const pm3k_probe_config *config, pm3k__source *src,
                         const pm3k__sniff *sniff, const char *ext, pm3k_item *item)
{
    bool image = pm3k__probe_as_image(config, sniff, ext);
    bool known;
    pm3k_item_fact_str(item, "content_type", sniff->format->name);
    pm3k_item_fact_int(item, "size_bytes", src->size);
    if (ext[0])
        pm3k_item_fact_str(item, "extension", ext);
    if (sniff->format->kind != PM3K__FORMAT_NONE &&
        !pm3k__extension_fits(ext, sniff->media, &known) && known)
        pm3k_item_add(
            item, image ? PM3K_RULE_EXTENSION_MISMATCH_IMAGE : PM3K_RULE_EXTENSION_MISMATCH_VIDEO,
            PM3K_END);
    if (image)
        pm3k__probe_image(config, src, sniff, item);
    else
        pm3k__probe_video(config, src, sniff, item);
}

/* ---- a local file ---- */

static pm3k_item *missing_item(const pm3k_probe_config *config, const char *path, int errnum,
                               const char *reason)
{
    pm3k__sniff none;
    char ext[16];
    pm3k__sniff_buffer(NULL, 0, &none);
    pm3k__path_extension(path, ext, sizeof ext);
    pm3k_item *item = pm3k_item_new(
        pm3k__probe_as_image(config, &none, ext) ? PM3K_KIND_IMAGE : PM3K_KIND_VIDEO, path);
    if (!item)
        return NULL;
    if (errnum == ENOENT || errnum == ENOTDIR)
        pm3k_item_add(item, PM3K_RULE_INPUT_MISSING, PM3K_END);
    else
        pm3k__item_add_fix(item, PM3K_RULE_INPUT_UNREADABLE, pm3k__input_fix(errnum), "reason",
                           reason ? reason : strerror(errnum), PM3K_END);
    return item;
}

pm3k_code pm3k_probe_file(const pm3k_probe_config *config, const char *path, pm3k_item **out,
                          pm3k_error *err)
{
    pm3k_code rc = PM3K_OK;
    pm3k_item *item = NULL;
    char ext[16];
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

    if (!pm3k__sniff_source(&src, &sniff)) {
        item = missing_item(config, path, EIO, src.error);
        goto out;
    }
    pm3k__path_extension(path, ext, sizeof ext);
    item = pm3k_item_new(
        pm3k__probe_as_image(config, &sniff, ext) ? PM3K_KIND_IMAGE : PM3K_KIND_VIDEO, path);
    if (item)
        pm3k__probe_sniffed(config, &src, &sniff, ext, item);

out:
    if (fd >= 0)
        close(fd);
    if (!item)
        rc = pm3k_error_set(err, PM3K_ERR_NOMEM, "out of memory while probing '%s'", path);
    *out = item;
    return rc;
}
