/* Unit tests for upload/api.c and upload/key.c without a server: PM3K's
 * answers as parsed (every documented shape, and what a lying server
 * sends), the deadlines they give, the back-off schedule, TikTok's
 * fail_reason values and the API key's sources. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "upload/api_int.h"

static void parse(const char *body, long status, pm3k__answer *a)
{
    pm3k__answer_parse(status, body, strlen(body), false, a);
}

static void success_answers(void **state)
{
    (void)state;
    pm3k__answer a;
    parse("{\"ok\":true,\"publish_id\":\"7153000000000000000001\"}", 200, &a);
    assert_int_equal(a.kind, PM3K__ANSWER_OK);
    assert_string_equal(a.publish_id, "7153000000000000000001");
    parse("{\"ok\":true,\"status\":\"PUBLISH_FAILED\",\"state\":\"failed\",\"fail_reason\":"
          "\"picture_size_check_failed\",\"raw\":{\"error\":{\"code\":\"ok\"}}}",
          200, &a);
    assert_int_equal(a.kind, PM3K__ANSWER_OK);
    assert_true(a.has_state);
    assert_string_equal(a.state, "failed");
    assert_string_equal(a.tiktok_status, "PUBLISH_FAILED");
    assert_true(a.has_fail_reason);
    assert_string_equal(a.fail_reason, "picture_size_check_failed");
    /* "fail_reason": null is no reason */
    parse("{\"ok\":true,\"state\":\"pending\",\"fail_reason\":null}", 200, &a);
    assert_false(a.has_fail_reason);
    /* a publish_id that is not one is dropped: the caller calls the
     * outcome unknown rather than follow a made-up id */
    parse("{\"ok\":true,\"publish_id\":\"71 53\\n\"}", 200, &a);
    assert_string_equal(a.publish_id, "");
    parse("{\"ok\":true,\"publish_id\":7153000000000000000001}", 200, &a);
    assert_string_equal(a.publish_id, "");
    /* JSON.parse keeps the last of duplicate keys; so does pm3k */
    parse("{\"ok\":false,\"ok\":true,\"publish_id\":\"1\",\"publish_id\":\"2\"}", 200, &a);
    assert_int_equal(a.kind, PM3K__ANSWER_OK);
    assert_string_equal(a.publish_id, "2");
}

static void error_answers(void **state)
{
    (void)state;
    pm3k__answer a;
    parse("{\"ok\":false,\"error\":\"status_cooldown\",\"message\":\"Status polling is "
          "temporarily paused.\",\"cooldown\":\"temporary_backoff\",\"retry_after_seconds\":3600,"
          "\"retry_after\":\"2025-01-01T12:30:00.000Z\",\"cooldownUntil\":\"2025-01-01T12:30:00."
          "000Z\"}",
          429, &a);
    assert_int_equal(a.kind, PM3K__ANSWER_ERROR);
    assert_string_equal(a.code, "status_cooldown");
    assert_int_equal(a.retry_after_seconds, 3600);
    assert_int_equal(a.cooldown_until, 1735734600);
    assert_int_equal(a.retry_after, 1735734600);
    assert_string_equal(a.cooldown_until_text, "2025-01-01T12:30:00.000Z");
    /* hourly_limit_status has no message */
    parse("{\"ok\":false,\"error\":\"hourly_limit_status\",\"retry_after\":\"2025-01-01T13:00:00."
          "000Z\",\"resetAt\":\"2025-01-01T13:00:00.000Z\"}",
          429, &a);
    assert_string_equal(a.message, "");
    assert_int_equal(a.reset_at, 1735736400);
    /* tiktok_error's code is raw.error.code */
    parse("{\"ok\":false,\"error\":\"tiktok_error\",\"message\":\"x\",\"raw\":{\"error\":{\"code\":"
          "\"spam_risk_text\"}}}",
          400, &a);
    assert_string_equal(a.raw_code, "spam_risk_text");
    /* control characters in a server's strings never reach a report */
    parse("{\"ok\":false,\"error\":\"bad_request\",\"message\":\"a\\u001b[31mb\\r\\nc\"}", 400, &a);
    assert_string_equal(a.message, "a [31mb  c");
    /* a message longer than its buffer is cut on a character boundary */
    char big[2000] = "{\"ok\":false,\"error\":\"x\",\"message\":\"";
    for (int i = 0; i < 400; i++)
        strcat(big, "\xc3\xa9");
    strcat(big, "\"}");
    parse(big, 400, &a);
    assert_true(strlen(a.message) < sizeof a.message);
    assert_int_equal(strlen(a.message) % 2, 0);
}

