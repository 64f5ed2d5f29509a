/* pm3k domain — custom-domain hosting audit (`pm3k domain verify HOST`). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "pm3k/url.h"

enum {
    OPT_TOKEN = CLI_OPT_COMMAND_FIRST,
    OPT_SAMPLE,
    OPT_CACERT,
    OPT_RESOLVE,
    OPT_TIMEOUT,
};

void cmd_domain_usage(FILE *out)
{
    fputs("usage: pm3k domain verify HOST [OPTIONS]\n"
          "\n"
          "Check a custom domain the way PM3K does before it accepts media from it: HTTPS\n"
          "with a certificate valid for HOST, https://HOST/pm3k-verify.txt answering 200\n"
          "directly (PM3K follows no redirect) and holding the token from the PM3K\n"
          "dashboard. HOST may carry a port (media.example.com:8443) and may be written\n"
          "as a URL (https://media.example.com/). Each problem is reported with its fix.\n"
          "\n"
          "Domain options:\n"
          "      --token T         the expected token (compared after trimming whitespace)\n"
          "      --sample URL      also check a media URL on the domain as probe does\n"
          "      --cacert FILE     also trust this CA (TLS verification is always on)\n"
          "      --resolve H:P:A   connect to address A for host H and port P (as curl's);\n"
          "                        repeatable\n"
          "      --timeout S       per-request timeout in seconds (default 20)\n"
          "\n",
          out);
    cli_common_usage(out);
    fputs("\n"
          "Examples:\n"
          "  pm3k domain verify media.example.com --token abc123\n"
          "  pm3k domain verify media.example.com --token abc123 \\\n"
          "      --sample https://media.example.com/clips/a.mp4 --format json\n",
          out);
}

typedef struct domain_args {
    cli_common common;
    const char *host, *token, *sample, *cacert;
    const char **resolve;
    size_t resolve_count;
    long timeout_ms;
} domain_args;

/* Returns -1 to go on, or an exit code. */
static int parse_args(int argc, char **argv, domain_args *a)
{
    static const struct option options[] = {
        CLI_COMMON_LONGOPTS,
        {"token", required_argument, NULL, OPT_TOKEN},
        {"sample", required_argument, NULL, OPT_SAMPLE},
        {"cacert", required_argument, NULL, OPT_CACERT},
        {"resolve", required_argument, NULL, OPT_RESOLVE},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {NULL, 0, NULL, 0},
    };
    double seconds;
    int opt;

    opterr = 0;
    optind = 1;
    while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, options, NULL)) != -1) {
        int handled = cli_common_option("domain", opt, optarg, &a->common);
        if (handled < 0)
            return cli_usage_hint("domain");
        if (handled > 0)
            continue;
        switch (opt) {
        case 'h':
            cmd_domain_usage(stdout);
            return PM3K_EXIT_OK;
        case OPT_TOKEN:
            a->token = optarg;
            break;
        case OPT_SAMPLE:
            a->sample = optarg;
            break;
        case OPT_CACERT:
            a->cacert = optarg;
            break;
        case OPT_RESOLVE: {
            const char **grown = realloc(a->resolve, (a->resolve_count + 1) * sizeof *grown);
            if (!grown)
                return cli_usage_error("domain", "out of memory");
            a->resolve = grown;
            a->resolve[a->resolve_count++] = optarg;
            break;
        }
        case OPT_TIMEOUT:
            if (!cli_parse_double("--timeout", optarg, 0.001, 3600, &seconds))
                return cli_usage_hint("domain");
            a->timeout_ms = (long)(seconds * 1000.0);
            break;
        case '?':
        default:
            if (optopt && optopt < 256)
                return cli_usage_error("domain", "unknown option '-%c'", optopt);
            return cli_usage_error("domain", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return cli_usage_error("domain", "no subcommand: use 'pm3k domain verify HOST'");
    if (strcmp(argv[optind], "verify") != 0)
        return cli_usage_error("domain", "unknown subcommand '%s'; use 'verify'", argv[optind]);
    if (optind + 1 >= argc)
        return cli_usage_error("domain", "verify needs a HOST");
    if (optind + 2 < argc)
        return cli_usage_error("domain", "verify takes one HOST, not '%s' too", argv[optind + 2]);
    a->host = argv[optind + 1];
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
    pm3k_limits_init(&config.limits, a->common.plan, PM3K_HOSTING_EXTERNAL);
    if (!pm3k_domain_host(a->host, domain, sizeof domain))
        return pm3k_error_set(&report->err, PM3K_ERR_INVALID_ARG, "'%s' is not a host name",
                              a->host);
    config.domain = domain;
    config.http = (pm3k_http_options){.cacert = a->cacert,
                                      .resolve = a->resolve,
                                      .resolve_count = a->resolve_count,
                                      .timeout_ms = a->timeout_ms};
    config.jobs = a->common.jobs;
    if ((rc = pm3k_url_options_check(&config, &report->err)) != PM3K_OK)
        return rc;
    if ((rc = pm3k_batch_new(&config, &batch, &report->err)) == PM3K_OK &&
        (rc = pm3k_batch_add(batch, a->sample, &report->err)) == PM3K_OK)
        rc = pm3k_batch_run(batch, cli_report_item, report, &report->err);
    pm3k_batch_free(batch);
    return rc;
}

int cmd_domain(int argc, char **argv)
{
    domain_args args = {0};
    cli_report report = {0};
    pm3k_item *item = NULL;
    pm3k_error err = {0};
    int exit_code;

    cli_common_init(&args.common);
    exit_code = parse_args(argc, argv, &args);
    if (exit_code >= 0)
        goto out;
    exit_code = PM3K_EXIT_USAGE;
    if (args.sample && strncmp(args.sample, "https://", 8) != 0 &&
        strncmp(args.sample, "http://", 7) != 0) {
        exit_code = cli_usage_error("domain", "--sample expects a URL, not '%s'", args.sample);
        goto out;
    }
    if (cli_report_open(&report, &args.common, "domain") != 0)
        goto out;
    pm3k_domain_config config = {.host = args.host,
                                 .token = args.token,
                                 .http = {.cacert = args.cacert,
                                          .resolve = args.resolve,
                                          .resolve_count = args.resolve_count,
                                          .timeout_ms = args.timeout_ms}};
    pm3k_code rc = pm3k_domain_verify(&config, &item, &err);
    if (rc == PM3K_ERR_INVALID_ARG) {
        exit_code = cli_usage_error("domain", "%s", err.message);
        goto out;
    }
    if (rc != PM3K_OK)
        report.err = err;
    else
        rc = cli_report_item(&report, item);
    if (rc == PM3K_OK && args.sample)
        rc = check_sample(&args, &report);
    exit_code = cli_report_finish(&report, rc, "domain verify failed");
out:
    cli_report_close(&report);
    pm3k_item_free(item);
    free(args.resolve);
    return exit_code;
}
