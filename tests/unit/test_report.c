/* Unit tests for core/report.c and core/writer.c: statuses, exit codes,
 * facts, templates, and the four writers' output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "core/report_int.h"
#include "pm3k/pm3k.h"

typedef struct capture {
    char *data;
    size_t len;
    int fail_after; /* fail the sink after this many calls (0 = never) */
    int calls;
} capture;

static pm3k_code capture_sink(void *userdata, const char *data, size_t len)
{
    capture *c = userdata;
    c->calls++;
    if (c->fail_after && c->calls > c->fail_after)
        return PM3K_ERR_IO;
    char *grown = realloc(c->data, c->len + len + 1);
    assert_non_null(grown);
    memcpy(grown + c->len, data, len);
    c->len += len;
    grown[c->len] = '\0';
    c->data = grown;
    return PM3K_OK;
}

static pm3k_item *sample_fail(void)
{
    pm3k_item *item = pm3k_item_new(PM3K_KIND_VIDEO, "dir/clip <1>&\"x\".mp4");
    assert_non_null(item);
    pm3k_item_fact_str(item, "container", "mp4");
    pm3k_item_fact_int(item, "display_width", 1920);
    pm3k_item_fact_int(item, "display_height", 1080);
    pm3k_item_fact_num(item, "fps", 29.97);
    pm3k_item_add(item, PM3K_RULE_NOT_VERTICAL, "orientation", "landscape", PM3K_END);
    pm3k_item_add(item, PM3K_RULE_MOOV_AT_END, PM3K_END);
    return item;
}

static pm3k_item *sample_warn(void)
{
    pm3k_item *item = pm3k_item_new(PM3K_KIND_IMAGE, "photo.jpg");
    assert_non_null(item);
    pm3k_item_fact_str(item, "content_type", "png");
    pm3k_item_fact_str(item, "extension", "jpg");
    pm3k_item_add(item, PM3K_RULE_EXTENSION_MISMATCH_IMAGE, PM3K_END);
    return item;
}

static void status_follows_findings(void **state)
{
    (void)state;
    pm3k_item *pass = pm3k_item_new(PM3K_KIND_VIDEO, "a.mp4");
    pm3k_item_add(pass, PM3K_RULE_MOOV_AT_END, PM3K_END);
    assert_int_equal(pm3k_item_status(pass), PM3K_STATUS_PASS);
    assert_int_equal(pm3k_item_exit_code(pass, true), PM3K_EXIT_OK);

    pm3k_item *warn = sample_warn();
    assert_int_equal(pm3k_item_status(warn), PM3K_STATUS_WARN);
    assert_int_equal(pm3k_item_exit_code(warn, false), PM3K_EXIT_OK);
    assert_int_equal(pm3k_item_exit_code(warn, true), PM3K_EXIT_RULE_FAILED);

    pm3k_item *transient = pm3k_item_new(PM3K_KIND_URL, "https://x/y.mp4");
    pm3k_item_add(transient, PM3K_RULE_FETCH_ERROR_TRANSIENT, "reason", "timeout", PM3K_END);
    assert_int_equal(pm3k_item_status(transient), PM3K_STATUS_ERROR);
    assert_int_equal(pm3k_item_exit_code(transient, false), PM3K_EXIT_TRANSIENT);
    /* a definite failure wins over an undecided check */
    pm3k_item_add(transient, PM3K_RULE_DOMAIN_NOT_VERIFIED, "host", "x", PM3K_END);
    assert_int_equal(pm3k_item_status(transient), PM3K_STATUS_FAIL);
    assert_int_equal(pm3k_item_exit_code(transient, false), PM3K_EXIT_RULE_FAILED);

    pm3k_item *missing = pm3k_item_new(PM3K_KIND_VIDEO, "nope.mp4");
    pm3k_item_add(missing, PM3K_RULE_INPUT_MISSING, PM3K_END);
    assert_int_equal(pm3k_item_status(missing), PM3K_STATUS_ERROR);
    assert_int_equal(pm3k_item_exit_code(missing, false), PM3K_EXIT_USAGE);
    assert_string_equal(pm3k_item_find(missing, "input_missing")->message,
                        "'nope.mp4' does not exist");

    pm3k_item_free(pass);
    pm3k_item_free(warn);
    pm3k_item_free(transient);
    pm3k_item_free(missing);
    pm3k_item_free(NULL);
}

