/* pm3k probe — check files, folders and URLs before posting. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "pm3k/url.h"

typedef struct shard_arg {
    int index, count; /* --shard I/N; count 0 when not given */
} shard_arg;

typedef struct probe_args {
    pm3k_probe_config config;
    cli_common common;
    bool null_separated;
    const char *cache_path;
    shard_arg shard;
} probe_args;

static const cli_choice hosting_choices[] = {
    {"pm3k", PM3K_HOSTING_PM3K}, {"external", PM3K_HOSTING_EXTERNAL}, {NULL, 0}};

static bool set_hosting(const cli_value *v)
{
    int hosting;
    if (!cli_choice_value(v, &hosting))
        return false;
    pm3k_limits_set_hosting(v->field, (pm3k_hosting)hosting);
    return true;
}

/* --ext mp4,.MOV,jpg: each name without its dots; given again, more.
 * --ext +jfif,raw adds to the default list. */
static bool add_extensions(const cli_value *v)
{
    bool additive = v->text[0] == '+';
    char *list = cli_keep_copy(v, v->text + additive);
    if (!list)
        return cli_value_error(v, "out of memory");
    if (additive && *v->count == 0)
        for (const char *const *ext = pm3k_walk_default_extensions(); *ext; ext++)
            if (!cli_list_add(v, *ext))
                return cli_value_error(v, "out of memory");
    for (char *save = NULL, *name = strtok_r(list, ",", &save); name;
         name = strtok_r(NULL, ",", &save)) {
        while (*name == '.' || *name == ' ')
            name++;
        if (*name && !cli_list_add(v, name))
            return cli_value_error(v, "out of memory");
    }
    return *v->count > 0 || cli_value_error(v, "--ext expects a list such as mp4,mov,jpg");
}

/* --shard I/N: 1 <= I <= N <= 1000000. */
static bool set_shard(const cli_value *v)
{
    shard_arg *shard = v->field;
    char *end = NULL;
    long i = strtol(v->text, &end, 10), n = 0;
    if (end != v->text && *end == '/' && end[1] >= '0' && end[1] <= '9') {
        const char *count = end + 1;
        n = strtol(count, &end, 10);
    }
    if (!end || *end != '\0' || n < 1 || n > 1000000 || i < 1 || i > n)
        return cli_value_error(v, "--shard expects I/N with 1 <= I <= N, such as 2/4");
    shard->index = (int)i;
    shard->count = (int)n;
    return true;
}

static const cli_option probe_options[] = {
    CLI_SECTION("Probe options"),
    CLI_CALL(0, "hosting", "H", probe_args, common.limits, pm3k_limits, set_hosting,
             "pm3k or external (default external for files; a URL follows its host: PM3K "
             "storage is pm3k). PNG photos are refused on pm3k hosting",
             .choices = hosting_choices, .flags = CLI_FIRST | CLI_ANY_CASE),
    CLI_FLAG(0, "photo", probe_args, config.photo_mode,
             "the inputs, in order, are one photo carousel"),
    CLI_INT(0, "cover", "N", probe_args, config.cover_index, 0, 1000,
            "carousel cover index, 0-based (default 0)"),
    CLI_INCLUDE(cli_video_limit_options, probe_args, common, cli_common),
    CLI_INCLUDE(cli_image_limit_options, probe_args, common, cli_common),
    CLI_LIST(0, "ext", "LIST", probe_args, config.extensions, config.extension_count,
             "extensions a folder walk takes, comma-separated, any case (default mp4, m4v, mov, "
             "3gp, 3g2, webm, mkv, avi, ts, mts, m2ts, flv, wmv, mpg, mpeg, ogv, jpg, jpeg, jpe, "
             "jfif, png, webp, gif, tif, tiff, bmp, heic, heif, avif, and the other images pm3k "
             "recognises, as the README lists: psd, svg, tga, ...); +LIST adds to the default "
             "list. Named files are always checked",
             .call = add_extensions),
    CLI_FLAG('0', "null", probe_args, null_separated, "'-' lists are NUL-separated"),
    CLI_SECTION("Scale-out options"),
    CLI_STRING(0, "cache", "FILE", probe_args, cache_path,
               "keep each local file's result in the SQLite file FILE (made if missing) and "
               "reuse it while the file (path, size, mtime, ctime, inode, device), pm3k, the "
               "rules and the options that decide the verdict stay the same; a reused item "
               "carries the fact \"cached\": true. Runs may share FILE. URLs are never cached "
               "(their answer can change behind the same URL)"),
    CLI_CALL(0, "shard", "I/N", probe_args, shard, shard_arg, set_shard,
             "check only this shard's share of the inputs, I from 1 to N, by a hash of each "
             "path as given (every shard walks all of them); the N ndjson reports merge with "
             "'pm3k report merge'. Not with --photo (a carousel is one post)"),
    CLI_SECTION("URL options"),
    CLI_STRING(0, "domain", "HOST", probe_args, config.domain,
               "your verified custom domain (exact host, no subdomains)"),
    CLI_INCLUDE(cli_http_options, probe_args, config.http, pm3k_http_options),
    CLI_FLAG(0, "get", probe_args, config.force_get,
             "decide with a GET aborted after the headers, not HEAD"),
    CLI_FLAG(0, "deep", probe_args, config.deep,
             "also check the remote media itself with HTTP range reads"),
    CLI_TEXT("Sizes: 1 MB = 10^6 bytes; a plain number is MB (150 = 150MB)."),
    CLI_INCLUDE(cli_common_options, probe_args, common, cli_common),
    CLI_END,
};

