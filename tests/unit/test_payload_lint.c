/* Unit tests for payload/lint.c, body.c, scan.c, canon.c and build.c: the
 * rules, the parsing (cJSON positions and hints, duplicates, \u0000, lone
 * surrogates), the canonical form (--fix) and the builder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "payload/payload_int.h"
#include "pm3k/payload.h"

#define VIDEO_URL "https://files.pm3k.org/uploads/u/2026-11-26/clip.mp4"

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The item's finding codes, sorted, space-separated. */
static char *codes_of(const pm3k_item *item)
{
    static char out[1024];
    const char *codes[64];
    size_t n = pm3k_item_finding_count(item);
    assert_true(n <= 64);
    for (size_t i = 0; i < n; i++)
        codes[i] = pm3k_item_finding(item, i)->rule->code;
    qsort(codes, n, sizeof codes[0], cmp_str);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (i)
            strcat(out, " ");
        strcat(out, codes[i]);
    }
    return out;
}

static pm3k_item *lint_opts(const char *body, size_t len, const pm3k_payload_lint_options *opt)
{
    pm3k_item *item = NULL;
    pm3k_error err = {0};
    assert_int_equal(pm3k_payload_lint(body, len, opt, &item, &err), PM3K_OK);
    assert_non_null(item);
    assert_int_equal(pm3k_item_kind(item), PM3K_KIND_PAYLOAD);
    return item;
}

/* Lint and compare the sorted codes; returns the item for more checks
 * (free it), or NULL when `keep` is false. */
static pm3k_item *expect_codes(const char *body, const char *codes, bool keep)
{
    pm3k_item *item = lint_opts(body, strlen(body), NULL);
    if (strcmp(codes_of(item), codes) != 0)
        fail_msg("body %s\n  codes '%s', expected '%s'", body, codes_of(item), codes);
    if (keep)
        return item;
    pm3k_item_free(item);
    return NULL;
}

static const char *message_of(const pm3k_item *item, const char *code)
{
    const pm3k_finding *f = pm3k_item_find(item, code);
    assert_non_null(f);
    return f->message;
}

/* ---- parsing as JSON.parse ---- */

static void valid_bodies_pass(void **state)
{
    (void)state;
    expect_codes("{\"source_url\":\"" VIDEO_URL "\",\"privacy\":\"PUBLIC_TO_EVERYONE\"}", "",
                 false);
    expect_codes(" \t{\"source_url\":\"" VIDEO_URL "\",\"privacy\":\"SELF_ONLY\"} \r\n", "", false);
    pm3k_item *item =
        expect_codes("{\"media_type\":\"PHOTO\",\"photo_images\":[\"https://files.pm3k.org/a.jpg\","
                     "\"https://files.pm3k.org/b.webp\"],\"photo_cover_index\":1,"
                     "\"privacy\":\"FOLLOWER_OF_CREATOR\",\"title\":\"hi\"}",
                     "", true);
    assert_int_equal(pm3k_item_status(item), PM3K_STATUS_PASS);
    char *mode = pm3k_item_fact_text(item, "mode");
    assert_string_equal(mode, "photo");
    free(mode);
    int64_t images = 0;
    assert_true(pm3k_item_fact_get_int(item, "images", &images));
    assert_int_equal(images, 2);
    pm3k_item_free(item);
}

