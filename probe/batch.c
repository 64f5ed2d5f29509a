/* pm3k — batches: inputs in order, checked concurrently, reported in order.
 *
 * A producer expands the inputs (folders walked lazily, lists read lazily)
 * into numbered tasks and queues each on its lane: local files on the files
 * lane, whose pool of workers probes them, URLs on the URL lane, whose one
 * worker runs the libcurl multi engine (probe/url.c). The calling thread
 * hands finished items to the callback in index order. At most WINDOW tasks
 * are in flight, so memory stays flat however many inputs there are. Every
 * thread is a pool worker (core/pool.c), and all run state is guarded by
 * the batch's one lock. */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/medialib.h"
#include "core/pool.h"
#include "core/rules_int.h"
#include "probe/cache.h"
#include "probe/carousel.h"
#include "probe/lane.h"
#include "probe/probe_int.h"
#include "probe/walk.h"

/* A list entry (a line of stdin, or up to a NUL with -0) is read up to
 * this many bytes; a longer one is an input_unreadable item named by its
 * first LONG_LINE_SHOWN bytes, and memory stays flat whatever comes. */
#define LIST_LINE_MAX 65536
#define LONG_LINE_SHOWN 200
/* The task's errnum for such an entry (errno values are positive). */
#define ERRNUM_LINE_TOO_LONG (-1)

/* Cache hits handed to the emitter at once, at the latest after this long. */
#define HIT_BATCH 64
#define HIT_BATCH_NS 20000000LL
/* Ready items the emitter takes under one lock. */
#define EMIT_BATCH 64

/* With --cache, a file the producer looked up: its path (NULL: none) and
 * stamp; report is the stored result when it was found (a hit: the emitter
 * reads it back into the item), NULL when the item is to be stored once
 * emitted. */
typedef struct cached {
    char *path;
    char *report;
    int64_t input;
    pm3k__cache_stamp stamp;
} cached;

typedef struct input {
    char *arg;  /* path, folder or URL; NULL for a list */
    FILE *list; /* list of inputs */
    char sep;
    char *name; /* the list's name for messages ("-" for stdin) */
} input;

typedef struct slot {
    bool ready;
    pm3k_item *item;
    char *skipped; /* instead of an item: the path of a file whose content is not media */
    /* The task while a files-lane worker checks it: the slot of an index
     * is not reused before its item is emitted, so the pool item can point
     * here. */
    pm3k__task task;
    /* With --cache: what the producer found for a file (see cached). */
    cached cache;
} slot;

typedef enum lane_id { LANE_FILES, LANE_URLS, LANE_COUNT } lane_id;

/* A queue of tasks; never holds more than WINDOW tasks. */
struct pm3k__lane {
    pm3k_batch *batch;
    pthread_cond_t work; /* a task was queued here, or the producer is done */
    pm3k__task *tasks;
    size_t head, count;
    pm3k__pool *pool;
    bool engine_taken; /* the URL lane's worker runs the engine */
    void (*notify)(void *);
    void *notify_data;
    bool notify_wanted; /* pm3k__lane_pop_or_notify found nothing */
};

struct pm3k_batch {
    pm3k_probe_config config;
    input *inputs;
    size_t input_count, input_cap;
    pm3k_progress_fn progress;
    void *progress_data;
    pm3k_code (*idle)(void *);
    void *idle_data;
    pm3k_skip_fn skip;
    void *skip_data;
    pm3k__cache *cache; /* --cache; looked up by the producer, stored by the emitter */
    /* cache hits the producer has not handed over yet (its own) */
    cached hits[HIT_BATCH];
    size_t hit_count;
    struct timespec hit_start;

    /* run state, guarded by mu */
    pthread_mutex_t mu;
    pthread_cond_t ready; /* an item was completed */
    pthread_cond_t space; /* the window moved */
    size_t window;
    slot *slots;
    uint64_t next_index, next_emit;
    int64_t input_seen; /* inputs the producer has taken (it alone writes this) */
    bool producer_done, producer_taken, stop;
    pm3k_code failure;
    char failure_message[PM3K_ERROR_MESSAGE_MAX];
    pm3k__pool *producer;
    pm3k__lane lanes[LANE_COUNT];
};

