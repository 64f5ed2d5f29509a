/* pm3k — URL checks: the URL lane's engine.
 *
 * One libcurl multi handle runs many URLs at once, with a bound on
 * connections per host and in total, and connections (and TLS sessions)
 * reused between URLs. Each URL gets HEAD first; when HEAD answers 4xx
 * (presigned S3/R2 URLs refuse HEAD with 403), 405/501 or no usable
 * Content-Length, a GET stopped right after the headers decides, as PM3K's
 * own GET would see it (--get always uses that GET). Redirects are reported,
 * never followed. A URL the host rules already reject (not https, not PM3K
 * storage nor the verified domain) is never contacted, and a host that
 * stopped answering (HOST_STALL_TIMEOUTS timeouts in a row) has its other
 * URLs failed at once. What the answers mean is probe/urlcheck.c's pure
 * verdict.
 * --deep probes then run on a pool of threads of their own with blocking
 * range reads (probe/remote.c), so they never stall the loop.
 *
 * Every task taken from the lane is completed exactly once. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/pool.h"
#include "core/redact.h"
#include "pm3k/url.h"
#include "probe/lane.h"
#include "probe/url_int.h"

/* Politeness toward one server, and a bound on sockets overall. */
#define MAX_HOST_CONNECTIONS 16
#define MAX_TOTAL_CONNECTIONS 64
/* Tasks taken from the lane and not yet completed. */
#define MAX_IN_FLIGHT 1024
/* A host whose transfers time out this many times in a row, none of them
 * answered by anything since it began, has stopped answering: its other
 * URLs fail at once instead of a timeout each. */
#define HOST_STALL_TIMEOUTS 3
/* Hosts cut off are remembered after their last URL is done (so URLs of
 * theirs that come later fail at once too), up to this many. */
#define MAX_STALLED_KEPT 256
#define DEEP_THREADS_MIN 2
#define DEEP_THREADS_MAX 8
#define POLL_MS 1000

typedef enum phase { PHASE_HEAD, PHASE_GET } phase;

/* One per host:port with URLs in the engine (and per host cut off, up to
 * MAX_STALLED_KEPT); the URLs point at it. */
typedef struct host_slot {
    char *key;  /* "host:port", lowercase */
    int active; /* transfers running */
    int refs;   /* URLs waiting or running */
    /* Whether it still answers: transfers that timed out in a row with no
     * answer from the host since they began; cut off at HOST_STALL_TIMEOUTS. */
    int timeouts_in_row;
    bool answered; /* something came back; last_answer says when */
    struct timespec last_answer;
    bool cut_off;
} host_slot;

typedef struct xfer {
    struct xfer *next;
    struct xfer *run_prev, *run_next; /* in engine.running while a transfer runs */
    pm3k__task task;
    /* the URL as parsed */
    bool invalid;
    char invalid_reason[PM3K_ERROR_MESSAGE_MAX];
    pm3k__url url;
    char *host_key;
    char ext[16];
    host_slot *slot;
    /* the requests */
    bool fetched;
    phase phase;
    CURL *easy;
    pm3k__http_response *resp;
    bool head_seen; /* HEAD did not decide: GET followed */
    long head_status;
    struct timespec start;
    int64_t elapsed_ms;
    CURL *deep_easy; /* the --deep handle lent with the task */
} xfer;

/* --deep probes: a queue of URLs for a pool of threads, and the handles
 * they lend each other (one per thread at most), all under mu. */
typedef struct deep_queue {
    pthread_mutex_t mu;
    pm3k__pool *pool;
    xfer *head, *tail;
    size_t queued, outstanding; /* outstanding: queued or running */
    CURL *idle[DEEP_THREADS_MAX];
    size_t idle_count;
} deep_queue;

