/* pm3k history — what was posted and uploaded, and when the next post is
 * allowed (--next: just that time, for scripts). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "pm3k/api.h"

#define DEFAULT_LIMIT 50
#define ACCOUNTS_MAX 64

typedef struct history_args {
    cli_common common;
    cli_key key;
    bool next;
    int limit;
} history_args;

static const cli_option history_options[] = {
    CLI_SECTION("History"),
    CLI_FLAG(0, "next", history_args, next,
             "print only when the next post is allowed, as an ISO 8601 UTC time (now when it "
             "is allowed now)"),
    CLI_INT(0, "limit", "N", history_args, limit, 0, 1000000,
            "the newest N posts and uploads (default 50; 0: all)"),
    CLI_INCLUDE(cli_key_options, history_args, key, cli_key),
    CLI_TEXT("With a key (PM3K_API_KEY, --key-file or PM3K_API_KEY_FILE) the history is that "
             "account's; without one, every account's (the history holds fingerprints of keys, "
             "never a key). PM3K_HISTORY names the file (default "
             "$XDG_STATE_HOME/pm3k/history.db)."),
    CLI_INCLUDE(cli_common_options, history_args, common, cli_common),
    CLI_END,
};

const cli_spec cmd_history_spec = {
    .name = "history",
    .summary = "what was posted and uploaded, and when the next post is allowed",
    .synopsis = "[--next] [OPTIONS]",
    .description = "List the posting history pm3k keeps (posts with their outcome and publish "
                   "state, uploads), newest first, and say when the account may post next: one "
                   "post per rolling hour, 10 a day, and the cooldowns PM3K answered.",
    .options = history_options,
    .examples = "pm3k history\n"
                "pm3k history --next\n"
                "next=$(pm3k history --next); echo \"posting again at $next\"\n"
                "pm3k history --format json --limit 0",
};

typedef struct history_run {
    const history_args *args;
    pm3k_history *history;
    const char *account; /* the key's, or NULL for all */
    cli_report report;   /* json, ndjson, junit */
    cli_output output;   /* text */
    FILE *out;
    bool text;
    int64_t now;
} history_run;

/* ---- the next post ---- */

static pm3k_code next_item(history_run *run, const char *account, bool several)
{
    pm3k_history_check check;
    pm3k_error *err = &run->report.err;
    int minute = 0, hour = 0;
    char at[32], now_iso[32], path[64];
    pm3k_code rc = pm3k_history_next_post(run->history, account, run->now, &check, err);
    if (rc == PM3K_OK)
        rc = pm3k_history_status_usage(run->history, account, run->now, &minute, &hour, err);
    if (rc != PM3K_OK)
        return rc;
    int64_t allowed = check.block == PM3K_BLOCK_NONE ? run->now : check.allowed_at;
    pm3k_time_iso(allowed, at, sizeof at);
    pm3k_time_iso(run->now, now_iso, sizeof now_iso);
    if (run->text && run->args->next) {
        fprintf(run->out, "%s\n", at);
        return PM3K_OK;
    }
    if (run->text) {
        fprintf(run->out, "%s%.8s%snext post: %s", several ? "[" : "", several ? account : "",
                several ? "] " : "", check.block == PM3K_BLOCK_NONE ? "allowed now" : at);
        if (check.block != PM3K_BLOCK_NONE)
            fprintf(run->out, " (%s, from the %s)", pm3k_history_block_code(check.block),
                    strcmp(check.source, "pm3k") == 0 ? "deadline PM3K gave" : "history");
        fprintf(run->out,
                "; status calls: %d in the last minute (of 20), %d in the last hour (of 40)\n",
                minute, hour);
        return PM3K_OK;
    }
    snprintf(path, sizeof path, several ? "next post %.8s" : "next post", account);
    pm3k_item *item = pm3k_item_new(PM3K_KIND_POST, path);
    if (!item)
        return pm3k_error_set(err, PM3K_ERR_NOMEM, "out of memory");
    if (account[0])
        pm3k_item_fact_str(item, "account", account);
    pm3k_item_fact_str(item, "allowed_at", at);
    pm3k_item_fact_str(item, "now", now_iso);
    if (check.block != PM3K_BLOCK_NONE) {
        pm3k_item_fact_str(item, "blocked_by", pm3k_history_block_code(check.block));
        pm3k_item_fact_str(item, "source", check.source);
    }
    pm3k_item_fact_int(item, "status_calls_last_minute", minute);
    pm3k_item_fact_int(item, "status_calls_last_hour", hour);
    rc = cli_report_item(&run->report, item);
    pm3k_item_free(item);
    return rc;
}

/* ---- entries ---- */

static void print_entry(const history_run *run, const pm3k_history_entry *e)
{
    FILE *out = run->out;
    char at[32], outcome[96];
    pm3k_time_iso(e->time, at, sizeof at);
    if (e->code)
        snprintf(outcome, sizeof outcome, "%s (%s)", e->outcome, e->code);
    else
        snprintf(outcome, sizeof outcome, "%s", e->outcome);
    if (!run->account && e->account)
        fprintf(out, "[%.8s] ", e->account);
    if (strcmp(e->what, "upload") == 0) {
        fprintf(out, "%s  upload  %-20s %s %s (%lld bytes)\n", at, outcome,
                e->target ? e->target : "-", e->url ? e->url : "-", (long long)e->size);
        return;
    }
    fprintf(out, "%s  post    %-20s %-5s %-24s %s%s%s %s\n", at, outcome, e->media ? e->media : "-",
            e->publish_id ? e->publish_id : "-", e->publish_state ? e->publish_state : "-",
            e->fail_reason ? ": " : "", e->fail_reason ? e->fail_reason : "",
            e->url ? e->url : "-");
}