bool pm3k__is_url(const char *text)
{
    const char *p = text;
    if (!isalpha((unsigned char)*p))
        return false;
    while (isalnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.')
        p++;
    return strncmp(p, "://", 3) == 0;
}

pm3k_code pm3k_batch_new(const pm3k_probe_config *config, pm3k_batch **out, pm3k_error *err)
{
    pm3k_batch *b = calloc(1, sizeof *b);
    if (!b)
        return pm3k_error_set(err, PM3K_ERR_NOMEM, "out of memory");
    b->config = *config;
    if (b->config.jobs <= 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        b->config.jobs = cpus > 0 ? (int)cpus : 1;
    }
    /* Room for every worker, and for the URL engine's concurrent transfers. */
    b->window = (size_t)b->config.jobs * 8 + 1024;
    *out = b;
    return PM3K_OK;
}

static pm3k_code add_input(pm3k_batch *b, input in, pm3k_error *err)
{
    if (b->input_count == b->input_cap) {
        size_t cap = b->input_cap ? b->input_cap * 2 : 8;
        input *grown = realloc(b->inputs, cap * sizeof *grown);
        if (!grown)
            return pm3k_error_set(err, PM3K_ERR_NOMEM, "out of memory");
        b->inputs = grown;
        b->input_cap = cap;
    }
    b->inputs[b->input_count++] = in;
    return PM3K_OK;
}

pm3k_code pm3k_batch_add(pm3k_batch *b, const char *arg, pm3k_error *err)
{
    input in = {.arg = strdup(arg)};
    if (!in.arg)
        return pm3k_error_set(err, PM3K_ERR_NOMEM, "out of memory");
    pm3k_code rc = add_input(b, in, err);
    if (rc != PM3K_OK)
        free(in.arg);
    return rc;
}

pm3k_code pm3k_batch_add_list(pm3k_batch *b, FILE *stream, char sep, const char *name,
                              pm3k_error *err)
{
    input in = {.list = stream, .sep = sep, .name = strdup(name ? name : "-")};
    if (!in.name)
        return pm3k_error_set(err, PM3K_ERR_NOMEM, "out of memory");
    pm3k_code rc = add_input(b, in, err);
    if (rc != PM3K_OK)
        free(in.name);
    return rc;
}

void pm3k_batch_set_progress(pm3k_batch *b, pm3k_progress_fn fn, void *userdata)
{
    b->progress = fn;
    b->progress_data = userdata;
}

void pm3k_batch_set_idle(pm3k_batch *b, pm3k_code (*idle)(void *userdata), void *userdata)
{
    b->idle = idle;
    b->idle_data = userdata;
}

void pm3k_batch_set_skip(pm3k_batch *b, pm3k_skip_fn fn, void *userdata)
{
    b->skip = fn;
    b->skip_data = userdata;
}

uint64_t pm3k_batch_total(pm3k_batch *b)
{
    pthread_mutex_lock(&b->mu);
    uint64_t total = b->producer_done ? b->next_index : 0;
    pthread_mutex_unlock(&b->mu);
    return total;
}

uint64_t pm3k_batch_done(pm3k_batch *b)
{
    pthread_mutex_lock(&b->mu);
    uint64_t done = b->next_emit;
    pthread_mutex_unlock(&b->mu);
    return done;
}

pm3k_code pm3k_batch_set_cache(pm3k_batch *b, const char *path, pm3k_error *err)
{
    pm3k__cache_close(b->cache);
    b->cache = NULL;
    return pm3k__cache_open(path, &b->config, &b->cache, err);
}

const char *pm3k_batch_cache_warning(const pm3k_batch *b)
{
    return pm3k__cache_warning(b->cache);
}

void pm3k_batch_cache_counts(const pm3k_batch *b, uint64_t *hits, uint64_t *misses,
                             uint64_t *stored)
{
    pm3k__cache_counts(b->cache, hits, misses, stored);
}

int pm3k_shard_of(const char *path, int count)
{
    uint64_t hash = 0xcbf29ce484222325ULL; /* FNV-1a, 64 bits */
    for (const unsigned char *p = (const unsigned char *)path; *p; p++)
        hash = (hash ^ *p) * 0x100000001b3ULL;
    return count > 1 ? (int)(hash % (uint64_t)count) + 1 : 1;
}

void pm3k_batch_free(pm3k_batch *b)
{
    if (!b)
        return;
    pm3k__cache_close(b->cache);
    for (size_t i = 0; i < b->input_count; i++) {
        free(b->inputs[i].arg);
        free(b->inputs[i].name);
    }
    free(b->inputs);
    free(b);
}

/* ---- lanes ---- */

static void fail_locked(pm3k_batch *b, pm3k_code code, const char *message)
{
    if (b->failure == PM3K_OK) {
        b->failure = code;
        snprintf(b->failure_message, sizeof b->failure_message, "%s", message);
    }
    b->stop = true;
    for (int i = 0; i < LANE_COUNT; i++)
        pthread_cond_broadcast(&b->lanes[i].work);
    pthread_cond_broadcast(&b->ready);
    pthread_cond_broadcast(&b->space);
}

/* Stop the run: code and message are what pm3k_batch_run returns. */
static void fail(pm3k_batch *b, pm3k_code code, const char *message)
{
    pthread_mutex_lock(&b->mu);
    fail_locked(b, code, message);
    pthread_mutex_unlock(&b->mu);
}

static bool pop_locked(pm3k__lane *lane, pm3k__task *task)
{
    pm3k_batch *b = lane->batch;
    if (lane->count == 0 || b->stop)
        return false;
    *task = lane->tasks[lane->head];
    lane->head = (lane->head + 1) % b->window;
    lane->count--;
    return true;
}

bool pm3k__lane_pop(pm3k__lane *lane, pm3k__task *task, bool wait)
{
    pm3k_batch *b = lane->batch;
    pthread_mutex_lock(&b->mu);
    lane->notify_wanted = false;
    while (wait && lane->count == 0 && !b->producer_done && !b->stop)
        pthread_cond_wait(&lane->work, &b->mu);
    bool taken = pop_locked(lane, task);
    pthread_mutex_unlock(&b->mu);
    return taken;
}

bool pm3k__lane_pop_or_notify(pm3k__lane *lane, pm3k__task *task)
{
    pm3k_batch *b = lane->batch;
    pthread_mutex_lock(&b->mu);
    bool taken = pop_locked(lane, task);
    lane->notify_wanted = !taken;
    pthread_mutex_unlock(&b->mu);
    return taken;
}

bool pm3k__lane_finished(pm3k__lane *lane)
{
    pm3k_batch *b = lane->batch;
    pthread_mutex_lock(&b->mu);
    bool finished = b->stop || (b->producer_done && lane->count == 0);
    pthread_mutex_unlock(&b->mu);
    return finished;
}

bool pm3k__lane_stopping(pm3k__lane *lane)
{
    pm3k_batch *b = lane->batch;
    pthread_mutex_lock(&b->mu);
    bool stopping = b->stop;
    pthread_mutex_unlock(&b->mu);
    return stopping;
}

void pm3k__lane_fail(pm3k__lane *lane, pm3k_code code, const char *message)
{
    fail(lane->batch, code, message);
}

void pm3k__lane_complete(pm3k__lane *lane, pm3k__task *task, pm3k_item *item)
{
    pm3k_batch *b = lane->batch;
    pthread_mutex_lock(&b->mu);
    if (!item) {
        fail_locked(b, PM3K_ERR_NOMEM, "out of memory");
    } else {
        slot *s = &b->slots[task->index % b->window];
        pm3k_item_set_input(item, task->input);
        s->item = item;
        s->ready = true;
        pthread_cond_broadcast(&b->ready);
    }
    pthread_mutex_unlock(&b->mu);
    free(task->path);
    task->path = NULL;
}

void pm3k__lane_set_notify(pm3k__lane *lane, void (*notify)(void *), void *userdata)
{
    pthread_mutex_lock(&lane->batch->mu);
    lane->notify = notify;
    lane->notify_data = userdata;
    pthread_mutex_unlock(&lane->batch->mu);
}

const pm3k_probe_config *pm3k__lane_config(const pm3k__lane *lane)
{
    return &lane->batch->config;
}

/* Called with b->mu held, which pm3k__lane_set_notify takes too: the
 * lane's owner can unregister the hook before it frees what it touches. */
static void notify_locked(pm3k__lane *lane)
{
    if (lane->notify_wanted && lane->notify) {
        lane->notify_wanted = false;
        lane->notify(lane->notify_data);
    }
}

static void notify_all(pm3k_batch *b)
{
    pthread_mutex_lock(&b->mu);
    for (int i = 0; i < LANE_COUNT; i++)
        notify_locked(&b->lanes[i]);
    pthread_mutex_unlock(&b->mu);
}

/* FFmpeg and libvips are loaded here, before the first task that needs
 * them (a local file, or a URL with --deep) is queued: a run without one
 * never maps them, and when they cannot be loaded the run stops with that
 * error before any item. */
static bool media_ready(pm3k_batch *b)
{
    pm3k_error err = {0};
    if (pm3k__medialib_load(&err) == PM3K_OK)
        return true;
    fail(b, err.code, err.message);
    return false;
}

static lane_id lane_of(const char *path, int errnum)
{
    return errnum == 0 && pm3k__is_url(path) ? LANE_URLS : LANE_FILES;
}

/* The task's file is not media and its name did not say it was: skipped,
 * told in its turn by the emitting thread. */
static void lane_skip(pm3k__lane *lane, pm3k__task *task)
{
    pm3k_batch *b = lane->batch;
    pthread_mutex_lock(&b->mu);
    slot *s = &b->slots[task->index % b->window];
    s->skipped = task->path;
    task->path = NULL;
    s->ready = true;
    pthread_cond_broadcast(&b->ready);
    pthread_mutex_unlock(&b->mu);
}

/* Whether the content of a checked file is media of some kind: not for
 * content no format row recognises, or none at all. */
static bool is_media(const pm3k_item *item)
{
    char *type = pm3k_item_fact_text(item, "content_type");
    bool media = !type || (strcmp(type, "unknown") != 0 && strcmp(type, "empty") != 0);
    free(type);
    return media;
}

static pm3k_item *probe_task(const pm3k_probe_config *config, pm3k__task *task, pm3k_error *err)
{
    pm3k_item *item = NULL;
    char reason[96];
    if (task->errnum != 0) {
        item = pm3k_item_new(PM3K_KIND_VIDEO, task->path);
        if (task->errnum == ERRNUM_LINE_TOO_LONG)
            snprintf(reason, sizeof reason,
                     "the list entry is longer than %d bytes, more than pm3k reads", LIST_LINE_MAX);
        else
            snprintf(reason, sizeof reason, "%s", strerror(task->errnum));
        if (item)
            pm3k__item_add_fix(item, PM3K_RULE_INPUT_UNREADABLE,
                               task->errnum == ERRNUM_LINE_TOO_LONG ? PM3K__FIX_INPUT_NAME_TOO_LONG
                                                                    : pm3k__input_fix(task->errnum),
                               "reason", reason, PM3K_END);
        return item;
    }
    pm3k_probe_file(config, task->path, &item, err);
    return item;
}

/* The files lane: each task is one pool item. */
static void *take_file(void *userdata)
{
    pm3k__lane *lane = userdata;
    pm3k__task task;
    if (!pop_locked(lane, &task))
        return NULL;
    slot *s = &lane->batch->slots[task.index % lane->batch->window];
    s->task = task;
    return &s->task;
}

static void check_file(void *userdata, void *item)
{
    pm3k__lane *lane = userdata;
    pm3k__task task = *(pm3k__task *)item; /* the slot is the batch's again once completed */
    pm3k_error err = {0};
    pm3k_item *result = probe_task(&lane->batch->config, &task, &err);
    if (result && task.content_decides && !is_media(result)) {
        pm3k_item_free(result);
        lane_skip(lane, &task);
        return;
    }
    if (!result && err.code != PM3K_OK) {
        /* Memory ran out, or FFmpeg/libvips could not be loaded (which
         * media_ready reports first). */
        fail(lane->batch, err.code, err.message);
    }
    pm3k__lane_complete(lane, &task, result);
}

/* The URL lane: one pool item, the engine, which pops the tasks itself. */
static void *take_engine(void *userdata)
{
    pm3k__lane *lane = userdata;
    if (lane->engine_taken || lane->count == 0)
        return NULL;
    lane->engine_taken = true;
    return lane;
}

static void run_engine(void *userdata, void *item)
{
    (void)userdata;
    pm3k__url_lane_main(item);
}

/* What tells the lanes apart. */
static const struct lane_kind {
    pm3k__pool_ops ops;
    bool per_job;             /* a worker per --jobs; else one */
    const char *thread_error; /* when no worker could start */
} lane_kinds[LANE_COUNT] = {
    [LANE_FILES] = {{take_file, check_file, NULL}, true, "cannot start worker threads"},
    [LANE_URLS] = {{take_engine, run_engine, NULL}, false, "cannot start the URL thread"},
};

/* With b->mu held: wait for room in the window. False when the run is
 * stopping. */
static bool wait_window_locked(pm3k_batch *b)
{
    while (!b->stop && b->next_index - b->next_emit >= b->window)
        pthread_cond_wait(&b->space, &b->mu);
    return !b->stop;
}

/* Cache hits go straight to their slots: no worker, no media library.
 * They are handed over HIT_BATCH at a time (one lock, one wakeup of the
 * emitter), and before anything that may wait: a task for a lane, the
 * next line of a list, the producer's end, or HIT_BATCH_NS after the
 * first one waited. */
static bool publish_hits(pm3k_batch *b)
{
    bool wake = false, room = true;
    size_t placed = 0;
    if (b->hit_count == 0)
        return true;
    pthread_mutex_lock(&b->mu);
    for (; placed < b->hit_count && (room = wait_window_locked(b)); placed++) {
        uint64_t index = b->next_index++;
        slot *s = &b->slots[index % b->window];
        s->cache = b->hits[placed];
        s->ready = true;
        /* The emitter waits for next_emit's slot alone. */
        wake = wake || index == b->next_emit;
        if (wake && b->next_index - b->next_emit >= b->window) {
            pthread_cond_broadcast(&b->ready); /* it must drain before we go on */
            wake = false;
        }
    }
    if (wake)
        pthread_cond_broadcast(&b->ready);
    pthread_mutex_unlock(&b->mu);
    for (size_t i = placed; i < b->hit_count; i++) {
        free(b->hits[i].path);
        free(b->hits[i].report);
    }
    b->hit_count = 0;
    return room;
}

static bool complete_hit(pm3k_batch *b, char *path, char *report, const pm3k__cache_stamp *stamp)
{
    if (b->hit_count == 0)
        clock_gettime(CLOCK_MONOTONIC, &b->hit_start);
    b->hits[b->hit_count++] = (cached){path, report, b->input_seen - 1, *stamp};
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t waited = (int64_t)(now.tv_sec - b->hit_start.tv_sec) * 1000000000LL +
                     (now.tv_nsec - b->hit_start.tv_nsec);
    if (b->hit_count == HIT_BATCH || waited >= HIT_BATCH_NS)
        return publish_hits(b);
    return true;
}

/* Queue a task for its lane; blocks while the window is full. Takes
 * ownership of path. Returns false when the run is stopping. */
static bool queue_task(pm3k_batch *b, lane_id id, char *path, int errnum, bool content_decides,
                       const pm3k__cache_stamp *stamp)
{
    pm3k__lane *lane = &b->lanes[id];
    char *cache_path = NULL;
    if (stamp->valid && !(cache_path = strdup(path))) {
        fail(b, PM3K_ERR_NOMEM, "out of memory");
        free(path);
        return false;
    }
    pthread_mutex_lock(&b->mu);
    if (!wait_window_locked(b)) {
        pthread_mutex_unlock(&b->mu);
        free(cache_path);
        free(path);
        return false;
    }
    slot *s = &b->slots[b->next_index % b->window];
    s->cache = (cached){.path = cache_path, .stamp = *stamp}; /* stored once emitted */
    pm3k__task *t = &lane->tasks[(lane->head + lane->count) % b->window];
    t->index = b->next_index++;
    t->input = b->input_seen - 1;
    t->path = path;
    t->errnum = errnum;
    t->content_decides = content_decides && id == LANE_FILES;
    lane->count++;
    pthread_cond_signal(&lane->work);
    if (!pm3k__pool_signal(lane->pool, lane->count))
        fail_locked(b, PM3K_ERR_INTERNAL, lane_kinds[id].thread_error);
    notify_locked(lane);
    bool queued = !b->stop;
    pthread_mutex_unlock(&b->mu);
    return queued;
}

/* One input: dropped when it is another shard's, answered from the cache
 * when it can be, queued for its lane otherwise. Takes ownership of path.
 * Returns false when the run is stopping. */
static bool enqueue_task(pm3k_batch *b, char *path, int errnum, bool content_decides)
{
    lane_id id = lane_of(path, errnum);
    pm3k__cache_stamp stamp = {0};
    if (b->config.shard_count > 1 &&
        pm3k_shard_of(path, b->config.shard_count) != b->config.shard_index) {
        free(path);
        return true;
    }
    if (b->cache && errnum == 0 && id == LANE_FILES) {
        pm3k__cache_stamp_of(path, &stamp);
        char *report = pm3k__cache_lookup(b->cache, path, &stamp);
        if (report)
            return complete_hit(b, path, report, &stamp);
    }
    if (!publish_hits(b) ||
        (errnum == 0 && (id == LANE_FILES || b->config.deep) && !media_ready(b))) {
        free(path);
        return false;
    }
    return queue_task(b, id, path, errnum, content_decides, &stamp);
}

static bool enqueue(pm3k_batch *b, char *path, int errnum)
{
    return enqueue_task(b, path, errnum, false);
}

/* ---- what a walk or a list leaves out ---- */

static void tell_skip(void *userdata, const char *path, const char *reason, bool note)
{
    pm3k_batch *b = userdata;
    /* another shard's entry is counted there */
    if (b->config.shard_count > 1 &&
        pm3k_shard_of(path, b->config.shard_count) != b->config.shard_index)
        return;
    pthread_mutex_lock(&b->mu);
    if (b->skip)
        b->skip(b->skip_data, path, reason, note);
    pthread_mutex_unlock(&b->mu);
}

/* Whether a name's extension is one that files which are not media go by
 * too (.ts): its content decides. */
static bool shared_name(const char *path)
{
    char buf[16];
    return pm3k__extension_shared(pm3k__path_extension(path, buf, sizeof buf));
}

static bool enqueue_folder(pm3k_batch *b, const char *root)
{
    pm3k__walk *walk = NULL;
    pm3k_code rc = pm3k__walk_open_skipping(root, b->config.extensions, b->config.extension_count,
                                            tell_skip, b, &walk);
    while (rc == PM3K_OK) {
        char *path;
        int errnum;
        rc = pm3k__walk_next(walk, &path, &errnum);
        if (rc != PM3K_OK || !path)
            break;
        if (!enqueue_task(b, path, errnum, errnum == 0 && shared_name(path))) {
            pm3k__walk_close(walk);
            return false;
        }
    }
    pm3k__walk_close(walk);
    if (rc != PM3K_OK) {
        fail(b, rc, "out of memory while walking a folder");
        return false;
    }
    return true;
}

/* One input: a folder is walked, anything else is one task. */
static bool enqueue_arg(pm3k_batch *b, const char *arg)
{
    struct stat st;
    b->input_seen++;
    if (!pm3k__is_url(arg) && stat(arg, &st) == 0 && S_ISDIR(st.st_mode))
        return enqueue_folder(b, arg);
    char *copy = strdup(arg);
    if (!copy) {
        fail(b, PM3K_ERR_NOMEM, "out of memory");
        return false;
    }
    return enqueue(b, copy, 0);
}

/* One entry of a list into line (LIST_LINE_MAX bytes and a NUL), up to
 * the separator, which is not kept; the rest of a longer entry is read and
 * dropped (*too_long). False at the end of the list. */
static bool read_entry(FILE *list, int sep, char *line, size_t *len, bool *too_long)
{
    int c = EOF;
    size_t n = 0;
    bool any = false;
    *too_long = false;
    flockfile(list);
    while ((c = getc_unlocked(list)) != EOF) {
        any = true;
        if (c == sep)
            break;
        if (n < LIST_LINE_MAX)
            line[n++] = (char)c;
        else
            *too_long = true;
    }
    funlockfile(list);
    line[n] = '\0';
    *len = n;
    return any;
}

/* A list entry over the bound: an input_unreadable item named by its
 * start (cut at a character boundary). */
static bool enqueue_too_long(pm3k_batch *b, const char *line)
{
    size_t n = LONG_LINE_SHOWN;
    while (n > 0 && ((unsigned char)line[n] & 0xC0) == 0x80)
        n--;
    char *shown = malloc(n + 4);
    if (!shown) {
        fail(b, PM3K_ERR_NOMEM, "out of memory");
        return false;
    }
    memcpy(shown, line, n);
    memcpy(shown + n, "...", 4);
    b->input_seen++;
    return enqueue(b, shown, ERRNUM_LINE_TOO_LONG);
}

/* A list entry, as from `find -type f`: filtered as a walk filters. A
 * system or sidecar file is left out by its name; a name without a listed
 * extension, or with one TypeScript shares, is checked and left out when
 * its content is not media. */
static bool enqueue_listed(pm3k_batch *b, const char *entry)
{
    struct stat st;
    if (pm3k__is_url(entry) || (stat(entry, &st) == 0 && S_ISDIR(st.st_mode)))
        return enqueue_arg(b, entry);
    const char *slash = strrchr(entry, '/'), *name = slash ? slash + 1 : entry;
    const char *system_file = pm3k__walk_system_file(name);
    b->input_seen++;
    if (system_file) {
        tell_skip(b, entry, system_file, false);
        return true;
    }
    char *copy = strdup(entry);
    if (!copy) {
        fail(b, PM3K_ERR_NOMEM, "out of memory");
        return false;
    }
    bool content_decides =
        !pm3k__walk_takes(name, b->config.extensions, b->config.extension_count) ||
        shared_name(entry);
    return enqueue_task(b, copy, 0, content_decides);
}

static bool enqueue_list(pm3k_batch *b, input *in)
{
    char *line = malloc(LIST_LINE_MAX + 1);
    size_t n;
    bool ok = line != NULL, too_long;
    if (!line)
        fail(b, PM3K_ERR_NOMEM, "out of memory");
    while (ok && publish_hits(b) &&
           read_entry(in->list, in->sep == '\0' ? '\0' : '\n', line, &n, &too_long)) {
        if (too_long) {
            ok = enqueue_too_long(b, line);
            continue;
        }
        while (in->sep != '\0' && n > 0 && line[n - 1] == '\r')
            line[--n] = '\0';
        if (n == 0)
            continue;
        ok = enqueue_listed(b, line);
    }
    if (ok && ferror(in->list)) {
        char message[PM3K_ERROR_MESSAGE_MAX];
        snprintf(message, sizeof message, "cannot read the input list '%s': %s", in->name,
                 strerror(errno));
        fail(b, PM3K_ERR_IO, message);
        ok = false;
    }
    free(line);
    return ok;
}

static void *take_inputs(void *userdata)
{
    pm3k_batch *b = userdata;
    if (b->producer_taken)
        return NULL;
    b->producer_taken = true;
    return b;
}

static void produce(void *userdata, void *item)
{
    pm3k_batch *b = item;
    (void)userdata;
    for (size_t i = 0; i < b->input_count; i++) {
        bool ok =
            b->inputs[i].list ? enqueue_list(b, &b->inputs[i]) : enqueue_arg(b, b->inputs[i].arg);
        if (!ok)
            break;
    }
    publish_hits(b);
    pthread_mutex_lock(&b->mu);
    b->producer_done = true;
    for (int i = 0; i < LANE_COUNT; i++) {
        pthread_cond_broadcast(&b->lanes[i].work);
        notify_locked(&b->lanes[i]);
    }
    pthread_cond_broadcast(&b->ready);
    pthread_mutex_unlock(&b->mu);
}

/* Wait up to a fifth of a second for an item: the idle hook then runs
 * again, so a caller that was told to stop (a signal) is heard soon. */
static void wait_ready(pm3k_batch *b)
{
    if (!b->idle) {
        pthread_cond_wait(&b->ready, &b->mu);
        return;
    }
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += 200 * 1000 * 1000;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&b->ready, &b->mu, &until);
}

