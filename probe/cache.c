/* pm3k — the result cache on SQLite (see probe/cache.h for the decisions). */
#define _GNU_SOURCE /* dl_iterate_phdr */
#include <elf.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "core/db.h"
#include "core/report_int.h"
#include "core/rules_int.h"
#include "pm3k/pm3k.h"
#include "probe/cache.h"

#define CACHE_APP_ID 0x504d3343 /* "PM3C" */
/* A write transaction is committed after this many results or this long,
 * so a second run sharing the file waits little, and an interrupted run
 * loses little. */
#define STORE_BATCH 256
#define STORE_BATCH_NS 200000000LL
/* Lookups share one read transaction (taking SQLite's shared lock once,
 * not per file) for this many files or this long, so the WAL can still be
 * checkpointed behind them. */
/* A file changed this recently is not stored: a second change within the
 * file system's timestamp granularity would leave size, mtime and ctime as
 * they were (git's "racily clean" entries); a later run stores it. */
#define RACY_NS 1000000000LL
#define LOOKUP_BATCH 4096
#define LOOKUP_BATCH_NS 100000000LL

static const char *const migrations[] = {
    /* 0 -> 1 */
    "CREATE TABLE verdict_keys ("
    " id INTEGER PRIMARY KEY,"
    " pm3k_version TEXT NOT NULL,"
    " build_id TEXT NOT NULL,"
    " rules_version TEXT NOT NULL,"
    " options TEXT NOT NULL,"
    " UNIQUE (pm3k_version, build_id, rules_version, options));"
    "CREATE TABLE results ("
    " key_id INTEGER NOT NULL REFERENCES verdict_keys (id) ON DELETE CASCADE,"
    " path BLOB NOT NULL,"
    " size INTEGER NOT NULL,"
    " mtime_ns INTEGER NOT NULL,"
    " ctime_ns INTEGER NOT NULL,"
    " inode INTEGER NOT NULL,"
    " device INTEGER NOT NULL,"
    " report TEXT NOT NULL,"
    " PRIMARY KEY (key_id, path)) WITHOUT ROWID;",
};

static const pm3k__db_schema schema = {
    .name = "cache",
    .application_id = CACHE_APP_ID,
    .migrations = migrations,
    .migration_count = sizeof migrations / sizeof migrations[0],
};

struct pm3k__cache {
    char *path;
    int64_t key_id;
    /* reader: the producer's; writer: the emitting thread's */
    sqlite3 *reader, *writer;
    sqlite3_stmt *lookup, *store;
    bool read_off, write_off;
    char read_warning[PM3K_ERROR_MESSAGE_MAX], write_warning[PM3K_ERROR_MESSAGE_MAX];
    size_t pending, lookups;
    struct timespec batch_start, read_start;
    uint64_t hits, misses, stored; /* hits counts rows found, rejected those not read back */
    uint64_t rejected;
};

/* ---- the verdict key ---- */

/* Every field of pm3k_limits is in the key: a new limit must be added here
 * too, which this assertion reminds of (the size is that of LP64). */
_Static_assert(sizeof(void *) != 8 || sizeof(pm3k_limits) == 88,
               "pm3k_limits changed: add the new field to options_key");

/* The options that decide a local file's verdict, as text. */
static char *options_key(const pm3k_probe_config *c)
{
    const pm3k_limits *l = &c->limits;
    char *text = NULL;
    int n = asprintf(&text,
                     "plan=%d hosting=%d hosting_given=%d max_video_bytes=%lld "
                     "max_duration_s=%.17g fps=%.17g..%.17g side=%d..%d aspect_tolerance=%.17g "
                     "max_image_bytes=%lld max_image_side=%d png_allowed=%d images=%d..%d "
                     "title_utf16=%d photo_title_utf16=%d photo=%d cover=%d deep=%d get=%d "
                     "domain=%s",
                     (int)l->plan, (int)l->hosting, (int)c->hosting_given,
                     (long long)l->max_video_bytes, l->max_duration_s, l->min_fps, l->max_fps,
                     l->min_side, l->max_side, l->aspect_tolerance, (long long)l->max_image_bytes,
                     l->max_image_side, (int)l->png_allowed, l->min_images, l->max_images,
                     l->max_title_utf16, l->max_photo_title_utf16, (int)c->photo_mode,
                     c->cover_index, (int)c->deep, (int)c->force_get, c->domain ? c->domain : "");
    return n < 0 ? NULL : text;
}

