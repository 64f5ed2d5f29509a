/* pm3k — byte sources: a local file read with pread, or bytes in memory
 * (remote sources read with HTTP ranges live in probe/remote.c). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "probe/probe_int.h"

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

static int64_t file_read_at(void *ctx, int64_t offset, void *buf, size_t len)
{
    pm3k__source *src = ctx;
    size_t done = 0;
    while (done < len) {
        ssize_t n = pread(src->fd, (char *)buf + done, len - done, (off_t)offset + (off_t)done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf(src->error, sizeof src->error, "%s", strerror(errno));
            return -1;
        }
        if (n == 0)
            break;
        done += (size_t)n;
    }
    return (int64_t)done;
}

void pm3k__source_file(pm3k__source *src, int fd, const char *path, int64_t size)
{
    memset(src, 0, sizeof *src);
    src->ctx = src;
    src->name = path;
    src->path = path;
    src->fd = fd;
    src->size = size;
    src->read_at = file_read_at;
}