static void invalid_json_line_and_column(void **state)
{
    static const struct {
        const char *body;
        const char *where;
    } cases[] = {
        /* positions are the grammar's (payload/grammar.c): the byte that
         * cannot stand there, or the start of the token that is wrong */
        {"", "line 1, column 1: the body is empty"},
        {"   \n ", "line 2, column 2: the body is empty"},
        {"\xEF\xBB\xBF", "line 1, column 1: the body starts with a UTF-8 byte order mark"},
        {"{", "line 1, column 2: unexpected end of input"},
        {"{\"a\":1,", "line 1, column 8: unexpected end of input"},
        {"{\"a\":1,}", "line 1, column 8: unexpected '}' where an object key should be (a "
                       "trailing comma)"},
        {"[1,]", "line 1, column 4: unexpected ']' where a value should be (a trailing comma)"},
        {"{\n  \"a\": 1\n}\n}", "line 4, column 1: unexpected '}' after the JSON value"},
        {"{'a':1}", "line 1, column 2: unexpected ''' where an object key should be (JSON "
                    "strings take double quotes)"},
        {"{\"a\":'b'}", "line 1, column 6: unexpected ''' where a value should be (JSON strings "
                        "take double quotes)"},
        {"{a:1}", "line 1, column 2: unexpected 'a' where an object key should be (keys take "
                  "double quotes)"},
        {"{\"a\":1,b:2}", "line 1, column 8: unexpected 'b' where an object key should be (keys "
                          "take double quotes)"},
        {"{/*c*/}", "line 1, column 2: unexpected '/' where an object key should be (JSON has no "
                    "comments)"},
        {"{\"a\":1 // c\n}", "line 1, column 8: unexpected '/' after an object member, where ',' "
                             "or '}' should be (JSON has no comments)"},
        {"{,}", "line 1, column 2: unexpected ',' where an object key should be"},
        {"{\"a\":-}", "line 1, column 7: a '-' must be followed by a digit"},
        {"{\"a\":1e}", "line 1, column 8: an exponent must have digits"},
        {"{\"a\":+1}", "line 1, column 6: unexpected '+' where a value should be (a number takes "
                       "no '+' sign)"},
        {"{\"a\":tru}", "line 1, column 6: unexpected 't' where a value should be (true, false "
                        "and null are spelled out in lowercase)"},
        {"{\"a\":True}", "line 1, column 6: unexpected 'T' where a value should be (true, false "
                         "and null are lowercase)"},
        {"{\"a\" 1}", "line 1, column 6: unexpected '1' after an object key, where ':' should be"},
        {"[1,2x]", "line 1, column 5: unexpected 'x' after an array element, where ',' or ']' "
                   "should be"},
        {"{\"a\":{}x}", "line 1, column 8: unexpected 'x' after an object member"},
        {"{}x", "line 1, column 3: unexpected 'x' after the JSON value"},
        {"{\"a\":\"x\\q\"}", "line 1, column 8: an invalid escape sequence"},
        {"{\"a\":\"\\u12G4\"}", "line 1, column 7: an invalid \\u escape"},
        {"{\"a\":\"\\u00\"}", "line 1, column 7: an invalid \\u escape"},
        {"{\"a\":\"\\uD83D\\uZZZZ\"}", "line 1, column 13: an invalid \\u escape"},
        {"{\"a\":\"x", "line 1, column 6: an unterminated string"},
        {"{\"a\":\"x\\", "line 1, column 6: an unterminated string"},
        {"{\"é\":\"ü\" x}", "line 1, column 10: unexpected 'x'"}, /* columns count characters */
        {"{\"a\":\"tab\there\"}", "line 1, column 10: a control character inside a string "
                                  "(JSON.parse rejects it: write a line break as \\n"},
        {"{\"a\":\"two\nlines\"}", "line 1, column 10: a control character inside a string"},
        {"{\"a\":[1,2}", "line 1, column 10: unexpected '}' after an array element"},
        {"[1]]", "line 1, column 4: unexpected ']' after the JSON value"},
        {"{\"a\":NaN}", "line 1, column 6: unexpected 'N' where a value should be (NaN and "
                        "Infinity are not JSON)"},
        {"{\"a\":1}\xC2\xA0", "line 1, column 8: unexpected character U+00A0 after the JSON value"},
        {"{\"a\":1}\x7F", "line 1, column 8: unexpected character U+007F after the JSON value"},
        {"{\"a\":1}\xFF", "line 1, column 8: unexpected byte 0xFF after the JSON value"},
        {"{\xE2\x80\x9C"
         "a\xE2\x80\x9D:1}",
         "line 1, column 2: unexpected character U+201C where an object key should be"},
        /* the first error in the body, whatever its kind */
        {"{\"a\":\"x\ny\"} junk", "line 1, column 8: a control character inside a string"},
        {"{'a':\"x\ny\"}", "line 1, column 2: unexpected '''"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pm3k_item *item = lint_opts(cases[i].body, strlen(cases[i].body), NULL);
        assert_string_equal(codes_of(item), "invalid_json");
        const char *msg = message_of(item, "invalid_json");
        if (!strstr(msg, cases[i].where))
            fail_msg("body '%s': message '%s' lacks '%s'", cases[i].body, msg, cases[i].where);
        assert_int_equal(pm3k_item_status(item), PM3K_STATUS_FAIL);
        pm3k_item_free(item);
    }
}

static void raw_nul_bytes_do_not_cut_the_input(void **state)
{
    (void)state;
    /* a NUL byte inside a string: JSON.parse rejects it, the lint sees it */
    static const char inside[] = "{\"privacy\":\"PUBLIC_TO_EVERYONE\",\"source_url\":\"" VIDEO_URL
                                 "\",\"title\":\"ok\0 https://x.y\"}";
    pm3k_item *item = lint_opts(inside, sizeof inside - 1, NULL);
    assert_string_equal(codes_of(item), "invalid_json");
    assert_non_null(strstr(message_of(item, "invalid_json"), "a NUL byte inside a string"));
    pm3k_item_free(item);
    /* after the object, alone or followed by more: JSON has no NUL between
     * tokens (cJSON would skip it as whitespace) */
    static const char after[] =
        "{\"privacy\":\"SELF_ONLY\",\"source_url\":\"" VIDEO_URL "\"}\0junk";
    for (size_t cut = 0; cut <= 4; cut += 4) {
        item = lint_opts(after, sizeof after - 1 - cut, NULL);
        assert_string_equal(codes_of(item), "invalid_json");
        assert_non_null(strstr(message_of(item, "invalid_json"),
                               "unexpected character U+0000 after the JSON value (JSON allows "
                               "only space, tab, CR and LF between tokens)"));
        pm3k_item_free(item);
    }
}

/* Validity is JSON.parse's, exactly (payload/grammar.c): what cJSON takes
 * and JSON.parse refuses is invalid_json, with the reason. */
static void json_parse_strictness(void **state)
{
    static const struct {
        const char *body;
        const char *reason;
    } cases[] = {
        {"{\"privacy\":\"SELF_ONLY\",\"photo_cover_index\":01}",
         "column 44: a number may not have a leading zero"},
        {"{\"privacy\":\"SELF_ONLY\",\"photo_cover_index\":-01}",
         "column 44: a number may not have a leading zero"},
        {"{\"privacy\":\"SELF_ONLY\",\"photo_cover_index\":2.}",
         "column 46: a '.' in a number must be followed by a digit"},
        {"{\"privacy\":\"SELF_ONLY\",\"photo_cover_index\":2.e3}",
         "column 46: a '.' in a number must be followed by a digit"},
        {"{\"privacy\":\"SELF_ONLY\",\"photo_cover_index\":0.e1}",
         "column 46: a '.' in a number must be followed by a digit"},
        {"{\"privacy\":\"SELF_ONLY\",\"photo_cover_index\":.5}",
         "column 44: unexpected '.' where a value should be"},
        {"{\"privacy\":\"SELF_ONLY\",\"photo_cover_index\":-.5}",
         "column 45: a '-' must be followed by a digit"},
        {"\x01{\"privacy\":\"SELF_ONLY\"}",
         "column 1: unexpected character U+0001 where a value should be (JSON allows only "
         "space, tab, CR and LF between tokens)"},
        {"{\"privacy\":\"SELF_ONLY\",\x1F\"title\":\"x\"}",
         "column 24: unexpected character U+001F where an object key should be"},
        {"\f{\"privacy\":\"SELF_ONLY\"}", "column 1: unexpected character U+000C"},
        {"{\"privacy\":\"SELF_ONLY\"}\f",
         "column 24: unexpected character U+000C after the JSON value"},
        {"{\"privacy\":\v\"SELF_ONLY\"}", "column 12: unexpected character U+000B"},
        {"\xEF\xBB\xBF{\"privacy\":\"SELF_ONLY\"}",
         "column 1: the body starts with a UTF-8 byte order mark, which JSON.parse refuses"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pm3k_item *item = lint_opts(cases[i].body, strlen(cases[i].body), NULL);
        if (strcmp(codes_of(item), "invalid_json") != 0)
            fail_msg("body '%s': codes '%s', expected invalid_json", cases[i].body, codes_of(item));
        const char *msg = message_of(item, "invalid_json");
        if (!strstr(msg, cases[i].reason))
            fail_msg("body '%s': message '%s' lacks '%s'", cases[i].body, msg, cases[i].reason);
        pm3k_item_free(item);
    }
}

/* A body nested deeper than cJSON's 1000 levels is valid JSON (V8 takes
 * any depth): it is checked, the deep part kept as text, and --fix prints
 * that text as it was. */
static void nesting_beyond_cjson(void **state)
{
    (void)state;
    size_t depth = 1200, len = 0;
    char *body = malloc(2 * depth + 256);
    assert_non_null(body);
    len +=
        (size_t)sprintf(body, "{\"privacy\":\"SELF_ONLY\",\"source_url\":\"%s\",\"x\":", VIDEO_URL);
    for (size_t i = 0; i < depth; i++)
        body[len++] = '[';
    len += (size_t)sprintf(body + len, "1.50, \"\\u0000\"");
    for (size_t i = 0; i < depth; i++)
        body[len++] = ']';
    len += (size_t)sprintf(body + len, ",\"title\":\"www.x.y\"}");
    pm3k_item *item = lint_opts(body, len, NULL);
    assert_string_equal(codes_of(item), "links_forbidden nul_character unknown_key");
    assert_non_null(strstr(message_of(item, "nul_character"), "\"x\""));
    int64_t nesting = 0;
    assert_true(pm3k_item_fact_get_int(item, "nesting_depth", &nesting));
    assert_int_equal(nesting, depth + 1);
    pm3k_item_free(item);
    /* --fix: the levels past cJSON's come out as written (the escape as
     * U+FFFD), and fixing again changes nothing */
    char *fixed = NULL, *again = NULL;
    pm3k_error err = {0};
    assert_int_equal(pm3k_payload_canonical(body, len, &fixed, NULL, &err), PM3K_OK);
    assert_non_null(fixed);
    assert_non_null(strstr(fixed, "[[[1.50, \"\\ufffd\"]]]"));
    assert_int_equal(pm3k_payload_canonical(fixed, strlen(fixed), &again, NULL, &err), PM3K_OK);
    assert_string_equal(fixed, again);
    free(again);
    free(fixed);
    /* in an array of one object, the levels are counted from the object */
    memmove(body + 1, body, len);
    body[0] = '[';
    body[len + 1] = ']';
    assert_int_equal(pm3k_payload_canonical(body, len + 2, &fixed, NULL, &err), PM3K_OK);
    assert_non_null(fixed);
    assert_int_equal(pm3k_payload_canonical(fixed, strlen(fixed), &again, NULL, &err), PM3K_OK);
    assert_string_equal(fixed, again);
    free(again);
    free(fixed);
    free(body);
}

static void form_and_multipart_bodies(void **state)
{
    (void)state;
    pm3k_item *item =
        expect_codes("source_url=https://files.pm3k.org/a.mp4&privacy=PUBLIC_TO_EVERYONE",
                     "form_encoded_body", true);
    assert_non_null(strstr(message_of(item, "form_encoded_body"), "x-www-form-urlencoded"));
    pm3k_item_free(item);
    item = expect_codes(
        "--abc123\r\nContent-Disposition: form-data; name=\"privacy\"\r\n\r\npublic\r\n"
        "--abc123--\r\n",
        "form_encoded_body", true);
    assert_non_null(strstr(message_of(item, "form_encoded_body"), "multipart/form-data"));
    pm3k_item_free(item);
    /* not forms: JSON strings with '=', plain words, a YAML-like body */
    expect_codes("\"a=b&c=d\"", "not_an_object", false);
    expect_codes("privacy: public", "invalid_json", false);
    expect_codes("hello world", "invalid_json", false);
    expect_codes("a b=c", "invalid_json", false);
    expect_codes("title=New drop&privacy=public", "form_encoded_body", false);
}

static void not_an_object(void **state)
{
    (void)state;
    pm3k_item *item = expect_codes("[{\"privacy\":\"public\"}]", "not_an_object", true);
    assert_non_null(strstr(message_of(item, "not_an_object"), "holding one object"));
    pm3k_item_free(item);
    item = expect_codes("\"{\\\"privacy\\\":\\\"public\\\"}\"", "not_an_object", true);
    assert_non_null(strstr(message_of(item, "not_an_object"), "encoded twice"));
    pm3k_item_free(item);
    expect_codes("42", "not_an_object", false);
    expect_codes("null", "not_an_object", false);
    expect_codes("[]", "not_an_object", false);
}

static void nul_and_surrogate_escapes(void **state)
{
    (void)state;
    /* \u0000 would end cJSON's C string and hide the link after it */
    pm3k_item *item = expect_codes("{\"privacy\":\"PUBLIC_TO_EVERYONE\",\"source_url\":\"" VIDEO_URL
                                   "\",\n\"title\":\"a\\u0000 https://spam.example\"}",
                                   "links_forbidden nul_character", true);
    assert_string_equal(message_of(item, "nul_character"),
                        "\"title\" contains \\u0000 (at line 2, column 11)");
    pm3k_item_free(item);
    /* a lone high surrogate: cJSON alone would reject the body */
    item = expect_codes("{\"privacy\":\"PUBLIC_TO_EVERYONE\",\"source_url\":\"" VIDEO_URL
                        "\",\"title\":\"x\\uD83D y\"}",
                        "lone_surrogate", true);
    assert_non_null(strstr(message_of(item, "lone_surrogate"), "\\uD83D"));
    assert_int_equal(pm3k_item_status(item), PM3K_STATUS_WARN);
    pm3k_item_free(item);
    /* lone low, a high followed by a non-low, and escapes in a key or at the top level */
    expect_codes("{\"privacy\":\"PUBLIC_TO_EVERYONE\",\"source_url\":\"" VIDEO_URL
                 "\",\"title\":\"\\udc00 \\ud800\\u0041\"}",
                 "lone_surrogate", false);
    item = expect_codes("{\"privacy\":\"PUBLIC_TO_EVERYONE\",\"source_url\":\"" VIDEO_URL
                        "\",\"ti\\u0000tle\":\"x\"}",
                        "nul_character unknown_key", true);
    assert_non_null(strstr(message_of(item, "nul_character"), "a key"));
    pm3k_item_free(item);
    expect_codes("\"\\u0000\"", "not_an_object nul_character", false);
    /* a valid pair is an emoji, nothing to report; the title is 2 units */
    item = expect_codes("{\"privacy\":\"PUBLIC_TO_EVERYONE\",\"source_url\":\"" VIDEO_URL
                        "\",\"title\":\"\\ud83d\\ude00\"}",
                        "", true);
    int64_t units = 0;
    assert_true(pm3k_item_fact_get_int(item, "title_utf16", &units));
    assert_int_equal(units, 2);
    pm3k_item_free(item);
}

static void scan_replaces_escapes_in_place(void **state)
{
    (void)state;
    const char body[] = "{\"t\":\"a\\u0000b\\uDC00c\\ud83d\\ude00\",\"k\\u0000\":1}";
    pm3k__parsed parsed;
    assert_int_equal(pm3k__payload_parse(body, sizeof body - 1, &parsed), PM3K_OK);
    assert_int_equal(parsed.kind, PM3K__BODY_JSON);
    assert_int_equal(parsed.scan.len, sizeof body - 1);
    assert_string_equal(parsed.scan.text,
                        "{\"t\":\"a\\ufffdb\\ufffdc\\ud83d\\ude00\",\"k\\ufffd\":1}");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(parsed.root, "t")->valuestring,
                        "a\xEF\xBF\xBD"
                        "b\xEF\xBF\xBD"
                        "c\xF0\x9F\x98\x80");
    assert_int_equal(parsed.scan.escapes, 3);
    assert_int_equal(parsed.scan.live_escapes, 3);
    /* one event per kind and place: \u0000 and \uDC00 in "t", \u0000 in a key */
    assert_int_equal(parsed.scan.event_count, 3);
    assert_int_equal(parsed.scan.events[0].kind, PM3K__SCAN_NUL);
    assert_int_equal(parsed.scan.events[0].offset, 7);
    assert_string_equal(parsed.scan.events[0].field, "t");
    assert_int_equal(parsed.scan.events[1].kind, PM3K__SCAN_SURROGATE);
    assert_string_equal(parsed.scan.events[1].escape, "\\uDC00");
    assert_true(parsed.scan.events[2].in_key);
    assert_null(parsed.scan.events[2].field);
    pm3k__parsed_free(&parsed);
}

static void many_escapes_are_bounded(void **state)
{
    (void)state;
    size_t n = 5000, len = 0;
    char *body = malloc(n * 6 + 128);
    len += (size_t)sprintf(body, "{\"privacy\":\"SELF_ONLY\",\"source_url\":\"%s\",\"title\":\"",
                           VIDEO_URL);
    for (size_t i = 0; i < n; i++)
        len += (size_t)sprintf(body + len, "\\u0000");
    len += (size_t)sprintf(body + len, "\"}");
    pm3k_item *item = lint_opts(body, len, NULL);
    /* one finding per field, however many escapes */
    assert_string_equal(codes_of(item), "nul_character title_too_long");
    pm3k_item_free(item);
    free(body);
}

static void findings_per_kind_are_capped(void **state)
{
    (void)state;
    char body[8192];
    size_t len =
        (size_t)sprintf(body, "{\"privacy\":\"SELF_ONLY\",\"source_url\":\"%s\"", VIDEO_URL);
    for (int i = 0; i < 30; i++)
        len += (size_t)sprintf(body + len, ",\"k%d\":1,\"k%d\":2", i, i);
    len += (size_t)sprintf(body + len, "}");
    pm3k_item *item = lint_opts(body, len, NULL);
    size_t unknown = 0, duplicate = 0;
    for (size_t i = 0; i < pm3k_item_finding_count(item); i++) {
        const char *code = pm3k_item_finding(item, i)->rule->code;
        unknown += strcmp(code, "unknown_key") == 0;
        duplicate += strcmp(code, "duplicate_key") == 0;
    }
    assert_int_equal(unknown, PM3K__FINDINGS_PER_KIND_MAX);
    assert_int_equal(duplicate, PM3K__FINDINGS_PER_KIND_MAX);
    int64_t total = 0;
    assert_true(pm3k_item_fact_get_int(item, "unknown_keys", &total));
    assert_int_equal(total, 30);
    assert_true(pm3k_item_fact_get_int(item, "duplicate_keys", &total));
    assert_int_equal(total, 30);
    pm3k_item_free(item);
    /* photo entries: findings stop after the cap */
    len = (size_t)sprintf(body, "{\"media_type\":\"PHOTO\",\"privacy\":\"SELF_ONLY\","
                                "\"photo_cover_index\":0,\"photo_images\":[");
    for (int i = 0; i < 100; i++)
        len += (size_t)sprintf(body + len, "%s\"http://x/%d.jpg\"", i ? "," : "", i);
    len += (size_t)sprintf(body + len, "]}");
    item = lint_opts(body, len, NULL);
    size_t not_https = 0;
    for (size_t i = 0; i < pm3k_item_finding_count(item); i++)
        not_https += strcmp(pm3k_item_finding(item, i)->rule->code, "not_https") == 0;
    assert_int_equal(not_https, PM3K__FINDINGS_PER_KIND_MAX);
    assert_non_null(pm3k_item_find(item, "too_many_images"));
    pm3k_item_free(item);
}

static void line_column_counts_characters(void **state)
{
    (void)state;
    size_t line, column;
    const char body[] = "ab\n\xC3\xA9\xF0\x9F\x98\x80x";
    pm3k__line_column(body, sizeof body - 1, 0, &line, &column);
    assert_int_equal(line, 1);
    assert_int_equal(column, 1);
    pm3k__line_column(body, sizeof body - 1, 3, &line, &column);
    assert_int_equal(line, 2);
    assert_int_equal(column, 1);
    pm3k__line_column(body, sizeof body - 1, 9, &line, &column); /* the 'x' */
    assert_int_equal(line, 2);
    assert_int_equal(column, 3);
    pm3k__line_column(body, sizeof body - 1, 999, &line, &column); /* clamped */
    assert_int_equal(line, 2);
    assert_int_equal(column, 4);
}

/* ---- keys ---- */

static void duplicate_keys_last_wins(void **state)
{
    (void)state;
    /* the last privacy is empty: that is what PM3K reads */
    pm3k_item *item =
        expect_codes("{\"source_url\":\"" VIDEO_URL "\",\"privacy\":\"PUBLIC_TO_EVERYONE\","
                     "\"privacy\":\"\"}",
                     "duplicate_key missing_privacy", true);
    assert_string_equal(message_of(item, "duplicate_key"),
                        "key \"privacy\" appears 2 times; PM3K uses the last one");
    assert_string_equal(message_of(item, "missing_privacy"), "\"privacy\" is empty");
    pm3k_item_free(item);
    /* the first title has a link, the last does not: only the duplicate warns */
    expect_codes("{\"source_url\":\"" VIDEO_URL "\",\"title\":\"www.x.y\",\"title\":\"ok\","
                 "\"privacy\":\"SELF_ONLY\"}",
                 "duplicate_key", false);
    /* and the other way round */
    expect_codes("{\"source_url\":\"" VIDEO_URL "\",\"title\":\"ok\",\"title\":\"www.x.y\","
                 "\"privacy\":\"SELF_ONLY\"}",
                 "duplicate_key links_forbidden", false);
    /* three times, and an unknown key twice: one finding each */
    item = expect_codes("{\"source_url\":\"" VIDEO_URL
                        "\",\"privacy\":\"SELF_ONLY\",\"privacy\":\"x\","
                        "\"privacy\":\"SELF_ONLY\",\"foo\":1,\"foo\":2}",
                        "duplicate_key duplicate_key unknown_key", true);
    assert_non_null(strstr(pm3k_item_finding(item, 0)->message, "\"privacy\" appears 3 times"));
    pm3k_item_free(item);
}

static void object_keys_helper(void **state)
{
    (void)state;
    cJSON *obj = cJSON_Parse("{\"b\":1,\"a\":2,\"b\":3,\"c\":4,\"a\":5,\"b\":6}");
    bool *is_last = NULL;
    pm3k__dup_key *dups = NULL;
    size_t count = 0;
    assert_int_equal(pm3k__object_keys(obj, &is_last, &dups, &count), PM3K_OK);
    assert_int_equal(count, 2);
    assert_string_equal(dups[0].key, "b"); /* in order of first appearance */
    assert_int_equal(dups[0].times, 3);
    assert_string_equal(dups[1].key, "a");
    bool want[] = {false, false, false, true, true, true};
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(is_last[i], want[i]);
    assert_int_equal(pm3k__last_member(obj, "b")->valueint, 6);
    assert_null(pm3k__last_member(obj, "B"));
    free(is_last);
    free(dups);
    cJSON_Delete(obj);
}

static void unknown_keys_and_suggestions(void **state)
{
    (void)state;
    pm3k_item *item = expect_codes("{\"source_url\":\"" VIDEO_URL "\",\"Privacy\":\"public\"}",
                                   "missing_privacy unknown_key", true);
    assert_string_equal(message_of(item, "unknown_key"),
                        "unknown key \"Privacy\" is ignored by PM3K; did you mean \"privacy\"?");
    pm3k_item_free(item);
    assert_string_equal(pm3k__known_key_suggestion("sourceUrl"), "source_url");
    assert_string_equal(pm3k__known_key_suggestion("photo_image"), "photo_images");
    assert_string_equal(pm3k__known_key_suggestion("privcy"), "privacy");
    assert_string_equal(pm3k__known_key_suggestion("DISABLE-COMMENT"), "disable_comment");
    assert_null(pm3k__known_key_suggestion("description"));
    assert_null(pm3k__known_key_suggestion("x"));
    assert_null(pm3k__known_key_suggestion(""));
}

/* ---- fields ---- */

#define V(fields) "{\"source_url\":\"" VIDEO_URL "\",\"privacy\":\"PUBLIC_TO_EVERYONE\"" fields "}"
#define PH(fields) "{\"media_type\":\"PHOTO\",\"privacy\":\"PUBLIC_TO_EVERYONE\"" fields "}"

static void privacy_rules(void **state)
{
    (void)state;
    expect_codes("{\"source_url\":\"" VIDEO_URL "\"}", "missing_privacy", false);
    expect_codes("{\"source_url\":\"" VIDEO_URL "\",\"privacy\":null}", "missing_privacy", false);
    expect_codes("{\"source_url\":\"" VIDEO_URL "\",\"privacy\":7}", "invalid_field_type", false);
    pm3k_item *item = expect_codes("{\"source_url\":\"" VIDEO_URL "\",\"privacy\":\"FRIENDS\"}",
                                   "privacy_alias", true);
    assert_int_equal(pm3k_item_status(item), PM3K_STATUS_PASS);
    char *level = pm3k_item_fact_text(item, "privacy");
    assert_string_equal(level, "MUTUAL_FOLLOW_FRIENDS");
    free(level);
    pm3k_item_free(item);
    item = expect_codes("{\"source_url\":\"" VIDEO_URL "\",\"privacy\":\"self_only\"}",
                        "unknown_privacy", true);
    assert_non_null(strstr(message_of(item, "unknown_privacy"), "did you mean SELF_ONLY?"));
    level = pm3k_item_fact_text(item, "privacy");
    assert_string_equal(level, "SELF_ONLY"); /* PM3K's fallback */
    free(level);
    pm3k_item_free(item);
    expect_codes("{\"source_url\":\"" VIDEO_URL "\",\"privacy\":\"everyone\"}", "unknown_privacy",
                 false);
    const char *canonical = NULL;
    assert_int_equal(pm3k_privacy_parse("Followers", &canonical), PM3K_OK);
    assert_string_equal(canonical, "FOLLOWER_OF_CREATOR");
    assert_int_equal(pm3k_privacy_parse("mutual_follow_friends", &canonical), PM3K_OK);
    assert_string_equal(canonical, "MUTUAL_FOLLOW_FRIENDS");
    assert_int_equal(pm3k_privacy_parse("all", &canonical), PM3K_ERR_INVALID_ARG);
    assert_int_equal(pm3k_privacy_parse(NULL, &canonical), PM3K_ERR_INVALID_ARG);
}

static void video_source_url_rules(void **state)
{
    (void)state;
    expect_codes("{\"privacy\":\"SELF_ONLY\"}", "missing_source_url", false);
    expect_codes("{\"privacy\":\"SELF_ONLY\",\"source_url\":\"\"}", "missing_source_url", false);
    expect_codes("{\"privacy\":\"SELF_ONLY\",\"source_url\":[]}", "invalid_field_type", false);
    expect_codes("{\"privacy\":\"SELF_ONLY\",\"source_url\":\"http://files.pm3k.org/a.mp4\"}",
                 "not_https", false);
    expect_codes("{\"privacy\":\"SELF_ONLY\",\"source_url\":\"HTTPS://files.pm3k.org/a.mp4\"}", "",
                 false);
    expect_codes("{\"privacy\":\"SELF_ONLY\",\"source_url\":\"https://\"}", "not_https", false);
    expect_codes("{\"privacy\":\"SELF_ONLY\",\"source_url\":\"s3://bucket/a.mp4\"}", "not_https",
                 false);
    expect_codes("{\"privacy\":\"SELF_ONLY\",\"source_url\":\"https://a.example/my clip.mp4\"}", "",
                 false);
}

static void domain_rules(void **state)
{
    (void)state;
    pm3k_payload_lint_options opt;
    pm3k_payload_lint_options_init(&opt);
    opt.domain = "media.example.com";
    static const struct {
        const char *url;
        const char *codes;
    } cases[] = {
        {"https://media.example.com/a.mp4", ""},
        {"https://MEDIA.example.com:8443/a.mp4", ""}, /* case-insensitive, port ignored */
        {"https://files.pm3k.org/a.mp4", ""},
        {"https://cdn.media.example.com/a.mp4", "domain_mismatch"},
        {"https://media.example.com.evil.test/a.mp4", "domain_mismatch"},
        {"http://other.example/a.mp4", "not_https"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char body[256];
        snprintf(body, sizeof body, "{\"privacy\":\"SELF_ONLY\",\"source_url\":\"%s\"}",
                 cases[i].url);
        pm3k_item *item = lint_opts(body, strlen(body), &opt);
        if (strcmp(codes_of(item), cases[i].codes) != 0)
            fail_msg("%s: '%s', expected '%s'", cases[i].url, codes_of(item), cases[i].codes);
        pm3k_item_free(item);
    }
    /* without --domain, external hosts are not judged */
    expect_codes("{\"privacy\":\"SELF_ONLY\",\"source_url\":\"https://cdn.example/a.mp4\"}", "",
                 false);
}

static void photo_rules(void **state)
{
    (void)state;
    expect_codes(PH(",\"photo_images\":[\"https://files.pm3k.org/a.jpg\"],\"photo_cover_index\":0"),
                 "", false);
    expect_codes(PH(",\"photo_cover_index\":0"), "too_few_images", false);
    expect_codes(PH(",\"photo_images\":[],\"photo_cover_index\":0"), "too_few_images", false);
    expect_codes(PH(",\"photo_images\":\"https://files.pm3k.org/a.jpg\",\"photo_cover_index\":0"),
                 "photo_images_not_array", false);
    expect_codes(PH(",\"photo_images\":null,\"photo_cover_index\":0"), "photo_images_not_array",
                 false);
    expect_codes(PH(",\"photo_images\":[1,{}],\"photo_cover_index\":0"),
                 "invalid_photo_item invalid_photo_item", false);
    expect_codes(PH(",\"photo_images\":[\"https://files.pm3k.org/a.jpg\"]"), "cover_index_missing",
                 false);
    expect_codes(PH(",\"photo_images\":[\"https://files.pm3k.org/a.jpg\"],\"photo_cover_index\":1"),
                 "cover_out_of_range", false);
    expect_codes(
        PH(",\"photo_images\":[\"https://files.pm3k.org/a.jpg\"],\"photo_cover_index\":-0"), "",
        false);
    expect_codes(
        PH(",\"photo_images\":[\"https://files.pm3k.org/a.jpg\"],\"photo_cover_index\":1e400"),
        "cover_out_of_range", false);
    pm3k_item *item = expect_codes(
        PH(",\"photo_images\":[\"https://files.pm3k.org/a.jpg\",\"https://x.example/b.jpg\"],"
           "\"photo_cover_index\":\"1\""),
        "cover_out_of_range", true);
    assert_string_equal(message_of(item, "cover_out_of_range"),
                        "photo_cover_index \"1\" is not a whole number in 0..1");
    pm3k_item_free(item);
    /* PNG judged from the URL's path, on PM3K storage only */
    item = expect_codes(PH(",\"photo_images\":[\"https://files.pm3k.org/a.jpg\",\"https://"
                           "files.pm3k.org/b.PNG#x\"],"
                           "\"photo_cover_index\":0"),
                        "png_on_pm3k_storage", true);
    assert_non_null(strstr(message_of(item, "png_on_pm3k_storage"), "photo_images[1]"));
    pm3k_item_free(item);
    expect_codes(PH(",\"photo_images\":[\"https://files.pm3k.org/png/"
                    "a.jpg?f=x.png\"],\"photo_cover_index\":0"),
                 "", false);
    expect_codes(PH(",\"photo_images\":[\"https://cdn.example/a.png\"],\"photo_cover_index\":0"),
                 "", false);
    /* source_url in a photo post, photo fields in a video post */
    expect_codes(PH(",\"photo_images\":[\"https://files.pm3k.org/a.jpg\"],\"photo_cover_index\":0,"
                    "\"source_url\":\"" VIDEO_URL "\""),
                 "mixed_media_fields", false);
    item = expect_codes(V(",\"photo_cover_index\":0,\"auto_add_music\":true"), "mixed_media_fields",
                        true);
    assert_string_equal(message_of(item, "mixed_media_fields"),
                        "\"photo_cover_index\", \"auto_add_music\" is ignored in video mode");
    pm3k_item_free(item);
    expect_codes(V(",\"media_type\":\"VIDEO\""), "unknown_media_type", false);
    expect_codes(V(",\"media_type\":false"), "invalid_field_type", false);
}

static void image_count_limits(void **state)
{
    (void)state;
    pm3k_payload_lint_options opt;
    pm3k_payload_lint_options_init(&opt);
    char body[8192];
    for (int n = 34; n <= 36; n++) {
        size_t len = (size_t)sprintf(body,
                                     "{\"media_type\":\"PHOTO\",\"privacy\":\"SELF_ONLY\","
                                     "\"photo_cover_index\":%d,\"photo_images\":[",
                                     n - 1);
        for (int i = 0; i < n; i++)
            len +=
                (size_t)sprintf(body + len, "%s\"https://files.pm3k.org/%d.jpg\"", i ? "," : "", i);
        len += (size_t)sprintf(body + len, "]}");
        pm3k_item *item = lint_opts(body, len, &opt);
        assert_string_equal(codes_of(item), n <= 35 ? "" : "too_many_images");
        pm3k_item_free(item);
    }
    /* the limit comes from pm3k_limits */
    opt.limits.max_images = 2;
    const char three[] =
        "{\"media_type\":\"PHOTO\",\"privacy\":\"SELF_ONLY\",\"photo_cover_index\":0,"
        "\"photo_images\":[\"https://files.pm3k.org/1.jpg\",\"https://files.pm3k.org/2.jpg\","
        "\"https://files.pm3k.org/3.jpg\"]}";
    pm3k_item *item = lint_opts(three, sizeof three - 1, &opt);
    assert_string_equal(codes_of(item), "too_many_images");
    pm3k_item_free(item);
}

static void booleans_and_ads(void **state)
{
    (void)state;
    pm3k_item *item = expect_codes(V(",\"disable_comment\":\"false\""), "boolean_as_string", true);
    assert_string_equal(pm3k_item_find(item, "boolean_as_string")->hint,
                        "send \"disable_comment\": false");
    pm3k_item_free(item);
    item = expect_codes(V(",\"disable_duet\":\"sure\""), "boolean_as_string", true);
    assert_string_equal(pm3k_item_find(item, "boolean_as_string")->hint,
                        "send \"disable_duet\": true");
    pm3k_item_free(item);
    expect_codes(V(",\"disable_stitch\":1"), "invalid_field_type", false);
    expect_codes(V(",\"disable_stitch\":null"), "invalid_field_type", false);
    expect_codes(V(",\"is_ad\":true"), "ad_without_disclosure", false);
    expect_codes(V(",\"is_ad\":true,\"brand_organic_toggle\":false,\"brand_content_toggle\":false"),
                 "ad_without_disclosure", false);
    expect_codes(V(",\"is_ad\":true,\"brand_organic_toggle\":true"), "", false);
    expect_codes(V(",\"is_ad\":true,\"ad_your_brand\":true"), "legacy_ad_key", false);
    expect_codes(V(",\"is_ad\":true,\"ad_branded_content\":true"), "legacy_ad_key", false);
    expect_codes(V(",\"is_ad\":false"), "", false);
    /* string toggles are errors; their meaning still counts as the disclosure */
    expect_codes(
        V(",\"is_ad\":true,\"brand_organic_toggle\":\"false\",\"brand_content_toggle\":\"true\""),
        "toggle_as_string toggle_as_string", false);
    expect_codes(V(",\"is_ad\":\"true\""), "ad_without_disclosure toggle_as_string", false);
    expect_codes(V(",\"is_ad\":\"yes please\",\"brand_organic_toggle\":true"), "toggle_as_string",
                 false);
    expect_codes(V(",\"brand\":3"), "invalid_field_type", false);
    expect_codes(V(",\"brand\":\"Acme\""), "", false);
}

static void branded_content_privacy(void **state)
{
    (void)state;
    expect_codes("{\"source_url\":\"" VIDEO_URL "\",\"privacy\":\"SELF_ONLY\",\"is_ad\":true,"
                 "\"brand_content_toggle\":true}",
                 "branded_content_private", false);
    expect_codes("{\"source_url\":\"" VIDEO_URL "\",\"privacy\":\"Private\",\"is_ad\":true,"
                 "\"brand_content_toggle\":true}",
                 "branded_content_private privacy_alias", false);
    expect_codes("{\"source_url\":\"" VIDEO_URL "\",\"privacy\":\"nobody\",\"is_ad\":true,"
                 "\"ad_branded_content\":true}",
                 "branded_content_private legacy_ad_key unknown_privacy", false);
    expect_codes("{\"source_url\":\"" VIDEO_URL "\",\"privacy\":\"SELF_ONLY\",\"is_ad\":true,"
                 "\"brand_organic_toggle\":true}",
                 "", false);
    expect_codes("{\"source_url\":\"" VIDEO_URL
                 "\",\"privacy\":\"FOLLOWER_OF_CREATOR\",\"is_ad\":true,"
                 "\"brand_content_toggle\":true}",
                 "", false);
}

static void title_rules(void **state)
{
    (void)state;
    expect_codes(V(",\"title\":\"see WWW.example.com\""), "links_forbidden", false);
    expect_codes(V(",\"title\":\"see ｗｗｗ．example.com\""), "obfuscated_link", false);
    expect_codes(V(",\"title\":\"see ww\\u200bw.example.com\""), "obfuscated_link", false);
    expect_codes(V(",\"title\":12"), "invalid_field_type", false);
    expect_codes(V(",\"title\":null"), "invalid_field_type", false);
    expect_codes(V(",\"title\":\"\""), "", false);
    /* lengths in UTF-16 units, from the limits */
    pm3k_payload_lint_options opt;
    pm3k_payload_lint_options_init(&opt);
    opt.limits.max_title_utf16 = 4;
    opt.limits.max_photo_title_utf16 = 2;
    static const char four[] = V(",\"title\":\"\\ud83d\\ude00\xF0\x9F\x98\x80\"");
    pm3k_item *item = lint_opts(four, sizeof four - 1, &opt);
    assert_string_equal(codes_of(item), "");
    pm3k_item_free(item);
    static const char five[] = V(",\"title\":\"e\xCC\x81\xF0\x9F\x98\x80x\"");
    item = lint_opts(five, sizeof five - 1, &opt);
    assert_string_equal(codes_of(item), "title_too_long");
    assert_string_equal(message_of(item, "title_too_long"),
                        "the title is 5 UTF-16 units; a video title takes at most 4");
    pm3k_item_free(item);
    static const char photo[] = PH(",\"photo_images\":[\"https://files.pm3k.org/a.jpg\"],"
                                   "\"photo_cover_index\":0,\"title\":\"abc\"");
    item = lint_opts(photo, sizeof photo - 1, &opt);
    assert_string_equal(codes_of(item), "photo_title_too_long");
    assert_int_equal(pm3k_item_status(item), PM3K_STATUS_WARN);
    pm3k_item_free(item);
}

static void stop_words_in_lint(void **state)
{
    (void)state;
    pm3k_payload_lint_options opt;
    pm3k_error err = {0};
    pm3k_stop_words *words = NULL;
    pm3k_payload_lint_options_init(&opt);
    assert_int_equal(pm3k_stop_words_parse("class\nfree money\n", 17, &words, &err), PM3K_OK);
    opt.stop_words = words;
    static const char hit[] = V(",\"title\":\"Free money for the CLASS\"");
    pm3k_item *item = lint_opts(hit, sizeof hit - 1, &opt);
    assert_string_equal(codes_of(item), "forbidden_word forbidden_word");
    assert_string_equal(pm3k_item_finding(item, 0)->message,
                        "the title contains the stop word \"class\"");
    pm3k_item_free(item);
    static const char miss[] = V(",\"title\":\"classic money\"");
    item = lint_opts(miss, sizeof miss - 1, &opt);
    assert_string_equal(codes_of(item), "");
    pm3k_item_free(item);
    pm3k_stop_words_free(words);
}

static void template_leftovers_in_fields(void **state)
{
    (void)state;
    expect_codes(V(",\"title\":\"{{ $json.title }}\""), "template_leftover", false);
    expect_codes(V(",\"title\":\"undefined\""), "template_leftover", false);
    expect_codes(V(",\"title\":\"undefined is a word\""), "", false);
    expect_codes(V(",\"brand\":\"[object Object]\""), "template_leftover", false);
    /* a leftover hides nothing else the value breaks: PM3K gets the text */
    expect_codes(V(",\"disable_comment\":\"={{ $json.dc }}\""),
                 "boolean_as_string template_leftover", false);
    expect_codes(V(",\"is_ad\":\"{{ $json.ad }}\",\"brand_organic_toggle\":true"),
                 "template_leftover toggle_as_string", false);
    expect_codes("{\"privacy\":\"SELF_ONLY\",\"source_url\":\"{{ $json.url }}\"}",
                 "not_https template_leftover", false);
    expect_codes("{\"privacy\":\"NaN\",\"source_url\":\"" VIDEO_URL "\"}",
                 "template_leftover unknown_privacy", false);
    /* PM3K posts an unknown privacy as SELF_ONLY, which branded content cannot be */
    expect_codes("{\"privacy\":\"{{ $json.privacy }}\",\"source_url\":\"" VIDEO_URL
                 "\",\"is_ad\":true,\"brand_content_toggle\":true}",
                 "branded_content_private template_leftover unknown_privacy", false);
    expect_codes(V(",\"media_type\":\"{{ $json.type }}\""), "template_leftover unknown_media_type",
                 false);
    pm3k_item *item =
        expect_codes(PH(",\"photo_images\":[\"={{ $json.a }}\"],\"photo_cover_index\":0"),
                     "not_https template_leftover", true);
    assert_non_null(strstr(message_of(item, "template_leftover"), "photo_images[0]"));
    pm3k_item_free(item);
    expect_codes(PH(",\"photo_images\":[\"https://files.pm3k.org/{{ $json.id }}.png\"],"
                    "\"photo_cover_index\":0"),
                 "png_on_pm3k_storage template_leftover", false);
    expect_codes(PH(",\"photo_images\":\"{{ $json.images }}\",\"photo_cover_index\":0"),
                 "photo_images_not_array template_leftover", false);
    expect_codes(PH(",\"photo_images\":[\"https://files.pm3k.org/a.jpg\"],"
                    "\"photo_cover_index\":\"{{ $json.cover }}\""),
                 "cover_out_of_range template_leftover", false);
}

/* A leftover in the title does not hide a link, a stop word or the length. */
static void template_leftover_in_title_hides_nothing(void **state)
{
    (void)state;
    pm3k_payload_lint_options opt;
    pm3k_error err = {0};
    pm3k_stop_words *words = NULL;
    pm3k_payload_lint_options_init(&opt);
    assert_int_equal(pm3k_stop_words_parse("free money\n", 11, &words, &err), PM3K_OK);
    opt.stop_words = words;
    opt.limits.max_title_utf16 = 40;
    static const char body[] = V(",\"title\":\"{{ $json.caption }} free money at "
                                 "https://spam.example ｗｗｗ．x．y\"");
    pm3k_item *item = lint_opts(body, sizeof body - 1, &opt);
    assert_string_equal(codes_of(item), "forbidden_word links_forbidden obfuscated_link "
                                        "template_leftover title_too_long");
    pm3k_item_free(item);
    pm3k_stop_words_free(words);
}

/* ---- fix ---- */

static char *fix(const char *body, char **notes)
{
    char *fixed = NULL;
    pm3k_error err = {0};
    assert_int_equal(pm3k_payload_canonical(body, strlen(body), &fixed, notes, &err), PM3K_OK);
    return fixed;
}

static void fix_canonical_form(void **state)
{
    (void)state;
    char *notes = NULL;
    char *fixed =
        fix("{\"source_url\":\"" VIDEO_URL "\",\"title\":\"a\",\"title\":\"b\","
            "\"privacy\":\" friends \",\"disable_comment\":\"No\",\"auto_add_music\":\"maybe\","
            "\"ad_branded_content\":\"1\",\"is_ad\":true,\"extra\":{\"k\":[1]}}",
            &notes);
    assert_non_null(fixed);
    cJSON *obj = cJSON_Parse(fixed);
    assert_non_null(obj);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(obj, "title")->valuestring, "b");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(obj, "privacy")->valuestring,
                        "MUTUAL_FOLLOW_FRIENDS");
    assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(obj, "disable_comment")));
    assert_true(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(obj, "auto_add_music")));
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(obj, "brand_content_toggle")));
    assert_null(cJSON_GetObjectItemCaseSensitive(obj, "ad_branded_content"));
    assert_non_null(cJSON_GetObjectItemCaseSensitive(obj, "extra")); /* never dropped */
    cJSON_Delete(obj);
    /* 2-space indentation, key order kept */
    assert_non_null(strstr(fixed, "{\n  \"source_url\": "));
    assert_true(strstr(fixed, "\"title\"") < strstr(fixed, "\"privacy\""));
    assert_non_null(strstr(notes, "kept: \"auto_add_music\": \"maybe\""));
    assert_non_null(strstr(notes, "kept: unknown key \"extra\""));
    assert_non_null(
        strstr(notes, "fixed: renamed \"ad_branded_content\" to \"brand_content_toggle\""));
    free(notes);
    free(fixed);
}

