/* pm3k — the PM3K API key: from --key-file, $PM3K_API_KEY or the file named
 * by $PM3K_API_KEY_FILE (as container secrets are given). The key lives in
 * one buffer of its own, wiped when freed; messages name the source, never
 * the value. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "upload/api_int.h"

/* A key is a token of printable ASCII; anything longer than this is not
 * one (and a file much bigger than it is not a key file). */
#define KEY_MAX 4096
#define KEY_FILE_MAX (64 * 1024)

struct pm3k_api_key {
    char *value;
    size_t len;
    char account[PM3K_ACCOUNT_LEN + 1];
};

const char *pm3k__api_key_value(const pm3k_api_key *key)
{
    return key->value;
}

const char *pm3k_api_key_account(const pm3k_api_key *key)
{
    return key->account;
}

void pm3k_api_key_free(pm3k_api_key *key)
{
    if (!key)
        return;
    if (key->value) {
        explicit_bzero(key->value, key->len);
        free(key->value);
    }
    free(key);
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The key in text[0..len): its first line, surrounding whitespace dropped.
 * It must be printable ASCII without spaces (it goes into a header). */
static pm3k_code take_key(const char *text, size_t len, const char *where, pm3k_api_key **out,
                          pm3k_error *err)
{
    size_t b = 0, e;
    while (b < len && is_space(text[b]))
        b++;
    e = b;
    while (e < len && text[e] != '\n' && text[e] != '\r')
        e++;
    while (e > b && is_space(text[e - 1]))
        e--;
    if (e == b)
        return pm3k_error_set(err, PM3K_ERR_INVALID_ARG, "%s holds no API key", where);
    if (e - b > KEY_MAX)
        return pm3k_error_set(err, PM3K_ERR_INVALID_ARG,
                              "%s is not an API key: longer than %d characters", where, KEY_MAX);
    for (size_t i = b; i < e; i++)
        if ((unsigned char)text[i] < 0x21 || (unsigned char)text[i] > 0x7e)
            return pm3k_error_set(err, PM3K_ERR_INVALID_ARG,
                                  "%s is not an API key: it holds a space, a control character "
                                  "or a non-ASCII byte",
                                  where);
    pm3k_api_key *key = calloc(1, sizeof *key);
    if (!key || !(key->value = malloc(e - b + 1))) {
        free(key);
        return pm3k_error_set(err, PM3K_ERR_NOMEM, "out of memory");
    }
    memcpy(key->value, text + b, e - b);
    key->value[e - b] = '\0';
    key->len = e - b;
    pm3k_code rc = pm3k_account_fingerprint(key->value, key->account, err);
    if (rc != PM3K_OK) {
        pm3k_api_key_free(key);
        return rc;
    }
    *out = key;
    return PM3K_OK;
}

/* Read a key file whole (bounded) and take its key; the buffer is wiped. */
static pm3k_code read_key_file(const char *path, const char *what, pm3k_api_key **out,
                               pm3k_key_info *info, pm3k_error *err)
{
    char buf[KEY_FILE_MAX + 1];
    size_t used = 0;
    struct stat st;
    pm3k_code rc = PM3K_OK;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return pm3k_error_set(err, PM3K_ERR_INVALID_ARG, "cannot read the key file '%s' (%s): %s",
                              path, what, strerror(errno));
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        rc = pm3k_error_set(err, PM3K_ERR_INVALID_ARG,
                            "the key file '%s' (%s) is not a regular file", path, what);
        goto out;
    }
    info->mode = (unsigned)(st.st_mode & 07777);
    info->readable_by_others = (st.st_mode & (S_IRGRP | S_IROTH)) != 0;
    for (;;) {
        ssize_t n = read(fd, buf + used, sizeof buf - used);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = pm3k_error_set(err, PM3K_ERR_INVALID_ARG, "cannot read the key file '%s': %s",
                                path, strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        used += (size_t)n;
        if (used > KEY_FILE_MAX) {
            rc = pm3k_error_set(err, PM3K_ERR_INVALID_ARG,
                                "the key file '%s' is too big to hold an API key", path);
            goto out;
        }
    }
    char where[600];
    snprintf(where, sizeof where, "the key file '%s' (%s)", path, what);
    rc = take_key(buf, used, where, out, err);
out:
    explicit_bzero(buf, sizeof buf);
    close(fd);
    return rc;
}

pm3k_code pm3k_api_key_load(const char *key_file, pm3k_api_key **out, pm3k_key_info *info,
                            pm3k_error *err)
{
    const char *env = getenv("PM3K_API_KEY");
    const char *env_file = getenv("PM3K_API_KEY_FILE");
    *out = NULL;
    memset(info, 0, sizeof *info);
    if (key_file) {
        info->source = PM3K_KEY_FROM_OPTION_FILE;
        info->file = key_file;
        return read_key_file(key_file, "--key-file", out, info, err);
    }
    if (env && *env) {
        info->source = PM3K_KEY_FROM_ENV;
        return take_key(env, strlen(env), "PM3K_API_KEY", out, err);
    }
    if (env_file && *env_file) {
        info->source = PM3K_KEY_FROM_ENV_FILE;
        info->file = env_file;
        return read_key_file(env_file, "PM3K_API_KEY_FILE", out, info, err);
    }
    return pm3k_error_set(err, PM3K_ERR_NOT_FOUND,
                          "no PM3K API key: set PM3K_API_KEY, give --key-file FILE, or set "
                          "PM3K_API_KEY_FILE to a file that holds it");
}
