/* pm3k — preflight of local files, folders and URLs. */
#ifndef PM3K_PROBE_H
#define PM3K_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pm3k/error.h"
#include "pm3k/http.h"
#include "pm3k/report.h"
#include "pm3k/rules.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Everything a probe run needs to know. Initialise with
 * pm3k_probe_config_init, then set fields; strings are borrowed and must
 * outlive the run. */
typedef struct pm3k_probe_config {
    pm3k_limits limits;
    bool hosting_given; /* --hosting was set: URLs do not follow their host */
    bool photo_mode;    /* --photo: the inputs are one carousel of images */
    int cover_index;    /* --cover (photo mode), default 0 */
    int jobs;           /* worker threads for local files; 0 = online CPUs */
    /* Extensions a folder walk takes (lowercase, no dot). NULL = the
     * documented default list (pm3k_walk_default_extensions). */
    const char *const *extensions;
    size_t extension_count;
    /* URL checks (issue: URL and custom-domain preflight). */
    const char *domain;     /* --domain: the verified custom domain */
    pm3k_http_options http; /* --cacert, --resolve, --timeout (per URL) */
    bool deep;              /* --deep: also probe the remote media */
    bool force_get;         /* --get: decide with GET, not HEAD */
    /* --shard I/N: check only the inputs with pm3k_shard_of(path, N) == I
     * (1..N); every shard still walks everything. shard_count <= 1: all. */
    int shard_index, shard_count;
} pm3k_probe_config;

void pm3k_probe_config_init(pm3k_probe_config *config);

/* Probe one local file (not a folder). Always produces an item unless
 * memory runs out or FFmpeg/libvips cannot be loaded (PM3K_ERR_LIBRARY):
 * problems with the file are findings, not errors. */
pm3k_code pm3k_probe_file(const pm3k_probe_config *config, const char *path, pm3k_item **out,
                          pm3k_error *err);

/* The default folder-walk extension list, NULL-terminated. */
const char *const *pm3k_walk_default_extensions(void);

/* A batch: inputs in order (files, folders, URLs, lists), checked by worker
 * threads, reported in a deterministic order: input order, and sorted by
 * path inside each folder. */
typedef struct pm3k_batch pm3k_batch;

/* Called for each finished item, in order, on the thread that called
 * pm3k_batch_run. The item is freed after the call returns. A non-OK
 * return stops the run. */
typedef pm3k_code (*pm3k_item_fn)(void *userdata, const pm3k_item *item);
/* Progress: items finished so far and the path of the last one. */
typedef void (*pm3k_progress_fn)(void *userdata, uint64_t done, const char *path);

pm3k_code pm3k_batch_new(const pm3k_probe_config *config, pm3k_batch **out, pm3k_error *err);
/* A file, a folder (walked recursively) or an https/http URL. */
pm3k_code pm3k_batch_add(pm3k_batch *batch, const char *input, pm3k_error *err);
/* A list of inputs, one per line (sep '\n', CR stripped) or NUL-separated
 * (sep '\0'), read lazily during the run. The stream is not closed. */
pm3k_code pm3k_batch_add_list(pm3k_batch *batch, FILE *stream, char sep, const char *name,
                              pm3k_error *err);
/* --cache FILE: look results of local files up in (and store them into) the
 * result cache at path (made if missing). Call before pm3k_batch_run, after
 * the config is final. On error (a damaged or foreign file, one written by a
 * newer pm3k, a place that cannot be written) the batch runs without a
 * cache and err says why, naming the file. URLs are never cached. */
pm3k_code pm3k_batch_set_cache(pm3k_batch *batch, const char *path, pm3k_error *err);
/* After the run: why the cache was turned off during it (a read or write
 * error), or NULL. Valid until pm3k_batch_free. */
const char *pm3k_batch_cache_warning(const pm3k_batch *batch);
/* After the run: cache hits, misses and results stored (all 0 without). */
void pm3k_batch_cache_counts(const pm3k_batch *batch, uint64_t *hits, uint64_t *misses,
                             uint64_t *stored);
/* The shard (1..count) of an input as given: FNV-1a (64-bit) of its bytes,
 * modulo count, plus 1. Stable: it depends on that path alone. */
int pm3k_shard_of(const char *path, int count);

void pm3k_batch_set_progress(pm3k_batch *batch, pm3k_progress_fn fn, void *userdata);
/* Called on the run's thread whenever it is about to wait for the next item:
 * the moment to flush buffered output, so streamed reports stay live without
 * a write per item. A non-OK return stops the run as a failing on_item does. */
void pm3k_batch_set_idle(pm3k_batch *batch, pm3k_code (*idle)(void *userdata), void *userdata);
/* An entry a folder walk or a list left out (summary.skipped): a system or
 * sidecar file (.DS_Store, ._*, Thumbs.db, desktop.ini, captions), a name
 * without a listed extension whose content is not media, a .ts or .mts
 * that is not MPEG-TS, or a symlink whose target does not exist (note:
 * worth telling even when skipped entries are not listed). Called from
 * the batch's threads, one call at a time. */
typedef void (*pm3k_skip_fn)(void *userdata, const char *path, const char *reason, bool note);
void pm3k_batch_set_skip(pm3k_batch *batch, pm3k_skip_fn fn, void *userdata);
/* During a run: how many entries there are in all once every input is
 * expanded (0 until then), and how many of them are done. */
uint64_t pm3k_batch_total(pm3k_batch *batch);
uint64_t pm3k_batch_done(pm3k_batch *batch);
pm3k_code pm3k_batch_run(pm3k_batch *batch, pm3k_item_fn on_item, void *userdata, pm3k_error *err);
void pm3k_batch_free(pm3k_batch *batch);

#ifdef __cplusplus
}
#endif
#endif
