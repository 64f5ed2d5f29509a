/* TEMPORARY seam until probe/url.c lands (URL preflight issue). */
#include "probe/lane.h"

void pm3k__url_lane_main(pm3k__lane *lane)
{
    pm3k__task task;
    while (pm3k__lane_pop(lane, &task, true)) {
        pm3k_item *item = pm3k_item_new(PM3K_KIND_URL, task.path);
        if (item)
            pm3k_item_add(item, PM3K_RULE_URL_FETCH_TRANSIENT, "reason", "URL checks not built yet",
                          NULL);
        pm3k__lane_complete(lane, &task, item);
    }
}