static void answers_that_cannot_be_read(void **state)
{
    (void)state;
    pm3k__answer a;
    static const struct {
        const char *body;
        const char *reason;
    } cases[] = {
        {"", "an empty answer"},
        {"<html><body>500 Internal Server Error</body></html>", "an HTML page, not JSON"},
        {"{\"ok\":true,\"publish_id\":\"7153", "an answer that is not JSON"},
        {"{\"ok\":true} trailing", "an answer that is not JSON"},
        {"[1,2]", "JSON that is not an object"},
        {"{\"publish_id\":\"7153\"}", "a JSON object without a boolean \"ok\""},
        {"{\"ok\":\"true\"}", "a JSON object without a boolean \"ok\""},
        {"{\"ok\":false}", "\"ok\": false without an error code"},
        {"{\"ok\":false,\"error\":42}", "\"ok\": false without an error code"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        parse(cases[i].body, 200, &a);
        assert_int_equal(a.kind, PM3K__ANSWER_INVALID);
        assert_string_equal(a.reason, cases[i].reason);
    }
    pm3k__answer_parse(200, "{\"ok\":true}", 11, true, &a);
    assert_int_equal(a.kind, PM3K__ANSWER_INVALID);
    assert_non_null(strstr(a.reason, "longer than 1 MiB"));
    pm3k__answer_parse(200, "{\"ok\":true}\0x", 13, false, &a);
    assert_int_equal(a.kind, PM3K__ANSWER_INVALID);
    assert_non_null(strstr(a.reason, "NUL"));
}

static void iso_times(void **state)
{
    (void)state;
    int64_t t = 0;
    assert_true(pm3k__iso_parse("2025-01-01T12:00:00.000Z", &t));
    assert_int_equal(t, 1735732800);
    assert_true(pm3k__iso_parse("2025-01-01T12:00:00Z", &t));
    assert_int_equal(t, 1735732800);
    /* a fraction rounds the deadline up */
    assert_true(pm3k__iso_parse("2025-01-01T12:00:00.001Z", &t));
    assert_int_equal(t, 1735732801);
    assert_true(pm3k__iso_parse("2025-01-01T14:00:00+02:00", &t));
    assert_int_equal(t, 1735732800);
    assert_true(pm3k__iso_parse("2025-01-01T11:30:00-00:30", &t));
    assert_int_equal(t, 1735732800);
    static const char *const bad[] = {"",
                                      "2025-01-01",
                                      "2025-01-01 12:00:00Z",
                                      "2025-13-01T12:00:00Z",
                                      "2025-01-01T25:00:00Z",
                                      "2025-01-01T12:00:00",
                                      "2025-01-01T12:00:00.Z",
                                      "2025-01-01T12:00:00Zjunk",
                                      "2025-01-01T12:00:00+0200",
                                      "tomorrow"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(pm3k__iso_parse(bad[i], &t));
    char out[32];
    pm3k_time_iso(1735732800, out, sizeof out);
    assert_string_equal(out, "2025-01-01T12:00:00Z");
}

static void deadlines_take_the_canonical_field(void **state)
{
    (void)state;
    pm3k__answer a;
    const int64_t now = 1735730000;
    /* status_cooldown: cooldownUntil over the deprecated retry_after */
    parse("{\"ok\":false,\"error\":\"status_cooldown\",\"retry_after\":\"2025-01-01T12:00:00Z\","
          "\"cooldownUntil\":\"2025-01-01T12:30:00Z\",\"retry_after_seconds\":10}",
          429, &a);
    assert_int_equal(pm3k__answer_deadline(&a, now), 1735734600);
    /* ... and retry_after_seconds when cooldownUntil is absent */
    parse("{\"ok\":false,\"error\":\"status_cooldown\",\"retry_after\":\"2025-01-01T12:00:00Z\","
          "\"retry_after_seconds\":10}",
          429, &a);
    assert_int_equal(pm3k__answer_deadline(&a, now), now + 10);
    /* hourly_limit_status: resetAt */
    parse(
        "{\"ok\":false,\"error\":\"hourly_limit_status\",\"retry_after\":\"2025-01-01T12:00:00Z\","
        "\"resetAt\":\"2025-01-01T13:00:00Z\"}",
        429, &a);
    assert_int_equal(pm3k__answer_deadline(&a, now), 1735736400);
    /* tiktok_rate_limit: retry_after_seconds */
    parse("{\"ok\":false,\"error\":\"tiktok_rate_limit\",\"retry_after_seconds\":10800}", 429, &a);
    assert_int_equal(pm3k__answer_deadline(&a, now), now + 10800);
    /* interval_limit: "about N more minutes" */
    parse("{\"ok\":false,\"error\":\"interval_limit\",\"message\":\"You must wait about 42 more "
          "minutes before next TikTok post.\"}",
          429, &a);
    assert_int_equal(pm3k__answer_deadline(&a, now), now + 42 * 60);
    assert_int_equal(pm3k__interval_minutes("You must wait about 1 more minute before next."), 1);
    assert_int_equal(pm3k__interval_minutes("Please wait."), -1);
    /* daily_limit names no time */
    parse(
        "{\"ok\":false,\"error\":\"daily_limit\",\"message\":\"Daily TikTok posting limit (10/day) "
        "reached.\"}",
        429, &a);
    assert_int_equal(pm3k__answer_deadline(&a, now), PM3K__NO_TIME);
    /* a retry_after_seconds that is no wait is ignored */
    parse("{\"ok\":false,\"error\":\"tiktok_rate_limit\",\"retry_after_seconds\":-5}", 429, &a);
    assert_int_equal(a.retry_after_seconds, -1);
    parse("{\"ok\":false,\"error\":\"tiktok_rate_limit\",\"retry_after_seconds\":1e300}", 429, &a);
    assert_int_equal(a.retry_after_seconds, -1);
}

/* Every code PM3K-API.md lists for direct_post and status has a rule for
 * the endpoints that answer it, of the right outcome. */
static void every_documented_code_has_a_rule(void **state)
{
    (void)state;
    static const struct {
        const char *code;
        bool post, status;
        pm3k_outcome outcome;
    } documented[] = {
        {"unauthorized", true, true, PM3K_OUTCOME_DEFINITE},
        {"invalid_api_key", true, true, PM3K_OUTCOME_DEFINITE},
        {"api_key_expired", true, true, PM3K_OUTCOME_DEFINITE},
        {"plan_required", true, true, PM3K_OUTCOME_DEFINITE},
        {"tiktok_not_connected", true, true, PM3K_OUTCOME_DEFINITE},
        {"tiktok_reauth_required", true, true, PM3K_OUTCOME_DEFINITE},
        {"tiktok_refresh_failed", true, true, PM3K_OUTCOME_DEFINITE},
        {"bad_request", true, true, PM3K_OUTCOME_DEFINITE},
        {"invalid_request", true, false, PM3K_OUTCOME_DEFINITE},
        {"domain_not_verified", true, false, PM3K_OUTCOME_DEFINITE},
        {"domain_mismatch", true, false, PM3K_OUTCOME_DEFINITE},
        {"fetch_error", true, false, PM3K_OUTCOME_DEFINITE},
        {"redirect_not_allowed", true, false, PM3K_OUTCOME_DEFINITE},
        {"content_length_required", true, false, PM3K_OUTCOME_DEFINITE},
        {"too_large", true, false, PM3K_OUTCOME_DEFINITE},
        {"too_large_need_proxy", true, false, PM3K_OUTCOME_DEFINITE},
        {"too_few_images", true, false, PM3K_OUTCOME_DEFINITE},
        {"too_many_images", true, false, PM3K_OUTCOME_DEFINITE},
        {"cover_out_of_range", true, false, PM3K_OUTCOME_DEFINITE},
        {"unsupported_image_type", true, false, PM3K_OUTCOME_DEFINITE},
        {"image_too_large", true, false, PM3K_OUTCOME_DEFINITE},
        {"image_too_large_px", true, false, PM3K_OUTCOME_DEFINITE},
        {"image_convert_failed", true, false, PM3K_OUTCOME_DEFINITE},
        {"links_forbidden", true, false, PM3K_OUTCOME_DEFINITE},
        {"forbidden_word", true, false, PM3K_OUTCOME_DEFINITE},
        {"video_duplicate", true, false, PM3K_OUTCOME_DEFINITE},
        {"caption_duplicate_account", true, false, PM3K_OUTCOME_DEFINITE},
        {"caption_global_spam", true, false, PM3K_OUTCOME_DEFINITE},
        {"daily_limit", true, false, PM3K_OUTCOME_TRANSIENT},
        {"interval_limit", true, false, PM3K_OUTCOME_TRANSIENT},
        {"tiktok_cooldown", true, false, PM3K_OUTCOME_TRANSIENT},
        {"tiktok_rate_limit", true, false, PM3K_OUTCOME_TRANSIENT},
        {"rate_limit_status", false, true, PM3K_OUTCOME_TRANSIENT},
        {"status_cooldown", false, true, PM3K_OUTCOME_TRANSIENT},
        {"hourly_limit_status", false, true, PM3K_OUTCOME_TRANSIENT},
        {"tiktok_error", true, true, PM3K_OUTCOME_DEFINITE},
        {"proxy_error", true, true, PM3K_OUTCOME_TRANSIENT},
    };
    for (size_t i = 0; i < sizeof documented / sizeof documented[0]; i++) {
        const pm3k__code_info *info = pm3k__code_find(documented[i].code);
        if (!info) {
            fail_msg("no row for %s", documented[i].code);
            return;
        }
        pm3k_rule_id rules[2] = {info->post_rule, info->status_rule};
        bool wanted[2] = {documented[i].post, documented[i].status};
        for (int e = 0; e < 2; e++) {
            if (!wanted[e]) {
                assert_int_equal(rules[e], PM3K_RULE__COUNT);
                continue;
            }
            const pm3k_rule *rule = pm3k_rule_get(rules[e]);
            assert_non_null(rule);
            assert_string_equal(rule->code, documented[i].code);
            assert_string_equal(rule->kind, e == 0 ? "post" : "status");
            assert_int_equal(rule->outcome, documented[i].outcome);
        }
    }
    assert_null(pm3k__code_find("spam_risk_text"));
}

static void the_backoff_schedule(void **state)
{
    (void)state;
    /* fast at first, then slower, never faster again, capped at 5 min */
    double total = 0;
    int calls_in_first_minute = 0;
    for (int i = 0; i < 40; i++) {
        double w = pm3k_status_backoff(i);
        assert_true(w >= 10.0 && w <= 300.0);
        if (i > 0)
            assert_true(w >= pm3k_status_backoff(i - 1));
        total += w;
        if (total <= 60.0)
            calls_in_first_minute++;
    }
    assert_true(pm3k_status_backoff(0) == 10.0);
    assert_true(pm3k_status_backoff(1000) == 300.0);
    /* one poller stays far below 20 calls a minute, so others fit beside it */
    assert_true(calls_in_first_minute <= 6);
}

static void fail_reasons_have_meanings(void **state)
{
    (void)state;
    static const char *const known[] = {"file_format_check_failed",
                                        "duration_check_failed",
                                        "frame_rate_check_failed",
                                        "picture_size_check_failed",
                                        "internal",
                                        "video_pull_failed",
                                        "photo_pull_failed",
                                        "publish_cancelled",
                                        "auth_removed",
                                        "spam_risk_too_many_posts",
                                        "spam_risk_user_banned_from_posting",
                                        "spam_risk_text",
                                        "spam_risk"};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        assert_non_null(pm3k_fail_reason_meaning(known[i]));
        assert_non_null(pm3k_fail_reason_hint(known[i]));
    }
    assert_null(pm3k_fail_reason_meaning("brand_new_reason"));
    assert_null(pm3k_fail_reason_meaning(NULL));
}

static void publish_ids(void **state)
{
    (void)state;
    assert_true(pm3k_publish_id_valid("7153000000000000000001"));
    assert_true(pm3k_publish_id_valid("v_pub-1"));
    assert_false(pm3k_publish_id_valid(""));
    assert_false(pm3k_publish_id_valid("71 53"));
    assert_false(pm3k_publish_id_valid("7153\""));
    char long_id[80];
    memset(long_id, '7', sizeof long_id - 1);
    long_id[sizeof long_id - 1] = '\0';
    assert_false(pm3k_publish_id_valid(long_id));
}

/* ---- the key ---- */

static char dir[64];

static const char *key_file(const char *name, const char *content, mode_t mode)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(content, fp);
    fclose(fp);
    assert_int_equal(chmod(path, mode), 0);
    return path;
}

