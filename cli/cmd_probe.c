/* pm3k probe — check files, folders and URLs before posting. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "pm3k/url.h"

enum {
    OPT_HOSTING = CLI_OPT_COMMAND_FIRST,
    OPT_DOMAIN,
    OPT_MAX_DURATION,
    OPT_MAX_SIZE,
    OPT_MAX_IMAGE_SIZE,
    OPT_MAX_IMAGE_SIDE,
    OPT_CACERT,
    OPT_RESOLVE,
    OPT_TIMEOUT,
    OPT_PHOTO,
    OPT_COVER,
    OPT_EXT,
    OPT_DEEP,
    OPT_GET,
};

void cmd_probe_usage(FILE *out)
{
    fputs("usage: pm3k probe [OPTIONS] PATH|URL|- ...\n"
          "\n"
          "Check videos, images, folders and URLs the way PM3K and TikTok will, before\n"
          "anything is posted. Folders are walked recursively; '-' reads one input per line\n"
          "from stdin (with -0, NUL-separated, as from find -print0). The verdict comes from\n"
          "the content, never from the file name.\n"
          "\n"
          "Probe options:\n"
          "      --hosting H       pm3k or external (default external for files; a URL\n"
          "                        follows its host: PM3K storage is pm3k). PNG photos are\n"
          "                        refused on pm3k hosting\n"
          "      --photo           the inputs, in order, are one photo carousel\n"
          "      --cover N         carousel cover index, 0-based (default 0)\n"
          "      --max-duration S  creator's duration limit in seconds (default 600)\n"
          "      --max-size SIZE   video size limit (default by --plan: 100MB or 200MB)\n"
          "      --max-image-size SIZE  image size limit (default 20MB)\n"
          "      --max-image-side PX    image side limit (default 1080)\n"
          "      --ext LIST        extensions a folder walk takes, comma-separated (default\n"
          "                        mp4,m4v,mov,webm,mkv,avi,jpg,jpeg,png,webp,gif,tif,tiff,\n"
          "                        bmp,heic,heif,avif; any case). Named files are always checked\n"
          "  -0, --null            '-' lists are NUL-separated\n"
          "\n"
          "URL options:\n"
          "      --domain HOST     your verified custom domain (exact host, no subdomains)\n"
          "      --cacert FILE     also trust this CA (TLS verification is always on)\n"
          "      --resolve H:P:A   connect to address A for host H and port P (as curl's);\n"
          "                        repeatable\n"
          "      --timeout S       per-URL timeout in seconds (default 20)\n"
          "      --get             decide with a GET aborted after the headers, not HEAD\n"
          "      --deep            also check the remote media itself with HTTP range reads\n"
          "\n"
          "Sizes: 1 MB = 10^6 bytes; a plain number is MB (150 = 150MB).\n"
          "\n",
          out);
    cli_common_usage(out);
    fputs("\n"
          "Examples:\n"
          "  pm3k probe clip.mp4 photos/ more/*.webp\n"
          "  pm3k probe --format json --plan paid videos/ > report.json\n"
          "  find /media -name '*.mp4' | pm3k probe --format ndjson -\n"
          "  pm3k probe --hosting pm3k --photo --cover 1 a.jpg b.webp c.jpg\n",
          out);
}

/* Progress on a terminal, beside the report. */
typedef struct progress {
    bool enabled, shown;
    struct timespec start, last;
} progress;

/* A progress line on stderr, only on a terminal and only for runs longer
 * than a second; redrawn at most 10 times a second. */
static void on_progress(void *userdata, uint64_t done, const char *path)
{
    progress *p = userdata;
    if (!p->enabled || cli_seconds_since(&p->start) < 1.0 || cli_seconds_since(&p->last) < 0.1)
        return;
    clock_gettime(CLOCK_MONOTONIC, &p->last);
    fprintf(stderr, "\r\033[K%llu checked, %.0f/s  %.60s", (unsigned long long)done,
            (double)done / cli_seconds_since(&p->start), path);
    p->shown = true;
}

typedef struct probe_args {
    pm3k_probe_config config;
    cli_common common;
    const char **resolve;
    size_t resolve_count;
    char **extensions;
    size_t extension_count;
    bool null_separated;
    bool plan_limits_overridden;
    int64_t max_size;
} probe_args;