/* An item taken from its slot by the emitter. */
typedef struct taken {
    pm3k_item *item; /* NULL for a cache hit, until read back */
    cached cache;
    char *skipped; /* a file left out for its content: told, not handed out */
} taken;

/* With b->mu held: take up to max ready items in order from next_emit. */
static size_t take_ready_locked(pm3k_batch *b, taken *out, size_t max)
{
    size_t n = 0;
    for (slot *s; n < max && (s = &b->slots[b->next_emit % b->window])->ready; n++) {
        out[n] = (taken){s->item, s->cache, s->skipped};
        s->item = NULL;
        s->cache = (cached){0};
        s->skipped = NULL;
        s->ready = false;
        b->next_emit++;
    }
    /* The producer waits only for a full window: wake it once half of the
     * window is free, not for every slot (a switch per item). */
    if (n > 0 && b->next_index - b->next_emit <= b->window / 2)
        pthread_cond_broadcast(&b->space);
    return n;
}

/* A cache hit's item, read back from its stored report on the emitting
 * thread (which has less to do than the producer). A report that does not
 * read back is never trusted: the file is checked here and now, and that
 * result stored. NULL when the run has to stop (it says why). */
static pm3k_item *read_back(pm3k_batch *b, const cached *c)
{
    pm3k_item *item = pm3k__cache_item(b->cache, c->path, c->report);
    pm3k_error err = {0};
    if (!item && media_ready(b)) {
        pm3k_probe_file(&b->config, c->path, &item, &err);
        if (!item)
            fail(b, err.code != PM3K_OK ? err.code : PM3K_ERR_NOMEM,
                 err.message[0] ? err.message : "out of memory");
        else
            pm3k__cache_store(b->cache, c->path, &c->stamp, item);
    }
    if (item)
        pm3k_item_set_input(item, c->input);
    return item;
}