static void fix_is_stable(void **state)
{
    (void)state;
    static const char *const bodies[] = {
        "{\"source_url\":\"" VIDEO_URL "\",\"privacy\":\"public\",\"disable_duet\":\"true\"}",
        "[{\"privacy\":\"private\",\"media_type\":\"PHOTO\",\"photo_images\":\"https://"
        "files.pm3k.org/a.jpg\"}]",
        "privacy=public&source_url=https%3A%2F%2Ffiles.pm3k.org%2Fa.mp4&is_ad=true&ad_your_brand="
        "yes",
        "\"{\\\"privacy\\\":\\\"followers\\\",\\\"photo_cover_index\\\":\\\"2\\\"}\"",
        "{\"title\":\"x\\u0000y\\ud800\",\"ad_your_brand\":true,\"brand_organic_toggle\":false}",
    };
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        char *once = fix(bodies[i], NULL);
        assert_non_null(once);
        char *twice = fix(once, NULL);
        assert_string_equal(once, twice);
        free(once);
        free(twice);
    }
}

static void fix_refuses_what_is_not_an_object(void **state)
{
    (void)state;
    static const char *const bodies[] = {
        "", "{", "42", "[1,2]", "--b\r\nContent-Disposition: form-data\r\n", "\"not json inside\""};
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        char *notes = NULL;
        assert_null(fix(bodies[i], &notes));
        assert_non_null(notes);
        free(notes);
    }
    /* what the lint flags, the canonical form writes as PM3K wants it */
    const char body[] = "{\"privacy\":\"public\",\"source_url\":\"" VIDEO_URL "\"}";
    pm3k_item *item = expect_codes(body, "privacy_alias", true);
    char *fixed = fix(body, NULL);
    assert_non_null(strstr(fixed, "PUBLIC_TO_EVERYONE"));
    free(fixed);
    pm3k_item_free(item);
}