static void exit_codes_merge_with_precedence(void **state)
{
    (void)state;
    /* 2 > 1 > 3 > 0 */
    assert_int_equal(pm3k_exit_merge(0, 3), 3);
    assert_int_equal(pm3k_exit_merge(3, 1), 1);
    assert_int_equal(pm3k_exit_merge(1, 2), 2);
    assert_int_equal(pm3k_exit_merge(2, 3), 2);
    assert_int_equal(pm3k_exit_merge(1, 0), 1);

    pm3k_summary s;
    pm3k_summary_init(&s);
    pm3k_item *fail = sample_fail(), *warn = sample_warn();
    pm3k_summary_add(&s, warn, false);
    assert_int_equal(s.exit_code, 0);
    pm3k_summary_add(&s, fail, false);
    assert_int_equal(s.exit_code, 1);
    assert_int_equal(s.items, 2);
    assert_int_equal(s.failed, 1);
    assert_int_equal(s.warned, 1);
    pm3k_item_free(fail);
    pm3k_item_free(warn);
}

static void facts_keep_order_and_latest_value(void **state)
{
    (void)state;
    pm3k_item *item = pm3k_item_new(PM3K_KIND_URL, "u");
    pm3k_item_fact_int(item, "status", 200);
    pm3k_item_fact_str(item, "method", "HEAD");
    pm3k_item_fact_str(item, "method", "GET");
    pm3k_item_fact_num(item, "nan", 0.0 / 0.0);
    pm3k_item_fact_group_str(item, "headers", "content-length", "10");
    pm3k_item_fact_group_str(item, "headers", "etag", "\"x\"");
    char *text = pm3k_item_fact_text(item, "method");
    assert_string_equal(text, "GET");
    free(text);
    text = pm3k_item_fact_text(item, "nan");
    assert_string_equal(text, "null");
    free(text);
    int64_t status;
    assert_true(pm3k_item_fact_get_int(item, "status", &status));
    assert_int_equal(status, 200);
    assert_false(pm3k_item_has_fact(item, "absent"));
    assert_null(pm3k_item_fact_text(item, "absent"));
    pm3k_item_free(item);
}

static void templates_fill_from_values_then_facts(void **state)
{
    (void)state;
    pm3k_item *item = pm3k_item_new(PM3K_KIND_VIDEO, "v.mp4");
    pm3k_item_fact_num(item, "fps", 15);
    pm3k_item_add(item, PM3K_RULE_FRAME_RATE_OUT_OF_RANGE, "min_fps", "23", "max_fps", "60",
                  PM3K_END);
    assert_string_equal(pm3k_item_find(item, "frame_rate_out_of_range")->message,
                        "frame rate 15 fps is outside 23..60 fps");
    /* an unknown placeholder stays visible instead of silently vanishing */
    pm3k_item_add(item, PM3K_RULE_DURATION_TOO_LONG, PM3K_END);
    assert_non_null(strstr(pm3k_item_find(item, "duration_too_long")->message, "{duration_s}"));
    pm3k_item_free(item);
}

/* The limits an item was checked against fill the limit placeholders; a
 * value passed to pm3k_item_add still wins. */