const cli_spec cmd_probe_spec = {
    .name = "probe",
    .summary = "check video/image files, folders and URLs before posting",
    .synopsis = "[OPTIONS] PATH|URL|- ...",
    .description = "Check videos, images, folders and URLs the way PM3K and TikTok will, before "
                   "anything is posted. Folders are walked recursively; '-' reads one input per "
                   "line from stdin (with -0, NUL-separated, as from find -print0). The verdict "
                   "comes from the content, never from the file name.",
    .options = probe_options,
    .examples = "pm3k probe clip.mp4 photos/ more/*.webp\n"
                "pm3k probe --format json --plan paid videos/ > report.json\n"
                "find /media -name '*.mp4' | pm3k probe --format ndjson -\n"
                "pm3k probe --hosting pm3k --photo --cover 1 a.jpg b.webp c.jpg",
};

/* What the batch's hooks share: the progress line, the report whose
 * summary counts the skipped entries, and whether to list them. */
typedef struct probe_run {
    cli_progress progress;
    cli_report *report;
    pm3k_batch *batch;
    bool verbose;
} probe_run;

static void on_progress(void *userdata, uint64_t done, const char *path)
{
    probe_run *run = userdata;
    (void)done;
    cli_progress_show(&run->progress, pm3k_batch_done(run->batch), pm3k_batch_total(run->batch),
                      path);
}

/* An entry the walk or a list left out: counted; listed with -v, and a
 * dangling symlink always noted. */
static void on_skip(void *userdata, const char *path, const char *reason, bool note)
{
    probe_run *run = userdata;
    run->report->summary.skipped++;
    if (!note && !run->verbose)
        return;
    cli_progress_clear(&run->progress);
    fprintf(stderr, "%s%s: %s\n", note ? "note: skipped " : "skipped ", path, reason);
}

/* A run that checked nothing is no pass: which inputs held no media. */
static int no_media(cli_report *report, const cli_parse *parse)
{
    char message[PM3K_ERROR_MESSAGE_MAX];
    size_t len = (size_t)snprintf(message, sizeof message, "no media found in ");
    for (size_t i = 0; i < parse->operand_count && len < sizeof message; i++) {
        const char *input = parse->operands[i];
        bool list = strcmp(input, "-") == 0;
        len += (size_t)snprintf(message + len, sizeof message - len, list ? "%s%s" : "%s'%s'",
                                i ? ", " : "", list ? "the list on stdin" : input);
    }
    return cli_report_fail(report, "no_media", message);
}

