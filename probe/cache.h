/* pm3k — the result cache (internal): `pm3k probe --cache FILE`.
 *
 * A verdict is kept per file, keyed by the path as given, its size, mtime
 * and ctime (nanoseconds), inode and device, and by a verdict key: pm3k's
 * version and build, the rules-table version (core/rules.c) and every
 * option that can change a verdict (the limits of the plan and hosting and
 * each limit option, --hosting, --photo, --cover, --deep, ...). A changed
 * file, rule, build or option is checked again; nothing else is.
 *
 * The batch looks results up on its producer thread, so a hit never reaches
 * a worker nor loads FFmpeg or libvips, and stores them on the thread that
 * emits the items: each of the cache's two SQLite connections stays on one
 * thread. The file is opened with core/db.c (WAL, busy timeout, schema
 * version, foreign files refused), so several runs may share it. Only local
 * files are cached: a URL's answer can change behind the same URL. */
#ifndef PM3K_PROBE_CACHE_H
#define PM3K_PROBE_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "pm3k/probe.h"

/* What a file was when it was looked up. */
typedef struct pm3k__cache_stamp {
    bool valid; /* a regular file that could be stat'ed */
    int64_t size, mtime_ns, ctime_ns, inode, device;
} pm3k__cache_stamp;

typedef struct pm3k__cache pm3k__cache;

/* Open (or create) the cache at path for a run with this config. Errors:
 * PM3K_ERR_PARSE for a damaged or foreign file, PM3K_ERR_UNSUPPORTED for
 * a newer pm3k's, PM3K_ERR_IO when it cannot be opened or written; the
 * message names the file. */
pm3k_code pm3k__cache_open(const char *path, const pm3k_probe_config *config, pm3k__cache **out,
                           pm3k_error *err);
void pm3k__cache_close(pm3k__cache *cache);

/* The stamp of path as a check would open it (symbolic links followed). */
void pm3k__cache_stamp_of(const char *path, pm3k__cache_stamp *stamp);

/* Producer thread: the stored report for path with this stamp (malloc'd),
 * or NULL. A read error turns the cache off for the run (see warning). */
char *pm3k__cache_lookup(pm3k__cache *cache, const char *path, const pm3k__cache_stamp *stamp);
/* Emitting thread: that report read back as the item for path, with the
 * fact "cached": true, or NULL when it does not read back as one (never
 * trusted: the caller checks the file again). Parsing happens here, not in
 * the lookup, so the producer (which also walks and stats) has less to do. */
pm3k_item *pm3k__cache_item(pm3k__cache *cache, const char *path, const char *report);

/* Emitting thread: keep item as the result for path and stamp. Items that
 * could not be checked (status error) are not kept. Writes are grouped in
 * transactions; pm3k__cache_flush commits what is pending. A file whose
 * mtime or ctime is less than a second old is not kept either (a change
 * within the timestamps' granularity would go unseen); a later run keeps
 * it. */
void pm3k__cache_store(pm3k__cache *cache, const char *path, const pm3k__cache_stamp *stamp,
                       const pm3k_item *item);
void pm3k__cache_flush(pm3k__cache *cache);

/* The first problem that turned the cache off during the run, or NULL. */
const char *pm3k__cache_warning(const pm3k__cache *cache);
/* Counters for the run: hits, misses (looked up, not found), stored. */
void pm3k__cache_counts(const pm3k__cache *cache, uint64_t *hits, uint64_t *misses,
                        uint64_t *stored);

#endif
