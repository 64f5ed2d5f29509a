/* Unit tests for payload/grammar.c: JSON validity exactly as JSON.parse
 * decides it, class by class. With --judge it reads length-prefixed bodies
 * on stdin (4 bytes big-endian, then the bytes) and prints 1 or 0 for each:
 * tests/scripts/test_json_grammar.sh compares those verdicts with node's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "payload/grammar.h"

typedef struct verdict {
    const char *body;
    size_t len; /* 0: strlen(body) */
    int valid;
    size_t offset; /* of the error, when invalid */
} verdict;

#define V(body, valid, offset)                                                                     \
    {                                                                                              \
        body, sizeof body - 1, valid, offset                                                       \
    }

static void check_table(const verdict *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        pm3k__grammar_result r;
        assert_true(pm3k__json_grammar(rows[i].body, rows[i].len, &r));
        if (r.valid != (rows[i].valid != 0))
            fail_msg("%zu: %.*s: valid=%d, expected %d (%s at %zu)", i, (int)rows[i].len,
                     rows[i].body, r.valid, rows[i].valid, r.reason ? r.reason : "-", r.offset);
        if (!r.valid) {
            assert_non_null(r.reason);
            if (r.offset != rows[i].offset)
                fail_msg("%zu: %.*s: error at %zu, expected %zu (%s)", i, (int)rows[i].len,
                         rows[i].body, r.offset, rows[i].offset, r.reason);
        }
    }
}

static void numbers(void **state)
{
    (void)state;
    static const verdict rows[] = {
        V("0", 1, 0),
        V("-0", 1, 0),
        V("10", 1, 0),
        V("1.5", 1, 0),
        V("-1.5e-3", 1, 0),
        V("1E+9", 1, 0),
        V("0.0", 1, 0),
        V("01", 0, 0),
        V("-01", 0, 0),
        V("[00]", 0, 1),
        V("2.", 0, 2),
        V("2.e3", 0, 2),
        V("0.e1", 0, 2),
        V(".5", 0, 0),
        V("-", 0, 1),
        V("1e", 0, 2),
        V("1e+", 0, 3),
        V("+1", 0, 0),
        V("1.5.5", 0, 3),
        V("0x10", 0, 1),
        V("Infinity", 0, 0),
        V("NaN", 0, 0),
        V("-Infinity", 0, 1),
        V("1 2", 0, 2),
        V("123456789012345678901234567890", 1, 0),
        V("{\"a\":01}", 0, 5),
    };
    check_table(rows, sizeof rows / sizeof rows[0]);
}

static void whitespace_and_bom(void **state)
{
    (void)state;
    static const verdict rows[] = {
        V(" \t\r\n{}\n", 1, 0),
        V("\f{}", 0, 0),
        V("{}\f", 0, 2),
        V("{\"a\":\v1}", 0, 5),
        V("\xEF\xBB\xBF{}", 0, 0),
        V("{}\xEF\xBB\xBF", 0, 2),
        V("\xC2\xA0{}", 0, 0),
        V("", 0, 0),
        V("   ", 0, 3),
        V("{} {}", 0, 3),
        V("{}\0", 0, 2),
        V("\0{}", 0, 0),
    };
    check_table(rows, sizeof rows / sizeof rows[0]);
}

static void strings_and_escapes(void **state)
{
    (void)state;
    static const verdict rows[] = {
        V("\"\"", 1, 0),
        V("\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"", 1, 0),
        V("\"\\u0000\"", 1, 0),
        V("\"\\uD800\"", 1, 0),
        V("\"\\uDC00\\uD800\"", 1, 0),
        V("\"\\uABCDef\"", 1, 0),
        V("\"\\u12\"", 0, 1),
        V("\"\\uZZZZ\"", 0, 1),
        V("\"\\x41\"", 0, 1),
        V("\"\\'\"", 0, 1),
        V("\"a\nb\"", 0, 2),
        V("\"a\tb\"", 0, 2),
        V("\"\x7f\"", 1, 0),
        V("\"\xff\xfe invalid utf-8\"", 1, 0),
        V("\"\xE2\x82\"", 1, 0),
        V("\"open", 0, 0),
        V("\"a\\", 0, 0),
        V("'single'", 0, 0),
        V("{\"a\" \"b\"}", 0, 5),
        V("{a:1}", 0, 1),
        V("\"\0\"", 0, 1),
    };
    check_table(rows, sizeof rows / sizeof rows[0]);
}

static void structure(void **state)
{
    (void)state;
    static const verdict rows[] = {
        V("{}", 1, 0),
        V("[]", 1, 0),
        V("{\"a\":[1,{\"b\":null}]}", 1, 0),
        V("[1,]", 0, 3),
        V("[,1]", 0, 1),
        V("{\"a\":1,}", 0, 7),
        V("{,}", 0, 1),
        V("[1 2]", 0, 3),
        V("{\"a\":1 \"b\":2}", 0, 7),
        V("[", 0, 1),
        V("{", 0, 1),
        V("]", 0, 0),
        V("[}", 0, 1),
        V("{\"a\"}", 0, 4),
        V("{\"a\":}", 0, 5),
        V("true", 1, 0),
        V("nul", 0, 0),
        V("True", 0, 0),
        V("[true,false,null]", 1, 0),
        V("{\"a\":1}}", 0, 7),
        V("[]]", 0, 2),
    };
    check_table(rows, sizeof rows / sizeof rows[0]);
}

/* V8 parses any depth; so does the scan, with memory in proportion. */
static void deep_nesting(void **state)
{
    (void)state;
    size_t depth = 200000;
    char *body = malloc(2 * depth);
    assert_non_null(body);
    memset(body, '[', depth);
    memset(body + depth, ']', depth);
    pm3k__grammar_result r;
    assert_true(pm3k__json_grammar(body, 2 * depth, &r));
    assert_true(r.valid);
    assert_int_equal(r.max_depth, depth);
    body[2 * depth - 1] = '}';
    assert_true(pm3k__json_grammar(body, 2 * depth, &r));
    assert_false(r.valid);
    assert_int_equal(r.offset, 2 * depth - 1);
    free(body);
}

static int judge(void)
{
    unsigned char head[4];
    while (fread(head, 1, 4, stdin) == 4) {
        size_t len = (size_t)head[0] << 24 | (size_t)head[1] << 16 | (size_t)head[2] << 8 | head[3];
        char *body = malloc(len ? len : 1);
        if (!body || fread(body, 1, len, stdin) != len)
            return 2;
        pm3k__grammar_result r;
        if (!pm3k__json_grammar(body, len, &r))
            return 2;
        putchar(r.valid ? '1' : '0');
        free(body);
    }
    putchar('\n');
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--judge") == 0)
        return judge();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(numbers),
        cmocka_unit_test(whitespace_and_bom),
        cmocka_unit_test(strings_and_escapes),
        cmocka_unit_test(structure),
        cmocka_unit_test(deep_nesting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
