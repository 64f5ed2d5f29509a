/* pm3k — folder walk (internal). */
#ifndef PM3K_PROBE_WALK_H
#define PM3K_PROBE_WALK_H

#include <stdbool.h>
#include <stddef.h>

#include "pm3k/error.h"

typedef struct pm3k__walk pm3k__walk;

/* exts: lowercase extensions without dot (NULL = the default list). */
pm3k_code pm3k__walk_open(const char *root, const char *const *exts, size_t ext_count,
                          pm3k__walk **out);
/* The next file path (malloc'd, caller frees) in sorted order, or NULL at the
 * end. A directory that cannot be listed comes out as its path with *errnum
 * set. Returns PM3K_ERR_NOMEM when memory runs out. */
pm3k_code pm3k__walk_next(pm3k__walk *walk, char **path, int *errnum);
void pm3k__walk_close(pm3k__walk *walk);

#endif
