/* pm3k status — the publish status of a post, once or polled within PM3K's
 * limits until it is done or failed. */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "pm3k/api.h"

typedef struct status_args {
    cli_common common;
    cli_key key;
    pm3k_http_options http;
    bool wait;
    double max_wait;
    int max_attempts;
} status_args;

static const cli_option wait_options[] = {
    CLI_NUMBER(0, "max-wait", "SEC", status_args, max_wait, 1, 86400,
               "stop polling after SEC seconds (default 900)"),
    CLI_INT(0, "max-attempts", "N", status_args, max_attempts, 1, 1000, "at most N status calls"),
    CLI_END,
};

static const cli_option status_options[] = {
    CLI_SECTION("Polling"),
    CLI_FLAG(0, "wait", status_args, wait,
             "poll until the publish is done or failed: first at once, then every 10 s, slowing "
             "to every 5 minutes, with jitter; never over 20 calls a minute or 40 an hour per "
             "account, counted across every pm3k process in the history; every deadline PM3K "
             "gives is kept"),
    CLI_GROUP(wait_options),
    CLI_SECTION("PM3K"),
    CLI_INCLUDE(cli_key_options, status_args, key, cli_key),
    CLI_TEXT("PM3K_BASE_URL sets the API's base URL (default https://pm3k.org); PM3K_HISTORY "
             "the posting history."),
    CLI_INCLUDE(cli_http_options, status_args, http, pm3k_http_options),
    CLI_INCLUDE(cli_common_options, status_args, common, cli_common),
    CLI_TEXT("Status: 0 done (published), 1 failed (fail_reason and its meaning are printed) or "
             "refused for good (the key, an unknown publish_id), 3 still pending or a limit "
             "holds: the report says when the next call is safe."),
    CLI_END,
};

const cli_spec cmd_status_spec = {
    .name = "status",
    .summary = "the publish status of a post (done, failed, pending), within PM3K's limits",
    .synopsis = "[OPTIONS] PUBLISH_ID",
    .description =
        "Ask PM3K's /api/tiktok/status once, or with --wait poll until TikTok has published "
        "the post or failed it. The status budget (20 calls a minute, 40 an hour per account, "
        "then an hour's cooldown) is counted in the posting history, so several pm3k processes "
        "share it and none spends a call PM3K would refuse.",
    .options = status_options,
    .examples = "pm3k status 7153000000000000000001\n"
                "pm3k status 7153000000000000000001 --wait --max-wait 900\n"
                "pm3k status --format json --wait --max-attempts 10 7153000000000000000001",
};

static int check_args(const status_args *a, const cli_parse *parse)
{
    if (parse->operand_count == 0)
        return cli_usage_error("status", "give the publish_id that pm3k post printed");
    if (parse->operand_count > 1)
        return cli_usage_error("status", "one publish_id at a time: unexpected '%s'",
                               parse->operands[1]);
    if (!pm3k_publish_id_valid(parse->operands[0]))
        return cli_usage_error("status",
                               "'%s' is not a publish_id (letters, digits, '_' and '-', at "
                               "most 63)",
                               parse->operands[0]);
    if (!a->wait && (cli_given(parse, "max-wait") || cli_given(parse, "max-attempts")))
        return cli_usage_error("status", "--max-wait and --max-attempts go with --wait");
    return -1;
}

static void status_progress(void *userdata, const pm3k_status_progress *p)
{
    const status_args *a = userdata;
    char at[32];
    if (a->common.quiet || !a->wait || p->calls == 0)
        return;
    pm3k_time_iso(p->next_call_at, at, sizeof at);
    fprintf(stderr, "status: %s after %d call(s); next call at %s (%s)\n",
            p->state ? p->state : "no answer", p->calls, at, p->waiting);
}

static int run_status(const status_args *a, const char *publish_id, cli_report *report)
{
    pm3k_item *item = NULL;
    cli_client c;
    int exit_code = cli_client_open(&c, &a->key, &a->http, a->common.verbose, status_progress,
                                    (void *)a, report);
    if (exit_code >= 0)
        goto out;
    pm3k_status_options sopt = {.publish_id = publish_id,
                                .wait = a->wait,
                                .max_wait_s = a->max_wait,
                                .max_attempts = a->max_attempts};
    pm3k_code rc = pm3k_publish_status(c.api, &sopt, &item, &report->err);
    if (rc == PM3K_ERR_INVALID_ARG) {
        exit_code = cli_report_fail(report, "config", report->err.message);
        goto out;
    }
    if (rc == PM3K_OK)
        rc = cli_report_item(report, item);
    exit_code = cli_report_finish(report, rc, "the status call failed");
out:
    pm3k_item_free(item);
    cli_client_close(&c);
    return exit_code;
}

int cmd_status(int argc, char **argv)
{
    status_args args = {0};
    cli_parse parse;
    cli_report report = {0};
    int exit_code;

    cli_common_init(&args.common);
    if ((exit_code = cli_parse_args(&parse, &cmd_status_spec, &args, argc, argv)) >= 0 ||
        (exit_code = check_args(&args, &parse)) >= 0)
        goto out;
    exit_code = PM3K_EXIT_USAGE;
    if (cli_report_open(&report, &args.common, "status") != 0)
        goto out;
    exit_code = run_status(&args, parse.operands[0], &report);
out:
    cli_report_close(&report);
    cli_parse_free(&parse);
    return exit_code;
}
