/* libFuzzer target for payload/grammar.c: the scan stays in bounds on any
 * bytes, and what it calls valid JSON cJSON can build (up to cJSON's nesting
 * limit, and but for lone surrogate escapes, which cJSON refuses and
 * JSON.parse keeps: the lint replaces those before cJSON sees them). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "payload/grammar.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int hex(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool has_surrogate_escape(const uint8_t *data, size_t size)
{
    for (size_t i = 0; i + 3 < size; i++)
        if (data[i] == '\\' && data[i + 1] == 'u' && (data[i + 2] == 'd' || data[i + 2] == 'D') &&
            hex(data[i + 3]) >= 8)
            return true;
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pm3k__grammar_result r;
    if (!pm3k__json_grammar((const char *)data, size, &r))
        return 0;
    if (!r.valid) {
        if (!r.reason || r.offset > size)
            __builtin_trap();
        return 0;
    }
    if (r.max_depth >= CJSON_NESTING_LIMIT || has_surrogate_escape(data, size))
        return 0;
    char *copy = malloc(size + 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    copy[size] = '\0';
    const char *end = NULL;
    cJSON *tree = cJSON_ParseWithLengthOpts(copy, size + 1, &end, 1);
    if (!tree)
        __builtin_trap();
    cJSON_Delete(tree);
    free(copy);
    return 0;
}