/* Store (with --cache) and hand out the taken items; after a failing
 * callback the rest are only freed. */
static pm3k_code hand_out(pm3k_batch *b, taken *items, size_t n, pm3k_item_fn on_item,
                          void *userdata, uint64_t *emitted)
{
    pm3k_code rc = PM3K_OK;
    bool stopping = false; /* a hit could not be read back nor checked */
    for (size_t i = 0; i < n; i++) {
        cached *c = &items[i].cache;
        pm3k_item *item = items[i].item;
        bool going = rc == PM3K_OK && !stopping;
        if (items[i].skipped && going)
            tell_skip(b, items[i].skipped, "its content is not media", false);
        free(items[i].skipped);
        if (going && c->report)
            stopping = !(item = read_back(b, c));
        else if (going && c->path && item)
            pm3k__cache_store(b->cache, c->path, &c->stamp, item);
        free(c->path);
        free(c->report);
        if (rc == PM3K_OK && item && !stopping) {
            rc = on_item(userdata, item);
            (*emitted)++;
            if (b->progress)
                b->progress(b->progress_data, *emitted, pm3k_item_path(item));
        }
        pm3k_item_free(item);
    }
    return rc;
}

/* Hand items to the callback in order until every task is reported. Ready
 * items are taken EMIT_BATCH at a time, so the lock is taken once for
 * them, not once each. */
