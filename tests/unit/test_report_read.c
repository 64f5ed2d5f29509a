/* Unit tests for core/report_read.c: a report line read back is the item
 * that was written (what the result cache and `pm3k report merge` rely on),
 * and lines of another schema or with unknown findings are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "core/report_int.h"
#include "core/rules_int.h"
#include "pm3k/pm3k.h"

static char *line_of(const pm3k_item *item)
{
    cJSON *obj = pm3k__item_to_json(item);
    assert_non_null(obj);
    char *text = cJSON_PrintUnformatted(obj);
    cJSON_Delete(obj);
    assert_non_null(text);
    return text;
}

static pm3k_item *read_back(const char *text)
{
    pm3k_report_line line;
    pm3k_error err = {0};
    assert_int_equal(pm3k_report_line_parse(text, strlen(text), &line, &err), PM3K_OK);
    assert_false(line.is_summary);
    assert_non_null(line.item);
    return line.item;
}

static void item_reads_back_as_written(void **state)
{
    (void)state;
    pm3k_item *item = pm3k_item_new(PM3K_KIND_VIDEO, "dir/clip.mp4");
    pm3k_item_set_input(item, 3);
    pm3k_item_fact_int(item, "display_width", 1920);
    pm3k_item_fact_num(item, "fps", 29.97);
    pm3k_item_fact_group_str(item, "headers", "content-type", "video/mp4");
    pm3k_item_add(item, PM3K_RULE_NOT_VERTICAL, "orientation", "landscape", "display_width", "1920",
                  "display_height", "1080", PM3K_END);
    pm3k_item_add(item, PM3K_RULE_MOOV_AT_END, PM3K_END);
    pm3k_item_ignore(item, "moov_at_end");
    char *first = line_of(item);
    pm3k_item *again = read_back(first);
    char *second = line_of(again);
    assert_string_equal(first, second);
    assert_int_equal(pm3k_item_status(again), PM3K_STATUS_FAIL);
    assert_int_equal(pm3k_item_exit_code(again, false), pm3k_item_exit_code(item, false));
    assert_int_equal(pm3k_item_input(again), 3);
    assert_true(pm3k_item_finding(again, 1)->ignored);
    assert_ptr_equal(pm3k_item_finding(again, 0)->rule, pm3k_rule_get(PM3K_RULE_NOT_VERTICAL));
    free(first);
    free(second);
    pm3k_item_free(item);
    pm3k_item_free(again);
}

/* unreadable_media is a video row and an image row: the kind picks. */
static void shared_code_finds_the_kind_row(void **state)
{
    (void)state;
    pm3k_item *item = pm3k_item_new(PM3K_KIND_IMAGE, "a.jpg");
    pm3k_item_add(item, PM3K_RULE_UNREADABLE_MEDIA_IMAGE, "reason", "cut off", PM3K_END);
    char *text = line_of(item);
    pm3k_item *again = read_back(text);
    assert_ptr_equal(pm3k_item_finding(again, 0)->rule,
                     pm3k_rule_get(PM3K_RULE_UNREADABLE_MEDIA_IMAGE));
    free(text);
    pm3k_item_free(item);
    pm3k_item_free(again);
}

/* A path that is not UTF-8 comes back as its bytes (path_b64). */
static void path_bytes_come_back(void **state)
{
    (void)state;
    const char *path = "photos/caf\xe9.jpg";
    pm3k_item *item = pm3k_item_new(PM3K_KIND_IMAGE, path);
    char *text = line_of(item);
    assert_non_null(strstr(text, "path_b64"));
    pm3k_item *again = read_back(text);
    assert_string_equal(pm3k_item_path(again), path);
    free(text);
    pm3k_item_free(item);
    pm3k_item_free(again);
}

static void refuses(const char *text, const char *why)
{
    pm3k_report_line line;
    pm3k_error err = {0};
    assert_int_equal(pm3k_report_line_parse(text, strlen(text), &line, &err), PM3K_ERR_PARSE);
    assert_null(line.item);
    assert_non_null(strstr(err.message, why));
}

static void bad_lines_are_refused(void **state)
{
    (void)state;
    refuses("[1,2]", "not a JSON object");
    refuses("{\"path\":\"a\",\"kind\":\"sofa\",\"facts\":{},\"findings\":[]}", "kind");
    refuses("{\"path\":\"a\",\"kind\":\"video\",\"facts\":{},\"findings\":[{\"code\":\"no_such\","
            "\"severity\":\"error\",\"predicts\":null,\"message\":\"m\",\"hint\":\"h\"}]}",
            "unknown finding code 'no_such'");
    refuses("{\"path\":\"a\",\"kind\":\"video\",\"facts\":{},\"findings\":[{\"code\":"
            "\"not_vertical\",\"severity\":\"warning\",\"predicts\":\"bad_request\","
            "\"message\":\"m\",\"hint\":\"h\"}]}",
            "unknown finding code");
    refuses("{\"path\":\"a\",\"path_b64\":\"*\",\"kind\":\"video\",\"facts\":{},\"findings\":[]}",
            "path_b64");
    refuses("{\"schema\":1,\"summary\":{}}", "schema 2");
    refuses("{\"schema\":2,\"summary\":{\"items\":1}}", "summary lacks");
}

static void summary_line_reads_back(void **state)
{
    (void)state;
    const char *text = "{\"schema\":2,\"tool\":\"pm3k\",\"version\":\"x\",\"summary\":{\"items\":4,"
                       "\"passed\":1,\"warned\":1,\"failed\":1,\"errors\":1,\"skipped\":7,"
                       "\"elapsed_ms\":12,\"exit_code\":2,\"interrupted\":true},"
                       "\"error\":{\"code\":\"library\",\"message\":\"cannot load\"}}";
    pm3k_report_line line;
    pm3k_error err = {0};
    assert_int_equal(pm3k_report_line_parse(text, strlen(text), &line, &err), PM3K_OK);
    assert_true(line.is_summary);
    assert_null(line.item);
    assert_int_equal(line.summary.items, 4);
    assert_int_equal(line.summary.skipped, 7);
    assert_int_equal(line.summary.exit_code, 2);
    assert_true(line.summary.interrupted);
    assert_string_equal(line.error_code, "library");
    assert_string_equal(line.error_message, "cannot load");
}

/* The cache's key: the rules version is stable within a build. */
static void rules_version_is_stable(void **state)
{
    (void)state;
    char a[PM3K__RULES_VERSION_LEN + 1], b[PM3K__RULES_VERSION_LEN + 1];
    pm3k__rules_version(a);
    pm3k__rules_version(b);
    assert_string_equal(a, b);
    assert_true(strlen(a) > 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(item_reads_back_as_written),
        cmocka_unit_test(shared_code_finds_the_kind_row),
        cmocka_unit_test(path_bytes_come_back),
        cmocka_unit_test(bad_lines_are_refused),
        cmocka_unit_test(summary_line_reads_back),
        cmocka_unit_test(rules_version_is_stable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
