/* pm3k post — lint a direct_post body, check the posting history, post it
 * through PM3K, and with --wait follow the publish status. */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "pm3k/api.h"
#include "pm3k/file.h"
#include "pm3k/url.h"

#define DOMAIN_MAX 256
/* post --wait: publishing starts when the post is made; the first status
 * call waits this long. */
#define POST_WAIT_FIRST_DELAY_S 10.0

typedef struct post_args {
    cli_common common;
    cli_key key;
    pm3k_http_options http;
    bool wait, ignore_history, resend;
    double max_wait;
    int max_attempts;
    const char *stop_words;
    char domain[DOMAIN_MAX];
} post_args;

/* The same reading of --domain as payload's: a host, any case, a port or an
 * https:// prefix allowed and ignored. */
static bool set_domain(const cli_value *v)
{
    if (pm3k_domain_host(v->text, v->field, DOMAIN_MAX))
        return true;
    return cli_value_error(v, "--domain takes a host name such as media.example.com, not '%s'",
                           v->text);
}

static const cli_option wait_options[] = {
    CLI_FLAG(0, "wait", post_args, wait,
             "then follow the publish status until done or failed (as pm3k status --wait)"),
    CLI_NUMBER(0, "max-wait", "SEC", post_args, max_wait, 1, 86400,
               "with --wait: stop polling after SEC seconds (default 900)"),
    CLI_INT(0, "max-attempts", "N", post_args, max_attempts, 1, 1000,
            "with --wait: at most N status calls"),
    CLI_END,
};

static const cli_option post_options[] = {
    CLI_SECTION("Posting"),
    CLI_FLAG(0, "ignore-history", post_args, ignore_history,
             "send even when the posting history predicts interval_limit, daily_limit, "
             "tiktok_cooldown or a duplicate (PM3K may still refuse it)"),
    CLI_FLAG(0, "resend", post_args, resend,
             "send a post whose earlier attempt got no answer (outcome_unknown): check the "
             "TikTok account first, it may have been posted"),
    CLI_GROUP(wait_options),
    CLI_SECTION("Lint (as pm3k payload --check)"),
    CLI_CALL(0, "domain", "HOST", post_args, domain, char *, set_domain,
             "your verified custom domain: other media hosts (except files.pm3k.org) are "
             "domain_mismatch"),
    CLI_STRING(0, "stop-words", "F", post_args, stop_words,
               "forbidden words or phrases, one a line, checked in the title before posting"),
    CLI_SECTION("PM3K"),
    CLI_INCLUDE(cli_key_options, post_args, key, cli_key),
    CLI_TEXT("PM3K_BASE_URL sets the API's base URL (default https://pm3k.org); PM3K_HISTORY "
             "the posting history (default $XDG_STATE_HOME/pm3k/history.db). direct_post gets "
             "120 s to answer unless --timeout is given (PM3K copies the media first)."),
    CLI_INCLUDE(cli_http_options, post_args, http, pm3k_http_options),
    CLI_INCLUDE(cli_common_options, post_args, common, cli_common),
    CLI_TEXT("Posting: 0 posted (and with --wait published), 1 refused for good (the lint, "
             "PM3K's validation, a duplicate, the key or plan) or the publish failed, 3 it "
             "will pass by waiting (interval_limit, daily_limit, a cooldown, still pending, an "
             "unknown outcome): the report says until when."),
    CLI_END,
};

const cli_spec cmd_post_spec = {
    .name = "post",
    .summary = "post a direct_post body through PM3K, within the posting budget",
    .synopsis = "[OPTIONS] PAYLOAD.json|-",
    .description =
        "Lint the body as pm3k payload --check does, check the posting history for the limits "
        "PM3K would answer (one post per rolling hour, 10 a day, duplicate videos and captions, "
        "TikTok's cooldown) and stop with the time to wait instead of spending a request, then "
        "call PM3K's direct_post and print the publish_id. A post whose answer never came is "
        "recorded as an unknown outcome and never sent again blindly. -v traces the requests "
        "on stderr (the key never shows).",
    .options = post_options,
    .examples = "export PM3K_API_KEY=...\n"
                "pm3k post body.json\n"
                "pm3k post body.json --wait --max-wait 900\n"
                "pm3k payload --video URL --privacy public | pm3k post --format json -\n"
                "pm3k post --key-file /run/secrets/pm3k body.json",
};

/* A body that cannot be read is an item, as payload --check has it. */
static pm3k_item *input_item(const char *path, pm3k_code read_rc, const char *reason)
{
    pm3k_item *item = pm3k_item_new(PM3K_KIND_POST, path);
    if (!item)
        return NULL;
    pm3k_item_set_input(item, 0);
    if (read_rc == PM3K_ERR_NOT_FOUND)
        pm3k_item_add(item, PM3K_RULE_INPUT_MISSING, PM3K_END);
    else
        pm3k_item_add(item, PM3K_RULE_INPUT_UNREADABLE, "reason", reason, PM3K_END);
    return item;
}