/* Escapes in a member JSON.parse drops (all but the last of duplicate keys,
 * at any level) are not warned about: PM3K never reads them. */
static void escapes_in_shadowed_members(void **state)
{
    (void)state;
    expect_codes(V(",\"title\":\"a\\u0000 www.x.y\",\"title\":\"ok\""), "duplicate_key", false);
    expect_codes(V(",\"title\":\"ok\",\"title\":\"a\\u0000b\""), "duplicate_key nul_character",
                 false);
    expect_codes(V(",\"brand\":\"\\ud800\",\"brand\":\"Acme\""), "duplicate_key", false);
    expect_codes(V(",\"x\":[\"\\u0000\",{\"y\":\"\\udc00\"}],\"x\":2"), "duplicate_key unknown_key",
                 false);
    /* nested: the inner "k" is shadowed, the outer member is kept */
    expect_codes(V(",\"extra\":{\"k\":\"\\ud800\",\"k\":1}"), "unknown_key", false);
    expect_codes(V(",\"extra\":{\"k\":1,\"k\":\"\\ud800\"}"), "lone_surrogate unknown_key", false);
    /* a key with an escape: the last member of that name has it too */
    pm3k_item *item = expect_codes(V(",\"k\\u0000\":1,\"k\\u0000\":2"),
                                   "duplicate_key nul_character unknown_key", true);
    assert_non_null(strstr(message_of(item, "nul_character"), "a key"));
    pm3k_item_free(item);
    /* --fix counts only what it keeps */
    char *notes = NULL;
    char *fixed = fix(V(",\"title\":\"\\u0000\\u0000\",\"title\":\"\\ud800x\""), &notes);
    assert_non_null(fixed);
    assert_non_null(strstr(notes, "fixed: 1 \\u0000 or lone surrogate escape written as U+FFFD"));
    free(notes);
    free(fixed);
}

