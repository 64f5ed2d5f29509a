/* pm3k — whole-file reads with a cap, and files written whole or not at
 * all (a temporary file beside the target, renamed into place). */
#ifndef PM3K_FILE_H
#define PM3K_FILE_H

#include <stddef.h>
#include <stdio.h>

#include "pm3k/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Read all of path ("-" is stdin) into *out, NUL-terminated (the NUL is not
 * counted in *out_len; the bytes may hold NULs of their own). At most max
 * bytes: a longer input is an error, found without reading more than max + 1
 * bytes, and memory grows with what was read, not with max. Errors:
 * PM3K_ERR_NOT_FOUND (no such file), PM3K_ERR_IO (a folder, a read error,
 * longer than max), PM3K_ERR_NOMEM; err->message is the reason alone
 * ("it is a folder", "it is larger than 4000000 bytes"), so the caller
 * can say which input it was. */
pm3k_code pm3k_file_read(const char *path, size_t max, char **out, size_t *out_len,
                         pm3k_error *err);
/* The same from an open stream (not closed). */
pm3k_code pm3k_file_read_stream(FILE *fp, size_t max, char **out, size_t *out_len, pm3k_error *err);

/* A file written whole or not at all: the bytes go to a temporary file in
 * the target's folder ("TARGET.tmp.XXXXXX", mode 0666 less the umask), and
 * pm3k_atomic_commit renames it over the target; pm3k_atomic_abort (or a
 * failed commit) removes it. */
typedef struct pm3k_atomic_file pm3k_atomic_file;

pm3k_code pm3k_atomic_open(const char *path, pm3k_atomic_file **out, pm3k_error *err);
/* The stream to write to; owned by the atomic file. */
FILE *pm3k_atomic_stream(pm3k_atomic_file *file);
/* The temporary file's path (to write it with another library, or for a
 * signal handler that must remove it). */
const char *pm3k_atomic_temp_path(const pm3k_atomic_file *file);
/* Flush, sync, close and rename into place; the file is freed either way.
 * On failure the temporary file is removed and the target is untouched. */
pm3k_code pm3k_atomic_commit(pm3k_atomic_file *file, pm3k_error *err);
/* Close and remove the temporary file, and free; NULL is fine. */
void pm3k_atomic_abort(pm3k_atomic_file *file);

#ifdef __cplusplus
}
#endif
#endif