typedef struct engine {
    pm3k__lane *lane;
    const pm3k_probe_config *config;
    char domain[256];
    bool has_domain;
    pm3k__http_ctx http;
    CURLM *multi;
    CURLSH *share;
    xfer *wait_head, *wait_tail;
    xfer *running; /* URLs with a transfer in the multi handle */
    size_t waiting, active;
    host_slot **hosts;
    size_t host_count, host_cap;
    size_t stalled_kept; /* slots kept with refs 0 because they are cut off */
    CURL *idle[MAX_TOTAL_CONNECTIONS];
    size_t idle_count;
    bool deep_ready;
    deep_queue deep;
} engine;

/* The lane calls this with the batch's lock held, after the loop asked
 * (pm3k__lane_pop_or_notify) and a task came or the lane finished; the
 * engine unregisters it before the multi handle goes (engine_free). */
static void on_lane_notify(void *data)
{
    engine *e = data;
    curl_multi_wakeup(e->multi);
}

/* ---- hosts ---- */

static host_slot *host_ref(engine *e, const char *key)
{
    for (size_t i = 0; i < e->host_count; i++)
        if (strcmp(e->hosts[i]->key, key) == 0) {
            if (e->hosts[i]->refs++ == 0)
                e->stalled_kept--;
            return e->hosts[i];
        }
    if (e->host_count == e->host_cap) {
        size_t cap = e->host_cap ? e->host_cap * 2 : 16;
        host_slot **grown = realloc(e->hosts, cap * sizeof *grown);
        if (!grown)
            return NULL;
        e->hosts = grown;
        e->host_cap = cap;
    }
    host_slot *slot = calloc(1, sizeof *slot);
    if (!slot || !(slot->key = strdup(key))) {
        free(slot);
        return NULL;
    }
    slot->refs = 1;
    e->hosts[e->host_count++] = slot;
    return slot;
}

/* A reference to slot goes; the last one takes the slot along, unless it
 * is kept to remember a host that was cut off. */
static void slot_unref(engine *e, host_slot *slot)
{
    if (!slot || --slot->refs > 0)
        return;
    if (slot->cut_off && e->stalled_kept < MAX_STALLED_KEPT) {
        e->stalled_kept++;
        return;
    }
    for (size_t i = 0; i < e->host_count; i++)
        if (e->hosts[i] == slot) {
            e->hosts[i] = e->hosts[--e->host_count];
            break;
        }
    free(slot->key);
    free(slot);
}

/* A URL leaves the engine. */
static void host_unref(engine *e, xfer *x)
{
    host_slot *slot = x->slot;
    x->slot = NULL;
    slot_unref(e, slot);
}

/* ---- a URL ---- */

static void xfer_free(xfer *x)
{
    if (!x)
        return;
    free(x->task.path);
    pm3k__url_free(&x->url);
    free(x->host_key);
    pm3k__http_response_reset(x->resp);
    free(x->resp);
    free(x);
}

/* Parse the task's URL; a URL that does not parse is an invalid_url
 * finding. False only when memory runs out. */
static bool parse_url(xfer *x)
{
    pm3k_error err = {0};
    pm3k_code rc = pm3k__url_parse(x->task.path, PM3K__URL_ANY_SCHEME, &x->url, &err);
    if (rc == PM3K_ERR_PARSE) {
        x->invalid = true;
        snprintf(x->invalid_reason, sizeof x->invalid_reason, "%s", err.message);
        return true;
    }
    if (rc != PM3K_OK)
        return false;
    const char *port = x->url.port ? x->url.port : "-";
    size_t key_len = strlen(x->url.host) + strlen(port) + 2;
    x->host_key = malloc(key_len);
    if (!x->host_key)
        return false;
    snprintf(x->host_key, key_len, "%s:%s", x->url.host, port);
    for (char *p = x->host_key; *p; p++)
        *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
    pm3k__url_path_extension(x->url.path, x->ext, sizeof x->ext);
    return true;
}