/* Numbers an unpatched cJSON 1.7.15 cannot hold (long ones split its 64-byte
 * buffer) are still JSON, and the lint reads their value from all their
 * digits. */
static void long_numbers(void **state)
{
    (void)state;
    char body[1024], digits[201];
    memset(digits, '7', 200);
    digits[200] = '\0';
    snprintf(body, sizeof body, V(",\"extra\":[%s, -0.%s1e-5]"), digits, digits);
    expect_codes(body, "unknown_key", false);
    /* 0.000…0 (80 zeros) is 0, a valid index; 1 followed by 80 zeros is not */
    char zeros[81];
    memset(zeros, '0', 80);
    zeros[80] = '\0';
    snprintf(body, sizeof body,
             PH(",\"photo_images\":[\"https://files.pm3k.org/a.jpg\"],\"photo_cover_index\":0.%s"),
             zeros);
    expect_codes(body, "", false);
    snprintf(body, sizeof body,
             PH(",\"photo_images\":[\"https://files.pm3k.org/a.jpg\"],\"photo_cover_index\":1%s"),
             zeros);
    pm3k_item *item = expect_codes(body, "cover_out_of_range", true);
    assert_non_null(strstr(message_of(item, "cover_out_of_range"), "photo_cover_index 1000000"));
    pm3k_item_free(item);
}