static pm3k_code emit_loop(pm3k_batch *b, pm3k_item_fn on_item, void *userdata, uint64_t *emitted)
{
    taken items[EMIT_BATCH];
    for (;;) {
        pthread_mutex_lock(&b->mu);
        slot *s = &b->slots[b->next_emit % b->window];
        if (!s->ready && (b->idle || b->cache)) {
            /* Nothing to hand out yet: let the caller flush what it wrote.
             * A flush that fails (the reader went away) stops the run now,
             * not at the next item, which may be a URL timeout away. The
             * cache commits too, so no write lock is held while waiting. */
            pthread_mutex_unlock(&b->mu);
            pm3k__cache_flush(b->cache);
            pm3k_code rc = b->idle ? b->idle(b->idle_data) : PM3K_OK;
            if (rc != PM3K_OK)
                return rc;
            pthread_mutex_lock(&b->mu);
        }
        if (!b->stop && !s->ready && !(b->producer_done && b->next_emit == b->next_index)) {
            wait_ready(b);
            pthread_mutex_unlock(&b->mu);
            continue;
        }
        size_t n = b->stop ? 0 : take_ready_locked(b, items, EMIT_BATCH);
        pthread_mutex_unlock(&b->mu);
        if (n == 0)
            return PM3K_OK;
        pm3k_code rc = hand_out(b, items, n, on_item, userdata, emitted);
        if (rc != PM3K_OK)
            return rc;
    }
}

