/* pm3k domain — custom-domain hosting audit (`pm3k domain verify HOST`). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "pm3k/url.h"

typedef struct domain_args {
    cli_common common;
    const char *host, *token, *sample;
    pm3k_http_options http;
} domain_args;

static const cli_option domain_options[] = {
    CLI_SECTION("Domain options"),
    CLI_STRING(0, "token", "T", domain_args, token,
               "the expected token (compared after trimming whitespace)"),
    CLI_STRING(0, "sample", "URL", domain_args, sample,
               "also check a media URL on the domain as probe does"),
    CLI_INCLUDE(cli_http_options, domain_args, http, pm3k_http_options),
    CLI_INCLUDE(cli_common_options, domain_args, common, cli_common),
    CLI_END,
};

const cli_spec cmd_domain_spec = {
    .name = "domain",
    .summary = "verify a custom domain the way PM3K does",
    .synopsis = "verify HOST [OPTIONS]",
    .description = "Check a custom domain the way PM3K does before it accepts media from it: "
                   "HTTPS with a certificate valid for HOST, https://HOST/pm3k-verify.txt "
                   "answering 200 directly (PM3K follows no redirect) and holding the token from "
                   "the PM3K dashboard. HOST may carry a port (media.example.com:8443) and may be "
                   "written as a URL (https://media.example.com/). Each problem is reported with "
                   "its fix.",
    .options = domain_options,
    .examples = "pm3k domain verify media.example.com --token abc123\n"
                "pm3k domain verify media.example.com --token abc123 \\\n"
                "    --sample https://media.example.com/clips/a.mp4 --format json",
};

/* "verify HOST" after the options. Returns -1 to go on, or an exit code. */
static int check_args(domain_args *a, const cli_parse *parse)
{
    char **words = parse->operands;
    size_t count = parse->operand_count;
    if (count == 0)
        return cli_usage_error("domain", "no subcommand: use 'pm3k domain verify HOST'");
    if (strcmp(words[0], "verify") != 0)
        return cli_usage_error("domain", "unknown subcommand '%s'; use 'verify'", words[0]);
    if (count < 2)
        return cli_usage_error("domain", "verify needs a HOST");
    if (count > 2)
        return cli_usage_error("domain", "verify takes one HOST, not '%s' too", words[2]);
    a->host = words[1];
    return -1;
}

/* The --sample URL through the probe engine, with HOST as the verified
 * domain: the same checks `pm3k probe URL --domain HOST` makes. */
static pm3k_code check_sample(const domain_args *a, cli_report *report)
{
    pm3k_probe_config config;
    pm3k_batch *batch = NULL;
    char domain[256];
    pm3k_code rc;

    pm3k_probe_config_init(&config);
    config.limits = a->common.limits;
    if (!pm3k_domain_host(a->host, domain, sizeof domain))
        return pm3k_error_set(&report->err, PM3K_ERR_INVALID_ARG, "'%s' is not a host name",
                              a->host);
    config.domain = domain;
    config.http = a->http;
    config.jobs = a->common.jobs;
    if ((rc = pm3k_url_options_check(&config, &report->err)) != PM3K_OK)
        return rc;
    if ((rc = pm3k_batch_new(&config, &batch, &report->err)) == PM3K_OK &&
        (rc = pm3k_batch_add(batch, a->sample, &report->err)) == PM3K_OK) {
        pm3k_batch_set_idle(batch, cli_report_idle, report);
        rc = pm3k_batch_run(batch, cli_report_item, report, &report->err);
    }
    pm3k_batch_free(batch);
    return rc;
}

/* A signal stops the verify request within a second. */
static bool interrupted(void *userdata)
{
    (void)userdata;
    return cli_interrupted() != 0;
}

int cmd_domain(int argc, char **argv)
{
    domain_args args = {0};
    cli_parse parse;
    cli_report report = {0};
    pm3k_item *item = NULL;
    pm3k_error err = {0};
    int exit_code;

    cli_common_init(&args.common);
    if ((exit_code = cli_parse_args(&parse, &cmd_domain_spec, &args, argc, argv)) >= 0 ||
        (exit_code = check_args(&args, &parse)) >= 0)
        goto out;
    exit_code = PM3K_EXIT_USAGE;
    if (args.sample && strncmp(args.sample, "https://", 8) != 0 &&
        strncmp(args.sample, "http://", 7) != 0) {
        char shown[512];
        pm3k_redact_text(args.sample, shown, sizeof shown);
        exit_code = cli_usage_error("domain", "--sample expects a URL, not '%s'", shown);
        goto out;
    }
    if (cli_report_open(&report, &args.common, "domain") != 0)
        goto out;
    pm3k_domain_config config = {
        .host = args.host, .token = args.token, .http = args.http, .stop = interrupted};
    pm3k_code rc = pm3k_domain_verify(&config, &item, &err);
    if (rc == PM3K_ERR_INVALID_ARG) {
        /* the report is open: json and ndjson still end with the error */
        bool document =
            args.common.format == PM3K_FORMAT_JSON || args.common.format == PM3K_FORMAT_NDJSON;
        exit_code = document ? cli_report_fail(&report, "usage", err.message)
                             : cli_usage_error("domain", "%s", err.message);
        if (document)
            cli_usage_hint("domain");
        goto out;
    }
    if (rc != PM3K_OK)
        report.err = err;
    else
        rc = cli_report_item(&report, item);
    if (rc == PM3K_OK && args.sample && !cli_interrupted())
        rc = check_sample(&args, &report);
    exit_code = cli_report_finish(&report, rc, "domain verify failed");
out:
    cli_report_close(&report);
    pm3k_item_free(item);
    cli_parse_free(&parse);
    return exit_code;
}
