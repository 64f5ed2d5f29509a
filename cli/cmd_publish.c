/* pm3k publish — probe, upload, payload, post and status for one file,
 * each stage an item of the report; resumable through the history. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/storage_opts.h"
#include "pm3k/api.h"
#include "pm3k/upload.h"

typedef struct publish_args {
    cli_common common;
    cli_key key;
    pm3k_http_options http;
    cli_storage storage;
    cli_body body;
    double max_wait;
    int max_attempts;
} publish_args;

static const cli_option publish_options[] = {
    CLI_SECTION("Target"),
    CLI_INCLUDE(cli_storage_options, publish_args, storage, cli_storage),
    CLI_SECTION("The post"),
    CLI_INCLUDE(cli_body_options, publish_args, body, cli_body),
    CLI_NUMBER(0, "max-wait", "SEC", publish_args, max_wait, 1, 86400,
               "stop following the status after SEC seconds (default 900)"),
    CLI_INT(0, "max-attempts", "N", publish_args, max_attempts, 1, 1000, "at most N status calls"),
    CLI_SECTION("Probe (as pm3k probe)"),
    CLI_INCLUDE(cli_video_limit_options, publish_args, common, cli_common),
    CLI_SECTION("PM3K and S3"),
    CLI_INCLUDE(cli_key_options, publish_args, key, cli_key),
    CLI_TEXT("As pm3k upload and pm3k post: PM3K_API_KEY, PM3K_BASE_URL, PM3K_UPLOAD_URL, "
             "PM3K_HISTORY, and for S3 the AWS_* variables."),
    CLI_INCLUDE(cli_http_options, publish_args, http, pm3k_http_options),
    CLI_INCLUDE(cli_common_options, publish_args, common, cli_common),
    CLI_TEXT("Exit: 0 published, 1 a stage failed for good, 2 usage or configuration, 3 try "
             "again later (inside the posting interval: nothing is uploaded; network; still "
             "pending; a post whose outcome is unknown is never re-sent), 130/143 stopped."),
    CLI_END,
};

const cli_spec cmd_publish_spec = {
    .name = "publish",
    .summary = "probe, upload, post and follow one video to the end",
    .synopsis = "[OPTIONS] --to pm3k|s3://BUCKET/PREFIX --privacy P FILE",
    .description =
        "End to end: probe the file, check the posting budget (inside the interval nothing is "
        "uploaded), upload it (the same bytes are not sent twice), build the body, post it and "
        "follow the status until done. Every stage is an item with its timing; the run stops "
        "at the first stage that fails. A re-run after a crash or Ctrl-C skips what is done "
        "and never re-sends a post whose outcome is unknown.",
    .options = publish_options,
    .examples = "pm3k publish clip.mp4 --to pm3k --title \"Drop\" --privacy public\n"
                "pm3k publish clip.mp4 --to s3://media-bucket/tiktok/ \\\n"
                "    --public-base https://media.example.com/tiktok/ --privacy public",
};

static int check_args(publish_args *a, const cli_parse *parse)
{
    if (!a->storage.to)
        return cli_usage_error("publish", "give the target: --to pm3k or --to s3://BUCKET/PREFIX");
    if (parse->operand_count != 1)
        return cli_usage_error("publish", "give one video file");
    if (!a->body.privacy)
        return cli_usage_error("publish", "--privacy is required: public, friends, followers or "
                                          "private");
    pm3k_limits_set_hosting(&a->common.limits, strcmp(a->storage.to, "pm3k") == 0
                                                   ? PM3K_HOSTING_PM3K
                                                   : PM3K_HOSTING_EXTERNAL);
    return -1;
}

static int run_publish(const publish_args *a, const char *path, pm3k_api *api,
                       pm3k_storage *storage, cli_report *report)
{
    pm3k_publish_options opt = {
        .path = path, .force = a->storage.force, .strict = a->common.strict};
    pm3k_probe_config_init(&opt.probe);
    opt.probe.limits = a->common.limits;
    opt.probe.hosting_given = true;
    pm3k_payload_options_init(&opt.payload);
    cli_body_apply(&a->body, &opt.payload);
    pm3k_payload_lint_options_init(&opt.lint);
    opt.lint.limits = a->common.limits;
    opt.lint.path = "payload";
    opt.status.max_wait_s = a->max_wait;
    opt.status.max_attempts = a->max_attempts;
    opt.status.first_delay_s = 2.0;
    pm3k_code rc = pm3k_publish(api, storage, &opt, cli_report_item, report, &report->err);
    cli_upload_progress_end();
    report->summary.interrupted = cli_stopping(NULL);
    return cli_stop_exit(cli_report_finish(report, rc, "publish failed"));
}

int cmd_publish(int argc, char **argv)
{
    publish_args args = {0};
    cli_parse parse;
    cli_report report = {0};
    pm3k_api_key *key = NULL;
    pm3k_history *history = NULL;
    pm3k_storage *storage = NULL;
    pm3k_api *api = NULL;
    pm3k_error err = {0};
    int exit_code;

    cli_common_init(&args.common);
    if ((exit_code = cli_parse_args(&parse, &cmd_publish_spec, &args, argc, argv)) >= 0 ||
        (exit_code = check_args(&args, &parse)) >= 0)
        goto out;
    if ((exit_code = cli_key_load(&args.key, &key)) >= 0 ||
        (exit_code = cli_history_open(&history)) >= 0 ||
        (exit_code = cli_storage_open(&args.storage, &args.common, &args.http, key, history,
                                      &storage)) >= 0)
        goto out;
    pm3k_api_options aopt = {.http = args.http,
                             .key = key,
                             .history = history,
                             .trace = args.common.verbose ? cli_trace_stderr : NULL,
                             .stopping = cli_stopping};
    exit_code = PM3K_EXIT_USAGE;
    if (pm3k_api_new(&aopt, &api, &err) != PM3K_OK) {
        cli_error("%s", err.message);
        goto out;
    }
    if (cli_report_open(&report, &args.common, "publish") != 0)
        goto out;
    exit_code = run_publish(&args, parse.operands[0], api, storage, &report);
out:
    cli_report_close(&report);
    pm3k_api_free(api);
    pm3k_storage_free(storage);
    pm3k_history_close(history);
    pm3k_api_key_free(key);
    cli_parse_free(&parse);
    return exit_code;
}
