/* Unit tests for core/pool.c: every item taken is processed once and given
 * back, workers start only for waiting work and up to the maximum, and
 * freeing the pool drains what is still queued. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "core/pool.h"

#define ITEMS 500

/* The owner's side: a queue of item numbers under one lock. */
typedef struct owner {
    pthread_mutex_t mu;
    pthread_cond_t changed;
    int queue[ITEMS];
    size_t head, count;
    int processed[ITEMS]; /* by process, each slot by one worker */
    int given_back;
    pthread_t workers[8];
    int worker_count; /* distinct threads seen in process */
    int running, max_running;
    int hold_until; /* process waits until this many run at once */
} owner;

static void *take(void *userdata)
{
    owner *o = userdata;
    if (o->count == 0)
        return NULL;
    int *item = &o->queue[o->head];
    o->head++;
    o->count--;
    return item;
}

static void note_worker(owner *o)
{
    pthread_t self = pthread_self();
    for (int i = 0; i < o->worker_count; i++)
        if (pthread_equal(o->workers[i], self))
            return;
    if (o->worker_count < 8)
        o->workers[o->worker_count++] = self;
}

static void process(void *userdata, void *item)
{
    owner *o = userdata;
    struct timespec deadline;
    pthread_mutex_lock(&o->mu);
    note_worker(o);
    o->running++;
    if (o->running > o->max_running)
        o->max_running = o->running;
    pthread_cond_broadcast(&o->changed);
    /* Bounded: a pool that never runs enough workers fails the check
     * below, it does not hang the test. */
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 10;
    while (o->max_running < o->hold_until &&
           pthread_cond_timedwait(&o->changed, &o->mu, &deadline) == 0)
        ;
    o->running--;
    pthread_mutex_unlock(&o->mu);
    o->processed[*(int *)item]++;
}

static void give_back(void *userdata, void *item)
{
    owner *o = userdata;
    (void)item;
    o->given_back++;
}

static const pm3k__pool_ops ops = {take, process, give_back};

static void owner_init(owner *o)
{
    memset(o, 0, sizeof *o);
    pthread_mutex_init(&o->mu, NULL);
    pthread_cond_init(&o->changed, NULL);
}

static void owner_free(owner *o)
{
    pthread_cond_destroy(&o->changed);
    pthread_mutex_destroy(&o->mu);
}

/* Push n items, signalling after each as a producer does. */
static void push(owner *o, pm3k__pool *pool, int n)
{
    for (int i = 0; i < n; i++) {
        pthread_mutex_lock(&o->mu);
        o->queue[o->head + o->count] = (int)(o->head + o->count);
        o->count++;
        assert_true(pm3k__pool_signal(pool, o->count));
        pthread_mutex_unlock(&o->mu);
    }
}

static void each_item_once(void **state)
{
    owner o;
    pm3k__pool *pool = NULL;
    pm3k_error err = {0};
    owner_init(&o);
    assert_int_equal(pm3k__pool_new(&o.mu, 4, &ops, &o, &pool, &err), PM3K_OK);
    push(&o, pool, ITEMS);
    pm3k__pool_free(pool);
    for (int i = 0; i < ITEMS; i++)
        assert_int_equal(o.processed[i], 1);
    assert_int_equal(o.given_back, ITEMS);
    assert_true(o.worker_count >= 1 && o.worker_count <= 4);
    owner_free(&o);
}

/* With three items waiting and room for three workers, three run at once;
 * never more than the maximum. */
static void workers_up_to_max(void **state)
{
    owner o;
    pm3k__pool *pool = NULL;
    pm3k_error err = {0};
    owner_init(&o);
    o.hold_until = 3;
    assert_int_equal(pm3k__pool_new(&o.mu, 3, &ops, &o, &pool, &err), PM3K_OK);
    push(&o, pool, 3);
    pm3k__pool_free(pool);
    assert_int_equal(o.max_running, 3);
    assert_int_equal(o.worker_count, 3);
    owner_free(&o);

    owner_init(&o);
    assert_int_equal(pm3k__pool_new(&o.mu, 1, &ops, &o, &pool, &err), PM3K_OK);
    push(&o, pool, 2);
    pm3k__pool_free(pool);
    assert_int_equal(o.max_running, 1);
    assert_int_equal(o.worker_count, 1);
    assert_int_equal(o.given_back, 2);
    owner_free(&o);
}

/* No work, no thread: a pool that was never signalled starts none. */
static void no_work_no_thread(void **state)
{
    owner o;
    pm3k__pool *pool = NULL;
    pm3k_error err = {0};
    owner_init(&o);
    assert_int_equal(pm3k__pool_new(&o.mu, 4, &ops, &o, &pool, &err), PM3K_OK);
    pthread_mutex_lock(&o.mu);
    assert_false(pm3k__pool_signal(pool, 0)); /* no worker, none needed */
    pthread_mutex_unlock(&o.mu);
    pm3k__pool_free(pool);
    assert_int_equal(o.worker_count, 0);
    pm3k__pool_free(NULL);
    assert_int_equal(pm3k__pool_new(&o.mu, 0, &ops, &o, &pool, &err), PM3K_ERR_INTERNAL);
    assert_null(pool);
    owner_free(&o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(each_item_once),
        cmocka_unit_test(workers_up_to_max),
        cmocka_unit_test(no_work_no_thread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