/* A cover index a few ulps above an integer is no integer: the lint says
 * so with the number as written, and --fix keeps it as written (cJSON
 * would print it as 1, a valid index). */
static void cover_index_as_written(void **state)
{
    (void)state;
    static const char body[] =
        PH(",\"photo_images\":[\"https://files.pm3k.org/a.jpg\",\"https://files.pm3k.org/b.jpg\"],"
           "\"photo_cover_index\":1.0000000000000002");
    pm3k_item *item = expect_codes(body, "cover_out_of_range", true);
    assert_string_equal(message_of(item, "cover_out_of_range"),
                        "photo_cover_index 1.0000000000000002 is not a whole number in 0..1");
    pm3k_item_free(item);
    char *fixed = fix(body, NULL);
    assert_non_null(fixed);
    assert_non_null(strstr(fixed, "\"photo_cover_index\": 1.0000000000000002\n"));
    item = lint_opts(fixed, strlen(fixed), NULL);
    assert_string_equal(codes_of(item), "cover_out_of_range");
    pm3k_item_free(item);
    free(fixed);
}

/* The number tokens of a JSON text, in order (outside strings). */
static size_t number_tokens(const char *json, char tokens[][512], size_t max)
{
    size_t n = 0;
    for (const char *p = json; *p;) {
        if (*p == '"') {
            for (p++; *p && *p != '"'; p++)
                if (*p == '\\' && p[1])
                    p++;
            p += *p == '"';
        } else if (*p == '-' || (*p >= '0' && *p <= '9')) {
            size_t len = strspn(p, "0123456789+-.eE");
            assert_true(n < max && len < 512);
            memcpy(tokens[n], p, len);
            tokens[n++][len] = '\0';
            p += len;
        } else {
            p++;
        }
    }
    return n;
}