static int check_args(const post_args *a, const cli_parse *parse)
{
    if (parse->operand_count == 0)
        return cli_usage_error("post", "give the body: PAYLOAD.json, or - to read stdin");
    if (parse->operand_count > 1)
        return cli_usage_error("post", "one body at a time: unexpected '%s'", parse->operands[1]);
    if (!a->wait && (cli_given(parse, "max-wait") || cli_given(parse, "max-attempts")))
        return cli_usage_error("post", "--max-wait and --max-attempts go with --wait");
    return -1;
}

static void status_progress(void *userdata, const pm3k_status_progress *p)
{
    const post_args *a = userdata;
    char at[32];
    if (a->common.quiet)
        return;
    pm3k_time_iso(p->next_call_at, at, sizeof at);
    if (p->calls == 0 && strcmp(p->waiting, "schedule") == 0)
        fprintf(stderr, "status: first check at %s\n", at);
    else
        fprintf(stderr, "status: %s after %d call(s); next call at %s (%s)\n",
                p->state ? p->state : "no answer", p->calls, at, p->waiting);
}

/* The client, the post, and with --wait the status. */
static pm3k_code post_and_wait(const post_args *a, pm3k_api *api, const char *path,
                               const char *body, size_t len, const pm3k_stop_words *words,
                               cli_report *report)
{
    char publish_id[64];
    pm3k_post_options opt = {.path = path,
                             .body = body,
                             .body_len = len,
                             .strict = a->common.strict,
                             .ignore_history = a->ignore_history,
                             .resend = a->resend};
    pm3k_payload_lint_options_init(&opt.lint);
    opt.lint.limits = a->common.limits;
    opt.lint.domain = a->domain[0] ? a->domain : NULL;
    opt.lint.stop_words = words;
    pm3k_code rc =
        pm3k_post(api, &opt, cli_report_item, report, publish_id, sizeof publish_id, &report->err);
    if (rc != PM3K_OK || !a->wait || !publish_id[0])
        return rc;
    pm3k_item *item = NULL;
    pm3k_status_options sopt = {.publish_id = publish_id,
                                .wait = true,
                                .max_wait_s = a->max_wait,
                                .max_attempts = a->max_attempts,
                                .first_delay_s = POST_WAIT_FIRST_DELAY_S};
    if ((rc = pm3k_publish_status(api, &sopt, &item, &report->err)) == PM3K_OK)
        rc = cli_report_item(report, item);
    pm3k_item_free(item);
    return rc;
}

/* With the report open: key, history, client, then the post. */
static int run_post(const post_args *a, const char *path, const char *body, size_t len,
                    const pm3k_stop_words *words, cli_report *report)
{
    cli_client c;
    int exit_code = cli_client_open(&c, &a->key, &a->http, a->common.verbose, status_progress,
                                    (void *)a, report);
    if (exit_code >= 0)
        goto out;
    pm3k_code rc = post_and_wait(a, c.api, path, body, len, words, report);
    if (rc == PM3K_ERR_INVALID_ARG) {
        exit_code = cli_report_fail(report, "config", report->err.message);
        goto out;
    }
    exit_code = cli_report_finish(report, rc, "the post failed");
out:
    cli_client_close(&c);
    return exit_code;
}

int cmd_post(int argc, char **argv)
{
    post_args args = {0};
    cli_parse parse;
    cli_report report = {0};
    pm3k_stop_words *words = NULL;
    pm3k_error err = {0};
    char *body = NULL;
    size_t len = 0;
    int exit_code;

    cli_common_init(&args.common);
    if ((exit_code = cli_parse_args(&parse, &cmd_post_spec, &args, argc, argv)) >= 0 ||
        (exit_code = check_args(&args, &parse)) >= 0)
        goto out;
    if (args.stop_words && pm3k_stop_words_load(args.stop_words, &words, &err) != PM3K_OK) {
        exit_code = cli_usage_error("post", "%s", err.message);
        goto out;
    }
    const char *path = parse.operands[0];
    exit_code = PM3K_EXIT_USAGE;
    if (cli_report_open(&report, &args.common, "post") != 0)
        goto out;
    pm3k_code read_rc = pm3k_file_read(path, PM3K_PAYLOAD_MAX_BYTES, &body, &len, &err);
    if (read_rc != PM3K_OK) {
        pm3k_item *item = input_item(path, read_rc, err.message);
        pm3k_code rc = item ? cli_report_item(&report, item)
                            : pm3k_error_set(&report.err, PM3K_ERR_NOMEM, "out of memory");
        pm3k_item_free(item);
        exit_code = cli_report_finish(&report, rc, "the post failed");
        goto out;
    }
    exit_code = run_post(&args, path, body, len, words, &report);
out:
    cli_report_close(&report);
    free(body);
    pm3k_stop_words_free(words);
    cli_parse_free(&parse);
    return exit_code;
}