static void keys_from_env_and_files(void **state)
{
    (void)state;
    pm3k_api_key *key = NULL;
    pm3k_key_info info;
    pm3k_error err = {0};
    char expected[PM3K_ACCOUNT_LEN + 1];
    snprintf(dir, sizeof dir, "/tmp/pm3k-test-api-XXXXXX");
    assert_non_null(mkdtemp(dir));
    unsetenv("PM3K_API_KEY");
    unsetenv("PM3K_API_KEY_FILE");
    assert_int_equal(pm3k_api_key_load(NULL, &key, &info, &err), PM3K_ERR_NOT_FOUND);
    assert_null(key);

    setenv("PM3K_API_KEY", "  pm3k_live_abc\n", 1);
    assert_int_equal(pm3k_api_key_load(NULL, &key, &info, &err), PM3K_OK);
    assert_int_equal(info.source, PM3K_KEY_FROM_ENV);
    assert_string_equal(pm3k__api_key_value(key), "pm3k_live_abc");
    assert_int_equal(pm3k_account_fingerprint("pm3k_live_abc", expected, &err), PM3K_OK);
    assert_string_equal(pm3k_api_key_account(key), expected);
    pm3k_api_key_free(key);

    /* --key-file wins over the environment; its first line is the key */
    const char *path = key_file("k1", "pm3k_file_key\r\nsecond line\n", 0600);
    assert_int_equal(pm3k_api_key_load(path, &key, &info, &err), PM3K_OK);
    assert_int_equal(info.source, PM3K_KEY_FROM_OPTION_FILE);
    assert_false(info.readable_by_others);
    assert_string_equal(pm3k__api_key_value(key), "pm3k_file_key");
    pm3k_api_key_free(key);
    path = key_file("k2", "pm3k_file_key\n", 0644);
    assert_int_equal(pm3k_api_key_load(path, &key, &info, &err), PM3K_OK);
    assert_true(info.readable_by_others);
    assert_int_equal(info.mode, 0644);
    pm3k_api_key_free(key);

    unsetenv("PM3K_API_KEY");
    setenv("PM3K_API_KEY_FILE", path, 1);
    assert_int_equal(pm3k_api_key_load(NULL, &key, &info, &err), PM3K_OK);
    assert_int_equal(info.source, PM3K_KEY_FROM_ENV_FILE);
    pm3k_api_key_free(key);
    unsetenv("PM3K_API_KEY_FILE");
}