static void templates_read_the_limits(void **state)
{
    (void)state;
    pm3k_limits limits;
    pm3k_limits_init(&limits, PM3K_PLAN_PAID, PM3K_HOSTING_EXTERNAL);
    limits.max_duration_s = 10.5;
    limits.max_video_bytes = 5000;
    pm3k_item *item = pm3k_item_new(PM3K_KIND_VIDEO, "v.mp4");
    pm3k_item_set_limits(item, &limits);
    limits.max_duration_s = 99; /* the item keeps its copy */
    pm3k_item_fact_num(item, "duration_s", 12);
    pm3k_item_fact_num(item, "fps", 15);
    pm3k_item_add(item, PM3K_RULE_DURATION_TOO_LONG, PM3K_END);
    assert_string_equal(pm3k_item_find(item, "duration_too_long")->message,
                        "duration 12 s is over the 10.5 s limit");
    pm3k_item_add(item, PM3K_RULE_FRAME_RATE_OUT_OF_RANGE, "max_fps", "59.94", PM3K_END);
    assert_string_equal(pm3k_item_find(item, "frame_rate_out_of_range")->message,
                        "frame rate 15 fps is outside 23..59.94 fps");
    pm3k_item_add(item, PM3K_RULE_TOO_LARGE_VIDEO, "size_mb", "0.006", PM3K_END);
    assert_string_equal(pm3k_item_find(item, "too_large")->message,
                        "file is 0.006 MB, over the paid plan's 0.005 MB limit");
    pm3k_item_free(item);

    /* every limit placeholder, with the default profile */
    pm3k_limits_init(&limits, PM3K_PLAN_FREE, PM3K_HOSTING_EXTERNAL);
    item = pm3k_item_new(PM3K_KIND_VIDEO, "v.mp4");
    pm3k_item_set_limits(item, &limits);
    char *text = pm3k__render_template(
        item,
        "{max_video_mb} {plan} {max_duration} {min_fps} {max_fps} {min_side} {max_side} "
        "{aspect_tolerance_percent} {max_image_mb} {max_image_side} {min_images} {max_images} "
        "{max_title} {max_photo_title} {max_mb}",
        NULL, 0);
    assert_string_equal(text, "100.0 free 600 23 60 360 4096 1 20.0 1080 1 35 2200 90 {max_mb}");
    free(text);
    /* forgotten limits leave the placeholders visible */
    pm3k_item_set_limits(item, NULL);
    text = pm3k__render_template(item, "{min_side}..{max_side}", NULL, 0);
    assert_string_equal(text, "{min_side}..{max_side}");
    free(text);
    pm3k_item_free(item);
}

static void write_all(pm3k_format format, bool strict, capture *out)
{
    pm3k_writer_options opt = {.format = format, .strict = strict, .command = "probe"};
    pm3k_writer *w = NULL;
    pm3k_error err = {0};
    assert_int_equal(pm3k_writer_new(&opt, capture_sink, out, &w, &err), PM3K_OK);
    pm3k_item *a = sample_fail(), *b = sample_warn();
    pm3k_summary s;
    pm3k_summary_init(&s);
    pm3k_summary_add(&s, a, strict);
    pm3k_summary_add(&s, b, strict);
    s.elapsed_ms = 42;
    assert_int_equal(pm3k_writer_item(w, a, &err), PM3K_OK);
    assert_int_equal(pm3k_writer_item(w, b, &err), PM3K_OK);
    assert_int_equal(pm3k_writer_finish(w, &s, &err), PM3K_OK);
    pm3k_writer_free(w);
    pm3k_item_free(a);
    pm3k_item_free(b);
}