static uint64_t number_seed = 20261203u;

static size_t next_random(size_t n)
{
    number_seed ^= number_seed << 13;
    number_seed ^= number_seed >> 7;
    number_seed ^= number_seed << 17;
    return (size_t)(number_seed % n);
}

/* A random JSON number of the grammar's classes: a sign, 0 or digits (up
 * to 400 of them), a fraction (up to 120 digits, trailing zeros too), an
 * exponent in either case with a sign and leading zeros. */
static void random_number(char *out, size_t cap)
{
    static const char *const fixed[] = {"-0",
                                        "-0.0",
                                        "0e0",
                                        "1e400",
                                        "-1E+400",
                                        "1e-400",
                                        "4.9e-324",
                                        "9007199254740993",
                                        "18446744073709551616",
                                        "1.7976931348623157e308",
                                        "2.2250738585072014e-308",
                                        "0.1",
                                        "1.0000000000000002",
                                        "2.9999999999999996",
                                        "123456789",
                                        "1234567890",
                                        "1.50",
                                        "100e-2"};
    size_t n = 0;
    if (next_random(4) == 0) {
        snprintf(out, cap, "%s", fixed[next_random(sizeof fixed / sizeof fixed[0])]);
        return;
    }
    if (next_random(3) == 0)
        out[n++] = '-';
    size_t int_digits = next_random(3) == 0 ? 1 + next_random(400) : 1 + next_random(12);
    if (next_random(5) == 0) {
        out[n++] = '0';
    } else {
        out[n++] = (char)('1' + next_random(9));
        for (size_t i = 1; i < int_digits && n < cap - 200; i++)
            out[n++] = (char)('0' + next_random(10));
    }
    if (next_random(2)) {
        out[n++] = '.';
        size_t frac = 1 + next_random(next_random(3) == 0 ? 120 : 20);
        for (size_t i = 0; i < frac; i++)
            out[n++] = (char)('0' + next_random(10));
    }
    if (next_random(3) == 0) {
        out[n++] = next_random(2) ? 'e' : 'E';
        if (next_random(2))
            out[n++] = next_random(2) ? '+' : '-';
        n += (size_t)snprintf(out + n, cap - n, "%0*zu", (int)(1 + next_random(4)),
                              next_random(500));
    }
    out[n] = '\0';
}

/* --fix prints every number byte for byte as the body wrote it. */
static void fix_keeps_numbers_as_written(void **state)
{
    (void)state;
    enum { COUNT = 400 };
    static char want[COUNT + 16][512], got[COUNT + 16][512];
    size_t cap = COUNT * 600 + 1024, len = 0;
    char *body = malloc(cap);
    assert_non_null(body);
    len += (size_t)snprintf(body, cap,
                            "{\"privacy\":\"friends\",\"source_url\":\"" VIDEO_URL "\","
                            "\"disable_duet\":\"true\",\"n0\":-0,\"extra\":[");
    for (size_t i = 0; i < COUNT; i++) {
        char number[512];
        random_number(number, sizeof number);
        len +=
            (size_t)snprintf(body + len, cap - len, "%s%s", i ? (i % 7 ? "," : ",\n") : "", number);
        if (i % 50 == 0)
            len += (size_t)snprintf(body + len, cap - len, ",{\"k\":%s}", number);
    }
    len += (size_t)snprintf(body + len, cap - len, "],\"n1\":1e400}");
    size_t expected = number_tokens(body, want, COUNT + 16);
    char *fixed = fix(body, NULL);
    assert_non_null(fixed);
    assert_int_equal(number_tokens(fixed, got, COUNT + 16), expected);
    for (size_t i = 0; i < expected; i++)
        if (strcmp(want[i], got[i]) != 0)
            fail_msg("number %zu: wrote %s, --fix printed %s", i, want[i], got[i]);
    /* and fixing the fixed body changes nothing */
    char *again = fix(fixed, NULL);
    assert_string_equal(fixed, again);
    free(again);
    free(fixed);
    free(body);
}

/* A title with invalid UTF-8 is as long as Node decodes it: one U+FFFD per
 * maximal invalid subsequence. */
static void title_length_of_invalid_utf8(void **state)
{
    (void)state;
    pm3k_payload_lint_options opt;
    pm3k_payload_lint_options_init(&opt);
    opt.limits.max_title_utf16 = 4;
    static const struct {
        const char *body;
        int64_t units;
    } rows[] = {
        {V(",\"title\":\"\xE2\x82\xE2\x82\xE2\x82\xE2\x82\""), 4},
        {V(",\"title\":\"\xF0\x9F\x98 \xF0\x9F\x98\""), 3},
        {V(",\"title\":\"\xED\xA0\x80x\""), 4},
        {V(",\"title\":\"\xC0\xAF\xC0\xAF\""), 4},
        {V(",\"title\":\"\xF4\x90\x80\x80\""), 4},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        pm3k_item *item = lint_opts(rows[i].body, strlen(rows[i].body), &opt);
        int64_t units = 0;
        assert_true(pm3k_item_fact_get_int(item, "title_utf16", &units));
        if (units != rows[i].units)
            fail_msg("row %zu: %lld units, expected %lld", i, (long long)units,
                     (long long)rows[i].units);
        assert_string_equal(codes_of(item), "");
        pm3k_item_free(item);
    }
    static const char five[] = V(",\"title\":\"\xE2\x82\xE2\x82\xE2\x82\xE2\x82x\"");
    pm3k_item *item = lint_opts(five, sizeof five - 1, &opt);
    assert_string_equal(codes_of(item), "title_too_long");
    pm3k_item_free(item);
}

