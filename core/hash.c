/* pm3k — SHA-256 through libcrypto (see core/hash.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "core/hash.h"

struct pm3k__sha256 {
    EVP_MD_CTX *ctx;
};

pm3k_code pm3k__sha256_new(pm3k__sha256 **out, pm3k_error *err)
{
    pm3k__sha256 *h = calloc(1, sizeof *h);
    *out = NULL;
    if (!h || !(h->ctx = EVP_MD_CTX_new()) || EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1) {
        pm3k__sha256_free(h);
        return pm3k_error_set(err, PM3K_ERR_LIBRARY, "cannot start SHA-256 (libcrypto)");
    }
    *out = h;
    return PM3K_OK;
}

void pm3k__sha256_update(pm3k__sha256 *h, const void *data, size_t len)
{
    if (len)
        EVP_DigestUpdate(h->ctx, data, len);
}

void pm3k__sha256_finish(pm3k__sha256 *h, char *out)
{
    static const char digits[] = "0123456789abcdef";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_DigestFinal_ex(h->ctx, md, &n);
    for (unsigned int i = 0; i < n && i < PM3K__SHA256_HEX_LEN / 2; i++) {
        out[2 * i] = digits[md[i] >> 4];
        out[2 * i + 1] = digits[md[i] & 15];
    }
    out[PM3K__SHA256_HEX_LEN] = '\0';
    pm3k__sha256_free(h);
}

void pm3k__sha256_free(pm3k__sha256 *h)
{
    if (!h)
        return;
    EVP_MD_CTX_free(h->ctx);
    free(h);
}

pm3k_code pm3k__sha256_hex(const void *data, size_t len, char *out, pm3k_error *err)
{
    pm3k__sha256 *h = NULL;
    pm3k_code rc = pm3k__sha256_new(&h, err);
    if (rc != PM3K_OK)
        return rc;
    pm3k__sha256_update(h, data, len);
    pm3k__sha256_finish(h, out);
    return PM3K_OK;
}

pm3k_code pm3k__sha256_fd(int fd, const char *name, char *out, int64_t *size, pm3k_error *err)
{
    unsigned char buf[1 << 16];
    int64_t offset = 0;
    pm3k__sha256 *h = NULL;
    pm3k_code rc = pm3k__sha256_new(&h, err);
    if (rc != PM3K_OK)
        return rc;
    for (;;) {
        ssize_t n = pread(fd, buf, sizeof buf, (off_t)offset);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = pm3k_error_set(err, PM3K_ERR_IO, "cannot read '%s': %s", name, strerror(errno));
            pm3k__sha256_free(h);
            return rc;
        }
        if (n == 0)
            break;
        pm3k__sha256_update(h, buf, (size_t)n);
        offset += n;
    }
    pm3k__sha256_finish(h, out);
    if (size)
        *size = offset;
    return PM3K_OK;
}