/* After the run: why the cache stopped, and with -v what it did. */
static void report_cache(const pm3k_batch *batch, const probe_args *a)
{
    uint64_t hits, misses, stored;
    const char *warning = pm3k_batch_cache_warning(batch);
    if (!a->cache_path)
        return;
    if (warning)
        cli_warning("the cache stopped during the run: %s; the items were checked without it "
                    "(remove or move '%s' if this repeats)",
                    warning, a->cache_path);
    pm3k_batch_cache_counts(batch, &hits, &misses, &stored);
    if (a->common.verbose)
        fprintf(stderr, "cache: %llu hits, %llu misses, %llu stored\n", (unsigned long long)hits,
                (unsigned long long)misses, (unsigned long long)stored);
}

/* After the options: what they mean together, and the run's config from
 * them. Returns -1 to go on, or an exit code. */
static int check_args(probe_args *a, const cli_parse *parse)
{
    pm3k_probe_config *c = &a->config;
    if (cli_given(parse, "cover") && !c->photo_mode)
        return cli_usage_error("probe", "--cover only makes sense with --photo");
    if (cli_given(parse, "shard") && c->photo_mode)
        return cli_usage_error("probe", "--shard cannot split --photo: a carousel is one post");
    if (parse->operand_count == 0)
        return cli_usage_error("probe", "no input: give files, folders, URLs, or - to read "
                                        "a list from stdin");
    c->limits = a->common.limits;
    c->hosting_given = cli_given(parse, "hosting");
    c->jobs = a->common.jobs;
    c->shard_index = a->shard.index;
    c->shard_count = a->shard.count;
    return -1;
}

/* The operands in order; '-' is the list on stdin, once. */
static int add_inputs(const probe_args *a, const cli_parse *parse, pm3k_batch *batch)
{
    pm3k_error err = {0};
    bool stdin_used = false;
    for (size_t i = 0; i < parse->operand_count; i++) {
        const char *input = parse->operands[i];
        pm3k_code rc;
        if (strcmp(input, "-") == 0) {
            if (stdin_used)
                return cli_usage_error("probe", "'-' (stdin) can only be given once");
            stdin_used = true;
            rc = pm3k_batch_add_list(batch, stdin, a->null_separated ? '\0' : '\n', "-", &err);
        } else {
            rc = pm3k_batch_add(batch, input, &err);
        }
        if (rc != PM3K_OK) {
            cli_error("%s", err.message);
            return PM3K_EXIT_USAGE;
        }
    }
    return -1;
}

int cmd_probe(int argc, char **argv)
{
    probe_args args = {0};
    cli_parse parse;
    cli_report report = {0};
    probe_run run = {.report = &report};
    pm3k_batch *batch = NULL;
    pm3k_error err = {0};
    int exit_code;

    pm3k_probe_config_init(&args.config);
    cli_common_init(&args.common);
    if ((exit_code = cli_parse_args(&parse, &cmd_probe_spec, &args, argc, argv)) >= 0 ||
        (exit_code = check_args(&args, &parse)) >= 0)
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
    if ((exit_code = add_inputs(&args, &parse, batch)) >= 0)
        goto out;
    /* A cache that cannot be used costs time, never a verdict: the run goes
     * on without it. */
    if (args.cache_path && pm3k_batch_set_cache(batch, args.cache_path, &err) != PM3K_OK)
        cli_warning("%s; running without the cache (remove or move the file, or give another "
                    "--cache)",
                    err.message);
    exit_code = PM3K_EXIT_USAGE;
    if (cli_report_open(&report, &args.common, "probe") != 0)
        goto out;
    cli_progress_init(&run.progress, &report.start);
    run.batch = batch;
    run.verbose = args.common.verbose;
    report.output.before_write = cli_progress_clear_for_report;
    report.output.before_write_data = &run.progress;
    pm3k_batch_set_progress(batch, on_progress, &run);
    pm3k_batch_set_skip(batch, on_skip, &run);
    pm3k_batch_set_idle(batch, cli_report_idle, &report);
    pm3k_code rc = pm3k_batch_run(batch, cli_report_item, &report, &report.err);
    cli_progress_clear(&run.progress);
    report.output.before_write = NULL;
    report_cache(batch, &args);
    if (rc == PM3K_OK && report.summary.items == 0 && !cli_interrupted())
        exit_code = no_media(&report, &parse);
    else
        exit_code = cli_report_finish(&report, rc, "probe failed");
out:
    cli_report_close(&report);
    pm3k_batch_free(batch);
    cli_parse_free(&parse);
    return exit_code;
}