typedef struct build_note {
    uintptr_t address; /* of code in this build */
    char hex[2 * 64 + 1];
} build_note;

/* The GNU build-id note of the object that holds note->address. */
static int find_build_id(struct dl_phdr_info *info, size_t size, void *data)
{
    build_note *note = data;
    bool ours = false;
    (void)size;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t start = info->dlpi_addr + ph->p_vaddr;
        if (ph->p_type == PT_LOAD && note->address >= start && note->address < start + ph->p_memsz)
            ours = true;
    }
    for (int i = 0; ours && i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_NOTE)
            continue;
        const unsigned char *p = (const unsigned char *)(info->dlpi_addr + ph->p_vaddr);
        const unsigned char *end = p + ph->p_memsz;
        while (p + sizeof(ElfW(Nhdr)) <= end) {
            const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *)(const void *)p;
            const unsigned char *name = p + sizeof *nh;
            const unsigned char *desc = name + ((nh->n_namesz + 3u) & ~3u);
            if (desc + nh->n_descsz > end)
                break;
            if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 && memcmp(name, "GNU", 4) == 0) {
                for (size_t j = 0; j < nh->n_descsz && j < 64; j++)
                    snprintf(note->hex + 2 * j, 3, "%02x", desc[j]);
                return 1;
            }
            p = desc + ((nh->n_descsz + 3u) & ~3u);
        }
    }
    return ours ? 1 : 0;
}

/* This build of pm3k: its build id (which changes with any change of its
 * code), or, when the linker wrote none, the time it was compiled. */
static void build_id(char *out, size_t len)
{
    build_note note = {.address = (uintptr_t)&pm3k__cache_open};
    dl_iterate_phdr(find_build_id, &note);
    snprintf(out, len, "%s", note.hex[0] ? note.hex : "compiled " __DATE__ " " __TIME__);
}

/* The id of this run's verdict key, made on first use. */
static pm3k_code resolve_key(pm3k__cache *c, const pm3k_probe_config *config, pm3k_error *err)
{
    char rules[PM3K__RULES_VERSION_LEN + 1], build[2 * 64 + 32];
    char *options = options_key(config);
    sqlite3_stmt *st = NULL;
    pm3k_code rc = PM3K_OK;
    if (!options)
        return pm3k_error_set(err, PM3K_ERR_NOMEM, "out of memory");
    pm3k__rules_version(rules);
    build_id(build, sizeof build);
    const char *values[] = {pm3k_version(), build, rules, options};
    if ((rc = pm3k__db_begin(c->writer, err)) != PM3K_OK)
        goto out;
    if ((rc = pm3k__db_prepare(c->writer,
                               "INSERT INTO verdict_keys (pm3k_version, build_id, rules_version, "
                               "options) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO UPDATE SET "
                               "options = excluded.options RETURNING id",
                               &st, err)) != PM3K_OK)
        goto out;
    for (int i = 0; i < 4; i++)
        pm3k__db_bind_text(st, i + 1, values[i]);
    if (sqlite3_step(st) != SQLITE_ROW) {
        rc = pm3k__db_error(c->writer, "write", err);
        goto out;
    }
    c->key_id = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    st = NULL;
    rc = pm3k__db_commit(c->writer, err);
out:
    sqlite3_finalize(st);
    if (rc != PM3K_OK)
        pm3k__db_rollback(c->writer);
    free(options);
    return rc;
}

/* ---- open, close ---- */