static void json_writer_streams_one_document(void **state)
{
    (void)state;
    capture out = {0};
    write_all(PM3K_FORMAT_JSON, false, &out);
    cJSON *doc = cJSON_Parse(out.data);
    assert_non_null(doc);
    assert_int_equal(cJSON_GetObjectItem(doc, "schema")->valueint, 2);
    assert_string_equal(cJSON_GetObjectItem(doc, "tool")->valuestring, "pm3k");
    cJSON *items = cJSON_GetObjectItem(doc, "items");
    assert_int_equal(cJSON_GetArraySize(items), 2);
    cJSON *first = cJSON_GetArrayItem(items, 0);
    assert_string_equal(cJSON_GetObjectItem(first, "path")->valuestring, "dir/clip <1>&\"x\".mp4");
    assert_string_equal(cJSON_GetObjectItem(first, "status")->valuestring, "fail");
    cJSON *facts = cJSON_GetObjectItem(first, "facts");
    assert_true(cJSON_GetObjectItem(facts, "fps")->valuedouble == 29.97);
    cJSON *f0 = cJSON_GetArrayItem(cJSON_GetObjectItem(first, "findings"), 0);
    assert_string_equal(cJSON_GetObjectItem(f0, "predicts")->valuestring, "bad_request");
    cJSON *f1 = cJSON_GetArrayItem(cJSON_GetObjectItem(first, "findings"), 1);
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(f1, "predicts")));
    cJSON *summary = cJSON_GetObjectItem(doc, "summary");
    assert_int_equal(cJSON_GetObjectItem(summary, "failed")->valueint, 1);
    assert_int_equal(cJSON_GetObjectItem(summary, "warned")->valueint, 1);
    assert_int_equal(cJSON_GetObjectItem(summary, "exit_code")->valueint, 1);
    assert_int_equal(cJSON_GetObjectItem(summary, "elapsed_ms")->valueint, 42);
    cJSON_Delete(doc);
    free(out.data);

    /* no items is still one valid document */
    pm3k_writer_options opt = {.format = PM3K_FORMAT_JSON};
    pm3k_writer *w = NULL;
    pm3k_summary s;
    pm3k_summary_init(&s);
    capture empty = {0};
    assert_int_equal(pm3k_writer_new(&opt, capture_sink, &empty, &w, NULL), PM3K_OK);
    assert_int_equal(pm3k_writer_finish(w, &s, NULL), PM3K_OK);
    pm3k_writer_free(w);
    doc = cJSON_Parse(empty.data);
    assert_non_null(doc);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "items")), 0);
    cJSON_Delete(doc);
    free(empty.data);
}

static void ndjson_writer_has_one_line_per_item_then_summary(void **state)
{
    (void)state;
    capture out = {0};
    write_all(PM3K_FORMAT_NDJSON, false, &out);
    int lines = 0;
    for (char *line = strtok(out.data, "\n"); line; line = strtok(NULL, "\n")) {
        cJSON *obj = cJSON_Parse(line);
        assert_non_null(obj);
        if (lines < 2)
            assert_non_null(cJSON_GetObjectItem(obj, "path"));
        else
            assert_non_null(cJSON_GetObjectItem(obj, "summary"));
        cJSON_Delete(obj);
        lines++;
    }
    assert_int_equal(lines, 3);
    free(out.data);
}

static void text_writer_shows_status_code_and_hint(void **state)
{
    (void)state;
    capture out = {0};
    write_all(PM3K_FORMAT_TEXT, false, &out);
    assert_non_null(strstr(out.data, "FAIL  dir/clip <1>&\"x\".mp4: not_vertical — displayed "
                                     "1920x1080 (landscape)"));
    assert_non_null(strstr(out.data, "[bad_request]"));
    assert_non_null(strstr(out.data, "      info moov_at_end — "));
    /* the hint names the file, quoted for the shell (issue 13) */
    assert_non_null(strstr(out.data, "      fix: crop the middle to 9:16: ffmpeg -i "
                                     "'dir/clip <1>&\"x\".mp4' -vf"));
    assert_non_null(strstr(out.data, "'dir/clip <1>&\"x\"-fixed.mp4'"));
    assert_non_null(strstr(out.data, "WARN  photo.jpg: extension_mismatch"));
    assert_non_null(strstr(out.data, "2 items: 0 passed, 1 warned, 1 failed, 0 errors"));
    assert_null(strstr(out.data, "\033[")); /* no colour unless asked */
    free(out.data);
}

static void junit_writer_escapes_and_counts(void **state)
{
    (void)state;
    capture out = {0};
    write_all(PM3K_FORMAT_JUNIT, false, &out);
    assert_non_null(strstr(out.data, "tests=\"2\" failures=\"1\" errors=\"0\""));
    assert_non_null(strstr(out.data, "name=\"dir/clip &lt;1&gt;&amp;&quot;x&quot;.mp4\""));
    assert_non_null(strstr(out.data, "<failure type=\"not_vertical\""));
    assert_non_null(strstr(out.data, "<system-out>warning extension_mismatch"));
    free(out.data);

    capture strict = {0};
    write_all(PM3K_FORMAT_JUNIT, true, &strict);
    assert_non_null(strstr(strict.data, "tests=\"2\" failures=\"2\""));
    assert_non_null(strstr(strict.data, "<failure type=\"extension_mismatch\""));
    free(strict.data);
}

