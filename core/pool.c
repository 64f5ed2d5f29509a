/* pm3k — the one thread pool. See core/pool.h. */
#include <stdlib.h>

#include "core/pool.h"

struct pm3k__pool {
    pthread_mutex_t *lock; /* the owner's */
    pthread_cond_t wake;   /* an item may be waiting, or the pool ends */
    pm3k__pool_ops ops;
    void *userdata;
    pthread_t *threads;
    int thread_count, thread_max;
    int busy;     /* workers between take and give_back */
    int sleeping; /* workers waiting on wake */
    bool closing;
};

static void *worker_main(void *arg)
{
    pm3k__pool *pool = arg;
    pthread_mutex_lock(pool->lock);
    for (;;) {
        void *item = pool->ops.take(pool->userdata);
        if (item) {
            pool->busy++;
            pthread_mutex_unlock(pool->lock);
            pool->ops.process(pool->userdata, item);
            pthread_mutex_lock(pool->lock);
            pool->busy--;
            if (pool->ops.give_back)
                pool->ops.give_back(pool->userdata, item);
            continue;
        }
        if (pool->closing)
            break;
        pool->sleeping++;
        pthread_cond_wait(&pool->wake, pool->lock);
        pool->sleeping--;
    }
    pthread_mutex_unlock(pool->lock);
    return NULL;
}

pm3k_code pm3k__pool_new(pthread_mutex_t *lock, int max_threads, const pm3k__pool_ops *ops,
                         void *userdata, pm3k__pool **out, pm3k_error *err)
{
    pm3k__pool *pool = calloc(1, sizeof *pool);
    *out = NULL;
    if (!pool || max_threads < 1 ||
        !(pool->threads = calloc((size_t)max_threads, sizeof *pool->threads))) {
        free(pool);
        return pm3k_error_set(err, max_threads < 1 ? PM3K_ERR_INTERNAL : PM3K_ERR_NOMEM,
                              max_threads < 1 ? "a pool needs a thread" : "out of memory");
    }
    if (pthread_cond_init(&pool->wake, NULL) != 0) {
        free(pool->threads);
        free(pool);
        return pm3k_error_set(err, PM3K_ERR_INTERNAL, "cannot set up a thread pool");
    }
    pool->lock = lock;
    pool->ops = *ops;
    pool->userdata = userdata;
    pool->thread_max = max_threads;
    *out = pool;
    return PM3K_OK;
}

bool pm3k__pool_signal(pm3k__pool *pool, size_t waiting)
{
    /* Workers neither busy nor asleep are about to take: they count as free. */
    size_t free_workers = (size_t)(pool->thread_count - pool->busy);
    while (pool->thread_count < pool->thread_max && waiting > free_workers) {
        if (pthread_create(&pool->threads[pool->thread_count], NULL, worker_main, pool) != 0)
            break;
        pool->thread_count++;
        free_workers++;
    }
    size_t wake = waiting < (size_t)pool->sleeping ? waiting : (size_t)pool->sleeping;
    for (size_t i = 0; i < wake; i++)
        pthread_cond_signal(&pool->wake);
    return pool->thread_count > 0;
}

void pm3k__pool_free(pm3k__pool *pool)
{
    if (!pool)
        return;
    pthread_mutex_lock(pool->lock);
    pool->closing = true;
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(pool->lock);
    for (int i = 0; i < pool->thread_count; i++)
        pthread_join(pool->threads[i], NULL);
    pthread_cond_destroy(&pool->wake);
    free(pool->threads);
    free(pool);
}