/* The URL's item from what its requests saw (probe/urlcheck.c). */
static pm3k_item *build_item(const engine *e, const xfer *x, bool size_check)
{
    pm3k__url_seen seen = {
        .input = x->task.path,
        .url = x->invalid ? NULL : &x->url,
        .invalid_reason = x->invalid_reason,
        .ext = x->ext,
        .resp = x->fetched ? x->resp : NULL,
        .get = x->phase == PHASE_GET,
        .head_seen = x->head_seen,
        .head_status = x->head_status,
        .elapsed_ms = x->elapsed_ms,
    };
    return pm3k__url_verdict(e->config, e->has_domain ? e->domain : NULL, &seen, size_check);
}

/* The CA certificates cannot be loaded: no URL of the run can be checked,
 * so the run stops with a configuration error rather than an item each. */
static void config_failure(const engine *e, const char *reason)
{
    pm3k_error err = {0};
    pm3k__http_config_error(&e->config->http, reason, &err);
    pm3k__lane_fail(e->lane, err.code, err.message);
}

/* ---- --deep, on a pool of its own ---- */

static bool deep_stopping(void *lane)
{
    return pm3k__lane_stopping(lane);
}

/* Why --deep did not read the media, as a finding on the URL's own item. */
static void add_deep_outcome(const engine *e, const pm3k__deep_result *result, pm3k_item *item)
{
    switch (result->outcome) {
    case PM3K__DEEP_READ:
        break;
    case PM3K__DEEP_UNAVAILABLE:
        pm3k_item_add(item, PM3K_RULE_DEEP_UNAVAILABLE, "reason", result->reason, PM3K_END);
        break;
    case PM3K__DEEP_CONFIG:
        config_failure(e, result->reason);
        pm3k_item_add(item, PM3K_RULE_FETCH_ERROR, "reason", result->reason, "fix",
                      pm3k__rule_fix(PM3K__FIX_FETCH_DEFINITE), PM3K_END);
        break;
    case PM3K__DEEP_TRANSIENT:
    case PM3K__DEEP_STOPPED:
        pm3k_item_add(item, PM3K_RULE_FETCH_ERROR_TRANSIENT, "reason", result->reason, PM3K_END);
        break;
    }
}

static pm3k_item *deep_item(engine *e, CURL *easy, const xfer *x)
{
    pm3k__deep_result result = {.outcome = PM3K__DEEP_TRANSIENT};
    pm3k_probe_config config = *e->config;
    int64_t length = -1;
    char reason[8];

    config.limits = pm3k__url_limits(e->config, x->url.host);
    if (pm3k__http_content_length(x->resp, &length, reason, sizeof reason) !=
        PM3K__HTTP_LENGTH_VALID)
        length = -1;
    /* A file the URL checks already found too large is not read at all. */
    pm3k_item *item = build_item(e, x, true);
    if (!item)
        return NULL;
    if (pm3k_item_find(item, "too_large") || pm3k_item_find(item, "image_too_large")) {
        pm3k_item_fact_int(item, "bytes_read", 0);
        pm3k_item_fact_int(item, "range_requests", 0);
        return item;
    }
    /* Otherwise the video/image rules check the size themselves, as for a
     * file. */
    pm3k_item_free(item);
    if (!(item = build_item(e, x, false)))
        return NULL;
    if (pm3k__lane_stopping(e->lane)) {
        result.outcome = PM3K__DEEP_STOPPED;
        snprintf(result.reason, sizeof result.reason, "the run stopped before --deep started");
    } else if (!easy) {
        snprintf(result.reason, sizeof result.reason, "--deep cannot start libcurl");
    } else {
        pm3k__deep_probe(&config, easy, &e->http, x->url.text, x->ext, length, deep_stopping,
                         e->lane, item, &result);
    }
    if (result.outcome != PM3K__DEEP_READ) {
        /* The media checks saw a broken read, not the media: drop them. The
         * URL's own verdict (HEAD/GET) stands. */
        pm3k_item_free(item);
        item = build_item(e, x, true);
    }
    if (item) {
        add_deep_outcome(e, &result, item);
        pm3k_item_fact_int(item, "bytes_read", result.bytes_fetched);
        pm3k_item_fact_int(item, "range_requests", result.requests);
    }
    return item;
}

/* The pool's callbacks: take a URL (with a handle, when one is idle),
 * probe it, give the handle back and let the loop count the URL done. */
