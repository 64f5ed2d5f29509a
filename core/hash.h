/* pm3k — SHA-256 (internal), through OpenSSL's libcrypto, which libcurl
 * already loads: file fingerprints for the history and uploads, and the
 * account fingerprint of an API key. */
#ifndef PM3K_CORE_HASH_H
#define PM3K_CORE_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "pm3k/error.h"

#define PM3K__SHA256_HEX_LEN 64

typedef struct pm3k__sha256 pm3k__sha256;

pm3k_code pm3k__sha256_new(pm3k__sha256 **out, pm3k_error *err);
void pm3k__sha256_update(pm3k__sha256 *hash, const void *data, size_t len);
/* Lowercase hex into out (PM3K__SHA256_HEX_LEN + 1 bytes); frees hash. */
void pm3k__sha256_finish(pm3k__sha256 *hash, char *out);
void pm3k__sha256_free(pm3k__sha256 *hash);

/* The digest of data[0..len) in one call. */
pm3k_code pm3k__sha256_hex(const void *data, size_t len, char *out, pm3k_error *err);

/* The digest of a whole open file, read from its start with pread in
 * constant memory; *size (may be NULL) gets the bytes read. */
pm3k_code pm3k__sha256_fd(int fd, const char *name, char *out, int64_t *size, pm3k_error *err);

#endif
