/* libFuzzer target for payload/grammar.c and what the lint builds on it:
 * the scan stays in bounds on any bytes, and its verdict is the lint's. A
 * body the grammar calls valid JSON is always built into a tree (cJSON on
 * the copy payload/scan.c prepares: nesting past cJSON's limit, numbers
 * past its buffer, lone surrogate escapes), so the lint never says
 * invalid_json of a body JSON.parse accepts; a body the grammar refuses is
 * never JSON to the lint. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "payload/grammar.h"
#include "payload/payload_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pm3k__grammar_result r;
    const char *body = (const char *)data;
    if (!pm3k__json_grammar(body, size, &r))
        return 0;
    if (!r.valid && (!r.reason || r.offset > size || (r.at_byte && r.offset >= size)))
        __builtin_trap();
    pm3k__parsed parsed;
    pm3k_code rc = pm3k__payload_parse(body, size, &parsed);
    if (rc == PM3K_ERR_NOMEM)
        return 0;
    if (rc != PM3K_OK)
        __builtin_trap(); /* the tree and the body disagree: a bug */
    if (r.valid && parsed.kind != PM3K__BODY_JSON)
        __builtin_trap();
    if (!r.valid && parsed.kind == PM3K__BODY_JSON)
        __builtin_trap();
    if (parsed.kind == PM3K__BODY_INVALID && parsed.error_offset != r.offset)
        __builtin_trap();
    if (r.valid && parsed.scan.depth != r.max_depth)
        __builtin_trap();
    pm3k__parsed_free(&parsed);
    return 0;
}
