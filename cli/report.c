/* pm3k CLI — the report a checking command prints: output, writer and run
 * totals in one place, shared by probe, domain and payload --check. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "cli/cli.h"

double cli_seconds_since(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

int cli_report_open(cli_report *report, const cli_common *common, const char *command)
{
    memset(report, 0, sizeof *report);
    clock_gettime(CLOCK_MONOTONIC, &report->start);
    report->strict = common->strict;
    report->fail_on = common->fail_on;
    report->ignore = common->ignore;
    report->ignore_count = common->ignore_count;
    pm3k_summary_init(&report->summary);
    if (cli_output_open(&report->output, common->output) != 0)
        return -1;
    pm3k_writer_options wopt = cli_writer_options(common, command, report->output.fp);
    if (pm3k_writer_new(&wopt, cli_output_sink, &report->output, &report->writer, &report->err) !=
        PM3K_OK) {
        cli_error("%s", report->err.message);
        cli_output_close(&report->output, false);
        return -1;
    }
    return 0;
}

pm3k_code cli_report_item(void *userdata, const pm3k_item *item)
{
    cli_report *report = userdata;
    /* The item is the caller's until this returns, and the caller frees it
     * after: marking its findings ignored here is the one place every
     * command's items pass. */
    pm3k_item *own = (pm3k_item *)(uintptr_t)item;
    for (size_t i = 0; i < report->ignore_count; i++)
        pm3k_item_ignore(own, report->ignore[i]);
    pm3k_summary_add(&report->summary, item, report->strict);
    pm3k_code rc = pm3k_writer_item(report->writer, item, &report->err);
    /* After a signal the item at hand is still written (a post cut off
     * mid-send says its outcome is unknown; an upload that it stored
     * nothing), then the run stops. */
    if (rc == PM3K_OK && cli_interrupted())
        return pm3k_error_set(&report->err, PM3K_ERR_ABORTED, "interrupted");
    return rc;
}

pm3k_code cli_report_idle(void *userdata)
{
    cli_report *report = userdata;
    if (cli_interrupted())
        return pm3k_error_set(&report->err, PM3K_ERR_ABORTED, "interrupted");
    return cli_output_flush(&report->output);
}

/* Say why the report stopped; a reader that went away (| head) is not an
 * error worth a message. */
static void say_failure(const cli_report *report, const char *fallback)
{
    int write_errno = report->output.write_errno;
    if (write_errno == EPIPE)
        return;
    if (write_errno)
        cli_error("cannot write the report: %s", strerror(write_errno));
    else
        cli_error("%s", report->err.message[0] ? report->err.message : fallback);
}

int cli_report_finish(cli_report *report, pm3k_code run_rc, const char *fallback)
{
    int exit_code = PM3K_EXIT_USAGE;
    if (cli_interrupted() && !cli_run_epipe()) {
        /* Stopped by a signal: what was checked, completed as a document. */
        report->summary.interrupted = true;
        report->summary.exit_code = cli_interrupt_exit_code();
    } else if (run_rc != PM3K_OK) {
        goto fail;
    } else {
        report->summary.exit_code = cli_exit_policy(report->fail_on, report->summary.exit_code);
    }
    report->summary.elapsed_ms = (int64_t)(cli_seconds_since(&report->start) * 1000.0);
    if (pm3k_writer_finish(report->writer, &report->summary, &report->err) != PM3K_OK)
        goto fail;
    exit_code = report->summary.exit_code;
    if (cli_output_close(&report->output, true) != 0)
        exit_code = PM3K_EXIT_USAGE;
    goto out;
fail:
    say_failure(report, fallback);
out:
    cli_report_close(report);
    return exit_code;
}

void cli_report_close(cli_report *report)
{
    cli_output_close(&report->output, false);
    pm3k_writer_free(report->writer);
    report->writer = NULL;
}

int cli_report_fail(cli_report *report, const char *code, const char *message)
{
    pm3k_error err = {0};
    cli_error("%s", message);
    report->summary.exit_code = PM3K_EXIT_USAGE;
    report->summary.elapsed_ms = (int64_t)(cli_seconds_since(&report->start) * 1000.0);
    bool written =
        pm3k_writer_finish_error(report->writer, &report->summary, code, message, &err) == PM3K_OK;
    cli_output_close(&report->output, written);
    cli_report_close(report);
    return PM3K_EXIT_USAGE;
}

/* The library's stop check: a SIGINT or SIGTERM came (cli/signal.c). */
static bool cli_stopping_hook(void *userdata)
{
    (void)userdata;
    return cli_interrupted() != 0;
}

int cli_client_open(cli_client *c, const cli_key *key, const pm3k_http_options *http, bool verbose,
                    pm3k_status_progress_fn progress, void *progress_userdata, cli_report *report)
{
    pm3k_error err = {0};
    memset(c, 0, sizeof *c);
    if (cli_key_load(key, &c->key) >= 0)
        return cli_report_fail(report, "no_api_key", "no usable PM3K API key (see above)");
    if (cli_history_open(&c->history) >= 0)
        return cli_report_fail(report, "history", "the posting history cannot be opened");
    pm3k_api_options opt = {.http = *http,
                            .key = c->key,
                            .history = c->history,
                            .trace = verbose ? cli_trace_stderr : NULL,
                            .progress = progress,
                            .progress_userdata = progress_userdata,
                            .stopping = cli_stopping_hook};
    if (pm3k_api_new(&opt, &c->api, &err) != PM3K_OK)
        return cli_report_fail(report, "config", err.message);
    return -1;
}

void cli_client_close(cli_client *c)
{
    pm3k_api_free(c->api);
    pm3k_history_close(c->history);
    pm3k_api_key_free(c->key);
    memset(c, 0, sizeof *c);
}

static pm3k_code stdout_sink(void *userdata, const char *data, size_t len)
{
    (void)userdata;
    return fwrite(data, 1, len, stdout) == len ? PM3K_OK : PM3K_ERR_IO;
}

void cli_usage_document(void)
{
    int format = cli_run_format();
    if (cli_run_has_report() || (format != PM3K_FORMAT_JSON && format != PM3K_FORMAT_NDJSON))
        return;
    pm3k_writer_options opt = {.format = (pm3k_format)format};
    pm3k_writer *writer = NULL;
    pm3k_summary summary;
    pm3k_error err = {0};
    pm3k_summary_init(&summary);
    summary.exit_code = PM3K_EXIT_USAGE;
    const char *message = cli_run_last_error();
    if (pm3k_writer_new(&opt, stdout_sink, NULL, &writer, &err) == PM3K_OK)
        pm3k_writer_finish_error(writer, &summary, "usage", *message ? message : "usage error",
                                 &err);
    pm3k_writer_free(writer);
    fflush(stdout);
}