/* Set up the run's state and start the producer. */
static pm3k_code run_start(pm3k_batch *b, pm3k_error *err)
{
    static const pm3k__pool_ops producer_ops = {take_inputs, produce, NULL};
    pm3k_code rc = PM3K_OK;
    pthread_mutex_init(&b->mu, NULL);
    pthread_cond_init(&b->ready, NULL);
    pthread_cond_init(&b->space, NULL);
    b->slots = calloc(b->window, sizeof *b->slots);
    if (!b->slots)
        rc = pm3k_error_set(err, PM3K_ERR_NOMEM, "out of memory");
    for (int i = 0; i < LANE_COUNT; i++) {
        pm3k__lane *lane = &b->lanes[i];
        *lane = (pm3k__lane){.batch = b, .tasks = calloc(b->window, sizeof(pm3k__task))};
        pthread_cond_init(&lane->work, NULL);
        if (rc == PM3K_OK && !lane->tasks)
            rc = pm3k_error_set(err, PM3K_ERR_NOMEM, "out of memory");
        if (rc == PM3K_OK)
            rc = pm3k__pool_new(&b->mu, lane_kinds[i].per_job ? b->config.jobs : 1,
                                &lane_kinds[i].ops, lane, &lane->pool, err);
    }
    if (rc == PM3K_OK)
        rc = pm3k__pool_new(&b->mu, 1, &producer_ops, b, &b->producer, err);
    if (rc != PM3K_OK)
        return rc;
    pthread_mutex_lock(&b->mu);
    if (!pm3k__pool_signal(b->producer, 1)) {
        rc = pm3k_error_set(err, PM3K_ERR_INTERNAL, "cannot start worker threads");
        fail_locked(b, rc, "cannot start worker threads");
    }
    pthread_mutex_unlock(&b->mu);
    return rc;
}