static void *deep_take(void *userdata)
{
    engine *e = userdata;
    deep_queue *q = &e->deep;
    xfer *x = q->head;
    if (!x)
        return NULL;
    q->head = x->next;
    if (!q->head)
        q->tail = NULL;
    q->queued--;
    x->deep_easy = q->idle_count > 0 ? q->idle[--q->idle_count] : NULL;
    return x;
}

static void deep_process(void *userdata, void *item)
{
    engine *e = userdata;
    xfer *x = item;
    if (!x->deep_easy)
        x->deep_easy = pm3k__http_handle_new(&e->http, NULL);
    pm3k__lane_complete(e->lane, &x->task, deep_item(e, x->deep_easy, x));
}

static void deep_give_back(void *userdata, void *item)
{
    engine *e = userdata;
    deep_queue *q = &e->deep;
    xfer *x = item;
    if (x->deep_easy && q->idle_count < DEEP_THREADS_MAX)
        q->idle[q->idle_count++] = x->deep_easy;
    else
        curl_easy_cleanup(x->deep_easy);
    xfer_free(x);
    q->outstanding--;
    curl_multi_wakeup(e->multi);
}

static bool deep_open(engine *e, pm3k_error *err)
{
    static const pm3k__pool_ops ops = {deep_take, deep_process, deep_give_back};
    int threads = e->config->jobs * 2;
    threads = threads < DEEP_THREADS_MIN   ? DEEP_THREADS_MIN
              : threads > DEEP_THREADS_MAX ? DEEP_THREADS_MAX
                                           : threads;
    pthread_mutex_init(&e->deep.mu, NULL);
    if (pm3k__pool_new(&e->deep.mu, threads, &ops, e, &e->deep.pool, err) != PM3K_OK) {
        pthread_mutex_destroy(&e->deep.mu);
        return false;
    }
    e->deep_ready = true;
    return true;
}

static size_t deep_outstanding(engine *e)
{
    if (!e->deep_ready)
        return 0;
    pthread_mutex_lock(&e->deep.mu);
    size_t n = e->deep.outstanding;
    pthread_mutex_unlock(&e->deep.mu);
    return n;
}

/* Queue x for a deep probe; false when no thread could run it. */
static bool deep_submit(engine *e, xfer *x)
{
    deep_queue *q = &e->deep;
    pthread_mutex_lock(&q->mu);
    x->next = NULL;
    if (q->tail)
        q->tail->next = x;
    else
        q->head = x;
    q->tail = x;
    q->queued++;
    q->outstanding++;
    bool queued = pm3k__pool_signal(q->pool, q->queued);
    if (!queued) {
        /* No thread at all: x is the only URL queued. */
        q->head = q->tail = NULL;
        q->queued = 0;
        q->outstanding--;
    }
    pthread_mutex_unlock(&q->mu);
    return queued;
}

/* Waits for the probes still queued or running (they see a stop
 * themselves, deep_stopping, and give up). */
static void deep_close(engine *e)
{
    if (!e->deep_ready)
        return;
    pm3k__pool_free(e->deep.pool);
    for (size_t i = 0; i < e->deep.idle_count; i++)
        curl_easy_cleanup(e->deep.idle[i]);
    pthread_mutex_destroy(&e->deep.mu);
    e->deep_ready = false;
}

/* ---- the loop ---- */

static void finish(engine *e, xfer *x)
{
    host_unref(e, x);
    pm3k_item *item = build_item(e, x, true);
    pm3k__lane_complete(e->lane, &x->task, item);
    xfer_free(x);
}

/* A task that cannot even be started (out of memory, libcurl refused). */
static void finish_broken(engine *e, xfer *x, const char *why)
{
    host_unref(e, x);
    pm3k_item *item = pm3k_item_new(PM3K_KIND_URL, x->task.path);
    if (item)
        pm3k_item_add(item, PM3K_RULE_FETCH_ERROR_TRANSIENT, "reason", why, PM3K_END);
    pm3k__lane_complete(e->lane, &x->task, item);
    xfer_free(x);
}

