/* pm3k — the RFC 8259 grammar, exactly as JavaScript's JSON.parse applies
 * it to a body that Node decoded from UTF-8 (internal).
 *
 * cJSON builds the tree the lint reads, but it is more lenient than
 * JSON.parse: it takes "01", "2." and "2.e3", every byte <= 0x20 between
 * tokens (form feed and NUL too), and skips a UTF-8 byte order mark. PM3K
 * parses with JSON.parse, so this scan decides whether a body is JSON at all.
 * It is one bounded forward pass with an explicit stack (no recursion, so any
 * nesting depth is fine, as in V8), reading each byte once.
 *
 * Inside strings any byte >= 0x20 is taken: Node's decoder turns invalid
 * UTF-8 into U+FFFD, which JSON.parse accepts. Escapes are checked for their
 * form only (\u0000 and lone surrogates are valid JSON; the lint warns about
 * them elsewhere). Covered by tests/fuzz/fuzz_json_grammar.c and, against
 * node itself, by tests/scripts/test_json_grammar.sh. */
#ifndef PM3K_PAYLOAD_GRAMMAR_H
#define PM3K_PAYLOAD_GRAMMAR_H

#include <stdbool.h>
#include <stddef.h>

typedef struct pm3k__grammar_result {
    bool valid;
    size_t offset; /* where the first error is (byte offset), when not valid */
    /* at_byte: the byte at offset cannot stand there, and reason says where
     * it stands ("after the JSON value"): a finding names the byte first
     * ("unexpected 'x' after the JSON value"). Otherwise reason is the
     * whole explanation ("an unterminated string"). */
    bool at_byte;
    const char *reason;
    const char *hint; /* what the byte probably means ("a trailing comma"), or NULL */
    size_t max_depth; /* deepest nesting of objects and arrays seen */
} pm3k__grammar_result;

/* Scan body[0..len). Returns false only when memory for the nesting stack
 * runs out (result->valid is then false with that reason). */
bool pm3k__json_grammar(const char *body, size_t len, pm3k__grammar_result *result);

#endif
