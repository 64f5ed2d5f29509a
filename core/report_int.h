/* pm3k — report internals shared by the writers and checks (not public). */
#ifndef PM3K_CORE_REPORT_INT_H
#define PM3K_CORE_REPORT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "pm3k/report.h"

/* The facts object of an item (owned by the item). */
const cJSON *pm3k__item_facts(const pm3k_item *item);

/* A JSON value as text for people (strings unquoted; malloc'd). */
char *pm3k__json_value_text(const cJSON *value);
/* A number as printed in reports: "1080", "29.97". malloc'd. */
char *pm3k__format_number(double value);

/* Size in MB (10^6 bytes) as text for messages: "104.9", "0.010" under
 * 1 MB. buf >= 32 bytes. */
const char *pm3k__format_mb(int64_t bytes, char *buf, size_t buflen);

/* Fill a "{name}" template from (name, value) pairs, then from the item's
 * limits (pm3k_item_set_limits), then from {path} and the facts. */
char *pm3k__render_template(const pm3k_item *item, const char *tmpl, const char *const *pairs,
                            size_t pair_count);

/* pm3k_item_add with the pairs as an array (pairs[2i] name, pairs[2i+1] value). */
pm3k_code pm3k__item_add_pairs(pm3k_item *item, pm3k_rule_id rule, const char *const *pairs,
                               size_t pair_count);

/* A finding whose message and hint are already rendered (an item read
 * back from a report or from the result cache). Copies both. */
pm3k_code pm3k__item_add_rendered(pm3k_item *item, const pm3k_rule *rule, const char *message,
                                  const char *hint, bool ignored);
/* Replace the item's facts with this object (ownership passes). */
void pm3k__item_set_facts(pm3k_item *item, cJSON *facts);
/* An allocation failed while the item was filled: it is not the whole
 * answer (and must not be cached). */
bool pm3k__item_incomplete(const pm3k_item *item);

/* An item from its report JSON object (docs/report-schema.md): path (or the
 * bytes of path_b64), input, kind, facts, findings (each finding's rule found
 * by code, severity and predicts). With path != NULL that path is used
 * instead. The facts are moved out of obj into the item, not copied.
 * PM3K_ERR_PARSE when the object is not an item of this schema. */
pm3k_code pm3k__item_from_cjson(cJSON *obj, const char *path, pm3k_item **out, pm3k_error *err);

/* The item as its report JSON object (path, kind, status, facts, findings). */
cJSON *pm3k__item_to_json(const pm3k_item *item);

/* Put other, as its report JSON object, in item's facts under key (pm3k
 * fix: the output's probe item). */
pm3k_code pm3k__item_fact_item(pm3k_item *item, const char *key, const pm3k_item *other);

#endif