/* Wait for every thread: the producer first, then the lanes' workers. */
static void run_join(pm3k_batch *b)
{
    pm3k__pool_free(b->producer);
    b->producer = NULL;
    notify_all(b);
    for (int i = 0; i < LANE_COUNT; i++) {
        pm3k__pool_free(b->lanes[i].pool);
        b->lanes[i].pool = NULL;
    }
}

/* Free the run's state, with anything left over when it stopped early. */
static void run_free(pm3k_batch *b)
{
    for (size_t i = 0; b->slots && i < b->window; i++) {
        pm3k_item_free(b->slots[i].item);
        free(b->slots[i].cache.path);
        free(b->slots[i].cache.report);
        free(b->slots[i].skipped);
    }
    free(b->slots);
    b->slots = NULL;
    for (int i = 0; i < LANE_COUNT; i++) {
        pm3k__lane *lane = &b->lanes[i];
        for (size_t j = 0; lane->tasks && j < lane->count; j++)
            free(lane->tasks[(lane->head + j) % b->window].path);
        free(lane->tasks);
        lane->tasks = NULL;
        pthread_cond_destroy(&lane->work);
    }
    pthread_cond_destroy(&b->ready);
    pthread_cond_destroy(&b->space);
    pthread_mutex_destroy(&b->mu);
}

