/* pm3k — threads (internal): every thread pm3k starts is a worker of a
 * pool, and this is the only file that calls pthread_create. Shaped after
 * curl's lib/thrdpool.h: a worker takes an item, processes it, returns it.
 *
 * The pool keeps no queue of its own and no lock of its own: its owner
 * gives the lock that guards the owner's queue, and take and give_back run
 * with that lock held, so the owner's state has one lock, not two. Threads
 * start when there is work for them (pm3k__pool_signal), up to a maximum,
 * and stay until the pool is freed. */
#ifndef PM3K_CORE_POOL_H
#define PM3K_CORE_POOL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "pm3k/error.h"

typedef struct pm3k__pool pm3k__pool;

typedef struct pm3k__pool_ops {
    /* With the lock held: the next item to process, or NULL when there is
     * none now (the worker then sleeps until a signal or the pool's end). */
    void *(*take)(void *userdata);
    /* Without the lock: the work. */
    void (*process)(void *userdata, void *item);
    /* With the lock held: item is processed (may be NULL: nothing to do). */
    void (*give_back)(void *userdata, void *item);
} pm3k__pool_ops;

/* A pool of at most max_threads workers (none started yet) whose callbacks
 * run under lock (the owner's mutex, which must outlive the pool). */
pm3k_code pm3k__pool_new(pthread_mutex_t *lock, int max_threads, const pm3k__pool_ops *ops,
                         void *userdata, pm3k__pool **out, pm3k_error *err);

/* With the lock held: waiting items can be taken now. Wakes sleeping
 * workers, and starts new ones (up to the maximum) while there are more
 * waiting items than workers free to take them. False when the pool has
 * no worker at all and none could be started. */
bool pm3k__pool_signal(pm3k__pool *pool, size_t waiting);

/* Without the lock: every worker takes until take gives NULL, then ends;
 * waits for them all and frees the pool. NULL is fine. */
void pm3k__pool_free(pm3k__pool *pool);

#endif
