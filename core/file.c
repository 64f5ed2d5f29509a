/* pm3k — capped whole-file reads and atomic writes (see pm3k/file.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pm3k/file.h"

/* The first allocation; the buffer doubles from there, up to max + 1. */
#define READ_CHUNK 65536

pm3k_code pm3k_file_read_stream(FILE *fp, size_t max, char **out, size_t *out_len, pm3k_error *err)
{
    pm3k_code rc = PM3K_OK;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    struct stat st;

    *out = NULL;
    *out_len = 0;
    if (max > SIZE_MAX / 4)
        max = SIZE_MAX / 4;
    if (fstat(fileno(fp), &st) == 0 && S_ISDIR(st.st_mode))
        return pm3k_error_set(err, PM3K_ERR_IO, "it is a folder");
    for (;;) {
        if (len == cap) {
            /* One byte past max tells a file of max bytes from a longer one. */
            size_t want = cap ? cap * 2 : READ_CHUNK;
            if (want > max + 1)
                want = max + 1;
            if (want <= cap) {
                rc = pm3k_error_set(err, PM3K_ERR_IO, "it is larger than %zu bytes", max);
                goto out;
            }
            char *grown = realloc(buf, want + 1);
            if (!grown) {
                rc = pm3k_error_set(err, PM3K_ERR_NOMEM, "out of memory");
                goto out;
            }
            buf = grown;
            cap = want;
        }
        size_t n = fread(buf + len, 1, cap - len, fp);
        len += n;
        if (len > max) {
            rc = pm3k_error_set(err, PM3K_ERR_IO, "it is larger than %zu bytes", max);
            goto out;
        }
        if (n == 0)
            break;
    }
    if (ferror(fp)) {
        rc = pm3k_error_set(err, PM3K_ERR_IO, "%s", strerror(errno ? errno : EIO));
        goto out;
    }
    if (!buf && !(buf = malloc(1))) {
        rc = pm3k_error_set(err, PM3K_ERR_NOMEM, "out of memory");
        goto out;
    }
    buf[len] = '\0';
    *out = buf;
    *out_len = len;
    buf = NULL;
out:
    free(buf);
    return rc;
}

pm3k_code pm3k_file_read(const char *path, size_t max, char **out, size_t *out_len, pm3k_error *err)
{
    if (strcmp(path, "-") == 0)
        return pm3k_file_read_stream(stdin, max, out, out_len, err);
    *out = NULL;
    *out_len = 0;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return pm3k_error_set(err, errno == ENOENT ? PM3K_ERR_NOT_FOUND : PM3K_ERR_IO, "%s",
                              strerror(errno));
    pm3k_code rc = pm3k_file_read_stream(fp, max, out, out_len, err);
    fclose(fp);
    return rc;
}

struct pm3k_atomic_file {
    FILE *fp;
    char *path;
    char *temp_path;
};

pm3k_code pm3k_atomic_open(const char *path, pm3k_atomic_file **out, pm3k_error *err)
{
    static const char suffix[] = ".tmp.XXXXXX";
    pm3k_atomic_file *f = calloc(1, sizeof *f);
    size_t len = strlen(path);
    int fd = -1;

    *out = NULL;
    if (!f || !(f->path = strdup(path)) || !(f->temp_path = malloc(len + sizeof suffix))) {
        pm3k_atomic_abort(f);
        return pm3k_error_set(err, PM3K_ERR_NOMEM, "out of memory");
    }
    memcpy(f->temp_path, path, len);
    memcpy(f->temp_path + len, suffix, sizeof suffix);
    fd = mkstemp(f->temp_path);
    if (fd < 0) {
        pm3k_code rc =
            pm3k_error_set(err, PM3K_ERR_IO, "cannot write '%s': %s", path, strerror(errno));
        free(f->temp_path);
        f->temp_path = NULL;
        pm3k_atomic_abort(f);
        return rc;
    }
    /* mkstemp makes 0600; the result is an ordinary file. */
    mode_t mask = umask(0);
    umask(mask);
    if (fchmod(fd, 0666 & ~mask) != 0 || !(f->fp = fdopen(fd, "w"))) {
        pm3k_code rc =
            pm3k_error_set(err, PM3K_ERR_IO, "cannot write '%s': %s", path, strerror(errno));
        close(fd);
        pm3k_atomic_abort(f);
        return rc;
    }
    *out = f;
    return PM3K_OK;
}

FILE *pm3k_atomic_stream(pm3k_atomic_file *file)
{
    return file->fp;
}

const char *pm3k_atomic_temp_path(const pm3k_atomic_file *file)
{
    return file->temp_path;
}

pm3k_code pm3k_atomic_commit(pm3k_atomic_file *f, pm3k_error *err)
{
    pm3k_code rc = PM3K_OK;
    bool ok = fflush(f->fp) == 0 && fsync(fileno(f->fp)) == 0;
    int saved = errno;
    if (fclose(f->fp) != 0 && ok) {
        ok = false;
        saved = errno;
    }
    f->fp = NULL;
    if (ok && rename(f->temp_path, f->path) != 0) {
        ok = false;
        saved = errno;
    }
    if (ok) {
        free(f->temp_path);
        f->temp_path = NULL;
    } else {
        rc = pm3k_error_set(err, PM3K_ERR_IO, "cannot write '%s': %s", f->path, strerror(saved));
    }
    pm3k_atomic_abort(f);
    return rc;
}

void pm3k_atomic_abort(pm3k_atomic_file *f)
{
    if (!f)
        return;
    if (f->fp)
        fclose(f->fp);
    if (f->temp_path)
        unlink(f->temp_path);
    free(f->temp_path);
    free(f->path);
    free(f);
}