/* A URL of a host that stopped answering: not tried. */
static void finish_stalled(engine *e, xfer *x)
{
    char why[PM3K_ERROR_MESSAGE_MAX];
    snprintf(why, sizeof why,
             "host %s stopped answering: %d requests in a row timed out, so this URL was not "
             "tried",
             x->slot->key, HOST_STALL_TIMEOUTS);
    host_unref(e, x);
    pm3k_item *item = build_item(e, x, true);
    if (item)
        pm3k_item_add(item, PM3K_RULE_FETCH_ERROR_TRANSIENT, "reason", why, PM3K_END);
    pm3k__lane_complete(e->lane, &x->task, item);
    xfer_free(x);
}

static void accept_task(engine *e, pm3k__task *task)
{
    xfer *x = calloc(1, sizeof *x);
    if (!x) {
        pm3k__lane_complete(e->lane, task, NULL);
        return;
    }
    x->task = *task;
    if (!parse_url(x)) {
        pm3k__lane_complete(e->lane, &x->task, NULL);
        xfer_free(x);
        return;
    }
    /* A URL the rules reject before fetching is never contacted. */
    if (x->invalid || !pm3k__url_fetchable(e->has_domain ? e->domain : NULL, &x->url)) {
        finish(e, x);
        return;
    }
    x->phase = e->config->force_get ? PHASE_GET : PHASE_HEAD;
    if (!(x->slot = host_ref(e, x->host_key))) {
        finish_broken(e, x, "out of memory");
        return;
    }
    if (x->slot->cut_off) {
        finish_stalled(e, x);
        return;
    }
    if (e->wait_tail)
        e->wait_tail->next = x;
    else
        e->wait_head = x;
    e->wait_tail = x;
    e->waiting++;
}

static void release_easy(engine *e, xfer *x)
{
    if (!x->easy)
        return;
    if (e->idle_count < MAX_TOTAL_CONNECTIONS)
        e->idle[e->idle_count++] = x->easy;
    else
        curl_easy_cleanup(x->easy);
    x->easy = NULL;
}

static int64_t ms_since(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)(now.tv_sec - t->tv_sec) * 1000 + (now.tv_nsec - t->tv_nsec) / 1000000;
}

/* The request for x's phase, on its handle, into the multi handle. */
static bool add_request(engine *e, xfer *x)
{
    pm3k_error err = {0};
    pm3k__http_request req = {
        .method = x->phase == PHASE_HEAD ? PM3K__HTTP_HEAD : PM3K__HTTP_GET,
        .url = x->url.text,
        .abort_after_headers = x->phase == PHASE_GET,
    };
    if (x->head_seen) {
        /* --timeout is per URL: the GET after a HEAD gets what is left. */
        int64_t left = e->http.timeout_ms - ms_since(&x->start);
        req.timeout_ms = (long)(left > 1 ? left : 1);
    }
    if (pm3k__http_prepare(x->easy, &e->http, &req, x->resp, &err) != PM3K_OK)
        return false;
    curl_easy_setopt(x->easy, CURLOPT_PRIVATE, x);
    return curl_multi_add_handle(e->multi, x->easy) == CURLM_OK;
}

static void running_add(engine *e, xfer *x)
{
    x->run_prev = NULL;
    x->run_next = e->running;
    if (e->running)
        e->running->run_prev = x;
    e->running = x;
}

static void running_remove(engine *e, xfer *x)
{
    if (x->run_prev)
        x->run_prev->run_next = x->run_next;
    else
        e->running = x->run_next;
    if (x->run_next)
        x->run_next->run_prev = x->run_prev;
    x->run_prev = x->run_next = NULL;
}

/* A handle for the next transfer: an idle one, else a new one sharing the
 * engine's TLS sessions. */
static CURL *take_easy(engine *e)
{
    if (e->idle_count > 0)
        return e->idle[--e->idle_count];
    CURL *easy = pm3k__http_handle_new(&e->http, NULL);
    if (easy && e->share)
        curl_easy_setopt(easy, CURLOPT_SHARE, e->share);
    return easy;
}