static void bad_keys_are_usage_errors(void **state)
{
    (void)state;
    pm3k_api_key *key = NULL;
    pm3k_key_info info;
    pm3k_error err = {0};
    assert_int_equal(pm3k_api_key_load("/nonexistent/key", &key, &info, &err),
                     PM3K_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "cannot read the key file"));
    assert_int_equal(pm3k_api_key_load(dir, &key, &info, &err), PM3K_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "not a regular file"));
    const char *path = key_file("empty", " \n\n", 0600);
    assert_int_equal(pm3k_api_key_load(path, &key, &info, &err), PM3K_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "holds no API key"));
    path = key_file("space", "two words\n", 0600);
    assert_int_equal(pm3k_api_key_load(path, &key, &info, &err), PM3K_ERR_INVALID_ARG);
    /* the message never holds the key */
    assert_null(strstr(err.message, "two words"));
    setenv("PM3K_API_KEY", "bad\x01key", 1);
    assert_int_equal(pm3k_api_key_load(NULL, &key, &info, &err), PM3K_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "PM3K_API_KEY"));
    unsetenv("PM3K_API_KEY");
    assert_null(key);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(success_answers),
        cmocka_unit_test(error_answers),
        cmocka_unit_test(answers_that_cannot_be_read),
        cmocka_unit_test(iso_times),
        cmocka_unit_test(deadlines_take_the_canonical_field),
        cmocka_unit_test(every_documented_code_has_a_rule),
        cmocka_unit_test(the_backoff_schedule),
        cmocka_unit_test(fail_reasons_have_meanings),
        cmocka_unit_test(publish_ids),
        cmocka_unit_test(keys_from_env_and_files),
        cmocka_unit_test(bad_keys_are_usage_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