static void writer_reports_sink_failure(void **state)
{
    (void)state;
    capture out = {.fail_after = 1};
    pm3k_writer_options opt = {.format = PM3K_FORMAT_NDJSON};
    pm3k_writer *w = NULL;
    pm3k_error err = {0};
    assert_int_equal(pm3k_writer_new(&opt, capture_sink, &out, &w, &err), PM3K_OK);
    pm3k_item *a = sample_fail();
    assert_int_equal(pm3k_writer_item(w, a, &err), PM3K_OK);
    assert_int_equal(pm3k_writer_item(w, a, &err), PM3K_ERR_IO);
    assert_string_equal(err.message, "cannot write the report");
    pm3k_writer_free(w);
    pm3k_item_free(a);
    free(out.data);
}

static void invalid_utf8_is_replaced_in_json(void **state)
{
    (void)state;
    pm3k_item *item = pm3k_item_new(PM3K_KIND_VIDEO, "bad\xff\xfe name.mp4");
    capture out = {0};
    pm3k_writer_options opt = {.format = PM3K_FORMAT_NDJSON};
    pm3k_writer *w = NULL;
    assert_int_equal(pm3k_writer_new(&opt, capture_sink, &out, &w, NULL), PM3K_OK);
    assert_int_equal(pm3k_writer_item(w, item, NULL), PM3K_OK);
    assert_true(pm3k_utf8_valid(out.data, out.len));
    assert_non_null(strstr(out.data, "bad\xEF\xBF\xBD\xEF\xBF\xBD name.mp4"));
    /* the bytes themselves come back from path_b64 */
    assert_non_null(strstr(out.data, "\"path_b64\":\"YmFk//4gbmFtZS5tcDQ=\""));
    pm3k_writer_free(w);
    pm3k_item_free(item);
    free(out.data);
}

/* --ignore: the finding stays, as info with "ignored": true, and counts for
 * nothing in status and exit code. */
static void ignored_findings_count_as_info(void **state)
{
    (void)state;
    pm3k_item *item = pm3k_item_new(PM3K_KIND_VIDEO, "clip.mp4");
    pm3k_item_fact_int(item, "display_width", 1920);
    pm3k_item_fact_int(item, "display_height", 1080);
    pm3k_item_add(item, PM3K_RULE_NOT_VERTICAL, "orientation", "landscape", PM3K_END);
    pm3k_item_add(item, PM3K_RULE_MOOV_AT_END, PM3K_END);
    assert_int_equal(pm3k_item_status(item), PM3K_STATUS_FAIL);
    assert_int_equal(pm3k_item_ignore(item, "not_vertical"), 1);
    assert_int_equal(pm3k_item_ignore(item, "not_vertical"), 0);
    assert_int_equal(pm3k_item_status(item), PM3K_STATUS_PASS);
    assert_int_equal(pm3k_item_exit_code(item, true), PM3K_EXIT_OK);
    pm3k_item_set_input(item, 3);
    cJSON *obj = pm3k__item_to_json(item);
    assert_int_equal(cJSON_GetObjectItem(obj, "input")->valueint, 3);
    cJSON *f0 = cJSON_GetArrayItem(cJSON_GetObjectItem(obj, "findings"), 0);
    assert_string_equal(cJSON_GetObjectItem(f0, "severity")->valuestring, "info");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(f0, "ignored")));
    cJSON *f1 = cJSON_GetArrayItem(cJSON_GetObjectItem(obj, "findings"), 1);
    assert_null(cJSON_GetObjectItem(f1, "ignored"));
    assert_null(cJSON_GetObjectItem(obj, "path_b64"));
    cJSON_Delete(obj);
    pm3k_item_set_input(item, -5);
    obj = pm3k__item_to_json(item);
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(obj, "input")));
    cJSON_Delete(obj);
    pm3k_item_free(item);
}