static void start(engine *e, xfer *x)
{
    x->fetched = true;
    clock_gettime(CLOCK_MONOTONIC, &x->start);
    x->easy = take_easy(e);
    if (!x->resp)
        x->resp = calloc(1, sizeof *x->resp);
    if (!x->easy || !x->resp || !add_request(e, x)) {
        /* Half set up: never back to the pool. */
        curl_easy_cleanup(x->easy);
        x->easy = NULL;
        finish_broken(e, x, "cannot start the request (out of memory or libcurl refused)");
        return;
    }
    x->slot->active++;
    e->active++;
    running_add(e, x);
}

/* Hosts with URLs waiting and room for another transfer. */
static size_t hosts_with_room(const engine *e)
{
    size_t n = 0;
    for (size_t i = 0; i < e->host_count; i++) {
        const host_slot *h = e->hosts[i];
        if (h->refs > h->active && h->active < MAX_HOST_CONNECTIONS)
            n++;
    }
    return n;
}

/* Start waiting URLs whose host has room, in input order. The scan ends as
 * soon as no host with waiting URLs has room, so a long queue for one busy
 * host costs nothing. */
/* Take x (after prev, or the head) out of the wait list. */
static void unlink_waiting(engine *e, xfer *prev, xfer *x)
{
    if (prev)
        prev->next = x->next;
    else
        e->wait_head = x->next;
    if (e->wait_tail == x)
        e->wait_tail = prev;
    x->next = NULL;
    e->waiting--;
}

static void start_waiting(engine *e)
{
    xfer *prev = NULL, *x = e->wait_head;
    size_t room = hosts_with_room(e);
    while (x && room > 0 && e->active < MAX_TOTAL_CONNECTIONS) {
        xfer *next = x->next;
        host_slot *slot = x->slot;
        if (slot->active >= MAX_HOST_CONNECTIONS) {
            prev = x;
            x = next;
            continue;
        }
        unlink_waiting(e, prev, x);
        /* slot may be gone after start() when the start failed. */
        bool host_done = slot->refs - slot->active == 1 || slot->active + 1 >= MAX_HOST_CONNECTIONS;
        start(e, x);
        if (host_done)
            room--;
        x = next;
    }
}

/* Does a HEAD answer leave the decision to a GET? */
static bool head_needs_get(const xfer *x)
{
    long s = x->resp->status;
    int64_t length;
    char reason[8];
    if (x->resp->result.code != CURLE_OK)
        return false;
    if ((s >= 400 && s < 500) || s == 501)
        return true;
    return s >= 200 && s < 300 &&
           pm3k__http_content_length(x->resp, &length, reason, sizeof reason) !=
               PM3K__HTTP_LENGTH_VALID;
}

/* After a HEAD that did not decide: the GET, on the same handle. False
 * when it could not be started (the HEAD's answer then stands, failed). */
static bool follow_with_get(engine *e, xfer *x)
{
    x->head_seen = true;
    x->head_status = x->resp->status;
    x->phase = PHASE_GET;
    if (add_request(e, x))
        return true;
    pm3k__http_conclude(x->resp, CURLE_FAILED_INIT);
    curl_easy_cleanup(x->easy);
    x->easy = NULL;
    return false;
}