static pm3k_item *entry_item(const pm3k_history_entry *e)
{
    bool upload = strcmp(e->what, "upload") == 0;
    char at[32];
    pm3k_item *item =
        pm3k_item_new(upload ? PM3K_KIND_UPLOAD : PM3K_KIND_POST, e->url ? e->url : "-");
    if (!item)
        return NULL;
    pm3k_time_iso(e->time, at, sizeof at);
    pm3k_item_fact_int(item, "id", e->id);
    pm3k_item_fact_str(item, "time", at);
    if (e->account)
        pm3k_item_fact_str(item, "account", e->account);
    pm3k_item_fact_str(item, "outcome", e->outcome);
    const char *keys[] = {"media",         "publish_id",  "code",  "file_sha256",
                          "publish_state", "fail_reason", "target"};
    const char *values[] = {e->media,         e->publish_id,  e->code,  e->file_sha256,
                            e->publish_state, e->fail_reason, e->target};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (values[i])
            pm3k_item_fact_str(item, keys[i], values[i]);
    if (upload)
        pm3k_item_fact_int(item, "size_bytes", e->size);
    return item;
}

static pm3k_code on_entry(void *userdata, const pm3k_history_entry *e)
{
    history_run *run = userdata;
    if (run->text) {
        print_entry(run, e);
        return PM3K_OK;
    }
    pm3k_item *item = entry_item(e);
    if (!item)
        return pm3k_error_set(&run->report.err, PM3K_ERR_NOMEM, "out of memory");
    pm3k_code rc = cli_report_item(&run->report, item);
    pm3k_item_free(item);
    return rc;
}

/* ---- accounts ---- */

typedef struct account_list {
    char ids[ACCOUNTS_MAX][PM3K_ACCOUNT_LEN + 1];
    size_t count, total;
} account_list;

static pm3k_code on_account(void *userdata, const char *account)
{
    account_list *list = userdata;
    if (list->count < ACCOUNTS_MAX)
        snprintf(list->ids[list->count++], sizeof list->ids[0], "%s", account);
    list->total++;
    return PM3K_OK;
}

static pm3k_code run_listing(history_run *run)
{
    account_list *list = calloc(1, sizeof *list);
    pm3k_error *err = &run->report.err;
    pm3k_code rc = PM3K_OK;
    if (!list)
        return pm3k_error_set(err, PM3K_ERR_NOMEM, "out of memory");
    if (run->account) {
        snprintf(list->ids[0], sizeof list->ids[0], "%s", run->account);
        list->count = list->total = 1;
    } else if ((rc = pm3k_history_accounts(run->history, on_account, list, err)) != PM3K_OK) {
        goto out;
    }
    if (run->args->next && list->total > 1) {
        rc = pm3k_error_set(err, PM3K_ERR_INVALID_ARG,
                            "the history holds %zu accounts: give the key (PM3K_API_KEY or "
                            "--key-file) to say whose next post",
                            list->total);
        goto out;
    }
    if (!run->args->next) {
        if (run->text)
            fprintf(run->out, "history: %s\n", pm3k_history_path(run->history));
        rc = pm3k_history_list(run->history, run->account, (size_t)run->args->limit, on_entry, run,
                               err);
    }
    for (size_t i = 0; rc == PM3K_OK && i < list->count; i++)
        rc = next_item(run, list->ids[i], list->total > 1);
    if (rc == PM3K_OK && list->total == 0)
        rc = next_item(run, "", false);
out:
    free(list);
    return rc;
}

int cmd_history(int argc, char **argv)
{
    history_args args = {.limit = DEFAULT_LIMIT};
    cli_parse parse;
    history_run run = {.args = &args, .now = (int64_t)time(NULL)};
    pm3k_api_key *key = NULL;
    int exit_code;

    cli_common_init(&args.common);
    if ((exit_code = cli_parse_args(&parse, &cmd_history_spec, &args, argc, argv)) >= 0)
        goto out;
    if (parse.operand_count > 0) {
        exit_code = cli_usage_error("history", "unexpected argument '%s'", parse.operands[0]);
        goto out;
    }
    const char *env = getenv("PM3K_API_KEY"), *env_file = getenv("PM3K_API_KEY_FILE");
    if ((args.key.key_file || (env && *env) || (env_file && *env_file)) &&
        (exit_code = cli_key_load(&args.key, &key)) >= 0)
        goto out;
    run.account = key ? pm3k_api_key_account(key) : NULL;
    if ((exit_code = cli_history_open(&run.history)) >= 0)
        goto out;
    run.text = args.common.format == PM3K_FORMAT_TEXT;
    exit_code = PM3K_EXIT_USAGE;
    if (run.text ? cli_output_open(&run.output, args.common.output) != 0
                 : cli_report_open(&run.report, &args.common, "history") != 0)
        goto out;
    run.out = run.text ? run.output.fp : NULL;
    pm3k_code rc = run_listing(&run);
    if (run.text) {
        if (rc != PM3K_OK)
            cli_error("%s", run.report.err.message);
        exit_code = cli_output_close(&run.output, rc == PM3K_OK) == 0 && rc == PM3K_OK
                        ? PM3K_EXIT_OK
                        : PM3K_EXIT_USAGE;
    } else if (rc == PM3K_ERR_INVALID_ARG) {
        exit_code = cli_report_fail(&run.report, "usage", run.report.err.message);
    } else {
        exit_code = cli_report_finish(&run.report, rc, "the history cannot be read");
    }
out:
    cli_output_close(&run.output, false);
    cli_report_close(&run.report);
    pm3k_history_close(run.history);
    pm3k_api_key_free(key);
    cli_parse_free(&parse);
    return exit_code;
}
