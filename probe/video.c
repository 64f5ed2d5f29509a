/* TEMPORARY seam until probe/video.c lands (foundation issue). */
#include "probe/probe_int.h"

void pm3k__probe_video(const pm3k_probe_config *config, pm3k__source *src,
                       const pm3k__sniff *sniff, pm3k_item *item)
{
    pm3k_item_add(item, PM3K_RULE_VIDEO_UNREADABLE, "reason", "video checks not built yet", NULL);
}