static bool time_before(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* Fail every URL of slot still waiting, at once (the host is cut off). */
static void drop_waiting(engine *e, host_slot *slot)
{
    xfer *prev = NULL, *x = e->wait_head;
    slot->refs++; /* it stays while the list is walked */
    while (x) {
        xfer *next = x->next;
        if (x->slot != slot) {
            prev = x;
            x = next;
            continue;
        }
        unlink_waiting(e, prev, x);
        finish_stalled(e, x);
        x = next;
    }
    slot_unref(e, slot);
}

/* What x's transfer says about its host: an answer of any kind (a status,
 * a refusal, a TLS failure) shows it is alive; a timeout with no answer
 * from the host since x began counts toward cutting it off. */
static void note_host(engine *e, xfer *x)
{
    host_slot *slot = x->slot;
    struct timespec now;
    if (x->resp->result.code != CURLE_OPERATION_TIMEDOUT) {
        slot->timeouts_in_row = 0;
        clock_gettime(CLOCK_MONOTONIC, &now);
        slot->last_answer = now;
        slot->answered = true;
        return;
    }
    if (slot->answered && time_before(&x->start, &slot->last_answer))
        return; /* it answered others meanwhile: this URL is slow, not the host */
    if (++slot->timeouts_in_row >= HOST_STALL_TIMEOUTS && !slot->cut_off) {
        slot->cut_off = true;
        drop_waiting(e, slot);
    }
}

static void on_done(engine *e, xfer *x, CURLcode code)
{
    pm3k__http_finish(x->easy, code, x->resp);
    if (x->phase == PHASE_HEAD && head_needs_get(x) && follow_with_get(e, x))
        return;
    note_host(e, x);
    running_remove(e, x);
    x->slot->active--;
    host_unref(e, x);
    e->active--;
    release_easy(e, x);
    x->elapsed_ms = ms_since(&x->start);
    pm3k__http_verdict verdict = x->resp->result.verdict;
    if (verdict == PM3K__HTTP_CONFIG)
        config_failure(e, x->resp->result.reason);
    if (e->config->deep && e->deep_ready && verdict == PM3K__HTTP_OK && deep_submit(e, x))
        return;
    finish(e, x);
}

static void collect_done(engine *e)
{
    CURLMsg *msg;
    int queued;
    while ((msg = curl_multi_info_read(e->multi, &queued))) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        CURL *easy = msg->easy_handle;
        CURLcode code = msg->data.result;
        xfer *x = NULL;
        curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&x);
        curl_multi_remove_handle(e->multi, easy);
        if (x)
            on_done(e, x, code);
    }
}

static size_t in_flight(engine *e)
{
    return e->waiting + e->active + deep_outstanding(e);
}

static bool engine_init(engine *e, pm3k__lane *lane, pm3k_error *err)
{
    const pm3k_probe_config *config = pm3k__lane_config(lane);
    e->lane = lane;
    e->config = config;
    if (config->domain) {
        if (!pm3k__domain_host(config->domain, e->domain, sizeof e->domain)) {
            char shown[PM3K_ERROR_MESSAGE_MAX / 2];
            pm3k__redact_url(config->domain, shown, sizeof shown);
            pm3k_error_set(err, PM3K_ERR_INVALID_ARG, "--domain '%s' is not a host name", shown);
            return false;
        }
        e->has_domain = true;
    }
    if (pm3k__http_ctx_init(&e->http, &config->http, err) != PM3K_OK)
        return false;
    e->multi = curl_multi_init();
    if (!e->multi) {
        pm3k_error_set(err, PM3K_ERR_LIBRARY, "cannot start libcurl");
        return false;
    }
    curl_multi_setopt(e->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)MAX_HOST_CONNECTIONS);
    curl_multi_setopt(e->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)MAX_TOTAL_CONNECTIONS);
    curl_multi_setopt(e->multi, CURLMOPT_MAXCONNECTS, (long)MAX_TOTAL_CONNECTIONS);
    /* TLS sessions resumed across handles; only this thread uses the share. */
    e->share = curl_share_init();
    if (e->share)
        curl_share_setopt(e->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    if (config->deep && !deep_open(e, err))
        return false;
    pm3k__lane_set_notify(lane, on_lane_notify, e);
    return true;
}

static void engine_free(engine *e)
{
    /* First no one may wake the multi handle any more, then it goes. */
    if (e->lane)
        pm3k__lane_set_notify(e->lane, NULL, NULL);
    deep_close(e);
    for (size_t i = 0; i < e->idle_count; i++)
        curl_easy_cleanup(e->idle[i]);
    if (e->multi)
        curl_multi_cleanup(e->multi);
    if (e->share)
        curl_share_cleanup(e->share);
    for (size_t i = 0; i < e->host_count; i++) {
        free(e->hosts[i]->key);
        free(e->hosts[i]);
    }
    free(e->hosts);
    pm3k__http_ctx_free(&e->http);
}

