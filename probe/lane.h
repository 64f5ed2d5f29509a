/* pm3k — lanes: how a batch hands tasks to the code that checks them and
 * gets items back (internal). Local files go to the files lane, checked by
 * a pool of worker threads; URLs go to the URL lane, served by the libcurl
 * multi engine (probe/url.c) on a thread of its own. */
#ifndef PM3K_PROBE_LANE_H
#define PM3K_PROBE_LANE_H

#include <stdbool.h>
#include <stdint.h>

#include "pm3k/probe.h"
#include "pm3k/report.h"

typedef struct pm3k__task {
    uint64_t index; /* position in the report */
    int64_t input;  /* position among the inputs (each argument, each list line) */
    char *path;     /* owned by the task: the input exactly as given */
    int errnum;     /* != 0: a folder that could not be listed */
    /* A walked or listed file whose name does not make it media (an
     * extension not listed, or one TypeScript shares): content that is not
     * media is skipped, not an item. */
    bool content_decides;
} pm3k__task;

typedef struct pm3k__lane pm3k__lane;

/* Take the next task. With wait, blocks until one is queued or the lane is
 * finished; without, returns at once. Returns false when no task was taken.
 * Either way a notify asked for by pm3k__lane_pop_or_notify is called off. */
bool pm3k__lane_pop(pm3k__lane *lane, pm3k__task *task, bool wait);
/* For an event loop about to sleep: take the next task, or, when there is
 * none, have the notify hook called once when one is queued or the lane
 * finishes. Asking and looking happen under one lock, so no task slips in
 * between unnoticed. */
bool pm3k__lane_pop_or_notify(pm3k__lane *lane, pm3k__task *task);
/* No task queued and none will come (or the run is stopping). */
bool pm3k__lane_finished(pm3k__lane *lane);
/* The run is stopping (the report cannot be written, or a lane failed it):
 * tasks already taken are to be completed at once, without checking them. */
bool pm3k__lane_stopping(pm3k__lane *lane);
/* Stop the whole run with an error that concerns every task, not one item
 * (a --cacert file the TLS library cannot load): the batch returns code and
 * message. Tasks taken are still completed. */
void pm3k__lane_fail(pm3k__lane *lane, pm3k_code code, const char *message);
/* Hand back the item for a task (ownership of item passes to the batch;
 * the task's path is freed). item == NULL means memory ran out. */
void pm3k__lane_complete(pm3k__lane *lane, pm3k__task *task, pm3k_item *item);
/* The hook pm3k__lane_pop_or_notify asks for (an event loop's wakeup). It
 * runs with the batch's lock held and must not call back into the lane; once
 * pm3k__lane_set_notify(lane, NULL, NULL) returns, it runs no more, so the
 * owner may free what it uses. */
void pm3k__lane_set_notify(pm3k__lane *lane, void (*notify)(void *), void *userdata);
const pm3k_probe_config *pm3k__lane_config(const pm3k__lane *lane);

/* The URL lane's main loop (probe/url.c): runs on its own thread until the
 * lane is finished, completing every task it pops. */
void pm3k__url_lane_main(pm3k__lane *lane);

/* Is this input a URL ("scheme://...")? */
bool pm3k__is_url(const char *text);

#endif
