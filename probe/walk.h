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
/* A file the walk leaves out: its path, why, and whether it is worth a note
 * even when the skipped entries are not listed (a symlink whose target
 * does not exist). */
typedef void (*pm3k__walk_skip_fn)(void *userdata, const char *path, const char *reason, bool note);
/* The same, telling skip about every file it leaves out (dotfiles, names
 * without a listed extension, dangling symlinks; not dot-folders). */
pm3k_code pm3k__walk_open_skipping(const char *root, const char *const *exts, size_t ext_count,
                                   pm3k__walk_skip_fn skip, void *userdata, pm3k__walk **out);

/* Whether the walk takes a file name by its extension (exts as above). */
bool pm3k__walk_takes(const char *name, const char *const *exts, size_t ext_count);
/* Why a file name is one of the system or sidecar files every media folder
 * holds (Finder's .DS_Store and ._*, Explorer's Thumbs.db and desktop.ini,
 * other dotfiles), or NULL. */
const char *pm3k__walk_system_file(const char *name);
/* The next file path (malloc'd, caller frees) in sorted order, or NULL at the
 * end. A directory that cannot be listed comes out as its path with *errnum
 * set. Returns PM3K_ERR_NOMEM when memory runs out. */
pm3k_code pm3k__walk_next(pm3k__walk *walk, char **path, int *errnum);
void pm3k__walk_close(pm3k__walk *walk);

#endif