/* Stopped early (the run is stopping): every URL still owned is completed
 * at once, its transfer cut off (the items are never shown). --deep probes
 * see the stop themselves (deep_stopping) and give up; deep_close waits
 * for them. */
static void abandon_all(engine *e)
{
    static const char why[] = "the run stopped before this URL was checked";
    while (e->running) {
        xfer *x = e->running;
        running_remove(e, x);
        curl_multi_remove_handle(e->multi, x->easy);
        curl_easy_cleanup(x->easy);
        x->easy = NULL;
        x->slot->active--;
        e->active--;
        finish_broken(e, x, why);
    }
    while (e->wait_head) {
        xfer *x = e->wait_head;
        e->wait_head = x->next;
        e->waiting--;
        finish_broken(e, x, why);
    }
    e->wait_tail = NULL;
}

/* Take what the lane has, start what the hosts allow, and drive the
 * transfers until the lane is finished or the run stops. */
static void run_loop(engine *e)
{
    pm3k__lane *lane = e->lane;
    pm3k__task task;
    for (;;) {
        /* A stopping run (the report cannot be written, or the CA
         * certificates cannot be loaded) waits for no transfer. */
        if (pm3k__lane_stopping(lane))
            break;
        while (in_flight(e) < MAX_IN_FLIGHT && pm3k__lane_pop(lane, &task, false))
            accept_task(e, &task);
        start_waiting(e);
        if (e->active == 0 && e->waiting == 0) {
            if (pm3k__lane_finished(lane))
                break; /* deep probes still running finish in deep_close */
            if (in_flight(e) < MAX_IN_FLIGHT) {
                /* Nothing to drive: sleep until a task comes. */
                if (pm3k__lane_pop(lane, &task, true))
                    accept_task(e, &task);
                continue;
            }
        }
        int running = 0;
        curl_multi_perform(e->multi, &running);
        collect_done(e);
        if (e->active == 0 && in_flight(e) < MAX_IN_FLIGHT)
            continue;
        /* A new task wakes the poll only when the loop would take it, and
         * only once (the next pop calls the wakeup off): a wakeup per task
         * would cost a system call and a thread switch each. */
        if (in_flight(e) < MAX_IN_FLIGHT && pm3k__lane_pop_or_notify(lane, &task)) {
            accept_task(e, &task);
            continue;
        }
        curl_multi_poll(e->multi, NULL, 0, POLL_MS, NULL);
    }
}

void pm3k__url_lane_main(pm3k__lane *lane)
{
    engine e = {0};
    pm3k_error err = {0};

    if (!engine_init(&e, lane, &err)) {
        /* No URL could be checked (the CA file cannot be read, no memory,
         * libcurl refused): the run stops with why, as for a bad option,
         * rather than a transient finding on every URL. */
        char message[PM3K_ERROR_MESSAGE_MAX + 32];
        snprintf(message, sizeof message, "cannot start the URL checks: %s", err.message);
        pm3k__lane_fail(lane, err.code != PM3K_OK ? err.code : PM3K_ERR_INTERNAL, message);
    } else {
        run_loop(&e);
        abandon_all(&e);
    }
    engine_free(&e);
}

/* ---- options ---- */

pm3k_code pm3k_url_options_check(const pm3k_probe_config *config, pm3k_error *err)
{
    char host[256], shown[PM3K_ERROR_MESSAGE_MAX / 2];
    if (config->domain && !pm3k__domain_host(config->domain, host, sizeof host)) {
        pm3k__redact_url(config->domain, shown, sizeof shown);
        return pm3k_error_set(err, PM3K_ERR_INVALID_ARG,
                              "--domain expects a host name such as media.example.com, not '%s'",
                              shown);
    }
    return pm3k_http_options_check(&config->http, err);
}