pm3k_code pm3k__cache_open(const char *path, const pm3k_probe_config *config, pm3k__cache **out,
                           pm3k_error *err)
{
    pm3k__cache *c = calloc(1, sizeof *c);
    pm3k_code rc;
    *out = NULL;
    if (!c || !(c->path = strdup(path))) {
        rc = pm3k_error_set(err, PM3K_ERR_NOMEM, "out of memory");
        goto out;
    }
    if ((rc = pm3k__db_open(path, &schema, &c->writer, err)) != PM3K_OK ||
        (rc = pm3k__db_open(path, &schema, &c->reader, err)) != PM3K_OK ||
        (rc = resolve_key(c, config, err)) != PM3K_OK)
        goto out;
    if ((rc =
             pm3k__db_prepare(c->reader,
                              "SELECT size, mtime_ns, ctime_ns, inode, device, report FROM results "
                              "WHERE key_id = ?1 AND path = ?2",
                              &c->lookup, err)) != PM3K_OK ||
        (rc = pm3k__db_prepare(c->writer,
                               "INSERT OR REPLACE INTO results (key_id, path, size, mtime_ns, "
                               "ctime_ns, inode, device, report) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
                               "?7, ?8)",
                               &c->store, err)) != PM3K_OK)
        goto out;
out:
    if (rc != PM3K_OK) {
        pm3k__cache_close(c);
        return rc;
    }
    *out = c;
    return PM3K_OK;
}

static void end_read(pm3k__cache *c)
{
    if (c->lookups > 0)
        sqlite3_exec(c->reader, "COMMIT", NULL, NULL, NULL);
    c->lookups = 0;
}

void pm3k__cache_close(pm3k__cache *c)
{
    if (!c)
        return;
    pm3k__cache_flush(c);
    if (c->lookup)
        sqlite3_reset(c->lookup);
    end_read(c);
    sqlite3_finalize(c->lookup);
    sqlite3_finalize(c->store);
    pm3k__db_close(c->reader);
    pm3k__db_close(c->writer);
    free(c->path);
    free(c);
}

static int64_t ns_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)(now.tv_sec - start->tv_sec) * 1000000000LL + (now.tv_nsec - start->tv_nsec);
}

/* ---- lookup (producer thread) ---- */

void pm3k__cache_stamp_of(const char *path, pm3k__cache_stamp *stamp)
{
    struct stat st;
    *stamp = (pm3k__cache_stamp){0};
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return;
    stamp->valid = true;
    stamp->size = (int64_t)st.st_size;
    stamp->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
    stamp->ctime_ns = (int64_t)st.st_ctim.tv_sec * 1000000000LL + st.st_ctim.tv_nsec;
    stamp->inode = (int64_t)st.st_ino;
    stamp->device = (int64_t)st.st_dev;
}

static bool same_stamp(sqlite3_stmt *st, const pm3k__cache_stamp *s)
{
    return sqlite3_column_int64(st, 0) == s->size && sqlite3_column_int64(st, 1) == s->mtime_ns &&
           sqlite3_column_int64(st, 2) == s->ctime_ns && sqlite3_column_int64(st, 3) == s->inode &&
           sqlite3_column_int64(st, 4) == s->device;
}

pm3k_item *pm3k__cache_item(pm3k__cache *c, const char *path, const char *report)
{
    cJSON *obj = cJSON_Parse(report);
    pm3k_item *item = NULL;
    pm3k_error err = {0};
    if (obj && pm3k__item_from_cjson(obj, path, &item, &err) == PM3K_OK &&
        pm3k_item_fact_bool(item, "cached", true) != PM3K_OK) {
        pm3k_item_free(item);
        item = NULL;
    }
    cJSON_Delete(obj);
    if (!item)
        c->rejected++;
    return item;
}

char *pm3k__cache_lookup(pm3k__cache *c, const char *path, const pm3k__cache_stamp *stamp)
{
    char *report = NULL;
    if (!c || c->read_off || !stamp->valid)
        return NULL;
    if (c->lookups >= LOOKUP_BATCH ||
        (c->lookups > 0 && ns_since(&c->read_start) >= LOOKUP_BATCH_NS))
        end_read(c);
    if (c->lookups++ == 0) {
        sqlite3_exec(c->reader, "BEGIN", NULL, NULL, NULL);
        clock_gettime(CLOCK_MONOTONIC, &c->read_start);
    }
    sqlite3_stmt *st = c->lookup;
    sqlite3_bind_int64(st, 1, c->key_id);
    sqlite3_bind_blob(st, 2, path, (int)strlen(path), SQLITE_STATIC);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW && same_stamp(st, stamp)) {
        const char *text = (const char *)sqlite3_column_text(st, 5);
        report = text ? strdup(text) : NULL;
    } else if (step != SQLITE_ROW && step != SQLITE_DONE) {
        pm3k_error err = {0};
        pm3k__db_error(c->reader, "read", &err);
        snprintf(c->read_warning, sizeof c->read_warning, "%s", err.message);
        c->read_off = true;
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (report)
        c->hits++;
    else
        c->misses++;
    return report;
}