static bool add_resolve(probe_args *a, const char *value)
{
    const char **grown = realloc(a->resolve, (a->resolve_count + 1) * sizeof *grown);
    if (!grown)
        return false;
    a->resolve = grown;
    a->resolve[a->resolve_count++] = value;
    return true;
}

static bool parse_ext_list(probe_args *a, const char *list)
{
    char *copy = strdup(list);
    if (!copy)
        return false;
    for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        while (*tok == '.' || *tok == ' ')
            tok++;
        if (!*tok)
            continue;
        char **grown = realloc(a->extensions, (a->extension_count + 1) * sizeof *grown);
        if (!grown || !(grown[a->extension_count] = strdup(tok))) {
            free(copy);
            if (grown)
                a->extensions = grown;
            return false;
        }
        a->extensions = grown;
        a->extension_count++;
    }
    free(copy);
    return a->extension_count > 0;
}

/* Returns -1 to go on, or an exit code. */
static int parse_args(int argc, char **argv, probe_args *a)
{
    static const struct option options[] = {
        CLI_COMMON_LONGOPTS,
        {"hosting", required_argument, NULL, OPT_HOSTING},
        {"domain", required_argument, NULL, OPT_DOMAIN},
        {"max-duration", required_argument, NULL, OPT_MAX_DURATION},
        {"max-size", required_argument, NULL, OPT_MAX_SIZE},
        {"max-image-size", required_argument, NULL, OPT_MAX_IMAGE_SIZE},
        {"max-image-side", required_argument, NULL, OPT_MAX_IMAGE_SIDE},
        {"cacert", required_argument, NULL, OPT_CACERT},
        {"resolve", required_argument, NULL, OPT_RESOLVE},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"photo", no_argument, NULL, OPT_PHOTO},
        {"cover", required_argument, NULL, OPT_COVER},
        {"ext", required_argument, NULL, OPT_EXT},
        {"deep", no_argument, NULL, OPT_DEEP},
        {"get", no_argument, NULL, OPT_GET},
        {"null", no_argument, NULL, '0'},
        {NULL, 0, NULL, 0},
    };
    pm3k_probe_config *c = &a->config;
    pm3k_hosting hosting = PM3K_HOSTING_EXTERNAL;
    double number;
    long whole;
    bool cover_given = false;
    int opt;

    opterr = 0;
    optind = 1;
    while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS "0", options, NULL)) != -1) {
        int handled = cli_common_option("probe", opt, optarg, &a->common);
        if (handled < 0)
            return cli_usage_hint("probe");
        if (handled > 0)
            continue;
        switch (opt) {
        case 'h':
            cmd_probe_usage(stdout);
            return PM3K_EXIT_OK;
        case OPT_HOSTING:
            if (pm3k_hosting_parse(optarg, &hosting) != PM3K_OK)
                return cli_usage_error("probe", "--hosting must be pm3k or external, not '%s'",
                                       optarg);
            c->hosting_given = true;
            break;
        case OPT_DOMAIN:
            c->domain = optarg;
            break;
        case OPT_MAX_DURATION:
            if (!cli_parse_double("--max-duration", optarg, 1, 86400, &number))
                return cli_usage_hint("probe");
            c->limits.max_duration_s = number;
            break;
        case OPT_MAX_SIZE:
            if (!cli_parse_size("--max-size", optarg, &a->max_size))
                return cli_usage_hint("probe");
            a->plan_limits_overridden = true;
            break;
        case OPT_MAX_IMAGE_SIZE:
            if (!cli_parse_size("--max-image-size", optarg, &c->limits.max_image_bytes))
                return cli_usage_hint("probe");
            break;
        case OPT_MAX_IMAGE_SIDE:
            if (!cli_parse_int("--max-image-side", optarg, 1, 1000000, &whole))
                return cli_usage_hint("probe");
            c->limits.max_image_side = (int)whole;
            break;
        case OPT_CACERT:
            c->http.cacert = optarg;
            break;
        case OPT_RESOLVE:
            if (!add_resolve(a, optarg))
                return cli_usage_error("probe", "out of memory");
            break;
        case OPT_TIMEOUT:
            if (!cli_parse_double("--timeout", optarg, 0.001, 3600, &number))
                return cli_usage_hint("probe");
            c->http.timeout_ms = (long)(number * 1000.0);
            break;
        case OPT_PHOTO:
            c->photo_mode = true;
            break;
        case OPT_COVER:
            if (!cli_parse_int("--cover", optarg, 0, 1000, &whole))
                return cli_usage_hint("probe");
            c->cover_index = (int)whole;
            cover_given = true;
            break;
        case OPT_EXT:
            if (!parse_ext_list(a, optarg))
                return cli_usage_error("probe", "--ext expects a list such as mp4,mov,jpg");
            break;
        case OPT_DEEP:
            c->deep = true;
            break;
        case OPT_GET:
            c->force_get = true;
            break;
        case '0':
            a->null_separated = true;
            break;
        case '?':
        default:
            if (optopt && optopt < 256)
                return cli_usage_error("probe", "unknown option '-%c'", optopt);
            return cli_usage_error("probe", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (cover_given && !c->photo_mode)
        return cli_usage_error("probe", "--cover only makes sense with --photo");
    if (optind >= argc)
        return cli_usage_error("probe", "no input: give files, folders, URLs, or - to read "
                                        "a list from stdin");

    /* The plan decides the video limit unless --max-size overrides it. */
    pm3k_limits limits = c->limits;
    pm3k_limits_init(&c->limits, a->common.plan, hosting);
    c->limits.max_duration_s = limits.max_duration_s;
    c->limits.max_image_bytes = limits.max_image_bytes;
    c->limits.max_image_side = limits.max_image_side;
    if (a->plan_limits_overridden)
        c->limits.max_video_bytes = a->max_size;
    c->jobs = a->common.jobs;
    c->http.resolve = a->resolve;
    c->http.resolve_count = a->resolve_count;
    c->extensions = (const char *const *)a->extensions;
    c->extension_count = a->extension_count;
    return -1;
}

static void free_args(probe_args *a)
{
    for (size_t i = 0; i < a->extension_count; i++)
        free(a->extensions[i]);
    free(a->extensions);
    free(a->resolve);
}

int cmd_probe(int argc, char **argv)
{
    probe_args args = {0};
    cli_report report = {0};
    progress prog = {0};
    pm3k_batch *batch = NULL;
    pm3k_error err = {0};
    bool stdin_used = false;
    int exit_code;

    pm3k_probe_config_init(&args.config);
    cli_common_init(&args.common);
    exit_code = parse_args(argc, argv, &args);
    if (exit_code >= 0)
        goto out;
    exit_code = PM3K_EXIT_USAGE;
    if (pm3k_url_options_check(&args.config, &err) != PM3K_OK) {
        exit_code = cli_usage_error("probe", "%s", err.message);
        goto out;
    }
    if (pm3k_batch_new(&args.config, &batch, &err) != PM3K_OK) {
        cli_error("%s", err.message);
        goto out;
    }
    for (int i = optind; i < argc; i++) {
        pm3k_code rc;
        if (strcmp(argv[i], "-") == 0) {
            if (stdin_used) {
                exit_code = cli_usage_error("probe", "'-' (stdin) can only be given once");
                goto out;
            }
            stdin_used = true;
            rc = pm3k_batch_add_list(batch, stdin, args.null_separated ? '\0' : '\n', "-", &err);
        } else {
            rc = pm3k_batch_add(batch, argv[i], &err);
        }
        if (rc != PM3K_OK) {
            cli_error("%s", err.message);
            goto out;
        }
    }

    if (cli_report_open(&report, &args.common, "probe") != 0)
        goto out;
    prog.enabled = !args.common.quiet && isatty(STDERR_FILENO);
    prog.start = prog.last = report.start;
    pm3k_batch_set_progress(batch, on_progress, &prog);
    pm3k_batch_set_idle(batch, cli_output_flush, &report.output);
    pm3k_code rc = pm3k_batch_run(batch, cli_report_item, &report, &report.err);
    if (prog.shown)
        fputs("\r\033[K", stderr);
    exit_code = cli_report_finish(&report, rc, "probe failed");
out:
    cli_report_close(&report);
    pm3k_batch_free(batch);
    free_args(&args);
    return exit_code;
}