/* A run that fails as a whole still ends json and ndjson as documents. */
static void run_errors_end_valid_documents(void **state)
{
    (void)state;
    pm3k_format formats[] = {PM3K_FORMAT_JSON, PM3K_FORMAT_NDJSON, PM3K_FORMAT_TEXT};
    for (size_t i = 0; i < 3; i++) {
        capture out = {0};
        pm3k_writer_options opt = {.format = formats[i]};
        pm3k_writer *w = NULL;
        pm3k_summary s;
        pm3k_summary_init(&s);
        s.exit_code = PM3K_EXIT_USAGE;
        s.skipped = 4;
        s.interrupted = true;
        assert_int_equal(pm3k_writer_new(&opt, capture_sink, &out, &w, NULL), PM3K_OK);
        assert_int_equal(
            pm3k_writer_finish_error(w, &s, "invalid_arg", "unknown option '--bogus'", NULL),
            PM3K_OK);
        pm3k_writer_free(w);
        if (formats[i] == PM3K_FORMAT_TEXT) {
            assert_non_null(strstr(out.data, ", 4 skipped ("));
            assert_non_null(strstr(out.data, ", interrupted\n"));
            free(out.data);
            continue;
        }
        cJSON *doc = cJSON_Parse(out.data);
        assert_non_null(doc);
        cJSON *error = cJSON_GetObjectItem(doc, "error");
        assert_string_equal(cJSON_GetObjectItem(error, "code")->valuestring, "invalid_arg");
        assert_string_equal(cJSON_GetObjectItem(error, "message")->valuestring,
                            "unknown option '--bogus'");
        cJSON *summary = cJSON_GetObjectItem(doc, "summary");
        assert_int_equal(cJSON_GetObjectItem(summary, "exit_code")->valueint, 2);
        assert_int_equal(cJSON_GetObjectItem(summary, "skipped")->valueint, 4);
        assert_true(cJSON_IsTrue(cJSON_GetObjectItem(summary, "interrupted")));
        cJSON_Delete(doc);
        free(out.data);
    }
}

/* A file name must not drive the terminal or break one line per item. */
static void text_writer_escapes_control_bytes(void **state)
{
    (void)state;
    pm3k_item *item = pm3k_item_new(PM3K_KIND_VIDEO, "esc\033[31mRED\nline.mp4");
    pm3k_item_add(item, PM3K_RULE_INPUT_MISSING, PM3K_END);
    capture out = {0};
    pm3k_writer_options opt = {.format = PM3K_FORMAT_TEXT};
    pm3k_writer *w = NULL;
    assert_int_equal(pm3k_writer_new(&opt, capture_sink, &out, &w, NULL), PM3K_OK);
    assert_int_equal(pm3k_writer_item(w, item, NULL), PM3K_OK);
    assert_null(strchr(out.data, '\033'));
    assert_non_null(strstr(out.data, "ERROR esc\\x1b[31mRED\\nline.mp4: input_missing — "
                                     "'esc\\x1b[31mRED\\nline.mp4' does not exist\n"));
    pm3k_writer_free(w);
    pm3k_item_free(item);
    free(out.data);
}

/* GitHub's workflow commands: '%', CR and LF escaped in the message, and
 * ':' and ',' too in a property (the file name). */