static pm3k_code emit_carousel(pm3k_batch *b, pm3k_item_fn on_item, void *userdata, uint64_t images,
                               pm3k_error *err)
{
    pm3k_item *carousel = pm3k__carousel_item(&b->config, images);
    pm3k_code rc = carousel ? on_item(userdata, carousel)
                            : pm3k_error_set(err, PM3K_ERR_NOMEM, "out of memory");
    pm3k_item_free(carousel);
    return rc;
}

pm3k_code pm3k_batch_run(pm3k_batch *b, pm3k_item_fn on_item, void *userdata, pm3k_error *err)
{
    uint64_t emitted = 0;
    pm3k_code rc = run_start(b, err);
    if (rc == PM3K_OK) {
        rc = emit_loop(b, on_item, userdata, &emitted);
        if (rc != PM3K_OK) {
            pm3k_error_set(err, rc, "stopped: the report could not be written");
            fail(b, rc, "stopped");
        }
    }
    run_join(b);
    pm3k__cache_flush(b->cache);
    if (rc == PM3K_OK && b->failure != PM3K_OK)
        rc = pm3k_error_set(err, b->failure, "%s", b->failure_message);
    if (rc == PM3K_OK && b->config.photo_mode)
        rc = emit_carousel(b, on_item, userdata, emitted, err);
    run_free(b);
    return rc;
}
