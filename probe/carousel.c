/* pm3k — the carousel rules of a --photo run: how many images, and which
 * one is the cover. */
#include <stdio.h>

#include "probe/carousel.h"

pm3k_item *pm3k__carousel_item(const pm3k_probe_config *config, uint64_t images)
{
    const pm3k_limits *l = &config->limits;
    char last[32];
    pm3k_item *item = pm3k_item_new(PM3K_KIND_CAROUSEL, "carousel");
    if (!item)
        return NULL;
    pm3k_item_set_limits(item, l);
    snprintf(last, sizeof last, "%lld", (long long)images - 1);
    pm3k_item_fact_int(item, "images", (int64_t)images);
    pm3k_item_fact_int(item, "cover_index", config->cover_index);
    if (images < (uint64_t)l->min_images)
        pm3k_item_add(item, PM3K_RULE_TOO_FEW_IMAGES_CAROUSEL, PM3K_END);
    if (images > (uint64_t)l->max_images)
        pm3k_item_add(item, PM3K_RULE_TOO_MANY_IMAGES_CAROUSEL, PM3K_END);
    if (images > 0 && (config->cover_index < 0 || (uint64_t)config->cover_index >= images))
        pm3k_item_add(item, PM3K_RULE_COVER_OUT_OF_RANGE_CAROUSEL, "last_index", last, PM3K_END);
    return item;
}