static void github_writer_escapes_data_and_properties(void **state)
{
    (void)state;
    pm3k_item *missing = pm3k_item_new(PM3K_KIND_VIDEO, "a%b,c:d\r\ne.mp4");
    pm3k_item_add(missing, PM3K_RULE_INPUT_MISSING, PM3K_END);
    pm3k_item *warn = sample_warn();
    pm3k_item *pass = pm3k_item_new(PM3K_KIND_VIDEO, "fine.mp4");
    capture out = {0};
    pm3k_writer_options opt = {.format = PM3K_FORMAT_GITHUB, .command = "probe"};
    pm3k_writer *w = NULL;
    pm3k_summary summary;
    pm3k_summary_init(&summary);
    assert_int_equal(pm3k_writer_new(&opt, capture_sink, &out, &w, NULL), PM3K_OK);
    pm3k_item *items[] = {missing, warn, pass};
    for (size_t i = 0; i < 3; i++) {
        pm3k_summary_add(&summary, items[i], false);
        assert_int_equal(pm3k_writer_item(w, items[i], NULL), PM3K_OK);
    }
    assert_int_equal(pm3k_writer_finish(w, &summary, NULL), PM3K_OK);
    assert_non_null(strstr(out.data, "::error file=a%25b%2Cc%3Ad%0D%0Ae.mp4,title=input_missing::"
                                     "'a%25b,c:d%0D%0Ae.mp4' does not exist%0Afix: "));
    assert_non_null(strstr(out.data, "\n::warning file=photo.jpg,title=extension_mismatch::"));
    assert_null(strstr(out.data, "fine.mp4"));
    assert_non_null(strstr(out.data, "\n::notice title=pm3k probe::3 items: 1 passed, 1 warned, "
                                     "0 failed, 1 error\n"));
    /* one line per annotation: no raw CR or LF inside one */
    size_t lines = 0;
    for (const char *p = out.data; *p; p++) {
        assert_true(*p != '\r');
        lines += *p == '\n';
    }
    assert_int_equal(lines, 3);
    pm3k_writer_free(w);
    pm3k_item_free(missing);
    pm3k_item_free(warn);
    pm3k_item_free(pass);
    free(out.data);
}

/* Text output doubles a backslash in a path: "new\\nline" is told apart
 * from "new\nline". */
static void text_writer_doubles_backslashes_in_paths(void **state)
{
    (void)state;
    pm3k_item *a = pm3k_item_new(PM3K_KIND_VIDEO, "new\\nline.mp4");
    pm3k_item *b = pm3k_item_new(PM3K_KIND_VIDEO, "new\nline.mp4");
    capture out = {0};
    pm3k_writer_options opt = {.format = PM3K_FORMAT_TEXT};
    pm3k_writer *w = NULL;
    assert_int_equal(pm3k_writer_new(&opt, capture_sink, &out, &w, NULL), PM3K_OK);
    assert_int_equal(pm3k_writer_item(w, a, NULL), PM3K_OK);
    assert_int_equal(pm3k_writer_item(w, b, NULL), PM3K_OK);
    assert_string_equal(out.data, "PASS  new\\\\nline.mp4\nPASS  new\\nline.mp4\n");
    pm3k_writer_free(w);
    pm3k_item_free(a);
    pm3k_item_free(b);
    free(out.data);
}

static void formats_parse(void **state)
{
    (void)state;
    pm3k_format f;
    assert_int_equal(pm3k_format_parse("ndjson", &f), PM3K_OK);
    assert_int_equal(f, PM3K_FORMAT_NDJSON);
    assert_int_equal(pm3k_format_parse("github", &f), PM3K_OK);
    assert_int_equal(f, PM3K_FORMAT_GITHUB);
    assert_int_equal(pm3k_format_parse("xml", &f), PM3K_ERR_INVALID_ARG);
    assert_int_equal(pm3k_format_parse(NULL, &f), PM3K_ERR_INVALID_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(status_follows_findings),
        cmocka_unit_test(exit_codes_merge_with_precedence),
        cmocka_unit_test(facts_keep_order_and_latest_value),
        cmocka_unit_test(templates_fill_from_values_then_facts),
        cmocka_unit_test(templates_read_the_limits),
        cmocka_unit_test(json_writer_streams_one_document),
        cmocka_unit_test(ndjson_writer_has_one_line_per_item_then_summary),
        cmocka_unit_test(text_writer_shows_status_code_and_hint),
        cmocka_unit_test(junit_writer_escapes_and_counts),
        cmocka_unit_test(writer_reports_sink_failure),
        cmocka_unit_test(invalid_utf8_is_replaced_in_json),
        cmocka_unit_test(text_writer_escapes_control_bytes),
        cmocka_unit_test(ignored_findings_count_as_info),
        cmocka_unit_test(run_errors_end_valid_documents),
        cmocka_unit_test(formats_parse),
        cmocka_unit_test(github_writer_escapes_data_and_properties),
        cmocka_unit_test(text_writer_doubles_backslashes_in_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