/* ---- store (emitting thread) ---- */

static void write_failed(pm3k__cache *c, pm3k_error *err)
{
    snprintf(c->write_warning, sizeof c->write_warning, "%s", err->message);
    c->write_off = true;
    pm3k__db_rollback(c->writer);
    c->pending = 0;
}

void pm3k__cache_flush(pm3k__cache *c)
{
    pm3k_error err = {0};
    if (!c || c->pending == 0)
        return;
    c->pending = 0;
    if (pm3k__db_commit(c->writer, &err) != PM3K_OK)
        write_failed(c, &err);
}

/* Changed too recently to tell a later change by its stamp. */
static bool racy(const pm3k__cache_stamp *s)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int64_t now_ns = (int64_t)now.tv_sec * 1000000000LL + now.tv_nsec;
    int64_t changed = s->mtime_ns > s->ctime_ns ? s->mtime_ns : s->ctime_ns;
    return changed > now_ns - RACY_NS;
}

static bool cacheable(const pm3k_item *item)
{
    pm3k_kind kind = pm3k_item_kind(item);
    return (kind == PM3K_KIND_VIDEO || kind == PM3K_KIND_IMAGE) &&
           pm3k_item_status(item) != PM3K_STATUS_ERROR && !pm3k__item_incomplete(item) &&
           !pm3k_item_has_fact(item, "cached");
}

static void store_row(pm3k__cache *c, const char *path, const pm3k__cache_stamp *s,
                      const char *report)
{
    sqlite3_stmt *st = c->store;
    pm3k_error err = {0};
    sqlite3_bind_int64(st, 1, c->key_id);
    sqlite3_bind_blob(st, 2, path, (int)strlen(path), SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, s->size);
    sqlite3_bind_int64(st, 4, s->mtime_ns);
    sqlite3_bind_int64(st, 5, s->ctime_ns);
    sqlite3_bind_int64(st, 6, s->inode);
    sqlite3_bind_int64(st, 7, s->device);
    sqlite3_bind_text(st, 8, report, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_DONE)
        c->stored++;
    else
        pm3k__db_error(c->writer, "write", &err);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (err.code != PM3K_OK)
        write_failed(c, &err);
}

void pm3k__cache_store(pm3k__cache *c, const char *path, const pm3k__cache_stamp *stamp,
                       const pm3k_item *item)
{
    pm3k_error err = {0};
    if (!c || c->write_off || !stamp->valid || !cacheable(item) || racy(stamp))
        return;
    cJSON *obj = pm3k__item_to_json(item);
    char *report = obj ? cJSON_PrintUnformatted(obj) : NULL;
    cJSON_Delete(obj);
    if (!report)
        return;
    if (c->pending == 0) {
        if (pm3k__db_begin(c->writer, &err) != PM3K_OK) {
            write_failed(c, &err);
            goto out;
        }
        clock_gettime(CLOCK_MONOTONIC, &c->batch_start);
    }
    c->pending++;
    store_row(c, path, stamp, report);
    if (c->pending >= STORE_BATCH || ns_since(&c->batch_start) >= STORE_BATCH_NS)
        pm3k__cache_flush(c);
out:
    free(report);
}

const char *pm3k__cache_warning(const pm3k__cache *c)
{
    if (!c)
        return NULL;
    if (c->read_warning[0])
        return c->read_warning;
    return c->write_warning[0] ? c->write_warning : NULL;
}

void pm3k__cache_counts(const pm3k__cache *c, uint64_t *hits, uint64_t *misses, uint64_t *stored)
{
    *hits = c ? c->hits - c->rejected : 0;
    *misses = c ? c->misses + c->rejected : 0;
    *stored = c ? c->stored : 0;
}
