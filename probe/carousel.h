/* pm3k — the carousel item of a --photo run (internal, probe/carousel.c). */
#ifndef PM3K_PROBE_CAROUSEL_H
#define PM3K_PROBE_CAROUSEL_H

#include <stdint.h>

#include "pm3k/probe.h"
#include "pm3k/report.h"

/* The item for the whole photo post: its image count and cover index
 * against the limits. NULL when memory runs out. */
pm3k_item *pm3k__carousel_item(const pm3k_probe_config *config, uint64_t images);

#endif