/* ---- build ---- */

static void build_video_and_photo(void **state)
{
    (void)state;
    pm3k_payload_options opt;
    pm3k_error err = {0};
    char *json = NULL;
    pm3k_item *item = NULL;
    pm3k_payload_options_init(&opt);
    opt.video_url = VIDEO_URL;
    opt.privacy = "Public";
    opt.title = "Line\n\"quoted\" \\ 😀";
    opt.title_len = strlen(opt.title);
    opt.ad = PM3K_AD_BRANDED;
    opt.brand = "Acme \"Co\"";
    assert_int_equal(pm3k_payload_build(&opt, NULL, &json, &item, &err), PM3K_OK);
    assert_non_null(json);
    assert_int_equal(pm3k_item_status(item), PM3K_STATUS_PASS);
    cJSON *obj = cJSON_Parse(json);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(obj, "title")->valuestring, opt.title);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(obj, "brand")->valuestring, opt.brand);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(obj, "brand_content_toggle")));
    assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(obj, "brand_organic_toggle")));
    assert_null(cJSON_GetObjectItemCaseSensitive(obj, "media_type"));
    cJSON_Delete(obj);
    free(json);
    pm3k_item_free(item);

    static const char *const urls[] = {"https://files.pm3k.org/1.jpg",
                                       "https://files.pm3k.org/2.png"};
    pm3k_payload_options_init(&opt);
    opt.photo = true;
    opt.photo_urls = urls;
    opt.photo_count = 2;
    opt.cover_index = 1;
    opt.privacy = "SELF_ONLY";
    assert_int_equal(pm3k_payload_build(&opt, NULL, &json, &item, &err), PM3K_OK);
    assert_non_null(json); /* a warning does not stop it */
    assert_string_equal(codes_of(item), "png_on_pm3k_storage");
    obj = cJSON_Parse(json);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(obj, "photo_images")), 2);
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(obj, "photo_cover_index")->valueint, 1);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(obj, "auto_add_music")));
    cJSON_Delete(obj);
    free(json);
    pm3k_item_free(item);
}

static void build_refuses(void **state)
{
    (void)state;
    pm3k_payload_options opt;
    pm3k_error err = {0};
    char *json = NULL;
    pm3k_item *item = NULL;
    static const char *const urls[] = {"https://files.pm3k.org/1.jpg"};

    /* lint failures: no body, the item says why */
    pm3k_payload_options_init(&opt);
    opt.video_url = VIDEO_URL;
    opt.privacy = "private";
    opt.ad = PM3K_AD_BRANDED;
    assert_int_equal(pm3k_payload_build(&opt, NULL, &json, &item, &err), PM3K_OK);
    assert_null(json);
    assert_string_equal(codes_of(item), "branded_content_private");
    pm3k_item_free(item);

    /* usage errors */
    struct {
        const char *what;
        pm3k_payload_options opt;
    } bad[8];
    for (size_t i = 0; i < 8; i++) {
        pm3k_payload_options_init(&bad[i].opt);
        bad[i].opt.video_url = VIDEO_URL;
        bad[i].opt.privacy = "public";
    }
    bad[0].what = "privacy is required", bad[0].opt.privacy = NULL;
    bad[1].what = "unknown privacy 'all'", bad[1].opt.privacy = "all";
    bad[2].what = "not both", bad[2].opt.photo = true, bad[2].opt.photo_urls = urls,
    bad[2].opt.photo_count = 1;
    bad[3].what = "no media", bad[3].opt.video_url = NULL;
    bad[4].what = "not valid UTF-8 (byte 2 is 0xFF)", bad[4].opt.title = "a\xFF",
    bad[4].opt.title_len = 2;
    bad[5].what = "holds a NUL character", bad[5].opt.title = "a\0b", bad[5].opt.title_len = 3;
    bad[6].what = "goes with an ad", bad[6].opt.brand = "Acme";
    bad[7].what = "photo posts only", bad[7].opt.auto_add_music = true;
    for (size_t i = 0; i < 8; i++) {
        item = NULL;
        assert_int_equal(pm3k_payload_build(&bad[i].opt, NULL, &json, &item, &err),
                         PM3K_ERR_INVALID_ARG);
        assert_null(json);
        assert_null(item);
        if (!strstr(err.message, bad[i].what))
            fail_msg("'%s' lacks '%s'", err.message, bad[i].what);
    }
    pm3k_payload_ad ad;
    assert_int_equal(pm3k_payload_ad_parse("Branded", &ad), PM3K_OK);
    assert_int_equal(ad, PM3K_AD_BRANDED);
    assert_int_equal(pm3k_payload_ad_parse("paid", &ad), PM3K_ERR_INVALID_ARG);
}

static void string_boolean_words(void **state)
{
    (void)state;
    bool v = false;
    assert_true(pm3k__string_boolean(" TRUE ", &v) && v);
    assert_true(pm3k__string_boolean("1", &v) && v);
    assert_true(pm3k__string_boolean("on", &v) && v);
    assert_true(pm3k__string_boolean("False", &v) && !v);
    assert_true(pm3k__string_boolean("", &v) && !v);
    assert_true(pm3k__string_boolean("no", &v) && !v);
    assert_false(pm3k__string_boolean("maybe", &v));
    assert_false(pm3k__string_boolean("truest", &v));
}

/* The lint's "did you mean" and the canonical form read a privacy value
 * the same way: trimmed, alias or level, any case. */
static void privacy_guess_and_trim(void **state)
{
    (void)state;
    assert_string_equal(pm3k__privacy_guess(" Friends\n"), "MUTUAL_FOLLOW_FRIENDS");
    assert_string_equal(pm3k__privacy_guess("\tself_only "), "SELF_ONLY");
    assert_null(pm3k__privacy_guess("everyone"));
    assert_null(pm3k__privacy_guess("public\f")); /* \f is no JSON whitespace */
    assert_null(pm3k__privacy_guess("PUBLIC_TO_EVERYONE_AND_MORE_THAN_FITS"));

    const char s[] = " \f a b \v\0 ";
    size_t b = 0, e = sizeof s - 1;
    pm3k__trim(s, PM3K__JSON_SPACE, &b, &e);
    assert_int_equal(b, 1);                /* \f stops it */
    assert_int_equal(e, sizeof s - 1 - 1); /* the NUL is data, not space */
    b = 0;
    e = 8; /* " \f a b \v" */
    pm3k__trim(s, PM3K__ASCII_SPACE, &b, &e);
    assert_int_equal(b, 3);
    assert_int_equal(e, 6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(valid_bodies_pass),
        cmocka_unit_test(invalid_json_line_and_column),
        cmocka_unit_test(raw_nul_bytes_do_not_cut_the_input),
        cmocka_unit_test(json_parse_strictness),
        cmocka_unit_test(nesting_beyond_cjson),
        cmocka_unit_test(form_and_multipart_bodies),
        cmocka_unit_test(not_an_object),
        cmocka_unit_test(nul_and_surrogate_escapes),
        cmocka_unit_test(scan_replaces_escapes_in_place),
        cmocka_unit_test(many_escapes_are_bounded),
        cmocka_unit_test(findings_per_kind_are_capped),
        cmocka_unit_test(line_column_counts_characters),
        cmocka_unit_test(duplicate_keys_last_wins),
        cmocka_unit_test(object_keys_helper),
        cmocka_unit_test(unknown_keys_and_suggestions),
        cmocka_unit_test(privacy_rules),
        cmocka_unit_test(video_source_url_rules),
        cmocka_unit_test(domain_rules),
        cmocka_unit_test(photo_rules),
        cmocka_unit_test(image_count_limits),
        cmocka_unit_test(booleans_and_ads),
        cmocka_unit_test(branded_content_privacy),
        cmocka_unit_test(title_rules),
        cmocka_unit_test(stop_words_in_lint),
        cmocka_unit_test(template_leftovers_in_fields),
        cmocka_unit_test(template_leftover_in_title_hides_nothing),
        cmocka_unit_test(fix_canonical_form),
        cmocka_unit_test(fix_is_stable),
        cmocka_unit_test(fix_refuses_what_is_not_an_object),
        cmocka_unit_test(escapes_in_shadowed_members),
        cmocka_unit_test(long_numbers),
        cmocka_unit_test(cover_index_as_written),
        cmocka_unit_test(fix_keeps_numbers_as_written),
        cmocka_unit_test(title_length_of_invalid_utf8),
        cmocka_unit_test(build_video_and_photo),
        cmocka_unit_test(build_refuses),
        cmocka_unit_test(string_boolean_words),
        cmocka_unit_test(privacy_guess_and_trim),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
